"""A course's packages follow its pages: published, unpublished, moved, deleted."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms.cache import tree_changed
from courses.models import CourseWorkspace, LessonPage, ModulePage

from .models import Package
from .services.access import package_permissions_grant
from .services.activities import (
    package_activities_retire_for_package,
    package_activities_sync_for_page,
)
from .services.packages import package_files_delete


@receiver(page_published, dispatch_uid="package-items-published")
@receiver(page_unpublished, dispatch_uid="package-items-unpublished")
@receiver(post_page_move, dispatch_uid="package-items-moved")
def page_changed(sender, instance, **kwargs):
    package_activities_sync_for_page(instance)
    before = kwargs.get("parent_page_before")
    if before is not None:
        package_activities_sync_for_page(before)


@receiver(post_delete, sender=LessonPage, dispatch_uid="package-items-lesson-deleted")
@receiver(post_delete, sender=ModulePage, dispatch_uid="package-items-module-deleted")
def page_deleted(sender, instance, **kwargs):
    package_activities_sync_for_page(instance)


@receiver(post_delete, sender=Package, dispatch_uid="package-items-package-deleted")
def package_deleted(sender, instance, **kwargs):
    package_activities_retire_for_package(instance.key)
    package_files_delete(instance)


@receiver(post_save, sender=Package, dispatch_uid="package-rules-changed")
def package_saved(sender, instance, **kwargs):
    # Whether it is scored and its pass mark decide completion: read from the tree cache.
    transaction.on_commit(tree_changed)


@receiver(post_save, sender=CourseWorkspace, dispatch_uid="package-permissions-granted")
def workspace_saved(sender, instance, **kwargs):
    # A course's trainers manage its packages as they manage its media.
    package_permissions_grant(instance)
