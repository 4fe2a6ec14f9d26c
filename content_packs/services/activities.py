"""A course's packages follow its reachable lessons: every package block of a lesson a
learner can open makes (once per package) an activity of the course."""

from django.db import transaction

from courses.activity_kinds import LESSON
from courses.models import Activity, CoursePage, CourseWorkspace, LessonPage, ModulePage
from courses.services.activities import activity_register, activity_retire

from ..kind import PACKAGE, source_ref

PACKAGE_BLOCK = "package"


def _package_blocks(lesson: LessonPage):
    for index, block in enumerate(lesson.body):
        if block.block_type == PACKAGE_BLOCK and block.value.get("package") is not None:
            yield index, block.value["package"], block.value


def package_activities_sync(course: CoursePage) -> list[Activity]:
    """Register the course's packages as its reachable lessons hold them now, and retire
    those no reachable lesson holds any more (their progress stays)."""
    lesson_ids = Activity.objects.filter(
        course=course, kind=LESSON, is_active=True, page__isnull=False
    ).values_list("page_id", flat=True)
    lessons = LessonPage.objects.filter(pk__in=list(lesson_ids)).order_by("path")
    # Another course's package never plays for this course's learners (its files are
    # that course's): it cannot count here either.
    foreign = set(
        CourseWorkspace.objects.exclude(course=course).values_list("collection_id", flat=True)
    )
    wanted: dict[str, dict] = {}
    for lesson in lessons:
        module = lesson.get_parent().specific
        for index, package, value in _package_blocks(lesson):
            if package.collection_id in foreign:
                continue
            ref = source_ref(course.pk, package.key)
            if ref in wanted:
                wanted[ref]["required"] |= bool(value.get("required"))
                continue
            wanted[ref] = {
                "title": value.get("title") or package.title,
                "module": module if isinstance(module, ModulePage) else None,
                "required": bool(value.get("required")),
                "position": f"{lesson.path}~p{index:03d}",
            }
    registered = []
    with transaction.atomic():
        for ref, fields in wanted.items():
            registered.append(
                activity_register(course=course, kind=PACKAGE, source_ref=ref, **fields)
            )
        _retire(
            Activity.objects.filter(source_ref__startswith=f"{course.pk}:").exclude(
                source_ref__in=list(wanted)
            )
        )
    return registered


def _retire(activities) -> None:
    for ref in activities.filter(kind=PACKAGE, is_active=True).values_list("source_ref", flat=True):
        activity_retire(kind=PACKAGE, source_ref=ref)


def package_activities_sync_for_page(page) -> None:
    course = CoursePage.objects.ancestor_of(page, inclusive=True).first()
    if course is not None:
        package_activities_sync(course)


def package_activities_retire_for_package(key) -> None:
    _retire(Activity.objects.filter(source_ref__endswith=f":{key}"))
