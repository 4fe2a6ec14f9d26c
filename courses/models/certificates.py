from django.db import models
from django.utils.translation import gettext_lazy as _


class Certificate(models.Model):
    """Issued once per completed enrolment; its code is what the public page verifies.

    Name and course title are copied at issue so the certificate keeps saying what it
    said even if the profile or the course is renamed later.
    """

    enrolment = models.OneToOneField(
        "courses.Enrolment", on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(_("mã xác thực"), max_length=20, unique=True)
    learner_name = models.CharField(max_length=150)
    course_title = models.CharField(max_length=255)
    completed_at = models.DateTimeField()
    issued_at = models.DateTimeField(auto_now_add=True)
    pdf_path = models.CharField(max_length=255, blank=True)
    pdf_generated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chứng nhận")
        verbose_name_plural = _("chứng nhận")

    def __str__(self) -> str:
        return self.code
