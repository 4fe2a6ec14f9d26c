"""A quiz on a phone in a real browser: a learner answers half, the tab is closed, the
attempt is resumed in a fresh browser (another device), submitted, and the course's
progress shows the result. An answer given while the link is down is kept and sent
when it is back."""

import pytest
from playwright.sync_api import expect

from assessments.models import Attempt, Response
from assessments.tests.factories import bank, make_quiz
from courses.models import ActivityProgress, CourseProgress
from courses.services.enrolment import enrolment_create
from tests.conftest import BROWSER_TEST
from tests.factories import build_course
from tests.test_browser_flow import log_in, wait_until

pytestmark = BROWSER_TEST


@pytest.fixture
def quiz_setup(celery_queue, trainer, learner):
    tree = build_course(trainer=trainer, lesson_min_seconds=0)
    questions = bank(tree.course)
    picked = [questions[k] for k in ("single", "truefalse", "short", "numeric")]
    quiz = make_quiz(tree.course, picked, module=tree.modules[1], shuffle_options=False)
    enrolment_create(learner=learner, course=tree.course)
    return tree, quiz, questions


def saved_answers(attempt_id) -> int:
    return Response.objects.filter(attempt_id=attempt_id).count()


def test_a_quiz_resumed_on_another_device_is_graded_into_the_course(
    phone, desktop, live_server, quiz_setup, learner
):
    tree, quiz, questions = quiz_setup
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(tree.course.url)
    page.get_by_role("link", name=quiz.title).first.click()
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    attempt = Attempt.objects.get()
    expect(page.get_by_text("Câu 1")).to_be_visible()

    # Half the questions, each saved as it is given.
    page.get_by_label("Đi đâu?").check()
    page.locator("form.question").nth(1).get_by_label("Đúng").check()
    assert wait_until(lambda: saved_answers(attempt.pk) == 2, 10)
    expect(page.locator("form.question").nth(1).locator(".save-status")).to_contain_text(
        "Đã lưu lúc"
    )
    page.close()

    # Another device: the same attempt, with the two answers in place.
    log_in(desktop, live_server, learner)
    other = desktop.new_page()
    other.goto(f"/quiz/{quiz.pk}/")
    other.get_by_role("link", name="Làm tiếp bài đang làm").click()
    expect(other.get_by_label("Đi đâu?")).to_be_checked()
    other.get_by_label("Câu trả lời", exact=True).fill("slao ca")
    other.get_by_label("Câu trả lời (số)").fill("65")
    assert wait_until(lambda: saved_answers(attempt.pk) == 4, 10)
    other.get_by_role("button", name="Nộp bài").click()
    expect(other.locator(".score")).to_contain_text("4/4")
    expect(other.locator(".score")).to_contain_text("✓ Đạt")

    summary = ActivityProgress.objects.get(learner=learner, activity__kind="quiz")
    assert summary.passed and summary.status == ActivityProgress.Status.COMPLETED
    other.get_by_role("link", name="Về khóa học").click()
    progress = CourseProgress.objects.get()
    assert progress.required_done == 1
    expect(other.locator(".kind-quiz .done, .kind-quiz.done").first).to_be_visible()


def test_an_answer_given_offline_is_sent_when_the_link_is_back(
    phone, live_server, quiz_setup, learner
):
    tree, quiz, questions = quiz_setup
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(f"/quiz/{quiz.pk}/")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    attempt = Attempt.objects.get()
    # The page and its scripts are in; then the link drops.
    page.wait_for_load_state("load")
    phone.set_offline(True)
    page.get_by_label("Đi đâu?").check()
    expect(page.locator("form.question").first.locator(".save-status")).to_contain_text(
        "Chưa lưu được"
    )
    assert saved_answers(attempt.pk) == 0
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    assert wait_until(lambda: saved_answers(attempt.pk) == 1, 10)


def test_an_answer_given_before_the_scripts_arrived_is_still_saved(
    phone, live_server, quiz_setup, learner
):
    tree, quiz, questions = quiz_setup
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(f"/quiz/{quiz.pk}/")
    held = []
    # A slow link: the quiz script arrives only after the learner has already answered.
    page.route("**/js/quiz.*", lambda route: held.append(route))
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    attempt = Attempt.objects.get()
    page.get_by_label("Đi đâu?").check()
    assert wait_until(lambda: held, 10)
    assert saved_answers(attempt.pk) == 0
    held[0].continue_()
    assert wait_until(lambda: saved_answers(attempt.pk) == 1, 10)
