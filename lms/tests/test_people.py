"""Accounts a learner needs, sign-up without presets, the person rules, Vietnamese lists
and the admin's user screens."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from courses.services.enrolment import enrolment_create
from lms import person_rules
from lms.models import AdministrativeUnit, EthnicGroup, LearnerProfile
from lms.selectors import current_units
from lms.services import learner_password_reset
from lms.text import vi_sort_key
from tests.factories import signup_data

PASSWORD = "Mat-khau-2025"


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


# --- password change while signed in ----------------------------------------------------


def test_a_signed_in_learner_changes_their_password(client, learner):
    client.force_login(learner)
    page = client.get("/accounts/password/change/")
    assert page.status_code == 200 and "Đổi mật khẩu" in page.content.decode()
    assert '<main id="main">' in page.content.decode(), "in the site's layout"
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": "sai",
            "new_password1": "Mat-khau-moi-99",
            "new_password2": "Mat-khau-moi-99",
        },
    )
    assert response.status_code == 200, "the old password is checked"
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "Mat-khau-moi-99",
            "new_password2": "Mat-khau-moi-99",
        },
    )
    assert response["Location"] == "/accounts/password/change/done/"
    learner.refresh_from_db()
    assert learner.check_password("Mat-khau-moi-99")
    assert client.get("/my-learning/").status_code == 200, "still signed in"


# --- one-time passwords -------------------------------------------------------------------


def test_a_one_time_password_must_be_changed_before_anything_else(client, learner):
    password = learner_password_reset(learner=learner)
    response = sign_in(client, "hoa", password)
    assert response["Location"] == "/accounts/password/first/"
    for url in ("/my-learning/", "/accounts/profile/", "/accounts/password/change/"):
        assert client.get(url).status_code == 302, f"{url} is closed until it is changed"
    assert "Đặt mật khẩu của bạn" in client.get("/accounts/password/first/").content.decode()
    response = client.post(
        "/accounts/password/first/",
        {"new_password1": "Cua-rieng-toi-77", "new_password2": "Cua-rieng-toi-77"},
    )
    assert response["Location"] == "/my-learning/"
    assert client.get("/my-learning/").status_code == 200
    assert not LearnerProfile.objects.get(user=learner).must_change_password
    client.logout()
    assert sign_in(client, "hoa", password).status_code == 200, "the one-time one is gone"
    assert sign_in(client, "hoa", "Cua-rieng-toi-77")["Location"] == "/my-learning/"


def test_the_admin_login_does_not_bypass_the_change(client, learner):
    password = learner_password_reset(learner=learner)
    client.post("/admin/login/", {"username": "hoa", "password": password})
    assert client.get("/my-learning/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_first_password_page_is_nobody_elses(client, learner):
    assert client.get("/accounts/password/first/")["Location"] == "/accounts/login/"
    password = learner_password_reset(learner=learner)
    sign_in(client, "hoa", password)
    learner_password_reset(learner=learner)  # issued again meanwhile
    response = client.post(
        "/accounts/password/first/",
        {"new_password1": "Cua-rieng-toi-77", "new_password2": "Cua-rieng-toi-77"},
    )
    assert response["Location"] == "/accounts/login/"
    learner.refresh_from_db()
    assert not learner.check_password("Cua-rieng-toi-77")


def test_a_manager_in_scope_resets_a_password_shown_once(
    client, course_tree, learner, other_learner, make_manager, unit
):
    client.force_login(make_manager("qldk", [unit]))
    url = f"/accounts/learners/{learner.pk}/password/"
    enrolment_create(learner=learner, course=course_tree.course)
    assert url in client.get(f"/follow/learners/{learner.pk}/").content.decode()
    assert "Cấp mật khẩu" in client.get(url).content.decode()
    assert client.post(url)["Location"] == url
    html = client.get(url).content.decode()
    password = re.search(r'one-time-password">([a-z0-9]+)<', html).group(1)
    learner.refresh_from_db()
    assert learner.check_password(password)
    assert LearnerProfile.objects.get(user=learner).must_change_password
    assert password not in client.get(url).content.decode(), "shown once"
    other = f"/accounts/learners/{other_learner.pk}/password/"
    assert client.get(other).status_code == 404 and client.post(other).status_code == 404


def test_only_managers_and_admins_use_the_accounts_reset(client, learner, trainer):
    url = f"/accounts/learners/{learner.pk}/password/"
    for user in (learner, trainer):
        client.force_login(user)
        assert client.post(url).status_code == 404
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


def test_a_trainer_resets_from_the_roster_only_for_their_learners_without_email(
    client, course_tree, trainer, learner, make_learner
):
    with_email = make_learner("mai", email="mai@example.vn")
    for person in (learner, with_email):
        enrolment_create(learner=person, course=course_tree.course)
    outsider = make_learner("lan")
    url = f"/admin/my-courses/{course_tree.course.pk}/"
    client.force_login(trainer)
    html = client.get(url).content.decode()
    assert f'name="reset_password" value="{learner.pk}"' in html
    assert f'value="{with_email.pk}"' not in html, "has e-mail: resets it herself"
    assert client.post(url, {"reset_password": with_email.pk}).status_code == 404
    assert client.post(url, {"reset_password": outsider.pk}).status_code == 404
    assert client.post(url, {"reset_password": "x"}).status_code == 404
    assert client.post(url, {"reset_password": learner.pk})["Location"] == url
    password = re.search(r'one-time-password">([a-z0-9]+)<', client.get(url).content.decode())
    learner.refresh_from_db()
    assert learner.check_password(password.group(1))
    for person in (with_email, outsider):
        person.refresh_from_db()
        assert person.check_password(PASSWORD)


# --- profile --------------------------------------------------------------------------------


def test_learners_edit_name_commune_phone_email_and_sex(client, learner, other_unit):
    client.force_login(learner)
    page = client.get("/accounts/profile/").content.decode()
    assert "Giới tính" in page and "Nữ" in page
    response = client.post(
        "/accounts/profile/",
        {
            "form": "details",
            "full_name": "  Hoàng   Thị Hoa ",
            "sex": "unstated",
            "unit": other_unit.pk,
            "phone": "0912 345 678",
            "email": "hoa@example.vn",
        },
    )
    assert response["Location"] == "/accounts/profile/"
    profile = LearnerProfile.objects.get(user=learner)
    assert (profile.full_name, profile.sex, profile.unit, profile.phone) == (
        "Hoàng Thị Hoa",
        "unstated",
        other_unit,
        "0912 345 678",
    )
    assert profile.user.email == "hoa@example.vn"


@pytest.mark.parametrize("name", ["Hoa\u202eìn", "Hoa\u200b", "Hoa\x07", ""])
def test_the_profile_refuses_what_sign_up_refuses(client, learner, unit, name):
    client.force_login(learner)
    response = client.post(
        "/accounts/profile/",
        {"form": "details", "full_name": name, "sex": "female", "unit": unit.pk},
    )
    assert response.status_code == 200 and "full_name" in response.context["details"].errors
    assert LearnerProfile.objects.get(user=learner).full_name == "Học viên 1"


# --- sign-up ----------------------------------------------------------------------------------


def test_sign_up_presets_neither_sex_nor_category(client, unit):
    html = client.get("/accounts/signup/").content.decode()
    for name in ("sex", "category"):
        select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
        assert "selected" not in select.replace('value="" selected', ""), name
        assert '<option value="" selected>' in select, f"{name}: nothing chosen"
    data = signup_data(unit)
    del data["sex"], data["category"]
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="nong.ha").exists()


def test_sign_up_offers_prefer_not_to_say(client, unit):
    assert "Không muốn nêu" in client.get("/accounts/signup/").content.decode()
    client.post("/accounts/signup/", signup_data(unit, sex="unstated"))
    assert LearnerProfile.objects.get(user__username="nong.ha").sex == "unstated"


@pytest.mark.parametrize(
    "field, value",
    [
        ("full_name", "Nông \u202eThị"),
        ("full_name", "Nông\u200dThị"),
        ("username", "hòa"),
        ("username", "ab"),
        ("birth_year", str(person_rules.birth_year_range()[1] + 1)),
        ("birth_year", str(person_rules.BIRTH_YEAR_MIN - 1)),
    ],
)
def test_sign_up_applies_the_person_rules(client, unit, field, value):
    response = client.post("/accounts/signup/", signup_data(unit, **{field: value}))
    assert response.status_code == 200
    assert not LearnerProfile.objects.exists()


def test_every_way_in_shares_one_birth_year_range():
    low, high = person_rules.birth_year_range()
    assert person_rules.clean_birth_year(str(low)) == low
    for bad in (low - 1, high + 1, "năm"):
        with pytest.raises(ValidationError):
            person_rules.clean_birth_year(bad)


# --- Vietnamese lists -------------------------------------------------------------------------


def test_communes_sort_with_vietnamese_collation(client, db):
    names = [u.name for u in current_units()]
    assert names == sorted(names, key=vi_sort_key)
    # "Phường Đông Kinh" sits among the "Phường Đ…" right after "Phường D…", not last.
    wards = [n for n in names if n.startswith("Phường")]
    assert wards.index("Phường Đông Kinh") < len(wards) - 1
    html = client.get("/accounts/signup/").content.decode()
    shown = re.findall(r'<option value="\d+">([^<]+)</option>', html.split('name="unit"')[1])
    assert shown[: len(names)] == names


def test_the_sort_key_orders_letters_then_tones():
    words = ["Đông", "Dương", "bác", "bà", "ba", "Ăn", "Ân", "An", "Yên", "Ơn", "Ôn"]
    assert sorted(words, key=vi_sort_key) == [
        "An", "Ăn", "Ân", "ba", "bà", "bác", "Dương", "Đông", "Ôn", "Ơn", "Yên",
    ]  # fmt: skip


def test_hmong_is_spelled_as_everywhere_else_and_the_codes_are_intact(db):
    groups = EthnicGroup.objects.filter(code_list="QD-121-TCTK-1979")
    assert groups.count() == 54
    assert groups.get(code="08").name == "H'Mông"
    assert not groups.filter(name="HMông").exists()


def test_manager_search_ignores_diacritics_and_finds_usernames(
    client, course_tree, make_learner, make_manager, unit
):
    ha = make_learner("nong.ha", full_name="Nông Thị Hà")
    make_learner("lo.van", full_name="Lò Văn Đức")
    for person in LearnerProfile.objects.all():
        enrolment_create(learner=person.user, course=course_tree.course)
    client.force_login(make_manager("qldk", [unit]))
    for query in ("nong thi ha", "NÔNG hà", "nong.ha", "thi nong"):
        html = client.get("/follow/", {"q": query}).content.decode()
        assert "Nông Thị Hà" in html and "Lò Văn Đức" not in html, query
    assert "Lò Văn Đức" in client.get("/follow/", {"q": "duc"}).content.decode()
    assert ha.learner_profile.search_key == "nong thi ha"


# --- the admin's user screens -----------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("quantri", password=PASSWORD))
    return client


def test_an_admin_makes_a_learner_a_manager_without_inventing_names(admin_client, learner):
    managers = Group.objects.get(name="Quản lý")
    url = f"/admin/users/edit/{learner.pk}/"
    page = admin_client.get(url).content.decode()
    assert "Vai trò" in page and "Quản trị viên" in page
    response = admin_client.post(
        url,
        {
            "username": "hoa",
            "email": "",
            "first_name": "",
            "last_name": "",
            "is_active": "on",
            "groups": [managers.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    learner.refresh_from_db()
    assert list(learner.groups.all()) == [managers]
    assert (learner.first_name, learner.email) == ("", "")


def test_the_user_list_shows_full_names_and_finds_them_without_diacritics(
    admin_client, make_learner
):
    make_learner("nong.ha", full_name="Nông Thị Hà")
    html = admin_client.get("/admin/users/").content.decode()
    assert "Nông Thị Hà" in html
    found = admin_client.get("/admin/users/", {"q": "nong ha"}).content.decode()
    assert "Nông Thị Hà" in found


def test_wagtail_default_groups_are_gone(db):
    assert not Group.objects.filter(name__in=["Moderators", "Editors"]).exists()
    assert {"Giảng viên", "Quản lý"} <= set(Group.objects.values_list("name", flat=True))


def test_the_unit_chooser_searches_and_lists_current_units_first(admin_client):
    url = "/admin/snippets/choose/lms/administrativeunit/"
    found = admin_client.get(url, {"q": "dong kinh"}).json()["html"]
    assert "Phường Đông Kinh" in found and "Tìm xã/phường" in found
    assert "Xã Bình Gia" not in found
    listing = admin_client.get(url).json()["html"]
    current = AdministrativeUnit.objects.filter(is_current=True).order_by("sort_key").first()
    assert current.name in listing and "(cũ)" not in listing.split(current.name)[0]
    former = admin_client.get(url, {"q": "mong an"}).json()["html"]
    assert "Xã Mông Ân (cũ)" in former, "former units are marked"
