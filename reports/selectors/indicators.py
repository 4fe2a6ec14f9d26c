"""An indicator's value, rate, target and gap per unit and overall, from the rollups."""

import math
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, QuerySet
from django.utils import timezone

from courses.models import CoursePage, ProgramPage
from lms.models import EthnicGroup

from ..dimensions import month_of
from ..models import EnrolmentFact, Indicator
from ..privacy import TOTAL, suppress_line
from .figures import ReportFilter, rollup_figures
from .scope import ReportScope, small_cell_threshold

EARLIEST = date(2000, 1, 1)
# The dimension an indicator's values can be broken down by, as fact columns.
BREAKDOWN_COLUMNS = {
    "sex": "sex",
    "age_band": "age_band",
    "category": "category",
    "ethnic_group": "ethnic_group_id",
}


def indicators_visible_to(scope: ReportScope | None) -> QuerySet[Indicator]:
    if scope is None:
        return Indicator.objects.none()
    return Indicator.objects.filter(is_active=True)


def _course_ids(indicator: Indicator) -> frozenset[int] | None:
    ids: set[int] | None = None
    if indicator.track:
        ids = set()
        for program in ProgramPage.objects.filter(track=indicator.track):
            ids |= set(CoursePage.objects.descendant_of(program).values_list("pk", flat=True))
    chosen = set(indicator.courses.values_list("pk", flat=True))
    if chosen:
        ids = chosen if ids is None else ids & chosen
    return frozenset(ids) if ids is not None else None


def _ethnic_ids(indicator: Indicator) -> frozenset[int] | None:
    ids: set[int] | None = None
    if indicator.minorities_only:
        ids = set(EthnicGroup.objects.exclude(name="Kinh").values_list("pk", flat=True))
    chosen = set(indicator.ethnic_groups.values_list("pk", flat=True))
    if chosen:
        ids = chosen if ids is None else ids & chosen
    return frozenset(ids) if ids is not None else None


def indicator_filter(indicator: Indicator, *, today: date | None = None) -> ReportFilter:
    """The rollup filter an indicator stands for, from its start to its deadline (or to
    this month while the deadline is ahead)."""
    today = today or timezone.localdate()
    last = month_of(min(indicator.deadline, today) if indicator.deadline else today)
    first = month_of(indicator.counted_from) if indicator.counted_from else EARLIEST
    return ReportFilter(
        first_month=min(first, last),
        last_month=last,
        course_ids=_course_ids(indicator),
        ethnic_group_ids=_ethnic_ids(indicator),
        sex=indicator.sex or None,
        age_band=indicator.age_band or None,
        category=indicator.category or None,
    )


def indicator_values(
    scope: ReportScope, indicator: Indicator, flt: ReportFilter, *, by: str = ""
) -> dict[tuple, int]:
    """The indicator's count per unit (and per option of ``by``); key () is the total."""
    breakdown = BREAKDOWN_COLUMNS[by] if by else None
    if indicator.counts == Indicator.Counts.ENROLMENTS:
        group = ("unit_id", breakdown) if breakdown else ("unit_id",)
        figures = rollup_figures(scope, flt, group)
        values = {key: getattr(f, indicator.measure) for key, f in figures.items()}
        values = {k: v for k, v in values.items() if v}
        values[()] = sum(values.values())
        return values
    # People: each learner once, however many courses took them there.
    facts = EnrolmentFact.objects.filter(**flt.people_lookups()).filter(
        months__month__gte=flt.first_month,
        months__month__lte=flt.last_month,
        **{f"months__{indicator.measure}__gt": 0},
    )
    if scope.unit_ids is not None:
        facts = facts.filter(unit_id__in=scope.unit_ids)
    if flt.course_ids is not None:
        facts = facts.filter(course_id__in=flt.course_ids)
    columns = ["unit_id", breakdown] if breakdown else ["unit_id"]
    values = {
        tuple(row[c] for c in columns): row["n"]
        for row in facts.values(*columns).annotate(n=Count("learner_id", distinct=True))
    }
    values[()] = facts.aggregate(n=Count("learner_id", distinct=True))["n"] or 0
    return values


@dataclass
class IndicatorLine:
    unit_id: int | None
    label: str
    value: int | None
    denominator: int | None = None
    target: int | None = None

    @property
    def rate(self) -> float | None:
        if self.value is None or not self.denominator:
            return None
        return round(100 * self.value / self.denominator, 1)

    @property
    def gap(self) -> int | None:
        if self.target is None or self.value is None:
            return None
        return max(self.target - self.value, 0)


@dataclass
class IndicatorResult:
    indicator: Indicator
    filter: ReportFilter
    lines: list[IndicatorLine]
    overall: IndicatorLine
    units_without_denominator: list[str] = field(default_factory=list)
    suppressed: bool = False
    # Every unit's count, denominators or not (the overall line's value is over the
    # units with a denominator when the indicator has one).
    total: int | None = None


def _target(indicator: Indicator, denominator: int | None) -> int | None:
    if indicator.target_percent is None or denominator is None:
        return None
    return math.ceil(denominator * float(indicator.target_percent) / 100)


def indicator_result(
    scope: ReportScope, indicator: Indicator, *, today: date | None = None
) -> IndicatorResult:
    flt = indicator_filter(indicator, today=today)
    values = indicator_values(scope, indicator, flt)
    units = list(scope.units().values_list("pk", "name"))
    denominators = dict(indicator.denominators.values_list("unit_id", "value"))
    lines = []
    for unit_id, name in units:
        denominator = denominators.get(unit_id) if indicator.has_denominator else None
        lines.append(
            IndicatorLine(
                unit_id,
                name,
                values.get((unit_id,), 0),
                denominator,
                _target(indicator, denominator),
            )
        )
    total = values[()]
    overall = IndicatorLine(None, "", total)
    missing: list[str] = []
    if indicator.has_denominator:
        with_denominator = [line for line in lines if line.denominator is not None]
        missing = [line.label for line in lines if line.denominator is None]
        overall.denominator = sum(line.denominator or 0 for line in with_denominator) or None
        overall.target = sum(line.target or 0 for line in with_denominator)
        # The rate is over the units whose denominator is known.
        overall.value = sum(line.value or 0 for line in with_denominator)
    elif indicator.target_count is not None:
        overall.target = indicator.target_count
    result = IndicatorResult(indicator, flt, lines, overall, missing, total=total)
    if flt.ethnic_group_ids is not None and not scope.sees_individuals:
        hidden = suppress_line(
            {i: line.value or 0 for i, line in enumerate(lines)}, small_cell_threshold()
        )
        for i, line in enumerate(lines):
            if i in hidden:
                line.value = None
        if TOTAL in hidden:
            overall.value = result.total = None
        # The overall line sums only the units with a denominator: with a single hidden
        # one among them, it would give that one back.
        hidden_with_denominator = [
            line for i, line in enumerate(lines) if i in hidden and line.denominator is not None
        ]
        if len(hidden_with_denominator) == 1:
            overall.value = None
        result.suppressed = bool(hidden)
    return result


def indicator_overview(scope: ReportScope, *, today: date | None = None) -> list[IndicatorResult]:
    return [indicator_result(scope, i, today=today) for i in indicators_visible_to(scope)]
