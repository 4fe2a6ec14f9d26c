"""A learner's view of their courses: the course page, the lesson page, My learning."""

from ..models import (
    ActivityProgress,
    CoursePage,
    Enrolment,
    LessonPage,
)
from .outline import (
    CourseCard,
    course_card,
    course_outline,
    outline_statuses,
    outline_with_status,
    resume_item,
)


def course_page_context(course: CoursePage, user) -> dict:
    enrolment = None
    if user.is_authenticated:
        enrolment = (
            Enrolment.objects.select_related("progress", "certificate")
            .filter(learner=user, course=course)
            .first()
        )
    active = enrolment if enrolment and enrolment.is_active else None
    outline = outline_with_status(course, user) if active else course_outline(course)
    resume = None
    if active:
        last = active.progress.last_activity_id
        resume = resume_item(outline, str(last) if last else None)
    return {
        "enrolment": enrolment,
        "active_enrolment": active,
        "outline": outline,
        "resume": resume,
        "trainers": course.trainers.select_related("learner_profile").all(),
        "prerequisites": course.prerequisites.live(),
        "enrolment_open": course.enrolment_is_open(),
        "seats_left": (
            max(
                course.capacity - course.enrolments.filter(status=Enrolment.Status.ACTIVE).count(),
                0,
            )
            if course.capacity is not None
            else None
        ),
    }


def access_lesson(user, lesson: LessonPage) -> CourseCard | None:
    """The lesson's course if ``user`` may learn it (an active enrolment), else None."""
    if not user.is_authenticated:
        return None
    card = course_card(lesson.path[: -2 * LessonPage.steplen])
    if card is None:
        return None
    enrolled = Enrolment.objects.filter(
        learner=user, course_id=card.pk, status=Enrolment.Status.ACTIVE
    ).exists()
    return card if enrolled else None


def lesson_context(lesson: LessonPage, learner, card: CourseCard) -> dict:
    summaries = {
        str(s.activity_id): s
        for s in ActivityProgress.objects.filter(learner=learner, activity__course_id=card.pk).only(
            "activity_id", "status", "resume_point", "opened_at"
        )
    }
    statuses = {key: summary.status for key, summary in summaries.items()}
    outline = outline_statuses(course_outline(card), statuses)
    items = [item for module in outline for item in module.items]
    index = next((i for i, item in enumerate(items) if item.page_id == lesson.pk), None)
    current = items[index] if index is not None else None
    return {
        "course": card,
        "outline": outline,
        "current": current,
        "previous": items[index - 1] if index else None,
        "next": items[index + 1] if index is not None and index + 1 < len(items) else None,
        "summary": summaries.get(current.activity_id) if current else None,
    }


def my_learning(learner) -> list[dict]:
    """The learner's active and finished courses, each with its module progress bars."""
    enrolments = (
        Enrolment.objects.filter(learner=learner)
        .select_related("progress", "course", "certificate")
        .order_by("status", "-progress__last_activity_at", "-enrolled_at")
    )
    # Every course's statuses in one query, not one per enrolment.
    statuses = {
        str(activity_id): status
        for activity_id, status in ActivityProgress.objects.filter(learner=learner).values_list(
            "activity_id", "status"
        )
    }
    items = []
    for enrolment in enrolments:
        outline = outline_statuses(course_outline(enrolment.course), statuses)
        last = enrolment.progress.last_activity_id
        items.append(
            {
                "enrolment": enrolment,
                "course": enrolment.course,
                "progress": enrolment.progress,
                "outline": outline,
                "resume": resume_item(outline, str(last) if last else None)
                if enrolment.is_active
                else None,
                "available": enrolment.course.live and bool(outline),
                "certificate": getattr(enrolment, "certificate", None),
            }
        )
    return items
