from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaLessonsConfig(AppConfig):
    name = "media_lessons"
    verbose_name = _("Video và âm thanh trong bài học")

    def ready(self) -> None:
        from . import kind, signals  # noqa: F401

        kind.register()
