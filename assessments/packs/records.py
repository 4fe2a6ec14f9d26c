"""The records' shape: record types, the fields each carries, and the keys objects
are known by in a pack."""

from django.db.models import Model

from ..models import Question, Quiz

CATEGORY, QUESTION, QUIZ = "category", "question", "quiz"

# Written as they are in JSON (points, dates and references have their own forms).
QUESTION_FIELDS = (
    "qtype",
    "title",
    "text",
    "partial_credit",
    "ignore_tones",
    "tolerance",
    "true_false_answer",
    "general_feedback",
    "rubric",
)
QUESTION_MEDIA = ("image", "audio", "reference_audio")
OPTION_FIELDS = ("text", "match_text", "is_correct", "credit", "blank", "feedback")
OPTION_MEDIA = ("image", "audio")
QUIZ_FIELDS = (
    "title",
    "intro",
    "published",
    "required",
    "time_limit_minutes",
    "attempts_allowed",
    "grading_method",
    "pass_percent",
    "shuffle_questions",
    "shuffle_options",
    "feedback_shown",
    "answers_shown",
    "review_after_close",
)
QUIZ_TIMES = ("open_at", "close_at")


def _key_of(instance: Model) -> str:
    assert isinstance(instance, Quiz | Question)
    return str(instance.key)


def _media(model: type[Model], name: str) -> type[Model]:
    related = model._meta.get_field(name).related_model
    assert isinstance(related, type)
    return related
