import pytest

from courses.services.enrolment import enrolment_create


@pytest.fixture
def enrolments(course_tree, learner, other_learner):
    return (
        enrolment_create(learner=learner, course=course_tree.course),
        enrolment_create(learner=other_learner, course=course_tree.course),
    )


def test_manager_follows_only_learners_of_their_units(client, enrolments, make_manager, unit):
    mine, theirs = enrolments
    client.force_login(make_manager("qldk", [unit]))
    html = client.get("/follow/").content.decode()
    assert mine.learner.learner_profile.full_name in html
    assert theirs.learner.learner_profile.full_name not in html
    assert client.get(f"/follow/learners/{mine.learner_id}/").status_code == 200
    assert client.get(f"/follow/learners/{theirs.learner_id}/").status_code == 404
    assert client.get("/follow/learners/999999/").status_code == 404, "same answer as missing"


def test_trainer_follows_the_learners_of_their_courses(client, enrolments, trainer):
    client.force_login(trainer)
    html = client.get("/follow/").content.decode()
    for enrolment in enrolments:
        assert enrolment.learner.learner_profile.full_name in html
    assert "Theo dõi học viên" in client.get("/my-learning/").content.decode()


def test_learners_cannot_follow_anyone(client, enrolments):
    mine, theirs = enrolments
    client.force_login(mine.learner)
    assert client.get("/follow/").status_code == 404
    assert client.get(f"/follow/learners/{theirs.learner_id}/").status_code == 404
    assert "Theo dõi học viên" not in client.get("/my-learning/").content.decode()


def test_filters_by_unit(client, enrolments, make_manager, unit, other_unit):
    from django.contrib.auth.models import Group

    from lms.models import ManagerScope

    manager = make_manager("qlt", [])
    ManagerScope.objects.create(user=manager, unit=None)
    client.force_login(manager)
    response = client.get("/follow/", {"unit": other_unit.pk})
    assert [e.learner for e in response.context["rows"]] == [enrolments[1].learner]
    assert Group.objects.filter(name="Quản lý", user=manager).exists()


def test_the_next_page_keeps_the_filters(client, enrolments, trainer, monkeypatch):
    from courses.selectors import staff as selectors

    monkeypatch.setattr(selectors, "STAFF_ROWS_PAGE_SIZE", 1)
    client.force_login(trainer)
    course = enrolments[0].course_id
    first = client.get("/follow/", {"course": course})
    assert first.context["page_obj"].paginator.count == 2
    next_link = f'href="?course={course}&amp;page=2"'
    assert next_link in first.content.decode()
    second = client.get("/follow/", {"course": course, "page": 2})
    shown = {row.learner_id for row in [*first.context["rows"], *second.context["rows"]]}
    assert shown == {e.learner_id for e in enrolments}


def test_trainer_confirms_a_completion_a_change_made_possible(
    client, course_tree, enrolments, trainer, make_trainer
):
    """A required lesson was withdrawn after the learner had done all the others: the
    recount completes nobody, and the roster lets the course's trainer confirm it."""
    from courses.models import CourseProgress
    from courses.services.progress import course_progress_recount_course
    from tests.factories import finished

    mine, theirs = enrolments
    required = [a for a in course_tree.activities if a.required]
    finished(mine.learner, *required[:2])
    course_tree.lessons[2].unpublish()
    course_progress_recount_course(course_id=course_tree.course.pk)
    roster = f"/admin/my-courses/{course_tree.course.pk}/"

    client.force_login(make_trainer("khac"))
    assert client.post(roster, {"confirm_completion": mine.learner_id}).status_code == 404
    client.force_login(trainer)
    html = client.get(roster).content.decode()
    assert html.count('name="confirm_completion"') == 1, "only where the rule now holds"
    client.post(roster, {"confirm_completion": theirs.learner_id})
    assert CourseProgress.objects.get(enrolment=theirs).completed_at is None
    response = client.post(roster, {"confirm_completion": mine.learner_id}, follow=True)
    assert "Đã xác nhận hoàn thành khóa học." in response.content.decode()
    assert CourseProgress.objects.get(enrolment=mine).completed_at is not None
