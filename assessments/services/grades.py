"""A learner's grade for a quiz, by its grading method, and where it is recorded."""

from datetime import datetime

from django.utils import timezone

from assessments.kind import QUIZ
from assessments.models import Attempt, Quiz
from courses.models import Activity, Verb
from courses.services.activities import activity_follow, activity_retire
from courses.services.errors import ServiceError
from courses.services.progress import progress_record


def quiz_grade_record(*, learner, quiz: Quiz, now: datetime | None = None) -> float | None:
    """Record the learner's current grade at ``quiz`` in the progress pipeline.

    The course's progress and completion follow in the same transaction. A quiz that
    is no longer published, or a learner no longer enrolled, keeps its attempts and
    grades; the pipeline just does not take them.
    """
    now = now or timezone.now()
    attempts = list(
        Attempt.objects.filter(quiz=quiz, learner=learner, state=Attempt.State.GRADED).order_by(
            "number"
        )
    )
    percent = quiz.grade_percent(attempts)
    if percent is None:
        return None
    activity = Activity.objects.filter(kind=QUIZ, source_ref=str(quiz.pk), is_active=True).first()
    if activity is None:
        return percent
    try:
        progress_record(
            learner=learner,
            activity_id=activity.pk,
            verb=Verb.SCORED,
            payload={
                "score": round(percent, 2),
                "max": 100,
                "passed": percent >= quiz.pass_percent,
            },
            at=now,
        )
    except ServiceError as error:
        if error.code != "activity":
            raise
    return percent


def quiz_activity_sync(quiz: Quiz) -> None:
    """A published quiz is an activity of its course; an unpublished one is not."""
    activity_follow(
        kind=QUIZ,
        source_ref=str(quiz.pk),
        published=quiz.published,
        course=quiz.course,
        module=quiz.module,
        title=quiz.title,
        required=quiz.required,
    )


def quiz_activity_retire(quiz_id: int) -> None:
    activity_retire(kind=QUIZ, source_ref=str(quiz_id))
