"""Trainers schedule the live sessions of their own courses, and nobody else's."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Activity
from live.kind import LIVE
from live.models import LiveSession
from tests.factories import build_course

pytestmark = pytest.mark.django_db
BASE = "/admin/snippets/live/livesession/"


@pytest.fixture
def stranger(make_trainer):
    user = make_trainer("stranger")
    build_course(trainer=user, title="An toàn thông tin", slug="an-toan")
    return user


def form(course, **fields) -> dict:
    start = timezone.localtime() + timedelta(days=1)
    data = {
        "course": course.pk,
        "title": "Luyện nói tiếng Tày",
        "description": "",
        "starts_at": start.strftime("%Y-%m-%d %H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
        "join_before_minutes": 15,
        "published": "on",
        "attendance_percent": 50,
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def test_a_trainer_schedules_a_session_that_joins_the_course(client, trainer, course_tree):
    client.force_login(trainer)
    response = client.post(
        f"{BASE}add/", form(course_tree.course, module=course_tree.modules[0].pk)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    session = LiveSession.objects.get()
    activity = Activity.objects.get(kind=LIVE, source_ref=str(session.pk))
    assert activity.is_active and activity.module_id == course_tree.modules[0].pk
    assert not activity.required
    assert session.title in client.get(BASE).content.decode()
    # Unpublishing takes it out of the course.
    data = form(course_tree.course, published=None)
    assert client.post(f"{BASE}edit/{session.pk}/", data).status_code == 302
    assert not Activity.objects.get(pk=activity.pk).is_active


def test_nonsense_times_and_foreign_courses_are_refused(client, trainer, stranger, course_tree):
    client.force_login(trainer)
    start = timezone.localtime() + timedelta(days=1)
    backwards = form(
        course_tree.course, ends_at=(start - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    )
    assert client.post(f"{BASE}add/", backwards).status_code == 200
    assert (
        client.post(f"{BASE}add/", form(course_tree.course, attendance_percent=0)).status_code
        == 200
    )
    foreign = build_course(title="Khóa khác", slug="khoa-khac")
    assert client.post(f"{BASE}add/", form(foreign.course)).status_code == 200
    other_module = foreign.modules[0]
    assert (
        client.post(f"{BASE}add/", form(course_tree.course, module=other_module.pk)).status_code
        == 200
    )
    assert not LiveSession.objects.exists()


def test_a_trainer_of_another_course_meets_nothing(client, stranger, trainer, course_tree):
    now = timezone.now()
    session = LiveSession.objects.create(
        course=course_tree.course,
        title="Buổi riêng",
        starts_at=now,
        ends_at=now + timedelta(hours=1),
    )
    client.force_login(stranger)
    assert "Buổi riêng" not in client.get(BASE).content.decode()
    for url in (
        f"{BASE}edit/{session.pk}/",
        f"{BASE}delete/{session.pk}/",
        f"{BASE}history/{session.pk}/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, form(course_tree.course)).status_code == 404, url
    client.post(f"/admin/bulk/live/livesession/delete/?id={session.pk}", {"next": "/admin/"})
    assert LiveSession.objects.filter(pk=session.pk, title="Buổi riêng").exists()
    assert client.get(f"/live/{session.pk}/").status_code == 404, "no seat in the room either"
    # The same bulk action works for the course's own trainer.
    client.force_login(trainer)
    client.post(f"/admin/bulk/live/livesession/delete/?id={session.pk}", {"next": "/admin/"})
    assert not LiveSession.objects.filter(pk=session.pk).exists()


def test_a_learner_has_no_way_into_scheduling(client, enrolled, course_tree):
    client.force_login(enrolled)
    response = client.get(BASE)
    assert response.status_code in (302, 403)
