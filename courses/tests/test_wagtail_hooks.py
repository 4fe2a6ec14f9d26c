import pytest

from courses.services.enrolment import enrolment_create
from tests.factories import build_course


@pytest.fixture
def two_courses(trainer, make_learner):
    mine = build_course(trainer=trainer)
    other = build_course(title="Khóa của người khác", slug="khac")
    enrolment_create(learner=make_learner("hv1"), course=mine.course)
    enrolment_create(learner=make_learner("hv2"), course=other.course)
    return mine, other


def test_trainer_edits_lessons_of_their_course_only(client, trainer, two_courses):
    mine, other = two_courses
    client.force_login(trainer)
    assert client.get(f"/admin/pages/{mine.lessons[0].pk}/edit/").status_code == 200
    response = client.get(f"/admin/pages/{other.lessons[0].pk}/edit/")
    assert response.status_code == 302, "sent back to the explorer"
    refused = client.get(f"/admin/pages/add/courses/lessonpage/{other.modules[0].pk}/")
    assert (refused.status_code, refused["Location"]) == (302, "/admin/"), "permission denied"
    assert (
        client.get(f"/admin/pages/add/courses/lessonpage/{mine.modules[0].pk}/").status_code == 200
    )


def test_trainer_explorer_lists_only_their_courses(client, trainer, two_courses):
    mine, other = two_courses
    client.force_login(trainer)
    html = client.get(f"/admin/pages/{mine.program.pk}/").content.decode()
    assert mine.course.title in html and other.course.title not in html


def test_roster_shows_only_the_trainers_learners(client, trainer, two_courses):
    mine, other = two_courses
    client.force_login(trainer)
    html = client.get(f"/admin/my-courses/{mine.course.pk}/").content.decode()
    assert "Học viên 1" in html and "Học viên 2" not in html
    assert client.get(f"/admin/my-courses/{other.course.pk}/").status_code == 404
    menu = client.get("/admin/my-courses/").content.decode()
    assert mine.course.title in menu and other.course.title not in menu


def test_a_new_catalogue_is_open_to_trainers_without_hand_made_permissions(db):
    from wagtail.models import GroupPagePermission

    from lms.roles import TRAINERS_GROUP

    catalogue = build_course().catalogue
    granted = GroupPagePermission.objects.filter(group__name=TRAINERS_GROUP, page=catalogue)
    assert sorted(granted.values_list("permission__codename", flat=True)) == [
        "add_page",
        "change_page",
        "publish_page",
    ]
