"""Builds the quiz of the exam-start spike and writes what the runner needs about it.

Run by bench/run as ``python -m bench.quizseed --out FILE`` with the bench environment,
after bench.seed and right before the spike: a published quiz is an activity of its
course and an entry in the course outline that the lesson page shows, so creating it any
earlier would change the lesson page and the course the other phases measure.

It creates, with the product's models, in the course the bench learners are enrolled in,
20 questions of the auto-graded types a learner answers with a click or a few keys
(single and multiple choice, true/false, short answer, number), in a mixed order, and a
published quiz of those 20, one attempt allowed, a 60-minute time limit (the spike
takes a few minutes; a timed quiz also queues its close-at-deadline task, as in
production) and options shuffled per attempt (the default). Saving the quiz registers
its activity through the product's signal.

Writes FILE (JSON): the quiz's id, title, URL, start URL and its questions' types. The
question ids are left out on purpose: the load reads them from the attempt page.
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import django

from bench.seed import COURSE_SLUG

TIME_LIMIT_MINUTES = 60

# Words and meanings from the demo course's first lessons.
VOCABULARY = [
    ("Pây lăng?", "Đi đâu đấy?"),
    ("Kin khẩu dá?", "Ăn cơm chưa?"),
    ("Đây lai", "Tốt lắm, khỏe lắm"),
    ("Chắc dá?", "Biết chưa?"),
    ("Bấu quây", "Không xa"),
    ("Pây ủy ban xã", "Đi ủy ban xã"),
]
NUMERIC = [
    ("Lạng Sơn có bao nhiêu xã, phường?", "65", 0),
    ("Một buổi học 1,5 giờ dài bao nhiêu phút?", "90", 0),
    ("Lớp có 12 học viên, thêm 8 người nữa. Lớp có bao nhiêu người?", "20", 0),
]
# The order of the types in the quiz: 6 single, 4 multiple, 4 true/false, 3 short and 3
# numeric questions, mixed the way a real quiz mixes them.
ORDER = (
    "single multiple truefalse short numeric single truefalse multiple single short "
    "numeric single truefalse multiple single short truefalse numeric multiple single"
).split()


def _question(course, qtype: str, number: int, text: str, options=(), **fields):
    from assessments.models import Question, QuestionOption

    made = Question.objects.create(
        course=course, qtype=qtype, title=f"Bench – câu {number:02d}", text=text, **fields
    )
    for order, option in enumerate(options):
        QuestionOption.objects.create(question=made, sort_order=order, **option)
    return made


def _choice(course, number: int, index: int):
    word, meaning = VOCABULARY[index % len(VOCABULARY)]
    others = [m for _, m in VOCABULARY if m != meaning][index % 3 : index % 3 + 3]
    options = [{"text": meaning, "is_correct": True, "feedback": "Đúng rồi."}]
    options += [{"text": other} for other in others]
    return _question(course, "single", number, f"“{word}” nghĩa là gì?", options)


def _multiple(course, number: int, index: int):
    picked = [VOCABULARY[(index + k) % len(VOCABULARY)] for k in range(4)]
    first, second = picked[0][1], picked[1][1]
    options = [{"text": word, "is_correct": k < 2} for k, (word, _) in enumerate(picked)]
    return _question(
        course,
        "multiple",
        number,
        f"Những câu nào có nghĩa là “{first}” hoặc “{second}”?",
        options,
        partial_credit=True,
    )


def _true_false(course, number: int, index: int):
    word, meaning = VOCABULARY[index % len(VOCABULARY)]
    right = index % 2 == 0
    shown = meaning if right else VOCABULARY[(index + 1) % len(VOCABULARY)][1]
    return _question(
        course, "truefalse", number, f"“{word}” nghĩa là “{shown}”.", true_false_answer=right
    )


def _short(course, number: int, index: int):
    word, meaning = VOCABULARY[index % len(VOCABULARY)]
    return _question(
        course,
        "short",
        number,
        f"Viết bằng tiếng Tày: “{meaning}”",
        [{"text": word, "is_correct": True}],
        ignore_tones=True,
    )


def _numeric(course, number: int, index: int):
    text, answer, tolerance = NUMERIC[index % len(NUMERIC)]
    return _question(
        course,
        "numeric",
        number,
        text,
        [{"text": answer, "is_correct": True}],
        tolerance=tolerance,
    )


BUILDERS = {
    "single": _choice,
    "multiple": _multiple,
    "truefalse": _true_false,
    "short": _short,
    "numeric": _numeric,
}


def build_quiz(course):
    """The 20 questions, then the published quiz made of them in ORDER."""
    from assessments.models import Quiz, QuizSlot

    seen: Counter[str] = Counter()
    questions = []
    for number, qtype in enumerate(ORDER, start=1):
        questions.append(BUILDERS[qtype](course, number, seen[qtype]))
        seen[qtype] += 1
    quiz = Quiz(
        course=course,
        title="Kiểm tra giữa khóa (bench)",
        intro="Bài kiểm tra của phép đo: 20 câu, 60 phút, một lần làm.",
        published=True,
        attempts_allowed=1,
        time_limit_minutes=TIME_LIMIT_MINUTES,
    )
    quiz.save()
    for order, question in enumerate(questions):
        QuizSlot.objects.create(quiz=quiz, question=question, sort_order=order)
    return quiz, questions


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    django.setup()
    from django.urls import reverse

    from courses.models import CoursePage

    course = CoursePage.objects.get(slug=COURSE_SLUG)
    quiz, questions = build_quiz(course)
    types = Counter(q.qtype for q in questions)
    info = {
        "id": quiz.pk,
        "title": quiz.title,
        "course": course.title,
        "url": reverse("assessments:quiz", args=[quiz.pk]),
        "start_url": reverse("assessments:start", args=[quiz.pk]),
        "questions": len(questions),
        "types": dict(types),
        "attempts_allowed": quiz.attempts_allowed,
        "time_limit_minutes": quiz.time_limit_minutes,
    }
    Path(args.out).write_text(json.dumps(info, ensure_ascii=False, indent=1), "utf-8")
    print(
        f"quiz: “{quiz.title}” (id {quiz.pk}) in “{course.title}”, {len(questions)} questions "
        f"({', '.join(f'{n} {t}' for t, n in types.items())}), {TIME_LIMIT_MINUTES} min"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
