import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from courses.activity_kinds import ActivityKind, completes_when_passed, register_kind
from courses.models import Activity, ActivityProgress, CourseProgress, ProgressEvent, Verb
from courses.services.enrolment import enrolment_create
from courses.services.errors import Conflict, NotAvailable, ServiceError
from courses.services.progress import EventIn, progress_events_ingest


def event(activity, verb=Verb.VIEWED, at=None, **payload):
    return EventIn(uuid.uuid4(), activity.pk, verb, at or timezone.now(), payload)


@pytest.fixture
def enrolled(course_tree, learner):
    enrolment_create(learner=learner, course=course_tree.course)
    return course_tree


def summary(learner, activity):
    return ActivityProgress.objects.get(learner=learner, activity=activity)


def test_events_update_summary_and_course_progress(enrolled, learner):
    a = enrolled.activities[0]
    result = progress_events_ingest(
        learner=learner,
        events=[
            event(a),
            event(a, Verb.PROGRESSED, seconds=30, position={"scroll": 0.5}),
            event(a, Verb.COMPLETED),
        ],
    )
    assert result.stored == 3 and result.duplicates == 0
    s = summary(learner, a)
    assert s.status == ActivityProgress.Status.COMPLETED
    assert s.seconds_spent == 30
    assert s.resume_point == {"scroll": 0.5}
    progress = CourseProgress.objects.get(enrolment__learner=learner)
    assert (progress.required_done, progress.required_total, progress.percent) == (1, 3, 33)
    assert progress.last_activity_id == a.pk


def test_repeated_event_uuid_changes_nothing(enrolled, learner):
    a = enrolled.activities[0]
    batch = [event(a, Verb.PROGRESSED, seconds=40)]
    progress_events_ingest(learner=learner, events=batch)
    before = summary(learner, a)
    result = progress_events_ingest(learner=learner, events=batch)
    assert (result.stored, result.duplicates) == (0, 1)
    after = summary(learner, a)
    assert after.seconds_spent == before.seconds_spent == 40
    assert after.last_seen_at == before.last_seen_at
    assert ProgressEvent.objects.count() == 1


def test_duplicate_ids_inside_one_batch_count_once(enrolled, learner):
    a = enrolled.activities[0]
    e = event(a, Verb.PROGRESSED, seconds=10)
    result = progress_events_ingest(learner=learner, events=[e, e])
    assert (result.stored, result.duplicates) == (1, 1)
    assert summary(learner, a).seconds_spent == 10


def test_out_of_order_events_never_move_a_summary_backwards(enrolled, learner):
    a = enrolled.activities[0]
    now = timezone.now()
    progress_events_ingest(
        learner=learner,
        events=[
            event(a, Verb.COMPLETED, at=now),
            event(a, Verb.PROGRESSED, at=now, position={"scroll": 0.9}),
        ],
    )
    # A late "viewed" and an older position arrive afterwards.
    progress_events_ingest(
        learner=learner,
        events=[
            event(a, Verb.VIEWED, at=now - timedelta(minutes=10)),
            event(a, Verb.PROGRESSED, at=now - timedelta(minutes=5), position={"scroll": 0.1}),
        ],
    )
    s = summary(learner, a)
    assert s.status == ActivityProgress.Status.COMPLETED
    assert s.resume_point == {"scroll": 0.9}
    assert s.first_seen_at == now - timedelta(minutes=10)
    assert s.completed_at == now


def test_future_timestamps_are_clamped_to_arrival(enrolled, learner):
    a = enrolled.activities[0]
    progress_events_ingest(
        learner=learner, events=[event(a, at=timezone.now() + timedelta(days=300))]
    )
    assert summary(learner, a).last_seen_at <= timezone.now()


def test_activity_of_a_course_not_enrolled_is_refused_and_nothing_stored(course_tree, learner):
    a = course_tree.activities[0]
    with pytest.raises(NotAvailable):
        progress_events_ingest(learner=learner, events=[event(a)])
    assert not ProgressEvent.objects.exists()
    assert not ActivityProgress.objects.exists()


def test_unknown_activity_answers_like_a_forbidden_one(enrolled, learner):
    bogus = Activity(pk=uuid.uuid4())
    with pytest.raises(NotAvailable) as error:
        progress_events_ingest(
            learner=learner, events=[event(enrolled.activities[0]), event(bogus)]
        )
    assert error.value.status == 403
    assert not ProgressEvent.objects.exists()


def test_event_id_used_by_another_learner_is_a_conflict(enrolled, learner, other_learner):
    enrolment_create(learner=other_learner, course=enrolled.course)
    a = enrolled.activities[0]
    shared = event(a, Verb.PROGRESSED, seconds=5)
    progress_events_ingest(learner=other_learner, events=[shared])
    with pytest.raises(Conflict):
        progress_events_ingest(learner=learner, events=[shared, event(a)])
    assert not ProgressEvent.objects.filter(learner=learner).exists()


def test_verb_not_reported_by_the_kind_is_refused(enrolled, learner):
    with pytest.raises(ServiceError) as error:
        progress_events_ingest(
            learner=learner, events=[event(enrolled.activities[0], Verb.SCORED, score=1, max=1)]
        )
    assert error.value.code == "verb"
    assert not ProgressEvent.objects.exists()


def test_withdrawn_learner_can_no_longer_report(enrolled, learner):
    from courses.models import Enrolment
    from courses.services.enrolment import enrolment_withdraw

    enrolment_withdraw(enrolment=Enrolment.objects.get(learner=learner))
    with pytest.raises(NotAvailable):
        progress_events_ingest(learner=learner, events=[event(enrolled.activities[0])])


def test_a_new_source_plugs_in_by_registering_its_kind(enrolled, learner):
    """A quiz-like kind: scores keep the best, passing completes; no pipeline change."""
    register_kind(
        ActivityKind(
            name="test-quiz",
            label="Quiz",
            verbs=frozenset({Verb.VIEWED, Verb.SCORED}),
            completes=completes_when_passed,
        )
    )
    quiz = Activity.objects.create(
        course=enrolled.course, kind="test-quiz", title="Kiểm tra", required=True, position="zz"
    )
    progress_events_ingest(
        learner=learner, events=[event(quiz, Verb.SCORED, score=3, max=10, passed=False)]
    )
    s = summary(learner, quiz)
    assert (s.score, s.passed, s.status) == (3, False, ActivityProgress.Status.IN_PROGRESS)
    progress_events_ingest(
        learner=learner, events=[event(quiz, Verb.SCORED, score=8, max=10, passed=True)]
    )
    progress_events_ingest(
        learner=learner, events=[event(quiz, Verb.SCORED, score=5, max=10, passed=False)]
    )
    s = summary(learner, quiz)
    assert (s.score, s.max_score, s.passed) == (8, 10, True)
    assert s.status == ActivityProgress.Status.COMPLETED


def test_seconds_per_event_are_capped(enrolled, learner):
    a = enrolled.activities[0]
    progress_events_ingest(learner=learner, events=[event(a, Verb.PROGRESSED, seconds=10**9)])
    assert summary(learner, a).seconds_spent == 3600


def test_a_batch_costs_a_fixed_handful_of_queries(enrolled, learner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a, b = enrolled.activities[:2]
    progress_events_ingest(learner=learner, events=[event(a)])
    batch = [event(a, Verb.PROGRESSED, seconds=3) for _ in range(5)] + [event(b) for _ in range(5)]
    with CaptureQueriesContext(connection) as queries:
        progress_events_ingest(learner=learner, events=batch)
    statements = [q["sql"].split()[0] for q in queries]
    assert statements.count("INSERT") == 2, "events once, summaries (new and old) once"
    assert len(queries) <= 9, statements
