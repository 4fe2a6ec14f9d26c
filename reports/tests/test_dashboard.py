"""The manager dashboard: scoping, filters, drill-down and small-cell suppression."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from courses.services.enrolment import enrolment_create
from lms.models import EthnicGroup
from lms.roles import INDIVIDUALS_GROUP
from reports.services.rollups import rollups_drain_all
from tests.factories import build_course, finished

URL = reverse("reports-dashboard")


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert match, name
    return match.group(1)


@pytest.fixture
def nung(db):
    return EthnicGroup.objects.get(code_list="QD-121-TCTK-1979", name="Nùng")


@pytest.fixture
def figures_world(db, trainer, make_learner, unit, other_unit, tay, nung):
    """Unit: 7 Nùng learners (6 completed) and 2 Tày (1 completed); other unit: 3."""
    tree = build_course(trainer=trainer)
    required = [a for a in tree.activities if a.required]
    people = []
    for i in range(7):
        people.append((make_learner(f"nung{i}x", ethnic_consent=True, ethnic_group=nung), i < 6))
    for i in range(2):
        people.append((make_learner(f"tay{i}x", ethnic_consent=True, ethnic_group=tay), i < 1))
    for i in range(3):
        people.append((make_learner(f"far{i}x", unit_=other_unit), False))
    for learner, completes in people:
        enrolment_create(learner=learner, course=tree.course)
        if completes:
            finished(learner, *required)
    rollups_drain_all()
    return tree


def test_a_unit_manager_reads_only_their_unit(
    client, make_manager, unit, other_unit, figures_world
):
    manager = make_manager("quanly", [unit], individuals=False)
    client.force_login(manager)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert figure(html, "enrolled") == "9"
    assert other_unit.name not in html.split('id="table-units"')[1]
    # Another unit's id is refused like one that does not exist, and shows nothing.
    for unit_id in (other_unit.pk, 999999):
        refused = client.get(URL, {"unit": unit_id})
        assert refused.status_code == 400
        assert 'data-figure="enrolled"' not in refused.content.decode()


def test_the_province_manager_reads_every_unit(client, make_manager, figures_world, other_unit):
    client.force_login(make_manager("tinh", [None], individuals=False))
    html = client.get(URL).content.decode()
    assert figure(html, "enrolled") == "12"
    assert figure(html, "completed") == "7"
    assert other_unit.name in html
    drilled = client.get(URL, {"unit": other_unit.pk}).content.decode()
    assert figure(drilled, "enrolled") == "3"


@pytest.mark.parametrize("who", ["anonymous", "learner", "trainer"])
def test_people_who_are_not_managers_get_nothing(client, who, learner, trainer, figures_world):
    if who != "anonymous":
        client.force_login(learner if who == "learner" else trainer)
    response = client.get(URL)
    assert response.status_code in (302, 404)
    assert b"data-figure" not in response.content


def test_small_ethnic_cells_are_hidden_with_a_complement(client, make_manager, unit, figures_world):
    client.force_login(make_manager("quanly", [unit], individuals=False))
    html = client.get(URL, {"measure": "completed"}).content.decode()
    table = html.split('id="table-breakdown"')[1].split("</table>")[0]
    # Tày: 1 completed (female); hidden, and so is enough else that subtraction from
    # the totals cannot give it back.
    tay_row = re.search(r"<td>Tày</td>(.*?)</tr>", table).group(1)
    assert "<td>1</td>" not in tay_row and "*" in tay_row
    nung_row = re.search(r"<td>Nùng</td>(.*?)</tr>", table).group(1)
    cells = re.findall(r"<td>([^<]*)</td>", nung_row)
    totals = re.findall(r"<td>([^<]*)</td>", table.split("<tfoot>")[1])
    # Female column: Nùng 6 shown with total 7 would give Tày's 1 back.
    assert not (cells[0] == "6" and totals[0] == "7")


def test_readers_of_individuals_see_every_cell(client, make_manager, unit, figures_world):
    manager = make_manager("quanly", [unit], individuals=False)
    manager.groups.add(Group.objects.get(name=INDIVIDUALS_GROUP))
    client.force_login(manager)
    html = client.get(URL, {"measure": "completed"}).content.decode()
    table = html.split('id="table-breakdown"')[1].split("</table>")[0]
    assert "*" not in table
    assert re.search(r"<td>Tày</td><td>1</td>", table)


def test_an_ethnic_filter_protects_every_figure(client, make_manager, unit, tay, figures_world):
    client.force_login(make_manager("quanly", [unit], individuals=False))
    html = client.get(URL, {"ethnic_group": tay.pk}).content.decode()
    assert figure(html, "enrolled") == "*"
    assert figure(html, "completed") == "*"


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2025-13"},
        {"start": "=1+1"},
        {"start": "2026-05", "end": "2025-01"},
        {"course": "abc"},
        {"sex": "x"},
        {"measure": "seconds"},
    ],
)
def test_bad_filters_are_explained_and_show_nothing(
    client, make_manager, unit, params, figures_world
):
    client.force_login(make_manager("quanly", [unit], individuals=False))
    response = client.get(URL, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and "data-figure" not in html


def test_a_change_shows_at_once_though_the_page_is_cached(
    client, make_manager, make_learner, unit, figures_world
):
    client.force_login(make_manager("quanly", [unit], individuals=False))
    assert figure(client.get(URL).content.decode(), "enrolled") == "9"
    # Another manager of the same unit is served the cached page, with the same figures.
    client.force_login(make_manager("quanly2", [unit], individuals=False))
    assert figure(client.get(URL).content.decode(), "enrolled") == "9"
    enrolment_create(learner=make_learner("moix"), course=figures_world.course)
    rollups_drain_all()
    assert figure(client.get(URL).content.decode(), "enrolled") == "10"
