from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Kiểm tra, đánh giá")

    def ready(self) -> None:
        from . import kind, packs, signals  # noqa: F401

        kind.register()
        packs.register()
