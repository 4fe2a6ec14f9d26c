"""The live classroom in Chromium (fake camera and microphone), on real ASGI server
processes sharing one Redis, with the real Janus: a host and a learner join, chat,
answer a poll and take the audio room; then a server process and Redis restart under
them, and nothing said is lost."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from courses.services.enrolment import enrolment_create
from live.janus import audiobridge_participants, media_rooms_for, videoroom_publishers
from live.models import ChatMessage, LiveSession
from live.tests.janus_server import janus_server_fixture, janus_settings_fixture  # noqa: F401
from lms.admin_users import display_name
from tests.asgi_servers import AsgiServer, PrivateRedis, server_env
from tests.conftest import (
    BROWSER_TEST,
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    _close_context,
    _database_url,
)
from tests.factories import build_course

pytestmark = BROWSER_TEST
CONNECTED = "Đã vào lớp"
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def media_browser(_playwright):
    browser = _playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
        ],
        timeout=30_000,
    )
    yield browser
    browser.close()


@pytest.fixture
def classroom(tmp_path, trainer, learner, janus_settings):
    course = build_course(trainer=trainer).course
    enrolment_create(learner=learner, course=course)
    now = timezone.now()
    session = LiveSession.objects.create(
        course=course,
        title="Tiếng Tày: chào hỏi",
        starts_at=now - timedelta(minutes=2),
        ends_at=now + timedelta(hours=1),
    )
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    env = server_env(
        _database_url(connection.settings_dict),
        redis.url,
        **{k: str(v) for k, v in janus_settings.settings().items()},
    )
    servers = [AsgiServer(tmp_path, env, "a"), AsgiServer(tmp_path, env, "b")]
    for server in servers:
        server.start()
    yield session, servers, redis
    for server in servers:
        server.stop()
    redis.stop()


def open_page(request, browser, server, user, session):
    context = browser.new_context(base_url=server.url, **PHONE)
    context.set_default_timeout(WAIT_MS)
    problems: list[str] = []
    context.on("weberror", lambda error: problems.append(str(error.error)))
    context.problems = problems
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": server.url}])
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.goto(f"/live/{session.pk}/")
    page.locator(".live-status", has_text=CONNECTED).wait_for()
    return context, page


def say(page, text):
    page.fill(".live-chat-form textarea", text)
    page.press(".live-chat-form textarea", "Enter")


def chat_lines(page) -> list[str]:
    return page.locator(".live-chat li:not(.pending) .text").all_inner_texts()


def wait_for_chat(page, text):
    page.locator(".live-chat li:not(.pending) .text", has_text=text).wait_for()


def test_host_and_learner_chat_answer_a_poll_and_join_the_audio_room(
    request, media_browser, classroom, trainer, learner
):
    session, (a, b), _ = classroom
    host_context, host = open_page(request, media_browser, a, trainer, session)
    pupil_context, pupil = open_page(request, media_browser, b, learner, session)
    try:
        # Each sees the other in the list (they are on different server processes).
        host.locator(".live-people li", has_text=display_name(learner)).wait_for()
        say(pupil, "Slao cạ, cô giáo!")
        wait_for_chat(host, "Slao cạ, cô giáo!")

        host.fill(".live-poll-form [name=question]", "“Kin khẩu” nghĩa là gì?")
        host.fill(".live-poll-form [name=options]", "Ăn cơm\nĐi chơi")
        host.fill(".live-poll-form [name=correct]", "1")
        host.click(".live-poll-form button")
        pupil.get_by_role("button", name="Ăn cơm").click()
        host.locator(".live-polls li", has_text="Ăn cơm").locator(
            "small", has_text="1 (100 %)"
        ).wait_for()
        host.get_by_role("button", name="Đóng và công bố kết quả").click()
        pupil.locator(".live-polls li.correct.chosen", has_text="Ăn cơm").wait_for()

        rooms = media_rooms_for(session.pk)
        pupil.get_by_role("button", name="Nghe và nói (micrô)").click()
        host.get_by_role("button", name="Bật micrô và camera").click()
        deadline = timezone.now() + timedelta(seconds=30)
        names: set[str] = set()
        while timezone.now() < deadline:
            names = {p.get("display") for p in audiobridge_participants(rooms.audio_room)}
            if {display_name(learner), display_name(trainer)} <= names:
                break
            pupil.wait_for_timeout(300)
        assert {display_name(learner), display_name(trainer)} <= names, names
        # The camera is published a moment after the audio joins.
        publishers: list[dict] = []
        for _ in range(60):
            publishers = videoroom_publishers(rooms.video_room)
            if publishers:
                break
            host.wait_for_timeout(500)
        assert [p.get("display") for p in publishers] == [display_name(trainer)]
        assert host_context.problems == [] and pupil_context.problems == []
    finally:
        _close_context(request, pupil_context, "learner")
        _close_context(request, host_context, "host")


def test_a_server_process_and_redis_restart_and_nothing_said_is_lost(
    request, media_browser, classroom, trainer, learner
):
    session, (a, b), redis = classroom
    host_context, host = open_page(request, media_browser, a, trainer, session)
    pupil_context, pupil = open_page(request, media_browser, b, learner, session)
    try:
        say(host, "Trước sự cố")
        wait_for_chat(pupil, "Trước sự cố")

        b.kill()  # the learner's server process dies
        pupil.locator(".live-status", has_text="Mất kết nối").wait_for()
        say(host, "Trong lúc máy B tắt 1")
        say(host, "Trong lúc máy B tắt 2")
        say(pupil, "Em gửi khi mất kết nối")  # waits in the outbox
        pupil.locator(".live-chat li.pending").wait_for()
        b.start()
        wait_for_chat(pupil, "Trong lúc máy B tắt 2")
        wait_for_chat(host, "Em gửi khi mất kết nối")

        redis.stop()  # the channel layer, cache and broker of both processes
        redis.start()
        for page in (host, pupil):
            page.locator(".live-status", has_text=CONNECTED).wait_for()
        say(host, "Sau khi Redis khởi động lại")
        wait_for_chat(pupil, "Sau khi Redis khởi động lại")

        expected = [
            "Trước sự cố",
            "Trong lúc máy B tắt 1",
            "Trong lúc máy B tắt 2",
            "Em gửi khi mất kết nối",
            "Sau khi Redis khởi động lại",
        ]
        # A process that missed announcements while Redis was down reads them from the
        # log within its next check (a few seconds): wait for that, then compare.
        for page in (host, pupil):
            for _ in range(30):
                if sorted(chat_lines(page)) == sorted(expected):
                    break
                page.wait_for_timeout(500)
            assert sorted(chat_lines(page)) == sorted(expected), "each line exactly once"
        assert sorted(ChatMessage.objects.values_list("text", flat=True)) == sorted(expected)
    finally:
        _close_context(request, pupil_context, "learner")
        _close_context(request, host_context, "host")


def test_without_a_microphone_the_learner_listens_and_the_class_goes_on(
    request, browser, media_browser, classroom, trainer, learner
):
    """A phone with no microphone (no device here at all): the learner is put in the
    audio room listen-only, told why, and chat still works."""
    session, (a, b), _ = classroom
    host_context, host = open_page(request, media_browser, a, trainer, session)
    pupil_context, pupil = open_page(request, browser, b, learner, session)
    try:
        pupil.get_by_role("button", name="Nghe và nói (micrô)").click()
        pupil.locator(".live-media-status", has_text="bạn vẫn nghe được lớp học").wait_for()
        rooms = media_rooms_for(session.pk)
        deadline = timezone.now() + timedelta(seconds=30)
        listed: list[dict] = []
        while timezone.now() < deadline and not listed:
            listed = [
                p
                for p in audiobridge_participants(rooms.audio_room)
                if p.get("display") == display_name(learner)
            ]
            pupil.wait_for_timeout(300)
        assert listed and listed[0].get("muted") is True
        say(pupil, "Em không có micrô")
        wait_for_chat(host, "Em không có micrô")
        assert pupil_context.problems == []
    finally:
        _close_context(request, pupil_context, "learner")
        _close_context(request, host_context, "host")
