"""Activities: what a course tracks. Lessons follow the page tree; other kinds register
and retire theirs through ``activity_register`` and ``activity_retire``."""

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from wagtail.models import Page

from cms.cache import tree_changed
from courses.activity_kinds import LESSON, get_kind
from courses.models import Activity, CoursePage, CourseWorkspace, LessonPage, ModulePage

from .errors import ServiceError


def _recount_later(*course_ids: int | None) -> None:
    from courses.tasks import course_progress_recount_task

    def enqueue(course_id: int) -> None:
        course_progress_recount_task.delay(course_id)

    for course_id in {c for c in course_ids if c is not None}:
        transaction.on_commit(partial(enqueue, course_id), robust=True)


def _counts(activity: Activity | None) -> tuple | None:
    if activity is None:
        return None
    return (activity.course_id, activity.required, activity.weight, activity.is_active)


def activity_register(
    *,
    course: CoursePage,
    kind: str,
    source_ref: str,
    title: str,
    module: ModulePage | None = None,
    required: bool = True,
    weight: int = 1,
    position: str = "",
) -> Activity:
    """Create or update the activity of a non-page source; idempotent by kind and source.

    ``position`` sorts it among the course's activities (lessons use their page path: a
    module's path followed by anything puts it inside that module, after its lessons).
    """
    if get_kind(kind) is None:
        raise ServiceError(f"Unknown activity kind {kind!r}", code="kind")
    if not source_ref:
        raise ServiceError("An activity of a non-page source needs a source reference")
    with transaction.atomic():
        before = Activity.objects.select_for_update().filter(kind=kind, source_ref=source_ref)
        previous = _counts(before.first())
        activity, _ = Activity.objects.update_or_create(
            kind=kind,
            source_ref=source_ref,
            defaults={
                "course": course,
                "module": module,
                "title": title[:255],
                "required": required,
                "weight": weight,
                "position": position or course.path,
                "is_active": True,
            },
        )
        if previous != _counts(activity):
            _recount_later(activity.course_id, previous[0] if previous else None)
        transaction.on_commit(tree_changed)
    return activity


def activity_follow(
    *,
    kind: str,
    source_ref: str,
    published: bool,
    course: CoursePage,
    module: ModulePage | None,
    title: str,
    required: bool,
    rank: str = "",
) -> Activity | None:
    """Bring a non-page source's activity in line with its source (a quiz, a live
    session): published, it counts, placed after its module's lessons (after every
    module, without one) and ordered among such sources by ``rank``; unpublished, it
    is retired."""
    if not published:
        activity_retire(kind=kind, source_ref=source_ref)
        return None
    anchor = module.path if module is not None else course.path
    return activity_register(
        course=course,
        kind=kind,
        source_ref=source_ref,
        title=title,
        module=module,
        required=required,
        position=f"{anchor}~{rank}",
    )


def activity_retire(*, kind: str, source_ref: str) -> None:
    """The source is gone or withdrawn: it stops counting; its progress history stays."""
    with transaction.atomic():
        activity = Activity.objects.filter(kind=kind, source_ref=source_ref, is_active=True).first()
        if activity is None:
            return
        Activity.objects.filter(pk=activity.pk).update(is_active=False)
        _recount_later(activity.course_id)
        transaction.on_commit(tree_changed)


def _reachable(lesson: LessonPage) -> bool:
    """Live, and every ancestor live: what a learner can actually open."""
    return (
        LessonPage.objects.filter(pk=lesson.pk, live=True).exists()
        and not Page.objects.ancestor_of(lesson).filter(depth__gt=1, live=False).exists()
    )


# A lesson block's chosen object (a recording, a package), or None for other blocks.
Chosen = Callable[[Any], Any]


def block_activities_sync(
    course: CoursePage, *, kind: str, chosen: Chosen, marker: str
) -> list[Activity]:
    """One activity per object chosen in the blocks of the course's reachable lessons
    (the same object twice in a course is one activity, where it first shows, required
    if any of its blocks says so); those no reachable lesson holds any more are retired
    (their progress stays). ``chosen`` picks the object out of a block; objects need a
    stable ``key`` and a ``collection_id``. An object of another course's collection
    never plays for this course's learners, so it does not count here either."""
    lesson_ids = Activity.objects.filter(
        course=course, kind=LESSON, is_active=True, page__isnull=False
    ).values_list("page_id", flat=True)
    foreign = set(
        CourseWorkspace.objects.exclude(course=course).values_list("collection_id", flat=True)
    )
    wanted: dict[str, dict] = {}
    for lesson in LessonPage.objects.filter(pk__in=list(lesson_ids)).order_by("path"):
        module = lesson.get_parent().specific
        for index, block in enumerate(lesson.body):
            found = chosen(block)
            if found is None or found.collection_id in foreign:
                continue
            ref = f"{course.pk}:{found.key}"
            if ref in wanted:
                wanted[ref]["required"] |= bool(block.value.get("required"))
                continue
            wanted[ref] = {
                "title": block.value.get("title") or found.title,
                "module": module if isinstance(module, ModulePage) else None,
                "required": bool(block.value.get("required")),
                "position": f"{lesson.path}~{marker}{index:03d}",
            }
    with transaction.atomic():
        registered = [
            activity_register(course=course, kind=kind, source_ref=ref, **fields)
            for ref, fields in wanted.items()
        ]
        gone = Activity.objects.filter(
            kind=kind, is_active=True, source_ref__startswith=f"{course.pk}:"
        ).exclude(source_ref__in=list(wanted))
        for ref in gone.values_list("source_ref", flat=True):
            activity_retire(kind=kind, source_ref=ref)
    return registered


def block_activities_sync_for_page(page: Page, *, kind: str, chosen: Chosen, marker: str) -> None:
    """A page changed (published, unpublished, moved, deleted): its course's activities
    of this kind."""
    course = CoursePage.objects.ancestor_of(page, inclusive=True).first()
    if course is not None:
        block_activities_sync(course, kind=kind, chosen=chosen, marker=marker)


def block_activities_retire_for_key(*, kind: str, key: Any) -> None:
    """The object is gone: it stops counting in every course that placed it."""
    for ref in Activity.objects.filter(
        kind=kind, is_active=True, source_ref__endswith=f":{key}"
    ).values_list("source_ref", flat=True):
        activity_retire(kind=kind, source_ref=ref)


def activity_reserve(
    *,
    pk: uuid.UUID,
    course: CoursePage,
    kind: str,
    title: str,
    page: Page | None = None,
    source_ref: str = "",
) -> bool:
    """Keep an activity's id from another installation (a course pack brings it): an
    inactive placeholder that the lesson's or the source's own registration then takes
    over, so progress reported against that id elsewhere means the same thing here.

    Nothing is done (False) when the id is taken, or the lesson or source already has
    an activity here: an installation's own ids always win.
    """
    if page is None and not source_ref:
        raise ServiceError("An activity is reserved for a page or a source reference")
    taken = Activity.objects.filter(pk=pk).exists() or (
        Activity.objects.filter(page_id=page.pk).exists()
        if page is not None
        else Activity.objects.filter(kind=kind, source_ref=source_ref).exists()
    )
    if taken:
        return False
    Activity.objects.create(
        pk=pk,
        course=course,
        kind=kind,
        title=title[:255],
        page=page,
        source_ref=source_ref,
        is_active=False,
    )
    return True


def activity_sync_for_lesson(lesson: LessonPage) -> Activity | None:
    """Bring a lesson's activity in line with what learners can reach, as stored now.

    Read from the database rather than from the page instance a signal carries, so a
    revision saved around a publish can never make a draft count.
    """
    module = lesson.get_parent().specific
    course = module.get_parent().specific if isinstance(module, ModulePage) else None
    previous = Activity.objects.filter(page_id=lesson.pk).first()
    if not isinstance(course, CoursePage):
        if previous and previous.is_active:
            activity_retire_for_page(lesson.pk)
        return None
    title, required = LessonPage.objects.filter(pk=lesson.pk).values_list("title", "required")[0]
    with transaction.atomic():
        activity, _ = Activity.objects.update_or_create(
            page_id=lesson.pk,
            defaults={
                "course": course,
                "module": module,
                "kind": LESSON,
                "title": title[:255],
                "required": required,
                "position": lesson.path,
                "is_active": _reachable(lesson),
            },
        )
        if _counts(previous) != _counts(activity):
            _recount_later(activity.course_id, previous.course_id if previous else None)
        # Activities are cached with the tree (the progress API reads them from there).
        transaction.on_commit(tree_changed)
    return activity


def activity_sync_below(page: Page) -> None:
    """A page was published, unpublished or moved: every lesson at or below it."""
    page = page.specific
    if isinstance(page, LessonPage):
        activity_sync_for_lesson(page)
        return
    for lesson in LessonPage.objects.descendant_of(page):
        activity_sync_for_lesson(lesson)


def activity_retire_for_page(page_id: int) -> None:
    """A deleted lesson stops counting; its progress history stays."""
    course_id = (
        Activity.objects.filter(page_id=page_id, is_active=True)
        .values_list("course_id", flat=True)
        .first()
    )
    Activity.objects.filter(page_id=page_id).update(is_active=False)
    _recount_later(course_id)
    transaction.on_commit(tree_changed)


def activity_resync_positions(course: CoursePage) -> None:
    """Tree moves change page paths, and with them the order of a course's activities."""
    lessons = LessonPage.objects.descendant_of(course).only("id", "path")
    with transaction.atomic():
        for lesson in lessons:
            Activity.objects.filter(page_id=lesson.pk).update(position=lesson.path)
