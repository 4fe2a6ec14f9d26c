"""Lessons written before the media library: their audio and video blocks named Wagtail
documents; the migration makes each such document an asset of the library, in the same
collection, and points the lesson (and its revisions) at it."""

import importlib
import json
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection
from wagtail.documents import get_document_model

from cms.media.storage import media_storage
from cms.models import MediaAsset
from cms.tests.media_files import generate

migration = importlib.import_module("media_lessons.migrations.0001_lesson_media_from_documents")


@pytest.fixture
def old_lesson(db, settings, tmp_path, course_tree):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_ROOT = tmp_path / "private"
    song = generate(tmp_path / "hoi-duong.mp3", seconds=2, video=False)
    collection = course_tree.course.workspace.collection
    document = get_document_model().objects.create(
        title="Hỏi đường",
        file=ContentFile(song.read_bytes(), name="hoi-duong.mp3"),
        collection=collection,
    )
    lesson = course_tree.lessons[0]
    old_body = [
        {"type": "text", "value": "<p>Nghe rồi nhắc lại.</p>", "id": "a"},
        {
            "type": "audio",
            "value": {"title": "Hỏi đường", "audio": document.pk, "transcript": "Pỉ pây lăng?"},
            "id": "b",
        },
        {
            "type": "video",
            "value": {"title": "Mất rồi", "video": 999999, "poster": None, "transcript": ""},
            "id": "c",
        },
    ]
    lesson.save_revision()  # a revision holding the old body too
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE courses_lessonpage SET body = %s WHERE page_ptr_id = %s",
            [json.dumps(old_body), lesson.pk],
        )
    revision = lesson.latest_revision
    revision.content["body"] = json.dumps(old_body)
    revision.save(update_fields=["content"])
    return lesson, document, song


def test_old_media_blocks_become_library_recordings(old_lesson):
    lesson, document, song = old_lesson
    migration.convert(apps, SimpleNamespace(connection=connection))
    lesson.refresh_from_db()
    types = [block.block_type for block in lesson.body]
    assert types == ["text", "audio"], "a block whose document is gone is dropped"
    asset = lesson.body[1].value["audio"]
    assert isinstance(asset, MediaAsset) and asset.type == "audio"
    assert asset.title == "Hỏi đường" and asset.collection_id == document.collection_id
    assert asset.status == MediaAsset.Status.PENDING and asset.source_version == 1
    with media_storage().open(asset.file.name) as copied:
        assert copied.read() == song.read_bytes()
    revision = lesson.latest_revision.as_object()
    assert revision.body[1].value["audio"] == asset, "the editor opens the new body"
    assert MediaAsset.objects.count() == 1
