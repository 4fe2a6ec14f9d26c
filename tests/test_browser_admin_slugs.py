"""In a real browser: as a trainer types a Vietnamese lesson title in the Wagtail admin,
the slug Wagtail's script makes folds the letters ("Hỏi đường" -> ``hoi-duong``)."""

import re

import pytest
from playwright.sync_api import expect

from courses.models import LessonPage
from tests.conftest import BROWSER_TEST
from tests.factories import build_course
from tests.test_browser_staff import admin_log_in, label, wait_for_autosave_to_settle

pytestmark = BROWSER_TEST


@pytest.fixture
def course(celery_queue, trainer):
    return build_course(trainer=trainer)


def test_the_slug_follows_a_vietnamese_title_as_it_is_typed(desktop, course):
    module = course.modules[0]
    admin = desktop.new_page()
    admin.add_init_script(
        "document.addEventListener('w-unsaved:watch-edits', () => { window.__watching = true })"
    )
    admin_log_in(admin, "trainer")
    admin.goto(f"/admin/pages/add/courses/lessonpage/{module.pk}/")
    admin.wait_for_function("() => window.__watching === true", timeout=5_000)
    title = admin.get_by_role("textbox", name=label("Tiêu đề", "Title"))
    title.press_sequentially("Hỏi đường trong xã")
    expect(admin.locator("input[name=slug]")).to_have_value("hoi-duong-trong-xa")

    # Autosave makes the page from the form as it stands: the address a learner will see.
    expect(admin).to_have_url(re.compile(r"/admin/pages/\d+/edit/$"), timeout=15_000)
    wait_for_autosave_to_settle(admin)
    assert LessonPage.objects.get(title="Hỏi đường trong xã").slug == "hoi-duong-trong-xa"
