"""Keeping Activity rows in step with publishing.

Wagtail's page signals are the one place every publishing path passes through (the
editor, scheduled publishing, moves, deletes, scripts), so activity bookkeeping hangs
off them; the work itself is in the activities service.
"""

from django.db import transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from .models import Activity, CoursePage, LessonPage
from .services.activities import (
    activity_resync_positions,
    activity_retire_for_page,
    activity_sync_for_lesson,
)


def _recount_later(course_id: int | None) -> None:
    if course_id is None:
        return
    from .tasks import course_progress_recount_task

    transaction.on_commit(lambda: course_progress_recount_task.delay(course_id))


@receiver(page_published, sender=LessonPage)
def lesson_published(sender, instance, **kwargs):
    before = (
        Activity.objects.filter(page_id=instance.pk)
        .values("course_id", "required", "is_active")
        .first()
    )
    activity = activity_sync_for_lesson(instance)
    if activity and before != {
        "course_id": activity.course_id,
        "required": activity.required,
        "is_active": True,
    }:
        _recount_later(activity.course_id)
        if before and before["course_id"] != activity.course_id:
            _recount_later(before["course_id"])


@receiver(page_unpublished, sender=LessonPage)
def lesson_unpublished(sender, instance, **kwargs):
    course_id = (
        Activity.objects.filter(page_id=instance.pk).values_list("course_id", flat=True).first()
    )
    activity_retire_for_page(instance.pk)
    _recount_later(course_id)


@receiver(pre_delete, sender=LessonPage)
def lesson_deleted(sender, instance, **kwargs):
    lesson_unpublished(sender, instance)


@receiver(post_page_move)
def page_moved(sender, instance, **kwargs):
    """A moved lesson or module may now belong to another course; siblings may have
    shifted in the tree, which changes the order of the course's activities."""
    page = instance.specific
    lessons = [page] if isinstance(page, LessonPage) else LessonPage.objects.descendant_of(page)
    for lesson in lessons:
        if lesson.live:
            lesson_published(LessonPage, lesson)
    for course in CoursePage.objects.ancestor_of(page):
        activity_resync_positions(course)
