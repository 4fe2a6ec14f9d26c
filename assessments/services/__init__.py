"""Writes of the quiz engine: attempts, grades and the quizzes' activities."""

from .attempts import (
    DEADLINE_GRACE,
    attempt_close_expired,
    attempt_close_if_expired,
    attempt_grade,
    attempt_start,
    attempt_submit,
    attempt_total,
    response_save,
)
from .grades import quiz_activity_retire, quiz_activity_sync, quiz_grade_record
from .marking import quiz_regrade, response_mark, rubric_criteria

__all__ = [
    "DEADLINE_GRACE",
    "attempt_close_expired",
    "attempt_close_if_expired",
    "attempt_grade",
    "attempt_start",
    "attempt_submit",
    "attempt_total",
    "quiz_activity_retire",
    "quiz_activity_sync",
    "quiz_grade_record",
    "quiz_regrade",
    "response_mark",
    "rubric_criteria",
    "response_save",
]
