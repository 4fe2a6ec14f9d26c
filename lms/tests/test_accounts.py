import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import IntegrityError

from lms.models import LearnerProfile
from lms.services import learner_create, learner_ethnicity_set
from tests.factories import signup_data


def test_signup_with_consent_stores_group_and_time(client, unit, tay):
    response = client.post(
        "/accounts/signup/", signup_data(unit, ethnic_consent="yes", ethnic_group=tay.pk)
    )
    assert response.status_code == 302
    profile = LearnerProfile.objects.get(user__username="nong.ha")
    assert profile.ethnic_group == tay and profile.ethnic_consent == "given"
    assert profile.ethnic_consent_at is not None
    assert profile.ethnic_group.code_list == "QD-121-TCTK-1979"
    assert client.get("/my-learning/").status_code == 200, "signed up and logged in"


def test_declining_stores_no_group_even_if_one_is_sent(client, unit, tay):
    client.post("/accounts/signup/", signup_data(unit, ethnic_consent="no", ethnic_group=tay.pk))
    profile = LearnerProfile.objects.get(user__username="nong.ha")
    assert profile.ethnic_group is None and profile.ethnic_consent == "declined"
    assert profile.ethnic_consent_at is not None


def test_consent_without_a_group_is_an_error_and_creates_nothing(client, unit):
    response = client.post("/accounts/signup/", signup_data(unit, ethnic_consent="yes"))
    assert response.status_code == 200
    assert "Hãy chọn dân tộc" in response.content.decode()
    assert not get_user_model().objects.filter(username="nong.ha").exists()


def test_signup_rejects_former_units_and_bad_years(client, db):
    from lms.models import AdministrativeUnit

    former = AdministrativeUnit.objects.filter(is_current=False, level="commune").first()
    response = client.post("/accounts/signup/", signup_data(former, birth_year="1800"))
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="nong.ha").exists()


def test_the_database_refuses_a_group_without_consent(learner, tay):
    profile = learner.learner_profile
    profile.ethnic_group = tay
    profile.ethnic_consent = "declined"
    with pytest.raises(IntegrityError):
        profile.save()


def test_withdrawing_consent_erases_the_group(learner, tay):
    profile = learner_ethnicity_set(profile=learner.learner_profile, consent=True, group=tay)
    assert profile.ethnic_group == tay
    profile = learner_ethnicity_set(profile=profile, consent=False, group=tay)
    profile.refresh_from_db()
    assert profile.ethnic_group is None and profile.ethnic_consent == "declined"


def test_names_are_stored_in_nfc(unit):
    decomposed = "Hoa\u0300ng Thi\u0323"
    user = learner_create(
        username="nfc",
        password=None,
        full_name=decomposed,
        category="youth",
        sex="male",
        birth_year=2000,
        unit=unit,
    )
    assert user.learner_profile.full_name == "Hoàng Thị"


def test_login_locks_out_after_repeated_failures(client, learner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/", {"username": "hoa", "password": "sai"})
        assert response.status_code == 200
    assert (
        client.post("/accounts/login/", {"username": "hoa", "password": "sai"}).status_code == 429
    )
    response = client.post("/accounts/login/", {"username": "hoa", "password": "Mat-khau-2025"})
    assert response.status_code == 429
    assert "Tạm khóa" in response.content.decode()


def test_login_works_with_the_right_password(client, learner):
    response = client.post("/accounts/login/", {"username": "hoa", "password": "Mat-khau-2025"})
    assert response.status_code == 302


def test_each_role_lands_where_its_work_is(client, learner, trainer, make_manager):
    from django.contrib.auth import get_user_model

    make_manager("qldk", [])
    get_user_model().objects.create_superuser("quantri", password="Mat-khau-2025")
    landing = {
        "hoa": "/my-learning/",
        "trainer": "/admin/my-courses/",
        "qldk": "/reports/",
        "quantri": "/admin/",
    }
    for username, expected in landing.items():
        client.logout()
        credentials = {"username": username, "password": "Mat-khau-2025"}
        response = client.post("/accounts/login/", credentials)
        assert response["Location"] == expected, username
    client.logout()
    response = client.post("/accounts/login/?next=/khoa-hoc/", {**credentials})
    assert response["Location"] == "/khoa-hoc/", "the link the visitor followed wins"
    response = client.post("/accounts/login/?next=https://evil.example/", {**credentials})
    client.logout()
    assert response["Location"] == "/admin/", "never off the site"


def test_password_reset_by_email(client, make_learner):
    make_learner("mai", email="mai@example.vn")
    response = client.post("/accounts/password/reset/", {"email": "mai@example.vn"})
    assert response.status_code == 302 and len(mail.outbox) == 1
    link = re.search(r"(/accounts/password/reset/[^/]+/[^/\s]+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "Mot-mat-khau-moi-9", "new_password2": "Mot-mat-khau-moi-9"}
    )
    assert response.status_code == 302
    assert get_user_model().objects.get(username="mai").check_password("Mot-mat-khau-moi-9")


def test_pages_are_vietnamese_by_default_and_english_when_chosen(client, db):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en")
    assert "Đăng nhập" in response.content.decode(), "a phone set to English still gets Vietnamese"
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Log in" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "vi", "next": "/accounts/login/"})
    assert "Đăng nhập" in client.get("/accounts/login/").content.decode()


def test_the_navigation_offers_each_role_its_pages(client, learner, make_manager):
    make_manager("qldk", [])
    nav = {}
    for username in ("hoa", "qldk"):
        client.logout()
        client.post("/accounts/login/", {"username": username, "password": "Mat-khau-2025"})
        html = client.get("/verify/").content.decode()
        nav[username] = html.split("<nav>")[1].split("</nav>")[0]
    assert 'href="/my-learning/"' in nav["hoa"] and 'href="/follow/"' not in nav["hoa"]
    assert 'href="/follow/"' in nav["qldk"] and 'href="/my-learning/"' not in nav["qldk"]


def test_a_forbidden_page_says_so_in_vietnamese(client, learner):
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory
    from django.views.defaults import permission_denied

    request = RequestFactory().get("/")
    request.user = learner
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()
