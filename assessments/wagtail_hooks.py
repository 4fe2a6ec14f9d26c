"""The question bank and quizzes in the Wagtail admin, each trainer's own courses only.

Scoping is done in two central places rather than per screen: a permission policy
(which bulk actions and any screen that asks about an object consult), and the view
sets' ``construct_view``, through which every view they build (list, edit, delete,
history, usage, revisions, preview, chooser, and any Wagtail adds later) passes.
"""

from django.db.models import Q
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from courses.models import CoursePage, ModulePage
from courses.selectors.staff import courses_taught_by
from lms.roles import is_admin, is_trainer

from . import admin_grading, admin_views
from .models import Question, QuestionCategory, Quiz


def _in_taught_courses(user, queryset):
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
        return _in_taught_courses(user, self.model.objects.all())


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
        return _in_taught_courses(self.request.user, super().get_base_queryset())

    def get_object_list(self):
        return _in_taught_courses(self.request.user, super().get_object_list())


def _scoped(view_class):
    return type(f"CourseScoped{view_class.__name__}", (CourseScopedViewMixin, view_class), {})


class CourseScopedChooserViewSet(SnippetChooserViewSet):
    def construct_view(self, view_class, **kwargs):
        return super().construct_view(_scoped(view_class), **kwargs)


class CourseScopedForm(WagtailAdminModelForm):
    """Course, category, question and module choices limited to the user's courses."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is None:
            return
        taught = courses_taught_by(for_user)
        if "course" in self.fields:
            self.fields["course"].queryset = CoursePage.objects.filter(pk__in=taught)
        if "category" in self.fields:
            self.fields["category"].queryset = QuestionCategory.objects.filter(course__in=taught)
        if "module" in self.fields:
            self._limit_modules(taught)
        for formset in getattr(self, "formsets", {}).values():
            for form in formset.forms + [formset.empty_form]:
                for name, model in (("question", Question), ("category", QuestionCategory)):
                    if name in form.fields:
                        form.fields[name].queryset = model.objects.filter(course__in=taught)

    def _limit_modules(self, taught) -> None:
        # The page chooser browses the tree; what may be saved is a module of a taught course.
        within = Q(pk__in=[])
        for course_path in taught.values_list("path", flat=True):
            depth = len(course_path) // ModulePage.steplen + 1
            within |= Q(path__startswith=course_path, depth=depth)
        self.fields["module"].queryset = ModulePage.objects.filter(within)

    def clean(self):
        cleaned = super().clean()
        course = cleaned.get("course")
        if course is None:
            return cleaned
        category = cleaned.get("category")
        if category is not None and category.course_id != course.pk:
            self.add_error("category", _("Nhóm này thuộc khóa học khác."))
        slots = getattr(self, "formsets", {}).get("slots")
        for form in slots.forms if slots else []:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            for name in ("question", "category"):
                chosen = form.cleaned_data.get(name)
                if chosen is not None and chosen.course_id != course.pk:
                    form.add_error(name, _("Câu hỏi/nhóm phải thuộc khóa học của bài kiểm tra."))
        return cleaned


class CourseScopedViewSet(SnippetViewSet):
    chooser_viewset_class = CourseScopedChooserViewSet

    def construct_view(self, view_class, **kwargs):
        return super().construct_view(_scoped(view_class), **kwargs)


class QuestionCategoryViewSet(CourseScopedViewSet):
    model = QuestionCategory
    icon = "folder-open-inverse"
    menu_label = _("Nhóm câu hỏi")
    list_display = ["name", "course"]
    list_filter = ["course"]
    panels = [FieldPanel("course"), FieldPanel("name")]


class QuestionViewSet(CourseScopedViewSet):
    model = Question
    icon = "help"
    menu_label = _("Ngân hàng câu hỏi")
    list_display = ["title", "qtype", "category", "course", "updated_at"]
    list_filter = ["course", "qtype"]
    search_fields = ["title", "text"]
    panels = [
        FieldRowPanel([FieldPanel("course"), FieldPanel("category")]),
        FieldRowPanel([FieldPanel("qtype"), FieldPanel("points")]),
        FieldPanel("title"),
        FieldPanel("text"),
        FieldRowPanel([FieldPanel("image"), FieldPanel("audio")]),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("partial_credit"), FieldPanel("ignore_tones")]),
                FieldRowPanel([FieldPanel("tolerance"), FieldPanel("true_false_answer")]),
            ],
            heading=_("Cách chấm"),
        ),
        InlinePanel("options", label=_("Phương án / đáp án")),
        FieldPanel("general_feedback"),
        MultiFieldPanel(
            [FieldPanel("reference_audio"), FieldPanel("rubric")],
            heading=_("Trả lời bằng giọng nói"),
        ),
        FieldPanel("tags"),
    ]


class QuizViewSet(CourseScopedViewSet):
    model = Quiz
    icon = "tasks"
    menu_label = _("Bài kiểm tra")
    list_display = ["title", "course", "published", "updated_at"]
    list_filter = ["course", "published"]
    search_fields = ["title"]
    panels = [
        FieldRowPanel([FieldPanel("course"), FieldPanel("module")]),
        FieldPanel("title"),
        FieldPanel("intro"),
        FieldRowPanel([FieldPanel("published"), FieldPanel("required")]),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("time_limit_minutes"), FieldPanel("attempts_allowed")]),
                FieldRowPanel([FieldPanel("grading_method"), FieldPanel("pass_percent")]),
                FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]),
                FieldRowPanel([FieldPanel("open_at"), FieldPanel("close_at")]),
                FieldRowPanel([FieldPanel("feedback_shown"), FieldPanel("answers_shown")]),
                FieldPanel("review_after_close"),
            ],
            heading=_("Cài đặt"),
        ),
        InlinePanel("slots", label=_("Câu hỏi")),
    ]


class AssessmentsGroup(SnippetViewSetGroup):
    items = (QuizViewSet, QuestionViewSet, QuestionCategoryViewSet)
    menu_icon = "tasks"
    menu_label = _("Bài kiểm tra, câu hỏi")
    menu_order = 260


for _model in (Question, QuestionCategory, Quiz):
    register_permission_policy(_model, CourseScopedPolicy(_model), exact_class=True)
    _model.base_form_class = CourseScopedForm  # type: ignore[attr-defined]

register_snippet(AssessmentsGroup)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path(
            "my-courses/<int:course_id>/gradebook/",
            admin_views.gradebook_view,
            name="assessments_admin_gradebook",
        ),
        path(
            "quiz-attempts/<uuid:attempt_id>/",
            admin_views.attempt_view,
            name="assessments_admin_attempt",
        ),
        path(
            "quizzes/<int:quiz_id>/statistics/",
            admin_views.statistics_view,
            name="assessments_admin_statistics",
        ),
        path("questions/import/", admin_views.import_view, name="assessments_admin_import"),
    ]


class TrainerMenuItem(MenuItem):
    def is_shown(self, request):
        return is_trainer(request.user) or is_admin(request.user)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return TrainerMenuItem(
        _("Nhập câu hỏi (GIFT, XML)"),
        reverse("assessments_admin_import"),
        icon_name="download",
        order=265,
    )


@hooks.register("course_admin_links")
def gradebook_and_statistics_links(course, request):
    return admin_views.course_links(course, request)


# Spoken answers waiting for a trainer: the list and the grading screen.
hooks.register("register_admin_urls", admin_grading.admin_urls)
hooks.register("register_admin_menu_item", admin_grading.menu_item)
