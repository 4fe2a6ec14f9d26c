"""A spoken answer in a real browser: a learner on a phone records with a (fake)
microphone and submits; the result says the attempt awaits grading; the trainer listens
and grades by rubric in the admin; the learner's result then shows the score. A
recording made with the link down waits on the phone, survives the tab being closed,
and is sent when the learner is back."""

import pytest
from playwright.sync_api import expect

from assessments.models import Attempt, Recording, Response
from assessments.tests.factories import make_quiz, question
from courses.models import ActivityProgress
from courses.services.enrolment import enrolment_create
from tests.conftest import BROWSER_TEST, CHROMIUM, CHROMIUM_ARGS
from tests.factories import build_course
from tests.test_browser_flow import log_in, wait_until

pytestmark = BROWSER_TEST

# Chromium's own fake microphone (a beep), allowed without asking.
FAKE_MICROPHONE = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
UPLOAD_WAIT_MS = 20_000


@pytest.fixture(scope="module")
def browser(_playwright):
    """This module's Chromium: the suite's, with a fake microphone."""
    browser = _playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + FAKE_MICROPHONE, timeout=30_000
    )
    yield browser
    browser.close()


@pytest.fixture
def spoken_quiz(celery_queue, trainer, learner):
    tree = build_course(trainer=trainer, lesson_min_seconds=0)
    truefalse = question(
        tree.course, "truefalse", "“Kin khẩu” nghĩa là ăn cơm.", true_false_answer=True
    )
    spoken = question(
        tree.course,
        "spoken",
        "Đọc to lời chào: “Slao cạ!”",
        title="Đọc lời chào",
        points=3,
        rubric="Phát âm đúng | 2\nNgữ điệu | 1",
    )
    quiz = make_quiz(tree.course, [truefalse, spoken], module=tree.modules[1])
    enrolment_create(learner=learner, course=tree.course)
    return tree, quiz, spoken


def record(page, seconds: float = 2.5) -> None:
    recorder = page.locator("[data-recorder]")
    recorder.get_by_role("button", name="Ghi âm").click()
    expect(recorder.locator("[data-status]")).to_have_text("Đang ghi âm…")
    page.wait_for_timeout(int(seconds * 1000))
    recorder.get_by_role("button", name="Dừng").click()


def test_a_spoken_answer_is_recorded_graded_by_the_trainer_and_scored(
    phone, desktop, live_server, spoken_quiz, learner, trainer
):
    tree, quiz, spoken = spoken_quiz
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(f"/quiz/{quiz.pk}/")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    # The recorder is ready (its script loaded) before the link may go down.
    expect(page.locator("[data-recorder] [data-record]")).to_be_visible()
    attempt = Attempt.objects.get()
    page.locator("form.question").first.get_by_label("Đúng").check()

    # The first chunk is lost on the way: the recorder tries again by itself.
    lost = {"n": 0}

    def drop_first_chunk(route):
        if route.request.method == "PUT" and not lost["n"]:
            lost["n"] += 1
            route.abort()
        else:
            route.continue_()

    page.route("**/recording/*/upload/", drop_first_chunk)
    record(page)
    status = page.locator("[data-recorder] [data-status]")
    expect(status).to_have_text("Đã lưu bản ghi âm", timeout=UPLOAD_WAIT_MS)
    assert lost["n"] == 1
    recording = Recording.objects.get()
    assert recording.complete and 1.5 < recording.duration_seconds < 4
    assert Response.objects.get(question=spoken).answer == {"recording": str(recording.pk)}
    expect(page.locator("[data-recorder] audio")).to_be_visible()
    assert wait_until(lambda: Response.objects.filter(attempt=attempt).count() == 2, 10)

    page.get_by_role("button", name="Nộp bài").click()
    expect(page.locator(".quiz-result")).to_contain_text("Đang chờ chấm điểm")
    played = page.locator(f'audio[src="/recording/{recording.pk}/audio/"]')
    expect(played).to_have_count(1)
    # The learner's own recording plays back from the result page (with byte ranges).
    duration = played.evaluate(
        """audio => new Promise((resolve) => {
            audio.preload = "metadata";
            audio.addEventListener("loadedmetadata", () => resolve(audio.duration), {once: true});
            audio.addEventListener("error", () => resolve(-1), {once: true});
            audio.load();
        })"""
    )
    # Stored with its length written (a browser's WebM has none): the player knows it.
    assert 1.5 < duration < 4

    log_in(desktop, live_server, trainer)
    admin = desktop.new_page()
    admin.goto("/admin/spoken-answers/")
    admin.get_by_role("link", name="Nghe và chấm").click()
    expect(admin.locator("audio.learner-recording")).to_have_attribute(
        "src", f"/recording/{recording.pk}/audio/"
    )
    admin.get_by_label("Phát âm đúng").fill("2")
    admin.get_by_label("Ngữ điệu").fill("1")
    admin.get_by_label("Nhận xét, lý do").fill("Phát âm rõ ràng, đúng thanh điệu.")
    admin.get_by_role("button", name="Lưu điểm").click()
    expect(admin.get_by_text("Đã chấm câu trả lời bằng giọng nói.")).to_be_visible()
    expect(admin.get_by_text("Không có câu trả lời nào chờ chấm.")).to_be_visible()
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.GRADED

    page.reload()
    expect(page.locator(".score")).to_contain_text("4/4")
    expect(page.locator(".score")).to_contain_text("✓ Đạt")
    summary = ActivityProgress.objects.get(learner=learner, activity__kind="quiz")
    assert summary.passed and summary.status == ActivityProgress.Status.COMPLETED
    # No script was refused by the page's Content-Security-Policy, and none failed.
    assert not [p for p in phone.problems if "Content Security Policy" in p or "page error" in p]


def test_a_recording_made_offline_is_sent_after_the_tab_was_closed(
    phone, live_server, spoken_quiz, learner
):
    tree, quiz, spoken = spoken_quiz
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(f"/quiz/{quiz.pk}/")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    # The recorder is ready (its script loaded) before the link may go down.
    expect(page.locator("[data-recorder] [data-record]")).to_be_visible()
    attempt = Attempt.objects.get()
    attempt_url = page.url

    phone.set_offline(True)
    record(page, 2)
    status = page.locator("[data-recorder] [data-status]")
    expect(status).to_contain_text("Chưa gửi được", timeout=UPLOAD_WAIT_MS)
    assert not Recording.objects.exists()
    page.close()

    phone.set_offline(False)
    again = phone.new_page()
    again.goto(attempt_url)
    expect(again.locator("[data-recorder] [data-status]")).to_have_text(
        "Đã lưu bản ghi âm", timeout=UPLOAD_WAIT_MS
    )
    recording = Recording.objects.get(complete=True)
    assert Response.objects.get(attempt=attempt, question=spoken).answer == {
        "recording": str(recording.pk)
    }
    # The local copy is gone once the server has it: opening the page again sends nothing.
    again.reload()
    expect(again.locator("[data-recorder] [data-status]")).to_have_text("Đã lưu bản ghi âm")
    again.wait_for_timeout(1000)
    assert Recording.objects.count() == 1


def test_submitting_while_the_recording_is_on_its_way_waits_for_it(
    phone, live_server, spoken_quiz, learner
):
    tree, quiz, spoken = spoken_quiz
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(f"/quiz/{quiz.pk}/")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    # The recorder is ready (its script loaded) before the link may go down.
    expect(page.locator("[data-recorder] [data-record]")).to_be_visible()
    attempt = Attempt.objects.get()
    phone.set_offline(True)
    record(page, 2)
    expect(page.locator("[data-recorder] [data-status]")).to_contain_text(
        "Chưa gửi được", timeout=UPLOAD_WAIT_MS
    )
    page.get_by_role("button", name="Nộp bài").click()
    expect(page.locator("form[data-submit]")).to_contain_text("bài sẽ được nộp ngay khi gửi xong")
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.IN_PROGRESS
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator(".quiz-result")).to_contain_text(
        "Đang chờ chấm điểm", timeout=UPLOAD_WAIT_MS
    )
    recording = Recording.objects.get(complete=True)
    assert Response.objects.get(attempt=attempt, question=spoken).answer == {
        "recording": str(recording.pk)
    }


def test_without_a_recorder_the_learner_is_told(phone, live_server, spoken_quiz, learner):
    tree, quiz, spoken = spoken_quiz
    phone.add_init_script("delete window.MediaRecorder;")
    log_in(phone, live_server, learner)
    page = phone.new_page()
    page.goto(f"/quiz/{quiz.pk}/")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    recorder = page.locator("[data-recorder]")
    expect(recorder.locator("[data-status]")).to_contain_text("Trình duyệt này không ghi âm được")
    expect(recorder.get_by_role("button", name="Ghi âm")).to_be_hidden()
