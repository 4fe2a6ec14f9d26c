from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Cohort(models.Model):
    """A group of learners a trainer enrolled together (from a CSV upload, say)."""

    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="cohorts"
    )
    name = models.CharField(_("tên lớp"), max_length=150)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lớp học")
        verbose_name_plural = _("lớp học")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang học")
        WITHDRAWN = "withdrawn", _("Đã rút")

    class Source(models.TextChoices):
        SELF = "self", _("Tự ghi danh")
        COHORT = "cohort", _("Giảng viên ghi danh theo lớp")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="enrolments"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SELF)
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="enrolments"
    )
    enrolled_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ghi danh")
        verbose_name_plural = _("ghi danh")
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="one_enrolment_per_course"),
            models.CheckConstraint(
                condition=Q(status="active", withdrawn_at__isnull=True)
                | Q(status="withdrawn", withdrawn_at__isnull=False),
                name="withdrawal_has_time",
            ),
        ]
        indexes = [models.Index(fields=["course", "status"])]

    def __str__(self) -> str:
        return f"{self.learner} — {self.course}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE
