"""Who has a seat in a session, and what the session page shows them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Cohort
from courses.services.enrolment import enrolment_create
from live.models import LiveSession
from live.selectors import access_live_session

pytestmark = pytest.mark.django_db


def test_a_cohorts_session_seats_that_cohort_only(course_tree, learner, other_learner, trainer):
    course = course_tree.course
    morning = Cohort.objects.create(course=course, name="Lớp sáng")
    evening = Cohort.objects.create(course=course, name="Lớp tối")
    enrolment_create(learner=learner, course=course, cohort=morning)
    enrolment_create(learner=other_learner, course=course, cohort=evening)
    now = timezone.now()
    session = LiveSession.objects.create(
        course=course,
        cohort=morning,
        title="Chỉ lớp sáng",
        starts_at=now,
        ends_at=now + timedelta(hours=1),
    )
    assert access_live_session(learner, session.pk).role == "learner"
    assert access_live_session(other_learner, session.pk) is None
    assert access_live_session(trainer, session.pk).role == "host"


def test_unpublished_sessions_and_withdrawn_courses_have_no_seats(course_tree, enrolled, trainer):
    now = timezone.now()
    session = LiveSession.objects.create(
        course=course_tree.course,
        title="Nháp",
        starts_at=now,
        ends_at=now + timedelta(hours=1),
        published=False,
    )
    assert access_live_session(enrolled, session.pk) is None
    assert access_live_session(trainer, session.pk) is not None, "hosts prepare it"
    LiveSession.objects.filter(pk=session.pk).update(published=True)
    course_tree.course.unpublish()
    assert access_live_session(enrolled, session.pk) is None


def test_co_hosts_host_and_the_page_hides_the_room_from_outsiders(
    client, session, make_trainer, enrolled, other_learner
):
    guest = make_trainer("khach")
    session.hosts.add(guest)
    assert access_live_session(guest, session.pk).is_host
    client.force_login(other_learner)
    assert client.get(f"/live/{session.pk}/").status_code == 404
    client.force_login(enrolled)
    page = client.get(f"/live/{session.pk}/").content.decode()
    assert f'data-ws="/ws/live/{session.pk}/"' in page and 'data-role="learner"' in page
    assert "live-poll-form" not in page and "slides-upload" not in page, "host tools are the host's"
