"""On a phone, the catalogue's buttons are big enough for a thumb (44 px or more)."""

import pytest

from tests.conftest import BROWSER_TEST
from tests.factories import build_course

pytestmark = BROWSER_TEST

THUMB_PX = 44


@pytest.fixture
def course(celery_queue, trainer):
    return build_course(trainer=trainer)


def test_the_filter_and_search_buttons_fit_a_thumb(page, course):
    page.goto(course.catalogue.url)
    box = page.get_by_role("button", name="Lọc").bounding_box()
    assert box["height"] >= THUMB_PX, box
    page.goto("/")
    box = page.get_by_role("button", name="Tìm", exact=True).bounding_box()
    assert box["height"] >= THUMB_PX, box
