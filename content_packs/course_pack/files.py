"""The files of a pack being imported: staged in storage before the import's
transaction (so progress can be reported and the database is not held meanwhile), the
objects that hold them (images, documents, recordings, packages and their libraries),
and the checks that keep a pack's names and keys to its own course."""

import hashlib
import uuid
from collections.abc import Callable
from typing import IO, Any

from django.core.files import File
from django.db import models
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page

from cms.media.storage import media_storage
from cms.models import MediaAsset, MediaSubtitle
from courses.models import CoursePage, CourseWorkspace

from ..archive import PackageError, safe_name
from ..h5p.validate import LIBRARY_FOLDER as LIBRARY_FOLDER_NAME
from ..models import H5PLibrary, Package
from ..packfile import PackError, PackReader


class StagedFiles:
    """Files written to storages during the import, removed again if it fails."""

    def __init__(self, reader: PackReader, progress: Callable[[int], None] | None = None):
        self.reader = reader
        self.progress = progress
        self.written: list[tuple[Any, str]] = []
        self.count = 0
        self.bytes = 0

    def open(self, sha256: str) -> IO[bytes]:
        if self.progress:
            self.progress(self.bytes)
        self.count += 1
        self.bytes += self.reader.file_size(sha256)
        return self.reader.open_file(sha256)

    def put(self, storage, name: str, sha256: str) -> str:
        """Exactly at ``name`` (recordings and packages are addressed by their folders)."""
        if storage.exists(name):
            storage.delete(name)
        with self.open(sha256) as stream:
            saved = storage.save(name, File(stream, name=name))
        self.written.append((storage, saved))
        return saved

    def named_by(self, instance: models.Model, field_name: str, name: str, sha256: str) -> str:
        """Saved where the model's file field would put ``name``; the stored name."""
        field = instance._meta.get_field(field_name)
        target = field.generate_filename(instance, name)  # type: ignore[attr-defined]
        with self.open(sha256) as stream:
            saved = field.storage.save(target, File(stream, name=target))  # type: ignore[attr-defined]
        self.written.append((field.storage, saved))  # type: ignore[attr-defined]
        return saved

    def undo(self) -> None:
        for storage, name in self.written:
            try:
                storage.delete(name)
            except OSError:
                pass


def within(folder: str, name: str) -> None:
    """``name`` is a plain relative path inside ``folder``."""
    try:
        clean = safe_name(name)
    except PackageError:
        clean = ""
    if not clean or not (clean + ("/" if name.endswith("/") else "")).startswith(folder):
        raise PackError(
            _("Gói có tên tệp không hợp lệ: %(name)s") % {"name": str(name)[:200]},
            code="structure",
        )


def sha256_of(field_file) -> str:
    digest = hashlib.sha256()
    try:
        with field_file.storage.open(field_file.name, "rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
    except (OSError, ValueError):
        return ""
    return digest.hexdigest()


class FileObjects:
    """The file-holding part of an import (``_Import`` in load.py)."""

    manifest: dict
    files: StagedFiles
    keys: dict[tuple[str, str], Any]
    course: CoursePage

    # --- files: written before the transaction, which then only records them ----------

    def _existing_collection(self) -> Collection | None:
        course = CoursePage.objects.filter(translation_key=self.manifest["course"]["key"]).first()
        workspace = CourseWorkspace.objects.filter(course=course).first() if course else None
        return workspace.collection if workspace else None

    def check_names(self) -> None:
        """Every name the pack gives a stored file stays in its object's own folder: a
        pack never writes over another recording's or package's files."""
        for record in self.manifest["media"]:
            key = str(uuid.UUID(str(record["key"])))
            if record.get("file"):
                within(f"sources/{key}/", record["name"])
            if record["rendition_set"] or record["rendition_files"]:
                within(f"renditions/{key}/", f"{record['rendition_set']}/")
                for relative in record["rendition_files"]:
                    within(f"{record['rendition_set']}/", f"{record['rendition_set']}/{relative}")
        for record in self.manifest["packages"]:
            uuid.UUID(str(record["key"]))
            if record["kind"] not in Package.Kind.values:
                raise PackError(_("Gói có loại bài tập không biết."), code="structure")
            for name in record["files"]:
                within("", name)
            for entry in record["libraries"]:
                library = self._library_row(entry)
                if not LIBRARY_FOLDER_NAME.match(library.folder):
                    raise PackError(_("Gói có thư viện H5P sai tên."), code="structure")
                for name in entry["files"]:
                    within("", name)

    def check_keys(self) -> None:
        """Objects the pack names by key may exist here only in this very course: a pack
        never moves or rewrites another course's pages, recordings or packages."""
        key = self.manifest["course"]["key"]
        course = CoursePage.objects.filter(translation_key=key).first()
        if course is None and Page.objects.filter(translation_key=key).exists():
            raise self._taken(_("trang khóa học"), key)
        inside = Page.objects.descendant_of(course) if course else Page.objects.none()
        for record in self.manifest["pages"]:
            if record["key"] == key:
                continue
            found = Page.objects.filter(translation_key=record["key"])
            if found.exists() and not inside.filter(translation_key=record["key"]).exists():
                raise self._taken(_("trang"), record["key"])
        collection = self._existing_collection()
        for model, records, what in (
            (MediaAsset, self.manifest["media"], _("video/âm thanh")),
            (Package, self.manifest["packages"], _("bài tập tương tác")),
        ):
            for record in records:
                found = model.objects.filter(key=record["key"]).first()
                if found is not None and found.collection_id != getattr(collection, "pk", None):
                    raise self._taken(what, record["key"])

    @staticmethod
    def _taken(what: str, key: str) -> PackError:
        return PackError(
            _("Gói chứa %(what)s %(key)s đã thuộc về khóa học khác trên hệ thống này.")
            % {"what": what, "key": key},
            code="taken",
        )

    def stage(self) -> None:
        """Every file the course needs and this installation lacks, put in storage.

        Slow work (a pack may hold gigabytes) done outside the transaction, so that
        progress can be reported and the database is not held meanwhile."""
        self.check_names()
        self.check_keys()
        storage = media_storage()
        existing = self._existing_collection()
        Image, Document = get_image_model(), get_document_model()
        for record, model in [(r, Image) for r in self.manifest["images"]] + [
            (r, Document) for r in self.manifest["documents"]
        ]:
            found = (
                model.objects.filter(collection=existing, title=record["title"])
                if existing
                else model.objects.none()
            )
            same = next((o for o in found if sha256_of(o.file) == record["file"]), None)
            if same is not None:
                record["_pk"] = same.pk
            else:
                record["_name"] = self.files.named_by(
                    model(), "file", record["name"], record["file"]
                )
        for record in self.manifest["media"]:
            asset = MediaAsset.objects.filter(key=record["key"]).first()
            if asset is not None and asset.rendition_set == record["rendition_set"]:
                continue
            if record.get("file"):
                self.files.put(storage, record["name"], record["file"])
            for relative, sha in record["rendition_files"].items():
                self.files.put(storage, f"{record['rendition_set']}/{relative}", sha)
            for track in record.get("subtitles", []):
                holder = MediaSubtitle(
                    asset=MediaAsset(key=record["key"]), language=track["language"]
                )
                track["_name"] = self.files.named_by(holder, "file", "track.vtt", track["file"])
        for record in self.manifest["packages"]:
            package = Package.objects.filter(key=record["key"]).first()
            if package is None or package.sha256 != record["sha256"]:
                prefix = Package(key=record["key"], kind=record["kind"]).storage_prefix
                for name, sha in record["files"].items():
                    self.files.put(storage, f"{prefix}/{name}", sha)
            for entry in record["libraries"]:
                library = self._library_row(entry)
                if library.pk is None and not entry.get("_staged"):
                    for name, sha in entry["files"].items():
                        self.files.put(storage, f"{library.storage_prefix}/{name}", sha)
                    entry["_staged"] = True

    def collection(self) -> Collection:
        return CourseWorkspace.objects.get(course=self.course).collection

    def images(self) -> None:
        self._file_objects(get_image_model(), self.manifest["images"])

    def documents(self) -> None:
        self._file_objects(get_document_model(), self.manifest["documents"])

    def _file_objects(self, model, records: list[dict]) -> None:
        label = model._meta.label_lower
        for record in records:
            if "_pk" in record:
                self.keys[(label, record["key"])] = record["_pk"]
                continue
            instance = model(title=record["title"][:255], collection=self.collection())
            instance.file = record["_name"]
            focal = record.get("focal_point")
            if focal and len(focal) == 4:
                (
                    instance.focal_point_x,
                    instance.focal_point_y,
                    instance.focal_point_width,
                    instance.focal_point_height,
                ) = focal
            instance.save()
            self.keys[(label, record["key"])] = instance.pk

    def media(self) -> None:
        label = MediaAsset._meta.label_lower
        for record in self.manifest["media"]:
            asset = MediaAsset.objects.filter(key=record["key"]).first()
            new = asset is None
            if asset is None:
                asset = MediaAsset(key=record["key"])
            asset.title = record["title"][:255]
            asset.type = record["type"]
            asset.duration = record.get("duration") or 0
            asset.width, asset.height = record.get("width"), record.get("height")
            asset.collection = self.collection()
            if new or asset.rendition_set != record["rendition_set"]:
                asset.file.name = record["name"] if record.get("file") else ""
                asset.rendition_set = record["rendition_set"]
                asset.renditions = record["renditions"]
                asset.status = record.get("status") or MediaAsset.Status.READY
                asset.progress = 100
            asset.save()
            for track in record.get("subtitles", []):
                if "_name" not in track:
                    continue
                subtitle = MediaSubtitle.objects.filter(
                    asset=asset, language=track["language"]
                ).first() or MediaSubtitle(asset=asset, language=track["language"])
                subtitle.label = track["label"][:60]
                subtitle.file.name = track["_name"]
                subtitle.save()
            self.keys[(label, record["key"])] = asset.pk

    def packages(self) -> None:
        label = Package._meta.label_lower
        for record in self.manifest["packages"]:
            package = Package.objects.filter(key=record["key"]).first() or Package(
                key=record["key"]
            )
            for name in ("kind", "title", "main_library", "launch", "scored", "pass_percent"):
                setattr(package, name, record[name])
            package.metadata = record["metadata"]
            package.size, package.sha256 = record["size"], record["sha256"]
            package.collection = self.collection()
            package.files = [name for name in record["files"] if name != "h5p.json"]
            package.save()
            libraries = []
            for entry in record["libraries"]:
                library = self._library_row(entry)
                if library.pk is None:
                    library.save()
                libraries.append(library)
            package.libraries.set(libraries)
            self.keys[(label, record["key"])] = package.pk

    @staticmethod
    def _library_row(record: dict) -> H5PLibrary:
        """The installed library of this exact version, or an unsaved one to install."""
        version = {k: record[k] for k in ("machine_name", "major", "minor", "patch")}
        return H5PLibrary.objects.filter(**version).first() or H5PLibrary(
            **version,
            title=record["title"][:255],
            runnable=record["runnable"],
            metadata=record["metadata"],
            files=list(record["files"]),
        )
