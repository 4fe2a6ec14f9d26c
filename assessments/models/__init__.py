from .bank import (
    MANUALLY_GRADED,
    Question,
    QuestionCategory,
    QuestionOption,
    QuestionTag,
    QuestionType,
)
from .quizzes import Attempt, GradingMethod, Quiz, QuizSlot, Response, Shown

__all__ = [
    "MANUALLY_GRADED",
    "Attempt",
    "GradingMethod",
    "Question",
    "QuestionCategory",
    "QuestionOption",
    "QuestionTag",
    "QuestionType",
    "Quiz",
    "QuizSlot",
    "Response",
    "Shown",
]
