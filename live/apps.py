from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = _("Lớp học trực tuyến")

    def ready(self) -> None:
        from . import kind, signals  # noqa: F401

        kind.register()
