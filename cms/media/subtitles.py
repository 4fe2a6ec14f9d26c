"""Subtitles of a recording, one WebVTT track per language, uploaded by the trainer.

A track is read with webvtt-py and written back out by it: what is kept is a plain,
well-formed track whatever the upload held (a byte order mark, Windows line ends, stray
header text), and a file that is not WebVTT is refused with the reason.
"""

import io

import webvtt
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from cms.cache import tree_changed
from cms.models import MediaAsset, MediaSubtitle
from lms.errors import ServiceError
from lms.languages import Language

MAX_BYTES = 512 * 1024


def _track(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ServiceError(
            _("Tệp phụ đề quá lớn (tối đa %(k)d KB).") % {"k": MAX_BYTES // 1024}, code="too_large"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(_("Tệp phụ đề phải là văn bản UTF-8."), code="encoding") from None
    if "\x00" in text:
        raise ServiceError(_("Tệp phụ đề chứa ký tự không hợp lệ."), code="invalid")
    try:
        track = webvtt.from_buffer(io.StringIO(text.replace("\r\n", "\n")))
    except Exception as exc:  # noqa: BLE001 - the parser's errors vary by what is wrong
        raise ServiceError(
            _("Đây không phải tệp phụ đề WebVTT (.vtt): %(e)s") % {"e": str(exc)[:120]},
            code="not_vtt",
        ) from None
    if not track.captions:
        raise ServiceError(_("Tệp phụ đề không có dòng nào."), code="empty")
    for caption in track.captions:
        if caption.end_in_seconds <= caption.start_in_seconds:
            raise ServiceError(
                _("Dòng phụ đề lúc %(t)s kết thúc trước khi bắt đầu.") % {"t": caption.start},
                code="invalid",
            )
    return track.content


def media_subtitle_save(
    *, asset: MediaAsset, language: str, label: str, data: bytes
) -> MediaSubtitle:
    """Add the asset's track in ``language``, replacing the one it had."""
    if language not in Language.values:
        raise ServiceError(_("Ngôn ngữ không hợp lệ."), code="language")
    content = _track(data)
    label = (label or "").strip()[:60] or str(Language(language).label)
    with transaction.atomic():
        old = MediaSubtitle.objects.filter(asset=asset, language=language).first()
        subtitle = MediaSubtitle(asset=asset, language=language, label=label)
        if old is not None:
            old_name, old_storage = str(old.file.name), old.file.storage
            old.delete()
            transaction.on_commit(lambda: old_storage.delete(old_name))
        subtitle.file.save(f"{language}.vtt", ContentFile(content.encode()), save=False)
        subtitle.save()
        # Lesson bodies (cached with the tree) list the tracks.
        transaction.on_commit(tree_changed)
    return subtitle


def media_subtitle_delete(*, subtitle: MediaSubtitle) -> None:
    name, storage = str(subtitle.file.name), subtitle.file.storage
    subtitle.delete()
    transaction.on_commit(lambda: storage.delete(name))
    transaction.on_commit(tree_changed)
