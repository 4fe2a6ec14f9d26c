"""Fixtures for the end-to-end browser tests: Debian's Chromium through Playwright,
phone- and desktop-sized browser contexts on pytest-django's live server, and a real
Celery worker process on the test database.

Nothing here downloads a browser: Playwright drives /usr/bin/chromium. The tests that
use these fixtures are marked ``browser``; without Chromium they are skipped.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections import deque
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Marks of every browser test: live-server tests commit for real, and serialized
# rollback restores the reference data (communes, ethnic groups, roles, the home page)
# that migrations loaded.
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("LMS_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
    "timezone_id": "Asia/Ho_Chi_Minh",
}
DESKTOP = {
    "viewport": {"width": 1280, "height": 900},
    "locale": "vi-VN",
    "timezone_id": "Asia/Ho_Chi_Minh",
}
# Bounded waits, in milliseconds for Playwright and seconds for the worker.
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 15_000
WORKER_READY_TIMEOUT_S = 30


# --- reporting each phase's outcome to fixtures (for failure screenshots) -------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(request) -> bool:
    report = getattr(request.node, "report_call", None)
    return report is None or report.failed


# --- Playwright and Chromium ----------------------------------------------------------


@pytest.fixture(scope="module")
def _playwright(django_db_setup):
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    before = {alias: connections[alias] for alias in connections}
    # Playwright's sync API keeps an asyncio loop running in this thread; Django would
    # otherwise refuse ORM calls made from the test body.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            # With a loop running in the thread, Django hands out connections per async
            # context: the test body gets new wrappers, without what pytest-django's setup
            # stored on the old ones. Serialized rollback needs the stored contents.
            for alias, original in before.items():
                contents = getattr(original, "_test_serialized_contents", None)
                if contents is not None:
                    connections[alias]._test_serialized_contents = contents
            try:
                yield playwright
            finally:
                for connection in connections.all(initialized_only=True):
                    connection.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(_playwright):
    browser = _playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000
    )
    yield browser
    browser.close()


@pytest.fixture
def celery_queue(settings):
    """The broker's queues declared and empty.

    The autouse cache fixture FLUSHDBs the Redis database that is also the broker, which
    removes kombu's queue bindings; a producer whose connection already declared the
    queue would not declare it again and publishing would fail. Declaring here, on a
    fresh connection, makes every on_commit ``.delay()`` in the test routable; purging
    drops tasks left over by earlier runs, which must never reach this run's database.
    """
    from config.celery import app

    def reset():
        with app.connection_for_write() as connection:
            channel = connection.default_channel
            for queue in app.amqp.queues.values():
                queue(channel).declare()
                queue(channel).purge()

    reset()
    yield app
    reset()


def _new_context(request, browser, live_server, name, **options):
    for stale in ARTIFACTS.glob(f"FAILED-{request.node.name}-{name}-*.png"):
        stale.unlink()
    context = browser.new_context(base_url=live_server.url, accept_downloads=True, **options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    problems: list[str] = []
    context.on("weberror", lambda error: problems.append(f"page error: {error.error}"))

    def on_console(msg):
        # The site has no favicon; the browser's own request for it is not the page's.
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"console {msg.type}: {msg.text} ({msg.location.get('url')})")

    def watch(page):
        page.on("console", on_console)

    context.on("page", watch)
    context.problems = problems  # read by tests that want a clean console
    return context


def _close_context(request, context, name):
    try:
        if _failed(request):
            ARTIFACTS.mkdir(exist_ok=True)
            for index, page in enumerate(context.pages):
                page.screenshot(
                    path=str(ARTIFACTS / f"FAILED-{request.node.name}-{name}-{index}.png"),
                    full_page=True,
                )
            if context.problems:
                print(f"\nBrowser problems in {name}:\n  " + "\n  ".join(context.problems))
    finally:
        context.close()


@pytest.fixture
def quiet_live_server(live_server):
    """The live server, left only once the browsers' last requests have been answered.

    Every browser context depends on it, so its teardown runs after all of them closed.
    """
    yield live_server
    _wait_for_requests_to_finish()


def _wait_for_requests_to_finish(timeout: float = 20.0, quiet: float = 0.5) -> None:
    """Let the live server finish what the closed browser still sent it.

    Closing a page fires ``pagehide``, which flushes the progress queue, and a request may
    still be running (a slow view, say); an open keep-alive connection holds a thread too. Such a request must end before pytest-django
    flushes the database and blocks access to it, or the flush fails on its locks and
    the request on the blocker. The server runs each connection in a thread of its own.
    """
    deadline = time.monotonic() + timeout
    idle_since = time.monotonic()
    while time.monotonic() < deadline:
        busy = any(
            thread.name.endswith("(process_request_thread)") for thread in threading.enumerate()
        )
        now = time.monotonic()
        if busy:
            idle_since = now
        elif now - idle_since >= quiet:
            return
        time.sleep(0.05)
    warnings.warn("the live server was still answering requests after the test", stacklevel=2)


@pytest.fixture
def phone(request, browser, quiet_live_server, celery_queue):
    """A phone-sized browser context (390x844, touch) on the live server."""
    context = _new_context(request, browser, quiet_live_server, "phone", **PHONE)
    yield context
    _close_context(request, context, "phone")


@pytest.fixture
def phone_without_js(request, browser, quiet_live_server, celery_queue):
    """The same phone with JavaScript switched off."""
    context = _new_context(
        request, browser, quiet_live_server, "nojs", java_script_enabled=False, **PHONE
    )
    yield context
    _close_context(request, context, "nojs")


@pytest.fixture
def desktop(request, browser, quiet_live_server, celery_queue):
    """A desktop-sized browser context (1280x900), e.g. for the Wagtail admin."""
    context = _new_context(request, browser, quiet_live_server, "desktop", **DESKTOP)
    yield context
    _close_context(request, context, "desktop")


@pytest.fixture
def page(phone):
    return phone.new_page()


# --- a real Celery worker -------------------------------------------------------------


def _database_url(db: dict) -> str:
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{db['NAME']}"


class Worker:
    """A started worker process; ``wait_ready()`` blocks until it consumes tasks."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.output: deque[str] = deque(maxlen=400)
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._pump, name="celery-output", daemon=True)
        self._reader.start()

    def _pump(self):
        for line in self.process.stdout:
            self.output.append(line)
            if " ready." in line:
                self._ready.set()

    def log(self) -> str:
        return "".join(self.output)

    def wait_ready(self, timeout: float = WORKER_READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.1):
            if self.process.poll() is not None:
                pytest.fail(f"Celery worker exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"Celery worker not ready within {timeout}s:\n{self.log()}")

    def kill(self) -> None:
        """As a crash would: SIGKILL to the worker and everything it started."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._reader.join(timeout=5)

    def stop(self) -> None:
        if self.process.poll() is None:
            # Warm shutdown: a running task finishes and its DB connections are closed
            # before pytest-django flushes and later drops the test database.
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._reader.join(timeout=5)


def _die_with_parent():  # runs in the child between fork and exec
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def start_celery_worker(settings, name: str = "browser-test", **extra_env: str) -> Worker:
    """``celery -A config worker -P solo`` in its own process (and process group), on this
    run's test database.

    Its environment points it at the database pytest-django created (whatever its name,
    e.g. with an xdist suffix), the same Redis broker and the same private file root.
    The process is started at once and not waited for: tasks wait in the broker until
    it is up, so a test calls ``wait_ready()`` only where it needs the worker's output.
    It also dies if pytest is killed.
    """
    from django.db import connection

    celery = Path(sys.executable).with_name("celery")
    if not celery.exists():
        celery = Path(shutil.which("celery") or "celery")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=_database_url(connection.settings_dict),
        REDIS_URL=settings.REDIS_URL,
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        PRIVATE_ROOT=str(settings.PRIVATE_ROOT),
        CELERY_TASK_ALWAYS_EAGER="false",
        PYTHONUNBUFFERED="1",
        **extra_env,
    )
    command = [
        str(celery),
        "-A",
        "config",
        "worker",
        "-P",
        "solo",
        "-l",
        "info",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"{name}-{os.getpid()}@%h",
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )
    return Worker(process)


@pytest.fixture
def celery_worker(django_db_setup, settings, celery_queue):
    """A real worker for the test (see ``start_celery_worker``), stopped and waited for
    at teardown."""
    worker = start_celery_worker(settings)
    try:
        yield worker
    finally:
        worker.stop()
