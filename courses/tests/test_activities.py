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
