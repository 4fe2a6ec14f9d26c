from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Người học và đơn vị")

    def ready(self):
        from . import signals  # noqa: F401
