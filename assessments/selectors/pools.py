"""What a new attempt draws from, cached between starts.

Three hundred learners starting the same exam in the same minute would otherwise read
the same slots, questions and options three hundred times. The cache is keyed by a
per-course bank version that any change to the course's questions, options, categories,
quizzes or slots bumps (assessments.signals), so a start never draws from a stale bank.
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Prefetch

from ..grading import blank_numbers
from ..models import Question, QuestionOption, Quiz

_LOCAL_ENTRIES = 256
_local: OrderedDict[tuple, "QuizPool"] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class QuestionPlan:
    """What laying a question out needs: its type, its blanks and its options' order."""

    pk: int
    qtype: str
    blanks: tuple[int, ...]
    option_ids: tuple[int, ...]


@dataclass(frozen=True)
class QuizPool:
    # Each slot: ("q", question id, 1) or ("c", category id, how many to draw).
    slots: tuple[tuple[str, int, int], ...]
    questions: dict[int, QuestionPlan]
    categories: dict[int, tuple[int, ...]]


def _version_key(course_id: int) -> str:
    return f"assessments:bank-version:{course_id}"


def bank_version(course_id: int) -> int:
    key = _version_key(course_id)
    version = cache.get(key)
    if version is None:
        # From the clock: a flushed cache never hands out a number an old entry carries.
        cache.add(key, time.time_ns() // 1000, None)
        version = cache.get(key)
    return version


def bank_changed(course_id: int) -> None:
    try:
        cache.incr(_version_key(course_id))
    except ValueError:
        cache.add(_version_key(course_id), time.time_ns() // 1000, None)


def plan_of(question: Question, options) -> QuestionPlan:
    return QuestionPlan(
        question.pk,
        question.qtype,
        tuple(blank_numbers(question.text)),
        tuple(o.pk for o in options),
    )


def _load(quiz: Quiz) -> QuizPool:
    slots = list(quiz.slots.order_by("sort_order"))
    categories = {s.category_id for s in slots if s.category_id}
    fixed = {s.question_id for s in slots if s.question_id}
    questions = Question.objects.filter(course_id=quiz.course_id).prefetch_related(
        Prefetch("options", queryset=QuestionOption.objects.order_by("sort_order"))
    )
    plans: dict[int, QuestionPlan] = {}
    by_category: dict[int, list[int]] = {c: [] for c in categories}
    for question in questions.filter(pk__in=fixed) | questions.filter(category_id__in=categories):
        plans[question.pk] = plan_of(question, question.options.all())
        if question.category_id in by_category:
            by_category[question.category_id].append(question.pk)
    return QuizPool(
        slots=tuple(
            ("q", s.question_id, 1) if s.question_id else ("c", s.category_id, s.draw_count)
            for s in slots
        ),
        questions=plans,
        categories={c: tuple(sorted(ids)) for c, ids in by_category.items()},
    )


def quiz_pool(quiz: Quiz) -> QuizPool:
    key = (quiz.pk, bank_version(quiz.course_id))
    with _lock:
        pool = _local.get(key)
        if pool is not None:
            _local.move_to_end(key)
            return pool
    pool = _load(quiz)
    with _lock:
        _local[key] = pool
        while len(_local) > _LOCAL_ENTRIES:
            _local.popitem(last=False)
    return pool
