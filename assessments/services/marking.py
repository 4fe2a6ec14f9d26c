"""Grades set by people: a spoken answer graded by rubric, an override with its reason,
and the regrade of every attempt after a question was fixed."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Attempt, GradeChange, Question, Quiz, Response
from courses.selectors.staff import courses_taught_by
from lms.errors import Conflict, NotAvailable, ServiceError

from .attempts import attempt_grade, attempt_total

MAX_REASON = 1000


def _rubric_total(question: Question, rubric: dict) -> float:
    """Points from a rubric: each criterion at most its own maximum."""
    criteria = rubric_criteria(question)
    total = 0.0
    for name, given in rubric.items():
        if name not in criteria:
            raise ServiceError(_("Tiêu chí “%(c)s” không có trong câu hỏi.") % {"c": name})
        if not isinstance(given, int | float) or not 0 <= given <= criteria[name]:
            raise ServiceError(
                _("Điểm của “%(c)s” phải từ 0 đến %(m)s.") % {"c": name, "m": criteria[name]}
            )
        total += given
    return total


def rubric_criteria(question: Question) -> dict[str, float]:
    """The rubric a trainer wrote, one "name | points" per line."""
    criteria: dict[str, float] = {}
    for line in question.rubric.splitlines():
        name, _sep, points = line.rpartition("|")
        try:
            criteria[name.strip()] = float(points.strip().replace(",", "."))
        except ValueError:
            continue
    return {name: points for name, points in criteria.items() if name}


def response_mark(
    *,
    by,
    response_id: int,
    score: float | None = None,
    rubric: dict | None = None,
    reason: str,
    now: datetime | None = None,
) -> Response:
    """Set a response's grade by hand (by rubric, or a score), keeping the history.

    Only a trainer of the quiz's course may; the attempt must be closed. Once nothing
    in the attempt waits for a person, its grade goes into the progress pipeline.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Hãy ghi lý do chấm hoặc sửa điểm."), code="reason")
    if len(reason) > MAX_REASON:
        raise ServiceError(_("Lý do dài quá %(n)d ký tự.") % {"n": MAX_REASON}, code="reason")
    with transaction.atomic():
        response = (
            Response.objects.select_related("question")
            .filter(pk=response_id, attempt__quiz__course__in=courses_taught_by(by))
            .first()
        )
        if response is None:
            raise NotAvailable(_("Không tìm thấy câu trả lời."))
        attempt = Attempt.objects.select_for_update(of=("self",)).get(pk=response.attempt_id)
        if attempt.is_open:
            raise Conflict(_("Học viên chưa nộp bài này."), code="open")
        question = response.question
        points = float(question.points)
        if rubric:
            score = _rubric_total(question, rubric)
        if not isinstance(score, int | float) or not 0 <= score <= points:
            raise ServiceError(_("Điểm phải từ 0 đến %(p)s.") % {"p": f"{points:g}"}, code="score")
        GradeChange.objects.create(
            response=response,
            changed_by=by,
            old_score=response.score,
            new_score=score,
            rubric=rubric or {},
            reason=reason,
            at=now,
        )
        response.score = float(score)
        response.fraction = float(score) / points if points else 0.0
        response.graded_by_person = True
        response.save(update_fields=["score", "fraction", "graded_by_person"])
        questions = {
            q.pk: q for q in Question.objects.filter(pk__in=[e["q"] for e in attempt.layout])
        }
        attempt_total(attempt, questions, list(attempt.responses.all()), now=now)
    return response


def quiz_regrade(*, by, quiz: Quiz, now: datetime | None = None) -> int:
    """Grade every closed attempt at ``quiz`` again (after a question was fixed); how many.

    Grades people set stand; each learner's quiz grade is recorded again.
    """
    now = now or timezone.now()
    if not courses_taught_by(by).filter(pk=quiz.course_id).exists():
        raise NotAvailable(_("Không tìm thấy bài kiểm tra."))
    count = 0
    closed = Attempt.objects.filter(quiz=quiz).exclude(state=Attempt.State.IN_PROGRESS)
    for pk in closed.values_list("pk", flat=True):
        with transaction.atomic():
            attempt = (
                Attempt.objects.select_for_update(of=("self",))
                .select_related("quiz", "learner")
                .get(pk=pk)
            )
            attempt_grade(attempt, now=now)
            count += 1
    return count
