"""How live sessions join the learning loop: their activity kind and criterion.

Attendance is measured by the server (the room's consumers open and close a
Connection per socket) and reported through ``progress_record``; the browser can
claim nothing. Each report carries one interval and the session's window; the fold
merges intervals, so the overlapping sockets of a reconnect or a second tab count
once, and the session counts as attended when the merged time inside the window
reaches the session's attendance percentage.
"""

import uuid
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from courses.activity_kinds import (
    ActivityKind,
    EventIn,
    FoldContext,
    OutlineEntry,
    merge_intervals,
    register_kind,
)
from courses.completion import CourseState, Criterion, CriterionParams, register_criterion
from courses.models import Activity, ActivityProgress, Verb

LIVE = "live"
LIVE_ATTENDED_PERCENT = "live_attended_percent"

Interval = tuple[datetime, datetime]


def clip(interval: Interval, window: Interval) -> Interval | None:
    start, end = max(interval[0], window[0]), min(interval[1], window[1])
    return (start, end) if end > start else None


def _parse(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    parsed = parse_datetime(value)
    if parsed is None or timezone.is_naive(parsed):
        return None
    return parsed


def _window(payload: dict) -> Interval | None:
    window = payload.get("window")
    if not isinstance(window, list) or len(window) != 2:
        return None
    start, end = _parse(window[0]), _parse(window[1])
    return (start, end) if start and end and end > start else None


def stored_intervals(summary: ActivityProgress) -> list[Interval]:
    point = summary.resume_point if isinstance(summary.resume_point, dict) else {}
    found = []
    for pair in point.get("intervals", []):
        start, end = _parse(pair[0]), _parse(pair[1])
        if start and end:
            found.append((start, end))
    return found


def fold_attendance(summary: ActivityProgress, event: EventIn, ctx: FoldContext) -> None:
    payload = event.payload
    window = _window(payload)
    intervals = stored_intervals(summary)
    start, end = _parse(payload.get("from")), _parse(payload.get("to"))
    if window and start and end:
        clipped = clip((start, end), window)
        if clipped:
            intervals.append(clipped)
    intervals = merge_intervals(intervals)
    summary.resume_point = {
        "intervals": [[a.isoformat(), b.isoformat()] for a, b in intervals],
        "window": payload.get("window"),
        "percent": payload.get("percent"),
    }
    summary.resume_point_at = ctx.now
    summary.seconds_spent = int(sum((b - a).total_seconds() for a, b in intervals))
    if intervals:
        summary.first_seen_at = min(filter(None, [summary.first_seen_at, intervals[0][0]]))
        summary.last_seen_at = max(filter(None, [summary.last_seen_at, intervals[-1][1]]))
        summary.status = max(summary.status, ActivityProgress.Status.IN_PROGRESS)


def attended_enough(summary: ActivityProgress, verb: str, payload: dict) -> bool:
    window = _window(payload)
    percent = payload.get("percent")
    if window is None or not isinstance(percent, int) or not 1 <= percent <= 100:
        return False
    length = (window[1] - window[0]).total_seconds()
    return summary.seconds_spent >= length * percent / 100


def describe_sessions(activities: list[Activity]) -> dict[uuid.UUID, OutlineEntry]:
    from .models import LiveSession

    sessions = LiveSession.objects.in_bulk([int(a.source_ref) for a in activities])
    entries = {}
    for activity in activities:
        session = sessions.get(int(activity.source_ref))
        title = activity.title
        minutes = None
        if session is not None:
            starts = timezone.localtime(session.starts_at)
            title = f"{activity.title} ({starts:%H:%M %d/%m})"
            minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
        entries[activity.pk] = OutlineEntry(
            title=title,
            url=reverse("live:session", args=[int(activity.source_ref)]),
            icon="live",
            minutes=minutes,
        )
    return entries


def attended_percent_of_sessions(state: CourseState, params: CriterionParams) -> bool:
    sessions = [a for a in state.activities if a.kind == LIVE]
    if not sessions:
        return False
    attended = sum(1 for a in sessions if a.done)
    return 100 * attended >= (params.threshold or 100) * len(sessions)


def register() -> None:
    register_kind(
        ActivityKind(
            name=LIVE,
            label="Buổi học trực tuyến",
            verbs=frozenset({Verb.ATTENDED}),
            client_verbs=frozenset(),
            fold=fold_attendance,
            completes=attended_enough,
            describe=describe_sessions,
        )
    )
    register_criterion(
        Criterion(
            LIVE_ATTENDED_PERCENT,
            _("Tham dự đủ tỉ lệ (%) số buổi học trực tuyến"),
            attended_percent_of_sessions,
            needs_threshold=True,
        )
    )
