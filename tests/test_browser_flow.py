"""End to end in a real browser: a learner on a phone signs up, finds a course, learns it
and downloads the certificate a real Celery worker made; progress survives a dropped
connection; and a lesson works with JavaScript switched off.

Run with the rest of the suite (bin/test) or alone:
    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/pytest tests/test_browser_flow.py
"""

import json
import re
import subprocess
import time
import unicodedata
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from courses.models import (
    ActivityProgress,
    Certificate,
    CoursePage,
    Enrolment,
    ProgressEvent,
    Verb,
)
from courses.services.enrolment import enrolment_create
from tests.conftest import ARTIFACTS, BROWSER_TEST
from tests.factories import build_course

pytestmark = BROWSER_TEST

COURSE_TITLE = "Tiếng Tày giao tiếp cơ bản"
FULL_NAME = "Nông Thị Ngọc Hường"
PASSWORD = "Mat-khau-2025"
CERTIFICATE_WAIT_S = 30
SYNC_WAIT_S = 10
COMPLETED = ActivityProgress.Status.COMPLETED


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def wait_until(predicate, timeout: float, interval: float = 0.2):
    """Poll ``predicate`` until it returns something truthy or ``timeout`` runs out."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


@pytest.fixture
def course(celery_queue, trainer):
    """The factory's course (four lessons, the last optional) and a second course that a
    search for "tieng tay" must not find. No minimum reading time: a browser clicks
    through faster than anyone reads (the evidence that the page was served still holds)."""
    tree = build_course(trainer=trainer, lesson_min_seconds=0)
    other = CoursePage(
        title="Kỹ năng số cơ bản",
        slug="ky-nang-so",
        summary="Dùng điện thoại thông minh an toàn.",
        level="beginner",
    )
    tree.program.add_child(instance=other)
    other.save_revision().publish()
    return tree


def log_in(context, live_server, user):
    """Put a signed-in session cookie into a browser context (the login form itself is
    exercised by the no-JavaScript test)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url, "httpOnly": True}]
    )


def completion_of(learner, activity):
    return (
        ActivityProgress.objects.filter(learner=learner, activity=activity)
        .values_list("status", flat=True)
        .first()
    )


# --- the whole journey ----------------------------------------------------------------


def test_new_learner_signs_up_learns_a_course_and_downloads_the_certificate(
    page, live_server, course, celery_worker
):
    # 1. Sign up from the home page.
    page.goto("/")
    page.get_by_role("link", name="Đăng ký", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    expect(page.get_by_role("heading", name="Đăng ký tài khoản học viên")).to_be_visible()
    page.get_by_label("Tên đăng nhập").fill("huong.nong")
    page.get_by_label(re.compile(r"^Mật khẩu:?$")).fill(PASSWORD)
    page.get_by_label("Xác nhận lại mật khẩu").fill(PASSWORD)
    page.get_by_label("Họ và tên").fill(FULL_NAME)
    page.get_by_label("Bạn là").select_option(label="Thanh niên")
    page.get_by_label("Giới tính").select_option(label="Nữ")
    page.get_by_label("Năm sinh").fill("2001")
    page.get_by_label("Xã/phường nơi bạn sống hoặc làm việc").select_option(
        label="Phường Đông Kinh"
    )
    page.get_by_label("Có, tôi đồng ý").check()
    page.get_by_label(re.compile(r"^Dân tộc:?$")).select_option(label="Tày")
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.get_by_text(f"Chào mừng {FULL_NAME}!")).to_be_visible()
    expect(page.get_by_role("link", name="Việc học của tôi")).to_be_visible()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()

    # 2. Find the course by typing without diacritics, open it and enrol.
    page.get_by_role("navigation").get_by_role("link", name="Khóa học").click()
    expect(page).to_have_url(re.compile(r"/khoa-hoc/$"))
    # Live search is htmx, loaded with defer; typing before it is up would not search.
    page.wait_for_function("() => !!window.htmx")
    search = page.get_by_role("searchbox", name="Tìm kiếm")
    with page.expect_response(
        lambda r: (
            parse_qs(urlsplit(r.url).query).get("q") == ["tieng tay"]
            and r.request.headers.get("hx-request") == "true"
        )
    ) as searched:
        search.fill("tieng tay")
    assert searched.value.ok
    results = page.locator("#results")
    expect(results.get_by_text("1 khóa học")).to_be_visible()
    expect(results.get_by_role("link", name="Kỹ năng số cơ bản")).to_have_count(0)
    results.get_by_role("link", name=COURSE_TITLE).click()
    expect(page.get_by_role("heading", level=1, name=COURSE_TITLE)).to_be_visible()
    page.get_by_role("button", name="Ghi danh khóa học").click()
    expect(page.get_by_text("Đã ghi danh. Chúc bạn học tốt!")).to_be_visible()

    # 3. Learn every required lesson; "Hoàn thành bài học" reports and moves on by
    #    itself, and the last one leads to the course page with congratulations.
    page.get_by_role("link", name=re.compile(r"^(Bắt đầu học|Học tiếp)")).click()
    lessons = [lesson for lesson in course.lessons if lesson.required]
    for index, lesson in enumerate(lessons):
        number = lesson.title.removeprefix("Bài ")
        expect(page.get_by_role("heading", level=1, name=lesson.title)).to_be_visible()
        expect(page.get_by_text(f"Nội dung bài {number}: Pây lăng?")).to_be_visible()
        expect(page.get_by_text("Kin khẩu dá?")).to_be_visible()
        after = (
            lessons[index + 1].get_url() if index + 1 < len(lessons) else course.course.get_url()
        )
        page.get_by_role("button", name="Hoàn thành bài học").click()
        page.wait_for_url(live_server.url + after)
    expect(page.get_by_role("heading", level=1, name=COURSE_TITLE)).to_be_visible()
    expect(
        page.get_by_text(f"Chúc mừng! Bạn đã hoàn thành khóa học “{COURSE_TITLE}”.")
    ).to_be_visible()
    expect(page.get_by_text("Bạn đã hoàn thành khóa học", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Học tiếp"))).to_have_count(0)

    # 4. My learning: 100 %, and the certificate the worker rendered.
    page.get_by_role("link", name="Việc học của tôi").click()
    expect(page).to_have_url(re.compile(r"/my-learning/$"))
    expect(page.get_by_text(re.compile(r"^Hoàn thành \d\d/\d\d/\d{4}$"))).to_be_visible()
    expect(page.get_by_role("progressbar", name=COURSE_TITLE)).to_have_attribute(
        "aria-valuenow", "100"
    )
    celery_worker.wait_ready()
    download_link = page.get_by_role("link", name="Tải chứng nhận (PDF)")
    deadline = time.monotonic() + CERTIFICATE_WAIT_S
    while not download_link.is_visible():
        assert time.monotonic() < deadline, (
            f"no certificate link after {CERTIFICATE_WAIT_S}s; worker log:\n{celery_worker.log()}"
        )
        page.wait_for_timeout(500)
        page.reload()
    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert re.fullmatch(r"chung-nhan-LS-[A-Z0-9]{5}-[A-Z0-9]{5}\.pdf", download.suggested_filename)
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "certificate.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF"), "the download is not a PDF"
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    text = " ".join(nfc(text).split())
    assert FULL_NAME in text, f"learner's name missing or mangled in the PDF text: {text!r}"
    assert COURSE_TITLE in text, f"course title missing or mangled in the PDF text: {text!r}"

    # 5. The artefact: a full-page screenshot of "My learning".
    screenshot = ARTIFACTS / "my-learning.png"
    screenshot.unlink(missing_ok=True)
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 1000

    # 6. What the server stored.
    user = get_user_model().objects.get(username="huong.nong")
    profile = user.learner_profile
    assert profile.full_name == FULL_NAME
    assert profile.unit.name == "Phường Đông Kinh"
    assert profile.ethnic_consent == "given"
    assert profile.ethnic_consent_at is not None, "consent stored without its time"
    assert profile.ethnic_group.name == "Tày"
    enrolment = Enrolment.objects.select_related("progress").get(learner=user)
    assert enrolment.course_id == course.course.pk
    assert enrolment.progress.completed_at is not None
    assert (enrolment.progress.percent, enrolment.progress.required_done) == (100, 3)
    statuses = dict(
        ActivityProgress.objects.filter(learner=user).values_list("activity_id", "status")
    )
    assert statuses == {
        activity.pk: COMPLETED for activity in course.activities if activity.required
    }
    certificate = Certificate.objects.get(enrolment=enrolment)
    issued_by_worker = wait_until(
        lambda: re.search(
            r"Task courses\.tasks\.certificate_issue_task\[[^\]]+\] succeeded.*"
            + re.escape(certificate.code),
            celery_worker.log(),
        ),
        5,
    )
    assert issued_by_worker, f"the worker did not log the issue:\n{celery_worker.log()}"
    assert certificate.learner_name == FULL_NAME
    assert certificate.pdf_generated_at is not None
    assert download.suggested_filename == f"chung-nhan-{certificate.code}.pdf"
    assert not page.context.problems, page.context.problems


# --- a dropped connection ------------------------------------------------------------


def test_completion_made_offline_is_sent_when_back_online(page, live_server, course, learner):
    enrolment_create(learner=learner, course=course.course)
    lesson, activity = course.lessons[0], course.activities[0]
    log_in(page.context, live_server, learner)

    # The page's own "viewed" report goes out while still online.
    with page.expect_response(
        lambda r: r.url.endswith("/api/progress/events") and r.request.method == "POST"
    ) as viewed:
        page.goto(lesson.get_url())
    assert viewed.value.ok, f"viewed event refused: {viewed.value.status}"
    expect(page.get_by_text("Nội dung bài 1.1: Pây lăng?")).to_be_visible()
    page.evaluate("window.__online = 0; window.addEventListener('online', () => window.__online++)")

    page.context.set_offline(True)
    assert page.evaluate("navigator.onLine") is False
    page.get_by_role("button", name="Hoàn thành bài học").click()
    expect(page.get_by_text("Đã ghi nhận hoàn thành; sẽ gửi khi có mạng.")).to_be_visible()
    assert page.url == live_server.url + lesson.get_url(), "left the lesson while offline"
    queue_key = f"lms-progress-queue:{learner.pk}"
    queued = json.loads(page.evaluate(f"localStorage.getItem('{queue_key}')") or "[]")
    assert [e["verb"] for e in queued if e["activity"] == str(activity.pk)].count("completed") == 1
    assert not ProgressEvent.objects.filter(
        learner=learner, activity=activity, verb=Verb.COMPLETED
    ).exists(), "a completion reached the server while offline"
    assert completion_of(learner, activity) != COMPLETED

    page.context.set_offline(False)
    try:
        page.wait_for_function("() => window.__online > 0", timeout=3000)
    except PlaywrightTimeoutError:  # a browser that does not fire it on emulated change
        page.evaluate("window.dispatchEvent(new Event('online'))")
    status = wait_until(lambda: completion_of(learner, activity) == COMPLETED, SYNC_WAIT_S)
    assert status, f"the queued completion did not arrive within {SYNC_WAIT_S}s"
    expect(page.get_by_text("Đã ghi nhận hoàn thành; sẽ gửi khi có mạng.")).to_be_hidden()
    assert json.loads(page.evaluate(f"localStorage.getItem('{queue_key}')") or "[]") == []
    assert (
        ProgressEvent.objects.filter(
            learner=learner, activity=activity, verb=Verb.COMPLETED
        ).count()
        == 1
    )
    problems = [p for p in page.context.problems if "ERR_INTERNET_DISCONNECTED" not in p]
    assert not problems, problems


# --- no JavaScript --------------------------------------------------------------------


def test_lesson_reads_and_completes_without_javascript(
    phone_without_js, live_server, course, learner
):
    enrolment_create(learner=learner, course=course.course)
    first, second = course.lessons[0], course.lessons[1]
    activity = course.activities[0]
    page = phone_without_js.new_page()

    page.goto(first.get_url())
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Tên đăng nhập").fill(learner.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    expect(page).to_have_url(live_server.url + first.get_url())
    expect(page.get_by_role("heading", level=1, name="Bài 1.1")).to_be_visible()
    expect(page.get_by_text("Nội dung bài 1.1: Pây lăng?")).to_be_visible()
    expect(page.get_by_text("Ăn cơm chưa?")).to_be_visible()
    assert not ProgressEvent.objects.filter(learner=learner).exists(), "a script ran"

    page.get_by_role("button", name="Hoàn thành bài học").click()
    expect(page).to_have_url(live_server.url + second.get_url())
    expect(page.get_by_role("heading", level=1, name="Bài 1.2")).to_be_visible()
    assert completion_of(learner, activity) == COMPLETED
    assert list(
        ProgressEvent.objects.filter(learner=learner).values_list("activity_id", "verb")
    ) == [(activity.pk, Verb.COMPLETED)]

    page.goto(first.get_url())
    expect(page.get_by_text("Bạn đã hoàn thành bài này.")).to_be_visible()
    expect(page.get_by_role("button", name="Tiếp tục")).to_be_visible()


def test_events_left_by_one_learner_are_never_sent_as_another(
    page, live_server, course, learner, make_learner
):
    """A shared phone: Hoa's completion, queued offline, stays hers when Đức signs in."""
    first, second = learner, make_learner("duc")
    for person in (first, second):
        enrolment_create(learner=person, course=course.course)
    lesson, activity = course.lessons[0], course.activities[0]

    log_in(page.context, live_server, first)
    with page.expect_response(lambda r: r.url.endswith("/api/progress/events")):
        page.goto(lesson.get_url())
    page.context.set_offline(True)
    page.get_by_role("button", name="Hoàn thành bài học").click()
    expect(page.get_by_text("Đã ghi nhận hoàn thành; sẽ gửi khi có mạng.")).to_be_visible()

    # Đức takes the phone: a new session, the same browser storage.
    page.context.clear_cookies()
    log_in(page.context, live_server, second)
    page.context.set_offline(False)
    # The first learner's page may try once more when the link returns; it is refused
    # (not their session) and keeps the events. The second learner's page reports its own.
    with page.expect_response(lambda r: r.url.endswith("/api/progress/events") and r.status == 200):
        page.goto(lesson.get_url())
    page.wait_for_timeout(500)
    assert not ProgressEvent.objects.filter(verb=Verb.COMPLETED).exists(), (
        "a completion queued by one learner was sent under another's session"
    )
    assert completion_of(second, activity) != COMPLETED
    assert completion_of(first, activity) != COMPLETED
    kept = json.loads(page.evaluate(f"localStorage.getItem('lms-progress-queue:{first.pk}')"))
    assert [e["verb"] for e in kept].count("completed") == 1, "kept for the first learner"
