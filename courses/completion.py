"""The registry of completion criteria that course completion rules compose.

A course completes when every criterion it lists holds (with none listed: every
required activity done). Apps add criteria of their own, such as "quiz X passed with
70 %" or "attended 75 % of live sessions", by registering them from their app config.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import ActivityProgress
from .registry import Registry


@dataclass(frozen=True)
class ActivityState:
    """One active activity of a course with one learner's summary of it."""

    id: uuid.UUID
    kind: str
    required: bool
    weight: int
    status: int
    score: float | None
    max_score: float | None
    passed: bool | None

    @property
    def done(self) -> bool:
        return self.status == ActivityProgress.Status.COMPLETED

    @property
    def score_percent(self) -> float | None:
        if self.score is None or not self.max_score:
            return None
        return 100 * self.score / self.max_score


@dataclass(frozen=True)
class CourseState:
    activities: list[ActivityState]

    @property
    def required(self) -> list[ActivityState]:
        return [a for a in self.activities if a.required]

    @property
    def required_done(self) -> int:
        return sum(1 for a in self.required if a.done)

    @property
    def percent(self) -> int:
        weight = sum(a.weight for a in self.required)
        done = sum(a.weight for a in self.required if a.done)
        return round(100 * done / weight) if weight else 0

    def get(self, activity_id) -> ActivityState | None:
        return next((a for a in self.activities if a.id == activity_id), None)


@dataclass(frozen=True)
class CriterionParams:
    activity_id: uuid.UUID | None = None
    threshold: int | None = None


@dataclass(frozen=True)
class Criterion:
    name: str
    label: str
    holds: Callable[[CourseState, CriterionParams], bool]
    needs_activity: bool = False
    needs_threshold: bool = False
    # The activity kinds the chosen activity may be of; None: any.
    activity_kinds: frozenset[str] | None = None


_criteria: Registry[Criterion] = Registry("Completion criterion")


def register_criterion(criterion: Criterion) -> None:
    _criteria.register(criterion.name, criterion)


unregister_criterion = _criteria.unregister
get_criterion = _criteria.get
criteria = _criteria.entries


def rule_holds(state: CourseState, listed: list[tuple[str, CriterionParams]]) -> bool:
    """Whether a course's rule holds: every listed criterion, or all required done.

    A course with nothing required cannot be completed by an empty rule: a course that
    is being rebuilt must not complete everybody.
    """
    if not state.required:
        return False
    if not listed:
        listed = [(ALL_REQUIRED, CriterionParams())]
    for name, params in listed:
        criterion = get_criterion(name)
        if criterion is None or not criterion.holds(state, params):
            return False
    return True


ALL_REQUIRED = "all_required"
WEIGHTED_PERCENT = "weighted_percent"
ACTIVITY_PASSED = "activity_passed"


def _activity_passed(state: CourseState, params: CriterionParams) -> bool:
    activity = state.get(params.activity_id)
    if activity is None:
        return False
    if params.threshold:
        percent = activity.score_percent
        return percent is not None and percent >= params.threshold
    return bool(activity.passed)


register_criterion(
    Criterion(
        ALL_REQUIRED,
        _("Hoàn thành mọi hoạt động bắt buộc"),
        lambda state, params: state.required_done == len(state.required),
    )
)
register_criterion(
    Criterion(
        WEIGHTED_PERCENT,
        _("Đạt tỉ lệ phần trăm (theo trọng số)"),
        lambda state, params: state.percent >= (params.threshold or 100),
        needs_threshold=True,
    )
)
register_criterion(
    Criterion(
        ACTIVITY_PASSED,
        _("Đạt một hoạt động (điểm tối thiểu, %)"),
        _activity_passed,
        needs_activity=True,
    )
)
