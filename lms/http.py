import re
from collections.abc import Iterator
from typing import IO

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
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


# --- files with HTTP Range (RFC 9110): Django's FileResponse always sends the whole file.

RANGE = re.compile(r"^bytes=(\d{0,15})-(\d{0,15})$")
CHUNK_BYTES = 256 * 1024


class Unsatisfiable(Exception):
    pass


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The one range ``header`` asks for, as (first, last) inclusive; None for the whole
    file (no header, several ranges or a form not understood, as RFC 9110 allows)."""
    match = RANGE.match(header.replace(" ", ""))
    if not match or not any(match.groups()):
        return None
    first, last = match.groups()
    if not first:
        suffix = int(last)
        if suffix == 0:
            raise Unsatisfiable
        return max(size - suffix, 0), size - 1
    start = int(first)
    if start >= size:
        raise Unsatisfiable
    end = int(last) if last else size - 1
    if end < start:
        return None
    return start, min(end, size - 1)


def _read(handle: IO[bytes], first: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(first)
        while length > 0:
            chunk = handle.read(min(CHUNK_BYTES, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


def ranged_response(
    request, handle: IO[bytes], size: int, content_type: str
) -> HttpResponse | StreamingHttpResponse:
    """The open file ``handle`` of ``size`` bytes, whole or the range asked for, streamed
    (never read whole into memory); the response closes the file."""
    try:
        wanted = byte_range(request.headers.get("Range", ""), size)
    except Unsatisfiable:
        handle.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    first, last = wanted if wanted is not None else (0, size - 1)
    length = max(last - first + 1, 0)
    if request.method == "HEAD":
        handle.close()
        body: Iterator[bytes] = iter(())
    else:
        body = _read(handle, first, length)
    response = StreamingHttpResponse(body, status=206 if wanted else 200, content_type=content_type)
    response["Content-Length"] = str(length)
    if wanted:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response
