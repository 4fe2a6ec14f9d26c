"""What a course's trainers read of its quizzes: the gradebook and item statistics.

Scoped like the roster: a trainer sees the courses they teach, an admin all of them;
anything else answers as if it did not exist.
"""

import math
from dataclasses import dataclass, field

from django.db.models import QuerySet

from courses.models import CoursePage, Enrolment
from courses.selectors.staff import course_roster, courses_taught_by

from ..models import Attempt, Question, QuestionType, Quiz, Response


def access_quiz_for_staff(user, quiz_id: int) -> Quiz | None:
    return (
        Quiz.objects.select_related("course")
        .filter(pk=quiz_id, course__in=courses_taught_by(user))
        .first()
    )


def access_attempt_for_staff(user, attempt_id) -> Attempt | None:
    return (
        Attempt.objects.select_related("quiz", "quiz__course", "learner__learner_profile")
        .filter(pk=attempt_id, quiz__course__in=courses_taught_by(user))
        .first()
    )


def quizzes_of_course(user, course: CoursePage) -> QuerySet[Quiz]:
    return Quiz.objects.filter(course=course, course__in=courses_taught_by(user)).order_by("title")


@dataclass
class GradeCell:
    percent: float | None
    passed: bool | None
    attempts: int
    awaiting: bool
    last_attempt_id: str | None


@dataclass
class GradebookRow:
    enrolment: Enrolment
    cells: list[GradeCell]


@dataclass
class Gradebook:
    course: CoursePage
    quizzes: list[Quiz]
    rows: list[GradebookRow] = field(default_factory=list)


def gradebook(user, course: CoursePage, cohort_id: int | None = None) -> Gradebook:
    """Learners (of a cohort, or all) x the course's quizzes: each one's grade by the
    quiz's grading method, whether passed, attempts made and any awaiting a person."""
    roster = course_roster(user, course).order_by("learner__learner_profile__full_name")
    if cohort_id is not None:
        roster = roster.filter(cohort_id=cohort_id)
    enrolments = list(roster)
    quizzes = list(quizzes_of_course(user, course))
    book = Gradebook(course, quizzes)
    attempts: dict[tuple[int, int], list[Attempt]] = {}
    for attempt in Attempt.objects.filter(
        quiz__in=quizzes, learner_id__in=[e.learner_id for e in enrolments]
    ).order_by("number"):
        attempts.setdefault((attempt.quiz_id, attempt.learner_id), []).append(attempt)
    for enrolment in enrolments:
        cells = []
        for quiz in quizzes:
            made = attempts.get((quiz.pk, enrolment.learner_id), [])
            graded = [a for a in made if a.state == Attempt.State.GRADED]
            percent = quiz.grade_percent(graded)
            cells.append(
                GradeCell(
                    percent=percent,
                    passed=None if percent is None else percent >= quiz.pass_percent,
                    attempts=len(made),
                    awaiting=any(a.state == Attempt.State.AWAITING_GRADING for a in made),
                    last_attempt_id=str(made[-1].pk) if made else None,
                )
            )
        book.rows.append(GradebookRow(enrolment, cells))
    return book


def gradebook_table(book: Gradebook) -> tuple[list[str], list[list]]:
    """The gradebook as a header and rows, for CSV and Excel."""
    header = ["Tên đăng nhập", "Họ và tên", "Lớp"] + [q.title for q in book.quizzes]
    rows = []
    for row in book.rows:
        profile = getattr(row.enrolment.learner, "learner_profile", None)
        cells = [
            "" if c.percent is None else f"{c.percent:.1f}".replace(".", ",") for c in row.cells
        ]
        rows.append(
            [
                row.enrolment.learner.get_username(),
                profile.full_name if profile else "",
                row.enrolment.cohort.name if row.enrolment.cohort is not None else "",
                *cells,
            ]
        )
    return header, rows


@dataclass
class ItemStatistics:
    question: Question
    responses: int
    # Mean score on the question, in percent of its points: Moodle's facility index.
    facility: float | None
    # Correlation between the score on this question and on the rest of the attempt:
    # Moodle's discrimination index. Near 0 or negative: the question does not separate
    # those who know from those who do not, or is wrong.
    discrimination: float | None
    # Choice questions: how many responses chose each option, in the question's order.
    options: list[tuple[str, int, bool]] = field(default_factory=list)


def _correlation(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    cov = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    var_x = sum((x - mean_x) ** 2 for x in xs)
    var_y = sum((y - mean_y) ** 2 for y in ys)
    if var_x == 0 or var_y == 0:
        return None
    return 100 * cov / math.sqrt(var_x * var_y)


def item_statistics(quiz: Quiz) -> list[ItemStatistics]:
    """Per question of the quiz, over every graded attempt (all attempts, not only first)."""
    attempts = {a.pk: a for a in Attempt.objects.filter(quiz=quiz, state=Attempt.State.GRADED)}
    responses = list(Response.objects.filter(attempt_id__in=attempts))
    by_question: dict[int, list[Response]] = {}
    for response in responses:
        by_question.setdefault(response.question_id, []).append(response)
    questions = {
        q.pk: q for q in Question.objects.filter(pk__in=by_question).prefetch_related("options")
    }
    stats = []
    for question_id, answered in by_question.items():
        question = questions[question_id]
        fractions = [r.fraction or 0.0 for r in answered]
        rest = []
        for r in answered:
            attempt = attempts[r.attempt_id]
            other_max = (attempt.max_score or 0) - float(question.points)
            other = (attempt.score or 0) - (r.score or 0)
            rest.append(other / other_max if other_max > 0 else 0.0)
        stats.append(
            ItemStatistics(
                question=question,
                responses=len(answered),
                facility=100 * sum(fractions) / len(fractions) if fractions else None,
                discrimination=_correlation(fractions, rest),
                options=_distribution(question, answered),
            )
        )
    return sorted(stats, key=lambda s: s.question.title)


def _distribution(question: Question, answered: list[Response]) -> list[tuple[str, int, bool]]:
    if question.qtype == QuestionType.TRUE_FALSE:
        said = [r.answer.get("value") for r in answered]
        return [
            ("Đúng", said.count(True), question.true_false_answer is True),
            ("Sai", said.count(False), question.true_false_answer is False),
        ]
    if question.qtype not in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return []
    counts: dict[int, int] = {}
    for r in answered:
        chosen = r.answer.get("options") or ([r.answer["option"]] if "option" in r.answer else [])
        for option_id in chosen:
            counts[option_id] = counts.get(option_id, 0) + 1
    return [(o.text, counts.get(o.pk, 0), o.fraction > 0) for o in question.options.all()]


def learner_name(learner) -> str:
    profile = getattr(learner, "learner_profile", None)
    return profile.full_name if profile else learner.get_username()
