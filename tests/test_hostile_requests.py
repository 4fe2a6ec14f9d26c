"""Requests a hostile or careless user sends, and what they must get back.

Each test checks what that user would notice (the status, the Vietnamese message on
the page) and that nothing changed behind it: row counts, enrolment states, files.
Cases the app-level tests already cover (the progress API's batch rules, the CSV
rows, a learner reading another learner's certificate...) are not repeated here.
"""

import json
import uuid
from datetime import date, timedelta
from urllib.parse import quote, urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from wagtail.models import PageViewRestriction

from courses.models import (
    ActivityProgress,
    Certificate,
    Cohort,
    Enrolment,
    ProgressEvent,
)
from courses.services.certificates import certificate_file
from courses.services.enrolment import enrolment_create
from lms.models import AdministrativeUnit, LearnerProfile
from tests.factories import build_course, finished, served, signup_data

NOT_FOUND = "Không tìm thấy trang"
CERTIFICATE_NOT_FOUND = "Không tìm thấy chứng nhận với mã này."
CODE = "LS-ABCDE-FGH23"
# Where a browser could be sent by a "next" that only looks local.
HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "\\\\evil.example",
]


# --- helpers --------------------------------------------------------------------------


def snapshot() -> dict:
    """Row counts of everything a request could create, and every enrolment's state."""
    User = get_user_model()
    models = (User, LearnerProfile, Enrolment, ProgressEvent, ActivityProgress, Certificate, Cohort)
    state = {model.__name__: model.objects.count() for model in models}
    state["enrolments"] = sorted(Enrolment.objects.values_list("pk", "status"))
    return state


def lands_on_site(location: str) -> bool:
    """Where a browser goes: it reads "\\" as "/" and drops tabs and newlines."""
    browser_view = location.replace("\\", "/")
    for char in "\t\r\n":
        browser_view = browser_view.replace(char, "")
    return urlsplit(urljoin("http://testserver/here/", browser_view)).netloc == "testserver"


def strict_client(user=None, *, prime: str | None = None) -> Client:
    """A client that, like a browser, must send the CSRF token. Its CSRF cookie is set by
    a page with a form, so a refusal is for the missing token, not the missing cookie."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    client.get(prime or ("/accounts/profile/" if user else "/accounts/login/"))
    assert "csrftoken" in client.cookies
    return client


def token(client: Client) -> str:
    return client.cookies["csrftoken"].value


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def files(settings, tmp_path):
    """Private files, media and upload temporaries in folders of this test's own."""
    roots = {name: tmp_path / name for name in ("private", "media", "uploads")}
    for root in roots.values():
        root.mkdir()
    settings.PRIVATE_ROOT = roots["private"]
    settings.MEDIA_ROOT = roots["media"]
    settings.FILE_UPLOAD_TEMP_DIR = str(roots["uploads"])
    return roots


def all_files(roots) -> list:
    return sorted(str(p) for root in roots.values() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def enrolled(course_tree, learner):
    return enrolment_create(learner=learner, course=course_tree.course)


@pytest.fixture
def certificate(enrolled, files):
    """The learner's certificate with its PDF on disk (a stand-in, not rendered)."""
    certificate = Certificate.objects.create(
        enrolment=enrolled,
        code=CODE,
        learner_name=enrolled.learner.learner_profile.full_name,
        course_title=enrolled.course.title,
        completed_at=timezone.now(),
        pdf_generated_at=timezone.now(),
    )
    path = certificate_file(certificate)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"%PDF-1.7 the learner's own")
    return certificate


@pytest.fixture
def other_trainer(make_trainer):
    return make_trainer("trainer2")


@pytest.fixture
def other_course(other_trainer, other_learner):
    """A course taught by someone else, with a learner of its own."""
    tree = build_course(trainer=other_trainer, title="Khóa của người khác", slug="khac")
    enrolment_create(learner=other_learner, course=tree.course)
    return tree


# --- open redirects -------------------------------------------------------------------


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_signup_next_never_leaves_the_site(client, unit, next_url):
    response = client.post("/accounts/signup/?next=" + quote(next_url, safe=""), signup_data(unit))
    assert response.status_code == 302
    assert lands_on_site(response["Location"]), response["Location"]
    assert LearnerProfile.objects.filter(user__username="nong.ha").exists(), "signed up anyway"


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_plain_form_completion_next_never_leaves_the_site(
    client, course_tree, enrolled, learner, next_url
):
    client.force_login(learner)
    activity = course_tree.activities[0]
    served(learner, activity)
    response = client.post(f"/learn/complete/{activity.pk}/", {"next": next_url})
    assert response.status_code == 302
    assert lands_on_site(response["Location"]), response["Location"]
    assert ActivityProgress.objects.get(learner=learner, activity=activity).is_completed


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_login_logout_and_language_switch_next_never_leave_the_site(client, learner, next_url):
    login = client.post(
        "/accounts/login/", {"username": "hoa", "password": "Mat-khau-2025", "next": next_url}
    )
    assert (login.status_code, login["Location"]) == (302, "/my-learning/")
    again = client.get("/accounts/login/", {"next": next_url})
    assert (again.status_code, again["Location"]) == (302, "/my-learning/"), "already signed in"
    language = client.post("/i18n/setlang/", {"language": "en", "next": next_url})
    assert (language.status_code, language["Location"]) == (302, "/")
    assert client.cookies["django_language"].value == "en", "the switch itself still works"
    logout = client.post("/accounts/logout/", {"next": next_url})
    assert logout.status_code == 302 and lands_on_site(logout["Location"]), logout["Location"]
    assert "_auth_user_id" not in client.session


# --- POST-only endpoints asked with GET ---------------------------------------------


def test_get_on_unenrol_and_completion_changes_nothing(client, course_tree, enrolled, learner):
    client.force_login(learner)
    before = snapshot()
    # A link to the course's actions only shows the course.
    for action in ("enrol", "unenrol"):
        response = client.get(f"/courses/{course_tree.course.pk}/{action}/")
        assert (response.status_code, response["Location"]) == (302, course_tree.course.url)
    assert client.get(f"/learn/complete/{course_tree.activities[0].pk}/").status_code == 405
    assert client.get("/api/progress/events").status_code == 405
    assert (
        client.put("/api/progress/events", "{}", content_type="application/json").status_code == 405
    )
    assert snapshot() == before
    assert Enrolment.objects.get(pk=enrolled.pk).is_active


def test_get_on_logout_keeps_the_learner_signed_in(client, learner):
    client.force_login(learner)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/accounts/profile/").status_code == 200, "still signed in"


def test_get_on_the_language_switch_changes_nothing(client, db):
    response = client.get("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "django_language" not in response.cookies
    assert "Đăng nhập" in text(client.get("/accounts/login/")), "still Vietnamese"


# --- state-changing POSTs without a valid CSRF token ---------------------------------


def test_unenrol_and_completion_without_csrf_token_are_refused(course_tree, enrolled, learner):
    client = strict_client(learner)
    before = snapshot()
    refused = client.post(f"/courses/{course_tree.course.pk}/unenrol/")
    assert refused.status_code == 403
    assert "Trang đã cũ" in text(refused) and "Không có gì bị thay đổi." in text(refused)
    activity = course_tree.activities[0]
    assert client.post(f"/learn/complete/{activity.pk}/").status_code == 403
    forged = {"csrfmiddlewaretoken": "x" * 64}
    assert client.post(f"/courses/{course_tree.course.pk}/unenrol/", forged).status_code == 403
    assert snapshot() == before


def test_profile_change_without_csrf_token_is_refused(learner, tay):
    client = strict_client(learner)
    data = {"ethnic_consent": "yes", "ethnic_group": tay.pk}
    assert client.post("/accounts/profile/", data).status_code == 403
    profile = LearnerProfile.objects.get(user=learner)
    assert profile.ethnic_group is None and profile.ethnic_consent == ""


def test_signup_without_csrf_token_creates_nobody(unit):
    client = strict_client()
    before = snapshot()
    assert client.post("/accounts/signup/", signup_data(unit)).status_code == 403
    assert snapshot() == before


def test_logout_and_language_switch_without_csrf_token_are_refused(learner):
    client = strict_client(learner)
    assert client.post("/accounts/logout/").status_code == 403
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 403
    assert "django_language" not in client.cookies
    response = client.get("/accounts/profile/")
    assert response.status_code == 200 and "Hồ sơ của tôi" in text(response), "still signed in"


# --- enrolment: what cannot be enrolled in ------------------------------------------


def test_enrolling_in_what_is_not_a_published_course_is_not_found(client, course_tree, learner):
    draft = build_course(title="Khóa nháp", slug="nhap").course
    draft.unpublish()
    private = build_course(title="Khóa nội bộ", slug="noi-bo").course
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    client.force_login(learner)
    for page_id in [
        draft.pk,
        private.pk,
        course_tree.program.pk,
        course_tree.lessons[0].pk,
        999999,
        99999999999999999999,
    ]:
        response = client.post(f"/courses/{page_id}/enrol/")
        assert response.status_code == 404, page_id
        assert NOT_FOUND in text(response)
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"enrolment_closes_at": timedelta(days=-1)}, "Khóa học không mở ghi danh vào lúc này."),
        ({"enrolment_opens_at": timedelta(days=1)}, "Khóa học không mở ghi danh vào lúc này."),
        ({"self_enrolment": False}, "Khóa học không mở ghi danh vào lúc này."),
        ({"capacity": 0}, "Khóa học đã đủ chỗ."),
    ],
)
def test_enrolling_in_a_closed_or_full_course_says_why(
    client, course_tree, learner, change, message
):
    course = course_tree.course
    for field, value in change.items():
        setattr(course, field, timezone.now() + value if isinstance(value, timedelta) else value)
    course.save()
    client.force_login(learner)
    response = client.post(f"/courses/{course.pk}/enrol/", follow=True)
    assert response.redirect_chain[0] == (course.url, 302)
    assert message in text(response)
    assert not Enrolment.objects.exists()


def test_staff_without_a_learner_profile_are_told_they_cannot_enrol(client, course_tree, trainer):
    client.force_login(trainer)
    response = client.post(f"/courses/{course_tree.course.pk}/enrol/", follow=True)
    assert "Chỉ người học có hồ sơ mới ghi danh được." in text(response)
    assert not Enrolment.objects.exists()


def test_anonymous_enrol_and_unenrol_go_to_login_and_back_to_the_course(
    client, course_tree, enrolled, other_learner
):
    before = snapshot()
    course_url = course_tree.course.url
    for action in ("enrol", "unenrol"):
        response = client.post(f"/courses/{course_tree.course.pk}/{action}/")
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={quote(course_url)}"
    assert snapshot() == before
    # A session that ended before "Ghi danh" was pressed: sign in, back on the course
    # page with its button, not on a bare "method not allowed".
    login = f"/accounts/login/?next={quote(course_url)}"
    response = client.post(
        login, {"username": other_learner.username, "password": "Mat-khau-2025"}, follow=True
    )
    assert response.redirect_chain[-1] == (course_url, 302)
    assert "Ghi danh khóa học" in text(response)


def test_anonymous_lesson_completion_signs_in_and_returns_to_the_lesson(client, course_tree):
    lesson_url = course_tree.lessons[0].url
    response = client.post(f"/learn/complete/{course_tree.activities[0].pk}/", {"next": lesson_url})
    assert response["Location"] == f"/accounts/login/?next={quote(lesson_url)}"
    response = client.post(
        f"/learn/complete/{course_tree.activities[0].pk}/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/accounts/login/?next=/my-learning/"


def test_unenrolling_when_not_enrolled_touches_no_one(client, course_tree, enrolled, other_learner):
    client.force_login(other_learner)
    before = snapshot()
    response = client.post(f"/courses/{course_tree.course.pk}/unenrol/", follow=True)
    assert response.redirect_chain[0] == (course_tree.course.url, 302)
    assert "Bạn đã rút khỏi khóa học" not in text(response), "nothing was withdrawn"
    assert snapshot() == before, "the enrolled learner's place is untouched"


def test_completing_an_activity_of_a_course_not_enrolled_stores_nothing(
    client, other_course, learner
):
    client.force_login(learner)
    for activity_id in (other_course.activities[0].pk, uuid.uuid4()):
        response = client.post(f"/learn/complete/{activity_id}/", follow=True)
        assert response.redirect_chain[0] == ("/my-learning/", 302)
        assert "msg-error" in text(response)
    assert not ActivityProgress.objects.filter(learner=learner).exists()
    assert not ProgressEvent.objects.filter(learner=learner).exists()


# --- certificates and private files -------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "..%2fsecret",
        "%2e%2e%2fsecret",
        "%2e%2e%2f%2e%2e%2fsecret",
        "..%5csecret",
        "..",
        "%2Fetc%2Fpasswd",
        "%00",
        CODE + "%00",
        CODE.lower(),
        "A" * 5000,
    ],
)
def test_certificate_paths_serve_nothing_but_a_certificate(client, certificate, files, path):
    """Files are found through the certificate's row, never through the URL's text."""
    (files["private"] / "secret.pdf").write_bytes(b"%PDF secret")
    (files["private"] / "certificates" / "secret.pdf").write_bytes(b"%PDF secret")
    client.force_login(certificate.enrolment.learner)
    response = client.get(f"/certificates/{path}.pdf")
    assert response.status_code == 404
    assert not response.streaming and NOT_FOUND in text(response)


def test_certificates_are_for_their_owner_and_the_courses_trainer(
    client, certificate, other_trainer, trainer
):
    url = f"/certificates/{CODE}.pdf"
    assert client.get(url)["Location"].startswith("/accounts/login/"), "anonymous"
    client.force_login(other_trainer)
    assert client.get(url).status_code == 404, "a trainer of another course"
    client.force_login(trainer)
    response = client.get(url)
    assert response.status_code == 200, "the course's own trainer"
    assert b"".join(response.streaming_content) == b"%PDF-1.7 the learner's own"


def test_a_revoked_certificate_is_neither_downloaded_nor_shown_as_valid(client, certificate):
    certificate.revoked_at = timezone.now()
    certificate.save()
    client.force_login(certificate.enrolment.learner)
    assert client.get(f"/certificates/{CODE}.pdf").status_code == 404
    html = text(client.get(f"/verify/{CODE}/"))
    assert "Chứng nhận này đã bị thu hồi." in html and "Chứng nhận hợp lệ" not in html


@pytest.mark.parametrize("typed", [CODE.lower(), f"  {CODE} ", "ls-abcde-FGH23"])
def test_verify_accepts_a_code_typed_in_lowercase_or_with_spaces(client, certificate, typed):
    response = client.get(f"/verify/{quote(typed)}/")
    assert response.status_code == 200
    assert "Chứng nhận hợp lệ" in text(response) and certificate.learner_name in text(response)


@pytest.mark.parametrize(
    "code",
    [
        "garbage",
        "LS-AAAAA-BBBBB",
        "A" * 5000,
        "Ạ" * 300,
        "\u202e" + CODE,
        "😀",
        "' OR '1'='1",
        "\x00",
        CODE + "\x00",
    ],
)
def test_verify_answers_unknown_codes_with_not_found(client, certificate, code):
    response = client.get("/verify/" + quote(code, safe="") + "/")
    assert response.status_code == 404
    html = text(response)
    assert CERTIFICATE_NOT_FOUND in html and certificate.learner_name not in html


@pytest.mark.parametrize("code", ["a/b", "LS/ABCDE/FGH23", "../x", "\x00", CODE + "\x00"])
def test_lookup_form_answers_codes_no_page_can_hold_with_not_found(client, certificate, code):
    response = client.get("/verify/", {"code": code})
    assert response.status_code == 404
    html = text(response)
    assert CERTIFICATE_NOT_FOUND in html and certificate.learner_name not in html


def test_lookup_form_sends_a_lowercase_code_to_its_page(client, certificate):
    response = client.get("/verify/", {"code": f" {CODE.lower()} "})
    assert (response.status_code, response["Location"]) == (302, f"/verify/{CODE}/")


# --- catalogue search and filters ---------------------------------------------------


@pytest.fixture
def catalogue(course_tree, trainer):
    build_course(
        trainer=trainer,
        title="Kỹ thuật chế biến hoa hồi",
        slug="hoa-hoi",
        summary="Phơi, sấy và bảo quản hoa hồi.",
        language="vi",
    )
    return course_tree.catalogue.url


def titles(response) -> list[str]:
    return [course.title for course in response.context["courses"]]


TAY = "Tiếng Tày giao tiếp cơ bản"
HOI = "Kỹ thuật chế biến hoa hồi"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("tay\x00", [TAY]),
        ("\x00", [HOI, TAY]),
        ("x" * 10_000, []),
        ("' OR 1=1 --", []),
        ("%", []),
        ("_", []),
        ("\\", []),
        ("tay'; DROP TABLE courses_coursepage; --", []),
    ],
)
def test_catalogue_search_survives_odd_queries(client, catalogue, query, expected):
    response = client.get(catalogue, {"q": query})
    assert response.status_code == 200
    assert sorted(titles(response)) == sorted(expected)
    assert len(response.context["q"]) <= 100, "the query is cut, not echoed whole"
    if not expected:
        assert "Không tìm thấy khóa học phù hợp." in text(response)


def test_catalogue_htmx_search_with_a_nul_byte_answers_the_fragment(client, catalogue):
    response = client.get(catalogue, {"q": "hoi\x00"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in text(response) and HOI in text(response)


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"program": "²"}, [HOI, TAY]),
        ({"program": "-1"}, [HOI, TAY]),
        ({"program": "99999999999999999999999"}, []),
        ({"level": "'; --"}, [HOI, TAY]),
        ({"language": ["tyz", "vi"]}, [HOI]),
        ({"page": "-1"}, [HOI, TAY]),
        ({"page": "abc"}, [HOI, TAY]),
        ({"page": "99999999999999999999"}, [HOI, TAY]),
    ],
)
def test_catalogue_filters_survive_odd_values(client, catalogue, params, expected):
    response = client.get(catalogue, params)
    assert response.status_code == 200
    assert sorted(titles(response)) == sorted(expected)


# --- the staff pages ----------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"q": "Học\x00"},
        {"course": "²"},
        {"unit": "³"},
        {"course": "99999999999999999999999"},
        {"page": "abc"},
        {"q": "%"},
    ],
)
def test_follow_page_survives_odd_filters_and_shows_only_own_learners(
    client, trainer, enrolled, other_course, other_learner, params
):
    client.force_login(trainer)
    response = client.get("/follow/", params)
    assert response.status_code == 200
    assert {e.learner_id for e in response.context["rows"]} <= {enrolled.learner_id}
    assert other_learner.learner_profile.full_name not in text(response)


def test_a_trainer_cannot_follow_the_learners_of_another_course(
    client, trainer, enrolled, other_course, other_learner
):
    client.force_login(trainer)
    response = client.get(f"/follow/learners/{other_learner.pk}/")
    assert response.status_code == 404 and NOT_FOUND in text(response)
    response = client.get("/follow/", {"course": other_course.course.pk})
    assert list(response.context["rows"]) == []
    assert other_learner.learner_profile.full_name not in text(response)
    assert client.get(f"/admin/my-courses/{other_course.course.pk}/").status_code == 404


def test_anonymous_visitors_and_learners_get_no_staff_page(client, course_tree, enrolled, learner):
    name = learner.learner_profile.full_name
    staff_pages = [
        "/follow/",
        f"/follow/learners/{learner.pk}/",
        "/admin/my-courses/",
        f"/admin/my-courses/{course_tree.course.pk}/",
        f"/admin/my-courses/{course_tree.course.pk}/cohort/",
    ]
    for url in staff_pages:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    client.force_login(learner)
    for url in staff_pages:
        response = client.get(url)
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/"), url
        assert name not in text(response), url


# --- the cohort upload ------------------------------------------------------------------

CSV = (
    "username,full_name,sex,birth_year,category,unit_code\n"
    "lan.vt,Vi Thị Lan,Nữ,1995,citizen,05977\n"
).encode()


def upload(name="lop.csv", data=CSV):
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_cohort_upload_by_anyone_but_the_courses_trainer_writes_nothing(
    client, course_tree, learner, other_trainer, files
):
    url = f"/admin/my-courses/{course_tree.course.pk}/cohort/"
    before = snapshot()
    response = client.post(url, {"name": "K1", "file": upload()})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    client.force_login(learner)
    response = client.post(url, {"name": "K1", "file": upload()})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    client.force_login(other_trainer)
    assert client.post(url, {"name": "K1", "file": upload()}).status_code == 404
    assert snapshot() == before
    assert all_files(files) == []


def test_cohort_upload_without_csrf_token_is_refused(course_tree, trainer, files):
    url = f"/admin/my-courses/{course_tree.course.pk}/cohort/"
    client = strict_client(trainer, prime=url)
    before = snapshot()
    assert client.post(url, {"name": "K1", "file": upload()}).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize(
    "file, message",
    [
        (upload(data=CSV + b"x" * 3_000_000), "Tệp quá lớn (tối đa 1 MB)."),
        (upload(name="lop.exe"), "csv"),
        (upload(name="lop.csv.php"), "csv"),
    ],
)
def test_cohort_upload_refuses_big_or_foreign_files_and_leaves_no_file(
    client, course_tree, trainer, files, file, message
):
    client.force_login(trainer)
    before = snapshot()
    url = f"/admin/my-courses/{course_tree.course.pk}/cohort/"
    response = client.post(url, {"name": "K1", "file": file})
    assert response.status_code == 400
    assert message in text(response)
    assert snapshot() == before
    assert all_files(files) == [], "no upload left on disk"


# --- sign-up ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "full_name",
    [
        "Nông\x07 Thị Hà",  # a control character
        "\u202eàH ịhT gnôN",  # RTL override: reads "Nông Thị Hà" on screen
        "\u200b\u200b",  # only zero-width spaces: a name that shows as nothing
        "Nông\u200dThị Hà",  # zero-width joiner
        "\ufeffNông Thị Hà",  # byte-order mark pasted from a file
    ],
)
def test_signup_refuses_names_with_control_or_invisible_characters(client, unit, full_name):
    response = client.post("/accounts/signup/", signup_data(unit, full_name=full_name))
    assert response.status_code == 200
    assert "Họ và tên có ký tự không hợp lệ." in text(response)
    assert not get_user_model().objects.filter(username="nong.ha").exists()


@pytest.mark.parametrize(
    "username", ["hoa\u202e", "ho\u200ba", "ha\x07", "<b>ha</b>", "a" * 151, "nong ha"]
)
def test_signup_refuses_odd_usernames(client, unit, username):
    response = client.post("/accounts/signup/", signup_data(unit, username=username))
    assert response.status_code == 200 and "Vui lòng sửa các lỗi bên dưới." in text(response)
    assert not LearnerProfile.objects.exists()


@pytest.mark.parametrize("username", ["hòa.nong", "ho\u0430"], ids=["accented", "cyrillic-a"])
def test_signup_usernames_are_plain_ascii_as_the_help_says(client, unit, username):
    response = client.post("/accounts/signup/", signup_data(unit, username=username))
    assert "Tên đăng nhập chỉ gồm chữ không dấu, số và @ . + - _." in text(response)
    assert not LearnerProfile.objects.exists()


def test_signup_refuses_a_300_character_name(client, unit):
    response = client.post("/accounts/signup/", signup_data(unit, full_name="Hà" * 150))
    assert response.status_code == 200 and "full_name" in response.context["form"].errors
    assert "Vui lòng sửa các lỗi bên dưới." in text(response) and "150" in text(response)
    assert not LearnerProfile.objects.exists()


@pytest.mark.parametrize(
    "birth_year",
    [str(date.today().year + 1), str(date.today().year), "2100", "1800", "0", "-5", "1e3"],
)
def test_signup_refuses_implausible_birth_years(client, unit, birth_year):
    response = client.post("/accounts/signup/", signup_data(unit, birth_year=birth_year))
    assert response.status_code == 200 and "Vui lòng sửa các lỗi bên dưới." in text(response)
    assert not LearnerProfile.objects.exists()


@pytest.mark.parametrize("which", ["former", "district", "missing", "garbage"])
def test_signup_refuses_units_that_are_not_current_communes(client, unit, which):
    units = AdministrativeUnit.objects
    unit_id = {
        "former": lambda: units.filter(is_current=False, level="commune").first().pk,
        "district": lambda: units.filter(level="district").first().pk,
        "missing": lambda: 999999,
        "garbage": lambda: "1 OR 1=1",
    }[which]()
    data = signup_data(unit)
    data["unit"] = str(unit_id)
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    assert "Vui lòng sửa các lỗi bên dưới." in text(response)
    assert not LearnerProfile.objects.exists()


@pytest.mark.parametrize("consent", [None, "maybe"])
def test_signup_with_a_group_but_no_consent_answer_creates_nobody(client, unit, tay, consent):
    data = signup_data(unit, ethnic_group=tay.pk)
    if consent is None:
        del data["ethnic_consent"]
    else:
        data["ethnic_consent"] = consent
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 200 and "Vui lòng sửa các lỗi bên dưới." in text(response)
    assert not LearnerProfile.objects.exists()


# --- names with HTML in them, wherever they are shown ---------------------------------

HTML_NAME = 'Hà <script>alert("xss")</script> & <img src=x onerror=alert(1)>'


def shows_escaped(html: str) -> bool:
    return escape(HTML_NAME) in html and HTML_NAME not in html


def test_a_name_with_html_is_escaped_on_signup_and_profile(client, unit):
    response = client.post(
        "/accounts/signup/?next=/accounts/profile/",
        signup_data(unit, full_name=HTML_NAME),
        follow=True,
    )
    html = text(response)
    assert "Chào mừng" in html, "the welcome message"
    assert html.count(escape(HTML_NAME)) >= 2, "in the welcome message and on the profile"
    assert shows_escaped(html)


def test_a_name_with_html_is_escaped_on_the_staff_pages(client, course_tree, make_learner, trainer):
    learner = make_learner("xss", full_name=HTML_NAME)
    enrolment = enrolment_create(learner=learner, course=course_tree.course)
    Cohort.objects.create(course=course_tree.course, name=HTML_NAME, created_by=trainer)
    enrolment.cohort = Cohort.objects.get()
    enrolment.save()
    client.force_login(trainer)
    for url in [
        f"/admin/my-courses/{course_tree.course.pk}/",
        "/follow/",
        f"/follow/learners/{learner.pk}/",
    ]:
        response = client.get(url)
        assert response.status_code == 200 and shows_escaped(text(response)), url


def test_a_name_with_html_is_escaped_on_the_verify_page(client, certificate):
    certificate.learner_name = HTML_NAME
    certificate.save()
    assert shows_escaped(text(client.get(f"/verify/{CODE}/")))


def test_a_name_with_html_is_printed_as_text_on_the_certificate(course_tree, make_learner, files):
    """Unescaped, WeasyPrint would run the markup (an <img> can read local files)."""
    import subprocess

    from courses.services.certificates import certificate_issue

    learner = make_learner("xss", full_name=HTML_NAME)
    enrolment = enrolment_create(learner=learner, course=course_tree.course)
    finished(learner, *[a for a in course_tree.activities if a.required])
    path = certificate_file(certificate_issue(enrolment_id=enrolment.pk))
    printed = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    printed = " ".join(printed.split())  # the long name wraps
    assert '<script>alert("xss")</script>' in printed and "<img src=x" in printed


def test_a_cohort_upload_with_html_in_it_is_escaped(client, course_tree, trainer, files):
    client.force_login(trainer)
    url = f"/admin/my-courses/{course_tree.course.pk}/cohort/"
    data = CSV.replace("Vi Thị Lan".encode(), b'"<b>Lan</b> <script>x()</script>"')
    response = client.post(url, {"name": "<script>lop()</script>", "file": upload(data=data)})
    assert response.status_code == 302
    html = text(client.get(url))
    assert "&lt;script&gt;lop()&lt;/script&gt;" in html and "<script>lop()" not in html
    assert "&lt;b&gt;Lan&lt;/b&gt;" in html and "<b>Lan</b>" not in html


# --- the profile: one's own, and only one's own -------------------------------------


def test_profile_post_naming_another_user_changes_only_ones_own(
    client, learner, other_learner, tay
):
    client.force_login(learner)
    other = other_learner.learner_profile
    response = client.post(
        "/accounts/profile/",
        {
            "ethnic_consent": "yes",
            "ethnic_group": tay.pk,
            "user": other_learner.pk,
            "user_id": other_learner.pk,
            "id": other.pk,
            "learner": other_learner.pk,
            "username": other_learner.username,
        },
        follow=True,
    )
    assert "Đã lưu lựa chọn của bạn." in text(response)
    assert LearnerProfile.objects.get(user=learner).ethnic_group == tay
    other.refresh_from_db()
    assert other.ethnic_group is None and other.ethnic_consent == ""


def test_profile_keeps_no_group_without_consent(client, learner, tay):
    client.force_login(learner)
    client.post("/accounts/profile/", {"ethnic_consent": "no", "ethnic_group": tay.pk})
    profile = LearnerProfile.objects.get(user=learner)
    assert profile.ethnic_group is None and profile.ethnic_consent == "declined"


@pytest.mark.parametrize("group", ["999999", "abc", "\x00"])
def test_profile_refuses_an_unknown_group(client, learner, group):
    client.force_login(learner)
    response = client.post("/accounts/profile/", {"ethnic_consent": "yes", "ethnic_group": group})
    assert response.status_code == 200 and "ethnic_group" in response.context["form"].errors
    assert 'id="id_ethnic_group_error"' in text(response), "the error is shown at the field"
    assert "Đã lưu lựa chọn của bạn." not in text(response)
    profile = LearnerProfile.objects.get(user=learner)
    assert profile.ethnic_group is None and profile.ethnic_consent == ""


def test_profile_post_by_staff_or_anonymous_changes_nothing(client, trainer, learner, tay):
    data = {"ethnic_consent": "yes", "ethnic_group": tay.pk}
    response = client.post("/accounts/profile/", data)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(trainer)
    assert client.post("/accounts/profile/", data).status_code == 200
    assert not LearnerProfile.objects.filter(ethnic_group__isnull=False).exists()
    assert not LearnerProfile.objects.filter(user=trainer).exists()


# --- HTTP method oddities on the lesson page ----------------------------------------


def test_head_on_a_lesson_answers_like_get_without_a_body(client, course_tree, enrolled, learner):
    client.force_login(learner)
    url = course_tree.lessons[0].url
    get, head = client.get(url), client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Type"] == get["Content-Type"]
    assert head["Cache-Control"] == "private, no-cache"


def test_other_methods_on_a_lesson_change_nothing(course_tree, enrolled, learner):
    url = course_tree.lessons[0].url
    client = strict_client(learner, prime=url)
    before = snapshot()
    assert client.options(url).status_code == 200
    for method in ("put", "delete", "patch"):
        response = getattr(client, method)(url, "x=1", content_type="text/plain")
        assert response.status_code == 403, method
    for method in ("put", "delete", "patch", "post"):
        response = getattr(client, method)(
            url, "x=1", content_type="text/plain", HTTP_X_CSRFTOKEN=token(client)
        )
        assert response.status_code < 500, method
    assert snapshot() == before


# --- very large bodies and wrong content types ---------------------------------------


def test_oversized_form_posts_are_refused_whole(client, unit, learner, tay):
    before = snapshot()
    huge = "x" * 3_000_000
    refused = client.post("/accounts/signup/", signup_data(unit, full_name=huge))
    assert refused.status_code == 400
    assert "Yêu cầu không hợp lệ" in text(refused) and "Không có gì bị thay đổi." in text(refused)
    client.force_login(learner)
    data = {"ethnic_consent": "yes", "ethnic_group": tay.pk, "padding": huge}
    assert client.post("/accounts/profile/", data).status_code == 400
    many = {f"f{i}": "1" for i in range(2000)} | {"ethnic_consent": "yes", "ethnic_group": tay.pk}
    assert client.post("/accounts/profile/", many).status_code == 400
    assert snapshot() == before
    assert LearnerProfile.objects.get(user=learner).ethnic_group is None


def _batch(course_tree) -> str:
    event = {
        "id": str(uuid.uuid4()),
        "activity": str(course_tree.activities[0].pk),
        "verb": "viewed",
        "occurred_at": timezone.now().isoformat(),
    }
    return json.dumps({"events": [event]})


def test_progress_api_refuses_a_form_post(course_tree, enrolled, learner):
    """A form (multipart) body is read by the CSRF check; the API must not read it again."""
    client = strict_client(learner, prime=course_tree.course.url)
    response = client.post(
        "/api/progress/events",
        {"events": _batch(course_tree), "csrfmiddlewaretoken": token(client)},
    )
    assert response.status_code == 415
    assert response.json()["error"] == "content_type" and "JSON" in response.json()["detail"]
    assert not ProgressEvent.objects.exists()


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_progress_api_refuses_json_sent_as_something_else(
    course_tree, enrolled, learner, content_type
):
    client = strict_client(learner, prime=course_tree.course.url)
    response = client.post(
        "/api/progress/events",
        _batch(course_tree),
        content_type=content_type,
        HTTP_X_CSRFTOKEN=token(client),
    )
    assert response.status_code == 415 and response.json()["error"] == "content_type"
    assert not ProgressEvent.objects.exists()
