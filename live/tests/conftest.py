"""A course with a trainer, an enrolled learner, an outsider, and a session running now."""

import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels.routing import get_default_application
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from courses.services.enrolment import enrolment_create
from live.hub import RoomHub
from live.models import LiveSession
from tests.factories import build_course

ORIGIN = (b"origin", b"http://localhost")


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test runs its sockets on an event loop of its own (``run``); the channel
    layer and the room hubs keep per-loop state, so each test gets new ones, as a
    server process has one loop for its whole life."""
    channel_layers.backends.clear()
    RoomHub._hubs.clear()
    yield
    channel_layers.backends.clear()
    RoomHub._hubs.clear()


@pytest.fixture
def course_tree(trainer):
    return build_course(trainer=trainer)


@pytest.fixture
def enrolled(course_tree, learner):
    enrolment_create(learner=learner, course=course_tree.course)
    return learner


@pytest.fixture
def session(course_tree):
    now = timezone.now()
    return LiveSession.objects.create(
        course=course_tree.course,
        title="Giao tiếp tiếng Tày: chào hỏi",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
    )


def cookie_for(user) -> bytes:
    # A client of its own: signing a second user in on one client ends the first's session.
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


class Socket:
    """A WebsocketCommunicator speaking the room's JSON, signed in as one user."""

    def __init__(self, session_id: int, cookie: bytes | None, origin: tuple = ORIGIN):
        headers = [(b"host", b"localhost")] + ([origin] if origin else [])
        if cookie:
            headers.append((b"cookie", cookie))
        # The project's own ASGI stack (origin check, session auth), as settings name it.
        self.comm = WebsocketCommunicator(
            get_default_application(), f"/ws/live/{session_id}/", headers=headers
        )

    async def connect(self):
        connected, code = await self.comm.connect(timeout=5)
        return connected, code

    async def send(self, **frame):
        await self.comm.send_to(text_data=json.dumps(frame))

    async def receive(self, timeout: float = 10):
        return json.loads(await self.comm.receive_from(timeout=timeout))

    async def receive_until(self, type_: str, timeout: float = 10) -> list[dict]:
        got = []
        while True:
            frame = await self.receive(timeout)
            got.append(frame)
            if frame["type"] == type_:
                return got

    async def register(self) -> dict:
        await self.send(type="register")
        return (await self.receive_until("state"))[-1]

    async def enter(self) -> dict:
        """Connect and register: the room's state as this socket first sees it."""
        await self.connect()
        return await self.register()

    async def act(self, action: str, id: str = "a1", **params) -> dict:
        await self.send(type="action", action=action, id=id, **params)
        while True:
            frame = await self.receive()
            if frame.get("id") == id and frame["type"] in ("ack", "error"):
                return frame

    async def next_event(self, type_: str) -> dict:
        """The next room event of a type, past any other (a presence batch, say)."""
        while True:
            frame = await self.receive()
            if frame["type"] == "event" and frame["event"]["type"] == type_:
                return frame

    async def close(self):
        await self.comm.disconnect()


@pytest.fixture
def sock(db):
    """Sockets signed in as a user (or anonymous), to connect inside ``run``."""

    def make(user, session_id: int, origin=ORIGIN) -> Socket:
        return Socket(session_id, cookie_for(user) if user else None, origin)

    return make


def run(scenario):
    """Run an async scenario from a synchronous test; the ORM stays outside it."""
    return async_to_sync(scenario)()
