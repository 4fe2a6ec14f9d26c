import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from cms.blocks import AUDIO_EXTENSIONS, LessonStreamBlock, MediaFileChooserBlock


def document(name: str):
    return get_document_model().objects.create(
        title=name, file=ContentFile(b"\x00" * 16, name=name)
    )


@pytest.mark.django_db
def test_a_player_takes_only_files_it_can_play(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    audio = MediaFileChooserBlock(AUDIO_EXTENSIONS)
    assert audio.clean(audio.to_python(document("chao-hoi.MP3").pk)).filename == "chao-hoi.MP3"

    with pytest.raises(ValidationError) as refused:
        audio.clean(audio.to_python(document("bai-tap.pdf").pk))
    assert "bai-tap.pdf" in str(refused.value)
    assert "mp3" in str(refused.value)

    video = MediaFileChooserBlock(("mp4", "webm"))
    with pytest.raises(ValidationError):
        video.clean(video.to_python(document("phoi-hoi.mp3").pk))


@pytest.mark.django_db
def test_a_pronunciation_must_be_audio_but_may_be_left_out(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    stream = LessonStreamBlock()
    word = {"word": "Pây lăng?", "meaning": "Đi đâu?", "pronunciation": None}
    assert stream.clean(stream.to_python([{"type": "vocabulary", "value": word}]))
    word["pronunciation"] = document("pay-lang.docx").pk
    with pytest.raises(ValidationError):
        stream.clean(stream.to_python([{"type": "vocabulary", "value": word}]))
