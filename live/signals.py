"""A session's activity follows the session."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import LiveSession
from .services.sessions import live_session_activity_retire, live_session_activity_sync

ROOM_FIELDS = {"chat_locked", "slow_mode_seconds", "slide_deck", "slide_page", "ended_at"}


@receiver(post_save, sender=LiveSession, dispatch_uid="live-session-activity-sync")
def sync_session_activity(sender, instance: LiveSession, raw=False, **kwargs):
    update_fields = kwargs.get("update_fields")
    # The room's own changes (chat lock, slide page, the end) leave the activity as is.
    if raw or (update_fields and set(update_fields) <= ROOM_FIELDS):
        return
    live_session_activity_sync(instance)


@receiver(post_delete, sender=LiveSession, dispatch_uid="live-session-activity-retire")
def retire_session_activity(sender, instance: LiveSession, **kwargs):
    live_session_activity_retire(instance.pk)
