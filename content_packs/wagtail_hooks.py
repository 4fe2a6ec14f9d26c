from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button

from courses.models import CoursePage

from . import pack_views
from .admin_views import package_chooser_viewset, package_viewset
from .models import TrustedPackKey
from .services.jobs import access_course_export


class TrustedPackKeyViewSet(ModelViewSet):
    model = TrustedPackKey
    icon = "key"
    add_to_settings_menu = True
    menu_label = _("Khóa tin cậy (gói khóa học)")
    list_display = ["name", "key_id", "created_at"]
    form_fields = ["name", "public_key"]
    copy_view_enabled = False
    inspect_view_enabled = False


@hooks.register("register_admin_viewset")
def register_package_viewsets():
    return [package_viewset, package_chooser_viewset, TrustedPackKeyViewSet("trusted_pack_keys")]


@hooks.register("register_admin_urls")
def register_pack_urls():
    return [
        path(
            "course-packs/",
            include(
                (pack_views.admin_urls(), "content_packs_admin"), namespace="content_packs_admin"
            ),
        )
    ]


class _PacksMenuItem(MenuItem):
    def is_shown(self, request):
        return pack_views.menu_shown(request)


@hooks.register("register_admin_menu_item")
def register_packs_menu_item():
    return _PacksMenuItem(
        _("Gói khóa học"), reverse("content_packs_admin:index"), icon_name="download", order=270
    )


@hooks.register("register_page_header_buttons")
def export_button(page, user, view_name=None, next_url=None):
    if isinstance(page.specific_deferred, CoursePage) and access_course_export(user, page.specific):
        yield Button(
            _("Xuất gói khóa học"),
            reverse("content_packs_admin:export", args=[page.pk]),
            icon_name="download",
            priority=60,
        )
