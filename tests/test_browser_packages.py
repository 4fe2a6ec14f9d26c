"""H5P packages in Chromium: each plays from the site's own h5p-standalone in a frame
that cannot reach the LMS, answers reach the learner's progress through the page, and
the learner's place is kept for their next visit.

Run alone:
    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/pytest tests/test_browser_packages.py
"""

import io
import json
import re

import pytest
from playwright.sync_api import expect

from content_packs.kind import PACKAGE
from content_packs.models import PackageState, ScormAttempt, Statement
from content_packs.services.packages import package_create
from content_packs.tests.testdata import H5P
from courses.models import Activity, ActivityProgress, CourseWorkspace
from courses.services.enrolment import enrolment_create
from tests.conftest import BROWSER_TEST
from tests.test_browser_flow import log_in, wait_until

pytestmark = BROWSER_TEST

VALID = H5P / "valid"


def place_package(course_tree, name: str):
    """A hub H5P package of the test data, placed in the first lesson."""
    with (VALID / name).open("rb") as source:
        return place(course_tree, source)


def place(course_tree, source):
    """The package in ``source`` uploaded to the course and placed in its first lesson:
    (lesson, package, its activity)."""
    collection = CourseWorkspace.objects.get(course=course_tree.course).collection
    package = package_create(source=source, collection=collection)
    lesson = course_tree.lessons[0]
    lesson.body = [
        *lesson.body.raw_data,
        {
            "type": "package",
            "value": {"title": package.title, "package": package.pk, "required": True},
        },
    ]
    lesson.save_revision().publish()
    activity = Activity.objects.get(kind=PACKAGE, source_ref__endswith=f":{package.key}")
    return lesson, package, activity


def frame_of(page, activity):
    page.wait_for_selector(f"#package-{activity.pk} iframe", timeout=20_000)
    return page.frame_locator(f"#package-{activity.pk} iframe")


@pytest.fixture
def h5p_storage(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"


def wait_for(page, expression: str, timeout: float = 30) -> None:
    """Poll ``expression`` (the site's CSP forbids Playwright's wait_for_function)."""
    assert wait_until(lambda: page.evaluate(expression), timeout), expression


def summary_of(learner, activity):
    return ActivityProgress.objects.filter(learner=learner, activity=activity).first()


def test_a_true_false_question_plays_and_its_score_counts(
    phone, live_server, course_tree, learner, h5p_storage, settings
):
    settings.PACKAGE_MIN_SECONDS = 0
    lesson, package, activity = place_package(course_tree, "H5P.TrueFalse.h5p")
    enrolment_create(learner=learner, course=course_tree.course)
    log_in(phone, live_server, learner)
    page = phone.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(live_server.url + lesson.url)
    content = frame_of(page, activity)
    content.locator(".h5p-true-false-answer").first.click()
    content.get_by_role("button", name="Check").click()

    summary = wait_until(
        lambda: ActivityProgress.objects.filter(
            learner=learner, activity=activity, status=ActivityProgress.Status.COMPLETED
        ).first(),
        20,
    )
    assert summary is not None, "a scored answer completes the exercise"
    assert summary.max_score == 1 and summary.score in (0, 1)
    assert summary.opened_at is not None, "the server saw the player served"
    answered = Statement.objects.filter(learner=learner, activity=activity)
    assert any(s.verb.endswith("/answered") for s in answered), "the raw statement is kept"
    event = activity.events.get(verb="scored")
    assert event.payload["client_reported"] is True
    # Everything the player loaded came from this site.
    assert all(url.startswith(live_server.url) for url in fetched)
    assert any("/static/vendor/h5p/main.bundle.js" in url for url in fetched)


def test_the_package_cannot_reach_the_lms_page_or_its_cookies(
    phone, live_server, course_tree, learner, h5p_storage
):
    lesson, package, activity = place_package(course_tree, "H5P.Accordion.h5p")
    enrolment_create(learner=learner, course=course_tree.course)
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(live_server.url + lesson.url)
    wait_for(page, f"document.getElementById('package-{activity.pk}').dataset.ready === '1'")
    frame = next(f for f in page.frames if "/content/" in f.url)
    assert frame.evaluate("window.origin") == "null", "an opaque origin"
    assert (
        frame.evaluate(
            "(() => { try { return document.cookie; } catch (e) { return 'denied'; } })()"
        )
        == "denied"
    )
    assert (
        frame.evaluate(
            "(() => { try { return window.parent.document.title; } catch (e) { return 'denied'; } })()"
        )
        == "denied"
    )
    # Its requests to the LMS go without the learner's session.
    launch = f"/api/packages/{activity.pk}/launch"
    status = frame.evaluate(
        f"fetch('{launch}', {{credentials: 'include'}}).then(r => r.status, () => 'blocked')"
    )
    assert status in (404, "blocked")


def test_content_that_asks_nothing_completes_once_seen(
    phone, live_server, course_tree, learner, h5p_storage, settings
):
    settings.PACKAGE_MIN_SECONDS = 0
    lesson, package, activity = place_package(course_tree, "H5P.Accordion.h5p")
    assert package.scored is False
    enrolment_create(learner=learner, course=course_tree.course)
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(live_server.url + lesson.url)
    frame_of(page, activity).locator(".h5p-panel-title").first.click()
    summary = wait_until(
        lambda: ActivityProgress.objects.filter(
            learner=learner, activity=activity, status=ActivityProgress.Status.COMPLETED
        ).first(),
        20,
    )
    assert summary is not None and summary.score is None


def test_every_hub_package_plays(phone, live_server, course_tree, learner, h5p_storage):
    placed = [place_package(course_tree, path.name)[2] for path in sorted(VALID.glob("*.h5p"))]
    lesson = course_tree.lessons[0]
    enrolment_create(learner=learner, course=course_tree.course)
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(live_server.url + lesson.url)
    for activity in placed:
        figure = f"document.getElementById('package-{activity.pk}')"
        page.evaluate(f"{figure}.scrollIntoView()")
        wait_for(page, f"{figure}.dataset.ready === '1'", 40)
        frame = frame_of(page, activity)
        expect(frame.locator(".h5p-content").first).to_be_attached()
        assert frame.locator(".h5p-content *").count() > 3, activity.title
    assert not page.evaluate(
        "[...document.querySelectorAll('[data-status]')].map(s => s.textContent).join('')"
    )


def test_the_learner_resumes_where_they_left_the_exercise(
    phone, live_server, course_tree, learner, h5p_storage
):
    lesson, package, activity = place_package(course_tree, "H5P.MultiChoice.h5p")
    enrolment_create(learner=learner, course=course_tree.course)
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(live_server.url + lesson.url)
    content = frame_of(page, activity)
    content.locator(".h5p-answer").nth(1).click()
    checked = content.locator('.h5p-answer[aria-checked="true"]')
    expect(checked).to_have_count(1)
    # Shown in a new random order each time: the answer is known by its words.
    answer = checked.inner_text()

    def answered():
        # H5P saves on a timer too: wait for the state that holds the answer.
        saved = PackageState.objects.filter(learner=learner, activity=activity).first()
        return saved and re.search(r'answers\\?":\[\d', json.dumps(saved.state))

    assert wait_until(answered, 40), "the chosen answer reached the LMS"

    page.reload()
    content = frame_of(page, activity)
    expect(content.locator('.h5p-answer[aria-checked="true"]')).to_have_text(answer)


def place_scorm(course_tree, version: str, edition: str = "4th"):
    from content_packs.tests.scorm_samples import build_scorm_package

    data = build_scorm_package(version, edition=edition, mastery_score=80)
    return place(course_tree, io.BytesIO(data))


@pytest.mark.parametrize("version, edition", [("1.2", ""), ("2004", "3rd"), ("2004", "4th")])
def test_a_scorm_package_runs_on_scorm_again_records_its_result_and_resumes(
    phone, live_server, course_tree, learner, h5p_storage, settings, version, edition
):
    settings.PACKAGE_MIN_SECONDS = 0
    lesson, package, activity = place_scorm(course_tree, version, edition or "4th")
    assert package.kind == ("scorm12" if version == "1.2" else "scorm2004")
    enrolment_create(learner=learner, course=course_tree.course)
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(live_server.url + lesson.url)
    sco = frame_of(page, activity)
    expect(sco.locator("#status")).to_have_text("ready", timeout=20_000)
    expect(sco.locator("#location")).to_have_text("")
    sco.locator("#page2").click()
    attempt = wait_until(
        lambda: ScormAttempt.objects.filter(
            learner=learner, activity=activity, cmi__suspend_data="answered:2"
        ).first(),
        20,
    )
    assert attempt is not None, "the commit reached the LMS"
    sco.locator("#pass").click()
    summary = wait_until(
        lambda: ActivityProgress.objects.filter(
            learner=learner, activity=activity, status=ActivityProgress.Status.COMPLETED
        ).first(),
        20,
    )
    assert summary is not None, "passed with 90 against a mastery of 80"
    assert (summary.score, summary.max_score, summary.passed) == (90, 100, True)
    sco.locator("#finish").click()
    assert wait_until(
        lambda: (
            ScormAttempt.objects.get(pk=attempt.pk).cmi.get("core", {}).get("exit") == "suspend"
            or ScormAttempt.objects.get(pk=attempt.pk).cmi.get("exit") == "suspend"
        ),
        20,
    )
    assert (
        "Initialize" in sco.locator("#log").inner_text()
        or "LMSInitialize" in sco.locator("#log").inner_text()
    )

    page.reload()
    sco = frame_of(page, activity)
    expect(sco.locator("#status")).to_have_text("ready", timeout=20_000)
    expect(sco.locator("#location")).to_have_text("page-2")
    expect(sco.locator("#suspend")).to_have_text("answered:2")


def test_a_failed_scorm_attempt_does_not_complete(
    phone, live_server, course_tree, learner, h5p_storage, settings
):
    settings.PACKAGE_MIN_SECONDS = 0
    lesson, package, activity = place_scorm(course_tree, "2004")
    enrolment_create(learner=learner, course=course_tree.course)
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(live_server.url + lesson.url)
    sco = frame_of(page, activity)
    expect(sco.locator("#status")).to_have_text("ready", timeout=20_000)
    sco.locator("#fail").click()
    attempt = wait_until(
        lambda: ScormAttempt.objects.filter(
            learner=learner, activity=activity, success_status="failed"
        ).first(),
        20,
    )
    assert attempt is not None
    summary = ActivityProgress.objects.get(learner=learner, activity=activity)
    assert summary.status != ActivityProgress.Status.COMPLETED and summary.passed is False


JOB_DONE = "(document.querySelector('[data-pack-job]') || {dataset: {}}).dataset.state === 'done'"


def test_a_trainer_exports_a_course_and_an_admin_imports_it_with_progress_shown_live(
    phone, live_server, course_tree, trainer, h5p_storage, celery_worker, tmp_path
):
    from django.contrib.auth import get_user_model

    from content_packs.models import PackJob

    place_package(course_tree, "H5P.Accordion.h5p")
    log_in(phone, live_server, trainer)
    page = phone.new_page()
    page.goto(f"{live_server.url}/admin/pages/{course_tree.course.pk}/edit/")
    # In the page's actions menu.
    page.get_by_role("button", name="Thao tác").first.click()
    page.get_by_role("link", name="Xuất gói khóa học").click()
    page.get_by_role("button", name="Xuất gói", exact=True).click()
    wait_for(page, JOB_DONE, 60)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải gói về").click()
    pack = tmp_path / "khoa-hoc.lmspack"
    download.value.save_as(pack)
    assert pack.stat().st_size > 100_000

    admin = get_user_model().objects.create_superuser("quantri", password="Mat-khau-2025")
    phone.clear_cookies()
    log_in(phone, live_server, admin)
    page.goto(f"{live_server.url}/admin/course-packs/")
    page.get_by_label("Tệp gói khóa học (.lmspack)").set_input_files(str(pack))
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    wait_for(page, JOB_DONE, 60)
    expect(page.get_by_role("link", name="Mở khóa học")).to_be_visible()
    job = PackJob.objects.get(kind=PackJob.Kind.IMPORT)
    assert job.course_id == course_tree.course.pk and job.done_bytes > 0


def test_answers_given_while_the_link_is_down_arrive_when_it_returns(
    phone, live_server, course_tree, learner, h5p_storage
):
    lesson, package, activity = place_package(course_tree, "H5P.TrueFalse.h5p")
    enrolment_create(learner=learner, course=course_tree.course)
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(live_server.url + lesson.url)
    content = frame_of(page, activity)
    expect(content.locator(".h5p-true-false-answer").first).to_be_visible(timeout=20_000)
    page.route("**/api/packages/*/xapi", lambda route: route.abort("internetdisconnected"))
    content.locator(".h5p-true-false-answer").first.click()
    content.get_by_role("button", name="Check").click()
    assert not wait_until(lambda: Statement.objects.filter(learner=learner).exists(), 3)
    assert page.evaluate("localStorage.getItem('lms-package-outbox')").count("answered") >= 1
    page.unroute("**/api/packages/*/xapi")
    assert wait_until(
        lambda: Statement.objects.filter(learner=learner, verb__endswith="/answered").exists(), 30
    ), "kept and sent again once the link is back"
