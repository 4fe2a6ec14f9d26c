"""A trainer authors the bank and quizzes of their own courses, and nobody else's."""

import pytest

from assessments.models import Question, Quiz
from tests.factories import build_course

from .factories import bank, make_quiz


@pytest.fixture
def questions(course_tree):
    return bank(course_tree.course)


@pytest.fixture
def quiz(course_tree, questions):
    return make_quiz(course_tree.course, list(questions.values()))


@pytest.fixture
def stranger(make_trainer):
    """A trainer of another course."""
    user = make_trainer("stranger")
    build_course(trainer=user, title="An toàn thông tin", slug="an-toan")
    return user


def test_the_courses_trainer_lists_edits_and_previews_its_questions(client, trainer, questions):
    client.force_login(trainer)
    listing = client.get("/admin/snippets/assessments/question/").content.decode()
    assert "“Pây lăng?” nghĩa là gì?" in listing
    single = questions["single"]
    assert client.get(f"/admin/snippets/assessments/question/edit/{single.pk}/").status_code == 200


def test_a_trainer_of_another_course_meets_nothing(client, stranger, quiz, questions):
    client.force_login(stranger)
    single = questions["single"]
    listing = client.get("/admin/snippets/assessments/question/").content.decode()
    assert "Pây lăng" not in listing
    assert quiz.title not in client.get("/admin/snippets/assessments/quiz/").content.decode()
    for url in (
        f"/admin/snippets/assessments/question/edit/{single.pk}/",
        f"/admin/snippets/assessments/question/delete/{single.pk}/",
        f"/admin/snippets/assessments/question/history/{single.pk}/",
        f"/admin/snippets/assessments/question/usage/{single.pk}/",
        f"/admin/snippets/assessments/quiz/edit/{quiz.pk}/",
        f"/admin/snippets/assessments/quiz/delete/{quiz.pk}/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"title": "x"}).status_code == 404, url
    chooser = client.get("/admin/snippets/choose/assessments/quiz/").content.decode()
    assert quiz.title not in chooser
    bulk = client.post(
        f"/admin/bulk/assessments/question/delete/?id={single.pk}",
        {"next": "/admin/"},
    )
    assert bulk.status_code in (200, 302, 403)
    assert Question.objects.filter(pk=single.pk).exists()
    assert Quiz.objects.filter(pk=quiz.pk, title="Kiểm tra chào hỏi").exists()


def test_a_question_cannot_be_created_in_a_course_one_does_not_teach(client, stranger, course_tree):
    client.force_login(stranger)
    response = client.post(
        "/admin/snippets/assessments/question/add/",
        {
            "course": course_tree.course.pk,
            "qtype": "truefalse",
            "title": "Lạ",
            "text": "Câu lạ",
            "points": "1",
            "tolerance": "0",
            "true_false_answer": "true",
            "options-TOTAL_FORMS": "0",
            "options-INITIAL_FORMS": "0",
            "options-MIN_NUM_FORMS": "0",
            "options-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200, "the form is shown again with its error"
    assert not Question.objects.filter(title="Lạ").exists()


def test_a_learner_has_no_way_into_the_bank(client, learner, questions):
    client.force_login(learner)
    response = client.get("/admin/snippets/assessments/question/")
    assert response.status_code in (302, 403)


def test_the_preview_shows_the_question_as_learners_see_it_and_the_answer(rf, trainer, questions):
    matching = questions["matching"]
    request = rf.get("/")
    request.user = trainer
    html = matching.serve_preview(request, "").render().content.decode()
    assert "Ghép từ với nghĩa." in html and "<select" in html
    assert "Kin → Ăn; Pây → Đi; Nòn → Ngủ" in html


def quiz_form(course, title, slots):
    data = {
        "course": course.pk,
        "title": title,
        "intro": "",
        "published": "on",
        "required": "on",
        "attempts_allowed": "1",
        "grading_method": "highest",
        "pass_percent": "70",
        "shuffle_options": "on",
        "feedback_shown": "after_submit",
        "answers_shown": "after_close",
        "review_after_close": "on",
        "slots-TOTAL_FORMS": str(len(slots)),
        "slots-INITIAL_FORMS": "0",
        "slots-MIN_NUM_FORMS": "0",
        "slots-MAX_NUM_FORMS": "1000",
    }
    for index, question in enumerate(slots):
        data.update(
            {
                f"slots-{index}-question": question.pk,
                f"slots-{index}-category": "",
                f"slots-{index}-draw_count": "1",
                f"slots-{index}-ORDER": str(index + 1),
                f"slots-{index}-id": "",
                f"slots-{index}-DELETE": "",
            }
        )
    return data


def test_a_trainer_builds_a_quiz_from_their_bank_and_never_from_anothers(
    client, trainer, questions, course_tree, make_trainer
):
    client.force_login(trainer)
    picked = [questions["single"], questions["truefalse"]]
    response = client.post(
        "/admin/snippets/assessments/quiz/add/", quiz_form(course_tree.course, "Kiểm tra 1", picked)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    quiz = Quiz.objects.get(title="Kiểm tra 1")
    assert [s.question_id for s in quiz.slots.order_by("sort_order")] == [q.pk for q in picked]

    other = build_course(trainer=make_trainer("khac"), title="Khác", slug="khac").course
    foreign = bank(other)["single"]
    response = client.post(
        "/admin/snippets/assessments/quiz/add/",
        quiz_form(course_tree.course, "Kiểm tra 2", [foreign]),
    )
    assert response.status_code == 200
    assert not Quiz.objects.filter(title="Kiểm tra 2").exists()


def test_every_trainer_screen_opens(client, trainer, quiz, questions, course_tree):
    client.force_login(trainer)
    for url in (
        "/admin/snippets/assessments/question/add/",
        f"/admin/snippets/assessments/question/edit/{questions['matching'].pk}/",
        "/admin/snippets/assessments/quiz/add/",
        f"/admin/snippets/assessments/quiz/edit/{quiz.pk}/",
        "/admin/snippets/assessments/questioncategory/",
        "/admin/questions/import/",
        f"/admin/my-courses/{course_tree.course.pk}/gradebook/",
        f"/admin/quizzes/{quiz.pk}/statistics/",
    ):
        assert client.get(url).status_code == 200, url


def test_a_quiz_cannot_be_placed_in_a_module_of_a_course_one_does_not_teach(
    client, trainer, questions, course_tree, make_trainer
):
    other = build_course(trainer=make_trainer("khac"), title="Khóa khác", slug="khac")
    client.force_login(trainer)
    data = quiz_form(course_tree.course, "Lạc chỗ", [questions["single"]])
    response = client.post(
        "/admin/snippets/assessments/quiz/add/", {**data, "module": other.modules[0].pk}
    )
    assert response.status_code == 200
    assert not Quiz.objects.filter(title="Lạc chỗ").exists()
    response = client.post(
        "/admin/snippets/assessments/quiz/add/",
        {**data, "module": course_tree.modules[1].pk},
    )
    assert response.status_code == 302
    assert Quiz.objects.get(title="Lạc chỗ").module_id == course_tree.modules[1].pk
