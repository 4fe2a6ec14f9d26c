"""A lesson's video in Chromium: it plays as adaptive HLS (hls.js, served by the site),
the learner switches to "audio only" and it goes on from the same moment on the audio
rendition, the choice is remembered, and what was watched reaches the course's progress.

Run alone:
    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/pytest tests/test_browser_media.py
"""

import pytest
from playwright.sync_api import expect

from cms.tests.media_files import asset_from, generate
from courses.models import ActivityProgress, CourseWorkspace
from courses.services.enrolment import enrolment_create
from media_lessons.kind import MEDIA
from tests.conftest import BROWSER_TEST
from tests.test_browser_flow import log_in, wait_until

pytestmark = BROWSER_TEST


@pytest.fixture
def lesson_video(settings, tmp_path, course_tree, learner):
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_SCRATCH_DIR = str(tmp_path / "scratch")
    clip = generate(tmp_path / "bai-giang.mp4", seconds=10, size="640x360")
    collection = CourseWorkspace.objects.get(course=course_tree.course).collection
    asset = asset_from(clip, "video", collection, process=True)
    lesson = course_tree.lessons[0]
    lesson.body = [
        *lesson.body.raw_data,
        {
            "type": "video",
            "value": {
                "title": "Video bài giảng",
                "video": asset.pk,
                "transcript": "",
                "required": True,
            },
        },
    ]
    lesson.save_revision().publish()
    enrolment_create(learner=learner, course=course_tree.course)
    return lesson, asset


def wait_for(page, expression: str, timeout: float = 20) -> None:
    """Poll ``expression`` in the page (the site's CSP forbids Playwright's own
    wait_for_function, which evaluates strings)."""
    assert wait_until(lambda: page.evaluate(expression), timeout), expression


def test_the_video_plays_adaptively_switches_to_audio_only_and_counts(
    phone, live_server, lesson_video, learner
):
    lesson, asset = lesson_video
    log_in(phone, live_server, learner)
    page = phone.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(live_server.url + lesson.url)
    box = page.locator(f"#media-{asset.key}")
    expect(box.get_by_text("Video bài giảng")).to_be_visible()
    saver = box.get_by_label("Chỉ nghe tiếng (tiết kiệm dữ liệu)")
    expect(saver).not_to_be_checked()

    # Muted, as a test browser may only start sound after a gesture.
    page.evaluate("document.querySelector('video').muted = true")
    page.evaluate("document.querySelector('video').play().catch(() => {})")
    wait_for(page, "document.querySelector('video').currentTime > 2", 20)
    assert page.evaluate("typeof window.Hls") == "function", "hls.js came from the site"
    assert any(url.endswith("/hls/master.m3u8") for url in fetched)
    assert any("/hls/360p/seg_" in url or "/hls/240p/seg_" in url for url in fetched)
    assert box.get_attribute("data-source") == "master"

    before = page.evaluate("document.querySelector('video').currentTime")
    saver.check()
    wait_for(page, "document.querySelector('[data-media-player]').dataset.source === 'audio'")
    wait_for(page, f"document.querySelector('video').currentTime > {before + 1}", 20)
    assert any("/hls/audio/seg_" in url for url in fetched), "the audio rendition is fetched"
    wait_for(page, "document.querySelector('video').ended", 30)

    item = asset_activity(asset, lesson)
    summary = wait_until(
        lambda: ActivityProgress.objects.filter(
            learner=learner, activity=item, status=ActivityProgress.Status.COMPLETED
        ).first(),
        15,
    )
    assert summary is not None, "the whole video was watched: the item is completed"
    assert summary.opened_at is not None and summary.resume_point["watched"][0][0] == 0

    # The choice is the learner's until they change it.
    page.reload()
    expect(
        page.locator(f"#media-{asset.key}").get_by_label("Chỉ nghe tiếng (tiết kiệm dữ liệu)")
    ).to_be_checked()


def asset_activity(asset, lesson):
    from courses.models import Activity

    return Activity.objects.get(kind=MEDIA, source_ref__endswith=f":{asset.key}")


def test_the_player_resumes_where_the_learner_stopped_and_shows_the_room_left(
    phone, live_server, lesson_video, learner
):
    lesson, asset = lesson_video
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(live_server.url + lesson.url)
    box = page.locator(f"#media-{asset.key}")
    expect(box.locator(".budget")).to_contain_text("Máy còn trống khoảng")
    expect(box.get_by_role("link", name="Tải video")).to_be_visible()
    page.evaluate("document.querySelector('video').muted = true")
    page.evaluate("document.querySelector('video').play().catch(() => {})")
    wait_for(page, "document.querySelector('video').currentTime > 4", 20)
    page.evaluate("document.querySelector('video').pause()")
    item = asset_activity(asset, lesson)
    assert wait_until(
        lambda: (
            (
                ActivityProgress.objects.filter(learner=learner, activity=item)
                .values_list("resume_point", flat=True)
                .first()
                or {}
            ).get("position", 0)
            > 3.5
        ),
        15,
    ), "the position reached the server"

    # Another phone (no local copy of the position): the server's record is used.
    other = phone.browser.new_context(**{"viewport": {"width": 390, "height": 844}})
    log_in(other, live_server, learner)
    again = other.new_page()
    again.goto(live_server.url + lesson.url)
    again.evaluate("document.querySelector('video').muted = true")
    again.evaluate("document.querySelector('video').play().catch(() => {})")
    wait_for(
        again,
        "!document.querySelector('video').paused && document.querySelector('video').currentTime > 0",
        20,
    )
    assert again.evaluate("document.querySelector('video').currentTime") > 3, "not from the start"
    other.close()
