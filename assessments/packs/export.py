"""Writing a course's question bank and quizzes as pack records."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Model, Q

from courses.models import CoursePage
from courses.packs import PackOut

from ..models import Question, QuestionCategory, QuestionOption, QuestionTag, Quiz, QuizSlot
from .records import (
    CATEGORY,
    OPTION_FIELDS,
    OPTION_MEDIA,
    QUESTION,
    QUESTION_FIELDS,
    QUESTION_MEDIA,
    QUIZ,
    QUIZ_FIELDS,
    QUIZ_TIMES,
    _media,
)


def _grouped(rows: Iterable[Any], parent: str) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, parent)].append(row)
    return grouped


def _reference(out: PackOut, model: type[Model], name: str, pk: Any) -> Any:
    return None if pk is None else out.reference(_media(model, name), pk)


def export_quizzes(course: CoursePage, out: PackOut) -> list[dict]:
    quizzes = list(Quiz.objects.filter(course=course).order_by("pk"))
    slots = _grouped(
        QuizSlot.objects.filter(quiz__in=quizzes)
        .select_related("question", "category")
        .order_by("quiz_id", "sort_order", "pk"),
        "quiz_id",
    )
    # A slot is meant to draw from its own course's bank; one that does not still
    # takes its question along, so the quiz arrives whole.
    used = {slot.question_id for rows in slots.values() for slot in rows if slot.question_id}
    questions = list(
        Question.objects.filter(Q(course=course) | Q(pk__in=used))
        .select_related("category")
        .order_by("pk")
    )
    options = _grouped(
        QuestionOption.objects.filter(question__in=questions).order_by(
            "question_id", "sort_order", "pk"
        ),
        "question_id",
    )
    tags: dict[int, list[str]] = defaultdict(list)
    for question_id, tag in QuestionTag.objects.filter(content_object__in=questions).values_list(
        "content_object_id", "tag__name"
    ):
        tags[question_id].append(tag)

    categories = set(QuestionCategory.objects.filter(course=course).values_list("name", flat=True))
    categories |= {q.category.name for q in questions if q.category is not None}
    categories |= {s.category.name for rows in slots.values() for s in rows if s.category}

    records: list[dict] = [{"type": CATEGORY, "name": name} for name in sorted(categories)]
    records += [_question_record(q, options[q.pk], sorted(tags[q.pk]), out) for q in questions]
    records += [_quiz_record(quiz, slots[quiz.pk], out) for quiz in quizzes]
    return records


def _question_record(
    question: Question, options: list[QuestionOption], tags: list[str], out: PackOut
) -> dict:
    record: dict[str, Any] = {
        "type": QUESTION,
        "key": str(question.key),
        "category": question.category.name if question.category else None,
        "points": str(question.points),
        "tags": tags,
    }
    record |= {name: getattr(question, name) for name in QUESTION_FIELDS}
    record |= {
        name: _reference(out, Question, name, getattr(question, f"{name}_id"))
        for name in QUESTION_MEDIA
    }
    record["options"] = [
        {name: getattr(option, name) for name in OPTION_FIELDS}
        | {
            name: _reference(out, QuestionOption, name, getattr(option, f"{name}_id"))
            for name in OPTION_MEDIA
        }
        for option in options
    ]
    return record


def _quiz_record(quiz: Quiz, slots: list[QuizSlot], out: PackOut) -> dict:
    record: dict[str, Any] = {
        "type": QUIZ,
        "key": str(quiz.key),
        "module": _reference(out, Quiz, "module", quiz.module_id),
    }
    record |= {name: getattr(quiz, name) for name in QUIZ_FIELDS}
    record |= {
        name: value.isoformat() if (value := getattr(quiz, name)) else None for name in QUIZ_TIMES
    }
    record["slots"] = [
        {
            "question": str(slot.question.key) if slot.question else None,
            "category": slot.category.name if slot.category else None,
            "draw_count": slot.draw_count,
        }
        for slot in slots
    ]
    return record


# Load
