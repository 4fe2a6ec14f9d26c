"""Keeping each course's Activity rows in step with its published page tree."""

from django.db import transaction

from courses.activity_kinds import LESSON
from courses.models import Activity, CoursePage, LessonPage, ModulePage


def activity_sync_for_lesson(lesson: LessonPage) -> Activity | None:
    """Create or update the lesson's Activity from the page as published."""
    module = lesson.get_parent().specific
    course = module.get_parent().specific if isinstance(module, ModulePage) else None
    if not isinstance(course, CoursePage):
        return None
    with transaction.atomic():
        activity, _ = Activity.objects.update_or_create(
            page_id=lesson.pk,
            defaults={
                "course": course,
                "module": module,
                "kind": LESSON,
                "title": lesson.title[:255],
                "required": lesson.required,
                "position": lesson.path,
                "is_active": lesson.live,
            },
        )
    return activity


def activity_retire_for_page(page_id: int) -> None:
    """An unpublished or deleted lesson stops counting; its progress history stays."""
    Activity.objects.filter(page_id=page_id).update(is_active=False)


def activity_resync_positions(course: CoursePage) -> None:
    """Tree moves change page paths, and with them the order of a course's activities."""
    lessons = LessonPage.objects.descendant_of(course).only("id", "path")
    with transaction.atomic():
        for lesson in lessons:
            Activity.objects.filter(page_id=lesson.pk).update(position=lesson.path)
