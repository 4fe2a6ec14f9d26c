"""Spoken answers over HTTP: open an upload, send it in chunks (resumable), finish it,
and play it back with byte ranges (audio players seek with them).

The upload speaks JSON. Every answer carries the upload's offset (also in an
``Upload-Offset`` header); a chunk sent where the upload does not stand answers 409
with the offset to go on from, so a phone that lost its link resumes where it was.
"""

import json
from pathlib import Path

from django.http import Http404, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lms.errors import ServiceError
from lms.http import error_response, error_status, json_error, ranged_response

from .models import Recording
from .selectors.recordings import access_recording
from .services.recordings import (
    MAX_CHUNK_BYTES,
    OffsetMismatch,
    recording_append,
    recording_begin,
    recording_file,
    recording_finish,
    recording_status,
)

OFFSET_HEADER = "Upload-Offset"


def _signed_out() -> JsonResponse:
    return json_error(403, "auth", _("Phiên đăng nhập đã hết; hãy đăng nhập lại."))


def _state(recording: Recording, status: int = 200) -> JsonResponse:
    body = {
        "id": str(recording.pk),
        "offset": recording.received_bytes,
        "size": recording.expected_bytes,
        "complete": recording.complete,
        "upload_url": reverse("assessments:recording-upload", args=[recording.pk]),
        "finish_url": reverse("assessments:recording-finish", args=[recording.pk]),
    }
    if recording.complete:
        body["audio_url"] = reverse("assessments:recording-audio", args=[recording.pk])
        body["duration"] = recording.duration_seconds
        body["message"] = _("Đã lưu bản ghi âm")
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response[OFFSET_HEADER] = str(recording.received_bytes)
    return response


def _refused(error: ServiceError) -> JsonResponse:
    if not isinstance(error, OffsetMismatch):
        return error_response(error)
    # The client reads where to go on from, whatever language the message is in.
    response = JsonResponse(
        {"error": error.code, "detail": error.message, "offset": error.offset},
        status=error_status(error),
        json_dumps_params={"ensure_ascii": False},
    )
    response[OFFSET_HEADER] = str(error.offset)
    return response


@never_cache
@require_POST
def begin(request, attempt_id, question_id: int):
    """Open an upload: ``{"content_type": "audio/webm;codecs=opus", "size": 12345}``."""
    if not request.user.is_authenticated:
        return _signed_out()
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        return json_error(400, "invalid", _("Yêu cầu không hợp lệ."))
    try:
        recording = recording_begin(
            learner=request.user,
            attempt_id=attempt_id,
            question_id=question_id,
            content_type=str(data.get("content_type") or ""),
            size=data.get("size"),  # checked by the service
        )
    except ServiceError as error:
        return _refused(error)
    return _state(recording, status=201)


def _offset(request) -> int | None:
    raw = request.headers.get(OFFSET_HEADER, request.GET.get("offset", ""))
    return int(raw) if raw.isdecimal() and len(raw) < 12 else None


@never_cache
@require_http_methods(["GET", "HEAD", "PUT", "POST"])
def upload(request, recording_id):
    """GET: where the upload stands. PUT or POST: a chunk (the raw bytes) at the offset
    the ``Upload-Offset`` header (or ``?offset=``) names."""
    if not request.user.is_authenticated:
        return _signed_out()
    try:
        if request.method in ("GET", "HEAD"):
            return _state(recording_status(learner=request.user, recording_id=recording_id))
        offset = _offset(request)
        if offset is None:
            return json_error(400, "offset", _("Thiếu vị trí gửi (Upload-Offset)."))
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdecimal() or int(length) > MAX_CHUNK_BYTES:
            # Refused before the body is read: a phone sends small chunks.
            return json_error(
                413,
                "chunk_too_large",
                _("Mỗi lần gửi tối đa %(n)d KB.") % {"n": MAX_CHUNK_BYTES // 1024},
            )
        recording = recording_append(
            learner=request.user, recording_id=recording_id, offset=offset, chunk=request.body
        )
    except ServiceError as error:
        return _refused(error)
    return _state(recording)


@never_cache
@require_POST
def finish(request, recording_id):
    """Check the uploaded recording and save it as the answer; the reason if refused."""
    if not request.user.is_authenticated:
        return _signed_out()
    try:
        recording = recording_finish(learner=request.user, recording_id=recording_id)
    except ServiceError as error:
        return _refused(error)
    return _state(recording)


# --- playback --------------------------------------------------------------------------


def _ranged(request, path: Path, content_type: str, filename: str) -> HttpResponseBase:
    response = ranged_response(request, path.open("rb"), path.stat().st_size, content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # A learner's voice: never kept by a shared phone's browser for the next person.
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "HEAD"])
def audio(request, recording_id):
    """A recording, for the learner who made it and the trainers of its course."""
    recording = access_recording(request.user, recording_id)
    path = recording_file(recording) if recording is not None else None
    if recording is None or path is None or not path.is_file():
        raise Http404
    return _ranged(request, path, recording.content_type, f"ghi-am-{recording.pk}{path.suffix}")
