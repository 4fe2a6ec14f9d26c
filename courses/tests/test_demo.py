"""The demo shows what the product does: its lessons play sample audio and video, made
with ffmpeg when it is seeded, and seeding again changes nothing."""

import io
import json
import re
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.documents import get_document_model
from wagtail.models import Page

from cms.media.services import media_asset_process
from cms.models import MediaAsset
from courses import demo_media
from courses.models import CoursePage, LessonPage
from courses.services.enrolment import enrolment_create

TAY_LESSON = "Lời chào hằng ngày"
AUDIO_LESSON = "Hỏi đường trong xã"
VIDEO_LESSON = "Xem video hướng dẫn"


@pytest.fixture
def media_root(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_SCRATCH_DIR = str(tmp_path / "scratch")


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", quiet_passwords=True, stdout=out)
    # The background worker's part: the lessons' audio and video made playable.
    for asset in MediaAsset.objects.exclude(status=MediaAsset.Status.READY):
        media_asset_process(asset_id=asset.pk, version=asset.source_version)
    return out.getvalue()


def lesson_html(client, title: str, username: str = "hocvien.hoa") -> str:
    client.force_login(get_user_model().objects.get(username=username))
    response = client.get(LessonPage.objects.get(title=title).url)
    assert response.status_code == 200
    return response.content.decode()


def probe(client, url: str, tmp_path) -> dict:
    """What ffprobe reads in the file the site serves at ``url``."""
    response = client.get(url)
    assert response.status_code == 200, url
    data = b"".join(response.streaming_content) if response.streaming else response.content
    path = tmp_path / url.rsplit("/", 1)[-1]
    path.write_bytes(data)
    found = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return {"size": len(data), **json.loads(found.stdout)}


def sources(html: str, tag: str) -> list[str]:
    return re.findall(rf'<{tag}\b[^>]*\bsrc="([^"]+)"', html)


def test_the_tay_lessons_play_pronunciations(client, media_root, tmp_path):
    seed()
    html = lesson_html(client, TAY_LESSON)
    audio = sources(html, "audio")
    assert len(audio) == 3, "each vocabulary item of the lesson has its pronunciation"
    found = probe(client, audio[0], tmp_path)
    assert [s["codec_type"] for s in found["streams"]] == ["audio"]
    assert 0.3 < float(found["format"]["duration"]) < 5
    assert "Phát âm Pây lăng?" in html, "the player says which word it speaks"


def test_a_dialogue_with_transcript_and_a_video_lesson(client, media_root, tmp_path):
    seed()
    html = lesson_html(client, AUDIO_LESSON)
    assert "Âm thanh mẫu" in html and "Cán bộ: Pỉ pây lăng?" in html, "labelled, transcribed"
    dialogue = probe(client, sources(html, "audio")[0], tmp_path)
    assert float(dialogue["format"]["duration"]) > 5

    lan = get_user_model().objects.get(username="hocvien.lan")
    enrolment_create(learner=lan, course=CoursePage.objects.get(slug="dich-vu-cong-truc-tuyen"))
    html = lesson_html(client, VIDEO_LESSON, username="hocvien.lan")
    assert "Video mẫu" in html
    (src,) = sources(html, "video")
    video = probe(client, src, tmp_path)
    codecs = sorted(s["codec_name"] for s in video["streams"])
    assert codecs == ["aac", "h264"]
    assert video["size"] < 600_000, "small enough for a weak link"
    assert "Video mẫu – nộp hồ sơ trên điện thoại" in set(
        MediaAsset.objects.values_list("title", flat=True)
    )


def test_seeding_twice_duplicates_nothing(client, media_root):
    seed()
    pages, documents = Page.objects.count(), get_document_model().objects.count()
    files = sorted(p.name for p in (demo_media.cache_dir()).iterdir())
    revisions = {p.pk: p.revisions.count() for p in LessonPage.objects.all()}
    seed()
    assert Page.objects.count() == pages
    assert get_document_model().objects.count() == documents
    assert sorted(p.name for p in demo_media.cache_dir().iterdir()) == files
    assert {p.pk: p.revisions.count() for p in LessonPage.objects.all()} == revisions


def test_without_ffmpeg_the_demo_is_seeded_without_media(client, media_root, monkeypatch):
    monkeypatch.setattr(demo_media, "ffmpeg_available", lambda: False)
    out = seed()
    assert "Sample audio and video were left out" in out
    assert not get_document_model().objects.exists()
    html = lesson_html(client, AUDIO_LESSON)
    assert "<audio" not in html and "tư liệu mẫu" not in html, "no dead player, no stray note"
    assert "Ở đâu?" in html, "the rest of the lesson is there"


def test_a_demo_seeded_without_media_gets_them_later_unless_edited(client, media_root, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(demo_media, "ffmpeg_available", lambda: False)
        seed()
    edited = LessonPage.objects.get(title="Xưng hô trong gia đình")
    edited.save_revision(user=get_user_model().objects.get(username="giangvien")).publish()
    seed()
    assert "<audio" in lesson_html(client, TAY_LESSON)
    assert "<audio" not in lesson_html(client, "Xưng hô trong gia đình"), "a trainer's edit stays"


def test_sample_speech_follows_the_tone_marks():
    assert demo_media.tone_of("lăng") == "ngang"
    assert demo_media.tone_of("Pỉ") == "hoi"
    assert demo_media.tone_of("khẩu") == "hoi", "the circumflex is a vowel, not a tone"
    assert demo_media.tone_of("dá") == "sac"
    assert demo_media.tone_of("Đây") == "ngang"


def test_the_demo_learners_progress_rests_on_evidence(media_root):
    """One demo learner finished a course, others are part-way: as the server saw it
    (each lesson served, then read for minutes), so the evidence policy accepts it."""
    from courses.models import ActivityProgress, CourseProgress

    seed()
    finished = CourseProgress.objects.get(enrolment__learner__username="hocvien.hoa")
    assert finished.completed_at is not None and finished.percent == 100
    part_way = CourseProgress.objects.get(enrolment__learner__username="hocvien.duc")
    assert part_way.completed_at is None and 0 < part_way.percent < 100
    summaries = ActivityProgress.objects.filter(learner__username="hocvien.hoa", status=20)
    assert summaries and all(s.opened_at and s.seconds_spent == 240 for s in summaries)
