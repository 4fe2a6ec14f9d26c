"""End to end in a real browser, the manager dashboard (/reports/): a province manager
signs in, opens "Báo cáo" and reads the totals and the three charts, drills down into a
commune and filters by sex and by course; a commune manager reads their own commune only,
with small ethnic groups hidden unless they may see individuals; and the dashboard fits
a phone's screen.

Run with the rest of the suite (bin/test) or alone:
    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/pytest tests/test_browser_reports.py

The page's Content-Security-Policy allows no inline script, so the tests poll the page
with ``page.evaluate`` (run by the browser's debugging protocol, outside the policy).
"""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from courses.services.enrolment import enrolment_create
from lms.models import EthnicGroup
from lms.roles import INDIVIDUALS_GROUP
from reports.services.rollups import rollups_drain_all
from tests.conftest import ARTIFACTS, BROWSER_TEST
from tests.factories import build_course, finished
from tests.test_browser_flow import log_in, wait_until
from tests.test_browser_staff import site_log_in

pytestmark = BROWSER_TEST

OTHER_COURSE_TITLE = "Kỹ năng số cơ bản"
CHARTS = ("chart-units", "chart-periods", "chart-breakdown")
CHARTS_WAIT_S = 10
# A chart's box is 16rem high; a canvas taller than this has outgrown it.
CHART_MAX_HEIGHT_PX = 600
PHONE_SIZE = {"width": 412, "height": 900}

# The figures the world below gives, as (enrolled, completed):
PROVINCE = ("15", "8")
DONG_KINH = ("9", "7")  # the commune of ``unit``
THAT_KHE = ("6", "1")  # the commune of ``other_unit``
MEN = ("8", "3")
OTHER_COURSE = ("3", "1")


@pytest.fixture
def world(celery_queue, trainer, make_learner, unit, other_unit, tay):
    """Two courses and learners in two communes, folded into the reports' rollups.

    Phường Đông Kinh, the Tày course: 5 Nùng women (4 completed), 2 Nùng men (both
    completed), 2 Tày women (1 completed). Xã Thất Khê: 3 men who did not state their
    ethnic group, in both courses; one completed the second course only.
    """
    nung = EthnicGroup.objects.get(code_list="QD-121-TCTK-1979", name="Nùng")
    tay_course = build_course(trainer=trainer)
    other_course = build_course(title=OTHER_COURSE_TITLE, slug="ky-nang-so")
    people = [
        *[("nung.nu", nung, "female", i < 4) for i in range(5)],
        *[("nung.nam", nung, "male", True) for _ in range(2)],
        *[("tay.nu", tay, "female", i < 1) for i in range(2)],
    ]
    for index, (name, group, sex, completes) in enumerate(people):
        person = make_learner(f"{name}{index}", sex=sex, ethnic_consent=True, ethnic_group=group)
        enrolment_create(learner=person, course=tay_course.course)
        if completes:
            finished(person, *[a for a in tay_course.activities if a.required])
    for index in range(3):
        person = make_learner(f"thatkhe{index}", unit_=other_unit, sex="male")
        for tree in (tay_course, other_course):
            enrolment_create(learner=person, course=tree.course)
        if index == 0:
            finished(person, *[a for a in other_course.activities if a.required])
    rollups_drain_all()
    return tay_course, other_course


# --- what the page shows ----------------------------------------------------------------


def expect_totals(page, enrolled: str, completed: str) -> None:
    expect(page.locator('[data-figure="enrolled"]')).to_have_text(enrolled)
    expect(page.locator('[data-figure="completed"]')).to_have_text(completed)


def expect_charts_drawn(page) -> None:
    """The dashboard's script drew its three charts, each in a canvas that keeps to its
    box: taller than nothing, shorter than ``CHART_MAX_HEIGHT_PX``, and not growing."""
    drawn = wait_until(
        lambda: page.evaluate("document.documentElement.dataset.chartsDrawn") == "yes",
        CHARTS_WAIT_S,
    )
    assert drawn, f"the charts were not drawn within {CHARTS_WAIT_S}s"

    def heights():
        return page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll(".chart-box canvas")]
                .map(canvas => [canvas.id, canvas.getBoundingClientRect().height]))"""
        )

    first = heights()
    assert sorted(first) == sorted(CHARTS), first
    for name, height in first.items():
        assert 0 < height < CHART_MAX_HEIGHT_PX, f"{name} is {height}px high"
    page.wait_for_timeout(1_000)
    assert heights() == first, "a chart's canvas kept growing after it was drawn"


def overflowing_elements(page) -> list[str]:
    """The outermost elements reaching past the right edge of the viewport (those whose
    parent keeps within it), with their right edge in CSS pixels, for a message."""
    return page.evaluate(
        """() => {
            const edge = document.documentElement.clientWidth;
            const past = el => el.getBoundingClientRect().right > edge;
            return [...document.querySelectorAll("body *")]
                .filter(el => past(el) && !past(el.parentElement))
                .map(el => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}`
                    + ` (right edge ${Math.round(el.getBoundingClientRect().right)}px)`);
        }"""
    )


def breakdown_row(page, ethnic_group: str):
    """The cells of one ethnic group's row in the table by ethnic group and sex."""
    table = page.locator("#table-breakdown")
    return table.locator("tbody tr").filter(
        has=page.get_by_role("cell", name=ethnic_group, exact=True)
    )


def chart_ready_dashboard(page, path: str = "/reports/") -> None:
    page.goto(path)
    expect(page.get_by_role("heading", level=1, name="Báo cáo và chỉ số")).to_be_visible()
    expect_charts_drawn(page)


# --- a province manager ------------------------------------------------------------------


def test_province_manager_reads_drills_down_into_a_commune_and_filters(
    desktop, live_server, world, make_manager, unit, other_unit
):
    make_manager("quanly.tinh", [None], individuals=False)
    requested: list[str] = []
    desktop.on("request", lambda request: requested.append(request.url))
    page = desktop.new_page()

    # 1. Sign in through the form, then "Báo cáo" in the top navigation.
    site_log_in(page, "quanly.tinh", "Mat-khau-2025", lands_on="/reports/")
    page.get_by_role("banner").get_by_role("link", name="Báo cáo", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/reports/")
    expect(page.get_by_role("heading", level=1, name="Báo cáo và chỉ số")).to_be_visible()
    expect(page.get_by_text("Phạm vi: Toàn tỉnh")).to_be_visible()
    expect_totals(page, *PROVINCE)
    expect_charts_drawn(page)
    units_table = page.locator("#table-units")
    for commune in (unit.name, other_unit.name):
        expect(units_table.get_by_role("link", name=commune, exact=True)).to_be_visible()
    crumbs = page.get_by_role("navigation", name="Đang xem")
    expect(crumbs.get_by_role("link")).to_have_text(["Toàn tỉnh"])

    # 2. The artefact: the whole dashboard, desktop width.
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "reports-dashboard.png"
    screenshot.unlink(missing_ok=True)
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.exists(), "no screenshot was written"
    assert screenshot.stat().st_size > 20_000, screenshot.stat().st_size

    # 3. Drill down: Thất Khê's name in the table by commune shows Thất Khê alone.
    units_table.get_by_role("link", name=other_unit.name, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/reports/\?(.*&)?unit={other_unit.pk}(&|$)"))
    expect_totals(page, *THAT_KHE)
    expect(crumbs.get_by_role("link")).to_have_text(["Toàn tỉnh", other_unit.name])
    expect(units_table.get_by_role("link", name=other_unit.name, exact=True)).to_be_visible()
    expect(units_table.get_by_role("link", name=unit.name, exact=True)).to_have_count(0)
    expect(page.get_by_label(re.compile(r"^Xã/phường:?$"))).to_have_value(str(other_unit.pk))
    expect_charts_drawn(page)

    # ... and back to the province by the breadcrumb.
    crumbs.get_by_role("link", name="Toàn tỉnh").click()
    expect(page).to_have_url(f"{live_server.url}/reports/")
    expect_totals(page, *PROVINCE)

    # 4. The filters: men only, then the second course only.
    page.get_by_label(re.compile(r"^Giới tính:?$")).select_option(label="Nam")
    page.get_by_role("button", name="Xem", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]sex=male(&|$)"))
    expect_totals(page, *MEN)
    expect_charts_drawn(page)

    page.get_by_role("link", name="Bỏ lọc", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/reports/")
    expect_totals(page, *PROVINCE)
    page.get_by_label(re.compile(r"^Khóa học:?$")).select_option(label=OTHER_COURSE_TITLE)
    page.get_by_role("button", name="Xem", exact=True).click()
    expect(page).to_have_url(re.compile(rf"[?&]course={world[1].course.pk}(&|$)"))
    expect_totals(page, *OTHER_COURSE)
    courses_table = page.locator("#table-courses")
    expect(courses_table.get_by_role("link", name=OTHER_COURSE_TITLE)).to_be_visible()
    expect(courses_table.get_by_role("link", name=world[0].course.title)).to_have_count(0)
    expect_charts_drawn(page)

    # 5. Nothing went wrong in the console, and nothing was asked of another host.
    assert not desktop.problems, desktop.problems
    server = urlsplit(live_server.url).netloc
    assert any("chart.umd" in url for url in requested), requested
    elsewhere = [
        url
        for url in requested
        if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != server
    ]
    assert not elsewhere, f"requests to other hosts: {elsewhere}"


# --- commune managers, with and without individuals --------------------------------------


def test_commune_manager_reads_their_commune_with_small_ethnic_groups_hidden(
    desktop, live_server, world, make_manager, unit, other_unit, tay
):
    manager = make_manager("quanly.dongkinh", [unit], individuals=False)
    reader = make_manager("quanly.canhan", [unit], individuals=False)
    reader.groups.add(Group.objects.get(name=INDIVIDUALS_GROUP))
    page = desktop.new_page()

    # 1. Their commune's totals only, and no other commune anywhere in the table.
    log_in(desktop, live_server, manager)
    chart_ready_dashboard(page)
    expect(page.get_by_text(f"Phạm vi: {unit.name}")).to_be_visible()
    expect_totals(page, *DONG_KINH)
    units_table = page.locator("#table-units")
    expect(units_table.get_by_role("link", name=unit.name, exact=True)).to_be_visible()
    expect(units_table).not_to_contain_text(other_unit.name)
    expect(page.get_by_label(re.compile(r"^Xã/phường:?$")).locator("option")).to_have_text(
        ["Tất cả", unit.name]
    )

    # 2. Enrolments by ethnic group and sex: the two Tày women are too few to show.
    page.get_by_label(re.compile(r"^Số liệu theo dân tộc:?$")).select_option(label="Lượt ghi danh")
    page.get_by_role("button", name="Xem", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]measure=enrolled(&|$)"))
    expect_charts_drawn(page)
    expect(
        page.get_by_text(re.compile(r"Số liệu theo dân tộc có dưới \d+ người được ẩn"))
    ).to_be_visible()
    expect(page.locator("#table-breakdown thead th")).to_contain_text(["Dân tộc", "Nữ", "Nam"])
    tay_cells = breakdown_row(page, tay.name).get_by_role("cell")
    expect(tay_cells.nth(1)).to_have_text("*")  # women
    expect(tay_cells.last).to_have_text("*")  # the row's total
    expect(breakdown_row(page, tay.name)).not_to_contain_text("2")
    expect_totals(page, *DONG_KINH)
    assert not desktop.problems, desktop.problems

    # 3. A manager of the same commune who may see individuals reads the number.
    desktop.clear_cookies()
    log_in(desktop, live_server, reader)
    chart_ready_dashboard(page, "/reports/?measure=enrolled")
    expect_totals(page, *DONG_KINH)
    expect(page.get_by_text(re.compile(r"Số liệu theo dân tộc có dưới"))).to_have_count(0)
    tay_cells = breakdown_row(page, tay.name).get_by_role("cell")
    expect(tay_cells.nth(1)).to_have_text("2")  # women
    expect(tay_cells.last).to_have_text("2")
    expect(page.locator("#table-breakdown")).not_to_contain_text("*")
    assert not desktop.problems, desktop.problems


# --- on a phone ----------------------------------------------------------------------


def test_dashboard_fits_a_phone_screen(phone, live_server, world, make_manager, unit, other_unit):
    province = make_manager("quanly.tinh", [None], individuals=False)
    commune = make_manager("quanly.dongkinh", [unit], individuals=False)
    page = phone.new_page()
    page.set_viewport_size(PHONE_SIZE)

    sideways = []
    for manager, totals, path in (
        (province, PROVINCE, "/reports/"),
        (province, THAT_KHE, f"/reports/?unit={other_unit.pk}"),
        (commune, DONG_KINH, "/reports/?measure=enrolled"),
    ):
        phone.clear_cookies()
        log_in(phone, live_server, manager)
        chart_ready_dashboard(page, path)
        expect_totals(page, *totals)
        assert page.evaluate("document.documentElement.clientWidth") == PHONE_SIZE["width"]
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > PHONE_SIZE["width"]:
            sideways.append(
                f"{path} as {manager.username}: scrollWidth {scroll_width}px, "
                f"overflowing: {', '.join(overflowing_elements(page))}"
            )
    assert not sideways, (
        f"the dashboard scrolls sideways on a {PHONE_SIZE['width']}px wide phone:\n  "
        + "\n  ".join(sideways)
    )
    assert not phone.problems, phone.problems
