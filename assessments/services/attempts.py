"""Attempts: start (or resume), save an answer, submit, and close when time is up.

The server is the clock and the grader: answers arriving after the deadline are
refused, an attempt whose time ran out is closed and graded with what was saved, and
the result goes into the progress pipeline from here, never from the browser.
"""

import random
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.grading import (
    AnswerError,
    answer_from_form,
    blank_numbers,
    grade,
    layout_entry,
)
from assessments.models import DEADLINE_GRACE, Attempt, Question, QuestionOption, Quiz, Response
from assessments.selectors.pools import QuestionPlan, quiz_pool
from courses.services.errors import Conflict, NotAvailable, ServiceError

from .grades import quiz_grade_record


def _draw(quiz: Quiz, rng: random.Random) -> list[QuestionPlan]:
    """The questions of a new attempt: the fixed ones and N from each drawn category."""
    pool = quiz_pool(quiz)
    chosen: list[QuestionPlan] = []
    taken = {ref for kind, ref, _n in pool.slots if kind == "q"}
    for kind, ref, count in pool.slots:
        if kind == "q":
            if ref in pool.questions:
                chosen.append(pool.questions[ref])
            continue
        available = [q for q in pool.categories.get(ref, ()) if q not in taken]
        drawn = rng.sample(available, min(count, len(available)))
        taken.update(drawn)
        chosen.extend(pool.questions[q] for q in drawn)
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    return chosen


def attempt_start(*, learner, quiz: Quiz, now: datetime | None = None) -> Attempt:
    """The learner's open attempt at this quiz, or a new one if they may make one.

    Starting again is resuming: a phone that lost the page, or a second device, gets
    the same attempt with the same questions in the same order.
    """
    now = now or timezone.now()
    # One read for the open attempt and the count: a second press of "start" racing the
    # first either sees its attempt here or collides with it on insert below.
    made = list(Attempt.objects.filter(quiz=quiz, learner=learner))
    open_attempt = next((a for a in made if a.is_open), None)
    if open_attempt is not None:
        if not _expired(open_attempt, now):
            return open_attempt
        attempt_close_if_expired(learner=learner, quiz=quiz, now=now)
    problem = quiz.window_problem(now)
    if problem:
        raise Conflict(problem, code="closed")
    if quiz.attempts_allowed and len(made) >= quiz.attempts_allowed:
        raise Conflict(
            _("Bạn đã dùng hết %(n)d lần làm bài.") % {"n": quiz.attempts_allowed},
            code="no_attempts_left",
        )
    rng = random.Random()
    questions = _draw(quiz, rng)
    if not questions:
        raise ServiceError(_("Bài kiểm tra chưa có câu hỏi."), code="empty_quiz")
    layout = [layout_entry(q, rng if quiz.shuffle_options else None) for q in questions]
    deadline = None
    if quiz.time_limit_minutes:
        deadline = now + timedelta(minutes=quiz.time_limit_minutes)
    if quiz.close_at:
        deadline = min(filter(None, [deadline, quiz.close_at]))
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                quiz=quiz,
                learner=learner,
                number=len(made) + 1,
                started_at=now,
                deadline=deadline,
                layout=layout,
            )
    except IntegrityError:
        # The same learner pressed "start" twice at once: both get the one attempt.
        return Attempt.objects.get(quiz=quiz, learner=learner, state=Attempt.State.IN_PROGRESS)
    # No task per attempt: the beat sweep closes overdue attempts within half a minute,
    # and any request about the attempt closes it at once. (An ETA task per start would
    # cost a broker round trip on the busiest request of an exam, and a broker's
    # visibility timeout can deliver long ETAs twice.)
    return attempt


def _locked_attempt(learner, attempt_id, *, with_quiz: bool = True) -> Attempt:
    attempts = Attempt.objects.select_for_update(of=("self",))
    if with_quiz:
        attempts = attempts.select_related("quiz")
    attempt = attempts.filter(pk=attempt_id, learner=learner).first()
    if attempt is None:
        raise NotAvailable(_("Không tìm thấy bài làm."))
    return attempt


def _expired(attempt: Attempt, now: datetime) -> bool:
    return attempt.past_deadline(now)


def response_save(
    *, learner, attempt_id, question_id: int, data: Mapping, now: datetime | None = None
) -> Response:
    """Save (or replace) one answer of an open attempt, checked against what it showed."""
    now = now or timezone.now()
    with transaction.atomic():
        # The hottest request of an exam: the quiz is read only if time is up.
        attempt = _locked_attempt(learner, attempt_id, with_quiz=False)
        if not attempt.is_open:
            raise Conflict(_("Bài làm đã nộp; không thể sửa câu trả lời."), code="closed")
        time_up = _expired(attempt, now)
        if time_up:
            # Closed and graded with what was saved in time, and committed: the refusal
            # below is raised once the transaction is over.
            _close(attempt, now, Attempt.ClosedBy.TIMEOUT)
        else:
            response = _save(attempt, question_id, data, now)
    if time_up:
        raise Conflict(_("Đã hết giờ làm bài; bài đã được nộp."), code="time_up")
    return response


def _save(attempt: Attempt, question_id: int, data: Mapping, now: datetime) -> Response:
    entry = next((e for e in attempt.layout if e["q"] == question_id), None)
    if entry is None:
        raise ServiceError(_("Câu hỏi không thuộc bài làm này."), code="question")
    if "t" not in entry:
        # Laid out before entries carried their question's type.
        question = Question.objects.only("qtype", "text").get(pk=question_id)
        entry = {**entry, "t": question.qtype, "b": blank_numbers(question.text)}
    try:
        answer = answer_from_form(entry, data)
    except AnswerError as error:
        raise ServiceError(str(error), code="answer") from None
    return _response_upsert(attempt, question_id, answer, now)


def _response_upsert(attempt: Attempt, question_id: int, answer: dict, now: datetime) -> Response:
    """Write an answer of the (locked, open) attempt, new or replacing the saved one, in
    one statement: the autosave's way in, and a checked recording's."""
    (response,) = Response.objects.bulk_create(
        [Response(attempt=attempt, question_id=question_id, answer=answer, saved_at=now)],
        update_conflicts=True,
        unique_fields=["attempt", "question"],
        update_fields=["answer", "saved_at"],
    )
    return response


def attempt_submit(
    *, learner, attempt_id, token: uuid.UUID | None = None, now: datetime | None = None
) -> Attempt:
    """Close and grade an attempt once; sending it again answers with the same result."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked_attempt(learner, attempt_id)
        if not attempt.is_open:
            return attempt
        closed_by = Attempt.ClosedBy.LEARNER
        if _expired(attempt, now):
            # Answers saved in time are graded; the submission itself came too late.
            closed_by = Attempt.ClosedBy.TIMEOUT
        attempt.submit_token = token
        _close(attempt, now, closed_by)
    return attempt


def attempt_close_if_expired(*, learner, quiz: Quiz, now: datetime | None = None) -> Attempt | None:
    """Close the learner's open attempt at ``quiz`` if its time ran out."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("quiz")
            .filter(quiz=quiz, learner=learner, state=Attempt.State.IN_PROGRESS)
            .first()
        )
        if attempt is None or not _expired(attempt, now):
            return None
        _close(attempt, now, Attempt.ClosedBy.TIMEOUT)
    return attempt


def attempt_close_expired(*, now: datetime | None = None) -> int:
    """Close every open attempt past its deadline; how many."""
    now = now or timezone.now()
    due = Attempt.objects.filter(state=Attempt.State.IN_PROGRESS, deadline__lt=now - DEADLINE_GRACE)
    closed = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            attempt = (
                Attempt.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("quiz", "learner")
                .filter(pk=pk, state=Attempt.State.IN_PROGRESS)
                .first()
            )
            if attempt is None:
                continue
            _close(attempt, now, Attempt.ClosedBy.TIMEOUT)
            closed += 1
    return closed


def _close(attempt: Attempt, now: datetime, closed_by: str) -> None:
    attempt.submitted_at = now
    attempt.closed_by = closed_by
    attempt_grade(attempt, now=now)


def attempt_grade(attempt: Attempt, *, now: datetime) -> None:
    """Grade every question of a closed attempt from its saved answers (and again after
    a question was fixed); unanswered questions score nothing, and a grade a person set
    stands. The attempt waits for a person while a spoken answer is ungraded."""
    ids = [entry["q"] for entry in attempt.layout]
    questions = {
        q.pk: q
        for q in Question.objects.filter(pk__in=ids).prefetch_related(
            Prefetch("options", queryset=QuestionOption.objects.order_by("sort_order"))
        )
    }
    saved = {r.question_id: r for r in attempt.responses.all()}
    rows = []
    for entry in attempt.layout:
        question = questions.get(entry["q"])
        if question is None:
            continue
        response = saved.get(question.pk) or Response(
            attempt=attempt, question=question, answer={}, saved_at=now
        )
        if response.graded_by_person:
            pass
        elif question.manually_graded:
            if not response.answer:
                response.fraction, response.score = 0.0, 0.0
        else:
            result = grade(question, entry, response.answer)
            response.fraction = result.fraction
            response.score = round(float(question.points) * (result.fraction or 0), 4)
            response.feedback = "\n".join(f for f in result.feedback if f)
        rows.append(response)
    for row in rows:
        # Written by their (attempt, question), like a new row: one statement for all.
        row.pk = None
    Response.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["attempt", "question"],
        update_fields=["fraction", "score", "feedback"],
    )
    attempt_total(attempt, questions, rows, now=now)


def attempt_total(attempt: Attempt, questions: dict, responses, *, now: datetime) -> None:
    """Sum an attempt's responses, settle its state, and record the quiz grade once
    nothing waits for a person."""
    waiting = any(r.fraction is None for r in responses)
    score = sum(r.score or 0 for r in responses)
    total = sum(float(q.points) for q in questions.values())
    attempt.score, attempt.max_score = round(score, 4), round(total, 4)
    attempt.state = Attempt.State.AWAITING_GRADING if waiting else Attempt.State.GRADED
    attempt.save()
    if not waiting:
        quiz_grade_record(learner=attempt.learner, quiz=attempt.quiz, now=now)
