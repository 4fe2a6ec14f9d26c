"""Lessons' audio and video blocks named a Wagtail document; they now name a media asset
of the media library, which is processed into renditions a weak link can play.

Each document such a block (in a lesson's body or any of its revisions) names becomes
one asset, in the same collection (so the same course's access rules apply), with the
file copied into the media storage. The assets wait as "pending": the periodic
media-resume task hands them to a worker. A block whose document is gone is dropped.
The documents themselves stay in the document library.
"""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage, storages
from django.db import migrations

KINDS = ("audio", "video")


class Converter:
    def __init__(self, apps):
        self.Document = apps.get_model("wagtaildocs", "Document")
        self.MediaAsset = apps.get_model("cms", "MediaAsset")
        self.made: dict[tuple[int, str], int | None] = {}

    def asset_for(self, document_id, kind: str):
        if not isinstance(document_id, int):
            return None
        if (document_id, kind) not in self.made:
            self.made[(document_id, kind)] = self._make(document_id, kind)
        return self.made[(document_id, kind)]

    def _make(self, document_id: int, kind: str):
        document = self.Document.objects.filter(pk=document_id).first()
        if document is None or not document.file:
            return None
        key = uuid.uuid4()
        suffix = Path(document.file.name).suffix.lower()[:8]
        try:
            with default_storage.open(document.file.name, "rb") as source:
                stored = storages["media_assets"].save(
                    f"sources/{key}/{uuid.uuid4().hex[:12]}{suffix}", File(source)
                )
        except OSError:
            return None
        asset = self.MediaAsset.objects.create(
            key=key,
            title=document.title[:255],
            type=kind,
            file=stored,
            collection_id=document.collection_id,
            uploaded_by_user_id=document.uploaded_by_user_id,
            status="pending",
            source_version=1,
            # Long ago: the next media-resume run takes it.
            updated_at=datetime(2000, 1, 1, tzinfo=UTC),
        )
        return asset.pk

    def stream(self, blocks):
        """The stream with its media blocks converted; (new stream, changed)."""
        changed, out = False, []
        for block in blocks:
            kind = block.get("type") if isinstance(block, dict) else None
            if kind in KINDS and isinstance(block.get("value"), dict):
                value = dict(block["value"])
                asset = self.asset_for(value.get(kind), kind)
                changed = True
                if asset is None:
                    continue
                value[kind] = asset
                value.pop("poster", None)
                block = {**block, "value": value}
            out.append(block)
        return out, changed


def _load(raw):
    return json.loads(raw) if isinstance(raw, str) else raw


def convert(apps, schema_editor):
    converter = Converter(apps)
    LessonPage = apps.get_model("courses", "LessonPage")
    Revision = apps.get_model("wagtailcore", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT page_ptr_id, body FROM courses_lessonpage")
        rows = cursor.fetchall()
    for page_id, raw in rows:
        body, changed = converter.stream(_load(raw) or [])
        if changed:
            LessonPage.objects.filter(pk=page_id).update(body=body)
    lesson_type = ContentType.objects.filter(app_label="courses", model="lessonpage").first()
    if lesson_type is None:
        return
    for revision in Revision.objects.filter(content_type=lesson_type).iterator():
        content = revision.content or {}
        raw = content.get("body")
        stored_as_text = isinstance(raw, str)
        body, changed = converter.stream(_load(raw) or [])
        if changed:
            content["body"] = json.dumps(body) if stored_as_text else body
            Revision.objects.filter(pk=revision.pk).update(content=content)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0009_alter_lessonpage_body"),
        ("cms", "0004_mediaasset_updated_at"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(convert, migrations.RunPython.noop)]
