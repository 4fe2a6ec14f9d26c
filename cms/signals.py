"""Cache invalidation (any change to the page tree retires every cached fragment), and a
deleted media asset's files."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from .cache import tree_changed
from .media.services import media_asset_files_delete
from .models import MediaAsset


@receiver(post_save)
@receiver(post_delete)
def page_or_site_changed(sender, instance, **kwargs):
    if isinstance(instance, Page | Site | PageViewRestriction):
        tree_changed()


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def page_tree_changed(sender, **kwargs):
    tree_changed()


@receiver(post_delete, sender=MediaAsset)
def media_asset_deleted(sender, instance, **kwargs):
    key = instance.key
    transaction.on_commit(lambda: media_asset_files_delete(key=key))
