import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from courses.activity_kinds import MAX_SECONDS_PER_EVENT
from courses.models import (
    Activity,
    ActivityProgress,
    CourseProgress,
    Enrolment,
    ProgressEvent,
    Verb,
)
from courses.services.enrolment import enrolment_create
from courses.services.errors import ServiceError
from courses.services.progress import EventIn, activity_opened, progress_events_ingest
from tests.factories import served


def event(activity, verb=Verb.VIEWED, at=None, **payload):
    return EventIn(uuid.uuid4(), activity.pk, verb, at or timezone.now(), payload)


@pytest.fixture
def enrolled(course_tree, learner):
    enrolment_create(learner=learner, course=course_tree.course)
    served(learner, *course_tree.activities)
    return course_tree


def summary(learner, activity):
    return ActivityProgress.objects.get(learner=learner, activity=activity)


def statuses(result):
    return [(e.status, e.code) for e in result.events]


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
    assert statuses(result) == [("stored", ""), ("duplicate", "")]
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
        now=now,
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
    assert s.first_seen_at <= now - timedelta(minutes=10)
    assert s.completed_at == now


def test_future_timestamps_are_clamped_to_arrival(enrolled, learner):
    a = enrolled.activities[0]
    progress_events_ingest(
        learner=learner, events=[event(a, at=timezone.now() + timedelta(days=300))]
    )
    assert summary(learner, a).last_seen_at <= timezone.now()


def test_one_stale_event_does_not_cost_the_others(enrolled, learner, other_learner):
    """Per-event answers: stored, duplicate, refused with its reason; the rest stand."""
    from tests.factories import build_course

    foreign = build_course(slug="khac").activities[0]
    enrolment_create(learner=other_learner, course=enrolled.course)
    taken = event(enrolled.activities[0], Verb.PROGRESSED, seconds=5)
    progress_events_ingest(learner=other_learner, events=[taken])
    a, b = enrolled.activities[:2]
    again = event(a)
    progress_events_ingest(learner=learner, events=[again])
    gone = Activity(pk=uuid.uuid4())
    batch = [
        event(a, Verb.PROGRESSED, seconds=20),
        event(foreign),
        again,
        event(gone),
        taken,
        event(a, Verb.SCORED, score=1, max=1),
        event(b),
    ]
    result = progress_events_ingest(learner=learner, events=batch)
    assert statuses(result) == [
        ("stored", ""),
        ("refused", "activity"),
        ("duplicate", ""),
        ("refused", "activity"),
        ("refused", "event_id"),
        ("refused", "verb"),
        ("stored", ""),
    ]
    assert result.events[1].detail == result.events[3].detail, "not enrolled looks like gone"
    assert summary(learner, a).seconds_spent == 20
    assert ProgressEvent.objects.filter(learner=learner).count() == 3


def test_an_empty_batch_is_refused():
    with pytest.raises(ServiceError):
        progress_events_ingest(learner=None, events=[])


def test_withdrawn_learner_can_no_longer_report(enrolled, learner):
    from courses.services.enrolment import enrolment_withdraw

    enrolment_withdraw(enrolment=Enrolment.objects.get(learner=learner))
    result = progress_events_ingest(learner=learner, events=[event(enrolled.activities[0])])
    assert statuses(result) == [("refused", "activity")]
    assert not ProgressEvent.objects.exists()


def test_seconds_per_event_are_capped(enrolled, learner):
    a = enrolled.activities[0]
    progress_events_ingest(learner=learner, events=[event(a, Verb.PROGRESSED, seconds=10**9)])
    assert summary(learner, a).seconds_spent == MAX_SECONDS_PER_EVENT


def test_claimed_seconds_never_exceed_the_time_that_passed(course_tree, learner):
    """Opened two minutes ago: however the claims are spread, at most 120 s are credited."""
    enrolment_create(learner=learner, course=course_tree.course)
    a = course_tree.activities[0]
    served(learner, a, ago=timedelta(minutes=2))
    now = timezone.now()
    claims = [
        event(a, Verb.PROGRESSED, at=now - timedelta(seconds=s), seconds=100) for s in (60, 0)
    ]
    progress_events_ingest(learner=learner, events=claims, now=now)
    assert 115 <= summary(learner, a).seconds_spent <= 120


def test_events_dated_before_the_enrolment_or_the_first_view_are_clamped(course_tree, learner):
    enrolment_create(learner=learner, course=course_tree.course)
    a = course_tree.activities[0]
    opened = timezone.now() - timedelta(minutes=5)
    activity_opened(learner=learner, activity_id=a.pk, now=opened)
    backdated = timezone.now().replace(year=2020)
    progress_events_ingest(learner=learner, events=[event(a, at=backdated)])
    stored = ProgressEvent.objects.get()
    enrolled_at = Enrolment.objects.get(learner=learner).enrolled_at
    assert stored.occurred_at == max(enrolled_at, opened)


def test_scripted_completion_without_reading_completes_nothing(course_tree, learner):
    """Backdated "completed" events, never opened, no time: the course stays open."""
    enrolment_create(learner=learner, course=course_tree.course)
    required = [a for a in course_tree.activities if a.required]
    backdated = timezone.now().replace(year=2020)
    result = progress_events_ingest(
        learner=learner, events=[event(a, Verb.COMPLETED, at=backdated) for a in required]
    )
    assert result.stored == len(required)
    assert all(a.waiting for a in result.activities)
    assert not ActivityProgress.objects.filter(status=ActivityProgress.Status.COMPLETED).exists()
    assert CourseProgress.objects.get().completed_at is None


def test_completion_needs_the_course_minimum_time_after_the_server_served_it(course_tree, learner):
    enrolment_create(learner=learner, course=course_tree.course)
    a = course_tree.activities[0]
    activity_opened(learner=learner, activity_id=a.pk)
    result = progress_events_ingest(learner=learner, events=[event(a, Verb.COMPLETED)])
    assert "30" in result.activities[0].waiting
    assert summary(learner, a).status == ActivityProgress.Status.IN_PROGRESS
    later = timezone.now() + timedelta(seconds=31)
    progress_events_ingest(learner=learner, events=[event(a, Verb.COMPLETED)], now=later)
    assert summary(learner, a).status == ActivityProgress.Status.COMPLETED


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
