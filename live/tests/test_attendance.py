"""Attendance: measured by the server, folded by the live kind, and counted by courses."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Activity, ActivityProgress, CompletionCriterion, CourseProgress, Verb
from courses.services.progress import EventIn, progress_events_ingest
from live.kind import LIVE, LIVE_ATTENDED_PERCENT
from live.models import Connection, LiveSession, Participant
from live.selectors import attendance_rows
from live.services import presence, sessions
from live.services.room import Actor
from lms.admin_users import display_name

pytestmark = pytest.mark.django_db


def interval(session, user, start_min, end_min):
    """A socket the server saw from start to end minutes after the session started."""
    start = session.starts_at + timedelta(minutes=start_min)
    connection = Connection.objects.create(
        session=session,
        user=user,
        channel_name="test",
        joined_at=start,
        last_seen_at=session.starts_at + timedelta(minutes=end_min),
        left_at=session.starts_at + timedelta(minutes=end_min),
    )
    Participant.objects.get_or_create(
        session=session, user=user, defaults={"name": display_name(user), "role": "learner"}
    )
    presence.attendance_report(connection.pk)
    return connection


def past_session(course, minutes=60, **fields) -> LiveSession:
    starts = timezone.now() - timedelta(minutes=minutes + 10)
    return LiveSession.objects.create(
        course=course,
        title=fields.pop("title", "Buổi 1"),
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        **fields,
    )


def summary(session, learner) -> ActivityProgress:
    return ActivityProgress.objects.get(
        learner=learner, activity__kind=LIVE, activity__source_ref=str(session.pk)
    )


def test_overlapping_intervals_of_a_reconnect_count_once(course_tree, enrolled):
    session = past_session(course_tree.course, attendance_percent=50)
    interval(session, enrolled, 0, 20)
    interval(session, enrolled, 15, 25)  # a second tab, or a reconnect before the old socket died
    progress = summary(session, enrolled)
    assert progress.seconds_spent == 25 * 60
    assert progress.status != ActivityProgress.Status.COMPLETED, "25 of 60 minutes is under 50 %"
    interval(session, enrolled, 24, 31)
    progress = summary(session, enrolled)
    assert progress.seconds_spent == 31 * 60
    assert progress.status == ActivityProgress.Status.COMPLETED


def test_time_outside_the_session_does_not_count(course_tree, enrolled):
    session = past_session(course_tree.course, attendance_percent=50)
    interval(session, enrolled, -15, 10)  # in the room early: only the 10 minutes count
    interval(session, enrolled, 55, 90)  # stayed after the end: only 5 minutes count
    assert summary(session, enrolled).seconds_spent == 15 * 60


def test_reporting_the_same_interval_twice_changes_nothing(course_tree, enrolled):
    session = past_session(course_tree.course)
    connection = interval(session, enrolled, 0, 40)
    presence.attendance_report(connection.pk)
    assert summary(session, enrolled).seconds_spent == 40 * 60


def test_the_browser_cannot_claim_attendance(course_tree, enrolled):
    session = past_session(course_tree.course)
    activity = Activity.objects.get(kind=LIVE, source_ref=str(session.pk))
    result = progress_events_ingest(
        learner=enrolled,
        events=[
            EventIn(
                uuid.uuid4(),
                activity.pk,
                Verb.ATTENDED,
                timezone.now(),
                {"from": session.starts_at.isoformat(), "to": session.ends_at.isoformat()},
            )
        ],
    )
    assert result.events[0].status == "refused"
    assert not ActivityProgress.objects.filter(activity=activity, seconds_spent__gt=0).exists()


def test_a_course_can_require_attending_most_live_sessions(course_tree, enrolled):
    from tests.factories import finished

    course = course_tree.course
    sessions = [past_session(course, title=f"Buổi {n}") for n in range(1, 5)]
    CompletionCriterion.objects.create(course=course, criterion=LIVE_ATTENDED_PERCENT, threshold=75)
    finished(enrolled, *[a for a in course_tree.activities if a.required])
    progress = CourseProgress.objects.get()
    assert progress.completed_at is None, "lessons done, no session attended"
    for session in sessions[:2]:
        interval(session, enrolled, 0, 45)
    interval(sessions[2], enrolled, 0, 10)  # too short to count as attended
    assert CourseProgress.objects.get().completed_at is None, "2 of 4 is under 75 %"
    interval(sessions[3], enrolled, 5, 60)
    assert CourseProgress.objects.get().completed_at is not None, "3 of 4 sessions attended"


def test_a_session_ended_early_is_measured_against_the_time_it_lasted(
    course_tree, enrolled, trainer
):
    now = timezone.now()
    session = LiveSession.objects.create(
        course=course_tree.course,
        title="Buổi ngắn",
        starts_at=now - timedelta(minutes=20),
        ends_at=now + timedelta(minutes=40),
        attendance_percent=75,
    )
    interval(session, enrolled, 0, 18)
    assert summary(session, enrolled).status != ActivityProgress.Status.COMPLETED
    host = Actor(trainer.pk, "Cô giáo", Participant.Role.HOST)
    sessions.session_end(session.pk, host)
    presence.window_report(session.pk)
    assert summary(session, enrolled).status == ActivityProgress.Status.COMPLETED, (
        "18 of 20 minutes"
    )


def test_sessions_show_in_the_outline_and_my_learning(course_tree, enrolled, client):
    session = past_session(course_tree.course, title="Hội thoại trực tuyến")
    hidden = past_session(course_tree.course, title="Buổi chưa mở", published=False)
    client.force_login(enrolled)
    course_html = client.get(course_tree.course.url).content.decode()
    assert "Hội thoại trực tuyến" in course_html and f"/live/{session.pk}/" in course_html
    assert "Buổi chưa mở" not in course_html and f"/live/{hidden.pk}/" not in course_html
    # A session still to come is also listed on My learning.
    LiveSession.objects.filter(pk=session.pk).update(ends_at=timezone.now() + timedelta(hours=1))
    assert f"/live/{session.pk}/" in client.get("/my-learning/").content.decode()


def test_upcoming_sessions_and_the_calendar_feed(course_tree, enrolled, other_learner, client):
    now = timezone.now()
    soon = LiveSession.objects.create(
        course=course_tree.course,
        title="Sắp học",
        starts_at=now + timedelta(hours=2),
        ends_at=now + timedelta(hours=3),
    )
    client.force_login(enrolled)
    assert "Sắp học" in client.get("/my-learning/").content.decode()
    page = client.get("/live/calendar/").content.decode()
    feed_url = page.split('readonly value="')[1].split('"')[0]
    client.logout()
    ics = client.get(feed_url)
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert "BEGIN:VEVENT" in body and "SUMMARY:Sắp học" in body and f"/live/{soon.pk}/" in body
    # A new address revokes the old one.
    client.force_login(enrolled)
    client.post("/live/calendar/")
    client.logout()
    assert client.get(feed_url).status_code == 404
    assert client.get("/live/calendar/not-a-token.ics").status_code == 404
    # Someone else's calendar does not list this course's sessions.
    client.force_login(other_learner)
    other_page = client.get("/live/calendar/").content.decode()
    other_url = other_page.split('readonly value="')[1].split('"')[0]
    assert "Sắp học" not in client.get(other_url).content.decode()


def test_attendance_report_merges_intervals_and_escapes_formulas(
    course_tree, make_learner, trainer, client
):
    from courses.services.enrolment import enrolment_create

    sly = make_learner("sly", full_name='=HYPERLINK("http://evil")')
    enrolment_create(learner=sly, course=course_tree.course)
    session = past_session(course_tree.course, minutes=60)
    interval(session, sly, 0, 30)
    interval(session, sly, 20, 45)
    row = next(r for r in attendance_rows(session) if r.user_id == sly.pk)
    assert (row.seconds, row.percent, row.connections) == (45 * 60, 75, 2)
    client.force_login(trainer)
    csv = client.get(f"/live/{session.pk}/attendance.csv")
    text = csv.content.decode("utf-8-sig")
    assert csv.status_code == 200 and "'=HYPERLINK" in text and ",45.0,75" in text
    client.force_login(sly)
    assert client.get(f"/live/{session.pk}/attendance.csv").status_code == 404
