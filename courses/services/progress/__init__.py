"""The progress pipeline: events in, summaries and course progress updated with them."""

from courses.activity_kinds import EventIn

from .course import (
    course_completion_confirm,
    course_progress_recount_course,
    course_progress_refresh,
    course_state,
)
from .events import (
    DUPLICATE,
    REFUSED,
    STORED,
    EventResult,
    IngestResult,
    activity_opened,
    progress_events_ingest,
    progress_record,
)

__all__ = [
    "DUPLICATE",
    "REFUSED",
    "STORED",
    "EventIn",
    "EventResult",
    "IngestResult",
    "activity_opened",
    "course_completion_confirm",
    "course_progress_recount_course",
    "course_progress_refresh",
    "course_state",
    "progress_events_ingest",
    "progress_record",
]
