"""Polls and quick quizzes: the host asks, everyone answers once, counts reach the room
in batches (``poll_results_publish``) and the right answer shows when it closes."""

from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.errors import ServiceError

from ..models import Poll, PollVote
from .events import room_event_append
from .room import Actor, clean_text, int_param, open_session, require_host

MAX_POLL_OPTIONS = 10


def poll_open(
    session_id: int, actor: Actor, question: Any, options: Any, correct: Any = None
) -> Poll:
    require_host(actor)
    question = clean_text(question, limit=500)
    if not isinstance(options, list) or not 2 <= len(options) <= MAX_POLL_OPTIONS:
        raise ServiceError(
            _("Cần từ 2 đến %(max)s phương án.") % {"max": MAX_POLL_OPTIONS}, code="invalid"
        )
    options = [clean_text(option, limit=200) for option in options]
    if correct is not None:
        correct = int_param(correct, "đáp án đúng")
        if not 0 <= correct < len(options):
            raise ServiceError(_("Đáp án đúng phải là một trong các phương án."), code="invalid")
    open_session(session_id)
    with transaction.atomic():
        poll = Poll.objects.create(
            session_id=session_id,
            question=question,
            options=options,
            correct_option=correct,
            counts=[0] * len(options),
        )
        room_event_append(
            session_id,
            "poll.opened",
            {"id": poll.pk, "question": question, "options": options, "quiz": correct is not None},
            actor_id=actor.user_id,
        )
    return poll


def _open_poll(session_id: int, poll_id: Any) -> Poll:
    poll = Poll.objects.filter(
        pk=int_param(poll_id, "câu hỏi nhanh"), session_id=session_id
    ).first()
    if poll is None:
        raise ServiceError(_("Không có câu hỏi nhanh này."), code="not_found")
    if poll.closed_at is not None:
        raise ServiceError(_("Câu hỏi nhanh đã đóng."), code="poll_closed")
    return poll


def poll_vote(session_id: int, actor: Actor, poll_id: Any, option: Any) -> int:
    """One answer per person; the first stands. Returns the answer recorded. The room
    hears the new counts from ``poll_results_publish``, at most about once a second."""
    poll = _open_poll(session_id, poll_id)
    option = int_param(option, "phương án")
    if not 0 <= option < len(poll.options):
        raise ServiceError(_("Không có phương án này."), code="invalid")
    vote, _created = PollVote.objects.get_or_create(
        poll=poll, user_id=actor.user_id, defaults={"option": option}
    )
    return vote.option


def _counts(poll: Poll) -> list[int]:
    counts = [0] * len(poll.options)
    for option, count in (
        PollVote.objects.filter(poll=poll).values_list("option").annotate(n=Count("pk")).order_by()
    ):
        counts[option] = count
    return counts


def poll_results_publish(session_id: int, poll_id: int) -> None:
    with transaction.atomic():
        poll = Poll.objects.select_for_update().filter(pk=poll_id, session_id=session_id).first()
        if poll is None or poll.closed_at is not None:
            return
        counts = _counts(poll)
        if counts == poll.counts:
            return
        poll.counts = counts
        poll.save(update_fields=["counts"])
        room_event_append(session_id, "poll.results", {"id": poll.pk, "counts": counts})


def poll_close(session_id: int, actor: Actor, poll_id: Any) -> None:
    require_host(actor)
    with transaction.atomic():
        poll = _open_poll(session_id, poll_id)
        poll = Poll.objects.select_for_update().get(pk=poll.pk)
        poll.counts = _counts(poll)
        poll.closed_at = timezone.now()
        poll.save(update_fields=["counts", "closed_at"])
        room_event_append(
            session_id,
            "poll.closed",
            {"id": poll.pk, "counts": poll.counts, "correct": poll.correct_option},
            actor_id=actor.user_id,
        )
