from django.http import JsonResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from .errors import Conflict, NotAvailable, ServiceError


def next_url_or(request, candidate: str, default: str) -> str:
    """``candidate`` (a form's or a link's "next") if it stays on this site, else
    ``default`` (a URL or URL name)."""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)


def error_status(error: ServiceError) -> int:
    """The HTTP status a refused service call answers with, wherever it is called from."""
    if isinstance(error, NotAvailable):
        return 404
    if isinstance(error, Conflict):
        return 409
    return 400


def error_response(error: ServiceError) -> JsonResponse:
    return json_error(error_status(error), error.code, error.message, error.details)


def json_error(status: int, code: str, message: str, details: list | None = None) -> JsonResponse:
    body: dict = {"error": code, "detail": message}
    if details:
        body["errors"] = details
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
