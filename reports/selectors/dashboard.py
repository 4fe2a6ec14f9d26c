"""What the manager dashboard shows: totals, by unit, by period, by course, by ethnic
group and sex, and the cohorts of a course in a unit, with small cells hidden for
readers who may not see individuals."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from courses.models import Cohort, CoursePage
from lms.models import AdministrativeUnit, EthnicGroup, LearnerProfile

from ..dimensions import ETHNIC_NOT_STATED
from ..models import MEASURES, EnrolmentFact
from ..privacy import TOTAL, suppress_line, suppress_table
from .figures import Figures, ReportFilter, rollup_figures
from .scope import ReportScope, small_cell_threshold

COUNTED = ("enrolled", "active", "completed", "passed", "certified", "attended")


@dataclass
class Line:
    """One labelled row of figures, with a link to drill down into it."""

    key: object
    label: str
    figures: Figures
    drill: dict = field(default_factory=dict)


@dataclass
class Breakdown:
    measure: str
    rows: list[tuple[str, list[int | None], int | None]]  # label, by sex, row total
    columns: list[str]
    totals: list[int | None]
    grand_total: int | None
    suppressed: bool


def _period_key(month: date, step: str) -> str:
    if step == "year":
        return f"{month.year}"
    if step == "quarter":
        return f"{month.year}-Q{(month.month - 1) // 3 + 1}"
    return f"{month:%Y-%m}"


def _hide_small_lines(lines: list[Line], total: Figures, threshold: int) -> None:
    """Hide small counts in a list of lines shown with their total, with complements."""
    for measure in COUNTED:
        hidden = suppress_line(
            {i: getattr(line.figures, measure) for i, line in enumerate(lines)}, threshold
        )
        if TOTAL in hidden:
            total.hidden.add(measure)
        for i, line in enumerate(lines):
            if i in hidden:
                line.figures.hidden.add(measure)
    for line in lines:
        if "enrolled" in line.figures.hidden:
            line.figures.hidden |= {"seconds", "live_seconds"}


def _names(model, ids) -> dict:
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))


def dashboard(scope: ReportScope, flt: ReportFilter, *, step: str, measure: str) -> dict:
    threshold = small_cell_threshold()
    # An ethnic group chosen as a filter makes every figure of the view a breakdown by
    # ethnic group.
    protect_all = flt.ethnic_group_ids is not None and not scope.sees_individuals
    total = rollup_figures(scope, flt)[()]

    by_unit_raw = rollup_figures(scope, flt, ("unit_id",))
    unit_names = dict(scope.units().values_list("pk", "name"))
    by_unit = [
        Line(uid, unit_names.get(uid, str(uid)), figs, {"unit": uid})
        for (uid,), figs in by_unit_raw.items()
    ]
    by_unit.sort(key=lambda line: (-line.figures.enrolled, line.label))

    periods: dict[str, Figures] = defaultdict(Figures)
    for (month,), figs in rollup_figures(scope, flt, ("month",)).items():
        into = periods[_period_key(month, step)]
        for m in MEASURES:
            setattr(into, m, getattr(into, m) + getattr(figs, m))
    by_period = [Line(key, key, figs) for key, figs in sorted(periods.items())]

    by_course_raw = rollup_figures(scope, flt, ("course_id",))
    course_titles = dict(
        CoursePage.objects.filter(pk__in=[k[0] for k in by_course_raw]).values_list("pk", "title")
    )
    by_course = [
        Line(cid, course_titles.get(cid, _("Khóa học đã xóa")), figs, {"course": cid})
        for (cid,), figs in by_course_raw.items()
    ]
    by_course.sort(key=lambda line: line.label)

    if protect_all:
        for lines in (by_unit, by_period, by_course):
            _hide_small_lines(lines, total, threshold)

    breakdown = ethnic_sex_breakdown(scope, flt, measure, threshold)
    cohorts = (
        cohort_lines(scope, flt, threshold)
        if flt.unit_id is not None and flt.course_ids is not None and len(flt.course_ids) == 1
        else []
    )
    return {
        "total": total,
        "by_unit": by_unit,
        "by_period": by_period,
        "by_course": by_course,
        "breakdown": breakdown,
        "cohorts": cohorts,
        "threshold": threshold,
        "suppressing": not scope.sees_individuals,
    }


def ethnic_sex_breakdown(
    scope: ReportScope, flt: ReportFilter, measure: str, threshold: int
) -> Breakdown:
    cells = rollup_figures(scope, flt, ("ethnic_group_id", "sex"))
    values = {(e, s): getattr(f, measure) for (e, s), f in cells.items()}
    groups = sorted({e for e, _s in values})
    names = _names(EthnicGroup, groups)
    names[ETHNIC_NOT_STATED] = _("Không nêu")
    sexes = [code for code, _label in LearnerProfile.Sex.choices]
    hidden: set = set()
    if not scope.sees_individuals:
        hidden = suppress_table(values, groups, sexes, threshold)

    def shown(cell, value):
        return None if cell in hidden else value

    rows = []
    for e in sorted(groups, key=lambda g: (g == ETHNIC_NOT_STATED, names.get(g, ""))):
        row_values = [shown((e, s), values.get((e, s), 0)) for s in sexes]
        row_total = sum(values.get((e, s), 0) for s in sexes)
        rows.append((names.get(e, str(e)), row_values, shown((e, TOTAL), row_total)))
    col_totals = [shown((TOTAL, s), sum(values.get((e, s), 0) for e in groups)) for s in sexes]
    grand = shown((TOTAL, TOTAL), sum(values.values()))
    return Breakdown(
        measure=measure,
        rows=rows,
        columns=[str(label) for _code, label in LearnerProfile.Sex.choices],
        totals=col_totals,
        grand_total=grand,
        suppressed=bool(hidden),
    )


def cohort_lines(scope: ReportScope, flt: ReportFilter, threshold: int) -> list[Line]:
    """The cohorts of one course in one unit, from the reports' own facts."""
    assert flt.course_ids is not None and flt.unit_id is not None
    (course_id,) = flt.course_ids
    facts = EnrolmentFact.objects.filter(course_id=course_id, unit_id=flt.unit_id)
    facts = facts.filter(**flt.people_lookups())
    in_period = Q(months__month__gte=flt.first_month, months__month__lte=flt.last_month)
    rows = (
        facts.values("cohort_id")
        .annotate(
            learners=Count("id", distinct=True),
            enrolled=Sum("months__enrolled", filter=in_period),
            completed=Sum("months__completed", filter=in_period),
        )
        .order_by("cohort_id")
    )
    names: dict[int | None, str] = dict(
        Cohort.objects.filter(pk__in=[r["cohort_id"] for r in rows]).values_list("pk", "name")
    )
    lines = [
        Line(
            r["cohort_id"],
            names.get(r["cohort_id"], _("Tự ghi danh")),
            Figures(enrolled=r["enrolled"] or 0, completed=r["completed"] or 0),
        )
        for r in rows
    ]
    if not scope.sees_individuals and flt.ethnic_group_ids is not None:
        _hide_small_lines(lines, Figures(), threshold)
    return lines


def unit_name(unit_id: int | None) -> str:
    if unit_id is None:
        return ""
    return (
        AdministrativeUnit.objects.filter(pk=unit_id).values_list("name", flat=True).first() or ""
    )
