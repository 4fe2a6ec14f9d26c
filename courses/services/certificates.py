"""Issuing certificates: once per completed enrolment, safe to run again."""

import os
import re
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from courses.certificate_pdf import render_certificate_pdf
from courses.models import Certificate, Enrolment
from lms.text import READABLE_UPPER, readable_secret

from .errors import ServiceError

# What a code can look like (see _new_code). Anything else, a NUL byte or a slash say, is
# not a code, and is never looked up.
CODE_RE = re.compile(r"[A-Z0-9-]{1,20}")


def _new_code() -> str:
    # Unambiguous characters only: a learner may read the code aloud over the phone.
    raw = readable_secret(10, READABLE_UPPER)
    return f"LS-{raw[:5]}-{raw[5:]}"


def certificate_file(certificate: Certificate) -> Path:
    return Path(settings.PRIVATE_ROOT) / "certificates" / f"{certificate.code}.pdf"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def certificate_issue(*, enrolment_id: int, regenerate: bool = False) -> Certificate:
    """Issue the certificate of a completed enrolment and render its PDF.

    Running it again returns the same certificate with the same code; the PDF is only
    rendered when it is missing, or when ``regenerate`` asks for a fresh copy.
    """
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("course", "progress", "learner__learner_profile")
            .get(pk=enrolment_id)
        )
        if enrolment.progress.completed_at is None:
            raise ServiceError("Khóa học chưa hoàn thành.", code="not_completed")
        certificate = Certificate.objects.filter(enrolment=enrolment).first()
        if certificate is None:
            profile = getattr(enrolment.learner, "learner_profile", None)
            certificate = Certificate.objects.create(
                enrolment=enrolment,
                code=_new_code(),
                learner_name=profile.full_name if profile else enrolment.learner.get_username(),
                course_title=enrolment.course.title,
                completed_at=enrolment.progress.completed_at,
            )
        path = certificate_file(certificate)
        if regenerate or not certificate.pdf_generated_at or not path.exists():
            _write_atomically(path, render_certificate_pdf(certificate, enrolment.course))
            certificate.pdf_path = str(path.relative_to(settings.PRIVATE_ROOT))
            certificate.pdf_generated_at = timezone.now()
            certificate.save(update_fields=["pdf_path", "pdf_generated_at"])
    return certificate


def certificates_missing() -> list[int]:
    """Completed enrolments whose certificate was never made (a lost task, say)."""
    from django.db.models import Q

    return list(
        Enrolment.objects.filter(
            progress__completed_at__isnull=False, course__issues_certificate=True
        )
        .filter(Q(certificate__isnull=True) | Q(certificate__pdf_generated_at__isnull=True))
        .values_list("pk", flat=True)[:500]
    )
