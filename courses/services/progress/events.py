"""Events in: each stored once by its client-made id, answered one by one, and folded
into the learner x activity summaries by their kind."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.cache import tree_cached_many
from courses.activity_kinds import EventIn, FoldContext, get_kind, require_kind
from courses.announcements import announce_on_commit, progress_changed
from courses.models import (
    Activity,
    ActivityProgress,
    Enrolment,
    ProgressEvent,
)

from ..errors import ServiceError
from .course import course_progress_refresh

STORED, DUPLICATE, REFUSED = "stored", "duplicate", "refused"


@dataclass
class EventResult:
    # The client's id as sent; an event too malformed to have a valid UUID keeps its text.
    id: uuid.UUID | str | None
    status: str
    code: str = ""
    detail: str = ""


@dataclass
class CourseResult:
    course_id: int
    percent: int
    completed: bool
    newly_completed: bool = False


@dataclass
class ActivityResult:
    activity_id: uuid.UUID
    status: int
    # Why a completion the client claimed is not (yet) accepted: the evidence missing.
    waiting: str = ""


@dataclass
class IngestResult:
    events: list[EventResult] = field(default_factory=list)
    courses: list[CourseResult] = field(default_factory=list)
    activities: list[ActivityResult] = field(default_factory=list)
    answers: dict[uuid.UUID, EventResult] = field(default_factory=dict, repr=False)
    completed_courses: set[int] = field(default_factory=set, repr=False)

    def count(self, status: str) -> int:
        return sum(1 for e in self.events if e.status == status)

    @property
    def stored(self) -> int:
        return self.count(STORED)

    @property
    def duplicates(self) -> int:
        return self.count(DUPLICATE)

    @property
    def refused(self) -> int:
        return self.count(REFUSED)


def _not_available() -> str:
    return _("Hoạt động không tồn tại hoặc bạn chưa ghi danh khóa học của nó.")


def progress_events_ingest(
    *, learner, events: list[EventIn], now=None, from_client: bool = True
) -> IngestResult:
    """Store a batch of a learner's events once each and fold the new ones into summaries.

    Every event gets its own answer: stored; duplicate (its id is already stored for
    this learner: a resend, which changes nothing); or refused with the reason (an
    activity that is gone or not the learner's, a verb its kind does not report, an id
    another learner used). One stale event never costs the others of its batch.
    Events from a browser (``from_client``) may carry only the verbs their kind lets
    clients report.
    """
    now = now or timezone.now()
    if not events:
        raise ServiceError(_("Lô sự kiện rỗng."), code="empty")
    answers: dict[uuid.UUID, EventResult] = {}
    unique: dict[uuid.UUID, EventIn] = {}
    for event in events:
        unique.setdefault(event.id, event)

    activities = _active_activities({e.activity_id for e in unique.values()})
    candidates = []
    for event in unique.values():
        activity = activities.get(event.activity_id)
        kind = get_kind(activity.kind) if activity else None
        if activity is None:
            answers[event.id] = EventResult(event.id, REFUSED, "activity", _not_available())
        elif kind is None or not kind.accepts(event.verb, from_client=from_client):
            answers[event.id] = EventResult(
                event.id,
                REFUSED,
                "verb",
                _("Hoạt động này không nhận sự kiện “%(v)s”.") % {"v": event.verb},
            )
        else:
            candidates.append(event)

    with transaction.atomic():
        result = _ingest(learner, candidates, activities, answers, now)
    seen: set[uuid.UUID] = set()
    ordered = []
    for event in events:
        answer = result.answers[event.id]
        if event.id in seen and answer.status == STORED:
            answer = EventResult(event.id, DUPLICATE)
        seen.add(event.id)
        ordered.append(answer)
    result.events = ordered
    return result


def _active_activities(ids: set[uuid.UUID]) -> dict[uuid.UUID, Activity]:
    """The active activities among ``ids``, cached with the tree: registering, retiring,
    publishing and moving all bump its generation. Shared, so never mutated here."""

    def load(missing: set) -> dict:
        return {a.pk: a for a in Activity.objects.filter(pk__in=missing, is_active=True)}

    return tree_cached_many("activity", ids, load)


def _ingest(learner, candidates, activities, answers, now) -> IngestResult:
    result = IngestResult()
    course_ids = {activities[e.activity_id].course_id for e in candidates}
    # Locking the learner's enrolments serialises their concurrent batches, so a resend
    # racing its original cannot be counted twice.
    enrolments = {
        e.course_id: e
        for e in Enrolment.objects.select_for_update(of=("self",))
        .select_related("progress")
        .annotate(min_seconds=F("course__lesson_min_seconds"))
        .filter(learner=learner, course_id__in=course_ids, status=Enrolment.Status.ACTIVE)
    }
    enrolled = []
    for event in candidates:
        if activities[event.activity_id].course_id in enrolments:
            enrolled.append(event)
        else:
            answers[event.id] = EventResult(event.id, REFUSED, "activity", _not_available())
    if enrolled:
        _store_and_fold(learner, enrolled, activities, enrolments, now, result, answers)
    result.answers = answers
    result.courses = [
        CourseResult(
            cid,
            e.progress.percent,
            e.progress.is_completed,
            newly_completed=cid in result.completed_courses,
        )
        for cid, e in enrolments.items()
    ]
    return result


SUMMARY_FIELDS = [
    "status",
    "score",
    "max_score",
    "passed",
    "seconds_spent",
    "credited_until",
    "resume_point",
    "resume_point_at",
    "first_seen_at",
    "last_seen_at",
    "completed_at",
]


def _insert_new(learner, contexts) -> set[uuid.UUID]:
    """Insert the events whose id is not stored yet, in one statement; the ids inserted.

    ON CONFLICT DO NOTHING: a resend, or a concurrent batch that took an id first, is
    settled afterwards by looking the id up, never by failing the batch.
    """
    rows = [
        ProgressEvent(
            id=e.id,
            learner=learner,
            activity_id=e.activity_id,
            verb=e.verb,
            payload=e.payload,
            occurred_at=ctx.at,
        )
        for e, ctx in contexts
    ]
    if len(rows) == 1:
        # Django returns a lone row's RETURNING through a path that cannot say "nothing
        # inserted" on every backend; a savepoint says it plainly.
        try:
            with transaction.atomic():
                rows[0].save(force_insert=True)
        except IntegrityError:
            return set()
        return {rows[0].id}
    returned = ProgressEvent.objects._insert(  # type: ignore[attr-defined]
        rows,
        fields=ProgressEvent._meta.concrete_fields,
        returning_fields=[ProgressEvent._meta.pk],
        on_conflict=OnConflict.IGNORE,
    )
    return {uuid.UUID(str(row[0])) for row in returned}


def _settle_existing(learner, ids: set[uuid.UUID], answers) -> None:
    """Events whose id was stored before: this learner's resends, or another's id."""
    owners = dict(ProgressEvent.objects.filter(pk__in=ids).values_list("pk", "learner_id"))
    for event_id in ids:
        if owners.get(event_id) == learner.pk:
            answers[event_id] = EventResult(event_id, DUPLICATE)
        else:
            answers[event_id] = EventResult(
                event_id, REFUSED, "event_id", _("Mã sự kiện đã được dùng.")
            )


def _store_and_fold(learner, events, activities, enrolments, now, result, answers) -> None:
    # No row locks needed here: the learner's enrolments are locked for the batch.
    summaries = {
        s.activity_id: s
        for s in ActivityProgress.objects.filter(
            learner=learner, activity_id__in={e.activity_id for e in events}
        )
    }
    contexts = []
    for event in events:
        activity = activities[event.activity_id]
        enrolment = enrolments[activity.course_id]
        summary = summaries.get(activity.pk)
        if summary is None:
            summary = summaries[activity.pk] = ActivityProgress(learner=learner, activity=activity)
        floor = max(filter(None, [enrolment.enrolled_at, summary.opened_at]))
        # Dated before the enrolment or the server-seen open, or in the future: clamped.
        at = min(max(event.occurred_at, floor), now)
        contexts.append((event, FoldContext(now, at, floor, enrolment.min_seconds)))
    contexts.sort(key=lambda pair: pair[1].at)
    inserted = _insert_new(learner, contexts)
    for event, _ctx in contexts:
        if event.id in inserted:
            answers[event.id] = EventResult(event.id, STORED)
    if len(inserted) < len(contexts):
        _settle_existing(learner, {e.id for e, _ctx in contexts} - inserted, answers)
        contexts = [(e, ctx) for e, ctx in contexts if e.id in inserted]
        if not contexts:
            return

    touched: dict[int, tuple[Activity, datetime]] = {}
    touched_ids: dict[int, set[uuid.UUID]] = {}
    completed_in: set[int] = set()
    waiting: dict[uuid.UUID, str] = {}
    for event, ctx in contexts:
        activity = activities[event.activity_id]
        summary = summaries[activity.pk]
        kind = require_kind(activity.kind)
        kind.fold(summary, event, ctx)
        if not summary.is_completed and kind.completes(summary, event.verb, event.payload):
            missing = kind.evidence(summary, activity, ctx)
            if missing:
                waiting[activity.pk] = missing
            else:
                summary.status = ActivityProgress.Status.COMPLETED
                summary.completed_at = ctx.at
                completed_in.add(activity.course_id)
                waiting.pop(activity.pk, None)
        touched_ids.setdefault(activity.course_id, set()).add(activity.pk)
        latest = touched.get(activity.course_id)
        if latest is None or ctx.at >= latest[1]:
            touched[activity.course_id] = (activity, ctx.at)

    # One statement for new and existing summaries alike: without their ids, existing
    # rows meet the (learner, activity) constraint and are updated in place. The open
    # time is the page view's to write, never a batch's.
    folded = [summaries[a] for a in {e.activity_id for e, _ctx in contexts}]
    for summary in folded:
        summary.pk = None
    ActivityProgress.objects.bulk_create(
        folded,
        update_conflicts=True,
        unique_fields=["learner", "activity"],
        update_fields=SUMMARY_FIELDS,
    )
    result.activities = [
        ActivityResult(s.activity_id, s.status, waiting.get(s.activity_id, "")) for s in folded
    ]
    for course_id, (activity, at) in touched.items():
        enrolment = enrolments[course_id]
        _, newly = course_progress_refresh(
            enrolment,
            last_activity=activity,
            last_activity_at=at,
            recount=course_id in completed_in or enrolment.progress.required_total == 0,
            now=now,
        )
        if newly:
            result.completed_courses.add(course_id)
        announce_on_commit(
            progress_changed,
            learner_id=learner.pk,
            course_id=course_id,
            activity_ids=sorted(touched_ids[course_id]),
        )


def progress_record(
    *, learner, activity_id: uuid.UUID, verb: str, payload: dict, at=None, event_id=None
) -> IngestResult:
    """A result the server computed itself (a graded attempt, measured attendance).

    Reported under the learner like any event, so summaries, course progress and the
    completion rule follow; ``event_id`` makes a repeated report a no-op.
    """
    now = timezone.now()
    event = EventIn(event_id or uuid.uuid4(), activity_id, verb, at or now, payload)
    result = progress_events_ingest(learner=learner, events=[event], now=now, from_client=False)
    answer = result.events[0]
    if answer.status == REFUSED:
        raise ServiceError(answer.detail, code=answer.code)
    return result


def activity_opened(*, learner, activity_id: uuid.UUID, now=None) -> None:
    """The server served an activity to a learner: the evidence completion rests on.

    Only the first open is recorded; called from the page's GET, so it must stay cheap.
    """
    now = now or timezone.now()
    updated = ActivityProgress.objects.filter(
        learner=learner, activity_id=activity_id, opened_at__isnull=True
    ).update(opened_at=now)
    if updated:
        return
    try:
        with transaction.atomic():
            ActivityProgress.objects.get_or_create(
                learner=learner,
                activity_id=activity_id,
                defaults={
                    "opened_at": now,
                    "first_seen_at": now,
                    "last_seen_at": now,
                    "status": ActivityProgress.Status.IN_PROGRESS,
                },
            )
    except IntegrityError:
        pass  # a concurrent batch created it; the next view records the open
