"""Reads of the quiz engine, each scoped to the asking user.

A quiz, an attempt or a question the user may not see answers exactly like one that
does not exist (None here, 404 in the views).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from courses.models import Enrolment
from courses.selectors.staff import courses_taught_by

from ..grading import ShownQuestion, correct_answer_text, question_for_display
from ..models import Attempt, Question, QuestionOption, Quiz, Shown


def quizzes_for_learner(user) -> QuerySet[Quiz]:
    """Published quizzes of live courses the user is actively enrolled in."""
    if not user.is_authenticated:
        return Quiz.objects.none()
    enrolled = Enrolment.objects.filter(learner=user, status=Enrolment.Status.ACTIVE).values(
        "course_id"
    )
    return Quiz.objects.filter(published=True, course__live=True, course_id__in=enrolled)


def access_quiz(user, quiz_id: int) -> Quiz | None:
    return quizzes_for_learner(user).select_related("course").filter(pk=quiz_id).first()


def access_attempt(user, attempt_id) -> Attempt | None:
    """The user's own attempt (a learner never sees another's)."""
    if not user.is_authenticated:
        return None
    return (
        Attempt.objects.select_related("quiz", "quiz__course")
        .filter(pk=attempt_id, learner=user)
        .first()
    )


def quizzes_for_staff(user) -> QuerySet[Quiz]:
    return Quiz.objects.filter(course__in=courses_taught_by(user))


def questions_for_staff(user) -> QuerySet[Question]:
    return Question.objects.filter(course__in=courses_taught_by(user))


@dataclass
class QuizStanding:
    quiz: Quiz
    attempts: list[Attempt]
    open_attempt: Attempt | None
    attempts_left: int | None  # None: unlimited
    window_problem: str

    @property
    def can_start(self) -> bool:
        return self.open_attempt is None and not self.window_problem and self.attempts_left != 0


def quiz_standing(quiz: Quiz, learner, now: datetime | None = None) -> QuizStanding:
    now = now or timezone.now()
    attempts = list(Attempt.objects.filter(quiz=quiz, learner=learner).order_by("number"))
    open_attempt = next((a for a in attempts if a.is_open), None)
    left = None
    if quiz.attempts_allowed:
        left = max(quiz.attempts_allowed - len(attempts), 0)
    return QuizStanding(quiz, attempts, open_attempt, left, quiz.window_problem(now))


@dataclass
class AttemptQuestion:
    number: int
    shown: ShownQuestion
    answer: dict
    points: float
    # Filled in for review only, as the quiz's settings allow.
    score: float | None = None
    fraction: float | None = None
    feedback: str = ""
    general_feedback: str = ""
    correct: str = ""


def _questions(attempt: Attempt) -> dict[int, Question]:
    ids = [entry["q"] for entry in attempt.layout]
    return {
        q.pk: q
        for q in Question.objects.filter(pk__in=ids)
        .select_related("image", "audio")
        .prefetch_related(
            Prefetch(
                "options",
                queryset=QuestionOption.objects.order_by("sort_order").select_related(
                    "image", "audio"
                ),
            )
        )
    }


def attempt_questions(
    attempt: Attempt, questions: dict | None = None, saved: dict | None = None
) -> list[AttemptQuestion]:
    """The attempt's questions as it showed them, with the answers saved so far."""
    questions = _questions(attempt) if questions is None else questions
    saved = {r.question_id: r for r in attempt.responses.all()} if saved is None else saved
    rows = []
    for number, entry in enumerate(attempt.layout, start=1):
        question = questions.get(entry["q"])
        if question is None:
            continue
        response = saved.get(question.pk)
        rows.append(
            AttemptQuestion(
                number=number,
                shown=question_for_display(question, entry),
                answer=response.answer if response else {},
                points=float(question.points),
            )
        )
    return rows


def _shown_now(setting: str, quiz: Quiz, now: datetime) -> bool:
    if setting == Shown.AFTER_SUBMIT:
        return True
    if setting == Shown.AFTER_CLOSE:
        return bool(quiz.close_at and now >= quiz.close_at)
    return False


@dataclass
class AttemptReview:
    attempt: Attempt
    show_feedback: bool
    show_answers: bool
    questions: list[AttemptQuestion]
    passed: bool | None


def attempt_review(attempt: Attempt, now: datetime | None = None) -> AttemptReview:
    """What a learner may see of a closed attempt, as the quiz's settings say."""
    now = now or timezone.now()
    quiz = attempt.quiz
    closed = bool(quiz.close_at and now >= quiz.close_at)
    show_feedback = _shown_now(quiz.feedback_shown, quiz, now)
    show_answers = _shown_now(quiz.answers_shown, quiz, now)
    may_review = show_feedback or show_answers or (closed and quiz.review_after_close)
    rows: list[AttemptQuestion] = []
    if may_review and not attempt.is_open:
        questions = _questions(attempt)
        saved = {r.question_id: r for r in attempt.responses.all()}
        for row in attempt_questions(attempt, questions, saved):
            question = questions[row.shown.id]
            response = saved.get(question.pk)
            row.score = response.score if response else None
            row.fraction = response.fraction if response else None
            if show_feedback:
                row.feedback = response.feedback if response else ""
                row.general_feedback = question.general_feedback
            if show_answers:
                row.correct = correct_answer_text(question)
            rows.append(row)
    passed = None
    if attempt.state == Attempt.State.GRADED and attempt.percent is not None:
        passed = attempt.percent >= quiz.pass_percent
    return AttemptReview(attempt, show_feedback, show_answers, rows, passed)
