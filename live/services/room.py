"""What participants do in the room. Each function validates, writes its own table
and the room event in one transaction, and raises ServiceError with a code the client
shows; the consumer that called it answers that client only."""

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.errors import ServiceError

from ..models import ChatMessage, LiveSession, Participant, Poll, PollVote, Question, QuestionVote
from .events import room_event_append
from .presence import presence_publish, session_connections_close, window_report

MAX_TEXT = 1000
MAX_POLL_OPTIONS = 10
MAX_SLOW_MODE = 300


@dataclass(frozen=True)
class Actor:
    user_id: int
    name: str
    role: str

    @property
    def is_host(self) -> bool:
        return self.role == Participant.Role.HOST


def _require_host(actor: Actor) -> None:
    if not actor.is_host:
        raise ServiceError(_("Chỉ người dạy được làm việc này."), code="forbidden")


def _open_session(session_id: int) -> LiveSession:
    session = LiveSession.objects.get(pk=session_id)
    if session.ended_at is not None:
        raise ServiceError(_("Buổi học đã kết thúc."), code="ended")
    return session


def clean_text(value: Any, *, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise ServiceError(_("Nội dung phải là văn bản."), code="invalid")
    # Control characters (other than line breaks) and bidirectional overrides have no
    # place in a chat line and can disguise what it says.
    text = "".join(
        ch
        for ch in value
        if ch in "\n\t"
        or (ch.isprintable() and ch not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    ).strip()
    if not text:
        raise ServiceError(_("Nội dung trống."), code="invalid")
    if len(text) > limit:
        raise ServiceError(
            _("Nội dung quá dài (tối đa %(limit)s ký tự).") % {"limit": limit}, code="too_long"
        )
    return text


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(_("Thiếu hoặc sai %(what)s.") % {"what": what}, code="invalid")
    return value


def _may_speak(session: LiveSession, actor: Actor) -> None:
    if actor.is_host:
        return
    if Participant.objects.filter(session=session, user_id=actor.user_id, muted=True).exists():
        raise ServiceError(_("Người dạy đã tắt quyền gửi tin của bạn."), code="muted")


def _listed_first(session_id: int, user_id: int) -> None:
    """A change about someone the room has not been told of yet waits for that news,
    so that every client knows the person before it learns of their raised hand."""
    if Participant.objects.filter(session_id=session_id, user_id=user_id, listed=False).exists():
        presence_publish(session_id)


# --- chat ------------------------------------------------------------------------


def chat_post(session_id: int, actor: Actor, text: Any) -> ChatMessage:
    text = clean_text(text)
    session = _open_session(session_id)
    if not actor.is_host:
        if session.chat_locked:
            raise ServiceError(_("Người dạy đã khóa trò chuyện."), code="chat_locked")
        _may_speak(session, actor)
        if session.slow_mode_seconds and not cache.add(
            f"live:slow:{session_id}:{actor.user_id}", 1, timeout=session.slow_mode_seconds
        ):
            raise ServiceError(
                _("Chế độ chậm: mỗi người một tin trong %(s)s giây.")
                % {"s": session.slow_mode_seconds},
                code="slow_mode",
            )
    with transaction.atomic():
        message = ChatMessage.objects.create(
            session_id=session_id, author_id=actor.user_id, name=actor.name, text=text
        )
        room_event_append(
            session_id,
            "chat.posted",
            {"id": message.pk, "user": actor.user_id, "name": actor.name, "text": text},
            actor_id=actor.user_id,
        )
    return message


def chat_delete(session_id: int, actor: Actor, message_id: Any) -> None:
    _require_host(actor)
    message_id = _int(message_id, "tin nhắn")
    with transaction.atomic():
        updated = ChatMessage.objects.filter(
            pk=message_id, session_id=session_id, deleted_at__isnull=True
        ).update(deleted_at=timezone.now(), deleted_by_id=actor.user_id)
        if not updated:
            raise ServiceError(_("Không có tin nhắn này."), code="not_found")
        room_event_append(session_id, "chat.deleted", {"id": message_id}, actor_id=actor.user_id)


def participant_mute(session_id: int, actor: Actor, user_id: Any, muted: Any) -> None:
    _require_host(actor)
    user_id = _int(user_id, "người tham gia")
    muted = bool(muted)
    _listed_first(session_id, user_id)
    with transaction.atomic():
        participant = (
            Participant.objects.select_for_update()
            .filter(session_id=session_id, user_id=user_id)
            .first()
        )
        if participant is None:
            raise ServiceError(_("Không có người tham gia này."), code="not_found")
        if participant.role == Participant.Role.HOST:
            raise ServiceError(_("Không thể tắt tiếng người dạy."), code="forbidden")
        if participant.muted == muted:
            return
        participant.muted = muted
        participant.save(update_fields=["muted"])
        room_event_append(
            session_id,
            "participant.muted",
            {"user": user_id, "muted": muted},
            actor_id=actor.user_id,
        )


def room_settings_change(session_id: int, actor: Actor, changes: dict) -> None:
    _require_host(actor)
    with transaction.atomic():
        session = LiveSession.objects.select_for_update().get(pk=session_id)
        if session.ended_at is not None:
            raise ServiceError(_("Buổi học đã kết thúc."), code="ended")
        if "chat_locked" in changes:
            session.chat_locked = bool(changes["chat_locked"])
        if "slow_mode" in changes:
            seconds = _int(changes["slow_mode"], "số giây")
            if not 0 <= seconds <= MAX_SLOW_MODE:
                raise ServiceError(
                    _("Chế độ chậm từ 0 đến %(max)s giây.") % {"max": MAX_SLOW_MODE},
                    code="invalid",
                )
            session.slow_mode_seconds = seconds
        session.save(update_fields=["chat_locked", "slow_mode_seconds"])
        room_event_append(
            session_id,
            "room.settings",
            {"chat_locked": session.chat_locked, "slow_mode": session.slow_mode_seconds},
            actor_id=actor.user_id,
        )


# --- questions and hands ---------------------------------------------------------


def question_ask(session_id: int, actor: Actor, text: Any) -> Question:
    text = clean_text(text, limit=500)
    session = _open_session(session_id)
    _may_speak(session, actor)
    with transaction.atomic():
        question = Question.objects.create(
            session_id=session_id, author_id=actor.user_id, name=actor.name, text=text
        )
        room_event_append(
            session_id,
            "question.asked",
            {"id": question.pk, "user": actor.user_id, "name": actor.name, "text": text},
            actor_id=actor.user_id,
        )
    return question


def _question(session_id: int, question_id: Any) -> Question:
    question = (
        Question.objects.select_for_update()
        .filter(pk=_int(question_id, "câu hỏi"), session_id=session_id, deleted_at__isnull=True)
        .first()
    )
    if question is None:
        raise ServiceError(_("Không có câu hỏi này."), code="not_found")
    return question


def question_vote(session_id: int, actor: Actor, question_id: Any) -> bool:
    """Upvote once; a second vote by the same person changes nothing (False)."""
    _open_session(session_id)
    with transaction.atomic():
        question = _question(session_id, question_id)
        try:
            with transaction.atomic():
                QuestionVote.objects.create(question=question, user_id=actor.user_id)
        except IntegrityError:
            return False
        Question.objects.filter(pk=question.pk).update(votes=F("votes") + 1)
        room_event_append(
            session_id,
            "question.voted",
            {"id": question.pk, "votes": question.votes + 1},
            actor_id=actor.user_id,
        )
    return True


def question_answered(session_id: int, actor: Actor, question_id: Any) -> None:
    _require_host(actor)
    with transaction.atomic():
        question = _question(session_id, question_id)
        if question.answered_at is not None:
            return
        question.answered_at = timezone.now()
        question.save(update_fields=["answered_at"])
        room_event_append(
            session_id, "question.answered", {"id": question.pk}, actor_id=actor.user_id
        )


def question_delete(session_id: int, actor: Actor, question_id: Any) -> None:
    with transaction.atomic():
        question = _question(session_id, question_id)
        if not actor.is_host and question.author_id != actor.user_id:
            raise ServiceError(
                _("Chỉ người hỏi hoặc người dạy được xóa câu hỏi."), code="forbidden"
            )
        question.deleted_at = timezone.now()
        question.save(update_fields=["deleted_at"])
        room_event_append(
            session_id, "question.deleted", {"id": question.pk}, actor_id=actor.user_id
        )


def hand_set(session_id: int, actor: Actor, raised: Any, user_id: Any = None) -> None:
    """Raise or lower one's own hand; a host may lower anyone's."""
    target = actor.user_id if user_id is None else _int(user_id, "người tham gia")
    raised = bool(raised)
    if target != actor.user_id and (raised or not actor.is_host):
        raise ServiceError(_("Chỉ người dạy được hạ tay người khác."), code="forbidden")
    _open_session(session_id)
    _listed_first(session_id, target)
    with transaction.atomic():
        updated = (
            Participant.objects.filter(session_id=session_id, user_id=target, online=True)
            .exclude(hand_raised=raised)
            .update(hand_raised=raised)
        )
        if updated:
            room_event_append(
                session_id,
                "hand.changed",
                {"user": target, "raised": raised},
                actor_id=actor.user_id,
            )


# --- polls -----------------------------------------------------------------------


def poll_open(
    session_id: int, actor: Actor, question: Any, options: Any, correct: Any = None
) -> Poll:
    _require_host(actor)
    question = clean_text(question, limit=500)
    if not isinstance(options, list) or not 2 <= len(options) <= MAX_POLL_OPTIONS:
        raise ServiceError(
            _("Cần từ 2 đến %(max)s phương án.") % {"max": MAX_POLL_OPTIONS}, code="invalid"
        )
    options = [clean_text(option, limit=200) for option in options]
    if correct is not None:
        correct = _int(correct, "đáp án đúng")
        if not 0 <= correct < len(options):
            raise ServiceError(_("Đáp án đúng phải là một trong các phương án."), code="invalid")
    _open_session(session_id)
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
    poll = Poll.objects.filter(pk=_int(poll_id, "câu hỏi nhanh"), session_id=session_id).first()
    if poll is None:
        raise ServiceError(_("Không có câu hỏi nhanh này."), code="not_found")
    if poll.closed_at is not None:
        raise ServiceError(_("Câu hỏi nhanh đã đóng."), code="poll_closed")
    return poll


def poll_vote(session_id: int, actor: Actor, poll_id: Any, option: Any) -> int:
    """One answer per person; the first stands. Returns the answer recorded. The room
    hears the new counts from ``poll_results_publish``, at most about once a second."""
    poll = _open_poll(session_id, poll_id)
    option = _int(option, "phương án")
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
    _require_host(actor)
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


# --- slides and the session ------------------------------------------------------


def slides_page_set(session_id: int, actor: Actor, page: Any) -> None:
    _require_host(actor)
    page = _int(page, "trang")
    with transaction.atomic():
        session = (
            LiveSession.objects.select_for_update(of=("self",))
            .select_related("slide_deck")
            .get(pk=session_id)
        )
        deck = session.slide_deck
        if deck is None:
            raise ServiceError(_("Chưa có bài trình chiếu."), code="no_slides")
        if not 1 <= page <= deck.pages:
            raise ServiceError(_("Không có trang này."), code="invalid")
        if page == session.slide_page:
            return
        session.slide_page = page
        session.save(update_fields=["slide_page"])
        room_event_append(session_id, "slides.page", {"page": page}, actor_id=actor.user_id)


def session_end(session_id: int, actor: Actor | None) -> bool:
    """End the session for everyone: sockets close, attendance intervals end now and are
    reported, and the window every learner's attendance is measured against becomes
    the time the session really lasted. False if it had already ended."""
    if actor is not None:
        _require_host(actor)
    now = timezone.now()
    with transaction.atomic():
        session = LiveSession.objects.select_for_update().get(pk=session_id)
        if session.ended_at is not None:
            return False
        session.ended_at = min(now, session.ends_at) if now > session.starts_at else now
        session.save(update_fields=["ended_at"])
        session_connections_close(session, now)
        room_event_append(
            session_id, "session.ended", {}, actor_id=actor.user_id if actor else None
        )
        transaction.on_commit(lambda: window_report(session_id))
        transaction.on_commit(lambda: _media_close_later(session_id))
    return True


def _media_close_later(session_id: int) -> None:
    from ..tasks import media_close_task

    media_close_task.delay(session_id)


def sessions_end_due(now=None) -> int:
    """Sessions past their scheduled end are ended for everyone still in them."""
    now = now or timezone.now()
    due = LiveSession.objects.filter(ended_at__isnull=True, ends_at__lte=now).values_list(
        "pk", flat=True
    )
    return sum(1 for pk in list(due[:100]) if session_end(pk, None))
