from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Enrolment
from courses.services.enrolment import enrolment_create, enrolment_withdraw
from courses.services.errors import Conflict, ServiceError
from tests.factories import build_course


def test_self_enrolment_creates_progress_with_required_total(course_tree, learner):
    enrolment = enrolment_create(learner=learner, course=course_tree.course)
    assert enrolment.is_active
    assert enrolment.progress.required_total == 3
    assert enrolment.progress.percent == 0


def test_enrolling_twice_returns_the_same_enrolment(course_tree, learner):
    first = enrolment_create(learner=learner, course=course_tree.course)
    second = enrolment_create(learner=learner, course=course_tree.course)
    assert first.pk == second.pk
    assert Enrolment.objects.count() == 1


def test_enrolment_window_is_enforced(course_tree, learner):
    course = course_tree.course
    course.enrolment_opens_at = timezone.now() + timedelta(days=1)
    course.save()
    with pytest.raises(ServiceError) as error:
        enrolment_create(learner=learner, course=course)
    assert error.value.code == "closed"
    course.enrolment_opens_at = timezone.now() - timedelta(days=2)
    course.enrolment_closes_at = timezone.now() - timedelta(days=1)
    course.save()
    with pytest.raises(ServiceError):
        enrolment_create(learner=learner, course=course)
    assert not Enrolment.objects.exists()


def test_capacity_is_enforced(course_tree, make_learner):
    course = course_tree.course
    course.capacity = 1
    course.save()
    enrolment_create(learner=make_learner(), course=course)
    with pytest.raises(Conflict) as error:
        enrolment_create(learner=make_learner(), course=course)
    assert error.value.code == "full"
    assert Enrolment.objects.filter(course=course).count() == 1


def test_withdrawn_seat_is_freed_and_progress_kept_on_return(course_tree, make_learner):
    course = course_tree.course
    course.capacity = 1
    course.save()
    first = make_learner()
    enrolment = enrolment_create(learner=first, course=course)
    enrolment.progress.required_done = 1
    enrolment.progress.save()
    enrolment_withdraw(enrolment=enrolment)
    second = make_learner()
    enrolment_create(learner=second, course=course)
    enrolment_withdraw(enrolment=Enrolment.objects.get(learner=second))
    back = enrolment_create(learner=first, course=course)
    assert back.pk == enrolment.pk and back.is_active
    assert back.progress.required_done == 1


def test_prerequisites_must_be_completed(course_tree, learner, trainer):
    advanced = build_course(trainer=trainer, title="Tiếng Tày nâng cao", slug="tay-nang-cao")
    advanced.course.prerequisites.add(course_tree.course)
    advanced.course.save_revision().publish()
    with pytest.raises(ServiceError) as error:
        enrolment_create(learner=learner, course=advanced.course)
    assert "Tiếng Tày giao tiếp cơ bản" in error.value.message


def test_users_without_learner_profile_cannot_enrol(course_tree, trainer):
    with pytest.raises(ServiceError):
        enrolment_create(learner=trainer, course=course_tree.course)


def test_enrol_view_requires_post_and_csrf(client, course_tree, learner):
    client.force_login(learner)
    url = f"/courses/{course_tree.course.pk}/enrol/"
    assert client.get(url)["Location"] == course_tree.course.url, "a link shows the course"
    assert not Enrolment.objects.exists()
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    assert strict.post(url).status_code == 403
    assert not Enrolment.objects.exists()
    response = client.post(url)
    assert response.status_code == 302
    assert Enrolment.objects.filter(learner=learner, status="active").exists()


def test_unenrol_view_keeps_the_record(client, course_tree, learner):
    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    client.post(f"/courses/{course_tree.course.pk}/unenrol/")
    enrolment = Enrolment.objects.get(learner=learner)
    assert enrolment.status == "withdrawn" and enrolment.withdrawn_at is not None
