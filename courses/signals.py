"""Keeping Activity rows in step with publishing.

Wagtail's page signals are the one place every publishing path passes through (the
editor, scheduled publishing, moves, deletes, scripts), so activity bookkeeping hangs
off them; the work itself is in the activities service.
"""

from django.db.models.signals import pre_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from .models import CoursePage, LessonPage
from .services.activities import (
    activity_resync_positions,
    activity_retire_for_page,
    activity_sync_below,
)


@receiver(page_published)
@receiver(page_unpublished)
def page_reachability_changed(sender, instance, **kwargs):
    """Publishing or unpublishing a lesson, or any page above lessons (a module, a
    course), changes which lessons learners can reach and so which activities count."""
    activity_sync_below(instance)


@receiver(pre_delete, sender=LessonPage)
def lesson_deleted(sender, instance, **kwargs):
    activity_retire_for_page(instance.pk)


@receiver(post_page_move)
def page_moved(sender, instance, **kwargs):
    """A moved lesson or module may now belong to another course, or sit under an
    unpublished page; siblings may have shifted, which reorders the course's activities."""
    activity_sync_below(instance)
    for course in CoursePage.objects.ancestor_of(instance):
        activity_resync_positions(course)
