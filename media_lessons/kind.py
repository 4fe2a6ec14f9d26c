"""How a lesson's video or audio joins the learning loop: the ``media`` activity kind.

The player reports the stretches of the recording it played (``from``/``to`` in seconds
of the recording) with the wall seconds since its last report. The fold merges the
stretches, so a minute watched twice counts once, and never credits more of the
recording than twice the wall time that passed since the server first served it (the
fastest playback rate a player offers), so a script claiming the whole video at once
gets no further than the clock allows. The item completes when the merged stretches
cover MEDIA_COMPLETE_PERCENT of the recording's length as the server knows it.
"""

import uuid

from django.conf import settings
from django.utils.translation import gettext as _

from cms.cache import tree_cached_many
from cms.models import MediaAsset
from courses.activity_kinds import (
    MAX_SECONDS_PER_EVENT,
    ActivityKind,
    EventIn,
    FoldContext,
    OutlineEntry,
    fold_default,
    lessons_holding,
    merge_intervals,
    register_kind,
)
from courses.models import Activity, ActivityProgress, Verb

MEDIA = "media"
# The fastest playback a player offers: wall time t may account for 2t of recording.
MAX_PLAYBACK_RATE = 2.0
# Merged stretches kept per learner and item: a listener who jumps around a long
# recording still has a bounded summary (the smallest gaps are closed first).
MAX_STRETCHES = 200


def source_ref(course_id: int, asset_key: uuid.UUID | str) -> str:
    return f"{course_id}:{asset_key}"


def asset_key_of(activity: Activity) -> str:
    return activity.source_ref.split(":", 1)[1]


def complete_fraction() -> float:
    return float(getattr(settings, "MEDIA_COMPLETE_PERCENT", 90)) / 100


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _duration(activity_id: uuid.UUID) -> float:
    """The recording's length as the server measured it (never the client's claim).

    Cached with the page tree, which a newly published rendition set retires.
    """

    def load(ids: set) -> dict:
        refs = dict(Activity.objects.filter(pk__in=ids).values_list("pk", "source_ref"))
        keys = {pk: ref.split(":", 1)[1] for pk, ref in refs.items() if ":" in ref}
        lengths = {
            str(key): duration
            for key, duration in MediaAsset.objects.filter(key__in=keys.values()).values_list(
                "key", "duration"
            )
        }
        return {pk: float(lengths.get(key) or 0) for pk, key in keys.items()}

    return tree_cached_many("media-duration", {activity_id}, load).get(activity_id, 0.0)


def watched_seconds(resume: dict) -> float:
    return sum(b - a for a, b in resume.get("watched") or [])


def _bounded(stretches: list[tuple[float, float]]) -> list[tuple[float, float]]:
    while len(stretches) > MAX_STRETCHES:
        gaps = [(stretches[i + 1][0] - stretches[i][1], i) for i in range(len(stretches) - 1)]
        _gap, i = min(gaps)
        stretches[i : i + 2] = [(stretches[i][0], stretches[i + 1][1])]
    return stretches


def fold_media(summary: ActivityProgress, event: EventIn, ctx: FoldContext) -> None:
    payload = event.payload
    # What the clock allows, measured before this event moves the credited time on.
    since = max(filter(None, [ctx.floor, summary.credited_until]))
    available = max((ctx.at - since).total_seconds(), 0.0)
    fold_default(
        summary,
        EventIn(
            event.id,
            event.activity_id,
            event.verb,
            event.occurred_at,
            {k: v for k, v in payload.items() if k != "position"},
        ),
        ctx,
    )
    resume = summary.resume_point if isinstance(summary.resume_point, dict) else {}
    # Always the current recording's: a new upload may be longer or shorter.
    duration = resume["duration"] = _duration(event.activity_id)
    start, end = _number(payload.get("from")), _number(payload.get("to"))
    if event.verb == Verb.PROGRESSED and start is not None and end is not None and duration:
        start = min(max(start, 0.0), duration)
        end = min(max(end, start), duration)
        allowed = min(available, MAX_SECONDS_PER_EVENT) * MAX_PLAYBACK_RATE
        end = min(end, start + allowed)
        if end > start:
            stretches = [tuple(s) for s in resume.get("watched") or []]
            resume["watched"] = [
                [round(a, 2), round(b, 2)]
                for a, b in _bounded(merge_intervals([*stretches, (start, end)]))  # type: ignore[list-item]
            ]
    position = _number(payload.get("position"))
    if (
        position is not None
        and duration
        and (summary.resume_point_at is None or ctx.at >= summary.resume_point_at)
    ):
        resume["position"] = round(min(max(position, 0.0), duration), 2)
        summary.resume_point_at = ctx.at
    summary.resume_point = resume


def completes_media(summary: ActivityProgress, verb: str, payload: dict) -> bool:
    resume = summary.resume_point if isinstance(summary.resume_point, dict) else {}
    duration = resume.get("duration") or 0
    return bool(duration) and watched_seconds(resume) >= complete_fraction() * duration


def media_evidence(summary: ActivityProgress, activity: Activity, ctx: FoldContext) -> str | None:
    """The server served the recording's playlist to this learner; the time the stretches
    need has been capped by the clock in the fold."""
    if summary.opened_at is None:
        return _("Hãy mở video hoặc âm thanh trên trang bài học.")
    return None


def describe_media(activities: list[Activity]) -> dict[uuid.UUID, OutlineEntry]:
    lessons = lessons_holding(activities)
    assets = {
        key: (kind, duration)
        for key, kind, duration in MediaAsset.objects.filter(
            key__in=[asset_key_of(a) for a in activities]
        ).values_list("key", "type", "duration")
    }
    entries = {}
    for activity in activities:
        lesson = lessons.get(activity.pk)
        key = uuid.UUID(asset_key_of(activity))
        kind, duration = assets.get(key, ("video", 0))
        entries[activity.pk] = OutlineEntry(
            title=activity.title,
            url=f"{lesson.get_url()}#media-{key}" if lesson else "",
            icon=kind,
            minutes=max(1, round(duration / 60)) if duration else None,
        )
    return entries


def register() -> None:
    register_kind(
        ActivityKind(
            name=MEDIA,
            label="Video/âm thanh",
            verbs=frozenset({Verb.VIEWED, Verb.PROGRESSED}),
            fold=fold_media,
            completes=completes_media,
            evidence=media_evidence,
            describe=describe_media,
        )
    )
