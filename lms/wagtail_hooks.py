"""People, units and scopes in the Wagtail admin (admins only: model permissions)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
)
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import AdministrativeUnit, LearnerProfile, ManagerScope
from .text import fold


class UnitSearchForm(BaseFilterForm):
    """Search in the unit chooser by name or code, without diacritics ("dong kinh")."""

    q = forms.CharField(
        label=_("Tìm xã/phường"),
        widget=forms.TextInput(attrs={"placeholder": _("Tên hoặc mã, gõ không dấu cũng được")}),
        required=False,
    )

    def filter(self, objects):
        objects = super().filter(objects)
        query = (self.cleaned_data.get("q") or "").strip()
        words = fold(query).split()
        if words:
            # A few hundred units: folding their names here needs no extra column.
            matching = [
                pk
                for pk, name, code in objects.values_list("pk", "name", "code")
                if all(word in fold(name) or word == code for word in words)
            ]
            objects = objects.filter(pk__in=matching)
            self.is_searching, self.search_query = True, query
        return objects


class UnitChooseView(ChooseView):
    filter_form_class = UnitSearchForm


class UnitChooseResultsView(ChooseResultsView):
    filter_form_class = UnitSearchForm


class UnitChooserViewSet(SnippetChooserViewSet):
    """Current units first (the model's order), former ones marked "(cũ)"."""

    choose_view_class = UnitChooseView
    choose_results_view_class = UnitChooseResultsView


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
    chooser_viewset_class = UnitChooserViewSet


class PeopleGroup(SnippetViewSetGroup):
    items = (LearnerProfileViewSet, ManagerScopeViewSet, AdministrativeUnitViewSet)
    menu_icon = "group"
    menu_label = _("Người học và đơn vị")
    menu_name = "people"


register_snippet(PeopleGroup)
