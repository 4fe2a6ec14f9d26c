"""Large uploads to the media library, in pieces, resumable (the trainer's link drops,
the upload goes on from where the server says it stands).

The protocol is the recordings' own (assessments): open an upload of a declared size,
send pieces at the offset the server holds (a piece sent again after a lost reply
changes nothing; a gap is answered with the offset to go on from), then hand the
upload's id to the library's form in place of the file. The pieces grow a file under
PRIVATE_ROOT/media-uploads; the form probes it like any upload, and it is removed once
the form has kept it, or after a day if nobody does.
"""

import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import MediaUpload
from lms.errors import Conflict, NotAvailable, ServiceError
from lms.files import write_at

from .probe import media_check_size

# Under the admin's request-body limit (nginx: 4 MB on /admin/).
CHUNK_BYTES = 2 * 1024 * 1024
STALE_AFTER = timedelta(days=1)
# Unfinished uploads a person may hold at once: each may grow to MEDIA_MAX_BYTES.
MAX_OPEN_PER_PERSON = 5


class OffsetMismatch(Conflict):
    def __init__(self, message: str, *, offset: int):
        super().__init__(message, code="offset")
        self.offset = offset


def _root() -> Path:
    return Path(settings.PRIVATE_ROOT) / "media-uploads"


def upload_path(upload: MediaUpload) -> Path:
    return _root() / f"{upload.pk}.part"


def _extension_allowed(filename: str) -> bool:
    extension = Path(filename).suffix.lower().lstrip(".")
    allowed = [
        *settings.WAGTAILMEDIA["AUDIO_EXTENSIONS"],
        *settings.WAGTAILMEDIA["VIDEO_EXTENSIONS"],
    ]
    return extension in allowed


def media_upload_begin(*, owner, filename: str, size) -> MediaUpload:
    if not isinstance(size, int) or isinstance(size, bool):
        raise ServiceError(_("Kích thước tệp không hợp lệ."), code="size")
    media_check_size(size)
    filename = Path(str(filename or "")).name[:255]
    if not _extension_allowed(filename):
        raise ServiceError(
            _("Không nhận loại tệp này (“%(n)s”); hãy tải lên video hoặc âm thanh.")
            % {"n": filename[:60]},
            code="not_media",
        )
    open_uploads = MediaUpload.objects.filter(
        owner=owner, created_at__gte=timezone.now() - STALE_AFTER
    ).count()
    if open_uploads >= MAX_OPEN_PER_PERSON:
        raise ServiceError(
            _("Bạn đang có %(n)d lượt tải lên chưa xong; hãy hoàn tất chúng trước.")
            % {"n": open_uploads},
            code="too_many",
        )
    return MediaUpload.objects.create(owner=owner, filename=filename, expected_bytes=size)


def _own(owner, upload_id, *, lock: bool = False) -> MediaUpload:
    found = MediaUpload.objects.all()
    if lock:
        found = found.select_for_update()
    try:
        upload = found.filter(pk=uuid.UUID(str(upload_id)), owner=owner).first()
    except ValueError:
        upload = None
    if upload is None:
        raise NotAvailable(_("Không tìm thấy lượt tải lên này."))
    return upload


def media_upload_status(*, owner, upload_id) -> MediaUpload:
    return _own(owner, upload_id)


def media_upload_append(*, owner, upload_id, offset: int, chunk: bytes) -> MediaUpload:
    """Write ``chunk`` at ``offset``, which must be where the upload stands."""
    if not isinstance(offset, int) or offset < 0:
        raise ServiceError(_("Vị trí gửi không hợp lệ."), code="offset")
    with transaction.atomic():
        # The row's lock puts a retry racing its original after it.
        upload = _own(owner, upload_id, lock=True)
        if offset < upload.received_bytes or upload.complete:
            return upload  # sent again after a lost reply: already here
        if offset > upload.received_bytes:
            raise OffsetMismatch(
                _("Thiếu một phần tệp; gửi tiếp từ byte %(n)d.") % {"n": upload.received_bytes},
                offset=upload.received_bytes,
            )
        if not chunk:
            raise ServiceError(_("Phần gửi lên không có dữ liệu."), code="empty")
        overflow = len(chunk) > CHUNK_BYTES or offset + len(chunk) > upload.expected_bytes
        if not overflow:
            write_at(upload_path(upload), offset, chunk)
            upload.received_bytes = offset + len(chunk)
            upload.save(update_fields=["received_bytes"])
    if overflow:
        # More than was announced: nothing of it is worth keeping.
        _discard(upload)
        raise ServiceError(_("Tệp lớn hơn kích thước đã báo; hãy tải lên lại."), code="too_large")
    return upload


def media_upload_complete_file(*, owner, upload_id) -> tuple[MediaUpload, Path]:
    """The received file of a finished upload (for the form to probe and keep)."""
    upload = _own(owner, upload_id)
    path = upload_path(upload)
    if not upload.complete or not path.is_file() or path.stat().st_size != upload.expected_bytes:
        raise OffsetMismatch(
            _("Tệp chưa tải lên xong; gửi tiếp từ byte %(n)d.") % {"n": upload.received_bytes},
            offset=upload.received_bytes,
        )
    return upload, path


def media_upload_discard(upload: MediaUpload) -> None:
    _discard(upload)


def _discard(upload: MediaUpload) -> None:
    path = upload_path(upload)
    upload.delete()
    path.unlink(missing_ok=True)


def media_uploads_discard_stale(*, now=None) -> int:
    """Uploads nobody finished within a day, and their files."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    stale = list(MediaUpload.objects.filter(created_at__lt=cutoff))
    for upload in stale:
        _discard(upload)
    return len(stale)
