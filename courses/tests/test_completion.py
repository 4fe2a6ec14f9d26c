import uuid

import pytest
from django.utils import timezone

from courses.models import CoursePage, CourseProgress, Verb
from courses.services.enrolment import enrolment_create
from courses.services.progress import EventIn, progress_events_ingest


def complete(learner, activities):
    progress_events_ingest(
        learner=learner,
        events=[EventIn(uuid.uuid4(), a.pk, Verb.COMPLETED, timezone.now()) for a in activities],
    )
    return CourseProgress.objects.get(enrolment__learner=learner)


@pytest.fixture
def enrolled(course_tree, learner):
    enrolment_create(learner=learner, course=course_tree.course)
    return course_tree


def test_all_required_lessons_complete_the_course(
    enrolled, learner, django_capture_on_commit_callbacks
):
    required = [a for a in enrolled.activities if a.required]
    progress = complete(learner, required[:2])
    assert progress.completed_at is None and progress.percent == 67
    with django_capture_on_commit_callbacks() as callbacks:
        progress = complete(learner, required[2:])
    assert progress.completed_at is not None and progress.percent == 100
    assert len(callbacks) == 1, "the certificate is enqueued once, after commit"


def test_optional_lessons_do_not_count(enrolled, learner):
    optional = [a for a in enrolled.activities if not a.required]
    progress = complete(learner, optional)
    assert progress.required_done == 0 and progress.completed_at is None


def test_completion_is_not_withdrawn_when_a_lesson_is_added(enrolled, learner):
    from courses.models import LessonPage
    from courses.services.progress import course_progress_recount_course
    from tests.factories import publish_child

    progress = complete(learner, [a for a in enrolled.activities if a.required])
    completed_at = progress.completed_at
    publish_child(enrolled.modules[0], LessonPage(title="Bài bổ sung", slug="bo-sung"))
    course_progress_recount_course(course_id=enrolled.course.pk)
    progress.refresh_from_db()
    assert progress.required_total == 4 and progress.percent == 75
    assert progress.completed_at == completed_at


def test_weighted_percent_rule(enrolled, learner):
    course = enrolled.course
    course.completion_rule = CoursePage.CompletionRule.WEIGHTED_PERCENT
    course.completion_threshold = 60
    course.save()
    progress = complete(learner, enrolled.activities[:1])
    assert progress.completed_at is None
    progress = complete(learner, enrolled.activities[1:2])
    assert progress.percent == 67 and progress.completed_at is not None


def test_course_without_certificate_enqueues_nothing(
    enrolled, learner, django_capture_on_commit_callbacks
):
    course = enrolled.course
    course.issues_certificate = False
    course.save()
    with django_capture_on_commit_callbacks() as callbacks:
        progress = complete(learner, [a for a in enrolled.activities if a.required])
    assert progress.completed_at is not None
    assert callbacks == []
