import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.kind import QUIZ, QUIZ_PASSED
from assessments.models import Attempt, Response
from assessments.services import (
    attempt_close_expired,
    attempt_start,
    attempt_submit,
    response_save,
)
from courses.models import Activity, ActivityProgress, CompletionCriterion, CourseProgress
from courses.services.enrolment import enrolment_create
from courses.services.errors import Conflict, NotAvailable, ServiceError
from tests.factories import finished

from .factories import bank, make_quiz


def right_answer(question, entry) -> dict[str, list[str]]:
    """The form data of a fully right answer to ``question`` as the attempt showed it."""
    options = list(question.options.order_by("sort_order"))
    qtype = question.qtype
    if qtype == "single":
        return {"option": [str(next(o.pk for o in options if o.is_correct))]}
    if qtype == "multiple":
        return {"option": [str(o.pk) for o in options if o.is_correct]}
    if qtype == "truefalse":
        return {"value": ["true" if question.true_false_answer else "false"]}
    if qtype in ("short", "numeric"):
        return {"text" if qtype == "short" else "value": [options[0].text]}
    if qtype == "matching":
        return {f"pair-{left}": [str(entry["r"].index(left))] for left in entry["o"]}
    if qtype == "ordering":
        return {"order": [str(entry["o"].index(o.pk)) for o in options]}
    if qtype == "blanks":
        return {f"blank-{o.blank}": [o.text] for o in options}
    raise AssertionError(qtype)


def answer_all(learner, attempt, *, wrong=()):
    for entry in attempt.layout:
        question = next(q for q in QUESTIONS.values() if q.pk == entry["q"])
        data = {} if question.qtype in wrong else right_answer(question, entry)
        response_save(learner=learner, attempt_id=attempt.pk, question_id=question.pk, data=data)


QUESTIONS: dict = {}


@pytest.fixture
def questions(course_tree):
    QUESTIONS.clear()
    QUESTIONS.update(bank(course_tree.course))
    return QUESTIONS


@pytest.fixture
def quiz(course_tree, questions):
    return make_quiz(course_tree.course, list(questions.values()), attempts_allowed=3)


@pytest.fixture
def enrolled(learner, course_tree):
    enrolment_create(learner=learner, course=course_tree.course)
    return learner


def test_a_published_quiz_is_an_activity_of_its_course_and_leaves_it_unpublished(quiz):
    activity = Activity.objects.get(kind=QUIZ, source_ref=str(quiz.pk))
    assert activity.is_active and activity.course_id == quiz.course_id
    quiz.published = False
    quiz.save()
    activity.refresh_from_db()
    assert not activity.is_active


def test_every_type_answered_right_scores_full_marks_and_passes(quiz, enrolled):
    attempt = attempt_start(learner=enrolled, quiz=quiz)
    assert len(attempt.layout) == 8
    answer_all(enrolled, attempt)
    attempt = attempt_submit(learner=enrolled, attempt_id=attempt.pk, token=uuid.uuid4())
    assert attempt.state == Attempt.State.GRADED
    assert (attempt.score, attempt.max_score) == (8, 8)
    summary = ActivityProgress.objects.get(learner=enrolled, activity__kind=QUIZ)
    assert summary.passed and summary.score == 100
    assert summary.status == ActivityProgress.Status.COMPLETED


def test_unanswered_questions_score_nothing_and_the_grade_reaches_the_course(
    quiz, enrolled, course_tree
):
    CompletionCriterion.objects.create(
        course=course_tree.course,
        criterion=QUIZ_PASSED,
        activity=Activity.objects.get(kind=QUIZ),
        threshold=70,
    )
    finished(enrolled, *[a for a in course_tree.activities if a.required])
    attempt = attempt_start(learner=enrolled, quiz=quiz)
    answer_all(enrolled, attempt, wrong={"matching", "ordering", "blanks"})
    attempt = attempt_submit(learner=enrolled, attempt_id=attempt.pk)
    assert attempt.score == 5 and attempt.percent == 62.5
    progress = CourseProgress.objects.get()
    assert progress.completed_at is None, "62.5 % is below the 70 % the course requires"
    assert Response.objects.filter(attempt=attempt).count() == 8, "blank answers are rows too"

    second = attempt_start(learner=enrolled, quiz=quiz)
    answer_all(enrolled, second)
    attempt_submit(learner=enrolled, attempt_id=second.pk)
    progress.refresh_from_db()
    assert progress.completed_at is not None


def test_starting_again_resumes_the_same_attempt_with_the_same_layout(quiz, enrolled):
    quiz.shuffle_questions = True
    quiz.save()
    first = attempt_start(learner=enrolled, quiz=quiz)
    again = attempt_start(learner=enrolled, quiz=quiz)
    assert again.pk == first.pk and again.layout == first.layout


def test_a_double_submit_grades_once(quiz, enrolled):
    attempt = attempt_start(learner=enrolled, quiz=quiz)
    answer_all(enrolled, attempt)
    token = uuid.uuid4()
    first = attempt_submit(learner=enrolled, attempt_id=attempt.pk, token=token)
    again = attempt_submit(learner=enrolled, attempt_id=attempt.pk, token=token)
    assert again.submitted_at == first.submitted_at and again.submit_token == token
    summary = ActivityProgress.objects.get(learner=enrolled, activity__kind=QUIZ)
    assert summary.learner.progress_events.filter(activity__kind=QUIZ).count() == 1


def test_answers_after_submission_are_refused_and_change_nothing(quiz, enrolled, questions):
    attempt = attempt_start(learner=enrolled, quiz=quiz)
    attempt_submit(learner=enrolled, attempt_id=attempt.pk)
    single = questions["single"]
    with pytest.raises(Conflict):
        response_save(
            learner=enrolled,
            attempt_id=attempt.pk,
            question_id=single.pk,
            data={"option": [str(single.options.first().pk)]},
        )
    assert Response.objects.get(attempt=attempt, question=single).answer == {}


def test_tampered_answers_are_refused(quiz, enrolled, questions, course_tree, other_learner):
    attempt = attempt_start(learner=enrolled, quiz=quiz)
    single, multiple = questions["single"], questions["multiple"]
    foreign_option = multiple.options.first().pk
    cases = [
        (single.pk, {"option": [str(foreign_option)]}, "answer"),
        (single.pk, {"option": ["x"]}, "answer"),
        (questions["ordering"].pk, {"order": ["0", "0", "1"]}, "answer"),
        (
            questions["matching"].pk,
            {f"pair-{questions['matching'].options.first().pk}": ["9"]},
            "answer",
        ),
        (questions["short"].pk, {"text": ["a" * 501]}, "answer"),
        (questions["short"].pk, {"text": ["Slao\x00"]}, "answer"),
        (questions["numeric"].pk, {"value": ["nan"]}, "answer"),
        (999999, {"option": ["1"]}, "question"),
    ]
    for question_id, data, code in cases:
        with pytest.raises(ServiceError) as refused:
            response_save(
                learner=enrolled, attempt_id=attempt.pk, question_id=question_id, data=data
            )
        assert refused.value.code == code, (question_id, data)
    with pytest.raises(NotAvailable):
        response_save(
            learner=other_learner,
            attempt_id=attempt.pk,
            question_id=single.pk,
            data={"option": [str(single.options.first().pk)]},
        )
    with pytest.raises(NotAvailable):
        attempt_submit(learner=other_learner, attempt_id=attempt.pk)
    assert not Response.objects.exists()


def test_no_attempt_beyond_the_allowed_number(quiz, enrolled):
    quiz.attempts_allowed = 1
    quiz.save()
    attempt = attempt_start(learner=enrolled, quiz=quiz)
    attempt_submit(learner=enrolled, attempt_id=attempt.pk)
    with pytest.raises(Conflict) as refused:
        attempt_start(learner=enrolled, quiz=quiz)
    assert refused.value.code == "no_attempts_left"
    assert Attempt.objects.count() == 1


def test_a_closed_or_not_yet_open_quiz_cannot_be_started(quiz, enrolled):
    now = timezone.now()
    quiz.open_at = now + timedelta(hours=1)
    quiz.save()
    with pytest.raises(Conflict, match="chưa mở"):
        attempt_start(learner=enrolled, quiz=quiz)
    quiz.open_at, quiz.close_at = now - timedelta(hours=2), now - timedelta(hours=1)
    quiz.save()
    with pytest.raises(Conflict, match="đã đóng"):
        attempt_start(learner=enrolled, quiz=quiz)
    assert not Attempt.objects.exists()


def test_time_up_refuses_answers_and_grades_what_was_saved(quiz, enrolled, questions):
    quiz.time_limit_minutes = 10
    quiz.save()
    start = timezone.now() - timedelta(minutes=11)
    attempt = attempt_start(learner=enrolled, quiz=quiz, now=start)
    single = questions["single"]
    entry = next(e for e in attempt.layout if e["q"] == single.pk)
    response_save(
        learner=enrolled,
        attempt_id=attempt.pk,
        question_id=single.pk,
        data=right_answer(single, entry),
        now=start + timedelta(minutes=5),
    )
    truefalse = questions["truefalse"]
    with pytest.raises(Conflict) as refused:
        response_save(
            learner=enrolled,
            attempt_id=attempt.pk,
            question_id=truefalse.pk,
            data={"value": ["true"]},
        )
    assert refused.value.code == "time_up"
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.GRADED and attempt.closed_by == "timeout"
    assert attempt.score == 1, "only the answer saved in time counts"


def test_the_sweep_closes_attempts_whose_time_ran_out(quiz, enrolled):
    quiz.time_limit_minutes = 5
    quiz.save()
    attempt_start(learner=enrolled, quiz=quiz, now=timezone.now() - timedelta(minutes=6))
    assert attempt_close_expired() == 1
    assert Attempt.objects.get().state == Attempt.State.GRADED
    assert attempt_close_expired() == 0


@pytest.mark.parametrize(
    "method, expected", [("highest", 100), ("last", 50), ("first", 50), ("average", 66.67)]
)
def test_grading_methods(quiz, enrolled, questions, method, expected):
    quiz.grading_method = method
    quiz.pass_percent = 60
    quiz.save()
    half = {"matching", "ordering", "blanks", "numeric"}
    for wrong in (half, set(), half):
        attempt = attempt_start(learner=enrolled, quiz=quiz)
        answer_all(enrolled, attempt, wrong=wrong)
        attempt_submit(learner=enrolled, attempt_id=attempt.pk)
    summary = ActivityProgress.objects.get(learner=enrolled, activity__kind=QUIZ)
    assert summary.score == expected
    assert summary.passed is (expected >= 60)


def test_a_learner_not_enrolled_keeps_the_grade_out_of_the_pipeline(quiz, learner):
    attempt = attempt_start(learner=learner, quiz=quiz)
    attempt_submit(learner=learner, attempt_id=attempt.pk)
    assert not ActivityProgress.objects.filter(activity__kind=QUIZ).exists()


def test_a_start_after_the_quiz_changed_draws_from_the_changed_bank(
    quiz, enrolled, other_learner, course_tree, questions, django_capture_on_commit_callbacks
):
    from assessments.models import QuizSlot

    first = attempt_start(learner=enrolled, quiz=quiz)
    assert len(first.layout) == 8
    with django_capture_on_commit_callbacks(execute=True):
        QuizSlot.objects.filter(quiz=quiz, question=questions["blanks"]).delete()
    enrolment_create(learner=other_learner, course=course_tree.course)
    second = attempt_start(learner=other_learner, quiz=quiz)
    assert len(second.layout) == 7
    assert questions["blanks"].pk not in [e["q"] for e in second.layout]
