"""A media run killed with its worker (SIGKILL, as the kernel's OOM killer would) is
handed out again and produces exactly one complete set of renditions."""

import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import Collection

from cms.media.probe import media_probe
from cms.media.services import media_asset_source_replaced
from cms.media.storage import media_storage, walk
from cms.models import MediaAsset
from cms.tests.media_files import generate

from .conftest import start_celery_worker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _wait_for(predicate, timeout: float, what: str, worker):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}:\n{worker.log()}")


def test_a_run_killed_mid_way_is_retried_into_one_complete_set(settings, celery_queue, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    scratch = tmp_path / "scratch"
    clip = generate(tmp_path / "long.mp4", seconds=40, size="1280x720", rate=30)
    root = Collection.get_first_root_node() or Collection.add_root(name="Root")
    asset = MediaAsset(title="Bài dài", type="video", collection=root)
    asset.file.save("long.mp4", SimpleUploadedFile("long.mp4", clip.read_bytes()), save=False)
    media_asset_source_replaced(asset, media_probe(clip, expected="video"))  # enqueued

    # The worker hands a dead worker's task out again after 2 s.
    quick_redelivery = {
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "CELERY_RESTORE_INTERVAL": "1",
        "MEDIA_SCRATCH_DIR": str(scratch),
    }
    first = start_celery_worker(settings, "media-crash", **quick_redelivery)
    try:
        _wait_for(
            lambda: MediaAsset.objects.filter(
                pk=asset.pk, status=MediaAsset.Status.PROCESSING, progress__gte=15
            ).exists(),
            120,
            "the first run to get under way",
            first,
        )
    finally:
        first.kill()
    asset.refresh_from_db()
    assert asset.status == MediaAsset.Status.PROCESSING and not asset.rendition_set
    dead_token = asset.processing_token

    second = start_celery_worker(settings, "media-retry", **quick_redelivery)
    try:
        _wait_for(
            lambda: (
                MediaAsset.objects.filter(pk=asset.pk, status=MediaAsset.Status.READY).exists()
                or MediaAsset.objects.filter(pk=asset.pk, status=MediaAsset.Status.FAILED).exists()
            ),
            180,
            "the retry to publish",
            second,
        )
    finally:
        second.stop()
    asset.refresh_from_db()
    assert asset.status == MediaAsset.Status.READY, second.log()
    assert asset.processing_token == "" and dead_token not in asset.rendition_set

    storage = media_storage()
    names = sorted(walk(storage, f"renditions/{asset.key}"))
    assert {name.split("/")[2] for name in names} == {asset.rendition_set.split("/")[-1]}
    # Complete: every segment each playlist names is there, and nothing else is.
    expected = {f"{asset.rendition_set}/{f['path']}" for f in asset.renditions["files"].values()}
    for rung in ("360p", "240p", "audio"):
        playlist = Path(storage.path(f"{asset.rendition_set}/hls/{rung}/index.m3u8"))
        listed = [line for line in playlist.read_text().splitlines() if line.endswith(".m4s")]
        assert len(listed) >= 10  # 40 s in 4 s segments (audio may end in a sliver)
        expected |= {f"{asset.rendition_set}/hls/{rung}/{name}" for name in listed}
        expected.add(f"{asset.rendition_set}/hls/{rung}/init.mp4")
    assert set(names) == expected
    assert not any(scratch.rglob("*.m4s"))
