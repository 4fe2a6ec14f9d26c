"""End to end in a real browser, the staff's side: a trainer writes and publishes a lesson
in the Wagtail admin and a learner reads it; a trainer is kept out of a course they do not
teach; a trainer enrols a cohort from a CSV file and a new learner signs in with the
one-time password; a manager follows the learners of their commune and no others.

Run with the rest of the suite (bin/test) or alone:
    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/pytest tests/test_browser_staff.py

The Wagtail admin is shown in the user's admin language (by default LANGUAGE_CODE, "vi"),
and Wagtail's Vietnamese catalogue is incomplete: many of its labels stay in English.
Selectors for Wagtail's own labels therefore accept the English text or its translation.
"""

import io
import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook
from playwright.sync_api import expect

from courses.models import Activity, Cohort, Enrolment, LessonPage
from courses.services.enrolment import enrolment_create
from courses.services.progress import EventIn, progress_events_ingest
from tests.conftest import BROWSER_TEST, ROOT
from tests.factories import build_course, served
from tests.test_browser_flow import COURSE_TITLE, PASSWORD, log_in

pytestmark = BROWSER_TEST

OTHER_COURSE_TITLE = "Kỹ năng số cơ bản"
NOT_YOURS = "Sorry, you do not have permission to access this area."
LESSON_TITLE = "Bài 1.3: Hỏi đường"
LESSON_TEXT = "Khi lạc đường, hãy hỏi: “Pây tầng lăng?” và cảm ơn người chỉ đường."
WORD, MEANING = "Pây tầng lăng?", "Đi đường nào?"
CSV_HEADER = "username,full_name,sex,birth_year,category,unit_code,email"


def _script_translation(msgid: str) -> str:
    """Vietnamese of a string the admin's scripts show (the djangojs catalogues)."""
    import gettext as catalogues
    from pathlib import Path

    import wagtail.admin

    for localedir in (ROOT / "locale", Path(wagtail.admin.__file__).parent / "locale"):
        catalogue = catalogues.translation("djangojs", localedir, ["vi"], fallback=True)
        if (translated := catalogue.gettext(msgid)) != msgid:
            return translated
    return msgid


def admin_text(msgid: str, **values) -> re.Pattern:
    """A Wagtail admin label in English or in the admin's Vietnamese (from its templates
    or its scripts), as a whole name; ``values`` fill the msgid's %(name)s placeholders."""
    with translation.override("vi"):
        translated = gettext(msgid)
    texts = {msgid, translated, _script_translation(msgid)}
    # Playwright passes the pattern on as a /.../ literal: a bare slash would end it.
    names = "|".join(re.escape(text % values).replace("/", r"\/") for text in texts)
    return re.compile(rf"^\s*({names})\s*$")


def refusal() -> re.Pattern:
    """Wagtail's "permission denied" message, in English or in the admin's Vietnamese."""
    return re.compile(admin_text(NOT_YOURS).pattern.removeprefix("^").removesuffix("$"))


def label(*texts: str) -> re.Pattern:
    """A form label (any of ``texts``), with or without Wagtail's required mark."""
    names = "|".join(re.escape(text) for text in texts)
    return re.compile(rf"^\s*({names})\s*\*?\s*$", re.IGNORECASE)


def admin_log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/admin/login/")
    page.get_by_label(label("Tên đăng nhập")).fill(username)
    page.get_by_label(re.compile(r"^\s*(Password|Mật khẩu)")).fill(password)
    page.get_by_role("button", name=admin_text("Sign in")).click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def wait_for_autosave_to_settle(page, quiet_ms: int = 2_000) -> str:
    """Until Wagtail's autosave indicator has not shown "saving" for ``quiet_ms``; its
    state then ("saved", or "paused" after an error).

    An edit is noticed within half a second and saved after about one more, so two
    quiet seconds after the last edit mean nothing is pending or under way.
    """
    return page.wait_for_function(
        """quietMs => new Promise(resolve => {
            const indicator = document.getElementById("w-autosave-indicator");
            let quietSince = performance.now();
            const tick = () => {
                const state = indicator?.getAttribute("data-w-autosave-state-value");
                if (state === "saving") quietSince = performance.now();
                if (performance.now() - quietSince >= quietMs) resolve(state || "off");
                else setTimeout(tick, 50);
            };
            tick();
        })""",
        arg=quiet_ms,
        timeout=quiet_ms + 10_000,
    ).json_value()


def site_log_in(page, username: str, password: str, lands_on="/my-learning/") -> None:
    """The public site's login form; a learner lands on "Việc học của tôi"."""
    page.goto("/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(re.escape(lands_on) + "$"))


def open_my_courses(page):
    """The trainer's own admin menu item, then the row of the factory's course."""
    page.get_by_role("link", name="Lớp học của tôi").click()
    expect(page.get_by_role("heading", name="Lớp học của tôi")).to_be_visible()
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=COURSE_TITLE))


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_file(*rows: str) -> dict:
    data = "\n".join([CSV_HEADER, *rows]) + "\n"
    return {"name": "lop-dong-kinh.csv", "mimeType": "text/csv", "buffer": data.encode()}


@pytest.fixture
def course(celery_queue, trainer):
    """The factory's course, taught by ``trainer``: saving it gave the course a group of
    its own, with ``trainer`` in it, that may write and publish inside that course."""
    return build_course(trainer=trainer, lesson_min_seconds=0)


@pytest.fixture
def other_course(course):
    """A course in the same program that nobody assigned to ``trainer``."""
    return build_course(title=OTHER_COURSE_TITLE, slug="ky-nang-so")


# --- a trainer writes a lesson ----------------------------------------------------------


def test_trainer_writes_previews_and_publishes_a_lesson(
    desktop, phone, live_server, course, learner
):
    enrolment_create(learner=learner, course=course.course)
    module = course.modules[0]
    admin = desktop.new_page()
    # Wagtail notices edits (and autosaves them) only from two seconds after the form
    # loads, when it takes the form's first state; a person never types that fast.
    admin.add_init_script(
        "document.addEventListener('w-unsaved:watch-edits', () => { window.__watching = true })"
    )
    admin_log_in(admin, "trainer")

    # 1. From "Lớp học của tôi" into the course, then its first module, in the explorer.
    open_my_courses(admin).get_by_role("link", name="Sửa nội dung").click()
    expect(admin).to_have_url(f"{live_server.url}/admin/pages/{course.course.pk}/?ordering=ord")
    admin.get_by_role(
        "link", name=admin_text("Explore child pages of '%(title)s'", title=module.title)
    ).click()
    expect(admin).to_have_url(f"{live_server.url}/admin/pages/{module.pk}/")
    expect(admin.get_by_role("heading", level=1, name="Học phần 1")).to_be_visible()

    # 2. A module takes lessons only, so "Add child page" opens the lesson form directly.
    admin.get_by_role("link", name=admin_text("Add child page")).click()
    expect(admin).to_have_url(re.compile(rf"/admin/pages/add/courses/lessonpage/{module.pk}/$"))
    admin.wait_for_function("() => window.__watching === true", timeout=5_000)
    admin.get_by_role("textbox", name=label("Tiêu đề", "Title")).fill(LESSON_TITLE)

    # 3. Two blocks: "Văn bản" (rich text) and "Từ vựng" (vocabulary).
    body = admin.locator("[data-contentpath=body]")
    body.get_by_role("button", name=admin_text("Insert a block")).last.click()
    admin.get_by_role("option", name="Văn bản").click()
    body.get_by_role("textbox").first.click()  # the rich text editor
    admin.keyboard.type(LESSON_TEXT)
    body.get_by_role("button", name=admin_text("Insert a block")).last.click()
    admin.get_by_role("option", name="Từ vựng").click()
    body.get_by_role("textbox", name=label("Từ")).fill(WORD)
    body.get_by_role("textbox", name=label("Nghĩa")).fill(MEANING)
    # Autosave made the page on the first change: a draft, edited from now on.
    expect(admin).to_have_url(re.compile(r"/admin/pages/\d+/edit/$"), timeout=15_000)
    lesson = LessonPage.objects.get(title=LESSON_TITLE)
    assert not lesson.live, "an autosaved draft went live"

    # 4. The preview panel shows the lesson as a learner will read it.
    admin.get_by_role("button", name=admin_text("Toggle preview")).click()
    # The panel loads each new preview in a second iframe that then replaces the first.
    preview = admin.get_by_title(admin_text("Preview")).last.content_frame
    expect(preview.get_by_role("heading", level=1, name=LESSON_TITLE)).to_be_visible()
    expect(preview.get_by_text(LESSON_TEXT)).to_be_visible()
    expect(preview.get_by_text(WORD, exact=True)).to_be_visible()
    expect(preview.get_by_text(MEANING, exact=True)).to_be_visible()

    # 5. Publish, from the footer's "more actions", once no autosave is under way.
    assert wait_for_autosave_to_settle(admin) == "saved"
    footer = admin.get_by_role("navigation", name=admin_text("Actions (footer)"))
    footer.get_by_role("button", name=admin_text("More actions")).click()
    footer.get_by_role("button", name=admin_text("Publish")).click()
    expect(admin).to_have_url(f"{live_server.url}/admin/pages/{module.pk}/")
    expect(admin.get_by_role("status")).to_contain_text(LESSON_TITLE)
    expect(admin.get_by_role("link", name=LESSON_TITLE)).to_be_visible()

    # 6. What the server stored: a live lesson and its activity in the course.
    lesson.refresh_from_db()
    assert lesson.live and not lesson.has_unpublished_changes
    assert lesson.get_parent().pk == module.pk
    activity = Activity.objects.get(page_id=lesson.pk)
    assert (activity.course_id, activity.required, activity.is_active) == (
        course.course.pk,
        True,
        True,
    )

    # 7. An enrolled learner, on a phone, reads the new lesson.
    reader = phone.new_page()
    log_in(phone, live_server, learner)
    reader.goto(lesson.get_url())
    expect(reader.get_by_role("heading", level=1, name=LESSON_TITLE)).to_be_visible()
    expect(reader.get_by_text(LESSON_TEXT)).to_be_visible()
    expect(reader.get_by_text(WORD, exact=True)).to_be_visible()
    expect(reader.get_by_text(MEANING, exact=True)).to_be_visible()
    # In the course's order: after the module's two lessons, before the next module.
    expect(reader.get_by_role("link", name=re.compile(r"^← Bài 1\.2$"))).to_be_visible()
    expect(reader.get_by_role("link", name=re.compile(r"^Bài 2\.1 →$"))).to_be_visible()
    assert not desktop.problems, desktop.problems
    assert not phone.problems, phone.problems


# --- a trainer stays in their own courses ----------------------------------------------


def test_trainer_cannot_edit_a_course_they_do_not_teach(desktop, live_server, course, other_course):
    foreign = other_course.lessons[0]
    admin = desktop.new_page()
    admin_log_in(admin, "trainer")

    admin.goto(f"/admin/pages/{foreign.pk}/edit/")
    # Wagtail's own refusal: back on the dashboard, told so.
    expect(admin).to_have_url(f"{live_server.url}/admin/")
    expect(admin.get_by_role("status")).to_contain_text(refusal())
    # The explorer leads to their own course only.
    admin.goto(f"/admin/pages/{course.program.pk}/")
    expect(admin).to_have_url(f"{live_server.url}/admin/pages/{course.course.pk}/")
    expect(admin.get_by_role("link", name=other_course.course.title)).to_have_count(0)

    # Their own lesson opens in the editor.
    own = course.lessons[0]
    admin.goto(f"/admin/pages/{own.pk}/edit/")
    expect(admin).to_have_url(f"{live_server.url}/admin/pages/{own.pk}/edit/")
    expect(admin.get_by_text(refusal())).to_have_count(0)
    assert not desktop.problems, desktop.problems


# --- a trainer enrols a cohort from a CSV file ------------------------------------------


def test_trainer_enrols_a_cohort_from_csv_and_a_new_learner_signs_in(
    desktop, phone, live_server, course
):
    admin = desktop.new_page()
    admin_log_in(admin, "trainer")
    open_my_courses(admin).get_by_role("link", name="Ghi danh theo lớp (Excel, CSV)").click()
    expect(admin).to_have_url(f"{live_server.url}/admin/my-courses/{course.course.pk}/cohort/")
    expect(admin.get_by_role("heading", name="Ghi danh theo lớp")).to_be_visible()
    lan = "lan.hoang,Hoàng Thị Lan,Nữ,1995,official,05977,lan.hoang@example.vn"

    # 1. One unknown commune code: the row is named and nobody is enrolled.
    admin.get_by_label(label("Tên lớp")).fill("Cán bộ Đông Kinh – Thất Khê 2025")
    admin.get_by_label(label("Danh sách học viên (Excel .xlsx hoặc CSV UTF-8)")).set_input_files(
        csv_file(lan, "tuan.be,Bế Văn Tuấn,Nam,1988,citizen,99999,")
    )
    admin.get_by_role("button", name="Tải lên và ghi danh").click()
    alert = admin.get_by_role("alert")
    expect(alert).to_contain_text("1 dòng có lỗi; chưa có ai được ghi danh.")
    expect(alert.get_by_role("listitem")).to_have_text(
        ["Dòng 3: mã xã/phường “99999” không có trong danh mục hiện hành"]
    )
    assert not Enrolment.objects.filter(course=course.course).exists()
    assert not Cohort.objects.exists()
    assert not get_user_model().objects.filter(username__in=["lan.hoang", "tuan.be"]).exists()

    # 2. The corrected list, now from the Excel template: both enrolled, each new account
    #    shown with its password.
    expect(admin.get_by_label(label("Tên lớp"))).to_have_value("Cán bộ Đông Kinh – Thất Khê 2025")
    with admin.expect_download() as template:
        admin.get_by_role("link", name="Tải tệp Excel mẫu").click()
    assert template.value.suggested_filename == "danh-sach-hoc-vien.xlsx"
    workbook = load_workbook(io.BytesIO(template.value.path().read_bytes()))
    workbook.worksheets[0].append(lan.split(",")[:7])
    workbook.worksheets[0].append(["tuan.be", "Bế Văn Tuấn", "Nam", 1988, "citizen", "06040"])
    filled = io.BytesIO()
    workbook.save(filled)
    admin.get_by_label(label("Danh sách học viên (Excel .xlsx hoặc CSV UTF-8)")).set_input_files(
        {"name": "lop-dong-kinh.xlsx", "mimeType": XLSX_TYPE, "buffer": filled.getvalue()}
    )
    admin.get_by_role("button", name="Tải lên và ghi danh").click()
    expect(
        admin.get_by_text("Đã ghi danh 2 học viên vào lớp “Cán bộ Đông Kinh – Thất Khê 2025”.")
    ).to_be_visible()
    expect(admin.get_by_role("alert")).to_have_count(0)
    accounts = admin.get_by_role("table")
    expect(accounts.get_by_role("row")).to_have_count(3)  # the header and two learners
    row = accounts.get_by_role("row").filter(has_text="lan.hoang")
    expect(row.get_by_role("cell").nth(1)).to_have_text("Hoàng Thị Lan")
    password = row.get_by_role("cell").nth(2).inner_text().strip()
    assert len(password) >= 8, password

    cohort = Cohort.objects.get()
    assert (cohort.course_id, cohort.created_by.username) == (course.course.pk, "trainer")
    enrolled = Enrolment.objects.filter(course=course.course, cohort=cohort)
    assert sorted(enrolled.values_list("learner__username", flat=True)) == [
        "lan.hoang",
        "tuan.be",
    ]
    units = dict(enrolled.values_list("learner__username", "learner__learner_profile__unit__name"))
    assert units == {"lan.hoang": "Phường Đông Kinh", "tuan.be": "Xã Thất Khê"}

    # 3. The new learner signs in with the password shown once, must choose their own
    #    before anything else, and then finds the course.
    page = phone.new_page()
    site_log_in(page, "lan.hoang", password, lands_on="/accounts/password/first/")
    page.get_by_label(re.compile(r"^Mật khẩu mới:?$")).fill("Lan-tu-dat-2025")
    page.get_by_label(re.compile(r"^Nhập lại mật khẩu mới:?$")).fill("Lan-tu-dat-2025")
    page.get_by_role("button", name="Lưu mật khẩu và tiếp tục").click()
    expect(page).to_have_url(re.compile(r"/my-learning/$"))
    expect(page.get_by_role("heading", level=1, name="Việc học của tôi")).to_be_visible()
    expect(page.get_by_role("link", name=COURSE_TITLE)).to_be_visible()
    expect(page.get_by_text("0% · 0/3 hoạt động bắt buộc")).to_be_visible()
    # The refused upload answers 400 on purpose; the browser logs that as an error.
    problems = [p for p in desktop.problems if "status of 400" not in p]
    assert not problems, problems
    assert not phone.problems, phone.problems


# --- a manager follows the learners of their commune -------------------------------------


def test_manager_follows_only_the_learners_of_their_commune(
    page, live_server, course, make_learner, make_manager, unit, other_unit
):
    hoa = make_learner("hoa", full_name="Hoàng Thị Hoa")
    duc = make_learner("duc", unit_=other_unit, full_name="Nông Văn Đức")
    for person in (hoa, duc):
        enrolment_create(learner=person, course=course.course)
    served(hoa, course.activities[0])
    progress_events_ingest(
        learner=hoa,
        events=[
            EventIn(
                id=uuid.uuid4(),
                activity_id=course.activities[0].pk,
                verb="completed",
                occurred_at=timezone.now(),
            )
        ],
    )
    make_manager("quanly.dongkinh", [unit])

    site_log_in(page, "quanly.dongkinh", PASSWORD, lands_on="/reports/")
    page.get_by_role("navigation").get_by_role("link", name="Theo dõi học viên").click()
    expect(page.get_by_role("heading", level=1, name="Theo dõi học viên")).to_be_visible()
    expect(page.get_by_text("1 lượt ghi danh")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Hoàng Thị Hoa"))
    expect(row).to_contain_text("Phường Đông Kinh")
    expect(row).to_contain_text(COURSE_TITLE)
    expect(row.get_by_role("cell").last).to_have_text("33%")
    expect(page.get_by_text("Nông Văn Đức")).to_have_count(0)

    row.get_by_role("link", name="Hoàng Thị Hoa").click()
    expect(page).to_have_url(f"{live_server.url}/follow/learners/{hoa.pk}/")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "33")

    response = page.goto(f"/follow/learners/{duc.pk}/")
    assert response.status == 404
    expect(page.get_by_text("Nông Văn Đức")).to_have_count(0)
    problems = [p for p in page.context.problems if "status of 404" not in p]
    assert not problems, problems
