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

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from courses.models import CoursePage, ModulePage
from courses.packs import PackIn, PackOut, PackPart, register_pack_part

from .models import Question, QuestionCategory, QuestionOption, QuestionTag, Quiz, QuizSlot

NAME = "quizzes"

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


def _grouped(rows: Iterable[Any], parent: str) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, parent)].append(row)
    return grouped


def _media(model: type[Model], name: str) -> type[Model]:
    related = model._meta.get_field(name).related_model
    assert isinstance(related, type)
    return related


def _reference(out: PackOut, model: type[Model], name: str, pk: Any) -> Any:
    return None if pk is None else out.reference(_media(model, name), pk)


# Export


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


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, code="pack")


def _uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise _invalid(_("Mã “%(key)s” trong gói không hợp lệ.") % {"key": value}) from None


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise _invalid(
            _("Số điểm “%(value)s” trong gói không hợp lệ.") % {"value": value}
        ) from None


def _moment(value: Any) -> Any:
    if value is None:
        return None
    moment = parse_datetime(str(value))
    if moment is None:
        raise _invalid(_("Thời điểm “%(value)s” trong gói không hợp lệ.") % {"value": value})
    return moment


def _checked(instance: Model, what: str, exclude: Sequence[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as error:
        details = "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
        raise _invalid(
            _("%(what)s trong gói không hợp lệ (%(details)s).") % {"what": what, "details": details}
        ) from error


class _Loader:
    def __init__(self, records: list[dict], pack_in: PackIn) -> None:
        self.pack_in = pack_in
        self.course: CoursePage = pack_in.course
        self.records: dict[str, list[dict]] = defaultdict(list)
        for record in records:
            kind = record.get("type") if isinstance(record, dict) else None
            if kind not in (CATEGORY, QUESTION, QUIZ):
                raise _invalid(
                    _("Gói có một bản ghi bài kiểm tra không đọc được (loại: %(type)s).")
                    % {"type": kind}
                )
            self.records[kind].append(record)
        self.categories: dict[str, QuestionCategory] = {}
        # The pack's keys to this course's objects.
        self.questions: dict[str, Question] = {}
        self.quizzes: dict[str, Quiz] = {}

    def load(self) -> dict[type[Model], dict[str, Any]]:
        for record in self.records[CATEGORY]:
            if not record.get("name"):
                raise _invalid(_("Gói có một nhóm câu hỏi không có tên."))
            self.category(record["name"])
        for record in self.records[QUESTION]:
            self.question(record)
        for record in self.records[QUIZ]:
            self.quiz(record)
        return {
            Quiz: {key: quiz.pk for key, quiz in self.quizzes.items()},
            Question: {key: question.pk for key, question in self.questions.items()},
        }

    def category(self, name: Any) -> QuestionCategory | None:
        if name is None:
            return None
        name = str(name)
        if name not in self.categories:
            category = QuestionCategory(course=self.course, name=name)
            existing = QuestionCategory.objects.filter(course=self.course, name=name).first()
            if existing is None:
                _checked(category, _("Nhóm câu hỏi “%(name)s”") % {"name": name}, ["course"])
                category.save()
            self.categories[name] = existing or category
        return self.categories[name]

    def mine(self, model: type[Quiz] | type[Question], key: uuid.UUID) -> Any:
        """The course's object of ``key``, or a new one to be saved with its key.

        Keys are unique on an installation. A pack loaded into another course of the
        installation it was made on (a copy of a course) finds its keys taken by the
        originals: the copies get keys made from the pack's key and the course, so that
        loading the pack again finds them again.
        """
        for candidate in (key, uuid.uuid5(key, f"course:{self.course.pk}")):
            found = model.objects.filter(key=candidate).first()
            if found is None:
                return model(key=candidate, course=self.course)
            if found.course_id == self.course.pk:
                return found
        raise _invalid(_("Mã “%(key)s” trong gói đã thuộc khóa học khác.") % {"key": key})

    def resolved(self, model: type[Model], name: str, reference: Any) -> Any:
        if reference is None:
            return None
        pk = self.pack_in.resolve(reference)
        if pk is None or not _media(model, name)._default_manager.filter(pk=pk).exists():
            return None
        return pk

    def question(self, record: dict) -> None:
        # Kept as written: the pack refers to the question by the same text.
        key = str(record.get("key"))
        question: Question = self.mine(Question, _uuid(key))
        created = question.pk is None
        if "category" in record:
            question.category = self.category(record["category"])
        for name in QUESTION_FIELDS:
            if name in record:
                setattr(question, name, record[name])
        if "points" in record:
            question.points = _decimal(record["points"])
        for name in QUESTION_MEDIA:
            if name in record:
                setattr(question, f"{name}_id", self.resolved(Question, name, record[name]))
        what = _("Câu hỏi “%(title)s”") % {"title": question.title}
        _checked(question, what, ["course", "key"])
        if "tags" in record:
            tags = sorted({str(tag) for tag in record["tags"] or []})
            if created or sorted(question.tags.names()) != tags:
                question.tags.set(tags)
        question.save()
        if "options" in record:
            self.options(question, record["options"] or [], what)
        self.questions[key] = question

    def options(self, question: Question, records: list[dict], what: str) -> None:
        # Attempts' layouts and answers name options by id: options are matched by
        # position and changed in place, so an option a trainer only reworded keeps
        # its id and the learners' answers to it. Written in bulk, without signals: the
        # question's save has already marked the course's bank as changed on commit.
        existing = list(question.options.order_by("sort_order", "pk"))
        changed, added = [], []
        for position, record in enumerate(records):
            option = existing[position] if position < len(existing) else None
            if option is None:
                option = QuestionOption(question=question)
                added.append(option)
            else:
                changed.append(option)
            option.sort_order = position
            for name in OPTION_FIELDS:
                if name in record:
                    setattr(option, name, record[name])
            for name in OPTION_MEDIA:
                if name in record:
                    setattr(option, f"{name}_id", self.resolved(QuestionOption, name, record[name]))
            _checked(option, what, ["question"])
        QuestionOption.objects.bulk_update(
            changed, ["sort_order", *OPTION_FIELDS, *(f"{name}_id" for name in OPTION_MEDIA)]
        )
        QuestionOption.objects.bulk_create(added)
        QuestionOption.objects.filter(pk__in=[o.pk for o in existing[len(records) :]]).delete()

    def module(self, reference: Any) -> ModulePage | None:
        pk = None if reference is None else self.pack_in.resolve(reference)
        if pk is None:
            return None
        return ModulePage.objects.child_of(self.course).filter(pk=pk).first()

    def quiz(self, record: dict) -> None:
        # Kept as written: the pack refers to the quiz by the same text.
        key = str(record.get("key"))
        quiz: Quiz = self.mine(Quiz, _uuid(key))
        if "module" in record:
            quiz.module = self.module(record["module"])
        for name in QUIZ_FIELDS:
            if name in record:
                setattr(quiz, name, record[name])
        for name in QUIZ_TIMES:
            if name in record:
                setattr(quiz, name, _moment(record[name]))
        what = _("Bài kiểm tra “%(title)s”") % {"title": quiz.title}
        _checked(quiz, what, ["course", "key"])
        # A plain save: its signal brings the quiz's activity in line, as an edit in
        # the admin does (placed in its module, retired if unpublished).
        quiz.save()
        if "slots" in record:
            self.slots(quiz, record["slots"] or [], what)
        self.quizzes[key] = quiz

    def slot_question(self, key: Any) -> Question | None:
        if key is None:
            return None
        if str(key) in self.questions:
            return self.questions[str(key)]
        found = self.mine(Question, _uuid(key))
        return found if found.pk is not None else None

    def slots(self, quiz: Quiz, records: list[dict], what: str) -> None:
        # In bulk too; the quiz's save has marked the bank as changed.
        existing = list(quiz.slots.order_by("sort_order", "pk"))
        changed, added = [], []
        for position, record in enumerate(records):
            slot = existing[position] if position < len(existing) else None
            if slot is None:
                slot = QuizSlot(quiz=quiz)
                added.append(slot)
            else:
                changed.append(slot)
            slot.sort_order = position
            slot.question = self.slot_question(record.get("question"))
            slot.category = self.category(record.get("category"))
            slot.draw_count = record.get("draw_count", 1)
            if record.get("question") is not None and slot.question is None:
                raise _invalid(_("%(what)s dùng một câu hỏi không có trong gói.") % {"what": what})
            _checked(slot, what, ["quiz"])
        QuizSlot.objects.bulk_update(changed, ["sort_order", "question", "category", "draw_count"])
        QuizSlot.objects.bulk_create(added)
        QuizSlot.objects.filter(pk__in=[s.pk for s in existing[len(records) :]]).delete()


def load_quizzes(records: list[dict], pack_in: PackIn) -> dict[type[Model], dict[str, Any]]:
    """Create or update the pack's categories, questions and quizzes in ``pack_in.course``.

    Objects are found by key and brought in line with the pack, their options and
    slots included; the course's objects the pack does not carry are left as they are,
    and so are the learners' attempts at all of them.
    """
    return _Loader(records, pack_in).load()


QUIZZES_PART = PackPart(
    name=NAME,
    export=export_quizzes,
    load=load_quizzes,
    keys=((Quiz, _key_of), (Question, _key_of)),
)


def register() -> None:
    register_pack_part(NAME, QUIZZES_PART)
