"""Reads of spoken answers: who may hear a recording, and what waits for a trainer.

A recording or a response the user may not see answers exactly like one that does not
exist (None here, 404 in the views).
"""

import uuid

from django.db.models import Q, QuerySet

from courses.selectors.staff import courses_taught_by

from ..models import Attempt, QuestionType, Recording, Response


def access_recording(user, recording_id) -> Recording | None:
    """A checked recording, for the learner who made it and the trainers of its course."""
    if not user.is_authenticated:
        return None
    visible = Q(attempt__learner=user) | Q(attempt__quiz__course__in=courses_taught_by(user))
    return Recording.objects.filter(visible, pk=recording_id, complete=True).first()


def attempt_recordings(attempt: Attempt) -> list[Recording]:
    """The attempt's checked recordings, in the order its questions were shown."""
    order = {entry["q"]: index for index, entry in enumerate(attempt.layout)}
    found = Recording.objects.filter(attempt=attempt, complete=True)
    return sorted(found, key=lambda r: order.get(r.question_id, len(order)))


def spoken_responses_for_staff(user) -> QuerySet[Response]:
    """Spoken answers of submitted attempts in the courses the user teaches."""
    return (
        Response.objects.filter(
            question__qtype=QuestionType.SPOKEN,
            attempt__quiz__course__in=courses_taught_by(user),
        )
        .exclude(attempt__state=Attempt.State.IN_PROGRESS)
        .select_related(
            "question",
            "question__reference_audio",
            "attempt__quiz__course",
            "attempt__learner__learner_profile",
        )
    )


def responses_awaiting_grading(user) -> QuerySet[Response]:
    """What a trainer has to grade, the longest waiting first."""
    return (
        spoken_responses_for_staff(user)
        .filter(attempt__state=Attempt.State.AWAITING_GRADING, fraction__isnull=True)
        .order_by("attempt__submitted_at", "pk")
    )


def access_spoken_response(user, response_id: int) -> Response | None:
    return spoken_responses_for_staff(user).filter(pk=response_id).first()


def response_recording(response: Response) -> Recording | None:
    """The checked recording a response's answer names, if any."""
    answer = response.answer if isinstance(response.answer, dict) else {}
    try:
        recording_id = uuid.UUID(str(answer.get("recording", "")))
    except ValueError:
        return None
    return Recording.objects.filter(
        pk=recording_id, attempt_id=response.attempt_id, complete=True
    ).first()
