from courses.models import Activity


def test_publishing_a_lesson_creates_its_activity(course_tree):
    assert [a.title for a in course_tree.activities] == ["Bài 1.1", "Bài 1.2", "Bài 2.1", "Bài 2.2"]
    assert [a.required for a in course_tree.activities] == [True, True, True, False]
    assert {a.course_id for a in course_tree.activities} == {course_tree.course.pk}
    assert course_tree.activities[2].module_id == course_tree.modules[1].pk


def test_unpublishing_a_lesson_retires_its_activity_but_keeps_it(course_tree):
    lesson = course_tree.lessons[0]
    lesson.unpublish()
    activity = Activity.objects.get(page_id=lesson.pk)
    assert activity.is_active is False


def test_republishing_updates_title_and_required(course_tree):
    lesson = course_tree.lessons[1]
    lesson.title = "Bài mới"
    lesson.required = False
    lesson.save_revision().publish()
    activity = Activity.objects.get(page_id=lesson.pk)
    assert (activity.title, activity.required) == ("Bài mới", False)
    assert Activity.objects.filter(course=course_tree.course).count() == 4


def test_moving_a_module_to_another_course_moves_its_activities(course_tree, trainer):
    from tests.factories import build_course

    other = build_course(trainer=trainer, title="Khóa khác", slug="khoa-khac")
    module = course_tree.modules[1]
    module.slug = "hoc-phan-chuyen-sang"
    module.save_revision().publish()
    module.refresh_from_db()
    module.move(other.course, pos="last-child")
    moved = Activity.objects.filter(page_id__in=[p.pk for p in course_tree.lessons[2:]])
    assert {a.course_id for a in moved} == {other.course.pk}
    assert {a.module_id for a in moved} == {module.pk}
    positions = list(
        Activity.objects.filter(course=other.course)
        .order_by("position")
        .values_list("title", flat=True)
    )
    assert positions[-2:] == ["Bài 2.1", "Bài 2.2"], "after the course's own lessons"


def test_a_lesson_under_an_unpublished_module_is_not_served_and_stops_counting(
    course_tree, learner, client
):
    """Defect: the cached path served it (Wagtail's routing would 404), and it still
    counted as required, so the course could never reach 100 %."""
    from courses.services.enrolment import enrolment_create

    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    lesson = course_tree.lessons[2]
    url = lesson.url
    assert client.get(url).status_code == 200
    course_tree.modules[1].unpublish()
    assert client.get(url).status_code == 404
    assert Activity.objects.get(page_id=lesson.pk).is_active is False
    course_tree.modules[1].save_revision().publish()
    assert Activity.objects.get(page_id=lesson.pk).is_active is True
    assert client.get(url).status_code == 200


def test_a_draft_saved_after_publishing_never_counts(course_tree):
    """Only what learners can reach counts: a new lesson saved as a draft (an autosave
    landing after a publish attempt) has no active activity."""
    from courses.models import LessonPage
    from courses.services.activities import activity_sync_for_lesson

    draft = course_tree.modules[0].add_child(
        instance=LessonPage(title="Bản nháp", slug="ban-nhap", live=False)
    )
    draft.save_revision()
    activity = activity_sync_for_lesson(draft)
    assert activity is not None and activity.is_active is False
