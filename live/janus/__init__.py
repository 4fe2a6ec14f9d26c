"""Janus WebRTC server integration: audio (AudioBridge) and the host's camera
(VideoRoom) for live classes. See client.py for the access model."""

from .client import (
    MediaRooms,
    audiobridge_participants,
    janus_available,
    media_access,
    media_public_url,
    media_publisher_allow,
    media_rooms_destroy,
    media_rooms_ensure,
    media_rooms_for,
    media_token_grant,
    media_token_new,
    media_token_revoke,
    videoroom_publishers,
)
from .transport import JanusUnavailable

__all__ = [
    "JanusUnavailable",
    "MediaRooms",
    "audiobridge_participants",
    "janus_available",
    "media_access",
    "media_public_url",
    "media_publisher_allow",
    "media_rooms_destroy",
    "media_rooms_ensure",
    "media_rooms_for",
    "media_token_grant",
    "media_token_new",
    "media_token_revoke",
    "videoroom_publishers",
]
