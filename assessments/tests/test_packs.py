"""The quizzes part of a course pack: a course's bank and quizzes go out as records and
come back into another course whole, and a newer pack updates what an older one made
without touching the learners' attempts."""

import copy
import hashlib
import io
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import Model
from django.utils import timezone
from wagtail.images.tests.utils import get_test_image_file

from assessments.kind import QUIZ
from assessments.models import (
    Attempt,
    Question,
    QuestionCategory,
    QuestionOption,
    QuestionTag,
    Quiz,
    QuizSlot,
    Response,
)
from assessments.packs import export_quizzes, load_quizzes
from assessments.services import attempt_start, response_save
from courses.models import Activity
from courses.packs import pack_parts
from courses.selectors.outline import course_outline
from courses.services.enrolment import enrolment_create
from tests.factories import CourseTree, build_course

from .factories import bank, make_quiz, question

Image = Question._meta.get_field("image").related_model
Document = Question._meta.get_field("audio").related_model
AUDIO = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 64


class FakeOut:
    """A pack being written, in memory: files by SHA-256, references by primary key."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def add_file(self, source, *, sha256: str | None = None, size: int | None = None) -> str:
        with source() as stream:
            data = stream.read()
        digest = hashlib.sha256(data).hexdigest()
        self.files[digest] = data
        return digest

    def reference(self, model: type[Model], pk: Any) -> Any:
        return {"model": model._meta.label_lower, "pk": pk}


class FakeIn:
    """A pack being read: its references resolve through ``objects``, whatever the
    test put there ((label, old pk) -> new pk); anything else is not in the pack."""

    def __init__(self, course, objects: dict | None = None, files: dict | None = None) -> None:
        self.course = course
        self.objects = objects or {}
        self.files = files or {}

    def open_file(self, sha256: str) -> io.BytesIO:
        return io.BytesIO(self.files[sha256])

    def resolve(self, reference: Any) -> Any:
        return self.objects.get((reference["model"], reference["pk"]))


def label(model) -> str:
    return model._meta.label_lower


def exported(course) -> list[dict]:
    """The course's records as the pack carries them: through JSON and back."""
    out = FakeOut()
    records = export_quizzes(course, out)
    return json.loads(json.dumps(records, allow_nan=False))


def audio_document(title: str) -> Any:
    document = Document(title=title)
    document.file.save(f"{title}.mp3", ContentFile(AUDIO), save=False)
    document.save()
    return document


@dataclass
class Source:
    tree: CourseTree
    questions: dict[str, Question]
    quiz: Quiz
    draft: Quiz
    image: Any
    picture: Any
    audio: Any
    sample: Any


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def source(course_tree) -> Source:
    """A bank with every kind of field filled in, and two quizzes of it."""
    course = course_tree.course
    questions = bank(course)
    review = QuestionCategory.objects.create(course=course, name="Ôn tập")
    QuestionCategory.objects.create(course=course, name="Chưa dùng")
    image = Image.objects.create(title="cho", file=get_test_image_file("cho.png"))
    picture = Image.objects.create(title="com", file=get_test_image_file("com.png"))
    audio, sample = audio_document("de-bai"), audio_document("mau")
    spoken = question(
        course,
        "spoken",
        "Nghe rồi đọc to: “Slao cạ”.",
        title="Đọc lời chào",
        category=review,
        points=Decimal("2.50"),
        image=image,
        audio=audio,
        reference_audio=sample,
        rubric="Phát âm | 2\nNgữ điệu | 0.5",
        general_feedback="Chú ý thanh điệu.",
    )
    spoken.tags.set(["nghe-noi", "chao-hoi"])
    spoken.save()
    questions["single"].tags.set(["chao-hoi"])
    questions["single"].save()
    QuestionOption.objects.create(
        question=questions["multiple"],
        sort_order=7,
        text="Kin khẩu",
        credit=-50,
        feedback="Đó là “ăn”.",
        image=picture,
        audio=audio,
    )
    questions["numeric"].tolerance = 0.5
    questions["numeric"].save()
    questions["spoken"] = spoken
    now = timezone.now().replace(microsecond=0)
    quiz = make_quiz(
        course,
        [q for name, q in questions.items() if name != "spoken"],
        module=course_tree.modules[0],
        intro="Làm trong 20 phút.",
        required=False,
        time_limit_minutes=20,
        attempts_allowed=3,
        grading_method="average",
        pass_percent=60,
        shuffle_questions=True,
        shuffle_options=False,
        open_at=now - timedelta(hours=1),
        close_at=now + timedelta(days=7),
        feedback_shown="after_close",
        answers_shown="never",
        review_after_close=False,
    )
    greetings = QuestionCategory.objects.get(course=course, name="Chào hỏi")
    QuizSlot.objects.create(quiz=quiz, category=greetings, draw_count=2, sort_order=20)
    draft = make_quiz(course, [spoken], title="Bài nói", published=False)
    return Source(course_tree, questions, quiz, draft, image, picture, audio, sample)


@pytest.fixture
def target(db) -> CourseTree:
    return build_course(title="Tiếng Tày giao tiếp (lớp Thất Khê)", slug="tieng-tay-that-khe")


@pytest.fixture
def objects(source, target) -> dict:
    """How the rest of the pack maps the source's media and modules into the target."""
    image = Image.objects.create(title="cho", file=get_test_image_file("cho-2.png"))
    picture = Image.objects.create(title="com", file=get_test_image_file("com-2.png"))
    audio, sample = audio_document("de-bai-2"), audio_document("mau-2")
    mapping = {
        (label(Image), source.image.pk): image.pk,
        (label(Image), source.picture.pk): picture.pk,
        (label(Document), source.audio.pk): audio.pk,
        (label(Document), source.sample.pk): sample.pk,
    }
    for old, new in zip(source.tree.modules, target.modules, strict=True):
        mapping[("courses.modulepage", old.pk)] = new.pk
    return mapping


def plain(instance: Model, skip: set[str]) -> dict:
    """Every field the model holds that is not a relation, by name."""
    return {
        f.name: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if not f.is_relation and f.name not in skip
    }


def related_field_names(model: type[Model]) -> set[str]:
    return {f.name for f in model._meta.concrete_fields if f.is_relation}


def referred(objects: dict, model: type[Model], pk: Any) -> Any:
    return None if pk is None else objects[(label(model), pk)]


def assert_same_question(old: Question, new: Question, objects: dict, target_course) -> None:
    # A relation added to the model must be looked at here, or this fails.
    assert related_field_names(Question) == {
        "course",
        "category",
        "image",
        "audio",
        "reference_audio",
    }
    assert plain(new, {"id", "key", "updated_at"}) == plain(old, {"id", "key", "updated_at"})
    assert new.course_id == target_course.pk
    assert (new.category and new.category.name) == (old.category and old.category.name)
    assert new.category is None or new.category.course_id == target_course.pk
    for name in ("image", "audio", "reference_audio"):
        field = Question._meta.get_field(name)
        expected = referred(objects, field.related_model, getattr(old, field.attname))
        assert getattr(new, field.attname) == expected, name
    assert sorted(new.tags.names()) == sorted(old.tags.names())

    assert related_field_names(QuestionOption) == {"question", "image", "audio"}
    old_options = list(old.options.order_by("sort_order", "pk"))
    new_options = list(new.options.order_by("sort_order", "pk"))
    skip = {"id", "sort_order"}
    assert [plain(o, skip) for o in new_options] == [plain(o, skip) for o in old_options]
    for old_option, new_option in zip(old_options, new_options, strict=True):
        assert new_option.image_id == referred(objects, Image, old_option.image_id)
        assert new_option.audio_id == referred(objects, Document, old_option.audio_id)


def assert_same_quiz(old: Quiz, new: Quiz, loaded: dict, objects: dict, target_course) -> None:
    assert related_field_names(Quiz) == {"course", "module"}
    assert plain(new, {"id", "key", "updated_at"}) == plain(old, {"id", "key", "updated_at"})
    assert new.course_id == target_course.pk
    assert new.module_id == referred(objects, type(old.module), old.module_id)
    assert related_field_names(QuizSlot) == {"quiz", "question", "category"}

    def slots(quiz: Quiz, questions: dict) -> list:
        return [
            (
                questions.get(slot.question_id),
                slot.category.name if slot.category else None,
                slot.draw_count,
            )
            for slot in quiz.slots.order_by("sort_order", "pk")
        ]

    old_questions = {
        q.pk: loaded[Question][str(q.key)] for q in Question.objects.filter(course=old.course)
    }
    new_questions = {pk: pk for pk in loaded[Question].values()}
    assert slots(new, new_questions) == slots(old, old_questions)
    assert all(
        slot.category.course_id == target_course.pk for slot in new.slots.exclude(category=None)
    )


def course_counts(course) -> dict[str, int]:
    return {
        "categories": QuestionCategory.objects.filter(course=course).count(),
        "questions": Question.objects.filter(course=course).count(),
        "options": QuestionOption.objects.filter(question__course=course).count(),
        "tags": QuestionTag.objects.filter(content_object__course=course).count(),
        "quizzes": Quiz.objects.filter(course=course).count(),
        "slots": QuizSlot.objects.filter(quiz__course=course).count(),
        "activities": Activity.objects.filter(course=course, kind=QUIZ).count(),
    }


def test_the_part_is_registered_and_keys_quizzes_and_questions(source):
    part = next(p for p in pack_parts() if p.name == "quizzes")
    keys = dict(part.keys)
    assert keys[Quiz](source.quiz) == str(source.quiz.key)
    assert keys[Question](source.questions["single"]) == str(source.questions["single"].key)
    assert part.export is export_quizzes and part.load is load_quizzes


def test_the_export_carries_every_setting_and_no_learner_data(source, learner):
    enrolment_create(learner=learner, course=source.tree.course)
    attempt = attempt_start(learner=learner, quiz=source.quiz)
    single = source.questions["single"]
    response_save(
        learner=learner,
        attempt_id=attempt.pk,
        question_id=single.pk,
        data={"option": [str(single.options.first().pk)]},
    )
    records = exported(source.tree.course)
    text = json.dumps(records)

    assert [r["type"] for r in records] == ["category"] * 3 + ["question"] * 9 + ["quiz"] * 2
    assert {r["name"] for r in records if r["type"] == "category"} == {
        "Chào hỏi",
        "Ôn tập",
        "Chưa dùng",
    }
    quiz = next(r for r in records if r["type"] == "quiz" and r["key"] == str(source.quiz.key))
    quiz_fields = {f.name for f in Quiz._meta.concrete_fields} - {"id", "course", "updated_at"}
    assert set(quiz) == quiz_fields | {"type", "slots"}
    question_fields = {f.name for f in Question._meta.concrete_fields}
    some_question = next(r for r in records if r["type"] == "question")
    assert set(some_question) == question_fields - {"id", "course", "updated_at"} | {
        "type",
        "tags",
        "options",
    }
    assert str(attempt.pk) not in text
    assert learner.username not in text
    assert "layout" not in text and "saved_at" not in text


def test_a_course_loads_into_another_with_every_field_option_slot_tag_and_reference(
    source, target, objects
):
    records = exported(source.tree.course)
    loaded = load_quizzes(records, FakeIn(target.course, objects))

    assert set(loaded) == {Quiz, Question}
    assert set(loaded[Question]) == {str(q.key) for q in source.questions.values()}
    for old in source.questions.values():
        new = Question.objects.get(pk=loaded[Question][str(old.key)])
        # The original still holds the pack's key on this installation.
        assert new.pk != old.pk and new.key != old.key
        assert_same_question(old, new, objects, target.course)
    assert set(QuestionCategory.objects.filter(course=target.course).values_list("name")) == {
        ("Chào hỏi",),
        ("Ôn tập",),
        ("Chưa dùng",),
    }
    for old in (source.quiz, source.draft):
        new = Quiz.objects.get(pk=loaded[Quiz][str(old.key)])
        assert_same_quiz(old, new, loaded, objects, target.course)

    quiz = Quiz.objects.get(pk=loaded[Quiz][str(source.quiz.key)])
    activity = Activity.objects.get(kind=QUIZ, source_ref=str(quiz.pk))
    assert activity.is_active and activity.course_id == target.course.pk
    assert activity.module_id == target.modules[0].pk and activity.title == quiz.title
    draft = Quiz.objects.get(pk=loaded[Quiz][str(source.draft.key)])
    assert not Activity.objects.filter(kind=QUIZ, source_ref=str(draft.pk), is_active=True)
    outline = {m.page_id: [i.title for i in m.items] for m in course_outline(target.course)}
    assert quiz.title in outline[target.modules[0].pk]
    assert draft.title not in sum(outline.values(), [])
    # The source course is untouched.
    assert Quiz.objects.get(pk=source.quiz.pk).course_id == source.tree.course.pk
    assert Question.objects.filter(course=source.tree.course).count() == 9


def test_loading_the_same_pack_again_updates_in_place(source, target, objects):
    records = exported(source.tree.course)
    first = load_quizzes(records, FakeIn(target.course, objects))
    counts = course_counts(target.course)
    options = list(
        QuestionOption.objects.filter(question__course=target.course).values_list("pk", "text")
    )
    keys = dict(Quiz.objects.filter(course=target.course).values_list("pk", "key"))
    activities = set(Activity.objects.filter(course=target.course, kind=QUIZ).values_list("pk"))

    again = load_quizzes(copy.deepcopy(records), FakeIn(target.course, objects))

    assert again == first
    assert course_counts(target.course) == counts
    assert counts["questions"] == 9 and counts["quizzes"] == 2 and counts["tags"] == 3
    assert (
        list(
            QuestionOption.objects.filter(question__course=target.course).values_list("pk", "text")
        )
        == options
    )
    assert dict(Quiz.objects.filter(course=target.course).values_list("pk", "key")) == keys
    assert (
        set(Activity.objects.filter(course=target.course, kind=QUIZ).values_list("pk"))
        == activities
    )


def test_on_another_installation_the_objects_keep_the_packs_keys(source, target, objects):
    records = exported(source.tree.course)
    # As if the pack were read elsewhere: nothing here holds its keys.
    Quiz.objects.filter(course=source.tree.course).delete()
    Question.objects.filter(course=source.tree.course).delete()

    loaded = load_quizzes(records, FakeIn(target.course, objects))
    again = load_quizzes(records, FakeIn(target.course, objects))

    assert again == loaded
    for model in (Quiz, Question):
        made = dict(model.objects.filter(course=target.course).values_list("key", "pk"))
        assert {str(key): pk for key, pk in made.items()} == loaded[model]
    assert course_counts(target.course)["questions"] == 9


def test_a_reference_the_pack_lacks_leaves_the_field_empty(source, target):
    records = exported(source.tree.course)
    loaded = load_quizzes(records, FakeIn(target.course, {}))

    spoken = Question.objects.get(pk=loaded[Question][str(source.questions["spoken"].key)])
    assert (spoken.image, spoken.audio, spoken.reference_audio) == (None, None, None)
    assert spoken.rubric == source.questions["spoken"].rubric
    multiple = Question.objects.get(pk=loaded[Question][str(source.questions["multiple"].key)])
    last = multiple.options.order_by("sort_order").last()
    assert last.text == "Kin khẩu" and last.image is None and last.audio is None
    quiz = Quiz.objects.get(pk=loaded[Quiz][str(source.quiz.key)])
    assert quiz.module is None
    activity = Activity.objects.get(kind=QUIZ, source_ref=str(quiz.pk))
    assert activity.is_active and activity.module_id is None


def test_a_reference_the_newer_pack_lacks_is_cleared(source, target, objects):
    records = exported(source.tree.course)
    loaded = load_quizzes(records, FakeIn(target.course, objects))
    image_missing = {k: v for k, v in objects.items() if k[0] != label(Image)}
    load_quizzes(records, FakeIn(target.course, image_missing))

    spoken = Question.objects.get(pk=loaded[Question][str(source.questions["spoken"].key)])
    assert spoken.image is None
    assert spoken.audio_id == objects[(label(Document), source.audio.pk)]


def test_a_newer_pack_updates_the_quiz_and_keeps_its_activity_and_attempts(
    source, target, objects, learner, other_learner, django_capture_on_commit_callbacks
):
    records = exported(source.tree.course)
    with django_capture_on_commit_callbacks(execute=True):
        loaded = load_quizzes(records, FakeIn(target.course, objects))
    quiz = Quiz.objects.get(pk=loaded[Quiz][str(source.quiz.key)])
    single = Question.objects.get(pk=loaded[Question][str(source.questions["single"].key)])
    options = list(single.options.order_by("sort_order").values_list("pk", flat=True))
    activity = Activity.objects.get(kind=QUIZ, source_ref=str(quiz.pk))
    enrolment_create(learner=learner, course=target.course)
    attempt = attempt_start(learner=learner, quiz=quiz)
    response = response_save(learner=learner, attempt_id=attempt.pk, question_id=single.pk, data={})

    newer = copy.deepcopy(records)
    quiz_record = next(r for r in newer if r.get("key") == str(source.quiz.key))
    quiz_record.update(title="Kiểm tra chào hỏi (bản mới)", pass_percent=80, intro="")
    quiz_record["slots"] = quiz_record["slots"][:3]
    single_record = next(r for r in newer if r.get("key") == str(source.questions["single"].key))
    single_record["text"] = "“Pây lăng?” có nghĩa là gì?"
    single_record["options"][0]["text"] = "Đi đâu đấy?"
    del single_record["options"][2]
    single_record["tags"] = ["chao-hoi", "on-tap"]
    with django_capture_on_commit_callbacks(execute=True):
        again = load_quizzes(newer, FakeIn(target.course, objects))

    assert again == loaded
    quiz.refresh_from_db()
    assert (quiz.title, quiz.pass_percent, quiz.intro) == ("Kiểm tra chào hỏi (bản mới)", 80, "")
    assert quiz.slots.count() == 3
    activity.refresh_from_db()
    assert Activity.objects.get(kind=QUIZ, source_ref=str(quiz.pk)).pk == activity.pk
    assert activity.is_active and activity.title == "Kiểm tra chào hỏi (bản mới)"
    single.refresh_from_db()
    assert single.text == "“Pây lăng?” có nghĩa là gì?"
    assert sorted(single.tags.names()) == ["chao-hoi", "on-tap"]
    assert list(single.options.order_by("sort_order").values_list("pk", "text")) == [
        (options[0], "Đi đâu đấy?"),
        (options[1], "Ăn cơm chưa?"),
    ]
    assert Attempt.objects.filter(pk=attempt.pk, quiz=quiz, learner=learner).exists()
    assert Response.objects.filter(pk=response.pk).exists()
    assert attempt_start(learner=learner, quiz=quiz).layout == attempt.layout
    # A new attempt draws from the bank as the newer pack left it.
    enrolment_create(learner=other_learner, course=target.course)
    fresh = attempt_start(learner=other_learner, quiz=quiz)
    assert len(fresh.layout) == 3


def test_what_the_pack_does_not_carry_is_left_alone(source, target, objects, learner):
    own = question(target.course, "truefalse", "Tày có chữ Nôm Tày.", true_false_answer=True)
    own_quiz = make_quiz(target.course, [own], title="Bài riêng của lớp")
    enrolment_create(learner=learner, course=target.course)
    attempt = attempt_start(learner=learner, quiz=own_quiz)

    load_quizzes(exported(source.tree.course), FakeIn(target.course, objects))

    assert Question.objects.get(pk=own.pk).text == "Tày có chữ Nôm Tày."
    assert list(own_quiz.slots.values_list("question_id", flat=True)) == [own.pk]
    assert Attempt.objects.filter(pk=attempt.pk).exists()
    assert Activity.objects.get(kind=QUIZ, source_ref=str(own_quiz.pk)).is_active
    assert course_counts(target.course)["quizzes"] == 3


@pytest.mark.parametrize(
    "spoil",
    [
        lambda records: records.append({"type": "attempt", "key": str(uuid.uuid4())}),
        lambda records: records[-2].update(pass_percent=150),
        lambda records: records[-2].update(key="not-a-key"),
        lambda records: records[-2]["slots"].append({"question": str(uuid.uuid4())}),
        lambda records: records[3].update(qtype="essay"),
    ],
    ids=["unknown type", "pass mark", "key", "slot question", "question type"],
)
def test_a_record_that_does_not_hold_is_refused(source, target, spoil):
    records = exported(source.tree.course)
    spoil(records)
    with pytest.raises(ValidationError):
        load_quizzes(records, FakeIn(target.course, {}))
