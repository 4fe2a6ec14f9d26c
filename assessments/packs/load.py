"""Reading pack records back into a course: found by key, brought in line, validated."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from courses.models import CoursePage, ModulePage
from courses.packs import PackIn

from ..models import Question, QuestionCategory, QuestionOption, Quiz, QuizSlot
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
