import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from cms.blocks import AudioBlock, LessonStreamBlock, VideoBlock


def document(name: str):
    return get_document_model().objects.create(
        title=name, file=ContentFile(b"\x00" * 16, name=name)
    )


@pytest.mark.django_db
def test_a_player_takes_only_files_it_can_play(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    audio = AudioBlock()
    value = audio.to_python({"title": "Chào hỏi", "audio": document("chao-hoi.MP3").pk})
    assert audio.clean(value)["audio"].filename == "chao-hoi.MP3"

    value = audio.to_python({"title": "Chào hỏi", "audio": document("bai-tap.pdf").pk})
    with pytest.raises(ValidationError) as refused:
        audio.clean(value)
    assert "bai-tap.pdf" in str(refused.value.block_errors["audio"])
    assert "mp3" in str(refused.value.block_errors["audio"])

    video = VideoBlock()
    value = video.to_python({"title": "Phơi hồi", "video": document("phoi-hoi.mp3").pk})
    with pytest.raises(ValidationError):
        video.clean(value)


@pytest.mark.django_db
def test_a_pronunciation_must_be_audio_but_may_be_left_out(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    stream = LessonStreamBlock()
    word = {"word": "Pây lăng?", "meaning": "Đi đâu?", "pronunciation": None}
    assert stream.clean(stream.to_python([{"type": "vocabulary", "value": word}]))
    word["pronunciation"] = document("pay-lang.docx").pk
    with pytest.raises(ValidationError):
        stream.clean(stream.to_python([{"type": "vocabulary", "value": word}]))
