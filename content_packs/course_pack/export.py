"""A course written to a signed pack: its pages and their content, the images,
documents, recordings (with their renditions and subtitles) and interactive packages
they use, and whatever the apps' pack parts add (quizzes and question banks).

Files are streamed from storage into the pack one at a time, so memory stays flat
however large the course's media are.
"""

import hashlib
import json
from collections.abc import Callable
from typing import IO, Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.models import Page

from cms.media.storage import media_storage, walk
from cms.models import MediaAsset
from courses.models import Activity, CoursePage, LessonPage, ModulePage
from courses.packs import pack_parts

from ..models import Package
from ..packfile import PackWriter
from .references import map_rich_text, map_stream

# Page fields every page carries into a pack (the rest of Page's are this tree's).
PAGE_FIELDS = ("title", "slug", "seo_title", "search_description", "show_in_menus")
PAGE_TYPES = {CoursePage: "course", ModulePage: "module", LessonPage: "lesson"}


def _own_fields(page: Page) -> list[models.Field]:
    """The fields a page type adds to Page, minus links to this installation's people
    and other courses (trainers, prerequisites), which do not travel."""
    return [
        field
        for field in type(page)._meta.local_concrete_fields
        if not field.primary_key and field.editable and field.name != "search_key"
    ]


class _Export:
    def __init__(self, writer: PackWriter, course: CoursePage):
        self.writer = writer
        self.course = course
        self.pages = {
            page.pk: page.specific
            for page in Page.objects.descendant_of(course, inclusive=True).order_by("path")
        }
        self.images: dict[int, dict] = {}
        self.documents: dict[int, dict] = {}
        self.media: dict[int, dict] = {}
        self.packages: dict[int, dict] = {}
        self.keyed: dict[type[models.Model], Callable[[models.Model], str]] = {
            model: key for part in pack_parts() for model, key in part.keys
        }

    # --- files ----------------------------------------------------------------------

    def add_file(
        self, source: Callable[[], IO[bytes]], *, sha256: str | None = None, size: int | None = None
    ) -> str:
        return self.writer.add_file(source, sha256=sha256, size=size)  # type: ignore[arg-type]

    def _stored(self, storage, name: str) -> str:
        return self.add_file(lambda: storage.open(name, "rb"))

    # --- references -----------------------------------------------------------------

    def reference(self, model: type[models.Model] | str, pk: Any) -> Any:
        if pk in (None, ""):
            return None
        if isinstance(model, str):  # some chooser blocks name their model
            model = apps.get_model(model)
        label = model._meta.label_lower
        if issubclass(model, Page):
            page = self.pages.get(int(pk))
            return {"$ref": "page", "key": str(page.translation_key)} if page else None
        key = self._object_key(model, pk)
        return {"$ref": label, "key": key} if key else None

    def _object_key(self, model: type[models.Model], pk: Any) -> str | None:
        if issubclass(model, get_image_model()):
            return self._image(int(pk))
        if issubclass(model, get_document_model()):
            return self._document(int(pk))
        if issubclass(model, MediaAsset):
            return self._media(int(pk))
        if issubclass(model, Package):
            return self._package(int(pk))
        for keyed_model, key_of in self.keyed.items():
            if issubclass(model, keyed_model):
                instance = keyed_model._default_manager.filter(pk=pk).first()
                return key_of(instance) if instance is not None else None
        return None

    def _image(self, pk: int) -> str | None:
        if pk not in self.images:
            image = get_image_model().objects.filter(pk=pk).first()
            if image is None:
                return None
            sha = self._stored(image.file.storage, image.file.name)
            self.images[pk] = {
                "key": sha,
                "title": image.title,
                "file": sha,
                "name": image.file.name.rsplit("/", 1)[-1],
                "focal_point": [
                    image.focal_point_x,
                    image.focal_point_y,
                    image.focal_point_width,
                    image.focal_point_height,
                ],
            }
        return self.images[pk]["key"]

    def _document(self, pk: int) -> str | None:
        if pk not in self.documents:
            document = get_document_model().objects.filter(pk=pk).first()
            if document is None:
                return None
            sha = self._stored(document.file.storage, document.file.name)
            self.documents[pk] = {
                "key": sha,
                "title": document.title,
                "file": sha,
                "name": document.file.name.rsplit("/", 1)[-1],
            }
        return self.documents[pk]["key"]

    def _media(self, pk: int) -> str | None:
        if pk not in self.media:
            asset = MediaAsset.objects.filter(pk=pk).first()
            if asset is None:
                return None
            storage = media_storage()
            renditions = {}
            if asset.rendition_set:
                prefix = asset.rendition_set
                renditions = {
                    name[len(prefix) + 1 :]: self._stored(storage, name)
                    for name in walk(storage, prefix)
                }
            self.media[pk] = {
                "key": str(asset.key),
                "title": asset.title,
                "type": asset.type,
                "duration": asset.duration,
                "width": asset.width,
                "height": asset.height,
                "file": self._stored(storage, asset.file.name) if asset.file else None,
                "name": asset.file.name,
                "status": asset.status,
                "rendition_set": asset.rendition_set,
                "renditions": asset.renditions,
                "rendition_files": renditions,
                "subtitles": [
                    {
                        "language": track.language,
                        "label": track.label,
                        "file": self._stored(storage, track.file.name),
                    }
                    for track in asset.subtitles.order_by("language")
                ],
            }
        return self.media[pk]["key"]

    def _package(self, pk: int) -> str | None:
        if pk not in self.packages:
            package = Package.objects.filter(pk=pk).first()
            if package is None:
                return None
            storage = media_storage()
            files = [*package.files]
            if package.kind == Package.Kind.H5P:
                files.append("h5p.json")
            self.packages[pk] = {
                "key": str(package.key),
                "kind": package.kind,
                "title": package.title,
                "main_library": package.main_library,
                "launch": package.launch,
                "scored": package.scored,
                "pass_percent": package.pass_percent,
                "metadata": package.metadata,
                "size": package.size,
                "sha256": package.sha256,
                "files": {
                    name: self._stored(storage, f"{package.storage_prefix}/{name}")
                    for name in files
                },
                "libraries": [
                    {
                        "machine_name": library.machine_name,
                        "major": library.major,
                        "minor": library.minor,
                        "patch": library.patch,
                        "title": library.title,
                        "runnable": library.runnable,
                        "metadata": library.metadata,
                        "files": {
                            name: self._stored(storage, f"{library.storage_prefix}/{name}")
                            for name in library.files
                        },
                    }
                    for library in package.libraries.order_by("machine_name", "major", "minor")
                ],
            }
        return self.packages[pk]["key"]

    # --- pages ----------------------------------------------------------------------

    def _rich(self, html: str) -> str:
        def rewrite(kind: str, pk: str) -> str | None:
            model = {"image": get_image_model(), "document": get_document_model()}.get(kind, Page)
            ref = self.reference(model, pk) if pk.isdigit() else None
            return ref["key"] if ref else None

        return map_rich_text(html, rewrite)

    def _fields(self, page: Page) -> dict:
        values: dict[str, Any] = {name: getattr(page, name) for name in PAGE_FIELDS}
        for field in _own_fields(page):
            value = field.value_from_object(page)
            if isinstance(field, StreamField):
                values[field.name] = map_stream(
                    field.stream_block,
                    getattr(page, field.name).raw_data,
                    self.reference,
                    self._rich,
                )
            elif isinstance(field, RichTextField):
                values[field.name] = self._rich(value)
            elif isinstance(field, models.ForeignKey):
                values[field.name] = self.reference(field.related_model, value)
            else:
                values[field.name] = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
        return values

    def pages_out(self) -> list[dict]:
        records = []
        for page in self.pages.values():
            kind = PAGE_TYPES.get(type(page))
            if kind is None:
                continue
            parent = self.pages.get(page.get_parent().pk) if page.pk != self.course.pk else None
            records.append(
                {
                    "key": str(page.translation_key),
                    "type": kind,
                    "parent": str(parent.translation_key) if parent else None,
                    "live": page.live,
                    "fields": self._fields(page),
                }
            )
        return records

    def activities_out(self) -> list[dict]:
        prefix = f"{self.course.pk}:"
        records = []
        for activity in Activity.objects.filter(course=self.course, is_active=True):
            page = self.pages.get(activity.page_id) if activity.page_id else None
            if page is not None:
                records.append(
                    {
                        "id": str(activity.pk),
                        "kind": activity.kind,
                        "page": str(page.translation_key),
                    }
                )
            elif activity.source_ref.startswith(prefix):
                # "<course>:<stable key>": the same source in the importing installation.
                records.append(
                    {
                        "id": str(activity.pk),
                        "kind": activity.kind,
                        "source": activity.source_ref[len(prefix) :],
                    }
                )
        return records

    def criteria_out(self, activity_ids: set[str]) -> list[dict]:
        return [
            {
                "criterion": criterion.criterion,
                "threshold": criterion.threshold,
                "activity": str(criterion.activity_id)
                if str(criterion.activity_id) in activity_ids
                else None,
            }
            for criterion in self.course.completion_criteria.order_by("sort_order")
        ]


def _manifest_fields(course: CoursePage, export: "_Export") -> dict:
    pages = export.pages_out()
    parts = {part.name: part.export(course, export) for part in pack_parts()}
    activities = export.activities_out()
    program = course.get_parent().specific
    return {
        "course": {
            "key": str(course.translation_key),
            "title": course.title,
            "program": {
                "key": str(program.translation_key),
                "title": program.title,
                "slug": program.slug,
                "fields": {"track": getattr(program, "track", "")},
            },
            "criteria": export.criteria_out({a["id"] for a in activities}),
        },
        "pages": pages,
        "images": list(export.images.values()),
        "documents": list(export.documents.values()),
        "media": list(export.media.values()),
        "packages": list(export.packages.values()),
        "parts": parts,
        "activities": activities,
    }


class _Digests:
    """A writer that only reads: what a pack of the course would hold, and nothing
    written (for comparing a course on two installations)."""

    def __init__(self) -> None:
        self.files: dict[str, int] = {}

    def add_file(self, source, *, sha256=None, size=None) -> str:
        digest = hashlib.sha256()
        total = 0
        with source() as stream:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
                total += len(chunk)
        self.files[digest.hexdigest()] = total
        return digest.hexdigest()


def course_pack_describe(course: CoursePage) -> dict:
    """The manifest a pack of ``course`` would have (its structure and every file's
    checksum), without writing one."""
    digests = _Digests()
    fields = _manifest_fields(course.specific, _Export(digests, course.specific))  # type: ignore[arg-type]
    return {**fields, "files": digests.files}


def course_pack_export(
    course: CoursePage,
    target: str | IO[bytes],
    *,
    private_key,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Write ``course`` to ``target`` as a pack signed with ``private_key``; returns the
    manifest. A failure leaves no partial file at a path target."""
    course = course.specific
    with PackWriter(target, private_key, progress=progress) as writer:
        fields = _manifest_fields(course, _Export(writer, course))
        manifest = writer.finish({"created_at": timezone.now().isoformat(), **fields})
    return manifest
