"""What a package's JavaScript reports: xAPI statements (H5P) and resume state, kept as
sent and mapped into the progress pipeline through the package kind."""

import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from courses.activity_kinds import EventIn
from courses.models import Activity, Verb
from courses.services.progress import IngestResult, progress_events_ingest
from lms.errors import Conflict, ServiceError

from ..models import PackageState, Statement

MAX_STATE_CHARS = 256 * 1024
# Verbs of the content as a whole (not one of its sub-questions) that end an attempt.
FINISHING_VERBS = ("completed", "answered", "passed", "failed")


def _verb_of(statement: dict) -> str:
    verb = statement.get("verb")
    verb_id = verb.get("id") if isinstance(verb, dict) else None
    if not isinstance(verb_id, str) or not verb_id or len(verb_id) > 255:
        raise ServiceError(_("Câu lệnh xAPI thiếu động từ (verb.id)."), code="xapi")
    return verb_id


def _is_whole_content(statement: dict) -> bool:
    """A statement about the package itself, not one of the questions inside it (H5P
    marks those with a parent and a subContentId)."""
    target = statement.get("object")
    target_id = target.get("id") if isinstance(target, dict) else ""
    context = statement.get("context")
    activities = context.get("contextActivities") if isinstance(context, dict) else None
    has_parent = isinstance(activities, dict) and bool(activities.get("parent"))
    return not has_parent and "subContentId=" not in str(target_id)


def _object(value) -> dict:
    return value if isinstance(value, dict) else {}


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def statement_event(activity_id: uuid.UUID, event_id: uuid.UUID, statement: dict) -> EventIn | None:
    """The progress event an xAPI statement stands for, if any: a score for the whole
    content; completion for content that reports no score."""
    verb_id = _verb_of(statement)
    if not _is_whole_content(statement) or verb_id.rsplit("/", 1)[-1] not in FINISHING_VERBS:
        return None
    result = _object(statement.get("result"))
    score = _object(result.get("score"))
    raw, maximum = _number(score.get("raw")), _number(score.get("max"))
    stamp = statement.get("timestamp")
    try:
        occurred = parse_datetime(stamp) if isinstance(stamp, str) else None
    except ValueError:  # well formed but not a date (month 13)
        occurred = None
    if occurred is None or timezone.is_naive(occurred):
        occurred = timezone.now()
    payload: dict = {"client_reported": True, "source": "xapi"}
    if raw is not None and maximum is not None and maximum > 0:
        payload |= {"score": max(0.0, min(raw, maximum)), "max": maximum}
        if isinstance(result.get("success"), bool):
            payload["passed"] = result["success"]
        return EventIn(event_id, activity_id, Verb.SCORED, occurred, payload)
    return EventIn(event_id, activity_id, Verb.COMPLETED, occurred, payload)


def statement_record(*, learner, activity: Activity, statement: dict) -> IngestResult | None:
    """Keep ``statement`` as sent and fold what it means into the learner's progress.

    Its id (the package's, or one given here) makes a resend a no-op; an id another
    learner used is refused.
    """
    if not isinstance(statement, dict):
        raise ServiceError(_("Câu lệnh xAPI phải là một đối tượng JSON."), code="xapi")
    verb_id = _verb_of(statement)
    try:
        statement_id = uuid.UUID(str(statement.get("id") or uuid.uuid4()))
    except ValueError:
        raise ServiceError(_("Mã câu lệnh xAPI (id) không phải UUID."), code="xapi") from None
    event = statement_event(activity.pk, statement_id, statement)
    try:
        with transaction.atomic():
            _row, created = Statement.objects.get_or_create(
                id=statement_id,
                learner=learner,
                defaults={"activity": activity, "verb": verb_id, "statement": statement},
            )
    except IntegrityError:
        raise Conflict(_("Mã câu lệnh này đã được dùng."), code="duplicate") from None
    if event is None:
        return None
    return progress_events_ingest(learner=learner, events=[event])


def package_state_save(
    *, learner, activity: Activity, state: dict, at: datetime | None = None
) -> None:
    """Where the learner is in the package (H5P's user data), for the next visit."""
    if not isinstance(state, dict):
        raise ServiceError(_("Trạng thái phải là một đối tượng JSON."), code="state")
    PackageState.objects.update_or_create(
        learner=learner, activity=activity, defaults={"state": state}
    )
