"""Spoken answers: a recording received in chunks over a weak link, checked, and saved as
the learner's answer.

The upload is resumable: the server's ``received_bytes`` is the truth, a chunk sent
again after a lost reply is a no-op, and a client that lost track asks for the offset
and goes on from there. The file is private (under ``PRIVATE_ROOT``), grows as
``<id>.part`` and gets its final name only once ffprobe has found Opus or Vorbis audio
in WebM or Ogg within the allowed length; anything refused is deleted, row and file.
"""

import os
import re
import shutil
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Attempt, Question, QuestionType, Recording
from lms.errors import Conflict, NotAvailable, ServiceError
from lms.files import write_at

from ..attempts import _expired, _locked_attempt, _response_upsert, attempt_close_if_expired
from .probe import CONTAINERS, Probed, _seekable, max_bytes, max_seconds, recording_probe
from .storage import (
    _discard,
    _files_of,
    _part_path,
    _unlink,
    logger,
    recording_file,
    recordings_root,
)

__all__ = [
    "MAX_CHUNK_BYTES",
    "OffsetMismatch",
    "max_bytes",
    "max_seconds",
    "recording_append",
    "recording_begin",
    "recording_file",
    "recording_finish",
    "recording_status",
    "recordings_discard_stale",
]

# One request's worth: small enough that a dropped 3G link loses little, large enough
# that a two-minute answer is a handful of requests.
MAX_CHUNK_BYTES = 1024 * 1024

# An upload nobody finished within this time is abandoned.
STALE_AFTER = timedelta(days=1)

CONTENT_TYPE = re.compile(r"^audio/(webm|ogg)\s*(;\s*codecs\s*=\s*\"?opus\"?\s*)?$", re.IGNORECASE)


class OffsetMismatch(Conflict):
    """The chunk is not where the upload stands; ``offset`` says where to go on from."""

    def __init__(self, message: str, *, offset: int):
        super().__init__(message, code="offset")
        self.offset = offset


def _check_content_type(content_type: str) -> str:
    cleaned = (content_type or "").strip()
    if not CONTENT_TYPE.match(cleaned):
        raise ServiceError(
            _("Chỉ nhận bản ghi âm Opus dạng WebM hoặc Ogg, không nhận “%(t)s”.")
            % {"t": cleaned[:60]},
            code="not_audio",
        )
    return cleaned.lower().replace(" ", "")


def _check_size(size) -> int:
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ServiceError(_("Kích thước bản ghi âm không hợp lệ."), code="size")
    limit = max_bytes()
    if size > limit:
        raise ServiceError(
            _("Bản ghi âm quá lớn (%(s)s KB); tối đa %(m)s KB.")
            % {"s": (size + 1023) // 1024, "m": limit // 1024},
            code="too_large",
        )
    return size


def _time_up(learner, attempt: Attempt, now: datetime) -> Conflict:
    # The attempt is closed and graded with what was saved in time, as an autosave that
    # came too late would do.
    attempt_close_if_expired(learner=learner, quiz=attempt.quiz, now=now)
    return Conflict(_("Đã hết giờ làm bài; bài đã được nộp."), code="time_up")


def _closed() -> Conflict:
    return Conflict(_("Bài làm đã nộp; không thể ghi âm thêm."), code="closed")


def recording_begin(
    *,
    learner,
    attempt_id,
    question_id: int,
    content_type: str,
    size: int,
    now: datetime | None = None,
) -> Recording:
    """Open an upload of ``size`` bytes for a spoken question of the learner's open
    attempt. A new recording replaces one the learner started for it and left unfinished."""
    now = now or timezone.now()
    content_type = _check_content_type(content_type)
    size = _check_size(size)
    time_up = False
    with transaction.atomic():
        attempt = _locked_attempt(learner, attempt_id)
        if not attempt.is_open:
            raise _closed()
        if _expired(attempt, now):
            time_up = True
        else:
            in_layout = any(entry["q"] == question_id for entry in attempt.layout)
            spoken = Question.objects.filter(pk=question_id, qtype=QuestionType.SPOKEN).exists()
            if not (in_layout and spoken):
                raise ServiceError(
                    _("Câu hỏi này không nhận câu trả lời bằng giọng nói."), code="question"
                )
            for unfinished in Recording.objects.filter(
                attempt=attempt, question_id=question_id, complete=False
            ):
                _discard(unfinished)
            recording = Recording.objects.create(
                attempt=attempt,
                question_id=question_id,
                content_type=content_type,
                expected_bytes=size,
                created_at=now,
            )
    if time_up:
        raise _time_up(learner, attempt, now)
    return recording


def _own_recording(learner, recording_id, *, lock: bool = False) -> Recording:
    found = Recording.objects.select_related("attempt", "attempt__quiz")
    if lock:
        found = found.select_for_update(of=("self",))
    recording = found.filter(pk=recording_id, attempt__learner=learner).first()
    if recording is None:
        raise NotAvailable(_("Không tìm thấy bản ghi âm."))
    return recording


def recording_status(*, learner, recording_id) -> Recording:
    """Where the learner's upload stands (its ``received_bytes`` is the offset to send)."""
    return _own_recording(learner, recording_id)


def recording_append(
    *, learner, recording_id, offset: int, chunk: bytes, now: datetime | None = None
) -> Recording:
    """Append ``chunk`` at ``offset``, which must be where the upload stands.

    A chunk at an offset already received (sent again after a lost reply) changes
    nothing and answers the current offset; a gap is refused with it, so that the
    client goes on from there. More bytes than announced discard the upload.
    """
    now = now or timezone.now()
    if not isinstance(offset, int) or offset < 0:
        raise ServiceError(_("Vị trí gửi không hợp lệ."), code="offset")
    overflow = time_up = False
    with transaction.atomic():
        # The row's lock puts two requests for the same upload (a retry racing the
        # original) one after the other.
        recording = _own_recording(learner, recording_id, lock=True)
        attempt = recording.attempt
        if recording.complete or offset < recording.received_bytes:
            return recording
        if not attempt.is_open:
            raise _closed()
        if _expired(attempt, now):
            time_up = True
        elif offset > recording.received_bytes:
            raise OffsetMismatch(
                _("Thiếu một phần bản ghi âm; gửi tiếp từ byte %(n)d.")
                % {"n": recording.received_bytes},
                offset=recording.received_bytes,
            )
        elif not chunk:
            raise ServiceError(_("Phần gửi lên không có dữ liệu."), code="empty")
        elif len(chunk) > MAX_CHUNK_BYTES or offset + len(chunk) > recording.expected_bytes:
            overflow = True
            _discard(recording)
        else:
            write_at(_part_path(recording), offset, chunk)
            recording.received_bytes = offset + len(chunk)
            recording.save(update_fields=["received_bytes"])
    if time_up:
        raise _time_up(learner, attempt, now)
    if overflow:
        raise ServiceError(
            _("Bản ghi âm lớn hơn kích thước đã báo; hãy ghi âm lại."), code="too_large"
        )
    return recording


def recording_finish(*, learner, recording_id, now: datetime | None = None) -> Recording:
    """Check a fully received recording and make it the learner's answer.

    Not audio, or too long: refused, and its row and file are gone. Finishing again
    answers the same.
    """
    now = now or timezone.now()
    recording = _own_recording(learner, recording_id)
    if recording.complete:
        return recording
    if recording.received_bytes < recording.expected_bytes:
        raise OffsetMismatch(
            _("Bản ghi âm chưa gửi xong; gửi tiếp từ byte %(n)d.")
            % {"n": recording.received_bytes},
            offset=recording.received_bytes,
        )
    part = _part_path(recording)
    refusal: ServiceError | None = None
    probed: Probed | None = None
    if part.is_file():
        source = part
        if part.stat().st_size != recording.expected_bytes:
            refusal = ServiceError(_("Tệp bản ghi âm bị hỏng; hãy ghi âm lại."), code="missing")
    else:
        # A finish that got as far as renaming the file, in a transaction that then
        # failed: the file was checked then, and is checked again.
        renamed = [part.with_name(f"{recording.pk}.{e}") for e, _t in CONTAINERS.values()]
        source = next((path for path in renamed if path.is_file()), part)
        if not source.is_file():
            refusal = ServiceError(_("Tệp bản ghi âm bị hỏng; hãy ghi âm lại."), code="missing")
    if refusal is None:
        # Outside any lock: reading the file takes a moment and nothing appends to an
        # upload whose bytes are all in.
        try:
            probed = recording_probe(source)
        except ServiceError as error:
            refusal = error
    if refusal is not None or probed is None:
        with transaction.atomic():
            locked = Recording.objects.select_for_update().filter(pk=recording.pk).first()
            if locked is not None and not locked.complete:
                _discard(locked)
        raise refusal or ServiceError(_("Không đọc được bản ghi âm."), code="not_audio")

    prepared = _seekable(source, probed.container)
    time_up = False
    superseded: list[Path] = []
    try:
        with transaction.atomic():
            attempt = _locked_attempt(learner, recording.attempt_id)
            locked = Recording.objects.select_for_update().filter(pk=recording.pk).first()
            if locked is None:
                raise NotAvailable(_("Không tìm thấy bản ghi âm."))
            if locked.complete:
                return locked
            recording = locked
            if not attempt.is_open:
                raise _closed()
            if _expired(attempt, now):
                time_up = True
            else:
                extension, content_type = CONTAINERS[probed.container]
                final = part.with_name(f"{recording.pk}.{extension}")
                # The checked file appears under its final name whole, or not at all.
                os.replace(prepared or source, final)
                if source != final:
                    source.unlink(missing_ok=True)
                recording.path = str(final.relative_to(settings.PRIVATE_ROOT))
                recording.content_type = content_type
                recording.duration_seconds = probed.duration
                recording.complete = True
                recording.save(
                    update_fields=["path", "content_type", "duration_seconds", "complete"]
                )
                _response_upsert(
                    attempt, recording.question_id, {"recording": str(recording.pk)}, now
                )
                # The answer names this recording now; the one it named before is not kept.
                for old in Recording.objects.filter(
                    attempt=attempt, question_id=recording.question_id, complete=True
                ).exclude(pk=recording.pk):
                    superseded += _files_of(old)
                    old.delete()
    finally:
        if prepared is not None:
            prepared.unlink(missing_ok=True)  # still there only if it was not used
    if time_up:
        raise _time_up(learner, attempt, now)
    if superseded:
        transaction.on_commit(lambda: _unlink(superseded), robust=True)
    return recording


def recordings_discard_stale(*, now: datetime | None = None) -> int:
    """Delete uploads left unfinished for a day, and any recording file whose row is
    gone (its attempt deleted, say); how many recordings and files went."""
    now = now or timezone.now()
    cutoff = now - STALE_AFTER
    count = 0
    for pk in Recording.objects.filter(complete=False, created_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            stale = (
                Recording.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, complete=False)
                .first()
            )
            if stale is not None:
                _discard(stale)
                count += 1
    root = recordings_root()
    if not root.is_dir():
        return count
    for folder in root.iterdir():
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            try:
                recording_id = uuid.UUID(path.name.split(".", 1)[0])
            except ValueError:
                recording_id = None
            if recording_id is not None and Recording.objects.filter(pk=recording_id).exists():
                continue
            try:
                if path.stat().st_mtime >= cutoff.timestamp():
                    continue  # a row may be on its way in a transaction not yet committed
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()
                count += 1
            except OSError:
                logger.warning("could not delete %s", path, exc_info=True)
        try:
            folder.rmdir()
        except OSError:
            pass
    return count
