"""Reads of the courses app, each scoped to what the asking user may see."""

from .catalogue import catalogue_search, published_courses
from .learning import access_lesson, course_page_context, lesson_context, my_learning
from .outline import (
    CourseCard,
    OutlineItem,
    OutlineModule,
    course_card,
    course_outline,
    outline_statuses,
    outline_with_status,
    placed_activity,
    resume_item,
)
from .staff import (
    course_roster,
    courses_taught_by,
    enrolments_visible_to,
    learner_for_staff,
    progress_rows_for_staff,
)

__all__ = [
    "placed_activity",
    "CourseCard",
    "OutlineItem",
    "OutlineModule",
    "access_lesson",
    "catalogue_search",
    "course_card",
    "course_outline",
    "course_page_context",
    "course_roster",
    "courses_taught_by",
    "enrolments_visible_to",
    "learner_for_staff",
    "lesson_context",
    "my_learning",
    "outline_statuses",
    "outline_with_status",
    "progress_rows_for_staff",
    "published_courses",
    "resume_item",
]
