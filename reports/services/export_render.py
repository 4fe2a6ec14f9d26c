"""What an export holds: the dashboard's tables, the PDF report, indicator values for
a receiving system. Every export hides small cells, whoever asked for it."""

import dataclasses
from collections.abc import Callable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from lms.models import EthnicGroup

from ..exchange import DataValue, Period, adx_document, dhis2_json
from ..exports import (
    SUPPRESSED,
    Column,
    Section,
    Table,
    bar_chart,
    line_chart,
    report_pdf,
    table_csv,
    tables_xlsx,
)
from ..forms import COUNT_MEASURES
from ..models import ExchangeTarget
from ..privacy import suppress_line
from ..selectors.dashboard import Line, dashboard
from ..selectors.figures import Figures, ReportFilter
from ..selectors.indicators import indicator_filter, indicator_values
from ..selectors.scope import ReportScope, small_cell_threshold

Progress = Callable[[int], None]
TABLES = ("units", "periods", "courses", "breakdown", "cohorts")


def _shown(figures: Figures, measure: str):
    value = figures.get(measure)
    return SUPPRESSED if value is None else value


def _hours(figures: Figures, measure: str = "seconds"):
    if measure in figures.hidden:
        return SUPPRESSED
    return round(getattr(figures, measure) / 3600, 1)


def _lines_table(title: str, first: str, lines: list[Line], measures: tuple[str, ...]) -> Table:
    labels = dict(COUNT_MEASURES)
    columns = [Column("label", first)]
    columns += [Column(m, str(labels[m]), numeric=True) for m in measures]
    columns.append(Column("hours", _("Giờ học"), numeric=True))
    rows = [
        [line.label, *(_shown(line.figures, m) for m in measures), _hours(line.figures)]
        for line in lines
    ]
    return Table(title=title, columns=columns, rows=rows)


def dashboard_tables(scope: ReportScope, flt: ReportFilter, *, step: str, measure: str) -> dict:
    """The dashboard's tables as exports show them: small cells hidden for everyone."""
    private = dataclasses.replace(scope, sees_individuals=False)
    figures = dashboard(private, flt, step=step, measure=measure)
    counted = ("enrolled", "active", "completed", "passed", "certified", "attended")
    breakdown = figures["breakdown"]
    columns = [Column("group", _("Dân tộc"))]
    columns += [Column(f"c{i}", c, numeric=True) for i, c in enumerate(breakdown.columns)]
    columns.append(Column("total", _("Cộng"), numeric=True))

    def cell(value):
        return SUPPRESSED if value is None else value

    breakdown_rows = [
        [label, *(cell(v) for v in values), cell(total)] for label, values, total in breakdown.rows
    ]
    breakdown_rows.append(
        [_("Cộng"), *(cell(v) for v in breakdown.totals), cell(breakdown.grand_total)]
    )
    measure_label = dict(COUNT_MEASURES)[measure]
    tables = {
        "units": _lines_table(_("Theo xã/phường"), _("Xã/phường"), figures["by_unit"], counted),
        "periods": _lines_table(_("Theo thời gian"), _("Kỳ"), figures["by_period"], counted),
        "courses": _lines_table(_("Theo khóa học"), _("Khóa học"), figures["by_course"], counted),
        "breakdown": Table(
            title=_("%(m)s theo dân tộc và giới tính") % {"m": measure_label},
            columns=columns,
            rows=breakdown_rows,
        ),
    }
    if figures["cohorts"]:
        tables["cohorts"] = _lines_table(
            _("Theo lớp"), _("Lớp"), figures["cohorts"], ("enrolled", "completed")
        )
    return {"tables": tables, "figures": figures}


def render_table_file(
    kind: str, scope: ReportScope, flt: ReportFilter, *, step: str, measure: str, table: str
) -> bytes:
    built = dashboard_tables(scope, flt, step=step, measure=measure)["tables"]
    if kind == "csv":
        return table_csv(built.get(table) or built["units"])
    return tables_xlsx(list(built.values()))


def render_pdf(
    scope: ReportScope,
    flt: ReportFilter,
    *,
    step: str,
    measure: str,
    scope_label: str,
    progress: Progress,
) -> bytes:
    built = dashboard_tables(scope, flt, step=step, measure=measure)
    tables, figures = built["tables"], built["figures"]
    progress(40)
    total: Figures = figures["total"]
    summary = "; ".join(
        f"{label}: {_shown(total, m) if total.get(m) is not None else '*'}"
        for m, label in COUNT_MEASURES
    )
    units = figures["by_unit"][:20]
    periods = figures["by_period"]
    labels = dict(COUNT_MEASURES)
    sections = [
        Section(heading=_("Tổng hợp"), text=summary),
        Section(
            heading=_("Theo xã/phường"),
            table=tables["units"],
            chart_svg=bar_chart(
                [u.label for u in units],
                {
                    str(labels[m]): [u.figures.get(m) for u in units]
                    for m in ("enrolled", "completed")
                },
                _("Ghi danh và hoàn thành theo xã/phường"),
            ),
        ),
        Section(
            heading=_("Theo thời gian"),
            table=tables["periods"],
            chart_svg=line_chart(
                [p.label for p in periods],
                {
                    str(labels[m]): [p.figures.get(m) for p in periods]
                    for m in ("enrolled", "active", "completed")
                },
                _("Xu hướng theo thời gian"),
            ),
        ),
        Section(heading=_("Theo khóa học"), table=tables["courses"]),
        Section(heading=tables["breakdown"].title, table=tables["breakdown"]),
    ]
    progress(70)
    return report_pdf(
        title=_("Báo cáo kết quả đào tạo từ xa"),
        period_label=f"{flt.first_month:%m/%Y} – {flt.last_month:%m/%Y}",
        generated_at=timezone.localtime(),
        scope_label=scope_label,
        sections=sections,
    )


def exchange_values(
    scope: ReportScope, target: ExchangeTarget, period: Period, *, kind: str = "adx"
) -> tuple[list[DataValue], list[str]]:
    """Each mapped indicator's value per mapped unit (and per mapped option when it is
    broken down) in ``period``, small ethnic cells left out; and what was skipped."""
    units = dict(target.units.values_list("unit_id", "org_unit"))
    options: dict[tuple[str, str], tuple[str, str, str]] = {
        (o.dimension, o.our_code): (o.attribute, o.option_code, o.category_option_combo)
        for o in target.options.all()
    }
    threshold = small_cell_threshold()
    values: list[DataValue] = []
    skipped: list[str] = []
    ethnic_codes = dict(EthnicGroup.objects.values_list("pk", "code"))
    for mapping in target.indicators.select_related("indicator"):
        indicator = mapping.indicator
        months = period.months()
        flt = dataclasses.replace(
            indicator_filter(indicator), first_month=months[0], last_month=months[-1]
        )
        by = mapping.disaggregate_by
        counts = indicator_values(scope, indicator, flt, by=by)
        per_unit: dict[int, dict[str, int]] = {}
        for key, n in counts.items():
            if not key:
                continue
            unit_id = key[0]
            option = str(key[1]) if by else ""
            if by == "ethnic_group":
                option = ethnic_codes.get(key[1], "0")
            per_unit.setdefault(unit_id, {})[option] = n
        sensitive = by == "ethnic_group" or flt.ethnic_group_ids is not None
        for unit_id, cells in sorted(per_unit.items()):
            org_unit = units.get(unit_id)
            if org_unit is None:
                skipped.append(_("đơn vị %(u)s chưa ánh xạ") % {"u": unit_id})
                continue
            hidden = suppress_line(cells, threshold) if sensitive else set()
            for option, n in sorted(cells.items()):
                if option in hidden:
                    continue
                if by:
                    mapped = options.get((by, option))
                    if mapped is None:
                        skipped.append(_("phương án %(o)s chưa ánh xạ") % {"o": option})
                        continue
                    attribute, code, combo = mapped
                    if kind == "dhis2" and not combo:
                        skipped.append(
                            _("phương án %(o)s chưa có category option combo") % {"o": option}
                        )
                        continue
                    disaggregations: tuple[tuple[str, str], ...] = ((attribute, code),)
                else:
                    disaggregations, combo = (), mapping.category_option_combo
                values.append(
                    DataValue(
                        data_element=mapping.data_element,
                        period=period,
                        org_unit=org_unit,
                        value=n,
                        disaggregations=disaggregations,
                        category_option_combo=combo,
                        attribute_option_combo=mapping.attribute_option_combo,
                    )
                )
    return values, sorted(set(skipped))


def render_exchange(
    kind: str, scope: ReportScope, target: ExchangeTarget, period: Period, exported_at: datetime
) -> tuple[bytes, list[str]]:
    values, skipped = exchange_values(scope, target, period, kind=kind)
    if kind == "adx":
        return adx_document(values, data_set=target.data_set, exported_at=exported_at), skipped
    return dhis2_json(values, data_set=target.data_set), skipped
