import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import ActivityProgress
from courses.services.enrolment import enrolment_create
from tests.factories import served


@pytest.fixture
def enrolled_client(client, course_tree, learner):
    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    return client


def test_anonymous_visitors_are_sent_to_login(client, course_tree):
    response = client.get(course_tree.lessons[0].url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_learners_not_enrolled_are_sent_to_the_course_page(client, course_tree, learner):
    client.force_login(learner)
    response = client.get(course_tree.lessons[0].url)
    assert response.status_code == 302 and response["Location"] == course_tree.course.url


def test_enrolled_learner_reads_the_lesson_with_navigation(enrolled_client, course_tree):
    response = enrolled_client.get(course_tree.lessons[0].url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nội dung bài 1.1" in html and "Kin khẩu dá?" in html
    assert course_tree.lessons[1].url in html, "links to the next lesson"
    assert f'data-activity="{course_tree.activities[0].pk}"' in html
    assert 'action="/learn/complete/' in html, "completing works without JavaScript"
    assert response["Cache-Control"] == "private, no-cache"


def test_plain_form_completion_moves_on_to_the_next_lesson(enrolled_client, course_tree, learner):
    activity = course_tree.activities[0]
    served(learner, activity)
    response = enrolled_client.post(
        f"/learn/complete/{activity.pk}/", {"next": course_tree.lessons[1].url}
    )
    assert response.status_code == 302 and response["Location"] == course_tree.lessons[1].url
    assert ActivityProgress.objects.get(learner=learner, activity=activity).is_completed
    assert (
        enrolled_client.post(f"/learn/complete/{activity.pk}/", {"next": "//evil.example/"})[
            "Location"
        ]
        == "/my-learning/"
    ), "no open redirect"


def test_republishing_a_lesson_shows_the_new_text(enrolled_client, course_tree):
    lesson = course_tree.lessons[0]
    enrolled_client.get(lesson.url)
    lesson.body = [{"type": "text", "value": "<p>Bản sửa mới</p>"}]
    lesson.save_revision().publish()
    assert "Bản sửa mới" in enrolled_client.get(lesson.url).content.decode()


def test_lesson_page_query_count_is_small_and_constant(enrolled_client, course_tree):
    url = course_tree.lessons[1].url
    enrolled_client.get(url)  # warm the outline and body caches
    with CaptureQueriesContext(connection) as queries:
        assert enrolled_client.get(url).status_code == 200
    assert len(queries) <= 6, [q["sql"][:120] for q in queries]


def test_lesson_page_weight_stays_under_100_kb_compressed(enrolled_client, course_tree):
    html = enrolled_client.get(course_tree.lessons[0].url).content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+)"', html)
    assert assets, "the page references its CSS and JS"
    total = len(gzip.compress(html))
    for asset in assets:
        path = finders.find(asset.decode())
        assert path, asset
        with open(path, "rb") as handle:
            total += len(gzip.compress(handle.read()))
    assert total < 100 * 1024
    assert not re.search(rb'(?:href|src)="(?:https?:)?//', html), "no external requests"


def test_resume_point_is_handed_to_the_page(enrolled_client, course_tree, learner):
    import uuid

    from django.utils import timezone

    from courses.services.progress import EventIn, progress_events_ingest

    activity = course_tree.activities[0]
    progress_events_ingest(
        learner=learner,
        events=[
            EventIn(
                uuid.uuid4(),
                activity.pk,
                "progressed",
                timezone.now(),
                {"seconds": 5, "position": {"scroll": 0.6}},
            )
        ],
    )
    html = enrolled_client.get(course_tree.lessons[0].url).content.decode()
    assert 'data-resume-scroll="0.6000"' in html
    course_html = enrolled_client.get(course_tree.course.url).content.decode()
    assert "Học tiếp" in course_html and course_tree.lessons[0].url in course_html


def test_editors_preview_a_lesson_without_enrolling(admin_client, course_tree):
    lesson = course_tree.lessons[0]
    response = admin_client.get(f"/admin/pages/{lesson.pk}/view_draft/")
    assert response.status_code == 200
    assert "Nội dung bài 1.1" in response.content.decode()


def test_unknown_pages_get_the_sites_own_404(client, course_tree):
    response = client.get(course_tree.course.url + "khong-co-bai-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_only_the_learners_own_pages_are_marked_for_offline_reading(enrolled_client, course_tree):
    assert enrolled_client.get(course_tree.lessons[0].url)["X-Lesson-Offline"] == "1"
    assert enrolled_client.get("/my-learning/")["X-Lesson-Offline"] == "1"
    for url in ["/", course_tree.catalogue.url, course_tree.course.url, "/accounts/profile/"]:
        response = enrolled_client.get(url)
        assert response.status_code == 200, url
        assert "X-Lesson-Offline" not in response, url


def test_a_lesson_that_sets_a_cookie_is_not_marked(enrolled_client, course_tree):
    # Enrolling twice leaves a flash message; the lesson shows it once and clears it.
    enrolled_client.post(f"/courses/{course_tree.course.pk}/enrol/")
    response = enrolled_client.get(course_tree.lessons[0].url)
    assert response.status_code == 200 and "messages" in response.cookies
    assert "X-Lesson-Offline" not in response
    assert enrolled_client.get(course_tree.lessons[0].url)["X-Lesson-Offline"] == "1"


def test_my_learning_queries_do_not_grow_with_enrolments(client, course_tree, learner, trainer):
    from tests.factories import build_course

    enrolment_create(learner=learner, course=course_tree.course)
    client.force_login(learner)
    client.get("/my-learning/")
    with CaptureQueriesContext(connection) as one:
        client.get("/my-learning/")
    for n in range(2):
        extra = build_course(trainer=trainer, title=f"Khóa {n}", slug=f"khoa-{n}")
        enrolment_create(learner=learner, course=extra.course)
    client.get("/my-learning/")  # warm the new outlines
    with CaptureQueriesContext(connection) as three:
        html = client.get("/my-learning/").content.decode()
    assert "Khóa 1" in html
    assert len(three) == len(one)


def test_the_progress_script_speaks_the_pages_language(enrolled_client, course_tree):
    """The sync messages progress.js shows come translated on the page, not from the
    script, so an English page does not say them in Vietnamese."""
    url = course_tree.lessons[0].url
    assert 'data-offline="Đang ngoại tuyến' in enrolled_client.get(url).content.decode()
    enrolled_client.post("/i18n/setlang/", {"language": "en"})
    html = enrolled_client.get(url).content.decode()
    assert 'data-offline="You are offline' in html
    assert 'data-complete-queued="Completion recorded' in html
