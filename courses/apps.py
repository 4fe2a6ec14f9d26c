from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Khóa học")

    def ready(self) -> None:
        from . import activity_kinds, completion, permission_signals, signals  # noqa: F401
        from .announcements import course_completed
        from .receivers import issue_certificate_on_completion

        course_completed.connect(
            issue_certificate_on_completion, dispatch_uid="certificate-on-completion"
        )
