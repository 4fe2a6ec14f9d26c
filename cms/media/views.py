"""Serving a media asset's renditions, after the access check apps register.

``/m/<key>/<set>/<file>``: the set is part of the address, so a file's bytes never
change under its URL (a phone keeps it as long as it likes) and a new upload's set has
new addresses. Who may have a file is not cms's to decide: every function registered
under the ``before_serve_media_asset`` hook is asked (courses lets a course's enrolled
learners and trainers through) and may raise Http404, which a stranger also gets for a
file that does not exist. A playlist served calls the ``media_asset_played`` hooks: the
server-side evidence that a learner opened the item.

Deployed behind nginx (``MEDIA_ACCEL_REDIRECT`` set), the app only checks and answers
with ``X-Accel-Redirect``; nginx sends the bytes, with Range, from its internal
location, and large files never pass through Python. The embedded default streams them
itself, with Range too. Storage without local files (S3) is answered by a redirect to a
short-lived signed address.
"""

import re
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_http_methods
from wagtail import hooks
from wagtail.permissions import policy_registry

from cms.models import MediaAsset, MediaSubtitle
from lms.http import ranged_response

from .storage import local_path, media_storage

# Every file a rendition set holds, and nothing else (no "..", no other folder).
FILE = re.compile(
    r"^(?:hls/master\.m3u8|hls/(?:360p|240p|audio)/(?:index\.m3u8|init\.mp4|seg_\d{5}\.m4s)"
    r"|poster\.jpg|video\.mp4|audio\.m4a)$"
)
CONTENT_TYPES = {
    "m3u8": "application/vnd.apple.mpegurl",
    "m4s": "video/iso.segment",
    "mp4": "video/mp4",
    "m4a": "audio/mp4",
    "jpg": "image/jpeg",
}
PLAYLISTS = {"hls/master.m3u8", "hls/audio/index.m3u8"}
# A learner's access, once checked, holds for a while: a playing video asks for a
# segment every few seconds, and each would otherwise cost the check's queries.
ACCESS_SECONDS = 120


def _allowed(request, asset: MediaAsset) -> None:
    """Every registered check passes, or one has raised Http404."""
    key = f"media-access:{request.user.pk}:{asset.pk}" if request.user.is_authenticated else ""
    if key and cache.get(key):
        return
    for check in hooks.get_hooks("before_serve_media_asset"):
        check(asset, request)
    if key:
        cache.set(key, True, ACCESS_SECONDS)


@require_http_methods(["GET", "HEAD"])
def rendition(request, key, set_id: str, name: str) -> HttpResponseBase:
    asset = MediaAsset.objects.select_related("collection").filter(key=key).first()
    if (
        asset is None
        or not asset.rendition_set
        or asset.rendition_set.rsplit("/", 1)[-1] != set_id
        or not FILE.match(name)
    ):
        raise Http404
    _allowed(request, asset)
    if name in PLAYLISTS and request.method == "GET":
        for played in hooks.get_hooks("media_asset_played"):
            played(asset, request)
    content_type = CONTENT_TYPES[name.rsplit(".", 1)[-1]]
    response = serve_stored(request, f"{asset.rendition_set}/{name}", content_type)
    if request.GET.get("download") == "1" and name in ("video.mp4", "audio.m4a"):
        response["Content-Disposition"] = f'attachment; filename="{asset.named(Path(name).suffix)}"'
    # Private: a shared proxy must never keep a course's media for someone else.
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


@require_http_methods(["GET", "HEAD"])
def subtitle(request, key, language: str) -> HttpResponseBase:
    found = (
        MediaSubtitle.objects.select_related("asset", "asset__collection")
        .filter(asset__key=key, language=language)
        .first()
    )
    if found is None:
        raise Http404
    _allowed(request, found.asset)
    response = serve_stored(request, str(found.file.name), "text/vtt; charset=utf-8")
    # The address stays when a track is replaced: a phone asks again after a while.
    response["Cache-Control"] = "private, max-age=600"
    return response


def serve_stored(request, stored: str, content_type: str) -> HttpResponseBase:
    """A file of the media storage, by nginx, by this process with Range, or by the
    object store, as the deployment has it. The caller has checked access."""
    storage = media_storage()
    accel = getattr(settings, "MEDIA_ACCEL_REDIRECT", "")
    path = local_path(storage, stored)
    if accel and path:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{accel.rstrip('/')}/{stored}"
        return response
    if path:
        try:
            handle = open(path, "rb")  # noqa: SIM115 - the response closes it
        except (FileNotFoundError, IsADirectoryError):
            raise Http404 from None
        return ranged_response(request, handle, handle.seek(0, 2), content_type)
    return HttpResponseRedirect(storage.url(stored))


@require_http_methods(["GET", "HEAD"])
def source(request, pk: int) -> HttpResponseBase:
    """The original upload, for those who may edit the asset (the library's link)."""
    asset = MediaAsset.objects.filter(pk=pk).first()
    policy = policy_registry.get_by_type(MediaAsset)
    if asset is None or not policy.user_has_permission_for_instance(request.user, "change", asset):
        raise Http404
    response = serve_stored(request, str(asset.file.name), "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{asset.filename}"'
    response["Cache-Control"] = "private, no-cache"
    return response
