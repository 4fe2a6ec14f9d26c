"""Reads of the quiz engine, each scoped to the asking user."""

from .learning import (
    AttemptQuestion,
    AttemptReview,
    QuizStanding,
    access_attempt,
    access_quiz,
    attempt_questions,
    attempt_review,
    questions_for_staff,
    quiz_standing,
    quizzes_for_learner,
    quizzes_for_staff,
)
from .staff import (
    Gradebook,
    ItemStatistics,
    access_attempt_for_staff,
    access_quiz_for_staff,
    gradebook,
    gradebook_table,
    item_statistics,
    learner_name,
    quizzes_of_course,
)

__all__ = [
    "AttemptQuestion",
    "AttemptReview",
    "Gradebook",
    "ItemStatistics",
    "QuizStanding",
    "access_attempt",
    "access_attempt_for_staff",
    "access_quiz",
    "access_quiz_for_staff",
    "attempt_questions",
    "attempt_review",
    "gradebook",
    "gradebook_table",
    "item_statistics",
    "learner_name",
    "questions_for_staff",
    "quiz_standing",
    "quizzes_for_learner",
    "quizzes_for_staff",
    "quizzes_of_course",
]
