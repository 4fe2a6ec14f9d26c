from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentPacksConfig(AppConfig):
    name = "content_packs"
    verbose_name = _("Gói nội dung tương tác và gói khóa học")

    def ready(self) -> None:
        from . import kind, signals  # noqa: F401

        kind.register()
