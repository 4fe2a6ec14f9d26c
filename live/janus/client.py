"""The Django server's side of Janus: rooms, tokens and who is in a room.

Access model. Janus runs with token authentication, so a browser can do nothing there
without a token the server granted (``media_token_grant``) and can only reach the
AudioBridge and VideoRoom plugins with it. Rooms are created by the server alone: the
plugins require an admin key for that, and everything here goes through the Admin API
(127.0.0.1 only, admin secret). Each live session's rooms have ids and a pin derived
from SECRET_KEY, so a token handed out for one session does not open another's rooms
(the pin is missing) nor lets anyone list another session's participants (the room id
cannot be guessed). In the VideoRoom only tokens the server named may publish
(``media_publisher_allow``): learners can watch the host's camera, not replace it.

Every function raises JanusUnavailable when Janus does not answer or refuses;
callers keep the class going without audio and video then.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings

from .transport import (
    DEFAULT_WS_PORT,
    JanusUnavailable,
    admin,
    check_core_reply,
    check_plugin_response,
    config,
    plugin_admin,
    request_json,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

AUDIOBRIDGE = "janus.plugin.audiobridge"
VIDEOROOM = "janus.plugin.videoroom"
# Plugin error codes that mean the wanted state is already there.
AUDIOBRIDGE_NO_SUCH_ROOM = 485
AUDIOBRIDGE_ROOM_EXISTS = 486
VIDEOROOM_NO_SUCH_ROOM = 426
VIDEOROOM_ROOM_EXISTS = 427
# Room ids stay below 2**53 so that browsers hold them exactly as JavaScript numbers.
_ROOM_ID_SPACE = 2**53 - 1
# Janus answers "Error removing token" (code 490) for a token it does not know.
_TOKEN_UNKNOWN = "Error removing token"
# Wideband voice is enough for a class and cheap to mix; the expected loss makes Opus
# add forward error correction, which bad rural links need.
_AUDIO_ROOM = {"sampling_rate": 16000, "default_expectedloss": 10}
# One camera at a time; two seats so a host who reloads the page is not locked out
# while the old connection times out. The bitrate cap leaves room for the three
# simulcast layers live-media.js sends (600 + 200 + 80 kbit/s).
_VIDEO_ROOM = {
    "publishers": 2,
    "bitrate": 1_000_000,
    "fir_freq": 10,
    "videocodec": "vp8",
    "audiocodec": "opus",
    "lock_record": True,
}


@dataclass(frozen=True)
class MediaRooms:
    """The Janus rooms of one live session and the pin that opens both."""

    audio_room: int
    video_room: int
    pin: str


def _derive(label: str, session_id: int) -> bytes:
    key = str(settings.SECRET_KEY).encode()
    return hmac.new(key, f"live.janus.{label}:{session_id}".encode(), hashlib.sha256).digest()


def _room_id(label: str, session_id: int) -> int:
    return int.from_bytes(_derive(label, session_id)[:8], "big") % _ROOM_ID_SPACE + 1


def _room_secret(session_id: int) -> str:
    """Needed to destroy or edit a room; never leaves the server."""
    return _derive("secret", session_id).hex()


def media_rooms_for(session_id: int) -> MediaRooms:
    """The rooms and pin of a session, computed (no request to Janus), so any process
    of the server can hand out access without storing anything."""
    return MediaRooms(
        audio_room=_room_id("audio", session_id),
        video_room=_room_id("video", session_id),
        pin=_derive("pin", session_id).hex()[:32],
    )


def janus_available() -> bool:
    """Whether Janus answers and accepts this server's admin secret.

    Meant for deciding, when a page is drawn, whether to offer audio and video at all;
    a short timeout keeps a stopped Janus from slowing the page. Never raises.
    """
    cfg = config()
    timeout = min(cfg.timeout, 1.0)
    try:
        check_core_reply(request_json(f"{cfg.url}/info", None, timeout), "info")
        admin("get_status", timeout=timeout)
    except JanusUnavailable:
        return False
    return True


def media_rooms_ensure(session_id: int, description: str) -> MediaRooms:
    """Creates the session's AudioBridge and VideoRoom rooms unless they exist.

    Safe to call every time access is handed out: after a Janus restart the rooms
    (kept in memory only) come back on the next call.
    """
    rooms = media_rooms_for(session_id)
    cfg = config()
    common = {
        "request": "create",
        "admin_key": cfg.room_admin_key,
        "secret": _room_secret(session_id),
        "pin": rooms.pin,
        "description": description[:200],
        "is_private": True,
        "permanent": False,
    }
    response = plugin_admin(AUDIOBRIDGE, {**common, "room": rooms.audio_room, **_AUDIO_ROOM})
    check_plugin_response(response, "creating the audio room", frozenset({AUDIOBRIDGE_ROOM_EXISTS}))
    # An empty "allowed" list turns on the VideoRoom's publisher check: nobody may
    # publish until media_publisher_allow names the host's token.
    video = {**common, "room": rooms.video_room, "allowed": [], **_VIDEO_ROOM}
    response = plugin_admin(VIDEOROOM, video)
    check_plugin_response(response, "creating the video room", frozenset({VIDEOROOM_ROOM_EXISTS}))
    return rooms


def media_rooms_destroy(session_id: int) -> None:
    """Destroys both rooms, which also disconnects everyone in them. A room already
    gone is fine: ending a session twice, or after a Janus restart, must not fail."""
    rooms = media_rooms_for(session_id)
    secret = _room_secret(session_id)
    for plugin, room, missing in (
        (AUDIOBRIDGE, rooms.audio_room, AUDIOBRIDGE_NO_SUCH_ROOM),
        (VIDEOROOM, rooms.video_room, VIDEOROOM_NO_SUCH_ROOM),
    ):
        body = {"request": "destroy", "room": room, "secret": secret, "permanent": False}
        check_plugin_response(plugin_admin(plugin, body), "destroying a room", frozenset({missing}))


def media_publisher_allow(session_id: int, token: str) -> None:
    """Lets the holder of ``token`` publish a camera in the session's VideoRoom (the
    browser repeats the token in its join request). Call it after media_rooms_ensure
    each time the host gets access: a recreated room starts with an empty list."""
    _check_token(token)
    rooms = media_rooms_for(session_id)
    body = {
        "request": "allowed",
        "room": rooms.video_room,
        "secret": _room_secret(session_id),
        "action": "add",
        "allowed": [token],
    }
    check_plugin_response(plugin_admin(VIDEOROOM, body), "allowing a publisher")


def media_token_new() -> str:
    """A fresh random token, safe in URLs (janus.js puts it in some)."""
    return secrets.token_urlsafe(24)


def _check_token(token: str) -> None:
    if not isinstance(token, str) or not token or len(token) > 256:
        raise ValueError("A Janus token is a non-empty string of at most 256 characters")


def media_token_grant(token: str) -> None:
    """Lets a browser use Janus with ``token``, for the live-class plugins only.
    Granting a token Janus already knows is fine."""
    _check_token(token)
    admin("add_token", token=token, plugins=[AUDIOBRIDGE, VIDEOROOM])


def media_token_revoke(token: str, *, disconnect: bool = False) -> None:
    """Stops ``token`` from opening new connections; its open ones end when they next
    speak to Janus (at most one session timeout later). With ``disconnect`` they are
    closed now, e.g. when a learner is removed from a class; that walks every Janus
    session, so leave it off when the rooms are about to be destroyed anyway.
    Revoking an unknown token is fine."""
    _check_token(token)
    try:
        admin("remove_token", token=token)
    except JanusUnavailable as error:
        if _TOKEN_UNKNOWN not in str(error):
            raise
    if disconnect:
        for session_id in _sessions_using(token):
            try:
                admin("destroy_session", path=f"/{session_id}")
            except JanusUnavailable as error:
                # It may have ended between the listing and now.
                if error.code != 458:
                    raise


def _sessions_using(token: str) -> set[int]:
    found: set[int] = set()
    for session_id in admin("list_sessions").get("sessions") or []:
        try:
            handles = admin("list_handles", path=f"/{session_id}").get("handles") or []
            for handle_id in handles:
                info = admin("handle_info", path=f"/{session_id}/{handle_id}").get("info") or {}
                if info.get("token") == token:
                    found.add(session_id)
                    break
        except JanusUnavailable as error:
            # Sessions and handles come and go while we look (458/459: not found).
            if error.code not in (458, 459):
                raise
    return found


def _participants(plugin: str, room_id: int, missing: int) -> list[dict[str, Any]]:
    response = plugin_admin(plugin, {"request": "listparticipants", "room": room_id})
    check_plugin_response(response, "listing participants", frozenset({missing}))
    return list(response.get("participants") or [])


def audiobridge_participants(room_id: int) -> list[dict[str, Any]]:
    """Who is in the audio room, as Janus sees it (each with id, display, muted,
    setup, talking). A room that does not exist has nobody in it."""
    people = _participants(AUDIOBRIDGE, room_id, AUDIOBRIDGE_NO_SUCH_ROOM)
    for person in people:
        person.setdefault("display", "")
        person.setdefault("muted", False)
    return people


def videoroom_publishers(room_id: int) -> list[dict[str, Any]]:
    """Who is sending a camera in the video room (each with id, display)."""
    people = _participants(VIDEOROOM, room_id, VIDEOROOM_NO_SUCH_ROOM)
    return [person for person in people if person.get("publisher")]


def media_public_url(request: HttpRequest | None = None) -> str:
    """The WebSocket address browsers use for Janus.

    LIVE_JANUS_PUBLIC_URL as set; a path (e.g. "/janus/" behind nginx) or an empty
    setting is completed from ``request`` when given, and otherwise left for the
    browser to complete the same way (live-media.js does).
    """
    public = str(getattr(settings, "LIVE_JANUS_PUBLIC_URL", "") or "")
    if request is None or public.startswith(("ws://", "wss://")):
        return public
    scheme = "wss" if request.is_secure() else "ws"
    if public.startswith("/"):
        return f"{scheme}://{request.get_host()}{public}"
    host = request.get_host()
    # Drop the page's port, keeping an IPv6 address's brackets.
    hostname = host.rsplit(":", 1)[0] if host.count(":") == 1 or "]:" in host else host
    return f"{scheme}://{hostname}:{DEFAULT_WS_PORT}/"


def media_access(
    session_id: int,
    token: str,
    display: str,
    *,
    host: bool,
    listen_only: bool = False,
    request: HttpRequest | None = None,
) -> dict[str, Any]:
    """The JSON live-media.js expects in LiveMedia.start. Computes only: grant the
    token and ensure the rooms before handing it out."""
    rooms = media_rooms_for(session_id)
    return {
        "janus_url": media_public_url(request),
        "token": token,
        "audio_room": rooms.audio_room,
        "video_room": rooms.video_room,
        "pin": rooms.pin,
        "display": display,
        "host": host,
        "listen_only": listen_only and not host,
    }
