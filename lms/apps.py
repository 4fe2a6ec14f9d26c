from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Người học và đơn vị")

    def ready(self):
        from django.apps import apps

        from . import signals  # noqa: F401

        # Wagtail reads its user screens from this attribute when the admin's URLs load
        # (the same thing a WagtailUsersAppConfig subclass in INSTALLED_APPS would set).
        apps.get_app_config("wagtailusers").user_viewset = "lms.admin_users.PersonUserViewSet"
