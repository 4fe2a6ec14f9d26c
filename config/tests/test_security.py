"""Production headers and limits that a browser or an attacker would notice."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def test_pages_may_run_only_the_sites_own_script_files(client):
    policy = directives(client.get("/accounts/login/"))
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]


def test_the_wagtail_admin_gets_only_its_inline_scripts_on_top(client):
    policy = directives(client.get("/admin/login/"))
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert "'unsafe-eval'" not in policy["script-src"]


def _site_templates():
    for folder in (ROOT / "templates", *ROOT.glob("*/templates")):
        for template in folder.rglob("*.html"):
            # Admin screens render inside the Wagtail admin, under its allowances.
            if "admin" not in template.relative_to(folder).parts:
                yield template


def test_no_template_carries_an_inline_script_or_event_handler():
    inline_script = re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I
    )
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
    javascript_url = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)
    offenders = [
        str(template.relative_to(ROOT))
        for template in _site_templates()
        for pattern in (inline_script, handler, javascript_url)
        if pattern.search(template.read_text())
    ]
    assert not offenders


def test_a_forged_host_gets_no_password_reset_link(client, learner, settings):
    from config.settings import embedded

    settings.ALLOWED_HOSTS = embedded.ALLOWED_HOSTS
    learner.email = "hoa@example.vn"
    learner.save()
    forged = client.post(
        "/accounts/password/reset/", {"email": learner.email}, HTTP_HOST="evil.example"
    )
    assert forged.status_code == 400
    assert not mail.outbox

    client.post("/accounts/password/reset/", {"email": learner.email}, HTTP_HOST="localhost")
    (message,) = mail.outbox
    links = re.findall(r"https?://([^/\s]+)/", message.body)
    assert links and all(host == "localhost" for host in links)


def test_the_embedded_default_answers_only_to_local_names():
    from config.settings import embedded

    assert set(embedded.ALLOWED_HOSTS) <= {"127.0.0.1", "localhost", "[::1]"}
    assert not embedded.DEBUG


def test_a_session_ends_with_the_browser_and_after_a_few_days_at_most(client, learner):
    client.force_login(learner)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"] and not cookie["max-age"]
    assert client.session.get_expiry_age() <= 7 * 24 * 3600
    assert client.session.get_expire_at_browser_close()
