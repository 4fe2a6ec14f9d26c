"""The trainer's side: gradebook and export, overrides with history, item statistics,
regrade after a fix, and the bank import — each only on the courses they teach."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from assessments.models import Attempt, GradeChange, Question, QuestionOption, Response
from assessments.services import attempt_start, attempt_submit, response_mark
from courses.models import ActivityProgress
from courses.services.enrolment import enrolment_create
from lms.errors import Conflict, NotAvailable, ServiceError
from tests.factories import build_course

from .factories import bank, make_quiz
from .test_services import QUESTIONS, answer_all


@pytest.fixture
def questions(course_tree):
    QUESTIONS.clear()
    QUESTIONS.update(bank(course_tree.course))
    return QUESTIONS


@pytest.fixture
def quiz(course_tree, questions):
    return make_quiz(course_tree.course, list(questions.values()), attempts_allowed=3)


@pytest.fixture
def stranger(make_trainer):
    user = make_trainer("stranger")
    build_course(trainer=user, title="An toàn thông tin", slug="an-toan")
    return user


def take(learner, quiz, wrong=()):
    attempt = attempt_start(learner=learner, quiz=quiz)
    answer_all(learner, attempt, wrong=set(wrong))
    return attempt_submit(learner=learner, attempt_id=attempt.pk)


@pytest.fixture
def graded(quiz, course_tree, make_learner):
    """Three learners: all right, half right, and one whose name looks like a formula."""
    learners = [
        make_learner("anh"),
        make_learner("binh"),
        make_learner("cuong", full_name='=HYPERLINK("http://x")'),
    ]
    for learner in learners:
        enrolment_create(learner=learner, course=course_tree.course)
    take(learners[0], quiz)
    take(learners[1], quiz, wrong={"matching", "ordering", "blanks", "numeric"})
    take(learners[2], quiz, wrong=set(QUESTIONS) - {"single"})
    return learners


def test_the_gradebook_lists_each_learners_grade_and_exports_safely(
    client, trainer, quiz, graded, course_tree
):
    client.force_login(trainer)
    url = f"/admin/my-courses/{course_tree.course.pk}/gradebook/"
    html = client.get(url).content.decode()
    assert "100,0 %" in html or "100.0 %" in html
    assert "50,0 %" in html or "50.0 %" in html
    csv_text = client.get(url + "?format=csv").content.decode("utf-8-sig")
    assert "Kiểm tra chào hỏi" in csv_text.splitlines()[0]
    assert "'=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text
    workbook = load_workbook(io.BytesIO(client.get(url + "?format=xlsx").content))
    values = [c.value for row in workbook.active.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x")' in values and "100,0" in values


def test_another_trainer_sees_no_gradebook_attempt_or_statistics(
    client, stranger, quiz, graded, course_tree
):
    client.force_login(stranger)
    attempt = Attempt.objects.first()
    for url in (
        f"/admin/my-courses/{course_tree.course.pk}/gradebook/",
        f"/admin/quiz-attempts/{attempt.pk}/",
        f"/admin/quizzes/{quiz.pk}/statistics/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"response": 1, "score": 0, "reason": "x"}).status_code == 404
    with pytest.raises(NotAvailable):
        response_mark(by=stranger, response_id=Response.objects.first().pk, score=0, reason="x")
    assert not GradeChange.objects.exists()


def test_an_override_keeps_its_history_and_moves_the_grade(client, trainer, quiz, graded):
    second = Attempt.objects.get(learner=graded[1])
    matching = Response.objects.get(attempt=second, question__qtype="matching")
    client.force_login(trainer)
    page = client.get(f"/admin/quiz-attempts/{second.pk}/").content.decode()
    assert "Ghép từ với nghĩa." in page
    client.post(
        f"/admin/quiz-attempts/{second.pk}/",
        {"response": matching.pk, "score": "1", "reason": "Ghép đúng ý, sai chính tả"},
    )
    second.refresh_from_db()
    assert second.score == 5
    change = GradeChange.objects.get()
    assert (change.old_score, change.new_score, change.changed_by) == (0, 1, trainer)
    summary = ActivityProgress.objects.get(learner=graded[1], activity__kind="quiz")
    assert summary.score == 62.5
    for score, reason in ((2, "quá điểm"), (-1, "âm"), (1, "")):
        with pytest.raises(ServiceError):
            response_mark(by=trainer, response_id=matching.pk, score=score, reason=reason)
    assert GradeChange.objects.count() == 1


def test_no_grading_of_an_attempt_still_in_progress(trainer, quiz, course_tree, learner):
    enrolment_create(learner=learner, course=course_tree.course)
    attempt = attempt_start(learner=learner, quiz=quiz)
    answer_all(learner, attempt)
    with pytest.raises(Conflict):
        response_mark(by=trainer, response_id=attempt.responses.first().pk, score=1, reason="sớm")


def test_item_statistics(client, trainer, quiz, graded, questions):
    client.force_login(trainer)
    html = client.get(f"/admin/quizzes/{quiz.pk}/statistics/").content.decode()
    # Everybody got the single-choice question right: easy, and no discrimination.
    from assessments.selectors import item_statistics

    stats = {s.question.qtype: s for s in item_statistics(quiz)}
    assert stats["single"].facility == 100 and stats["single"].discrimination is None
    assert stats["numeric"].facility == pytest.approx(100 / 3)
    assert stats["numeric"].discrimination > 50
    assert ("Đi đâu?", 3, True) in stats["single"].options
    assert "Đi đâu? ✓: 3" in html


def test_a_regrade_after_a_fix_changes_the_scores_but_not_a_persons_grade(
    client, trainer, quiz, graded, questions
):
    numeric = questions["numeric"]
    second = Attempt.objects.get(learner=graded[1])
    override = Response.objects.get(attempt=second, question__qtype="ordering")
    response_mark(by=trainer, response_id=override.pk, score=0.5, reason="gần đúng")
    # The trainer finds that the expected answer was wrong: everybody answered "65".
    QuestionOption.objects.filter(question=numeric).update(text="64")
    client.force_login(trainer)
    client.post(f"/admin/quizzes/{quiz.pk}/statistics/")
    first = Attempt.objects.get(learner=graded[0])
    assert first.score == 7
    second.refresh_from_db()
    assert Response.objects.get(pk=override.pk).score == 0.5
    assert second.score == 4.5


GIFT = """// Chào hỏi tiếng Tày
$CATEGORY: Chào hỏi

::Chào::Người Tày chào nhau thế nào? {=Slao cạ ~Kin khẩu ~Pây lăng}

::Đúng sai::Tày và Nùng dùng chữ Quốc ngữ. {T}

::Số::Lạng Sơn có bao nhiêu xã, phường? {#65}
"""


def test_a_gift_bank_is_imported_whole(client, trainer, course_tree):
    client.force_login(trainer)
    response = client.post(
        "/admin/questions/import/",
        {
            "course": course_tree.course.pk,
            "file": SimpleUploadedFile("bank.gift", GIFT.encode()),
        },
    )
    assert response.status_code == 302
    imported = Question.objects.filter(course=course_tree.course).order_by("pk")
    assert [q.qtype for q in imported] == ["single", "truefalse", "numeric"]
    assert imported[0].category.name == "Chào hỏi"
    assert imported[0].options.get(is_correct=True).text == "Slao cạ"


def test_a_bank_with_a_broken_question_imports_nothing_and_says_where(client, trainer, course_tree):
    broken = GIFT + "\n::Hỏng::Câu này thiếu ngoặc {=a ~b\n"
    client.force_login(trainer)
    html = client.post(
        "/admin/questions/import/",
        {
            "course": course_tree.course.pk,
            "file": SimpleUploadedFile("bank.gift", broken.encode()),
        },
    ).content.decode()
    assert "Không nhập câu hỏi nào" in html and "Dòng 10" in html
    assert not Question.objects.exists()


def test_xml_with_entities_is_refused(client, trainer, course_tree):
    xml = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<quiz><question type="truefalse"><name><text>&x;</text></name></question></quiz>"""
    client.force_login(trainer)
    html = client.post(
        "/admin/questions/import/",
        {"course": course_tree.course.pk, "file": SimpleUploadedFile("bank.xml", xml)},
    ).content.decode()
    assert "Không nhập câu hỏi nào" in html and "root:" not in html
    assert not Question.objects.exists()


def test_no_import_into_a_course_one_does_not_teach(client, stranger, course_tree):
    client.force_login(stranger)
    response = client.post(
        "/admin/questions/import/",
        {
            "course": course_tree.course.pk,
            "file": SimpleUploadedFile("bank.gift", GIFT.encode()),
        },
    )
    assert response.status_code == 200, "the form says the course is not a valid choice"
    assert not Question.objects.exists()


def test_my_courses_links_the_gradebook(client, trainer, quiz, course_tree):
    client.force_login(trainer)
    html = client.get("/admin/my-courses/").content.decode()
    assert f"/admin/my-courses/{course_tree.course.pk}/gradebook/" in html
    assert f"/admin/quizzes/{quiz.pk}/statistics/" in html
