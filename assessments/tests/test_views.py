import json
import re
import uuid

import pytest
from django.urls import reverse

from assessments.models import Attempt, Response
from courses.models import Activity, ActivityProgress
from courses.services.enrolment import enrolment_create

from .factories import bank, make_quiz
from .test_services import right_answer

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def questions(course_tree):
    return bank(course_tree.course)


@pytest.fixture
def quiz(course_tree, questions):
    return make_quiz(course_tree.course, list(questions.values()), attempts_allowed=2)


@pytest.fixture
def learner_client(client, learner, course_tree):
    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    return client


def start(client, quiz) -> Attempt:
    response = client.post(reverse("assessments:start", args=[quiz.pk]))
    assert response.status_code == 302
    return Attempt.objects.get(pk=response.url.split("/")[-2])


def test_only_enrolled_learners_see_and_start_a_quiz(client, quiz, learner, other_learner):
    client.force_login(other_learner)
    assert client.get(reverse("assessments:quiz", args=[quiz.pk])).status_code == 404
    assert client.post(reverse("assessments:start", args=[quiz.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("assessments:quiz", args=[quiz.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not Attempt.objects.exists()


def test_the_attempt_page_never_holds_the_answers(learner_client, quiz, questions):
    attempt = start(learner_client, quiz)
    html = learner_client.get(reverse("assessments:attempt", args=[attempt.pk])).content.decode()
    assert "“Pây lăng?” nghĩa là gì?" in html
    # Neither the per-option feedback, nor an accepted answer, nor a pre-ticked choice.
    for secret in (
        "Đúng rồi.",
        "Kin khẩu dá?”.",
        'value="65"',
        'value="cạ"',
        'value="lăng"',
        "checked",
    ):
        assert secret not in html, secret
    # Matching targets are shown by position in this attempt's shuffle, never by the id
    # that would pair them with their left-hand side.
    matching = questions["matching"]
    for option in matching.options.all():
        select = re.search(rf'name="pair-{option.pk}".*?</select>', html, re.S).group(0)
        assert set(re.findall(r'<option value="([^"]*)"', select)) == {"", "0", "1", "2"}


def test_autosave_answers_with_a_status_line_and_refuses_tampering(learner_client, quiz, questions):
    attempt = start(learner_client, quiz)
    single = questions["single"]
    url = reverse("assessments:answer", args=[attempt.pk, single.pk])
    entry = next(e for e in attempt.layout if e["q"] == single.pk)
    saved = learner_client.post(url, right_answer(single, entry), **HTMX)
    assert saved.status_code == 200 and "Đã lưu lúc" in saved.content.decode()
    foreign = questions["multiple"].options.first().pk
    refused = learner_client.post(url, {"option": foreign}, **HTMX)
    assert refused.status_code == 400
    assert "không thuộc câu hỏi này" in refused.content.decode()
    right = int(right_answer(single, entry)["option"][0])
    assert Response.objects.get().answer == {"option": right}, "the refused post changed nothing"


def test_another_learners_attempt_does_not_exist(client, quiz, learner_client, other_learner):
    attempt = start(learner_client, quiz)
    client.force_login(other_learner)
    single = attempt.layout[0]["q"]
    for response in (
        client.get(reverse("assessments:attempt", args=[attempt.pk])),
        client.get(reverse("assessments:result", args=[attempt.pk])),
        client.post(reverse("assessments:answer", args=[attempt.pk, single]), {}, **HTMX),
        client.post(reverse("assessments:submit", args=[attempt.pk]), {}),
    ):
        assert response.status_code == 404
    assert Attempt.objects.get().is_open


def test_submit_twice_then_the_result_page(learner_client, quiz):
    attempt = start(learner_client, quiz)
    token = str(uuid.uuid4())
    url = reverse("assessments:submit", args=[attempt.pk])
    first = learner_client.post(url, {"token": token})
    second = learner_client.post(url, {"token": token})
    assert first.url == second.url == reverse("assessments:result", args=[attempt.pk])
    html = learner_client.get(first.url).content.decode()
    assert "0/8" in html and "Chưa đạt" in html
    assert Attempt.objects.get().state == Attempt.State.GRADED


def test_the_browser_cannot_report_a_quiz_score(learner_client, quiz, learner):
    activity = Activity.objects.get(kind="quiz")
    body = {
        "learner": learner.pk,
        "events": [
            {
                "id": str(uuid.uuid4()),
                "activity": str(activity.pk),
                "verb": verb,
                "occurred_at": "2026-11-30T10:00:00+07:00",
                "payload": {"score": 100, "max": 100, "passed": True},
            }
            for verb in ("scored", "completed")
        ],
    }
    response = learner_client.post(
        reverse("progress-events"), json.dumps(body), content_type="application/json"
    )
    assert [e["status"] for e in response.json()["events"]] == ["refused", "refused"]
    assert not ActivityProgress.objects.filter(activity=activity).exists()


def test_the_quiz_shows_in_the_course_outline(learner_client, quiz, course_tree):
    html = learner_client.get(course_tree.course.url).content.decode()
    assert quiz.title in html and reverse("assessments:quiz", args=[quiz.pk]) in html


def test_a_quiz_block_in_a_lesson_shows_its_card_and_a_foreign_quiz_shows_nothing(
    learner_client, quiz, course_tree, make_trainer
):
    from tests.factories import build_course

    other_course = build_course(trainer=make_trainer("khac"), title="Khác", slug="khac").course
    foreign = make_quiz(other_course, [], title="Bài của khóa khác")
    lesson = course_tree.lessons[0]
    lesson.body = [
        {"type": "quiz", "value": {"quiz": quiz.pk, "note": "Làm sau khi học xong"}},
        {"type": "quiz", "value": {"quiz": foreign.pk, "note": ""}},
    ]
    lesson.save_revision().publish()
    html = learner_client.get(lesson.url).content.decode()
    assert "Làm sau khi học xong" in html
    assert reverse("assessments:quiz", args=[quiz.pk]) in html
    assert "Bài của khóa khác" not in html


def test_the_quiz_is_where_learning_continues_and_counts_in_my_learning(
    learner_client, quiz, course_tree, learner
):
    from tests.factories import finished

    finished(learner, *[a for a in course_tree.activities if a.required])
    course_html = learner_client.get(course_tree.course.url).content.decode()
    quiz_url = reverse("assessments:quiz", args=[quiz.pk])
    assert f'href="{quiz_url}">Học tiếp: {quiz.title}' in course_html
    my_learning = learner_client.get("/my-learning/").content.decode()
    assert "3/4" in my_learning
