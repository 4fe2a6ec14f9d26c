"""What participants do in the room: chat and its moderation, questions and hands
(polls are in polls.py, the slide page in slides.py, the session's end in
sessions.py). Each function validates, writes its own table and the room event in one
transaction, and raises ServiceError with a code the client shows; the consumer that
called it answers that client only."""

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.errors import ServiceError

from ..models import ChatMessage, LiveSession, Participant, Question, QuestionVote
from .events import room_event_append
from .presence import presence_publish

MAX_TEXT = 1000
MAX_SLOW_MODE = 300


@dataclass(frozen=True)
class Actor:
    user_id: int
    name: str
    role: str

    @property
    def is_host(self) -> bool:
        return self.role == Participant.Role.HOST


def require_host(actor: Actor) -> None:
    if not actor.is_host:
        raise ServiceError(_("Chỉ người dạy được làm việc này."), code="forbidden")


def open_session(session_id: int) -> LiveSession:
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


def int_param(value: Any, what: str) -> int:
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
    session = open_session(session_id)
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
    require_host(actor)
    message_id = int_param(message_id, "tin nhắn")
    with transaction.atomic():
        updated = ChatMessage.objects.filter(
            pk=message_id, session_id=session_id, deleted_at__isnull=True
        ).update(deleted_at=timezone.now(), deleted_by_id=actor.user_id)
        if not updated:
            raise ServiceError(_("Không có tin nhắn này."), code="not_found")
        room_event_append(session_id, "chat.deleted", {"id": message_id}, actor_id=actor.user_id)


def participant_mute(session_id: int, actor: Actor, user_id: Any, muted: Any) -> None:
    require_host(actor)
    user_id = int_param(user_id, "người tham gia")
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
    require_host(actor)
    with transaction.atomic():
        session = LiveSession.objects.select_for_update().get(pk=session_id)
        if session.ended_at is not None:
            raise ServiceError(_("Buổi học đã kết thúc."), code="ended")
        if "chat_locked" in changes:
            session.chat_locked = bool(changes["chat_locked"])
        if "slow_mode" in changes:
            seconds = int_param(changes["slow_mode"], "số giây")
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
    session = open_session(session_id)
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
        .filter(
            pk=int_param(question_id, "câu hỏi"), session_id=session_id, deleted_at__isnull=True
        )
        .first()
    )
    if question is None:
        raise ServiceError(_("Không có câu hỏi này."), code="not_found")
    return question


def question_vote(session_id: int, actor: Actor, question_id: Any) -> bool:
    """Upvote once; a second vote by the same person changes nothing (False)."""
    open_session(session_id)
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
    require_host(actor)
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
    target = actor.user_id if user_id is None else int_param(user_id, "người tham gia")
    raised = bool(raised)
    if target != actor.user_id and (raised or not actor.is_host):
        raise ServiceError(_("Chỉ người dạy được hạ tay người khác."), code="forbidden")
    open_session(session_id)
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
