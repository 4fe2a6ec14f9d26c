"""Package files on a host of their own (CONTENT_ORIGIN), and nothing else there.

When package files have an origin of their own, that origin answers only for them and
the static files their player loads: an LMS page reached on it would share the
package's origin, so every other address there is sent to the LMS's own. And the LMS's
origin no longer serves package files at all.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpResponsePermanentRedirect

CONTENT_PATHS = ("/content/", "/static/")


class ContentOriginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        origin = settings.CONTENT_ORIGIN
        if origin:
            content_host = urlsplit(origin).netloc.lower()
            on_content_host = request.get_host().lower() == content_host
            if on_content_host and not request.path_info.startswith(CONTENT_PATHS):
                site = urlsplit(settings.WAGTAILADMIN_BASE_URL)
                return HttpResponsePermanentRedirect(
                    f"{site.scheme}://{site.netloc}{request.get_full_path()}"
                )
            if not on_content_host and request.path_info.startswith("/content/"):
                raise Http404
        return self.get_response(request)
