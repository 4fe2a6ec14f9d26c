"""What a SCORM package's runtime commits: the CMI data model kept per attempt, and its
completion, success and score mapped into the progress pipeline through the package
kind (client-reported, like every package result)."""

import json
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.activity_kinds import EventIn
from courses.models import Activity, Verb
from courses.services.progress import IngestResult, progress_events_ingest
from lms.errors import ServiceError

from ..models import Package, ScormAttempt

MAX_CMI_CHARS = 256 * 1024
# A fixed namespace: the same commit of the same attempt always makes the same event
# ids, so a resent commit is a duplicate, never a second result.
EVENTS = uuid.UUID("2f1e7a52-5b0e-4a43-9d0b-6c1f3e0b9a11")


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _object(value) -> dict:
    return value if isinstance(value, dict) else {}


def scorm_outcome(kind: str, cmi: dict) -> dict:
    """(completion, success, score) as SCORM 1.2 or 2004 states them, in one shape."""
    if kind == Package.Kind.SCORM12:
        core = _object(cmi.get("core"))
        status = _text(core.get("lesson_status"))
        score = _object(core.get("score"))
        raw, maximum = _number(score.get("raw")), _number(score.get("max"))
        return {
            "completion": "completed" if status in ("completed", "passed", "failed") else status,
            "success": status if status in ("passed", "failed") else "",
            "raw": raw,
            "max": maximum if maximum else (100.0 if raw is not None else None),
        }
    score = _object(cmi.get("score"))
    raw, maximum = _number(score.get("raw")), _number(score.get("max"))
    scaled = _number(score.get("scaled"))
    if raw is None and scaled is not None:
        raw, maximum = scaled * 100, 100.0
    success = _text(cmi.get("success_status"))
    return {
        "completion": _text(cmi.get("completion_status")),
        "success": success if success in ("passed", "failed") else "",
        "raw": raw,
        "max": maximum if maximum else (100.0 if raw is not None else None),
    }


def scorm_attempt_finished(kind: str, attempt: ScormAttempt | None) -> bool:
    """Whether the learner's next session starts a new attempt: the last one ended
    without "suspend" once the content had said it was completed, passed or failed."""
    if attempt is None:
        return False
    cmi = attempt.cmi if isinstance(attempt.cmi, dict) else {}
    exit_ = (
        _object(cmi.get("core")).get("exit") if kind == Package.Kind.SCORM12 else cmi.get("exit")
    )
    ended = attempt.completion_status == "completed" or bool(attempt.success_status)
    return ended and exit_ in ("", "normal", "logout", "time-out")


def scorm_next_attempt(*, kind: str, attempt: ScormAttempt | None) -> int:
    """The attempt number a session opened now belongs to."""
    if attempt is None:
        return 1
    return attempt.number + 1 if scorm_attempt_finished(kind, attempt) else attempt.number


def scorm_commit(
    *, learner, activity: Activity, package: Package, cmi: dict, attempt_number: int = 0
) -> IngestResult | None:
    """Keep ``cmi`` as the learner's attempt ``attempt_number`` (the one their session
    was opened for; 0: the current one) and report what it says. A commit for any
    attempt but the current one or the next is refused."""
    if not isinstance(cmi, dict):
        raise ServiceError(_("Dữ liệu SCORM (cmi) phải là một đối tượng JSON."), code="scorm")
    if len(json.dumps(cmi)) > MAX_CMI_CHARS:
        raise ServiceError(_("Dữ liệu SCORM quá lớn."), code="too_large")
    outcome = scorm_outcome(package.kind, cmi)
    with transaction.atomic():
        current = (
            ScormAttempt.objects.select_for_update()
            .filter(learner=learner, activity=activity)
            .order_by("-number")
            .first()
        )
        latest = current.number if current else 0
        number = attempt_number or latest or 1
        if not (max(latest, 1) <= number <= latest + 1):
            raise ServiceError(_("Lượt học này đã kết thúc; hãy mở lại bài tập."), code="attempt")
        attempt = (
            current
            if current is not None and current.number == number
            else ScormAttempt(learner=learner, activity=activity, number=number)
        )
        attempt.cmi = cmi
        attempt.completion_status = outcome["completion"][:32]
        attempt.success_status = outcome["success"]
        raw, maximum = outcome["raw"], outcome["max"]
        attempt.score_scaled = raw / maximum if raw is not None and maximum else None
        attempt.save()
    now = timezone.now()
    events = []
    payload = {"client_reported": True, "source": "scorm", "attempt": attempt.number}
    if raw is not None and maximum:
        scored = payload | {"score": max(0.0, min(raw, maximum)), "max": maximum}
        if outcome["success"]:
            scored["passed"] = outcome["success"] == "passed"
        key = f"{attempt.pk}:scored:{scored['score']}:{maximum}:{outcome['success']}"
        events.append(EventIn(uuid.uuid5(EVENTS, key), activity.pk, Verb.SCORED, now, scored))
    if outcome["completion"] == "completed" or outcome["success"] == "passed":
        key = f"{attempt.pk}:completed"
        events.append(EventIn(uuid.uuid5(EVENTS, key), activity.pk, Verb.COMPLETED, now, payload))
    if not events:
        return None
    return progress_events_ingest(learner=learner, events=events)


def scorm_resume(*, kind: str, cmi: dict) -> dict:
    """What a new session of the package starts from: where the learner was, what the
    content kept, and whether it resumes (it was left suspended)."""
    if kind == Package.Kind.SCORM12:
        core = _object(cmi.get("core"))
        return {
            "core": {
                "lesson_location": _text(core.get("lesson_location")),
                "lesson_status": _text(core.get("lesson_status")) or "not attempted",
                "entry": "resume" if core.get("exit") == "suspend" else "",
            },
            "suspend_data": _text(cmi.get("suspend_data")),
        }
    return {
        "location": _text(cmi.get("location")),
        "completion_status": _text(cmi.get("completion_status")) or "unknown",
        "success_status": _text(cmi.get("success_status")) or "unknown",
        "entry": "resume" if cmi.get("exit") == "suspend" else "",
        "suspend_data": _text(cmi.get("suspend_data")),
    }
