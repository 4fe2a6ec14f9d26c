"""How quizzes join the learning loop: their activity kind and completion criterion.

Only the server reports a quiz's result (``progress_record`` after grading), so the
kind takes no verb from the browser. The summary holds the quiz's grade by its grading
method (the best, the last, the first or the average attempt), which may go down
under "last"; a completion, once reached, stays.
"""

import uuid

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from courses.activity_kinds import (
    ActivityKind,
    EventIn,
    FoldContext,
    OutlineEntry,
    completes_when_passed,
    fold_default,
    register_kind,
)
from courses.completion import CourseState, Criterion, CriterionParams, register_criterion
from courses.models import Activity, ActivityProgress, Verb

QUIZ = "quiz"
QUIZ_PASSED = "quiz_passed"


def fold_quiz_grade(summary: ActivityProgress, event: EventIn, ctx: FoldContext) -> None:
    fold_default(summary, EventIn(event.id, event.activity_id, Verb.VIEWED, event.occurred_at), ctx)
    if event.verb != Verb.SCORED:
        return
    payload = event.payload
    # Grades are recorded in the order they were made: an older one never replaces a
    # newer one, whatever order they are folded in.
    if summary.resume_point_at is not None and ctx.at < summary.resume_point_at:
        return
    summary.score = float(payload["score"])
    summary.max_score = float(payload["max"])
    summary.passed = bool(payload["passed"])
    summary.resume_point_at = ctx.at


def describe_quizzes(activities: list[Activity]) -> dict[uuid.UUID, OutlineEntry]:
    from .models import Quiz

    minutes = dict(
        Quiz.objects.filter(pk__in=[int(a.source_ref) for a in activities]).values_list(
            "pk", "time_limit_minutes"
        )
    )
    return {
        a.pk: OutlineEntry(
            title=a.title,
            url=reverse("assessments:quiz", args=[int(a.source_ref)]),
            icon="quiz",
            minutes=minutes.get(int(a.source_ref)),
        )
        for a in activities
    }


def quiz_passed(state: CourseState, params: CriterionParams) -> bool:
    activity = state.get(params.activity_id)
    if activity is None or not activity.passed:
        return False
    if params.threshold:
        percent = activity.score_percent
        return percent is not None and percent >= params.threshold
    return True


def register() -> None:
    register_kind(
        ActivityKind(
            name=QUIZ,
            label="Bài kiểm tra",
            verbs=frozenset({Verb.SCORED}),
            client_verbs=frozenset(),
            fold=fold_quiz_grade,
            completes=completes_when_passed,
            describe=describe_quizzes,
        )
    )
    register_criterion(
        Criterion(
            QUIZ_PASSED,
            _("Đạt bài kiểm tra (và điểm tối thiểu, %, nếu ghi)"),
            quiz_passed,
            needs_activity=True,
            activity_kinds=frozenset({QUIZ}),
        )
    )
