"""Project-wide request policies: request rates and the Content-Security-Policy."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

# The Wagtail admin ships inline scripts (inline panels, date and time widgets), and so
# does the page preview it frames; both are staff-only screens behind a sign-in.
ADMIN_PREFIXES = ("/admin/", "/django-admin/")
ADMIN_ALLOWANCES = {"script-src": ["'self'", "'unsafe-inline'"]}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the admin's allowances on the admin's paths."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(ADMIN_PREFIXES):
            parts.update = {**ADMIN_ALLOWANCES, **(parts.update or {})}
        return parts


class RateLimitMiddleware:
    """Applies settings.RATE_LIMITS to the views they name, with django-ratelimit's
    counters; the views themselves stay unaware of it.

    Only POSTs count: reading a sign-in form costs nothing, sending one is a guess.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.rules = {
            view: (group, rule)
            for group, rule in settings.RATE_LIMITS.items()
            for view in rule["views"]
        }

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        found = self.rules.get(match.view_name) if match else None
        if found is None:
            return None
        group, rule = found
        usage = get_usage(
            request,
            group=f"lms-{group}",
            key=rule["key"],
            rate=rule["rate"],
            method="POST",
            increment=True,
        )
        if usage is None or not usage["should_limit"]:
            return None
        return too_many_requests(request, retry_after=usage["time_left"], api=group == "progress")


def too_many_requests(request: HttpRequest, retry_after: int, api: bool) -> HttpResponse:
    message = _(
        "Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng đợi một lát rồi thử lại."
    )
    if api:
        response: HttpResponse = JsonResponse(
            {"error": "rate_limited", "detail": message},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = HttpResponse(
            render_to_string("429.html", {"message": message}, request=request), status=429
        )
    response["Retry-After"] = str(max(1, int(retry_after)))
    return response
