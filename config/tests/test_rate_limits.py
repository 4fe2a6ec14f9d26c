"""The app's own request rates (settings.RATE_LIMITS), which hold without nginx too."""

import json

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_window(monkeypatch):
    """django-ratelimit counts in fixed windows: a test crossing a window's end would see
    its count restart. Its clock stands still here, so every request meets one window."""
    from types import SimpleNamespace

    from django_ratelimit import core

    frozen = SimpleNamespace(time=lambda: 1_800_000_000.0)
    monkeypatch.setattr(core, "time", frozen)


TOO_MANY = "Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn"


def allowed(group: str) -> int:
    return int(settings.RATE_LIMITS[group]["rate"].split("/")[0])


def assert_refused(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert TOO_MANY in response.content.decode()


@pytest.mark.parametrize(
    "group, path, form",
    [
        ("sign-in", "/accounts/login/", lambda n: {"username": f"x{n}", "password": "sai"}),
        ("password-reset", "/accounts/password/reset/", lambda n: {"email": f"x{n}@example.vn"}),
        ("sign-up", "/accounts/signup/", lambda n: {"username": f"x{n}"}),
    ],
)
def test_the_request_after_the_limit_is_refused_in_vietnamese(client, group, path, form):
    for n in range(allowed(group)):
        assert client.post(path, form(n)).status_code != 429, n
    assert_refused(client.post(path, form(-1)))
    # Reading the form is not a guess: it still shows.
    assert client.get(path).status_code == 200
    # Another address has its own count.
    assert client.post(path, form(-2), REMOTE_ADDR="203.0.113.9").status_code != 429


def test_every_sign_in_form_counts_toward_one_limit(client):
    for n in range(allowed("sign-in")):
        client.post("/accounts/login/", {"username": f"nobody{n}", "password": "sai"})
    response = client.post("/admin/login/", {"username": "nobody", "password": "sai"})
    assert_refused(response)


def events_post(client):
    return client.post(
        "/api/progress/events", json.dumps({"events": []}), content_type="application/json"
    )


def test_a_learner_sending_progress_is_not_held_back(learner):
    client = Client()
    client.force_login(learner)
    # A batch every 30 s is 2 a minute; a phone back online flushes its queue at once.
    for _ in range(20):
        assert events_post(client).status_code != 429


def test_progress_is_counted_per_learner_not_per_address(settings, learner, other_learner):
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "progress": {**settings.RATE_LIMITS["progress"], "rate": "3/m"},
    }
    hoa, duc = Client(), Client()
    hoa.force_login(learner)
    duc.force_login(other_learner)
    for _ in range(3):
        assert events_post(hoa).status_code != 429
    refused = events_post(hoa)
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert TOO_MANY in refused.json()["detail"]
    # A classmate in the same commune hall (the same address) sends hers.
    assert events_post(duc).status_code != 429
