"""The course pack part "quizzes": a course's question bank and its quizzes.

The records, in one list, each with a ``type``:

- ``{"type": "category", "name"}``: a category of the course's bank (its key is its
  name, unique in a course).
- ``{"type": "question", "key", "category": name or null, "qtype", "title", "text",
  "points": "1.50", "partial_credit", "ignore_tones", "tolerance", "true_false_answer",
  "general_feedback", "rubric", "image", "audio", "reference_audio", "tags": [names],
  "options": [{"text", "match_text", "is_correct", "credit", "blank", "feedback",
  "image", "audio"}, ...]}``, the options in their order.
- ``{"type": "quiz", "key", "module", "title", "intro", "published", "required",
  "time_limit_minutes", "attempts_allowed", "grading_method", "pass_percent",
  "shuffle_questions", "shuffle_options", "open_at", "close_at" (ISO 8601 or null),
  "feedback_shown", "answers_shown", "review_after_close", "slots": [{"question": key
  or null, "category": name or null, "draw_count"}, ...]}``, the slots in their order.

Images, audio and modules are written as the pack's references. Learners' attempts,
answers, recordings and grades never leave the installation they were made on.
"""

from courses.packs import PackPart, register_pack_part

from ..models import Question, Quiz
from .export import export_quizzes
from .load import load_quizzes
from .records import _key_of

NAME = "quizzes"

QUIZZES_PART = PackPart(
    name=NAME,
    export=export_quizzes,
    load=load_quizzes,
    keys=((Quiz, _key_of), (Question, _key_of)),
)


def register() -> None:
    register_pack_part(NAME, QUIZZES_PART)


__all__ = ["QUIZZES_PART", "export_quizzes", "load_quizzes", "register"]
