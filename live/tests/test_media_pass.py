"""Audio and video access: handed out by the server to people with a seat, for their
session's rooms only, and taken back when the session ends."""

import pytest
from django.utils import timezone

from live.janus import media_rooms_for
from live.models import LiveSession
from live.services.media import media_close
from live.tests.janus_server import free_port, janus_server_fixture, janus_settings_fixture  # noqa: F401
from live.tests.test_janus import AUDIOBRIDGE, Browser, JanusRefused

pytestmark = pytest.mark.django_db


def test_a_learner_gets_access_to_this_sessions_audio_room_only(
    client, session, enrolled, janus_settings
):
    client.force_login(enrolled)
    response = client.post(f"/live/{session.pk}/media/", {"listen_only": "1"})
    assert response.status_code == 200
    access = response.json()
    rooms = media_rooms_for(session.pk)
    assert (access["audio_room"], access["pin"], access["host"], access["listen_only"]) == (
        rooms.audio_room,
        rooms.pin,
        False,
        True,
    )
    browser = Browser(janus_settings, access["token"])
    browser.create_session()
    handle = browser.attach(AUDIOBRIDGE)
    joined = browser.message(
        handle,
        {"request": "join", "room": access["audio_room"], "pin": access["pin"], "display": "x"},
    )
    assert joined.get("audiobridge") == "joined"
    other = media_rooms_for(session.pk + 1)
    refused = browser.message(
        handle, {"request": "join", "room": other.audio_room, "pin": access["pin"]}
    )
    assert refused.get("error_code"), "another session's room stays closed"

    # The session ends: the token stops working.
    LiveSession.objects.filter(pk=session.pk).update(ended_at=timezone.now())
    media_close(session.pk)
    with pytest.raises(JanusRefused):
        Browser(janus_settings, access["token"]).create_session()
    assert client.post(f"/live/{session.pk}/media/").status_code == 400


def test_outsiders_get_nothing(client, session, other_learner, janus_settings):
    client.force_login(other_learner)
    assert client.post(f"/live/{session.pk}/media/").status_code == 404
    client.logout()
    assert client.post(f"/live/{session.pk}/media/").status_code == 302
    client.force_login(other_learner)
    assert client.get(f"/live/{session.pk}/media/").status_code == 405


def test_without_janus_the_answer_says_the_rest_of_the_class_goes_on(
    client, session, enrolled, settings
):
    settings.LIVE_JANUS_URL = f"http://127.0.0.1:{free_port()}/janus"
    settings.LIVE_JANUS_ADMIN_URL = f"http://127.0.0.1:{free_port()}/admin"
    settings.LIVE_JANUS_ADMIN_SECRET = "x"
    settings.LIVE_JANUS_ROOM_ADMIN_KEY = "x"
    client.force_login(enrolled)
    response = client.post(f"/live/{session.pk}/media/")
    assert response.status_code == 503
    assert (
        response.json()["error"] == "media_unavailable"
        and "vẫn hoạt động" in response.json()["detail"]
    )
    page = client.get(f"/live/{session.pk}/")
    assert page.status_code == 200 and b"live-chat-form" in page.content
