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
