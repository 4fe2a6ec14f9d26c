"""A quiz's activity follows the quiz: published, edited, unpublished, deleted."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Question, QuestionCategory, QuestionOption, Quiz, QuizSlot
from .selectors.pools import bank_changed
from .services import quiz_activity_retire, quiz_activity_sync


@receiver(post_save, sender=Quiz, dispatch_uid="quiz-activity-sync")
def sync_quiz_activity(sender, instance: Quiz, raw=False, **kwargs):
    if not raw:
        quiz_activity_sync(instance)


@receiver(post_delete, sender=Quiz, dispatch_uid="quiz-activity-retire")
def retire_quiz_activity(sender, instance: Quiz, **kwargs):
    quiz_activity_retire(instance.pk)


def _course_of(instance) -> int | None:
    if isinstance(instance, QuestionOption):
        return (
            Question.objects.filter(pk=instance.question_id)
            .values_list("course_id", flat=True)
            .first()
        )
    if isinstance(instance, QuizSlot):
        return Quiz.objects.filter(pk=instance.quiz_id).values_list("course_id", flat=True).first()
    return instance.course_id


def _bank_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    course_id = _course_of(instance)
    if course_id is not None:
        # After commit: a start in between must not cache the old bank as the new one.
        transaction.on_commit(partial(bank_changed, course_id))


# Whatever a new attempt draws from: new attempts draw from the bank as it is now.
for _model in (Question, QuestionOption, QuestionCategory, Quiz, QuizSlot):
    post_save.connect(_bank_changed, sender=_model, dispatch_uid=f"bank-changed-{_model.__name__}")
    post_delete.connect(
        _bank_changed, sender=_model, dispatch_uid=f"bank-deleted-{_model.__name__}"
    )
