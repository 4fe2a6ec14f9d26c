"""The media items of a course follow its reachable lessons: every video or audio block
of a lesson a learner can open makes (once per recording) an activity of the course."""

from django.db import transaction

from courses.activity_kinds import LESSON
from courses.models import (
    Activity,
    CoursePage,
    CourseWorkspace,
    Enrolment,
    LessonPage,
    ModulePage,
)
from courses.services.activities import activity_register, activity_retire
from courses.services.progress import activity_opened

from .kind import MEDIA, source_ref

# Lesson blocks that play a recording; each keeps it under its own name.
MEDIA_BLOCKS = ("video", "audio")


def _media_blocks(lesson: LessonPage):
    """(position in the lesson, asset, block value) of each video and audio block."""
    for index, block in enumerate(lesson.body):
        kind = block.block_type
        if kind in MEDIA_BLOCKS and block.value.get(kind) is not None:
            yield index, block.value[kind], block.value


def media_activities_sync(course: CoursePage) -> list[Activity]:
    """Register the course's media items as its reachable lessons hold them now, and
    retire those no reachable lesson holds any more (their progress stays)."""
    lesson_ids = Activity.objects.filter(
        course=course, kind=LESSON, is_active=True, page__isnull=False
    ).values_list("page_id", flat=True)
    lessons = LessonPage.objects.filter(pk__in=list(lesson_ids)).order_by("path")
    wanted: dict[str, dict] = {}
    # A recording of another course's library never plays for this course's learners
    # (its files are that course's): it cannot count here either.
    foreign = set(
        CourseWorkspace.objects.exclude(course=course).values_list("collection_id", flat=True)
    )
    for lesson in lessons:
        module = lesson.get_parent().specific
        for index, asset, value in _media_blocks(lesson):
            if asset.collection_id in foreign:
                continue
            ref = source_ref(course.pk, asset.key)
            if ref in wanted:
                # The same recording twice in a course is one item: where it first shows.
                wanted[ref]["required"] |= bool(value.get("required"))
                continue
            wanted[ref] = {
                "title": value.get("title") or asset.title,
                "module": module if isinstance(module, ModulePage) else None,
                "required": bool(value.get("required")),
                "position": f"{lesson.path}~m{index:03d}",
            }
    registered = []
    with transaction.atomic():
        for ref, fields in wanted.items():
            registered.append(
                activity_register(course=course, kind=MEDIA, source_ref=ref, **fields)
            )
        _retire(
            Activity.objects.filter(source_ref__startswith=f"{course.pk}:").exclude(
                source_ref__in=list(wanted)
            )
        )
    return registered


def _retire(activities) -> None:
    """Each active media item among ``activities`` stops counting (progress stays)."""
    for ref in activities.filter(kind=MEDIA, is_active=True).values_list("source_ref", flat=True):
        activity_retire(kind=MEDIA, source_ref=ref)


def media_activities_sync_for_page(page) -> None:
    """A page changed (published, unpublished, moved, deleted): its course's items."""
    course = CoursePage.objects.ancestor_of(page, inclusive=True).first()
    if course is not None:
        media_activities_sync(course)


def media_activities_retire_for_asset(key) -> None:
    _retire(Activity.objects.filter(source_ref__endswith=f":{key}"))


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
