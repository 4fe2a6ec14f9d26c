"""A course's media items follow its pages: published, unpublished, moved, deleted."""

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms.models import MediaAsset
from courses.models import LessonPage, ModulePage

from .services import media_activities_retire_for_asset, media_activities_sync_for_page


@receiver(page_published, dispatch_uid="media-items-published")
@receiver(page_unpublished, dispatch_uid="media-items-unpublished")
@receiver(post_page_move, dispatch_uid="media-items-moved")
def page_changed(sender, instance, **kwargs):
    media_activities_sync_for_page(instance)
    before = kwargs.get("parent_page_before")
    if before is not None:  # moved out of another course, perhaps
        media_activities_sync_for_page(before)


@receiver(post_delete, sender=LessonPage, dispatch_uid="media-items-lesson-deleted")
@receiver(post_delete, sender=ModulePage, dispatch_uid="media-items-module-deleted")
def page_deleted(sender, instance, **kwargs):
    media_activities_sync_for_page(instance)


@receiver(post_delete, sender=MediaAsset, dispatch_uid="media-items-asset-deleted")
def asset_deleted(sender, instance, **kwargs):
    # A recording deleted from the library stops counting wherever it was placed.
    media_activities_retire_for_asset(instance.key)
