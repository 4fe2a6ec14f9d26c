"""The embedded default as bin/run starts it: config.settings.embedded on a fresh SQLite
database, served by ``python -m config.serve`` (uvicorn, HTTP and WebSockets)."""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.serve import WS_MAX_BYTES
from tests.nginx import free_port

ROOT = Path(__file__).resolve().parent.parent
# Kept between runs: collectstatic then only copies what changed.
STATIC_ROOT = ROOT / "var" / "test-embedded-static"


def manage(*args, env):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def embedded_server(tmp_path_factory):
    """The server's address; started as bin/run starts it, stopped afterwards."""
    var = tmp_path_factory.mktemp("embedded-var")
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "REDIS_", "CELERY_", "DJANGO_", "DEBUG", "SECRET_KEY"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.embedded",
        LMS_VAR_DIR=str(var),
        STATIC_ROOT=str(STATIC_ROOT),
        LMS_ADDR=f"127.0.0.1:{port}",
        PYTHONUNBUFFERED="1",
    )
    manage("migrate", "--noinput", "-v0", env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)
    for name in ("images/rendition.png", "documents/private.pdf", "original_images/a.png"):
        (var / "media" / name).parent.mkdir(parents=True, exist_ok=True)
        (var / "media" / name).write_bytes(b"file " + name.encode())
    server = subprocess.Popen(
        [sys.executable, "-m", "config.serve"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    pytest.fail(f"the embedded server did not start:\n{server.stdout.read()}")
                time.sleep(0.2)
        yield port, env
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


@pytest.fixture
def embedded(embedded_server):
    return embedded_server[0]


def get(port: int, path: str, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def test_the_embedded_server_answers_with_the_site(embedded):
    response, body = get(embedded, "/")
    assert response.status == 200
    assert "Học trực tuyến Lạng Sơn" in body.decode()
    # A real server, not the development one.
    assert "WSGIServer" not in (response.getheader("Server") or "")


def test_an_unknown_address_shows_the_sites_own_404_page(embedded):
    response, body = get(embedded, "/khong-co-trang-nay/")
    page = body.decode()
    assert response.status == 404
    assert "Không tìm thấy trang" in page
    # Not Django's debug page, which lists every URL pattern of the site.
    assert "URLconf" not in page and "DEBUG = True" not in page


def test_static_files_are_served_compressed(embedded):
    manifest = json.loads((STATIC_ROOT / "staticfiles.json").read_text())["paths"]
    script = "/static/" + manifest["vendor/htmx/htmx.min.js"]
    response, body = get(embedded, script, {"Accept-Encoding": "gzip, deflate, br"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") in ("gzip", "br")
    assert len(body) < 25_000  # htmx is about 50 KB uncompressed
    assert "immutable" in response.getheader("Cache-Control", "") or "max-age" in (
        response.getheader("Cache-Control") or ""
    )


def test_the_host_header_must_name_this_machine(embedded):
    response, _ = get(embedded, "/accounts/password/reset/", {"Host": "evil.example"})
    assert response.status == 400


def test_image_renditions_are_served_and_nothing_else_of_media(embedded):
    """No nginx in front: the app serves lesson images itself, but a document (lesson
    audio and video too) only through the view that checks the course's access."""
    response, body = get(embedded, "/media/images/rendition.png")
    assert response.status == 200 and body == b"file images/rendition.png"
    for path in ("/media/documents/private.pdf", "/media/original_images/a.png"):
        assert get(embedded, path)[0].status == 404, path
    assert get(embedded, "/media/images/../documents/private.pdf")[0].status in (400, 404)


SEAT = """
import json
from datetime import timedelta
from importlib import import_module
from django.conf import settings
from django.utils import timezone
from courses.services.enrolment import enrolment_create
from lms.services import learner_create
from lms.models import AdministrativeUnit
from live.models import LiveSession
from tests.factories import build_course

learner = learner_create(username="hoa", password="Mat-khau-2025", full_name="Hoa", category="youth",
    sex="female", birth_year=2000, unit=AdministrativeUnit.objects.filter(is_current=True).first())
course = build_course().course
enrolment_create(learner=learner, course=course)
now = timezone.now()
session = LiveSession.objects.create(course=course, title="Embedded", starts_at=now - timedelta(minutes=1),
    ends_at=now + timedelta(hours=1))
store = import_module(settings.SESSION_ENGINE).SessionStore()
store["_auth_user_id"] = str(learner.pk)
store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
store["_auth_user_hash"] = learner.get_session_auth_hash()
store.create()
print(json.dumps({"session": session.pk, "cookie": store.session_key}))
"""


def test_live_classes_run_on_the_embedded_server(embedded_server):
    """WebSockets next to HTTP, on the in-memory channel layer: a learner's chat line
    comes back to the room."""
    import asyncio

    import websockets

    port, env = embedded_server
    made = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SEAT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    seat = json.loads(made.stdout.strip().splitlines()[-1])

    async def scenario():
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws/live/{seat['session']}/",
            additional_headers={"Cookie": f"sessionid={seat['cookie']}"},
            origin=f"http://127.0.0.1:{port}",
        ) as socket:
            await socket.send(json.dumps({"type": "register"}))
            state = json.loads(await socket.recv())
            await socket.send(
                json.dumps({"type": "action", "id": "1", "action": "chat.send", "text": "Slao cạ"})
            )
            async with asyncio.timeout(10):
                while True:
                    frame = json.loads(await socket.recv())
                    if frame.get("type") == "event" and frame["event"]["type"] == "chat.posted":
                        break
            # A frame far over any action's size is closed by the server, unread.
            await socket.send("x" * (WS_MAX_BYTES + 1))
            async with asyncio.timeout(10):
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    while True:
                        await socket.recv()
            return state, frame, closed.value.rcvd

    state, frame, close = asyncio.run(scenario())
    assert state["type"] == "state" and frame["event"]["text"] == "Slao cạ"
    assert close is not None and close.code == 1009
