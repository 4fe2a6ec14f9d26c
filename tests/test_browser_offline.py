"""Offline reading in a real browser: on a phone, a lesson opened once opens again when
the connection drops, a lesson never opened says so, progress made offline still reaches
the server, and signing out forgets the kept lessons.

Run alone:
    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/pytest tests/test_browser_offline.py
"""

import time

from playwright.sync_api import expect

from courses.models import LessonPage, ProgressEvent, Verb
from courses.services.enrolment import enrolment_create
from tests.conftest import BROWSER_TEST
from tests.test_browser_flow import log_in, wait_until

pytestmark = BROWSER_TEST

OFFLINE_TEXT = "Bạn đang ngoại tuyến. Các bài đã mở trước đây vẫn đọc được."
QUEUED_TEXT = "Đang ngoại tuyến — tiến độ được lưu và sẽ gửi khi có mạng."
KEEP_WAIT_MS = 10_000

CACHED = """async () => {
  const found = {};
  for (const name of await caches.keys()) {
    found[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
  }
  return found;
}"""


def kept_pages(page) -> list[str]:
    caches = page.evaluate(CACHED)
    return [
        path for name, paths in caches.items() if name.startswith("lms-pages-") for path in paths
    ]


def wait_kept(page, url: str) -> None:
    deadline_ms = KEEP_WAIT_MS
    while url not in kept_pages(page):
        assert deadline_ms > 0, f"{url} was not kept for offline reading: {page.evaluate(CACHED)}"
        page.wait_for_timeout(200)
        deadline_ms -= 200


def expect_lesson(page, lesson):
    number = lesson.title.removeprefix("Bài ")
    expect(page.get_by_role("heading", level=1, name=lesson.title)).to_be_visible()
    expect(page.get_by_text(f"Nội dung bài {number}: Pây lăng?")).to_be_visible()


def test_opened_lessons_read_offline_until_the_learner_signs_out(
    phone, live_server, course_tree, learner
):
    enrolment_create(learner=learner, course=course_tree.course)
    first, second, never_opened = course_tree.lessons[:3]
    log_in(phone, live_server, learner)
    page = phone.new_page()

    # 1. Online: the first lesson registers the worker, which keeps that very lesson
    #    although it loaded before the worker existed.
    page.goto(first.get_url())
    expect_lesson(page, first)
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => !!r.active)")
    wait_kept(page, first.get_url())
    page.reload()
    assert page.evaluate("!!navigator.serviceWorker.controller"), "the worker controls the page"
    expect_lesson(page, first)
    page.goto(second.get_url())
    expect_lesson(page, second)
    wait_kept(page, second.get_url())
    assert never_opened.get_url() not in kept_pages(page)

    # 2. The connection drops: opened lessons still open, from the worker's copy, and the
    #    progress queue keeps working on them.
    phone.set_offline(True)
    response = page.goto(first.get_url())
    assert response.from_service_worker
    expect_lesson(page, first)
    expect(page.get_by_text(QUEUED_TEXT)).to_be_visible()
    page.reload()
    expect_lesson(page, first)
    page.get_by_role("link", name=f"{second.title} →").click()
    expect_lesson(page, second)

    # 3. A lesson never opened: the offline page, which lists the lessons kept.
    page.goto(never_opened.get_url())
    expect(page.get_by_text(OFFLINE_TEXT)).to_be_visible()
    expect(page.get_by_role("link", name="Việc học của tôi")).to_have_attribute(
        "href", "/my-learning/"
    )
    kept_links = page.get_by_role("listitem").get_by_role("link")
    expect(kept_links).to_have_text([second.title, first.title])
    kept_links.filter(has_text=first.title).click()
    expect_lesson(page, first)

    # 4. Back online: what was read offline reaches the server (the kept page's CSRF
    #    token is still good). Lesson 1 loaded six times: 2 online, 3 offline, 1 now.
    phone.set_offline(False)
    page.goto(first.get_url())
    expect_lesson(page, first)
    viewed = ProgressEvent.objects.filter(
        learner=learner, activity=course_tree.activities[0], verb=Verb.VIEWED
    )
    assert wait_until(lambda: viewed.count() == 6, 10), viewed.count()

    # 5. Signing out forgets every kept page. The logout response asks the browser to
    #    clear its HTTP cache; Chromium does not count Cache Storage as "cache" (only as
    #    "storage", which would also drop unsent progress and the worker), so it is the
    #    worker that drops the kept pages. Static files, the same for everyone, stay.
    with page.expect_response(lambda r: r.url.endswith("/accounts/logout/")) as logged_out:
        page.get_by_role("button", name="Đăng xuất").click()
    assert logged_out.value.all_headers().get("clear-site-data") == '"cache"'
    page.wait_for_url(live_server.url + "/")
    expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()
    assert kept_pages(page) == []
    left = [path for paths in page.evaluate(CACHED).values() for path in paths]
    assert left and all(path.startswith("/static/") for path in left), left
    phone.set_offline(True)
    page.goto(first.get_url())
    expect(page.get_by_text(OFFLINE_TEXT)).to_be_visible()
    expect(page.get_by_text("Nội dung bài 1.1")).to_have_count(0)
    expect(page.get_by_role("listitem")).to_have_count(0)

    problems = [p for p in phone.problems if "ERR_INTERNET_DISCONNECTED" not in p]
    assert not problems, problems


def test_a_slow_connection_shows_the_kept_lesson_after_four_seconds(
    phone, live_server, course_tree, learner, monkeypatch
):
    enrolment_create(learner=learner, course=course_tree.course)
    lesson = course_tree.lessons[0]
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(lesson.get_url())
    wait_kept(page, lesson.get_url())

    # The server now takes 8 s to answer, as over a bad 3G link: the kept copy is shown
    # after the worker's 4 s timeout, and the late answer (a new revision, published
    # meanwhile) still refreshes the copy.
    def slow_serve(lesson_page, request, *args, serve=LessonPage.serve, **kwargs):
        time.sleep(8)
        return serve(LessonPage.objects.get(pk=lesson_page.pk), request, *args, **kwargs)

    monkeypatch.setattr(LessonPage, "serve", slow_serve)
    started = time.monotonic()
    response = page.goto(lesson.get_url())
    waited = time.monotonic() - started
    assert response.from_service_worker
    expect_lesson(page, lesson)
    assert 3.5 < waited < 7, waited

    lesson.body = [{"type": "text", "value": "<p>Bản sửa mới</p>"}]
    lesson.save_revision().publish()
    kept_text = "caches.match(location.href).then((r) => r.text())"
    assert wait_until(lambda: "Bản sửa mới" in page.evaluate(kept_text), 10)
    phone.set_offline(True)
    page.reload()
    expect(page.get_by_text("Bản sửa mới")).to_be_visible()


def test_one_stale_event_in_the_queue_costs_none_of_the_others(
    phone, live_server, course_tree, learner
):
    """Defect: one event of a course withdrawn from on another device made the page drop
    the whole batch (up to 49 valid events of other lessons) on the server's refusal."""
    import uuid

    from django.utils import timezone

    from courses.services.enrolment import enrolment_withdraw
    from tests.factories import build_course

    other = build_course(title="Khóa đã rút", slug="khoa-da-rut")
    enrolment_create(learner=learner, course=course_tree.course)
    enrolment_withdraw(enrolment=enrolment_create(learner=learner, course=other.course))
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(live_server.url + "/my-learning/")

    def queued(activity, verb="progressed"):
        return {
            "id": str(uuid.uuid4()),
            "activity": str(activity.pk),
            "verb": verb,
            "occurred_at": timezone.now().isoformat(),
            "payload": {"seconds": 1},
        }

    stale = queued(other.activities[0])
    valid = [queued(course_tree.activities[1 + i % 2]) for i in range(49)]
    key = f"lms-progress-queue:{learner.pk}"
    page.evaluate("([k, q]) => localStorage.setItem(k, JSON.stringify(q))", [key, [stale, *valid]])

    page.goto(course_tree.lessons[0].get_url())
    expect_lesson(page, course_tree.lessons[0])
    stored = ProgressEvent.objects.filter(pk__in=[e["id"] for e in valid])
    assert wait_until(lambda: stored.count() == 49, 15), stored.count()
    assert not ProgressEvent.objects.filter(pk=stale["id"]).exists()
    left = lambda: page.evaluate(f"JSON.parse(localStorage.getItem('{key}') || '[]').length")  # noqa: E731
    assert wait_until(lambda: left() == 0, 10), "the settled events, the stale one too, left"
