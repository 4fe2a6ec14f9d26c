"""Room access for audio and video. Janus refuses every request without a token, and
each session's rooms need their pin: the server mints a token per entry, grants it in
Janus, and hands it out with the pin only to someone with a seat in the session. When
the session ends, its tokens are revoked (their connections cut) and its rooms go."""

from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _

from lms.errors import ServiceError

from ..janus import (
    JanusUnavailable,
    media_access,
    media_publisher_allow,
    media_rooms_destroy,
    media_rooms_ensure,
    media_token_grant,
    media_token_new,
    media_token_revoke,
)
from ..models import LiveSession

TOKENS_KEPT_SECONDS = 24 * 3600


def _tokens_key(session_id: int) -> str:
    return f"live:media-tokens:{session_id}"


def media_pass(
    session: LiveSession, *, display: str, host: bool, listen_only: bool, request=None
) -> dict[str, Any]:
    if session.ended_at is not None:
        raise ServiceError(_("Buổi học đã kết thúc."), code="ended")
    token = media_token_new()
    try:
        media_rooms_ensure(session.pk, session.title)
        media_token_grant(token)
        if host:
            media_publisher_allow(session.pk, token)
    except JanusUnavailable as error:
        raise ServiceError(
            _(
                "Âm thanh và hình ảnh tạm thời không dùng được; trò chuyện, trình chiếu và câu hỏi nhanh vẫn hoạt động."
            ),
            code="media_unavailable",
        ) from error
    tokens = cache.get(_tokens_key(session.pk)) or []
    cache.set(_tokens_key(session.pk), [*tokens, token], timeout=TOKENS_KEPT_SECONDS)
    return media_access(
        session.pk, token, display, host=host, listen_only=listen_only, request=request
    )


def media_close(session_id: int) -> None:
    """Cut the ended session's audio and video: revoke every token handed out for it
    and destroy its rooms. Safe to run twice."""
    for token in cache.get(_tokens_key(session_id)) or []:
        media_token_revoke(token, disconnect=True)
    media_rooms_destroy(session_id)
    cache.delete(_tokens_key(session_id))
