"""After the session: its recording becomes a replay lesson of the course."""

import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cms.media.storage import media_storage, walk
from cms.models import MediaAsset
from courses.models import Activity, LessonPage
from live.models import ChatMessage, LiveSession
from live.services.replay import replay_publish
from lms.errors import ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended(session):
    LiveSession.objects.filter(pk=session.pk).update(ended_at=timezone.now())
    session.refresh_from_db()
    return session


def recording(tmp_path, name="buoi-hoc.ogg") -> SimpleUploadedFile:
    path = tmp_path / name
    subprocess.run(
        [
            "ffmpeg",
            "-y",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=2",
            "-c:a",
            "libopus",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return SimpleUploadedFile(name, path.read_bytes(), content_type="audio/ogg")


def test_the_host_publishes_the_recording_as_a_lesson(
    client, ended, course_tree, trainer, enrolled, tmp_path
):
    ChatMessage.objects.create(session=ended, author=enrolled, name="Hoa", text="Slao cạ")
    module = course_tree.modules[1]
    client.force_login(trainer)
    response = client.post(
        f"/live/{ended.pk}/replay/", {"module": module.pk, "recording": recording(tmp_path)}
    )
    lesson = LessonPage.objects.get(title__startswith="Xem lại")
    assert response.status_code == 302 and response["Location"] == lesson.url
    assert lesson.live and lesson.get_parent().pk == module.pk and not lesson.required
    block = lesson.body[0]
    assert block.block_type == "audio" and "Hoa: Slao cạ" in block.value["transcript"]
    asset = block.value["audio"]
    assert asset.collection == course_tree.course.workspace.collection, "private to the course"
    assert asset.type == "audio" and asset.status == MediaAsset.Status.PENDING, "processed next"
    assert Activity.objects.filter(page_id=lesson.pk, is_active=True).exists()
    ended.refresh_from_db()
    assert ended.replay_lesson_id == lesson.pk
    client.force_login(enrolled)
    assert client.get(f"/live/{ended.pk}/").content.decode().count(lesson.url) >= 1


def test_files_that_are_not_recordings_leave_nothing(
    ended, course_tree, trainer, tmp_path, settings
):
    settings.PRIVATE_ROOT = tmp_path / "private"
    module = course_tree.modules[0]
    lessons, assets = LessonPage.objects.count(), MediaAsset.objects.count()
    cases = [
        (SimpleUploadedFile("bai.pdf", b"%PDF-1.4"), "not_media"),
        (SimpleUploadedFile("gia.ogg", b"OggS but not really audio"), "not_media"),
        (SimpleUploadedFile("gia.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200), "not_media"),
    ]
    for upload, code in cases:
        with pytest.raises(ServiceError) as caught:
            replay_publish(ended, upload, module=module, user=trainer)
        assert caught.value.code == code
    assert (LessonPage.objects.count(), MediaAsset.objects.count()) == (lessons, assets)
    assert not list(walk(media_storage(), "sources"))


def test_only_after_the_end_once_and_by_the_courses_hosts(
    client, session, course_tree, trainer, enrolled, make_trainer, tmp_path
):
    module = course_tree.modules[0]
    with pytest.raises(ServiceError) as caught:
        replay_publish(session, recording(tmp_path), module=module, user=trainer)
    assert caught.value.code == "not_ended"
    LiveSession.objects.filter(pk=session.pk).update(ended_at=timezone.now())
    session.refresh_from_db()
    stranger = make_trainer("khach")
    with pytest.raises(ServiceError) as caught:
        replay_publish(session, recording(tmp_path), module=module, user=stranger)
    assert caught.value.code == "forbidden"
    client.force_login(enrolled)
    response = client.post(
        f"/live/{session.pk}/replay/", {"module": module.pk, "recording": recording(tmp_path)}
    )
    assert response.status_code == 404
    replay_publish(session, recording(tmp_path), module=module, user=trainer)
    session.refresh_from_db()
    with pytest.raises(ServiceError) as caught:
        replay_publish(session, recording(tmp_path), module=module, user=trainer)
    assert caught.value.code == "exists"
    assert LessonPage.objects.filter(title__startswith="Xem lại").count() == 1
