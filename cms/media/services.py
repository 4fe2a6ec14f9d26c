"""Media assets' writes: a source accepted (or refused) at upload, processed into
renditions by a background task, published atomically, and deleted with its files.

A processing run claims the asset's current ``source_version`` with a token of its own
and writes into a folder no other run uses. Only the run holding the claim when it
finishes may publish, by one conditional UPDATE that points the asset at its folder;
every other folder of the asset is then removed. So a run killed half-way (a worker
that died) leaves nothing learners see, its retry produces exactly one set, and a new
upload made meanwhile makes the older run's result vanish instead of replacing it.
"""

import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.cache import tree_changed
from cms.models import MediaAsset
from lms.errors import ServiceError

from .probe import MediaInfo, media_check_size, media_probe
from .progress import progress_announce
from .storage import delete_folder, local_copy, media_storage, subfolders, upload_folder
from .transcode import TranscodeError, transcode

# How often a run writes its progress (the admin's bar moves, the database is spared).
PROGRESS_EVERY_SECONDS = 1.0


def media_upload_check(upload: UploadedFile, *, expected: str | None) -> MediaInfo:
    """Probe an upload before anything of it is stored; ServiceError says why not."""
    media_check_size(upload.size or 0)
    temporary = getattr(upload, "temporary_file_path", None)
    if temporary:
        return media_probe(Path(temporary()), expected=expected)
    with tempfile.NamedTemporaryFile(prefix="media-upload-") as copy:
        upload.seek(0)
        shutil.copyfileobj(upload, copy, 1024 * 1024)
        copy.flush()
        upload.seek(0)
        return media_probe(Path(copy.name), expected=expected)


def media_asset_source_replaced(asset: MediaAsset, info: MediaInfo) -> None:
    """A new source was saved with ``asset``: process it after the commit. The current
    renditions (if any) stay served until the new ones are ready."""
    asset.duration = info.duration
    asset.width, asset.height = info.width, info.height
    asset.status = MediaAsset.Status.PENDING
    asset.progress = 0
    asset.error = ""
    asset.processing_token = ""
    asset.source_version += 1
    asset.updated_at = timezone.now()
    asset.save()
    asset_id, version = asset.pk, asset.source_version
    transaction.on_commit(lambda: _enqueue(asset_id, version))


def media_asset_create(
    *, title: str, source: Path, filename: str, collection, user=None, kind: str | None = None
) -> MediaAsset:
    """A new asset from the file at ``source`` (probed first: ServiceError if refused),
    processed after the commit."""
    info = media_probe(source, expected=kind)
    asset = MediaAsset(
        title=title[:255], type=kind or info.kind, collection=collection, uploaded_by_user=user
    )
    with source.open("rb") as handle:
        asset.file.save(filename, File(handle), save=False)
    media_asset_source_replaced(asset, info)
    return asset


def _enqueue(asset_id: int, version: int) -> None:
    from cms.tasks import media_asset_process_task

    media_asset_process_task.delay(asset_id, version)


def _scratch(asset: MediaAsset, token: str) -> Path:
    """A folder of this run's own on the worker's disk. Runs of the asset that were
    killed left theirs beside it: removed now (an ffmpeg they left behind then fails)."""
    root = Path(getattr(settings, "MEDIA_SCRATCH_DIR", "") or tempfile.gettempdir())
    asset_root = root / "lms-media" / str(asset.key)
    shutil.rmtree(asset_root, ignore_errors=True)
    folder = asset_root / token
    folder.mkdir(parents=True)
    return folder


def _rendition_root(asset: MediaAsset) -> str:
    return f"renditions/{asset.key}"


def media_asset_process(*, asset_id: int, version: int) -> str:
    """Make the renditions of ``version`` of the asset's source and publish them.

    Safe to run twice: a version already published, superseded by a newer upload, or
    an asset deleted is left alone. Returns what happened.
    """
    token = uuid.uuid4().hex
    claimed = (
        MediaAsset.objects.filter(pk=asset_id, source_version=version)
        .exclude(status=MediaAsset.Status.READY)
        .update(
            status=MediaAsset.Status.PROCESSING,
            processing_token=token,
            progress=0,
            error="",
            updated_at=timezone.now(),
        )
    )
    if not claimed:
        return "skipped"
    asset = MediaAsset.objects.get(pk=asset_id)
    storage = media_storage()
    folder = f"{_rendition_root(asset)}/v{version}-{token[:12]}"
    if not asset.file or not storage.exists(asset.file.name):
        _fail(asset, token, _("Không tìm thấy tệp gốc; hãy tải lên lại."))
        return "failed"
    scratch = _scratch(asset, token)
    try:
        with local_copy(storage, asset.file.name) as source:
            info = media_probe(source, expected=asset.type)
            description = transcode(source, info, scratch, _reporter(asset, token))
        upload_folder(storage, scratch, folder)
    except (ServiceError, TranscodeError) as exc:
        # The source itself is at fault: retrying would fail the same way.
        delete_folder(storage, folder)
        _fail(asset, token, str(exc))
        return "failed"
    except BaseException:
        # Anything else (a full disk, the storage away): the task is retried.
        delete_folder(storage, folder)
        raise
    finally:
        shutil.rmtree(scratch.parent, ignore_errors=True)

    published = MediaAsset.objects.filter(
        pk=asset_id, source_version=version, processing_token=token
    ).update(
        status=MediaAsset.Status.READY,
        rendition_set=folder,
        renditions=description,
        progress=100,
        duration=info.duration,
        width=info.width,
        height=info.height,
        processed_at=timezone.now(),
        updated_at=timezone.now(),
        processing_token="",
    )
    if not published:
        delete_folder(storage, folder)
        return "superseded"
    # The folders of earlier sets and of runs that died are of no use to anyone now.
    for name in subfolders(storage, _rendition_root(asset)):
        if f"{_rendition_root(asset)}/{name}" != folder:
            delete_folder(storage, f"{_rendition_root(asset)}/{name}")
    # Lesson bodies are cached with the page tree; theirs now name the new set.
    tree_changed()
    progress_announce(asset_id, status=MediaAsset.Status.READY, progress=100)
    return "published"


def _fail(asset: MediaAsset, token: str, message: str) -> None:
    MediaAsset.objects.filter(pk=asset.pk, processing_token=token).update(
        status=MediaAsset.Status.FAILED,
        error=message[:1000],
        processing_token="",
        updated_at=timezone.now(),
    )
    progress_announce(asset.pk, status=MediaAsset.Status.FAILED, progress=0, error=message)


def media_asset_give_up(*, asset_id: int, version: int, message: str) -> None:
    """The task ran out of retries: say so on the asset, unless a newer upload came."""
    MediaAsset.objects.filter(pk=asset_id, source_version=version).exclude(
        status=MediaAsset.Status.READY
    ).update(
        status=MediaAsset.Status.FAILED,
        error=message[:1000],
        processing_token="",
        updated_at=timezone.now(),
    )
    progress_announce(asset_id, status=MediaAsset.Status.FAILED, progress=0, error=message)


def _reporter(asset: MediaAsset, token: str) -> Callable[[float], None]:
    last = {"at": 0.0, "percent": -1}

    def report(fraction: float) -> None:
        percent = int(fraction * 100)
        now = time.monotonic()
        if percent == last["percent"] or now - last["at"] < PROGRESS_EVERY_SECONDS:
            return
        last.update(at=now, percent=percent)
        MediaAsset.objects.filter(pk=asset.pk, processing_token=token).update(
            progress=percent, updated_at=timezone.now()
        )
        progress_announce(asset.pk, status=MediaAsset.Status.PROCESSING, progress=percent)

    return report


def media_asset_files_delete(*, key: uuid.UUID) -> None:
    """Every file of a deleted asset: sources, renditions, subtitles."""
    storage = media_storage()
    for prefix in (f"sources/{key}", f"renditions/{key}", f"subtitles/{key}"):
        delete_folder(storage, prefix)


STALLED_AFTER_SECONDS = 15 * 60


def media_assets_resume(*, now=None) -> int:
    """Hand to a worker again the assets whose processing never started (a task message
    lost with a broker, assets made by a migration) or stopped reporting (a run that
    died where its message is not handed out again, as on the embedded broker)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=STALLED_AFTER_SECONDS)
    stalled = MediaAsset.objects.filter(
        status__in=[MediaAsset.Status.PENDING, MediaAsset.Status.PROCESSING],
        updated_at__lt=cutoff,
    ).values_list("pk", "source_version")
    count = 0
    for asset_id, version in stalled:
        # A fresh claim by the run this starts supersedes the stalled one's.
        MediaAsset.objects.filter(pk=asset_id, source_version=version).update(
            status=MediaAsset.Status.PENDING, processing_token="", updated_at=now
        )
        _enqueue(asset_id, version)
        count += 1
    return count
