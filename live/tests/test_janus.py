"""The Janus integration against a real Janus started by bin/janus: rooms, tokens, pins
and the publisher list, seen both from the server's client and from a "browser" that
speaks the plain Janus HTTP API with the access it was handed."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from django.test import RequestFactory

from live.janus import (
    JanusUnavailable,
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
from live.tests.janus_server import (  # noqa: F401 (the fixtures)
    BIN_JANUS,
    ROOT,
    JanusServer,
    free_port,
    janus_server_fixture,
    janus_settings_fixture,
    post_json,
)

AUDIOBRIDGE = "janus.plugin.audiobridge"
VIDEOROOM = "janus.plugin.videoroom"


class JanusRefused(Exception):
    def __init__(self, reply: dict[str, Any]) -> None:
        super().__init__(reply)
        self.code = (reply.get("error") or {}).get("code")


class Browser:
    """What a browser does over the Janus API, over plain HTTP instead of WebSocket
    (same core, same token checks)."""

    def __init__(self, server: JanusServer, token: str | None) -> None:
        self.url = server.url
        self.token = token
        self.session_id: int | None = None
        self._n = 0

    def _send(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self._n += 1
        body = {**body, "transaction": f"t{self._n}"}
        if self.token is not None:
            body["token"] = self.token
        reply = post_json(self.url + path, body)
        if reply.get("janus") == "error":
            raise JanusRefused(reply)
        return reply

    def create_session(self) -> int:
        self.session_id = self._send("", {"janus": "create"})["data"]["id"]
        return self.session_id

    def attach(self, plugin: str) -> int:
        reply = self._send(f"/{self.session_id}", {"janus": "attach", "plugin": plugin})
        return reply["data"]["id"]

    def keepalive(self) -> None:
        self._send(f"/{self.session_id}", {"janus": "keepalive"})

    def message(self, handle: int, body: dict[str, Any]) -> dict[str, Any]:
        """Sends a plugin request and returns the plugin's answer, synchronous or, for
        join and the like, the event that follows the ack."""
        reply = self._send(f"/{self.session_id}/{handle}", {"janus": "message", "body": body})
        if reply.get("janus") == "success":
            return reply["plugindata"]["data"]
        assert reply.get("janus") == "ack", reply
        for _ in range(20):
            query = f"?maxev=1&rid={self._n}" + (f"&token={self.token}" if self.token else "")
            event = post_json(f"{self.url}/{self.session_id}{query}", timeout=35)
            if event.get("janus") == "event" and event.get("sender") == handle:
                return event["plugindata"]["data"]
        raise AssertionError("no answer from the plugin")


def _session_ids(server: JanusServer) -> set[int]:
    body = {"janus": "list_sessions", "transaction": "l", "admin_secret": server.admin_secret}
    return set(post_json(server.admin_url, body)["sessions"])


def test_rooms_are_created_idempotently_and_destroyed(janus_settings):
    rooms = media_rooms_ensure(101, "Lớp học 101")
    assert media_rooms_ensure(101, "Lớp học 101") == rooms == media_rooms_for(101)
    assert rooms.audio_room != rooms.video_room
    assert rooms.pin != media_rooms_for(102).pin
    assert audiobridge_participants(rooms.audio_room) == []
    assert videoroom_publishers(rooms.video_room) == []

    media_rooms_destroy(101)
    media_rooms_destroy(101)
    token = media_token_new()
    media_token_grant(token)
    browser = Browser(janus_settings, token)
    browser.create_session()
    handle = browser.attach(AUDIOBRIDGE)
    answer = browser.message(handle, {"request": "exists", "room": rooms.audio_room})
    assert answer["exists"] is False


def test_janus_refuses_requests_without_a_granted_token(janus_settings):
    with pytest.raises(JanusRefused) as refused:
        Browser(janus_settings, None).create_session()
    assert refused.value.code == 403
    with pytest.raises(JanusRefused) as refused:
        Browser(janus_settings, "never-granted").create_session()
    assert refused.value.code == 403


def test_granted_token_joins_the_audio_room_with_its_pin(janus_settings):
    rooms = media_rooms_ensure(103, "Lớp học 103")
    token = media_token_new()
    media_token_grant(token)
    media_token_grant(token)
    browser = Browser(janus_settings, token)
    browser.create_session()

    intruder = browser.attach(AUDIOBRIDGE)
    for wrong_pin in ("", "0000", media_rooms_for(104).pin):
        answer = browser.message(
            intruder,
            {"request": "join", "room": rooms.audio_room, "pin": wrong_pin, "display": "X"},
        )
        assert answer.get("error_code") == 489, answer
    assert audiobridge_participants(rooms.audio_room) == []

    handle = browser.attach(AUDIOBRIDGE)
    answer = browser.message(
        handle,
        {"request": "join", "room": rooms.audio_room, "pin": rooms.pin, "display": "Học viên A"},
    )
    assert answer.get("audiobridge") == "joined", answer
    people = audiobridge_participants(rooms.audio_room)
    assert [(p["id"], p["display"], p["muted"]) for p in people] == [
        (answer["id"], "Học viên A", False)
    ]
    media_rooms_destroy(103)
    assert audiobridge_participants(rooms.audio_room) == []


def test_a_token_cannot_create_rooms_without_the_admin_key(janus_settings):
    token = media_token_new()
    media_token_grant(token)
    browser = Browser(janus_settings, token)
    browser.create_session()
    for plugin in (AUDIOBRIDGE, VIDEOROOM):
        handle = browser.attach(plugin)
        for key in ({}, {"admin_key": "guess"}):
            answer = browser.message(handle, {"request": "create", "room": 4242, **key})
            assert "error_code" in answer, answer
        answer = browser.message(handle, {"request": "exists", "room": 4242})
        assert answer["exists"] is False


def test_only_the_allowed_token_may_publish_in_the_video_room(janus_settings):
    rooms = media_rooms_ensure(105, "Lớp học 105")
    host_token, learner_token = media_token_new(), media_token_new()
    for token in (host_token, learner_token):
        media_token_grant(token)
    media_publisher_allow(105, host_token)

    learner = Browser(janus_settings, learner_token)
    learner.create_session()
    handle = learner.attach(VIDEOROOM)
    join = {"request": "join", "ptype": "publisher", "room": rooms.video_room, "pin": rooms.pin}
    answer = learner.message(handle, {**join, "token": learner_token})
    assert answer.get("error_code") == 433, answer

    host = Browser(janus_settings, host_token)
    host.create_session()
    handle = host.attach(VIDEOROOM)
    answer = host.message(handle, {**join, "token": host_token, "display": "Giảng viên"})
    assert answer.get("videoroom") == "joined", answer
    media_rooms_destroy(105)


def test_a_revoked_token_is_refused(janus_settings):
    token = media_token_new()
    media_token_grant(token)
    browser = Browser(janus_settings, token)
    session_id = browser.create_session()

    media_token_revoke(token)
    media_token_revoke(token)
    with pytest.raises(JanusRefused) as refused:
        browser.keepalive()
    assert refused.value.code == 403
    with pytest.raises(JanusRefused):
        Browser(janus_settings, token).create_session()
    assert session_id in _session_ids(janus_settings)


def test_revoking_with_disconnect_ends_the_tokens_sessions(janus_settings):
    token, other = media_token_new(), media_token_new()
    media_token_grant(token)
    media_token_grant(other)
    browser, bystander = Browser(janus_settings, token), Browser(janus_settings, other)
    for b in (browser, bystander):
        b.create_session()
        b.attach(AUDIOBRIDGE)

    media_token_revoke(token, disconnect=True)
    sessions = _session_ids(janus_settings)
    assert browser.session_id not in sessions
    assert bystander.session_id in sessions


def test_nothing_listening_means_unavailable(settings):
    port = free_port()
    settings.LIVE_JANUS_URL = f"http://127.0.0.1:{port}/janus"
    settings.LIVE_JANUS_ADMIN_URL = f"http://127.0.0.1:{port}/admin"
    settings.LIVE_JANUS_ADMIN_SECRET = "whatever"
    settings.LIVE_JANUS_ROOM_ADMIN_KEY = "whatever"
    assert janus_available() is False
    for call in (
        lambda: media_rooms_ensure(1, "x"),
        lambda: media_rooms_destroy(1),
        lambda: media_token_grant("t"),
        lambda: audiobridge_participants(1),
    ):
        with pytest.raises(JanusUnavailable, match="does not answer"):
            call()


def test_available_only_with_the_right_admin_secret(janus_settings, settings):
    assert janus_available() is True
    settings.LIVE_JANUS_ADMIN_SECRET = "wrong"
    assert janus_available() is False
    with pytest.raises(JanusUnavailable, match="Janus refused"):
        media_token_grant("t")


def test_access_for_the_browser(settings):
    settings.LIVE_JANUS_PUBLIC_URL = ""
    settings.ALLOWED_HOSTS = ["lop.example"]
    request = RequestFactory().get("/", HTTP_HOST="lop.example:8000")
    access = media_access(7, "tok", "Giảng viên", host=True, listen_only=True, request=request)
    rooms = media_rooms_for(7)
    assert access == {
        "janus_url": "ws://lop.example:8188/",
        "token": "tok",
        "audio_room": rooms.audio_room,
        "video_room": rooms.video_room,
        "pin": rooms.pin,
        "display": "Giảng viên",
        "host": True,
        "listen_only": False,
    }
    assert max(rooms.audio_room, rooms.video_room) < 2**53
    settings.LIVE_JANUS_PUBLIC_URL = "/janus/"
    secure = RequestFactory().get("/", HTTP_HOST="lop.example", secure=True)
    assert media_public_url(secure) == "wss://lop.example/janus/"
    assert media_public_url() == "/janus/"


def test_bin_janus_says_how_to_install_a_missing_janus():
    result = subprocess.run(
        [str(BIN_JANUS)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "JANUS_BIN": "janus-not-installed"},
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert result.returncode == 127
    assert "apt-get install janus" in result.stderr
