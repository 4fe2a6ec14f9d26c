"""The live classroom across processes: two ASGI servers sharing one Redis, as the
deployment's ``ws`` service runs them; people on different processes hear each other."""

import asyncio
import json
from datetime import timedelta

import pytest
import websockets
from django.db import connection
from django.test import Client
from django.utils import timezone

from courses.services.enrolment import enrolment_create
from live.models import ChatMessage, LiveSession
from tests.asgi_servers import AsgiServer, PrivateRedis, server_env
from tests.conftest import _database_url
from tests.factories import build_course

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def servers(tmp_path, django_db_setup):
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    env = server_env(_database_url(connection.settings_dict), redis.url)
    pair = [AsgiServer(tmp_path, env, "a"), AsgiServer(tmp_path, env, "b")]
    for server in pair:
        server.start()
    yield pair
    for server in pair:
        server.stop()
    redis.stop()


def cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def open_room(server, session_id, user_cookie):
    socket = await websockets.connect(
        f"ws://127.0.0.1:{server.port}/ws/live/{session_id}/",
        additional_headers={"Cookie": user_cookie},
        origin=f"http://127.0.0.1:{server.port}",
    )
    await socket.send(json.dumps({"type": "register"}))
    while json.loads(await socket.recv())["type"] != "state":
        pass
    return socket


async def next_chat(socket, timeout=10) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await socket.recv())
            if frame["type"] == "event" and frame["event"]["type"] == "chat.posted":
                return frame


def test_people_on_different_processes_hear_each_other(servers, trainer, learner):
    course = build_course(trainer=trainer).course
    enrolment_create(learner=learner, course=course)
    now = timezone.now()
    session = LiveSession.objects.create(
        course=course,
        title="Hai máy chủ",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
    )
    a, b = servers
    host_cookie, learner_cookie = cookie(trainer), cookie(learner)

    async def scenario():
        host = await open_room(a, session.pk, host_cookie)
        pupil = await open_room(b, session.pk, learner_cookie)
        await pupil.send(
            json.dumps({"type": "action", "id": "1", "action": "chat.send", "text": "Từ máy B"})
        )
        heard_by_host = await next_chat(host)
        await host.send(
            json.dumps({"type": "action", "id": "2", "action": "chat.send", "text": "Từ máy A"})
        )
        heard_by_pupil = []
        while len(heard_by_pupil) < 2:
            heard_by_pupil.append(await next_chat(pupil))
        await host.close()
        await pupil.close()
        return heard_by_host, heard_by_pupil

    heard_by_host, heard_by_pupil = asyncio.run(scenario())
    assert heard_by_host["event"]["text"] == "Từ máy B"
    assert [f["event"]["text"] for f in heard_by_pupil] == ["Từ máy B", "Từ máy A"]
    assert heard_by_pupil[1]["seq"] > heard_by_pupil[0]["seq"]
    assert ChatMessage.objects.count() == 2
