import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Invitation.Status.PENDING)

    def for_learner(self, user):
        """A learner's own invitations to courses that are published."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(learner=user, course__live=True).select_related("course", "cohort")


class Invitation(models.Model):
    """An existing learner asked to join a course by a trainer's cohort file.

    A cohort file names people by username; for someone who already has an account, the
    trainer's list is a request, not the learner's consent. The learner sees it on their
    learning page and is enrolled only if they accept; until then the trainer sees
    nothing of them but the username they typed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ trả lời")
        ACCEPTED = "accepted", _("Đã nhận lời")
        DECLINED = "declined", _("Đã từ chối")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người học"),
        on_delete=models.CASCADE,
        related_name="course_invitations",
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("khóa học"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    cohort = models.ForeignKey(
        "courses.Cohort",
        verbose_name=_("lớp"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người mời"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("mời lúc"), auto_now_add=True)
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("lời mời vào khóa học")
        verbose_name_plural = _("lời mời vào khóa học")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "course"],
                condition=Q(status="pending"),
                name="one_pending_invitation_per_course",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", answered_at__isnull=True)
                | (~Q(status="pending") & Q(answered_at__isnull=False)),
                name="answered_invitation_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} → {self.course}"
