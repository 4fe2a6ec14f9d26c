"""Issuing certificates: once per completed enrolment, safe to run again."""

import itertools
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone

from courses.certificate_pdf import render_certificate_pdf
from courses.models import Activity, ActivityProgress, Certificate, Enrolment, LessonPage
from lms.text import READABLE_UPPER, readable_secret

from .errors import ServiceError

# What a code can look like (see _new_code). Anything else, a NUL byte or a slash say, is
# not a code, and is never looked up.
CODE_RE = re.compile(r"[A-Z0-9-]{1,20}")
CODE_PREFIX = "LS"
CODE_BODY = 10
# Characters a code never holds, read off paper or a screen for one it does. A code is
# found through them only when exactly one of the readings is a certificate.
LOOKALIKES = {"O": "DQ", "0": "DQ", "I": "LJT7", "1": "LJT7"}
MAX_LOOKALIKES = 3


def _new_code() -> str:
    # Unambiguous characters only: a learner may read the code aloud over the phone.
    raw = readable_secret(10, READABLE_UPPER)
    return f"{CODE_PREFIX}-{raw[:5]}-{raw[5:]}"


def code_candidates(text: str) -> list[str]:
    """The codes ``text`` may have been typed for, best first: "ls abcde fghjk",
    "LS–ABCDEFGHJK" (any dash, space or none, any case, full-width digits) all read as
    ``LS-ABCDE-FGHJK``; a character a code never holds gives each code it may stand for.
    Text that cannot be a code (any other character in it) gives nothing to look up."""
    letters = ""
    for ch in unicodedata.normalize("NFKC", text or "").upper():
        if ch.isalnum():
            letters += ch
        elif not (ch in "._\t\n" or unicodedata.category(ch) in ("Zs", "Pd")):
            return []  # a slash, a NUL byte...: not a code, whatever else is there
    if not letters.isascii():
        return []
    if len(letters) == CODE_BODY + len(CODE_PREFIX) and letters[:2] in ("LS", "L5", "IS", "1S"):
        letters = letters[2:]
    if len(letters) != CODE_BODY:
        # Not shaped like the codes issued here: looked up as typed, if it may be a code.
        typed = (text or "").strip().upper()
        return [typed] if CODE_RE.fullmatch(typed) else []
    choices = [LOOKALIKES.get(ch, ch) for ch in letters]
    if sum(len(c) > 1 for c in choices) > MAX_LOOKALIKES or any(
        ch not in READABLE_UPPER for c in choices for ch in c
    ):
        return []
    return [
        f"{CODE_PREFIX}-{''.join(body[:5])}-{''.join(body[5:])}"
        for body in itertools.product(*choices)
    ]


def certificate_by_code(text: str) -> tuple[Certificate | None, str]:
    """The certificate ``text`` names, if exactly one, and the code to show for it."""
    candidates = code_candidates(text)
    if not candidates:
        return None, ""
    found = list(Certificate.objects.filter(code__in=candidates)[:2])
    if len(found) == 1:
        return found[0], found[0].code
    return None, candidates[0] if len(candidates) == 1 else ""


def course_minutes(course_id: int) -> int:
    """What the course asks of a learner: its required lessons' estimated minutes."""
    required = Activity.objects.filter(course_id=course_id, is_active=True, required=True)
    return (
        LessonPage.objects.filter(pk__in=required.values("page_id")).aggregate(
            total=Sum("estimated_minutes")
        )["total"]
        or 0
    )


def learner_evidence(enrolment: Enrolment) -> dict:
    """What the learner did in the course: time recorded and when they began."""
    done = ActivityProgress.objects.filter(
        learner_id=enrolment.learner_id, activity__course_id=enrolment.course_id
    ).aggregate(seconds=Sum("seconds_spent"), first=Min("first_seen_at"))
    started = done["first"] or enrolment.enrolled_at
    completed = enrolment.progress.completed_at
    return {
        "seconds_spent": done["seconds"] or 0,
        "started_at": min(started, completed) if completed else started,
    }


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
                course_minutes=course_minutes(enrolment.course_id),
                **learner_evidence(enrolment),
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
