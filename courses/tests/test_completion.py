import pytest

from courses.models import CompletionCriterion, CourseProgress
from courses.services.enrolment import enrolment_create
from tests.factories import finished


def complete(learner, activities):
    finished(learner, *activities)
    return CourseProgress.objects.get(enrolment__learner=learner)


@pytest.fixture
def enrolled(course_tree, learner):
    enrolment_create(learner=learner, course=course_tree.course)
    return course_tree


@pytest.fixture
def enqueued(monkeypatch):
    """Certificates the completion announcement asked for (the real task is not run)."""
    from courses.tasks import certificate_issue_task

    calls = []
    monkeypatch.setattr(certificate_issue_task, "delay", lambda *args: calls.append(args))
    return calls


def test_all_required_lessons_complete_the_course(
    enrolled, learner, django_capture_on_commit_callbacks, enqueued
):
    required = [a for a in enrolled.activities if a.required]
    with django_capture_on_commit_callbacks(execute=True):
        progress = complete(learner, required[:2])
    assert progress.completed_at is None and progress.percent == 67
    assert enqueued == []
    with django_capture_on_commit_callbacks(execute=True):
        progress = complete(learner, required[2:])
    assert progress.completed_at is not None and progress.percent == 100
    assert enqueued == [(progress.enrolment_id,)], "the certificate is enqueued once"


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
    CompletionCriterion.objects.create(
        course=enrolled.course, criterion="weighted_percent", threshold=60
    )
    progress = complete(learner, enrolled.activities[:1])
    assert progress.completed_at is None
    progress = complete(learner, enrolled.activities[1:2])
    assert progress.percent == 67 and progress.completed_at is not None


def test_course_without_certificate_enqueues_nothing(
    enrolled, learner, django_capture_on_commit_callbacks, enqueued
):
    course = enrolled.course
    course.issues_certificate = False
    course.save()
    with django_capture_on_commit_callbacks(execute=True):
        progress = complete(learner, [a for a in enrolled.activities if a.required])
    assert progress.completed_at is not None
    assert enqueued == []


def test_the_pipeline_announces_progress_and_completion(
    enrolled, learner, django_capture_on_commit_callbacks
):
    from courses.announcements import course_completed, progress_changed

    heard = []

    def listen(signal_name):
        return lambda sender, **kwargs: heard.append((signal_name, kwargs))

    listeners = [listen("progress_changed"), listen("course_completed")]
    progress_changed.connect(listeners[0])
    course_completed.connect(listeners[1])
    try:
        required = [a for a in enrolled.activities if a.required]
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            progress = complete(learner, required)
        assert heard == [], "nothing is announced before the commit"
        for callback in callbacks:
            callback()
    finally:
        progress_changed.disconnect(listeners[0])
        course_completed.disconnect(listeners[1])
    names = [name for name, _ in heard]
    assert names.count("course_completed") == 1 and "progress_changed" in names
    changed = next(kwargs for name, kwargs in heard if name == "progress_changed")
    assert changed["course_id"] == enrolled.course.pk
    assert set(changed["activity_ids"]) == {a.pk for a in required}
    completed = next(kwargs for name, kwargs in heard if name == "course_completed")
    assert completed["enrolment_id"] == progress.enrolment_id


def test_removing_the_last_open_lesson_completes_nobody(
    enrolled, learner, django_capture_on_commit_callbacks, enqueued
):
    """Defect: deleting or unpublishing a required lesson recounted everyone to 100 %."""
    from courses.services.progress import course_completion_confirm, course_progress_recount_course

    required = [a for a in enrolled.activities if a.required]
    complete(learner, required[:2])
    with django_capture_on_commit_callbacks(execute=True):
        enrolled.lessons[2].unpublish()
        course_progress_recount_course(course_id=enrolled.course.pk)
    progress = CourseProgress.objects.get(enrolment__learner=learner)
    assert (progress.required_done, progress.required_total) == (2, 2)
    assert progress.completed_at is None and enqueued == []
    assert progress.rule_met, "a trainer may confirm the completion the change allows"
    with django_capture_on_commit_callbacks(execute=True):
        course_completion_confirm(enrolment=progress.enrolment)
    progress.refresh_from_db()
    assert progress.completed_at is not None and enqueued == [(progress.enrolment_id,)]


def test_deleting_a_required_lesson_completes_nobody(enrolled, learner, enqueued):
    from courses.services.progress import course_progress_recount_course

    complete(learner, [a for a in enrolled.activities if a.required][:2])
    enrolled.lessons[2].delete()
    course_progress_recount_course(course_id=enrolled.course.pk)
    progress = CourseProgress.objects.get(enrolment__learner=learner)
    assert progress.completed_at is None and enqueued == []


def test_a_withdrawn_course_is_unavailable_not_zero(enrolled, learner, client):
    from courses.services.progress import course_progress_recount_course

    progress = complete(learner, [a for a in enrolled.activities if a.required])
    enrolled.course.unpublish()
    course_progress_recount_course(course_id=enrolled.course.pk)
    progress.refresh_from_db()
    assert (progress.required_done, progress.required_total, progress.percent) == (3, 3, 100)
    client.force_login(learner)
    html = client.get("/my-learning/").content.decode()
    assert "tạm thời không mở" in html and "0/0" not in html
