"""The Wagtail admin speaks Vietnamese, through the hand-kept overrides in locale/vi.

Wagtail's own Vietnamese catalogue is nearly empty; without locale/vi/LC_MESSAGES the
admin trainers use would read "Save draft", "Add child page", "Move up"... These tests
fail when the overrides are missing, not compiled, or out of date.
"""

import gettext
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

LOCALE_VI = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES"
DOMAINS = ["django", "djangojs"]


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(
        "quantri", "quantri@example.org", "Mat-khau-2025"
    )


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def json_script(text: str, element_id: str):
    """Data an admin page hands to its scripts (JSON, so not greppable as text)."""
    found = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', text, re.S
    )
    assert found, f"the admin page carries #{element_id}"
    return json.loads(found.group(1))


def sidebar_labels(text: str) -> set[str]:
    """Every label in the sidebar's menu."""
    labels = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("label"), str):
                labels.add(node["label"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json_script(text, "wagtail-sidebar-props"))
    return labels


def js_catalogue(response) -> dict:
    """The translations /admin/jsi18n/ hands to the admin's JavaScript (none in English)."""
    assert response.status_code == 200
    found = re.search(r"const newcatalog = (\{.*?\});\n", response.content.decode(), re.S)
    return json.loads(found.group(1)) if found else {}


def lesson_form(lesson, **overrides):
    data = {
        "title": lesson.title,
        "slug": lesson.slug,
        "summary": "",
        "estimated_minutes": 10,
        "required": "on",
        "body": streamfield([("text", rich_text("<p>Xin chào</p>"))]),
        "comments": {
            "TOTAL_FORMS": 0,
            "INITIAL_FORMS": 0,
            "MIN_NUM_FORMS": 0,
            "MAX_NUM_FORMS": 1000,
        },
    }
    data.update(overrides)
    return nested_form_data(data)


def test_login_page_is_vietnamese(client, db):
    text = page_text(client.get("/admin/login/"))
    assert '<html lang="vi"' in text
    for words in ("Đăng nhập trang quản trị", "Quên mật khẩu?", "Ghi nhớ đăng nhập"):
        assert words in text
    assert 'placeholder="Nhập mật khẩu"' in text
    assert re.search(r'<label[^>]*for="id_password"[^>]*>\s*Mật khẩu', text)
    assert "Sign in" not in text and "Forgotten password?" not in text

    refused = page_text(client.post("/admin/login/", {"username": "ai-do", "password": "sai"}))
    assert "hoặc mật khẩu không đúng. Vui lòng thử lại." in refused


def test_lesson_editor_is_vietnamese(client, trainer, course_tree):
    client.force_login(trainer)
    text = page_text(client.get(f"/admin/pages/{course_tree.lessons[0].pk}/edit/"))
    expected = [
        "Lưu bản nháp",
        "Xuất bản",
        "Hủy xuất bản",
        "Xem trước",
        "Nội dung",
        "Quảng bá",
        "Tiêu đề trang mà người xem sẽ thấy",
        "Bình luận",
        "Lịch sử",
        "Bản xem trước đã cũ",
        "Xem trước cỡ điện thoại",
        "Đặt lịch xuất bản",
        "Thời điểm xuất bản",
        "Thời điểm hết hạn",
        "Mọi người đều xem được",
        "Đổi quyền xem",
    ]
    assert [words for words in expected if words not in text] == []
    assert "Save draft" not in text and "Add child page" not in text
    assert {"Trang", "Báo cáo", "Trợ giúp"} <= sidebar_labels(text)


def test_saving_a_lesson_reports_back_in_vietnamese(client, trainer, course_tree):
    lesson = course_tree.lessons[0]
    url = f"/admin/pages/{lesson.pk}/edit/"
    client.force_login(trainer)

    invalid = page_text(client.post(url, lesson_form(lesson, title="")))
    assert "Không thể lưu trang do có lỗi nhập liệu." in invalid
    assert "Trường này là bắt buộc." in invalid

    saved = page_text(client.post(url, lesson_form(lesson), follow=True))
    assert f"Đã cập nhật trang '{lesson.title}'." in saved

    published = client.post(url, lesson_form(lesson, **{"action-publish": "1"}), follow=True)
    assert f"Đã xuất bản trang '{lesson.title}'." in page_text(published)


def test_explorer_is_vietnamese(client, trainer, course_tree):
    client.force_login(trainer)
    text = page_text(client.get(f"/admin/pages/{course_tree.modules[0].pk}/"))
    expected = ["Thêm trang con", "Tiêu đề", "Cập nhật", "Loại", "Trạng thái", "đã xuất bản"]
    assert [words for words in expected if words not in text] == []
    assert "Add child page" not in text and ">live<" not in text


def test_admin_sees_the_whole_menu_in_vietnamese(client, admin_user, course_tree):
    client.force_login(admin_user)
    text = page_text(client.get(f"/admin/pages/{course_tree.catalogue.pk}/"))
    labels = sidebar_labels(text)
    assert {"Trang", "Hình ảnh", "Tài liệu", "Báo cáo", "Cài đặt", "Trợ giúp"} <= labels
    assert not {"Pages", "Images", "Documents", "Reports", "Settings", "Help"} & labels
    strings = json_script(text, "wagtail-config")["STRINGS"]
    assert strings["BULK_ACTIONS"]["PAGE"]["SINGULAR"] == "Đã chọn 1 trang"


def test_streamfield_strings_come_from_the_vietnamese_js_catalogue(client, trainer):
    client.force_login(trainer)
    catalogue = js_catalogue(client.get("/admin/jsi18n/"))
    assert catalogue["Move up"] == "Chuyển lên"
    assert catalogue["Move down"] == "Chuyển xuống"
    assert catalogue["Duplicate"] == "Nhân bản"
    assert catalogue["Delete"] == "Xóa"
    assert catalogue["Insert a block"] == "Chèn khối"
    assert catalogue["Collapse all"] == "Thu gọn tất cả"
    assert catalogue["%(num)s error"] == ["%(num)s lỗi"]


def test_english_stays_english_for_who_chose_it(client, trainer, course_tree):
    client.cookies["django_language"] = "en"
    assert "Sign in to Wagtail" in page_text(client.get("/admin/login/"))
    client.force_login(trainer)
    text = page_text(client.get(f"/admin/pages/{course_tree.lessons[0].pk}/edit/"))
    assert "Save draft" in text and "Lưu bản nháp" not in text
    assert "Move up" not in js_catalogue(client.get("/admin/jsi18n/"))


@pytest.mark.parametrize("domain", DOMAINS)
def test_overrides_compile_and_the_compiled_catalogue_is_current(domain, tmp_path):
    po, mo = LOCALE_VI / f"{domain}.po", LOCALE_VI / f"{domain}.mo"
    assert po.exists(), f"{po} holds the Vietnamese overrides of Wagtail's admin"
    if not shutil.which("msgfmt"):
        pytest.skip("msgfmt (gettext) is not installed")
    fresh = tmp_path / f"{domain}.mo"
    check = subprocess.run(
        ["msgfmt", "--check-format", "-o", fresh, po], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    assert mo.exists(), "run: manage.py compilemessages --ignore=.venv --ignore=node_modules"
    with fresh.open("rb") as new, mo.open("rb") as old:
        current = gettext.GNUTranslations(new)._catalog == gettext.GNUTranslations(old)._catalog
    assert current, f"{mo} is stale: run manage.py compilemessages"


PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}|</?[a-zA-Z][^>]*>")


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_override_keeps_the_placeholders_and_markup_of_its_msgid(domain):
    with (LOCALE_VI / f"{domain}.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)._catalog
    broken = [
        msgid
        for msgid, msgstr in catalogue.items()
        if isinstance(msgid, str)
        and msgid
        and sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr))
    ]
    assert not broken
