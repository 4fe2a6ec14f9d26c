"""Admin screens of objects that belong to a course, each trainer's own courses only.

Apps above courses (quizzes, live sessions, packages) register their snippets with
these. Scoping is done in two central places rather than per screen: a permission
policy (which bulk actions and any screen that asks about an object consult), and the
view sets' ``construct_view``, through which every view they build (list, edit,
delete, history, usage, revisions, preview, chooser, and any Wagtail adds later)
passes.
"""

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import CoursePage, ModulePage
from .selectors.staff import courses_taught_by


def in_taught_courses(user, queryset):
    return queryset.filter(course__in=courses_taught_by(user))


class CourseScopedPolicy(ModelPermissionPolicy):
    """Model permissions (held by the trainers group), on the courses the user teaches."""

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and (
            user.is_superuser or courses_taught_by(user).filter(pk=instance.course_id).exists()
        )

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(self.user_has_permission_for_instance(user, a, instance) for a in actions)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model.objects.none()
        return in_taught_courses(user, self.model.objects.all())


class CourseScopedViewMixin:
    """Mixed into every view a view set builds: objects outside the user's courses do
    not exist for them."""

    def get_object(self, *args, **kwargs):
        found = super().get_object(*args, **kwargs)
        # Views about no object yet (the create form) have none to check.
        if (
            found is not None
            and not courses_taught_by(self.request.user).filter(pk=found.course_id).exists()
        ):
            raise Http404
        return found

    def get_base_queryset(self):
        return in_taught_courses(self.request.user, super().get_base_queryset())

    def get_object_list(self):
        return in_taught_courses(self.request.user, super().get_object_list())


def _scoped(view_class):
    return type(f"CourseScoped{view_class.__name__}", (CourseScopedViewMixin, view_class), {})


class CourseScopedChooserViewSet(SnippetChooserViewSet):
    def construct_view(self, view_class, **kwargs):
        return super().construct_view(_scoped(view_class), **kwargs)


class CourseScopedViewSet(SnippetViewSet):
    chooser_viewset_class = CourseScopedChooserViewSet

    def construct_view(self, view_class, **kwargs):
        return super().construct_view(_scoped(view_class), **kwargs)


class CourseScopedForm(WagtailAdminModelForm):
    """Course and module choices limited to the user's courses; a module must be one
    of the chosen course's."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is None:
            return
        self.taught = courses_taught_by(for_user)
        if "course" in self.fields:
            self.fields["course"].queryset = CoursePage.objects.filter(pk__in=self.taught)
        if "module" in self.fields:
            self._limit_modules(self.taught)

    def _limit_modules(self, taught) -> None:
        # The page chooser browses the tree; what may be saved is a module of a taught course.
        within = Q(pk__in=[])
        for course_path in taught.values_list("path", flat=True):
            depth = len(course_path) // ModulePage.steplen + 1
            within |= Q(path__startswith=course_path, depth=depth)
        self.fields["module"].queryset = ModulePage.objects.filter(within)

    def clean(self):
        cleaned = super().clean()
        course, module = cleaned.get("course"), cleaned.get("module")
        if course is not None and module is not None and not module.path.startswith(course.path):
            self.add_error("module", _("Học phần này thuộc khóa học khác."))
        return cleaned
