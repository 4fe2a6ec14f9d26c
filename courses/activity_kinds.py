"""The activity-kind registry: the whole contract a source of learning signals signs.

A kind says which verbs it reports, how each event folds into the learner x activity
summary, when a summary counts as complete, what evidence the server must hold before
it accepts that completion, and how its activities show in the course outline, in
"continue" and in My learning. Lessons register here; quizzes, live sessions, media and
content packages register their own kind from their app config and never edit courses/.
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.utils.translation import gettext as _

from .models import Activity, ActivityProgress, Verb
from .registry import Registry

# A progressed event reports the seconds since the previous one (the lesson page sends
# one every 30 s while visible); anything much larger is a claim, not a measurement.
MAX_SECONDS_PER_EVENT = 300


@dataclass(frozen=True)
class EventIn:
    id: uuid.UUID
    activity_id: uuid.UUID
    verb: str
    occurred_at: datetime
    payload: dict = field(default_factory=dict)


@dataclass(frozen=True)
class FoldContext:
    """What the server knows when it folds one event into a summary."""

    now: datetime
    # The event's time after clamping: never before the enrolment or the server-seen
    # first open, never after the server's clock.
    at: datetime
    # The earliest moment learning on this activity can have happened.
    floor: datetime
    # The course's minimum time on a lesson before it may count as complete.
    min_seconds: int


@dataclass(frozen=True)
class OutlineEntry:
    """How one activity shows in the outline, "continue" and My learning."""

    title: str
    url: str
    icon: str
    minutes: int | None = None


Fold = Callable[[ActivityProgress, EventIn, FoldContext], None]
Completes = Callable[[ActivityProgress, str, dict], bool]
# Returns None when the server holds enough evidence, else the reason it does not.
Evidence = Callable[[ActivityProgress, Activity, FoldContext], str | None]
Describe = Callable[[list[Activity]], dict[uuid.UUID, OutlineEntry]]


def fold_default(summary: ActivityProgress, event: EventIn, ctx: FoldContext) -> None:
    """Seen times, time on task, resume point and best score. Every field only moves
    forward, so a late or repeated event never undoes progress."""
    at = ctx.at
    payload = event.payload
    summary.first_seen_at = min(filter(None, [summary.first_seen_at, at]))
    summary.last_seen_at = max(filter(None, [summary.last_seen_at, at]))
    seconds = payload.get("seconds")
    if event.verb in (Verb.PROGRESSED, Verb.ATTENDED) and isinstance(seconds, int | float):
        summary.seconds_spent += credited_seconds(summary, seconds, ctx)
    if "position" in payload and (summary.resume_point_at is None or at >= summary.resume_point_at):
        summary.resume_point = payload["position"]
        summary.resume_point_at = at
    if event.verb == Verb.SCORED:
        fold_best_score(summary, payload)
    summary.status = max(summary.status, ActivityProgress.Status.IN_PROGRESS)


def credited_seconds(summary: ActivityProgress, claimed: float, ctx: FoldContext) -> int:
    """Claimed seconds, capped by the time that really passed.

    An event at T claiming s seconds says the learner worked during [T - s, T]; that
    interval may not start before the floor nor overlap time already credited, so the
    total can never exceed the wall time since the server first saw the activity.
    """
    since = max(filter(None, [ctx.floor, summary.credited_until]))
    available = max((ctx.at - since).total_seconds(), 0)
    credit = int(min(max(claimed, 0), MAX_SECONDS_PER_EVENT, available))
    if summary.credited_until is None or ctx.at > summary.credited_until:
        summary.credited_until = ctx.at
    return credit


def fold_best_score(summary: ActivityProgress, payload: dict) -> None:
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


Point = TypeVar("Point", float, datetime)


def merge_intervals(intervals: list[tuple[Point, Point]]) -> list[tuple[Point, Point]]:
    """The union of intervals, sorted, without overlaps: time covered twice (a re-watched
    minute, a reconnect's overlapping sockets) counts once."""
    merged: list[tuple[Point, Point]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def completes_on_completed_verb(progress: ActivityProgress, verb: str, payload: dict) -> bool:
    return verb == Verb.COMPLETED


def completes_when_passed(progress: ActivityProgress, verb: str, payload: dict) -> bool:
    return bool(progress.passed)


def no_evidence_needed(summary: ActivityProgress, activity: Activity, ctx: FoldContext) -> None:
    """For results a server computed itself (a graded quiz, measured attendance)."""
    return None


def describe_by_title(activities: list[Activity]) -> dict[uuid.UUID, OutlineEntry]:
    return {a.pk: OutlineEntry(title=a.title, url="", icon="activity") for a in activities}


@dataclass(frozen=True)
class ActivityKind:
    name: str
    label: str
    verbs: frozenset[str]
    fold: Fold = fold_default
    completes: Completes = completes_on_completed_verb
    evidence: Evidence = no_evidence_needed
    describe: Describe = describe_by_title
    # The verbs a browser may report through the API; None: all of them. Results a
    # server computes (a graded quiz, measured attendance) are left out, so that only
    # the server's own ``progress_record`` can report them.
    client_verbs: frozenset[str] | None = None

    def accepts(self, verb: str, *, from_client: bool) -> bool:
        if verb not in self.verbs:
            return False
        return not from_client or self.client_verbs is None or verb in self.client_verbs


_kinds: Registry[ActivityKind] = Registry("Activity kind")


def register_kind(kind: ActivityKind) -> None:
    unknown = kind.verbs - set(Verb.values)
    if unknown:
        raise ValueError(f"Activity kind {kind.name!r} names unknown verbs: {sorted(unknown)}")
    if len(kind.name) > Activity._meta.get_field("kind").max_length:
        raise ValueError(f"Activity kind name {kind.name!r} is too long")
    _kinds.register(kind.name, kind)


unregister_kind = _kinds.unregister
get_kind = _kinds.get


def require_kind(name: str) -> ActivityKind:
    kind = _kinds.get(name)
    if kind is None:
        raise LookupError(f"Activity kind {name!r} is not registered")
    return kind


def describe_activities(activities: Iterable[Activity]) -> dict[uuid.UUID, OutlineEntry]:
    """Outline entries for activities of any kinds, each kind asked once for its own."""
    by_kind: dict[str, list[Activity]] = {}
    for activity in activities:
        by_kind.setdefault(activity.kind, []).append(activity)
    entries: dict[uuid.UUID, OutlineEntry] = {}
    for name, group in by_kind.items():
        kind = get_kind(name)
        entries.update((kind.describe if kind else describe_by_title)(group))
    return entries


def lessons_holding(activities: list[Activity]) -> dict[uuid.UUID, Any]:
    """The lesson each block-placed activity sits in (its position is the lesson's path
    followed by "~"), for kinds whose outline entries link into a lesson."""
    from .models import LessonPage

    paths = {a.pk: a.position.split("~", 1)[0] for a in activities}
    lessons = {
        page.path: page
        for page in LessonPage.objects.filter(path__in=set(paths.values())).only(
            "id", "url_path", "depth", "path", "title"
        )
    }
    return {pk: lessons.get(path) for pk, path in paths.items()}


# --- the lesson kind ------------------------------------------------------------------

LESSON = "lesson"


def lesson_evidence(summary: ActivityProgress, activity: Activity, ctx: FoldContext) -> str | None:
    """A lesson counts as read only if the server served it to this learner and the
    course's minimum time passed between that and the completion reaching the server."""
    if summary.opened_at is None:
        return _("Hãy mở bài học trước khi đánh dấu hoàn thành.")
    waited = (ctx.now - summary.opened_at).total_seconds()
    if waited < ctx.min_seconds:
        return _("Hãy đọc bài ít nhất %(s)d giây trước khi đánh dấu hoàn thành.") % {
            "s": ctx.min_seconds
        }
    return None


def describe_lessons(activities: list[Activity]) -> dict[uuid.UUID, OutlineEntry]:
    from .models import LessonPage

    pages = {
        page.pk: page
        for page in LessonPage.objects.filter(pk__in=[a.page_id for a in activities]).only(
            "id", "url_path", "depth", "path", "estimated_minutes", "title"
        )
    }
    entries = {}
    for activity in activities:
        page = pages.get(activity.page_id)
        entries[activity.pk] = OutlineEntry(
            title=activity.title,
            url=page.get_url() if page else "",
            icon="lesson",
            minutes=page.estimated_minutes if page else None,
        )
    return entries


register_kind(
    ActivityKind(
        name=LESSON,
        label="Bài học",
        verbs=frozenset({Verb.VIEWED, Verb.PROGRESSED, Verb.COMPLETED}),
        evidence=lesson_evidence,
        describe=describe_lessons,
    )
)
