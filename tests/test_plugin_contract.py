"""An app outside courses/ joins the learning loop through the contract alone.

A quiz-like kind with its own fold (the last attempt counts, not the best), its own
evidence (only results the server graded) and its own outline entry; its activity is
registered through the services, and a course requires it passed with 70 %.
"""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from courses.activity_kinds import (
    ActivityKind,
    OutlineEntry,
    fold_default,
    register_kind,
    unregister_kind,
)
from courses.completion import ACTIVITY_PASSED, Criterion, register_criterion
from courses.models import ActivityProgress, CompletionCriterion, CourseProgress, Verb
from courses.services.activities import activity_register, activity_retire
from courses.services.enrolment import enrolment_create
from courses.services.progress import EventIn, progress_events_ingest
from tests.factories import served

KIND = "test-quiz"


def fold_last_attempt(summary, event, ctx):
    fold_default(summary, event, ctx)
    if event.verb == Verb.SCORED:
        summary.score = float(event.payload["score"])
        summary.max_score = float(event.payload["max"])
        summary.passed = summary.score / summary.max_score >= 0.7


def graded_by_the_server(summary, activity, ctx):
    return None if summary.score is not None else "Chưa chấm điểm."


def describe_quizzes(activities):
    return {
        a.pk: OutlineEntry(title=a.title, url=f"/quiz/{a.source_ref}/", icon="quiz", minutes=15)
        for a in activities
    }


@pytest.fixture
def quiz_kind():
    register_kind(
        ActivityKind(
            name=KIND,
            label="Bài kiểm tra",
            verbs=frozenset({Verb.SCORED}),
            fold=fold_last_attempt,
            completes=lambda summary, verb, payload: bool(summary.passed),
            evidence=graded_by_the_server,
            describe=describe_quizzes,
        )
    )
    yield KIND
    unregister_kind(KIND)


@pytest.fixture
def quiz(quiz_kind, course_tree):
    return activity_register(
        course=course_tree.course,
        kind=quiz_kind,
        source_ref="final-1",
        title="Kiểm tra cuối khóa",
        module=course_tree.modules[1],
        position=course_tree.modules[1].path + "~",
    )


def graded(learner, activity, score, at=None):
    return progress_events_ingest(
        learner=learner,
        events=[
            EventIn(
                uuid.uuid4(),
                activity.pk,
                Verb.SCORED,
                at or timezone.now(),
                {"score": score, "max": 10},
            )
        ],
    )


def test_registering_a_kind_twice_is_an_error(quiz_kind):
    with pytest.raises(ValueError, match="already registered"):
        register_kind(ActivityKind(name=KIND, label="again", verbs=frozenset({Verb.SCORED})))
    with pytest.raises(ValueError, match="already registered"):
        register_criterion(Criterion(ACTIVITY_PASSED, "again", lambda state, params: True))


def test_registering_the_same_source_again_is_idempotent(quiz, course_tree):
    again = activity_register(
        course=course_tree.course, kind=KIND, source_ref="final-1", title="Kiểm tra (sửa)"
    )
    assert again.pk == quiz.pk and again.title == "Kiểm tra (sửa)"


def test_a_registered_quiz_shows_in_outline_continue_and_my_learning(
    quiz, course_tree, learner, client
):
    enrolment_create(learner=learner, course=course_tree.course)
    lessons = [a for a in course_tree.activities if a.required]
    served(learner, *lessons)
    progress_events_ingest(
        learner=learner,
        events=[EventIn(uuid.uuid4(), a.pk, Verb.COMPLETED, timezone.now()) for a in lessons],
    )
    client.force_login(learner)
    course_html = client.get(course_tree.course.url).content.decode()
    assert "Kiểm tra cuối khóa" in course_html and "/quiz/final-1/" in course_html
    assert "kind-quiz" in course_html
    # Every lesson is done: "continue" leads to the quiz, and the course is not complete.
    assert 'href="/quiz/final-1/">Học tiếp: Kiểm tra cuối khóa' in course_html
    progress = CourseProgress.objects.get()
    assert (progress.required_done, progress.required_total) == (3, 4)
    assert progress.completed_at is None
    my_learning = client.get("/my-learning/").content.decode()
    assert "/quiz/final-1/" in my_learning and "3/4" in my_learning
    lesson_html = client.get(course_tree.lessons[0].url).content.decode()
    assert "Kiểm tra cuối khóa" in lesson_html, "the lesson page's outline lists it too"


def test_the_quiz_counts_through_its_own_fold_and_a_criterion(quiz, course_tree, learner):
    CompletionCriterion.objects.create(
        course=course_tree.course, criterion=ACTIVITY_PASSED, activity=quiz, threshold=70
    )
    enrolment_create(learner=learner, course=course_tree.course)
    now = timezone.now()
    graded(learner, quiz, 5, at=now - timedelta(minutes=2))
    assert CourseProgress.objects.get().completed_at is None
    graded(learner, quiz, 8, at=now - timedelta(minutes=1))
    assert CourseProgress.objects.get().completed_at is not None, "passed with 70 %"
    graded(learner, quiz, 4, at=now)
    summary = ActivityProgress.objects.get(activity=quiz)
    assert (summary.score, summary.passed) == (4, False), "its fold: the last attempt counts"
    assert summary.status == ActivityProgress.Status.COMPLETED, "completion stands"


def test_retiring_the_quiz_takes_it_out_of_the_outline(quiz, course_tree, learner, client):
    enrolment_create(learner=learner, course=course_tree.course)
    activity_retire(kind=KIND, source_ref="final-1")
    client.force_login(learner)
    assert "Kiểm tra cuối khóa" not in client.get(course_tree.course.url).content.decode()
