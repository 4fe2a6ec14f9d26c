"""Page addresses from Vietnamese titles fold the letters ("đ" -> "d"), never drop them."""

import html
import json
import re

import pytest
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from cms.slugs import slug_for_title, slugify_vi
from courses.models import LessonPage

TITLE = "Hỏi đường trong xã"
# What Wagtail's admin script makes of TITLE on its own, and what Django's slugify makes.
SCRIPT_SLUG = "hi-djng-trong-xa"
DJANGO_SLUG = "hoi-uong-trong-xa"


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("quantri", "q@example.org", "Mk-2025-x")


def add_lesson(client, module, slug: str):
    data = {
        "title": TITLE,
        "slug": slug,
        "summary": "",
        "estimated_minutes": 10,
        "required": "on",
        "body": streamfield([("text", rich_text("<p>Pây lăng?</p>"))]),
        "comments": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0},
    }
    response = client.post(
        f"/admin/pages/add/courses/lessonpage/{module.pk}/", nested_form_data(data)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return LessonPage.objects.child_of(module).get(title=TITLE)


@pytest.mark.parametrize(
    "title,slug",
    [
        (TITLE, "hoi-duong-trong-xa"),
        ("ĐĂNG KÝ Đất đai", "dang-ky-dat-dai"),
        ("Tiếng H'Mông: chữ viết", "tieng-hmong-chu-viet"),
        ("Ho\u0309i đươ\u0300ng", "hoi-duong"),  # decomposed marks
    ],
)
def test_vietnamese_titles_fold_to_readable_slugs(title, slug):
    assert slugify_vi(title) == slug


def test_only_a_garbled_or_empty_slug_is_replaced():
    proper = "hoi-duong-trong-xa"
    for garbled in (SCRIPT_SLUG, DJANGO_SLUG, "", "hoiduongtrongxa"):
        assert slug_for_title(TITLE, garbled) == proper
    for chosen in ("hoi-duong", "bai-3", "chi-duong-cho-dan"):
        assert slug_for_title(TITLE, chosen) == chosen, "an editor's own slug stays"


@pytest.mark.parametrize("submitted", [SCRIPT_SLUG, "hoi-duong-trong-xa"])
def test_a_lesson_made_in_the_admin_gets_the_folded_slug(
    client, admin_user, course_tree, submitted
):
    client.force_login(admin_user)
    lesson = add_lesson(client, course_tree.modules[0], submitted)
    assert lesson.slug == "hoi-duong-trong-xa"
    assert lesson.get_latest_revision_as_object().slug == "hoi-duong-trong-xa"


def test_a_second_lesson_of_the_same_title_gets_a_free_slug(client, admin_user, course_tree):
    client.force_login(admin_user)
    module = course_tree.modules[0]
    add_lesson(client, module, SCRIPT_SLUG)
    LessonPage.objects.child_of(module).filter(title=TITLE).update(title="Đã đổi tên")
    second = add_lesson(client, module, SCRIPT_SLUG)
    assert second.slug == "hoi-duong-trong-xa-2"


def test_an_editors_own_slug_is_kept(client, admin_user, course_tree):
    client.force_login(admin_user)
    assert add_lesson(client, course_tree.modules[0], "chi-duong").slug == "chi-duong"


def test_a_page_made_in_code_without_a_slug_folds_the_title(course_tree):
    module = course_tree.modules[0]
    lesson = module.add_child(instance=LessonPage(title=TITLE))
    assert lesson.slug == "hoi-duong-trong-xa"


def test_an_existing_pages_slug_is_left_alone(course_tree):
    lesson = course_tree.lessons[0]
    lesson.title = TITLE
    lesson.save()
    lesson.refresh_from_db()
    assert lesson.slug == "bai-1", "a published address does not move on a title change"


def test_the_editor_folds_as_the_trainer_types(client, admin_user, course_tree):
    """The slug field hands Wagtail's script formatters that fold every Vietnamese letter
    before it makes the slug (the browser test types a title and reads the slug)."""
    client.force_login(admin_user)
    page = client.get(f"/admin/pages/add/courses/lessonpage/{course_tree.modules[0].pk}/")
    found = re.search(r'data-w-slug-formatters-value="([^"]*)"', page.content.decode())
    assert found, "the slug field carries formatters"
    formatters = json.loads(html.unescape(found.group(1)))
    folded = TITLE
    for (pattern, flags), replacement in formatters:
        folded = re.sub(pattern, replacement, folded, flags=re.I if "i" in flags else 0)
    assert folded == "Hoi duong trong xa"
