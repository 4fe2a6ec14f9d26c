"""Course progress: the figures of an enrolment and its completion rule."""

from datetime import datetime

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.announcements import announce_on_commit, course_completed
from courses.completion import ActivityState, CourseState, CriterionParams, rule_holds
from courses.models import (
    Activity,
    ActivityProgress,
    CompletionCriterion,
    CourseProgress,
    Enrolment,
)

from ..errors import ServiceError


def course_state(enrolment: Enrolment) -> CourseState:
    """The course's active activities with this learner's summary of each, in one query."""
    summary = ActivityProgress.objects.filter(
        activity=OuterRef("pk"), learner_id=enrolment.learner_id
    )
    rows = (
        Activity.objects.filter(course_id=enrolment.course_id, is_active=True)
        .annotate(
            st=Subquery(summary.values("status")[:1]),
            sc=Subquery(summary.values("score")[:1]),
            mx=Subquery(summary.values("max_score")[:1]),
            ps=Subquery(summary.values("passed")[:1]),
        )
        .values_list("pk", "kind", "required", "weight", "st", "sc", "mx", "ps")
    )
    return CourseState(
        [
            ActivityState(pk, kind, required, weight, st or 0, sc, mx, ps)
            for pk, kind, required, weight, st, sc, mx, ps in rows
        ]
    )


def _listed_criteria(course_id: int) -> list[tuple[str, CriterionParams]]:
    return [
        (name, CriterionParams(activity_id, threshold))
        for name, activity_id, threshold in CompletionCriterion.objects.filter(
            course_id=course_id
        ).values_list("criterion", "activity_id", "threshold")
    ]


def course_progress_refresh(
    enrolment: Enrolment,
    *,
    last_activity: Activity | None = None,
    last_activity_at: datetime | None = None,
    recount: bool = True,
    may_complete: bool = True,
    now=None,
) -> tuple[CourseProgress, bool]:
    """Recount a course's activities for one enrolment and apply its completion rule.

    Returns the progress and whether the course was completed just now. Completion is
    recorded once and never withdrawn, and only the learner's own progress completes a
    course (``may_complete``): a structural recount (a lesson removed, a course
    withdrawn) updates the figures and notes that the rule now holds, for a trainer to
    confirm. A course with nothing active left is unavailable, not "0 %": its last
    figures stand until it is back.
    """
    progress = enrolment.progress
    fields = ["updated_at"]
    newly_completed = False
    if (
        last_activity is not None
        and last_activity_at is not None
        and (progress.last_activity_at is None or last_activity_at >= progress.last_activity_at)
    ):
        progress.last_activity = last_activity
        progress.last_activity_at = last_activity_at
        fields += ["last_activity", "last_activity_at"]
    if recount:
        state = course_state(enrolment)
        if state.required or progress.required_total == 0:
            progress.required_total = len(state.required)
            progress.required_done = state.required_done
            progress.percent = state.percent
            fields += ["required_total", "required_done", "percent"]
        holds = rule_holds(state, _listed_criteria(enrolment.course_id))
        if progress.completed_at is None and holds and may_complete:
            progress.completed_at = now or timezone.now()
            fields.append("completed_at")
            newly_completed = True
            announce_on_commit(
                course_completed,
                enrolment_id=enrolment.pk,
                learner_id=enrolment.learner_id,
                course_id=enrolment.course_id,
            )
        progress.rule_met = holds and progress.completed_at is None
        fields.append("rule_met")
    progress.save(update_fields=fields)
    return progress, newly_completed


def course_progress_recount_course(*, course_id: int) -> int:
    """Recount every active enrolment of a course after its activities changed."""
    count = 0
    enrolments = Enrolment.objects.filter(
        course_id=course_id, status=Enrolment.Status.ACTIVE
    ).select_related("progress")
    for enrolment in enrolments.iterator(chunk_size=500):
        with transaction.atomic():
            course_progress_refresh(enrolment, may_complete=False)
        count += 1
    return count


def course_completion_confirm(*, enrolment: Enrolment, now=None) -> CourseProgress:
    """A trainer confirms a completion that a change to the course made possible."""
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update(of=("self",)).get(pk=enrolment.pk)
        progress, _newly = course_progress_refresh(enrolment, now=now)
        if progress.completed_at is None:
            # Raised inside the transaction: the recount it made is rolled back too.
            raise ServiceError(
                _("Người học chưa đạt điều kiện hoàn thành khóa học."), code="rule_not_met"
            )
    return progress
