"""The media library in the admin, as trainers meet it: uploads are probed before
anything is kept, a trainer sees and touches only their own courses' recordings, and
the original is theirs to download, nobody else's."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from cms.media.storage import media_storage, walk
from cms.models import MediaAsset, MediaUpload
from cms.tests.media_files import asset_from, generate
from courses.models import CourseWorkspace

from .factories import build_course

User = get_user_model()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("clip") / "bai.mp4", seconds=2, size="320x180")


@pytest.fixture
def courses(db, settings, tmp_path, trainer, make_trainer):
    settings.PRIVATE_ROOT = tmp_path / "private"
    mine = build_course(trainer=trainer)
    other = build_course(trainer=make_trainer("khach"), title="An toàn thông tin", slug="an-toan")
    return (
        CourseWorkspace.objects.get(course=mine.course).collection,
        CourseWorkspace.objects.get(course=other.course).collection,
    )


def _upload(client, collection, name, data, kind="video"):
    return client.post(
        f"/admin/media/{kind}/add/",
        {"title": "Bài giảng", "collection": collection.pk, "file": SimpleUploadedFile(name, data)},
    )


def test_an_upload_that_is_no_media_is_refused_and_leaves_nothing(client, trainer, courses):
    mine, _ = courses
    client.force_login(trainer)
    for name, data in (
        ("bai.mp4", b"<html>not a video</html>" * 50),
        ("bai.mp4", b"#EXTM3U\n#EXTINF:10,\n/etc/passwd\n"),
        ("bai.mp4", b""),
    ):
        response = _upload(client, mine, name, data)
        assert response.status_code == 200, "the form comes back with the reason"
        assert "không phải video hay âm thanh" in response.content.decode() or (
            "rỗng" in response.content.decode() or "empty" in response.content.decode()
        )
    assert not MediaAsset.objects.exists()
    assert not list(walk(media_storage(), "sources"))


def test_a_video_upload_is_kept_and_waits_for_processing(client, trainer, courses, clip):
    mine, _ = courses
    client.force_login(trainer)
    response = _upload(client, mine, "bai giang (1).MP4", clip.read_bytes())
    assert response.status_code == 302
    asset = MediaAsset.objects.get()
    assert asset.status == MediaAsset.Status.PENDING and asset.source_version == 1
    assert asset.collection == mine and asset.uploaded_by_user == trainer
    assert asset.file.name.startswith(f"sources/{asset.key}/") and asset.file.name.endswith(".mp4")
    assert 1.5 < asset.duration < 2.5 and (asset.width, asset.height) == (320, 180)


def test_audio_sent_as_video_is_told_to_go_as_audio(client, trainer, courses, tmp_path):
    mine, _ = courses
    client.force_login(trainer)
    song = generate(tmp_path / "bai.mp3", seconds=2, video=False)
    response = _upload(client, mine, "bai.mp4", song.read_bytes())
    assert "chỉ có tiếng" in response.content.decode()
    assert _upload(client, mine, "bai.mp3", song.read_bytes(), kind="audio").status_code == 302


def test_a_trainer_sees_and_touches_only_their_courses_recordings(client, trainer, courses, clip):
    mine, theirs = courses
    kept = asset_from(clip, "video", mine)
    foreign = asset_from(clip, "video", theirs)
    client.force_login(trainer)
    listing = client.get("/admin/media/").content.decode()
    assert f"/admin/media/edit/{kept.pk}/" in listing
    assert f"/admin/media/edit/{foreign.pk}/" not in listing
    assert "bai.mp4" in listing and kept.file.name.rsplit("/", 1)[-1] not in listing
    assert client.get(f"/admin/media/edit/{foreign.pk}/").status_code in (302, 403)
    assert client.post(f"/admin/media/delete/{foreign.pk}/").status_code in (302, 403)
    assert MediaAsset.objects.filter(pk=foreign.pk).exists()
    chooser = client.get("/admin/media/chooser/video/").content.decode()
    assert f"/admin/media/chooser/{kept.pk}/" in chooser
    assert f"/admin/media/chooser/{foreign.pk}/" not in chooser
    assert client.get(f"/admin/media/chooser/{foreign.pk}/").status_code in (302, 403)
    # Naming another course's collection does not put anything there.
    _upload(client, theirs, "bai.mp4", clip.read_bytes())
    assert MediaAsset.objects.filter(collection=theirs).count() == 1
    assert MediaAsset.objects.filter(collection=mine).count() == 2
    assert client.get(kept.url).status_code == 200
    assert client.get(foreign.url).status_code == 404


def test_the_edit_screen_shows_the_processing(client, trainer, courses, clip):
    mine, _ = courses
    asset = asset_from(clip, "video", mine, process=True)
    client.force_login(trainer)
    page = client.get(f"/admin/media/edit/{asset.pk}/").content.decode()
    assert "Sẵn sàng" in page and "data-media-progress" in page and "media-admin.js" in page
    assert "kbit/s" in page


def _begin(client, name, size):
    return client.post(
        "/admin/media-uploads/", {"name": name, "size": size}, content_type="application/json"
    )


def _piece(client, upload_id, offset, data):
    return client.put(
        f"/admin/media-uploads/{upload_id}/",
        data,
        content_type="application/octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset),
    )


def test_a_large_file_comes_in_pieces_over_a_link_that_drops(
    client, trainer, courses, clip, settings
):
    mine, _ = courses
    data = clip.read_bytes()
    client.force_login(trainer)
    made = _begin(client, "bai giang.mp4", len(data))
    assert made.status_code == 201
    upload_id, half = made.json()["id"], len(data) // 2
    assert _piece(client, upload_id, 0, data[:half]).json()["offset"] == half
    # The reply was lost: the same piece again changes nothing.
    assert _piece(client, upload_id, 0, data[:half]).json()["offset"] == half
    gap = _piece(client, upload_id, half + 10, data[half + 10 :])
    assert gap.status_code == 409 and gap.json()["offset"] == half
    assert client.get(f"/admin/media-uploads/{upload_id}/").json()["offset"] == half
    assert _piece(client, upload_id, half, data[half:]).json()["offset"] == len(data)

    response = client.post(
        "/admin/media/video/add/",
        {"title": "Bài giảng dài", "collection": mine.pk, "resumable_upload": upload_id},
    )
    assert response.status_code == 302
    asset = MediaAsset.objects.get()
    assert asset.file.name.endswith(".mp4") and asset.status == MediaAsset.Status.PENDING
    with media_storage().open(asset.file.name) as kept:
        assert kept.read() == data
    part = settings.PRIVATE_ROOT / "media-uploads" / f"{upload_id}.part"
    assert not part.exists(), "the pieces are gone once kept"


def test_pieces_are_the_uploaders_own_and_never_more_than_announced(
    client, trainer, courses, make_trainer, learner, clip, settings
):
    data = clip.read_bytes()
    client.force_login(trainer)
    upload_id = _begin(client, "bai.mp4", 100).json()["id"]
    client.force_login(User.objects.get(username="khach"))  # the other course's trainer
    assert _piece(client, upload_id, 0, b"x" * 10).status_code == 404
    assert client.get(f"/admin/media-uploads/{upload_id}/").status_code == 404
    client.force_login(learner)
    assert _begin(client, "bai.mp4", 100).status_code in (302, 403)
    client.force_login(trainer)
    assert _piece(client, upload_id, 0, b"x" * 101).json()["error"] == "too_large"
    assert client.get(f"/admin/media-uploads/{upload_id}/").status_code == 404, "discarded"
    for name, size in (("bai.exe", 100), ("bai.mp4", 0), ("bai.mp4", 10**13), ("bai.mp4", "9")):
        assert _begin(client, name, size).status_code == 400, (name, size)
    # Unfinished uploads cannot pile up to fill the disk.
    opened = [_begin(client, f"bai{n}.mp4", 10**6).status_code for n in range(6)]
    assert opened.count(201) == 5 and opened[-1] == 400
    MediaUpload.objects.all().delete()
    # Pieces that are no video are refused by the form, like an upload in one go.
    fake = _begin(client, "bai.mp4", 2000).json()["id"]
    _piece(client, fake, 0, b"\0" * 2000)
    response = client.post(
        "/admin/media/video/add/",
        {"title": "Giả", "collection": courses[0].pk, "resumable_upload": fake},
    )
    assert (
        response.status_code == 200 and "không phải video hay âm thanh" in response.content.decode()
    )
    assert not MediaAsset.objects.exists()
    assert len(data) > 0


def test_the_media_library_speaks_vietnamese(client, trainer, courses):
    client.force_login(trainer)
    page = client.get("/admin/media/").content.decode()
    assert "Video và âm thanh" in page and "Thêm video" in page and "Add video" not in page
