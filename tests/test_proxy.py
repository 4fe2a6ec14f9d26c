"""The shipped nginx in front of the app: who the app thinks the client is, and what
nginx refuses before the app sees it (request rates, body sizes).

Each test runs docker/nginx.conf with Debian's nginx (tests/nginx.py) in front of
pytest-django's live server, whose client-address settings are production's own (read
from config.settings.production in a subprocess). Clients connect from distinct
loopback addresses (127.0.0.x), as distinct people would from distinct networks.
"""

import http.client
import json
import shutil
import urllib.parse
from http.cookies import SimpleCookie

import pytest
from django.conf import settings

from config.tests.test_settings import manage, production_env
from tests.nginx import NGINX, shipped_nginx

pytestmark = [
    pytest.mark.skipif(not shutil.which(NGINX), reason="nginx not installed (bin/setup --test)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CLIENT_ADDRESS_SETTINGS = (
    "AXES_IPWARE_PROXY_COUNT",
    "AXES_IPWARE_PROXY_ORDER",
    "AXES_IPWARE_PROXY_TRUSTED_IPS",
    "AXES_IPWARE_META_PRECEDENCE_ORDER",
    "AXES_CLIENT_IP_CALLABLE",
    "RATELIMIT_IP_META_KEY",
)
PASSWORD = "Mat-khau-2025"


@pytest.fixture(scope="module")
def production_client_address_settings():
    names = ", ".join(repr(name) for name in CLIENT_ADDRESS_SETTINGS)
    code = (
        "import json, axes.conf; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in ({names},)}}))"
    )
    result = manage("shell", "-c", code, env=production_env())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def proxied_site(live_server, settings, production_client_address_settings, tmp_path):
    for name, value in production_client_address_settings.items():
        setattr(settings, name, value)
    upstream = urllib.parse.urlsplit(live_server.url).netloc
    with shipped_nginx(tmp_path / "nginx", upstream) as base:
        yield base


class Client:
    """One person's browser: connects from its own loopback address, keeps its cookies."""

    def __init__(self, base: str, address: str):
        self.host, self.port = urllib.parse.urlsplit(base).netloc.split(":")
        self.address = address
        self.cookies: dict[str, str] = {}

    def request(self, method, path, body=b"", headers=None):
        connection = http.client.HTTPConnection(
            self.host, int(self.port), timeout=20, source_address=(self.address, 0)
        )
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, text

    def post_form(self, path, fields, headers=None):
        if "csrftoken" not in self.cookies:
            self.request("GET", "/accounts/login/")
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self.cookies["csrftoken"]})
        headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.request("POST", path, body.encode(), headers)

    def sign_in(self, username, password, headers=None) -> int:
        return self.post_form(
            "/accounts/login/", {"username": username, "password": password}, headers
        )[0]


def test_forged_forwarded_for_headers_share_the_senders_lockout(proxied_site, learner):
    attacker = Client(proxied_site, "127.0.0.66")
    statuses = []
    for n in range(settings.AXES_FAILURE_LIMIT):
        forged = {"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"198.51.100.{n}"}
        statuses.append(attacker.sign_in("hoa", f"wrong-{n}", forged))
    # The last failure locks (429), whatever each request claimed its address was.
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    # Even the right password, from yet another "address", is refused now.
    forged = {"X-Forwarded-For": "203.0.113.200, 10.0.0.1", "X-Real-IP": "198.51.100.200"}
    assert attacker.sign_in("hoa", PASSWORD, forged) == 429


def test_one_attackers_failures_do_not_lock_out_honest_clients(
    proxied_site, learner, other_learner
):
    attacker = Client(proxied_site, "127.0.0.66")
    for username in ("hoa", "duc"):
        for n in range(settings.AXES_FAILURE_LIMIT + 1):
            attacker.sign_in(username, f"wrong-{n}")
    assert attacker.sign_in("hoa", PASSWORD) == 429

    # The learner at home and a classmate at the commune hall sign in as usual.
    assert Client(proxied_site, "127.0.0.2").sign_in("hoa", PASSWORD) == 302
    assert Client(proxied_site, "127.0.0.3").sign_in("duc", PASSWORD) == 302


def test_nginx_refuses_a_flood_of_sign_ins_with_its_own_vietnamese_page(proxied_site, settings):
    settings.RATELIMIT_ENABLE = False  # nginx alone: the app's own limit is tested apart
    flooder = Client(proxied_site, "127.0.0.77")
    statuses = []
    for n in range(60):
        status, text = flooder.post_form(
            "/accounts/login/", {"username": f"nobody{n}", "password": "wrong"}
        )
        statuses.append(status)
    assert statuses[0] == 200
    assert statuses[-1] == 429, statuses
    assert "Quá nhiều yêu cầu" in text and "Vui lòng đợi một lát" in text

    # Someone else, at another address, is not held back by it.
    assert Client(proxied_site, "127.0.0.4").sign_in("nobody", "wrong") == 200


def test_request_bodies_are_small_except_on_upload_routes(proxied_site):
    client = Client(proxied_site, "127.0.0.5")
    two_megabytes = b"x" * (2 * 1024 * 1024)
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    status, text = client.request("POST", "/accounts/login/", two_megabytes, form)
    assert status == 413 and "quá lớn" in text
    status, _ = client.request("POST", "/api/progress/events", two_megabytes, form)
    assert status == 413

    # A lesson video goes through: the app answers (here: no session, so no upload).
    status, _ = client.request("POST", "/admin/documents/multiple/add/", two_megabytes, form)
    assert status in (302, 403)
    status, _ = client.request("POST", "/admin/images/chooser/create/", two_megabytes, form)
    assert status in (302, 403)


def test_lesson_video_is_sent_by_nginx_once_the_app_has_checked(
    live_server, settings, tmp_path, client, trainer, learner, other_learner
):
    from cms.tests.media_files import asset_from, generate
    from courses.models import CourseWorkspace
    from courses.services.enrolment import enrolment_create
    from tests.factories import build_course

    work = tmp_path / "nginx"
    settings.MEDIA_ASSETS_ROOT = str(work / "srv" / "media-assets")
    settings.MEDIA_ACCEL_REDIRECT = "/_media/"
    settings.MEDIA_SCRATCH_DIR = str(tmp_path / "scratch")
    tree = build_course(trainer=trainer)
    enrolment_create(learner=learner, course=tree.course)
    clip = generate(tmp_path / "bai.mp4", seconds=3, size="320x180")
    collection = CourseWorkspace.objects.get(course=tree.course).collection
    asset = asset_from(clip, "video", collection, process=True)
    url = asset.rendition_url("download")
    on_disk = (work / "srv" / "media-assets" / asset.rendition_set / "video.mp4").read_bytes()

    def get(user, path, headers=None):
        client.logout()
        cookie = {}
        if user is not None:
            client.force_login(user)
            cookie = {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
        host, port = urllib.parse.urlsplit(base).netloc.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=20)
        try:
            connection.request("GET", path, headers={**cookie, **(headers or {})})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    upstream = urllib.parse.urlsplit(live_server.url).netloc
    with shipped_nginx(work, upstream) as base:
        status, headers, body = get(learner, url)
        assert status == 200 and body == on_disk
        assert headers["Content-Type"] == "video/mp4" and "private" in headers["Cache-Control"]
        status, headers, body = get(learner, url, {"Range": "bytes=10-19"})
        assert status == 206 and body == on_disk[10:20], "nginx answers the range"
        for stranger in (other_learner, None):
            assert get(stranger, url)[0] == 404
        # The files are reachable only through the app's redirect.
        assert get(learner, f"/_media/{asset.rendition_set}/video.mp4")[0] == 404
