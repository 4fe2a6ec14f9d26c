"""Indicators: people counted once, denominators, targets and gaps; their exchange."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse
from lxml import etree  # type: ignore[import-untyped]

from courses.services.enrolment import enrolment_create
from lms.models import AdministrativeUnit, EthnicGroup
from reports.exchange import Period, adx_validate
from reports.models import (
    ExchangeTarget,
    Indicator,
    IndicatorDenominator,
    IndicatorMapping,
    OptionMapping,
    UnitMapping,
)
from reports.selectors.indicators import indicator_result
from reports.selectors.scope import access_reports
from reports.services.export_render import render_exchange
from reports.services.rollups import rollups_drain_all
from tests.factories import build_course, finished


def done(learner, tree):
    finished(learner, *[a for a in tree.activities if a.required])


@pytest.fixture
def plan(db, trainer, make_learner, unit, other_unit, tay):
    """Two ethnic-language courses; in ``unit`` 3 officials (one finishing both courses)
    and a youth; in ``other_unit`` one official."""
    tay_course = build_course(trainer=trainer)
    nung_course = build_course(trainer=trainer, title="Tiếng Nùng", slug="tieng-nung")
    officials = [
        make_learner(f"canbo{i}x", category="official", ethnic_consent=True, ethnic_group=tay)
        for i in range(3)
    ]
    youth = make_learner("thanhnienx", category="youth")
    far = make_learner("xaxoix", unit_=other_unit, category="official", sex="male")
    for person in [*officials, youth, far]:
        enrolment_create(learner=person, course=tay_course.course)
        done(person, tay_course)
    enrolment_create(learner=officials[0], course=nung_course.course)
    done(officials[0], nung_course)
    rollups_drain_all()
    indicator = Indicator.objects.create(
        code="cb-hoc-tieng-dt",
        name="Cán bộ hoàn thành khóa tiếng dân tộc",
        track="ethnic_language",
        category="official",
        measure="completed",
        has_denominator=True,
        target_percent=Decimal("100"),
    )
    IndicatorDenominator.objects.create(indicator=indicator, unit=unit, value=4)
    return indicator


def province(make_manager):
    return access_reports(make_manager("tinh", [None], individuals=False))


def test_people_are_counted_once_and_enrolments_each_time(plan, make_manager, unit, other_unit):
    scope = province(make_manager)
    result = indicator_result(scope, plan)
    by_unit = {line.unit_id: line for line in result.lines}
    assert by_unit[unit.pk].value == 3  # three officials, one of them twice
    assert by_unit[other_unit.pk].value == 1
    assert by_unit[unit.pk].rate == 75.0 and by_unit[unit.pk].target == 4
    assert by_unit[unit.pk].gap == 1
    # The overall rate is over the units with a denominator, and says which lack one.
    assert result.overall.value == 3 and result.overall.denominator == 4
    assert other_unit.name in result.units_without_denominator
    assert result.total == 4
    plan.counts = Indicator.Counts.ENROLMENTS
    plan.save()
    assert {line.unit_id: line.value for line in indicator_result(scope, plan).lines}[unit.pk] == 4


def test_a_unit_manager_reads_their_units_only(plan, make_manager, unit, other_unit):
    result = indicator_result(access_reports(make_manager("xa", [unit], individuals=False)), plan)
    assert [line.unit_id for line in result.lines] == [unit.pk]
    assert result.total == 3


def test_an_ethnic_indicator_hides_small_units_for_aggregate_readers(
    plan, make_manager, unit, other_unit, tay
):
    plan.ethnic_groups.add(tay)
    plan.save()
    result = indicator_result(
        access_reports(make_manager("xa", [unit, other_unit], individuals=False)), plan
    )
    values = {line.unit_id: line.value for line in result.lines}
    # 3 Tày officials in unit: under 5, hidden; the only other unit goes with it.
    assert values[unit.pk] is None
    assert result.suppressed and result.total is None


def test_indicator_pages_answer_managers_only(client, plan, make_manager, learner):
    client.force_login(make_manager("tinh", [None], individuals=False))
    listing = client.get(reverse("reports-indicators")).content.decode()
    assert 'data-indicator="cb-hoc-tieng-dt"' in listing
    detail = client.get(reverse("reports-indicator", args=[plan.code]))
    assert detail.status_code == 200 and "75,0%" in detail.content.decode()
    client.force_login(learner)
    assert client.get(reverse("reports-indicator", args=[plan.code])).status_code == 404


@pytest.fixture
def target(plan, unit, other_unit):
    target = ExchangeTarget.objects.create(name="DHIS2 tỉnh", data_set="dsLMS01")
    IndicatorMapping.objects.create(
        target=target, indicator=plan, data_element="deTrained", disaggregate_by="sex"
    )
    UnitMapping.objects.create(target=target, unit=unit, org_unit="OU_DONGKINH")
    for ours, theirs in (("female", "F"), ("male", "M")):
        OptionMapping.objects.create(
            target=target,
            dimension="sex",
            our_code=ours,
            attribute="SEX",
            option_code=theirs,
            category_option_combo=f"coc{theirs}",
        )
    return target


def this_year() -> Period:
    from django.utils import timezone

    return Period.of_year(timezone.localdate().year)


def test_adx_export_validates_and_carries_the_values(target, make_manager, unit):
    scope = province(make_manager)
    xml, skipped = render_exchange("adx", scope, target, this_year(), _now())
    assert adx_validate(xml) == []
    root = etree.fromstring(xml)
    ns = {"adx": "urn:ihe:qrph:adx:2015"}
    groups = root.findall("adx:group", ns)
    assert [g.get("orgUnit") for g in groups] == ["OU_DONGKINH"]
    values = {v.get("SEX"): v.get("value") for v in groups[0].findall("adx:dataValue", ns)}
    assert values == {"F": "3"}
    # The other unit has no org unit in the mapping: left out, and said so.
    assert skipped


def test_dhis2_export_uses_the_option_combos(target, make_manager):
    scope = province(make_manager)
    body, _skipped = render_exchange("dhis2", scope, target, this_year(), _now())
    data = json.loads(body)
    assert data["dataSet"] == "dsLMS01"
    assert data["dataValues"] == [
        {
            "dataElement": "deTrained",
            "period": str(this_year().dhis2()),
            "orgUnit": "OU_DONGKINH",
            "categoryOptionCombo": "cocF",
            "value": "3",
        }
    ]


def test_ethnic_breakdowns_leave_small_cells_out_of_exchange(target, make_manager, tay):
    mapping = target.indicators.get()
    mapping.disaggregate_by = "ethnic_group"
    mapping.save()
    OptionMapping.objects.create(
        target=target,
        dimension="ethnic_group",
        our_code=tay.code,
        attribute="ETH",
        option_code="TAY",
    )
    xml, _skipped = render_exchange("adx", province(make_manager), target, this_year(), _now())
    assert adx_validate(xml) == []
    assert b'ETH="TAY"' not in xml  # 3 Tày officials: under 5


def _now():
    from django.utils import timezone

    return timezone.now()


def test_a_former_commune_reports_under_its_successor(trainer, make_learner, make_manager):
    former = AdministrativeUnit.objects.filter(
        is_current=False, level="commune", current_unit__isnull=False
    ).first()
    learner = make_learner("xacux", unit_=former, category="official")
    tree = build_course(trainer=trainer)
    enrolment_create(learner=learner, course=tree.course)
    done(learner, tree)
    rollups_drain_all()
    indicator = Indicator.objects.create(code="tat-ca", name="Tất cả", measure="completed")
    result = indicator_result(province(make_manager), indicator)
    values = {line.unit_id: line.value for line in result.lines if line.value}
    assert values == {former.current_unit_id: 1}
    assert EthnicGroup.objects.exists()
