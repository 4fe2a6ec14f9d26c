"""The media pipeline with real ffprobe and ffmpeg on generated media: what is refused at
upload, what a run produces, and how runs that die, repeat or are overtaken end."""

import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cms.media import services
from cms.media.probe import media_probe
from cms.media.storage import media_storage, walk
from cms.media.transcode import SEGMENT_SECONDS, segment_durations
from cms.models import MediaAsset
from lms.errors import ServiceError

from .media_files import asset_from, generate


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    return {
        "video": generate(folder / "lesson.mp4", seconds=9, size="1280x720", rate=30),
        "portrait": generate(folder / "phone.mp4", seconds=3, size="360x640"),
        "silent": generate(folder / "silent.mp4", seconds=3, audio=False),
        "audio": generate(folder / "song.mp3", seconds=8, video=False),
    }


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_SCRATCH_DIR = str(tmp_path / "scratch")
    return settings.PRIVATE_ROOT


def _asset(path: Path, kind: str) -> MediaAsset:
    return asset_from(path, kind)


def _files(asset: MediaAsset) -> list[str]:
    return sorted(walk(media_storage(), f"renditions/{asset.key}"))


def _local(asset: MediaAsset, name: str) -> Path:
    return Path(
        media_storage().path(f"{asset.rendition_set}/{asset.renditions['files'][name]['path']}")
    )


def _keyframe_times(playlist: Path) -> list[float]:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v",
            "-skip_frame",
            "nokey",
            "-show_entries",
            "frame=pts_time",
            "-of",
            "csv=p=0",
            str(playlist),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [float(line.split(",")[0]) for line in out.split() if line.strip(",")]


# --- refused at upload ------------------------------------------------------------------


def test_a_text_file_named_like_a_video_is_refused(tmp_path, db):
    fake = tmp_path / "bai-giang.mp4"
    fake.write_text("<html>not a video</html>" * 100)
    with pytest.raises(ServiceError) as refused:
        media_probe(fake, expected="video")
    assert refused.value.code == "not_media"


def test_a_playlist_pointing_at_server_files_is_never_opened(tmp_path, db):
    playlist = tmp_path / "video.mp4"
    playlist.write_text("#EXTM3U\n#EXTINF:10,\n/etc/passwd\n#EXT-X-ENDLIST\n")
    with pytest.raises(ServiceError) as refused:
        media_probe(playlist, expected="video")
    assert refused.value.code == "not_media"


def test_a_corrupt_video_is_refused(clips, tmp_path, db):
    # The container is intact, the picture data is noise: ffprobe is content, ffmpeg not.
    data = bytearray(clips["video"].read_bytes())
    for offset in range(4096, len(data) - 4096, 997):
        data[offset : offset + 64] = bytes(64)
    corrupt = tmp_path / "corrupt.mp4"
    truncated = tmp_path / "truncated.mp4"
    corrupt.write_bytes(bytes(data))
    truncated.write_bytes(clips["video"].read_bytes()[:30_000])
    for path in (corrupt, truncated):
        with pytest.raises(ServiceError) as refused:
            media_probe(path, expected="video")
        assert refused.value.code in {"undecodable", "not_media"}, path


def test_limits_of_length_and_size_and_kind(clips, settings, db):
    settings.MEDIA_MAX_SECONDS = 5
    with pytest.raises(ServiceError) as too_long:
        media_probe(clips["video"], expected="video")
    assert too_long.value.code == "too_long"
    assert "0:09" in too_long.value.message and "tối đa 0:05" in too_long.value.message
    settings.MEDIA_MAX_SECONDS = 3600
    settings.MEDIA_MAX_BYTES = 1000
    with pytest.raises(ServiceError) as too_large:
        media_probe(clips["video"], expected="video")
    assert too_large.value.code == "too_large"
    settings.MEDIA_MAX_BYTES = 10**9
    with pytest.raises(ServiceError) as no_picture:
        media_probe(clips["audio"], expected="video")
    assert no_picture.value.code == "no_video"
    assert media_probe(clips["portrait"], expected="video").width == 360


def test_an_upload_check_reads_small_uploads_held_in_memory(clips, db):
    upload = SimpleUploadedFile("song.mp3", clips["audio"].read_bytes())
    info = services.media_upload_check(upload, expected="audio")
    assert info.has_audio and not info.has_video and 7.5 < info.duration < 8.5
    with pytest.raises(ServiceError):
        services.media_upload_check(
            SimpleUploadedFile("x.mp3", b"ID3" + b"\0" * 500), expected="audio"
        )


# --- a run ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_video_becomes_an_aligned_ladder_an_audio_rendition_a_poster_and_downloads(
    clips, private_root
):
    asset = _asset(clips["video"], "video")
    assert services.media_asset_process(asset_id=asset.pk, version=asset.source_version) == (
        "published"
    )
    asset.refresh_from_db()
    assert asset.status == MediaAsset.Status.READY and asset.progress == 100
    files = asset.renditions["files"]
    assert (files["360p"]["width"], files["360p"]["height"]) == (640, 360)
    assert (files["240p"]["width"], files["240p"]["height"]) == (426, 240)
    master = _local(asset, "master").read_text()
    assert "RESOLUTION=640x360" in master and "RESOLUTION=426x240" in master
    assert "audio/index.m3u8" not in master

    # Every rung cut at the same instants, each segment starting on a keyframe.
    ladders = [segment_durations(_local(asset, rung)) for rung in ("360p", "240p")]
    assert ladders[0] == ladders[1]
    assert all(abs(d - SEGMENT_SECONDS) < 0.01 for d in ladders[0][:-1])
    keyframes = _keyframe_times(_local(asset, "240p"))
    starts = [round(keyframes[0] + i * SEGMENT_SECONDS, 2) for i in range(len(ladders[0]))]
    assert [round(t, 2) for t in keyframes] == starts

    # The rungs are near their targets, the audio-only rendition within 32–48 kbit/s.
    assert 380_000 < files["360p"]["bitrate"] < 600_000
    assert 180_000 < files["240p"]["bitrate"] < 300_000
    assert 32_000 <= files["audio"]["bitrate"] <= 48_000
    audio = media_probe(_local(asset, "audio_download"), expected="audio")
    assert audio.has_audio and not audio.has_video and abs(audio.duration - 9) < 0.3
    download = media_probe(_local(asset, "download"), expected="video")
    assert (download.width, download.height) == (426, 240)
    assert _local(asset, "poster").read_bytes()[:2] == b"\xff\xd8"
    assert all(
        name.startswith(f"renditions/{asset.key}/{asset.rendition_set.split('/')[-1]}/")
        for name in _files(asset)
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_audio_lesson_is_normalised_into_the_audio_rendition(clips, private_root):
    asset = _asset(clips["audio"], "audio")
    services.media_asset_process(asset_id=asset.pk, version=asset.source_version)
    asset.refresh_from_db()
    files = asset.renditions["files"]
    assert set(files) == {"audio", "audio_download", "master"}
    assert "audio/index.m3u8" in _local(asset, "master").read_text()
    loudness = subprocess.run(
        [
            "ffmpeg",
            "-nostats",
            "-i",
            str(_local(asset, "audio_download")),
            "-af",
            "ebur128",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
    ).stderr
    integrated = float(loudness.rsplit("I:", 1)[1].split("LUFS")[0])
    assert -18.5 < integrated < -13.5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_silent_video_has_no_audio_rendition(clips, private_root):
    asset = _asset(clips["silent"], "video")
    services.media_asset_process(asset_id=asset.pk, version=asset.source_version)
    asset.refresh_from_db()
    assert asset.status == MediaAsset.Status.READY and asset.rendition_set
    assert "audio" not in asset.renditions["files"]
    assert 'CODECS="avc1.4d401e"' in _local(asset, "master").read_text()


# --- runs that repeat, die or are overtaken ---------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_run_of_a_published_version_changes_nothing(clips, private_root):
    asset = _asset(clips["portrait"], "video")
    services.media_asset_process(asset_id=asset.pk, version=asset.source_version)
    before = _files(asset)
    assert services.media_asset_process(asset_id=asset.pk, version=asset.source_version) == (
        "skipped"
    )
    assert _files(asset) == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_what_a_dead_run_left_is_gone_once_its_retry_publishes(clips, private_root):
    asset = _asset(clips["portrait"], "video")
    storage = media_storage()
    # A run that died while uploading: a claim, half a folder, scratch files.
    MediaAsset.objects.filter(pk=asset.pk).update(
        status=MediaAsset.Status.PROCESSING, processing_token="dead"
    )
    storage.save(
        f"renditions/{asset.key}/v1-dead/hls/360p/seg_00001.m4s", SimpleUploadedFile("x", b"x")
    )
    scratch = Path(services.settings.MEDIA_SCRATCH_DIR) / "lms-media" / str(asset.key) / "dead"
    scratch.mkdir(parents=True)
    (scratch / "partial.m4s").write_bytes(b"x")

    assert services.media_asset_process(asset_id=asset.pk, version=1) == "published"
    asset.refresh_from_db()
    folders = {name.split("/")[2] for name in _files(asset)}
    assert folders == {asset.rendition_set.split("/")[-1]}
    assert not scratch.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_upload_replaces_the_set_and_an_overtaken_run_leaves_nothing(clips, private_root):
    asset = _asset(clips["portrait"], "video")
    services.media_asset_process(asset_id=asset.pk, version=1)
    asset.refresh_from_db()
    first_set = asset.rendition_set

    # The trainer uploads again: the first set stays served until the second is ready.
    info = media_probe(clips["video"], expected="video")
    asset.file.save(
        "lesson.mp4", SimpleUploadedFile("l.mp4", clips["video"].read_bytes()), save=False
    )
    services.media_asset_source_replaced(asset, info)
    asset.refresh_from_db()
    assert asset.source_version == 2 and asset.rendition_set == first_set
    assert asset.status == MediaAsset.Status.PENDING

    # A run of the first version, delivered late, is refused; the new one publishes.
    assert services.media_asset_process(asset_id=asset.pk, version=1) == "skipped"
    assert services.media_asset_process(asset_id=asset.pk, version=2) == "published"
    asset.refresh_from_db()
    assert asset.rendition_set != first_set and asset.renditions["files"]["360p"]["width"] == 640
    assert {name.split("/")[2] for name in _files(asset)} == {asset.rendition_set.split("/")[-1]}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_source_ffmpeg_cannot_read_through_fails_with_the_reason(clips, private_root, tmp_path):
    asset = _asset(clips["portrait"], "video")
    # Replaced under the pipeline's feet by bytes that are no video at all.
    Path(media_storage().path(asset.file.name)).write_bytes(b"\0" * 5000)
    assert services.media_asset_process(asset_id=asset.pk, version=1) == "failed"
    asset.refresh_from_db()
    assert asset.status == MediaAsset.Status.FAILED and asset.error
    assert not asset.rendition_set and _files(asset) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deleting_an_asset_deletes_every_file_of_it(clips, private_root):
    asset = _asset(clips["portrait"], "video")
    services.media_asset_process(asset_id=asset.pk, version=1)
    key = asset.key
    assert list(walk(media_storage(), f"sources/{key}"))
    asset.delete()
    storage = media_storage()
    assert not list(walk(storage, f"sources/{key}"))
    assert not list(walk(storage, f"renditions/{key}"))
