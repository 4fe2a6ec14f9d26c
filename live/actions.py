"""The actions a classroom socket accepts, each mapped to one room service, with the
per-person rate limit and the resend guard the consumer applies before any of them.

The rate limit is a fixed-window counter in the cache (shared by every socket and
process of the person): django-ratelimit, used for HTTP, needs a request object that
a socket frame does not have.
"""

import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _

from lms.errors import ServiceError

from .services import polls, room, sessions, slides
from .services.room import Actor

ACTIONS_PER_WINDOW = 30
RATE_WINDOW_SECONDS = 10
# How long a client's action id is remembered, so that a resend after a lost ack is
# acknowledged without being done twice.
RESEND_MEMORY_SECONDS = 15 * 60
IN_PROGRESS = "in-progress"


def _chat_send(session_id: int, actor: Actor, m: dict) -> dict:
    return {"message": room.chat_post(session_id, actor, m.get("text")).pk}


def _chat_delete(session_id: int, actor: Actor, m: dict) -> dict:
    room.chat_delete(session_id, actor, m.get("message"))
    return {}


def _mute(session_id: int, actor: Actor, m: dict) -> dict:
    room.participant_mute(session_id, actor, m.get("user"), m.get("muted", True))
    return {}


def _settings(session_id: int, actor: Actor, m: dict) -> dict:
    changes = {k: m[k] for k in ("chat_locked", "slow_mode") if k in m}
    room.room_settings_change(session_id, actor, changes)
    return {}


def _ask(session_id: int, actor: Actor, m: dict) -> dict:
    return {"question": room.question_ask(session_id, actor, m.get("text")).pk}


def _upvote(session_id: int, actor: Actor, m: dict) -> dict:
    return {"counted": room.question_vote(session_id, actor, m.get("question"))}


def _answered(session_id: int, actor: Actor, m: dict) -> dict:
    room.question_answered(session_id, actor, m.get("question"))
    return {}


def _question_delete(session_id: int, actor: Actor, m: dict) -> dict:
    room.question_delete(session_id, actor, m.get("question"))
    return {}


def _hand(session_id: int, actor: Actor, m: dict) -> dict:
    room.hand_set(session_id, actor, m.get("raised", True), m.get("user"))
    return {}


def _poll_open(session_id: int, actor: Actor, m: dict) -> dict:
    poll = polls.poll_open(session_id, actor, m.get("question"), m.get("options"), m.get("correct"))
    return {"poll": poll.pk}


def _poll_vote(session_id: int, actor: Actor, m: dict) -> dict:
    return {"option": polls.poll_vote(session_id, actor, m.get("poll"), m.get("option"))}


def _poll_close(session_id: int, actor: Actor, m: dict) -> dict:
    polls.poll_close(session_id, actor, m.get("poll"))
    return {}


def _slide(session_id: int, actor: Actor, m: dict) -> dict:
    slides.slides_page_set(session_id, actor, m.get("page"))
    return {}


def _end(session_id: int, actor: Actor, m: dict) -> dict:
    sessions.session_end(session_id, actor)
    return {}


ACTIONS: dict[str, Callable[[int, Actor, dict], dict]] = {
    "chat.send": _chat_send,
    "chat.delete": _chat_delete,
    "participant.mute": _mute,
    "room.settings": _settings,
    "question.ask": _ask,
    "question.vote": _upvote,
    "question.answered": _answered,
    "question.delete": _question_delete,
    "hand.set": _hand,
    "poll.open": _poll_open,
    "poll.vote": _poll_vote,
    "poll.close": _poll_close,
    "slides.page": _slide,
    "session.end": _end,
}


def _rate_limited(session_id: int, user_id: int, window: int) -> bool:
    key = f"live:rate:{session_id}:{user_id}:{window}"
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS * 2)
    try:
        return cache.incr(key) > ACTIONS_PER_WINDOW
    except ValueError:  # expired between add and incr
        return False


def action_perform(
    session_id: int,
    actor: Actor,
    name: str,
    message: dict,
    client_id: str,
    *,
    now: float | None = None,
) -> dict[str, Any]:
    seen_key = f"live:action:{session_id}:{actor.user_id}:{client_id}"
    # Claimed before it is done: a resend arriving on a new socket while the first is
    # still being done (the old socket's process is busy) must not do it again.
    if not cache.add(seen_key, IN_PROGRESS, timeout=RESEND_MEMORY_SECONDS):
        done = cache.get(seen_key)
        if isinstance(done, dict):
            return {**done, "duplicate": True}
        raise ServiceError(_("Đang xử lý yêu cầu trước; sẽ gửi lại."), code="in_progress")
    window = int((now or time.time()) // RATE_WINDOW_SECONDS)
    try:
        if not actor.is_host and _rate_limited(session_id, actor.user_id, window):
            raise ServiceError(_("Bạn thao tác quá nhanh; hãy chờ vài giây."), code="rate_limited")
        result = ACTIONS[name](session_id, actor, message)
    except BaseException:
        cache.delete(seen_key)
        raise
    cache.set(seen_key, result, timeout=RESEND_MEMORY_SECONDS)
    return result
