from django.db import models
from django.utils.translation import gettext_lazy as _


class Certificate(models.Model):
    """Issued once per completed enrolment; its code is what the public page verifies.

    Name and course title are copied at issue so the certificate keeps saying what it
    said even if the profile or the course is renamed later; so is the evidence behind
    it: what the course asks (its required lessons' minutes) and what the learner did
    (time recorded, from their first activity to completion).
    """

    enrolment = models.OneToOneField(
        "courses.Enrolment", on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(_("mã xác thực"), max_length=20, unique=True)
    learner_name = models.CharField(max_length=150)
    course_title = models.CharField(max_length=255)
    completed_at = models.DateTimeField()
    # Evidence, as at issue; empty on certificates issued before it was kept.
    course_minutes = models.PositiveIntegerField(_("thời lượng khóa học (phút)"), null=True)
    seconds_spent = models.PositiveBigIntegerField(_("thời gian học (giây)"), null=True)
    started_at = models.DateTimeField(_("ngày bắt đầu học"), null=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    pdf_path = models.CharField(max_length=255, blank=True)
    pdf_generated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chứng nhận")
        verbose_name_plural = _("chứng nhận")

    def __str__(self) -> str:
        return self.code
