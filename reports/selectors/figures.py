"""Figures read from the rollups, within a reader's scope, never from raw events."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Sum

from ..models import MEASURES, Grain, Rollup
from .scope import ReportScope

# The dimensions a filter or a grouping can name, as rollup columns.
DIMENSIONS = (
    "course_id",
    "unit_id",
    "recorded_unit_id",
    "ethnic_group_id",
    "sex",
    "age_band",
    "category",
)
GRAIN_DIMENSIONS = {
    Grain.COURSE_UNIT: {"course_id", "unit_id"},
    Grain.UNIT_PEOPLE: {"unit_id", "ethnic_group_id", "sex"},
}


@dataclass(frozen=True)
class ReportFilter:
    first_month: date
    last_month: date
    unit_id: int | None = None
    recorded_unit_ids: frozenset[int] | None = None
    course_ids: frozenset[int] | None = None
    ethnic_group_ids: frozenset[int] | None = None
    sex: str | None = None
    age_band: str | None = None
    category: str | None = None

    def people_lookups(self) -> dict[str, object]:
        """The filter's people dimensions as lookups on a rollup cell or a fact."""
        lookups: dict[str, object] = {}
        if self.ethnic_group_ids is not None:
            lookups["ethnic_group_id__in"] = self.ethnic_group_ids
        for column in ("sex", "age_band", "category"):
            if getattr(self, column) is not None:
                lookups[column] = getattr(self, column)
        return lookups

    def dimensions_used(self) -> set[str]:
        used = set()
        for name, column in (
            ("unit_id", "unit_id"),
            ("recorded_unit_ids", "recorded_unit_id"),
            ("course_ids", "course_id"),
            ("ethnic_group_ids", "ethnic_group_id"),
            ("sex", "sex"),
            ("age_band", "age_band"),
            ("category", "category"),
        ):
            if getattr(self, name) is not None:
                used.add(column)
        return used


def grain_for(needed: set[str]) -> Grain:
    """The smallest grain that keeps every dimension a query filters or groups by."""
    for grain, keeps in GRAIN_DIMENSIONS.items():
        if needed <= keeps:
            return grain
    return Grain.FULL


@dataclass
class Figures:
    enrolled: int = 0
    active: int = 0
    completed: int = 0
    passed: int = 0
    certified: int = 0
    attended: int = 0
    seconds: int = 0
    live_seconds: int = 0
    # Measures hidden as small cells.
    hidden: set[str] = field(default_factory=set)

    @property
    def completion_rate(self) -> int | None:
        if not self.enrolled or {"enrolled", "completed"} & self.hidden:
            return None
        return round(100 * self.completed / self.enrolled)

    def get(self, measure: str) -> int | None:
        return None if measure in self.hidden else getattr(self, measure)


def _figures(sums: dict) -> Figures:
    figures = Figures()
    for m in MEASURES:
        setattr(figures, m, sums[m] or 0)
    return figures


def rollup_figures(
    scope: ReportScope, flt: ReportFilter, group_by: tuple[str, ...] = ()
) -> dict[tuple, Figures]:
    """Sums of the measures for each combination of ``group_by`` (rollup columns or
    ``month``), within ``scope`` and ``flt``."""
    needed = flt.dimensions_used() | {g for g in group_by if g != "month"}
    if scope.unit_ids is not None:
        needed.add("unit_id")
    grain = grain_for(needed)
    rows = Rollup.objects.filter(grain=grain, month__gte=flt.first_month, month__lte=flt.last_month)
    if scope.unit_ids is not None:
        rows = rows.filter(unit_id__in=scope.unit_ids)
    if flt.unit_id is not None:
        rows = rows.filter(unit_id=flt.unit_id)
    if flt.recorded_unit_ids is not None:
        rows = rows.filter(recorded_unit_id__in=flt.recorded_unit_ids)
    if flt.course_ids is not None:
        rows = rows.filter(course_id__in=flt.course_ids)
    rows = rows.filter(**flt.people_lookups())
    # Cells of a smaller grain hold ANY in the dimensions it drops; they are never
    # grouped by here (grain_for keeps every grouped dimension).
    assert all(g in ("month", *DIMENSIONS) for g in group_by)
    sums = {m: Sum(m) for m in MEASURES}
    result: dict[tuple, Figures] = {}
    if group_by:
        grouped = rows.values(*group_by).annotate(**sums).order_by(*group_by)
        for row in grouped:
            key = tuple(row[g] for g in group_by)
            result[key] = _figures(row)
    else:
        totals = rows.aggregate(**sums)
        result[()] = _figures(totals)
    return result
