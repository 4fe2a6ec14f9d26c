"""The media library's resumable upload, over HTTP (see cms.media.uploads).

POST   /admin/media-uploads/            {"name": ..., "size": ...}  -> 201 {"id", "offset", "chunk"}
GET    /admin/media-uploads/<id>/                                   -> {"offset", "size"}
PUT    /admin/media-uploads/<id>/       raw bytes, Upload-Offset: n -> {"offset"} (409 with
                                                                       the offset on a gap)
"""

import json

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.permissions import policy_registry

from cms.models import MediaAsset, MediaSubtitle
from lms.errors import ServiceError
from lms.http import error_response, json_error

from .subtitles import MAX_BYTES, media_subtitle_delete, media_subtitle_save
from .uploads import (
    CHUNK_BYTES,
    OffsetMismatch,
    media_upload_append,
    media_upload_begin,
    media_upload_status,
)


def _may_upload(user) -> bool:
    return policy_registry.get_by_type(MediaAsset).user_has_permission(user, "add")


def _state(upload) -> dict:
    return {"id": str(upload.pk), "offset": upload.received_bytes, "size": upload.expected_bytes}


def _refused(error: ServiceError) -> JsonResponse:
    if isinstance(error, OffsetMismatch):
        # Where the upload stands: the client goes on from there.
        return JsonResponse(
            {"error": error.code, "detail": error.message, "offset": error.offset},
            status=409,
            json_dumps_params={"ensure_ascii": False},
        )
    return error_response(error)


@never_cache
@require_http_methods(["POST"])
def begin(request):
    if not _may_upload(request.user):
        return json_error(403, "forbidden", _("Bạn không có quyền tải lên video, âm thanh."))
    try:
        asked = json.loads(request.body or b"{}")
        upload = media_upload_begin(
            owner=request.user, filename=asked.get("name", ""), size=asked.get("size")
        )
    except (ValueError, AttributeError):
        return json_error(400, "malformed", _("Yêu cầu không hợp lệ."))
    except ServiceError as error:
        return _refused(error)
    return JsonResponse(_state(upload) | {"chunk": CHUNK_BYTES}, status=201)


@never_cache
@require_http_methods(["GET", "PUT"])
def piece(request, upload_id):
    if not _may_upload(request.user):
        return json_error(403, "forbidden", _("Bạn không có quyền tải lên video, âm thanh."))
    try:
        if request.method == "GET":
            return JsonResponse(
                _state(media_upload_status(owner=request.user, upload_id=upload_id))
            )
        # Refused before the body is read: a piece is never larger than this.
        if int(request.META.get("CONTENT_LENGTH") or 0) > CHUNK_BYTES:
            return json_error(413, "chunk_too_large", _("Phần gửi lên quá lớn."))
        try:
            offset = int(request.headers.get("Upload-Offset", ""))
        except ValueError:
            return json_error(400, "offset", _("Thiếu vị trí gửi (Upload-Offset)."))
        upload = media_upload_append(
            owner=request.user, upload_id=upload_id, offset=offset, chunk=request.body
        )
    except ServiceError as error:
        return _refused(error)
    return JsonResponse(_state(upload))


def _editable(request, pk: int) -> MediaAsset:
    asset = MediaAsset.objects.filter(pk=pk).first()
    policy = policy_registry.get_by_type(MediaAsset)
    if asset is None or not policy.user_has_permission_for_instance(request.user, "change", asset):
        raise Http404
    return asset


@require_POST
def subtitle_add(request, pk: int):
    asset = _editable(request, pk)
    upload = request.FILES.get("subtitle_file")
    if upload is None:
        messages.error(request, _("Hãy chọn tệp phụ đề .vtt."))
    else:
        try:
            media_subtitle_save(
                asset=asset,
                language=request.POST.get("language", ""),
                label=request.POST.get("label", ""),
                data=upload.read(MAX_BYTES + 1),
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Đã lưu phụ đề."))
    return redirect("wagtailmedia:edit", asset.pk)


@require_POST
def subtitle_delete(request, pk: int, subtitle_id: int):
    asset = _editable(request, pk)
    subtitle = get_object_or_404(MediaSubtitle, pk=subtitle_id, asset=asset)
    media_subtitle_delete(subtitle=subtitle)
    messages.success(request, _("Đã xóa phụ đề."))
    return redirect("wagtailmedia:edit", asset.pk)
