"""The admin's screens for reports: indicators with their denominators, the receiving
systems' mappings, and the export audit log (read only). Model permissions decide who
sees them; only admins hold them."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import ExchangeTarget, ExportAudit, Indicator


class IndicatorViewSet(ModelViewSet):
    model = Indicator
    icon = "list-ol"
    menu_label = _("Chỉ số")
    list_display = ["code", "name", "measure", "target_percent", "deadline", "is_active"]
    search_fields = ["code", "name"]
    copy_view_enabled = False
    inspect_view_enabled = False
    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("is_active")]),
        FieldPanel("name"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("counts"), FieldPanel("measure")]),
                FieldRowPanel([FieldPanel("track"), FieldPanel("category")]),
                FieldPanel("courses"),
                FieldRowPanel([FieldPanel("sex"), FieldPanel("age_band")]),
                FieldPanel("minorities_only"),
                FieldPanel("ethnic_groups"),
                FieldPanel("counted_from"),
            ],
            heading=_("Đếm những ai"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("has_denominator"),
                FieldRowPanel([FieldPanel("target_percent"), FieldPanel("target_count")]),
                FieldPanel("deadline"),
            ],
            heading=_("Mục tiêu"),
        ),
        InlinePanel("denominators", label=_("Mẫu số theo xã/phường")),
    ]


class ExchangeTargetViewSet(ModelViewSet):
    model = ExchangeTarget
    icon = "site"
    menu_label = _("Hệ thống nhận số liệu")
    list_display = ["name", "data_set"]
    copy_view_enabled = False
    inspect_view_enabled = False
    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("data_set")]),
        FieldPanel("province_org_unit"),
        FieldPanel("notes"),
        InlinePanel("indicators", label=_("Chỉ số → data element")),
        InlinePanel("units", label=_("Xã/phường → org unit")),
        InlinePanel("options", label=_("Phương án phân tổ")),
    ]


class ReadOnlyPolicy(ModelPermissionPolicy):
    """An audit log is read, never written by hand: no one may add, change or delete."""

    def user_has_permission(self, user, action):
        return action in ("view", "inspect") and super().user_has_permission(user, "view")

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class ExportAuditViewSet(ModelViewSet):
    model = ExportAudit
    icon = "history"
    menu_label = _("Nhật ký xuất báo cáo")
    list_display = ["at", "username", "action", "description"]
    list_filter = ["action"]
    search_fields = ["username", "description"]
    form_fields = ["description"]
    copy_view_enabled = False
    inspect_view_enabled = True


register_permission_policy(ExportAudit, ReadOnlyPolicy(ExportAudit))


class ReportsGroup(ViewSetGroup):
    items = (IndicatorViewSet, ExchangeTargetViewSet, ExportAuditViewSet)
    menu_icon = "table"
    menu_label = _("Báo cáo")
    menu_order = 280


@hooks.register("register_admin_viewset")
def register_reports_viewsets():
    return ReportsGroup()
