from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Trang và nội dung")

    def ready(self) -> None:
        from . import signals, slugs  # noqa: F401 (signals connects its receivers)

        slugs.install()
