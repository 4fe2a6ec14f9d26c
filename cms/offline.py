"""Offline reading of lessons: the service worker script, and the mark on the pages it
may keep.

The worker (static/js/sw.js) keeps a page for reading offline only when the response
carries ``X-Lesson-Offline: 1``. Views mark the learner's own pages with ``keep_offline``;
``OfflineMarkMiddleware`` takes the mark off again from any response that sets a cookie
(a flash message shown once, a new session), because a service worker cannot see
Set-Cookie and would replay such a page as it was. The one exception is the CSRF cookie:
Django re-sends it, unchanged, with every page that has a form (the logout button is on
every page), and the token in a kept page stays valid until the next sign-in or sign-out,
which drop the kept pages.
"""

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.views.decorators.http import etag, require_safe

OFFLINE_HEADER = "X-Lesson-Offline"

_script: tuple[bytes, str] | None = None


def keep_offline(response):
    response[OFFLINE_HEADER] = "1"
    return response


class OfflineMarkMiddleware:
    """Sits above the session, CSRF and message middleware, so it sees their cookies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if OFFLINE_HEADER in response and set(response.cookies) - {settings.CSRF_COOKIE_NAME}:
            del response[OFFLINE_HEADER]
        return response


def _service_worker_script() -> tuple[bytes, str]:
    """The worker's source and its hash, read once (on every request under DEBUG).

    From the app's static files, so it needs no collectstatic in development; from
    STATIC_ROOT where only the collected files are deployed.
    """
    global _script
    if _script is None or settings.DEBUG:
        path = finders.find("js/sw.js") or Path(settings.STATIC_ROOT) / "js" / "sw.js"
        source = Path(path).read_bytes()
        _script = (source, hashlib.sha256(source).hexdigest()[:20])
    return _script


@require_safe
@etag(lambda request: _service_worker_script()[1])
def service_worker(request):
    """/sw.js: at the root, so that the worker's scope is the whole site."""
    response = HttpResponse(
        _service_worker_script()[0], content_type="application/javascript; charset=utf-8"
    )
    # Browsers check for a new worker on navigation; the ETag makes that a 304.
    response["Cache-Control"] = "no-cache"
    return response
