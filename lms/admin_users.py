"""The Wagtail admin's user screens, fitted to this product's accounts.

Learner accounts have no first name, last name or e-mail (the name is on the learner's
profile, and most learners have no e-mail); Wagtail's own user form requires all three,
so an admin could not change a learner's role without inventing them. Here they are
optional, the roles tab speaks of this product's roles, and the list shows each
person's full name and finds it without diacritics.
"""

from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.utils import get_user_display_name
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import IndexView, UserViewSet

from .roles import MANAGERS_GROUP, TRAINERS_GROUP
from .text import fold

OPTIONAL_FIELDS = ("email", "first_name", "last_name")


def display_name(user) -> str:
    """The learner profile's full name, else Wagtail's (first and last name, username)."""
    profile = getattr(user, "learner_profile", None)
    return profile.full_name if profile is not None else get_user_display_name(user)


class RolesFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in OPTIONAL_FIELDS:
            if name in self.fields:
                self.fields[name].required = False
        if "groups" in self.fields:
            self.fields["groups"].label = _("Vai trò")
            self.fields["groups"].help_text = _(
                "%(trainers)s: soạn và dạy các khóa học được giao (giao ở trang khóa học). "
                "%(managers)s: theo dõi học viên của các xã/phường trong phạm vi, đặt ở "
                "“Người học và đơn vị › Phạm vi quản lý”. Người học không cần vai trò nào."
            ) % {"trainers": TRAINERS_GROUP, "managers": MANAGERS_GROUP}
        if "is_superuser" in self.fields:
            self.fields["is_superuser"].label = _("Quản trị viên")
            self.fields["is_superuser"].help_text = _(
                "Quản trị viên được quản lý mọi thứ: người dùng, vai trò, đơn vị, khóa học."
            )


class PersonUserEditForm(RolesFormMixin, UserEditForm):
    pass


class PersonUserCreationForm(RolesFormMixin, UserCreationForm):
    pass


class PersonIndexView(IndexView):
    @cached_property
    def columns(self):
        columns = list(super().columns)
        for index, column in enumerate(columns):
            if column.name == "name":
                column.accessor = display_name
                column.sort_key = None
                columns[index] = column
        return columns

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("learner_profile")

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        for word in fold(self.search_query).split():
            queryset = queryset.filter(
                Q(learner_profile__search_key__contains=word)
                | Q(username__icontains=word)
                | Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
        return queryset


class PersonUserViewSet(UserViewSet):
    index_view_class = PersonIndexView

    def get_form_class(self, for_update=False):
        return PersonUserEditForm if for_update else PersonUserCreationForm
