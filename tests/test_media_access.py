"""A course's video and audio reach its enrolled learners and trainers only, with Range,
and through nginx's internal redirect when deployed; nothing else is reachable."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cms.media.storage import media_storage, walk
from cms.tests.media_files import asset_from, generate
from courses.models import CourseWorkspace
from courses.services.enrolment import enrolment_create

from .factories import build_course


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("clip") / "bai.mp4", seconds=3, size="320x180")


@pytest.fixture
def course_video(db, settings, tmp_path, clip, trainer, learner):
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_SCRATCH_DIR = str(tmp_path / "scratch")
    tree = build_course(trainer=trainer)
    enrolment_create(learner=learner, course=tree.course)
    collection = CourseWorkspace.objects.get(course=tree.course).collection
    return asset_from(clip, "video", collection, process=True)


def _get(client, user, url, **headers):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url, **headers)


def test_the_courses_people_get_the_stream_and_nobody_else(
    client, course_video, learner, trainer, other_learner, make_trainer
):
    stranger = make_trainer("stranger")
    build_course(trainer=stranger, title="An toàn thông tin", slug="an-toan")
    master = course_video.rendition_url("master")
    segment = master.replace("master.m3u8", "240p/seg_00000.m4s")
    for user, status in (
        (learner, 200),
        (trainer, 200),
        (other_learner, 404),
        (stranger, 404),
        (None, 404),
    ):
        assert _get(client, user, master).status_code == status, user
        assert _get(client, user, segment).status_code == status, user
    served = _get(client, learner, master)
    assert served["Content-Type"] == "application/vnd.apple.mpegurl"
    assert b"240p/index.m3u8" in served.getvalue()
    assert "private" in served["Cache-Control"]


def test_byte_ranges_of_the_offline_download(client, course_video, learner):
    url = course_video.rendition_url("download")
    whole = _get(client, learner, url).getvalue()
    assert whole[4:8] == b"ftyp"
    part = _get(client, learner, url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part.getvalue() == whole[100:200]
    assert part["Content-Range"] == f"bytes 100-199/{len(whole)}"
    assert _get(client, learner, url, HTTP_RANGE=f"bytes={len(whole)}-").status_code == 416
    saved = _get(client, learner, url + "?download=1")
    assert saved["Content-Disposition"].startswith("attachment;")


def test_no_address_leads_outside_the_set(client, course_video, learner):
    master = course_video.rendition_url("master")
    base = master.rsplit("/hls/", 1)[0]
    for name in (
        "../../sources",
        "hls/../../x",
        "hls/360p/../../poster.jpg",
        "hls/360p/index.m3u8%00",
        "hls/1080p/index.m3u8",
        "poster.png",
        "",
    ):
        assert _get(client, learner, f"{base}/{name}").status_code == 404, name
    wrong_set = master.replace(course_video.rendition_set.rsplit("/", 1)[-1], "v1-000000000000")
    assert _get(client, learner, wrong_set).status_code == 404


def test_deployed_the_app_checks_and_nginx_sends_the_bytes(
    client, settings, course_video, learner, other_learner
):
    settings.MEDIA_ACCEL_REDIRECT = "/_media/"
    url = course_video.rendition_url("download")
    served = _get(client, learner, url)
    assert served["X-Accel-Redirect"] == f"/_media/{course_video.rendition_set}/video.mp4"
    assert served.content == b""
    assert "X-Accel-Redirect" not in _get(client, other_learner, url)


def test_only_those_who_may_edit_the_asset_download_the_original(
    client, course_video, trainer, learner, make_trainer
):
    url = course_video.url
    assert _get(client, trainer, url).status_code == 200
    assert _get(client, make_trainer("stranger"), url).status_code in (302, 403, 404)
    assert _get(client, learner, url).status_code in (302, 403, 404)


TRACK = "WEBVTT\r\n\r\n00:00.000 --> 00:01.500\r\nSlao cạ, pây lăng?\r\n".encode("utf-8-sig")


def test_subtitles_are_checked_kept_per_language_and_served_like_the_video(
    client, course_video, trainer, learner, other_learner, django_capture_on_commit_callbacks
):
    client.force_login(trainer)
    add = f"/admin/media-assets/{course_video.pk}/subtitles/"
    for data in (
        b"not a subtitle file",
        b"\xff\xfe\x00W\x00E",
        "WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nngược\n".encode(),
        b"WEBVTT\n\n" + b"x" * 600_000,
    ):
        client.post(add, {"language": "tyz", "subtitle_file": SimpleUploadedFile("t.vtt", data)})
    assert not course_video.subtitles.exists()
    for _twice in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                add,
                {
                    "language": "tyz",
                    "label": "Tày",
                    "subtitle_file": SimpleUploadedFile("t.vtt", TRACK),
                },
            )
    (track,) = course_video.subtitles.all()
    assert track.language == "tyz" and track.label == "Tày"
    url = f"/m/{course_video.key}/sub/tyz.vtt"
    served = _get(client, learner, url)
    assert served.status_code == 200 and served["Content-Type"].startswith("text/vtt")
    text = served.getvalue().decode()
    assert text.startswith("WEBVTT") and "Slao cạ" in text and "\r" not in text
    assert _get(client, other_learner, url).status_code == 404
    assert _get(client, None, url).status_code == 404
    files = list(walk(media_storage(), f"subtitles/{course_video.key}"))
    assert len(files) == 1, "the replaced track's file is gone"
