"""Reads for the players: what a lesson's block plays, and where a learner left off."""

import uuid
from dataclasses import dataclass, field

from django.urls import reverse

from cms.models import MediaAsset
from courses.models import Activity, ActivityProgress, Enrolment
from courses.selectors import placed_activity

from .kind import MEDIA, watched_seconds


@dataclass(frozen=True)
class Download:
    url: str
    bytes: int
    kind: str  # "video" or "audio"


@dataclass(frozen=True)
class Player:
    key: uuid.UUID
    kind: str
    title: str
    ready: bool
    status: str
    duration: float = 0
    master: str = ""
    audio: str = ""
    poster: str = ""
    activity_id: uuid.UUID | None = None
    podcast_url: str = ""
    downloads: list[Download] = field(default_factory=list)
    subtitles: list[dict] = field(default_factory=list)


def player_context(asset: MediaAsset | None, page) -> Player | None:
    """What a lesson's block needs to play ``asset``; the same for every learner (the
    lesson body is rendered once and cached), so nothing about the learner."""
    if asset is None:
        return None
    course_id, activity_id = placed_activity(page, kind=MEDIA, key=asset.key)
    downloads = []
    for name, kind in (("download", "video"), ("audio_download", "audio")):
        entry = asset.rendition(name)
        if entry:
            downloads.append(Download(asset.rendition_url(name), int(entry.get("bytes", 0)), kind))
    return Player(
        key=asset.key,
        kind=asset.type,
        title=asset.title,
        ready=bool(asset.rendition_set),
        status=asset.get_status_display(),
        duration=asset.duration or 0,
        master=asset.rendition_url("master"),
        audio=asset.rendition_url("audio"),
        poster=asset.rendition_url("poster"),
        activity_id=activity_id,
        podcast_url=reverse("media-podcast", args=[course_id]) if course_id else "",
        downloads=downloads,
        subtitles=[
            {
                "language": track.language,
                "label": track.label,
                "url": reverse("media_subtitle", args=[asset.key, track.language]),
            }
            for track in asset.subtitles.order_by("language")
        ],
    )


def media_state(*, learner, activity_id: uuid.UUID) -> dict | None:
    """Where the learner left off in a media item, and how much of it they watched;
    None if the item is not theirs to ask about."""
    activity = Activity.objects.filter(pk=activity_id, kind=MEDIA, is_active=True).first()
    if (
        activity is None
        or not Enrolment.objects.filter(
            learner=learner, course_id=activity.course_id, status=Enrolment.Status.ACTIVE
        ).exists()
    ):
        return None
    summary = ActivityProgress.objects.filter(learner=learner, activity=activity).first()
    resume = summary.resume_point if summary and isinstance(summary.resume_point, dict) else {}
    duration = resume.get("duration") or 0
    return {
        "position": resume.get("position", 0),
        "watched": round(watched_seconds(resume) / duration, 3) if duration else 0,
        "completed": bool(summary and summary.is_completed),
    }
