"""A quiz's activity follows the quiz: published, edited, unpublished, deleted."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Quiz
from .services import quiz_activity_retire, quiz_activity_sync


@receiver(post_save, sender=Quiz, dispatch_uid="quiz-activity-sync")
def sync_quiz_activity(sender, instance: Quiz, raw=False, **kwargs):
    if not raw:
        quiz_activity_sync(instance)


@receiver(post_delete, sender=Quiz, dispatch_uid="quiz-activity-retire")
def retire_quiz_activity(sender, instance: Quiz, **kwargs):
    quiz_activity_retire(instance.pk)
