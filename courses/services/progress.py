"""The progress pipeline: events in, summaries and course progress updated with them."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.activity_kinds import get_kind
from courses.models import (
    Activity,
    ActivityProgress,
    CoursePage,
    CourseProgress,
    Enrolment,
    ProgressEvent,
    Verb,
)

from .errors import Conflict, NotAvailable, ServiceError

MAX_SECONDS_PER_EVENT = 3600


@dataclass(frozen=True)
class EventIn:
    id: uuid.UUID
    activity_id: uuid.UUID
    verb: str
    occurred_at: datetime
    payload: dict = field(default_factory=dict)


@dataclass
class CourseState:
    course_id: int
    percent: int
    completed: bool


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    courses: list[CourseState] = field(default_factory=list)


def progress_events_ingest(*, learner, events: list[EventIn], now=None) -> IngestResult:
    """Store a batch of a learner's events once each and fold the new ones into summaries.

    The whole batch is accepted or refused: an event for an activity the learner is not
    enrolled in, a verb the activity's kind does not report, or an id another learner
    already used refuses it all and stores nothing. Events whose id is already stored
    for this learner are resends and change nothing.
    """
    now = now or timezone.now()
    if not events:
        raise ServiceError(_("Lô sự kiện rỗng."), code="empty")
    unique: dict[uuid.UUID, EventIn] = {}
    for event in events:
        unique.setdefault(event.id, event)
    batch = list(unique.values())

    activity_ids = {e.activity_id for e in batch}
    activities = {a.pk: a for a in Activity.objects.filter(pk__in=activity_ids, is_active=True)}
    unavailable = activity_ids - activities.keys()
    if unavailable:
        raise _not_available(unavailable)
    for event in batch:
        kind = get_kind(activities[event.activity_id].kind)
        if kind is None or event.verb not in kind.verbs:
            raise ServiceError(
                _("Hoạt động %(a)s không nhận sự kiện “%(v)s”.")
                % {"a": event.activity_id, "v": event.verb},
                code="verb",
            )

    course_ids = {a.course_id for a in activities.values()}
    try:
        with transaction.atomic():
            # Locking the learner's enrolments serialises their concurrent batches, so a
            # resend racing its original cannot be counted twice.
            enrolments = {
                e.course_id: e
                for e in Enrolment.objects.select_for_update(of=("self",))
                .select_related("progress")
                .filter(learner=learner, course_id__in=course_ids, status=Enrolment.Status.ACTIVE)
            }
            not_enrolled = {a.pk for a in activities.values() if a.course_id not in enrolments}
            if not_enrolled:
                raise _not_available(not_enrolled)

            known = dict(
                ProgressEvent.objects.filter(pk__in=unique.keys()).values_list("pk", "learner_id")
            )
            if any(owner != learner.pk for owner in known.values()):
                raise Conflict(_("Mã sự kiện đã được dùng."), code="event_id")
            fresh = sorted((e for e in batch if e.id not in known), key=lambda e: e.occurred_at)
            result = IngestResult(stored=len(fresh), duplicates=len(events) - len(fresh))
            if fresh:
                ProgressEvent.objects.bulk_create(
                    [
                        ProgressEvent(
                            id=e.id,
                            learner=learner,
                            activity_id=e.activity_id,
                            verb=e.verb,
                            payload=e.payload,
                            occurred_at=min(e.occurred_at, now),
                        )
                        for e in fresh
                    ]
                )
                _update_summaries(learner, fresh, activities, enrolments, now)
            result.courses = [
                CourseState(cid, e.progress.percent, e.progress.is_completed)
                for cid, e in enrolments.items()
            ]
    except IntegrityError as exc:
        # Another learner's concurrent batch took one of these ids first.
        raise Conflict(_("Mã sự kiện đã được dùng."), code="event_id") from exc
    return result


def _not_available(activity_ids) -> NotAvailable:
    return NotAvailable(
        _("Hoạt động không tồn tại hoặc bạn chưa ghi danh khóa học của nó: %(ids)s")
        % {"ids": ", ".join(sorted(str(i) for i in activity_ids))},
        code="activity",
    )


SUMMARY_FIELDS = [
    "status",
    "score",
    "max_score",
    "passed",
    "seconds_spent",
    "resume_point",
    "resume_point_at",
    "first_seen_at",
    "last_seen_at",
    "completed_at",
]


def _update_summaries(learner, events, activities, enrolments, now) -> None:
    # No row locks needed here: the learner's enrolments are locked for the batch.
    summaries = {
        s.activity_id: s
        for s in ActivityProgress.objects.filter(
            learner=learner, activity_id__in={e.activity_id for e in events}
        )
    }
    touched_courses: dict[int, tuple[Activity, datetime]] = {}
    completed_any: set[int] = set()
    for event in events:
        activity = activities[event.activity_id]
        summary = summaries.get(activity.pk)
        if summary is None:
            summary = summaries[activity.pk] = ActivityProgress(learner=learner, activity=activity)
        at = min(event.occurred_at, now)
        was_completed = summary.is_completed
        _apply(summary, activity, event, at)
        if summary.is_completed and not was_completed:
            completed_any.add(activity.course_id)
        latest = touched_courses.get(activity.course_id)
        if latest is None or at >= latest[1]:
            touched_courses[activity.course_id] = (activity, at)

    # One statement for new and existing summaries alike: without their ids, existing
    # rows meet the (learner, activity) constraint and are updated in place.
    for summary in summaries.values():
        summary.pk = None
    ActivityProgress.objects.bulk_create(
        summaries.values(),
        update_conflicts=True,
        unique_fields=["learner", "activity"],
        update_fields=SUMMARY_FIELDS,
    )
    for course_id, (activity, at) in touched_courses.items():
        enrolment = enrolments[course_id]
        course_progress_refresh(
            enrolment,
            last_activity=activity,
            last_activity_at=at,
            recount=course_id in completed_any or enrolment.progress.required_total == 0,
            now=now,
        )


def _apply(summary: ActivityProgress, activity: Activity, event: EventIn, at: datetime) -> None:
    """Fold one event into a summary. Every field only moves forward."""
    payload = event.payload
    summary.first_seen_at = min(filter(None, [summary.first_seen_at, at]))
    summary.last_seen_at = max(filter(None, [summary.last_seen_at, at]))
    seconds = payload.get("seconds")
    if event.verb in (Verb.PROGRESSED, Verb.ATTENDED) and isinstance(seconds, int | float):
        summary.seconds_spent += int(min(max(seconds, 0), MAX_SECONDS_PER_EVENT))
    if "position" in payload and (summary.resume_point_at is None or at >= summary.resume_point_at):
        summary.resume_point = payload["position"]
        summary.resume_point_at = at
    if event.verb == Verb.SCORED:
        _apply_score(summary, payload)
    summary.status = max(summary.status, ActivityProgress.Status.IN_PROGRESS)
    kind = get_kind(activity.kind)
    if kind.completes(summary, event.verb, payload):
        summary.status = ActivityProgress.Status.COMPLETED
        summary.completed_at = min(filter(None, [summary.completed_at, at]))


def _apply_score(summary: ActivityProgress, payload: dict) -> None:
    score, max_score = payload.get("score"), payload.get("max")
    if not isinstance(score, int | float) or not isinstance(max_score, int | float):
        return
    if max_score <= 0:
        return
    best = (
        (summary.score / summary.max_score)
        if summary.score is not None and summary.max_score
        else -1
    )
    if score / max_score > best:
        summary.score, summary.max_score = float(score), float(max_score)
    if payload.get("passed") is True:
        summary.passed = True
    elif summary.passed is None and payload.get("passed") is False:
        summary.passed = False


def course_progress_refresh(
    enrolment: Enrolment,
    *,
    last_activity: Activity | None = None,
    last_activity_at: datetime | None = None,
    recount: bool = True,
    now=None,
) -> CourseProgress:
    """Recount a course's required activities for one enrolment and apply its rule.

    Course completion is recorded once and never withdrawn; it enqueues the certificate
    after the transaction commits.
    """
    progress = enrolment.progress
    fields = ["updated_at"]
    if last_activity is not None and (
        progress.last_activity_at is None or last_activity_at >= progress.last_activity_at
    ):
        progress.last_activity = last_activity
        progress.last_activity_at = last_activity_at
        fields += ["last_activity", "last_activity_at"]
    if recount:
        course_rule = CoursePage.objects.filter(pk=enrolment.course_id).values(
            "completion_rule", "completion_threshold", "issues_certificate"
        )[0]
        done = ActivityProgress.objects.filter(
            activity=OuterRef("pk"),
            learner_id=enrolment.learner_id,
            status=ActivityProgress.Status.COMPLETED,
        )
        totals = (
            Activity.objects.filter(course_id=enrolment.course_id, is_active=True, required=True)
            .annotate(is_done=Exists(done))
            .aggregate(
                total=Count("pk"),
                weight_total=Sum("weight"),
                done=Count("pk", filter=Q(is_done=True)),
                weight_done=Sum("weight", filter=Q(is_done=True)),
            )
        )
        progress.required_total = totals["total"]
        progress.required_done = totals["done"]
        weight, weight_done = totals["weight_total"] or 0, totals["weight_done"] or 0
        progress.percent = round(100 * weight_done / weight) if weight else 0
        fields += ["required_total", "required_done", "percent"]
        if progress.completed_at is None and _rule_met(course_rule, progress):
            progress.completed_at = now or timezone.now()
            fields.append("completed_at")
            if course_rule["issues_certificate"]:
                from courses.tasks import certificate_issue_task

                enrolment_id = enrolment.pk
                # Robust: a broker hiccup must not turn a stored completion into an error
                # for the learner; the certificate sweep picks such enrolments up later.
                transaction.on_commit(
                    lambda: certificate_issue_task.delay(enrolment_id), robust=True
                )
    progress.save(update_fields=fields)
    return progress


def _rule_met(rule: dict, progress: CourseProgress) -> bool:
    if progress.required_total == 0:
        return False
    if rule["completion_rule"] == CoursePage.CompletionRule.WEIGHTED_PERCENT:
        return progress.percent >= rule["completion_threshold"]
    return progress.required_done == progress.required_total


def course_progress_recount_course(*, course_id: int) -> int:
    """Recount every active enrolment of a course after its required activities changed."""
    count = 0
    enrolments = Enrolment.objects.filter(
        course_id=course_id, status=Enrolment.Status.ACTIVE
    ).select_related("progress")
    for enrolment in enrolments.iterator(chunk_size=500):
        with transaction.atomic():
            course_progress_refresh(enrolment)
        count += 1
    return count
