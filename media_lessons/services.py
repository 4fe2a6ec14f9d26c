"""The media items of a course follow its reachable lessons: every video or audio block
of a lesson a learner can open makes (once per recording) an activity of the course."""

from courses.models import Activity, Enrolment
from courses.services.activities import (
    block_activities_retire_for_key,
    block_activities_sync,
    block_activities_sync_for_page,
)
from courses.services.progress import activity_opened

from .kind import MEDIA

# Lesson blocks that play a recording; each keeps it under its own name.
MEDIA_BLOCKS = ("video", "audio")


def _recording_of(block):
    return block.value.get(block.block_type) if block.block_type in MEDIA_BLOCKS else None


def media_activities_sync(course):
    """Register the course's media items as its reachable lessons hold them now, and
    retire those no reachable lesson holds any more (their progress stays)."""
    return block_activities_sync(course, kind=MEDIA, chosen=_recording_of, marker="m")


def media_activities_sync_for_page(page) -> None:
    block_activities_sync_for_page(page, kind=MEDIA, chosen=_recording_of, marker="m")


def media_activities_retire_for_asset(key) -> None:
    block_activities_retire_for_key(kind=MEDIA, key=key)


def media_played(*, learner, asset) -> None:
    """The server served ``asset``'s playlist to ``learner``: each media item of it in a
    course the learner is enrolled in is opened (only the first time counts)."""
    enrolled = Enrolment.objects.filter(learner=learner, status=Enrolment.Status.ACTIVE)
    for activity_id in Activity.objects.filter(
        kind=MEDIA,
        is_active=True,
        source_ref__endswith=f":{asset.key}",
        course_id__in=enrolled.values("course_id"),
    ).values_list("pk", flat=True):
        activity_opened(learner=learner, activity_id=activity_id)
