"""A real Janus for tests, started through bin/janus on free ports with fresh secrets.

Use from any conftest.py by importing the fixtures (pytest collects them there):

    from live.tests.janus_server import janus_server_fixture, janus_settings_fixture  # noqa: F401

They are named ``janus_server`` (one per test session: the running server) and
``janus_settings`` (points the LIVE_JANUS_* settings of one test at it, and returns
the server). Without the janus program the
fixture fails, and says how to install it, rather than skipping: a suite that
silently drops its media tests would pass for the wrong reason.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN_JANUS = ROOT / "bin" / "janus"
START_TIMEOUT_S = 20
STOP_TIMEOUT_S = 10
INSTALL_HINT = (
    "The Janus WebRTC server is not installed, and the live-class media tests need "
    "the real one: run `apt-get install janus` (Debian/Ubuntu) or `bin/setup --test`."
)
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class JanusNotInstalled(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post_json(url: str, payload: dict[str, Any] | None = None, timeout: float = 5) -> Any:
    """POST (GET without payload) JSON to Janus and decode the reply, no proxy."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")
    with _NO_PROXY.open(request, timeout=timeout) as response:
        return json.loads(response.read())


@dataclass
class JanusServer:
    """A running Janus: where it answers and with which secrets."""

    process: subprocess.Popen[bytes]
    workdir: Path
    http_port: int
    admin_port: int
    ws_port: int
    admin_secret: str
    room_admin_key: str
    log_path: Path
    _stopped: bool = field(default=False, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/janus"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}/admin"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}/"

    def settings(self) -> dict[str, Any]:
        """The LIVE_JANUS_* settings that point the client here."""
        return {
            "LIVE_JANUS_URL": self.url,
            "LIVE_JANUS_ADMIN_URL": self.admin_url,
            "LIVE_JANUS_ADMIN_SECRET": self.admin_secret,
            "LIVE_JANUS_ROOM_ADMIN_KEY": self.room_admin_key,
            "LIVE_JANUS_PUBLIC_URL": self.ws_url,
            "LIVE_JANUS_TIMEOUT": 5,
        }

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def answers(self) -> bool:
        try:
            status = post_json(
                self.admin_url,
                {"janus": "get_status", "transaction": "ready", "admin_secret": self.admin_secret},
                timeout=1,
            )
            info = post_json(f"{self.url}/info", timeout=1)
            with socket.create_connection(("127.0.0.1", self.ws_port), timeout=1):
                pass
        except (OSError, ValueError):
            return False
        return status.get("janus") == "success" and info.get("janus") == "server_info"

    def stop(self) -> None:
        """Stops Janus and waits for it, so its ports are free again afterwards."""
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_janus(workdir: Path) -> JanusServer:
    """Starts the real janus through bin/janus and returns once it answers on the
    HTTP API, the Admin API and the WebSocket port. Raises JanusNotInstalled without
    the program, RuntimeError (with the end of its log) when it does not come up."""
    if not shutil.which(os.environ.get("JANUS_BIN", "janus")):
        raise JanusNotInstalled(INSTALL_HINT)
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "janus.log"
    http_port, admin_port, ws_port = free_port(), free_port(), free_port()
    admin_secret, room_admin_key = secrets.token_hex(16), secrets.token_hex(16)
    env = {
        **os.environ,
        "JANUS_RUNTIME_DIR": str(workdir / "runtime"),
        "JANUS_HTTP_PORT": str(http_port),
        "JANUS_ADMIN_PORT": str(admin_port),
        "JANUS_WS_PORT": str(ws_port),
        # Tests are local: nothing on other interfaces needs to reach this Janus.
        "JANUS_WS_IP": "127.0.0.1",
        "JANUS_ADMIN_SECRET": admin_secret,
        "JANUS_ROOM_ADMIN_KEY": room_admin_key,
        "JANUS_DEBUG_LEVEL": os.environ.get("JANUS_DEBUG_LEVEL", "4"),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(BIN_JANUS)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = JanusServer(
        process=process,
        workdir=workdir,
        http_port=http_port,
        admin_port=admin_port,
        ws_port=ws_port,
        admin_secret=admin_secret,
        room_admin_key=room_admin_key,
        log_path=log_path,
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.answers():
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(
                f"Janus did not start (exit code {process.returncode}):\n{server.log_tail()}"
            )
        time.sleep(0.1)
    return server


@pytest.fixture(scope="session", name="janus_server")
def janus_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusServer]:
    """One real Janus for the whole test session; tests keep apart by using their own
    live-session ids and tokens."""
    try:
        server = start_janus(tmp_path_factory.mktemp("janus"))
    except JanusNotInstalled as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(name="janus_settings")
def janus_settings_fixture(janus_server: JanusServer, settings: Any) -> JanusServer:
    """Points this test's LIVE_JANUS_* settings at the running Janus."""
    for name, value in janus_server.settings().items():
        setattr(settings, name, value)
    return janus_server
