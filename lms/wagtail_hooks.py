"""People, units and scopes in the Wagtail admin (admins only: model permissions)."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import AdministrativeUnit, LearnerProfile, ManagerScope


class LearnerProfileViewSet(SnippetViewSet):
    model = LearnerProfile
    icon = "user"
    menu_label = _("Hồ sơ người học")
    list_display = ["full_name", "user", "category", "unit", "created_at"]
    list_filter = ["category", "sex", "ethnic_consent"]
    search_fields = ["full_name", "user__username"]
    panels = [
        FieldPanel("full_name"),
        FieldPanel("category"),
        FieldPanel("occupation"),
        FieldPanel("sex"),
        FieldPanel("birth_year"),
        FieldPanel("phone"),
        FieldPanel("unit"),
        # Ethnicity is the learner's own answer to a consent question: shown, never edited
        # on their behalf.
        FieldPanel("ethnic_consent", read_only=True),
        FieldPanel("ethnic_group", read_only=True),
        FieldPanel("ethnic_consent_at", read_only=True),
    ]


class ManagerScopeViewSet(SnippetViewSet):
    model = ManagerScope
    icon = "globe"
    menu_label = _("Phạm vi quản lý")
    list_display = ["user", "unit"]
    panels = [FieldPanel("user"), FieldPanel("unit")]


class AdministrativeUnitViewSet(SnippetViewSet):
    model = AdministrativeUnit
    icon = "site"
    menu_label = _("Đơn vị hành chính")
    list_display = ["name", "code", "level", "is_current", "current_unit"]
    list_filter = ["level", "is_current"]
    search_fields = ["name", "code"]
    inspect_view_enabled = True


class PeopleGroup(SnippetViewSetGroup):
    items = (LearnerProfileViewSet, ManagerScopeViewSet, AdministrativeUnitViewSet)
    menu_icon = "group"
    menu_label = _("Người học và đơn vị")
    menu_name = "people"


register_snippet(PeopleGroup)
