from .bank import (
    MANUALLY_GRADED,
    Question,
    QuestionCategory,
    QuestionOption,
    QuestionTag,
    QuestionType,
)
from .quizzes import (
    DEADLINE_GRACE,
    Attempt,
    GradeChange,
    GradingMethod,
    Quiz,
    QuizSlot,
    Recording,
    Response,
    Shown,
)

__all__ = [
    "DEADLINE_GRACE",
    "MANUALLY_GRADED",
    "Attempt",
    "GradeChange",
    "GradingMethod",
    "Question",
    "QuestionCategory",
    "QuestionOption",
    "QuestionTag",
    "QuestionType",
    "Quiz",
    "QuizSlot",
    "Recording",
    "Response",
    "Shown",
]
