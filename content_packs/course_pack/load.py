"""A pack read into this installation: verified whole (signature by a trusted key, then
every file's checksum), then the course created or updated in one transaction.

Objects are matched by the stable keys the pack carries (the pages' translation keys,
recordings' and packages' keys, file checksums, the parts' own keys), so a newer pack
of a course updates it in place: learners' enrolments and progress stay with the pages
and activities they belong to. Files are streamed from the pack into storage; should
anything fail, those written are removed and the transaction leaves no row behind.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

import jsonschema
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.models import Collection, Page, Site

from cms.media.storage import media_storage
from cms.models import MediaAsset, MediaSubtitle
from courses.models import CoursePage, CourseWorkspace
from courses.models.pages import CataloguePage, ProgramPage
from courses.packs import pack_parts
from courses.services.activities import activity_reserve

from ..archive import PackageError, safe_name
from ..h5p.validate import LIBRARY_FOLDER as LIBRARY_FOLDER_NAME
from ..models import H5PLibrary, Package
from ..packfile import PackError, PackReader
from .export import PAGE_FIELDS, PAGE_TYPES, _own_fields
from .references import clean_rich_text, map_rich_text, map_stream

PAGE_MODELS = {name: model for model, name in PAGE_TYPES.items()}
_REF = {"type": ["object", "null"]}
MANIFEST_SCHEMA = {
    "type": "object",
    "required": ["course", "pages", "images", "documents", "media", "packages", "parts"],
    "properties": {
        "course": {
            "type": "object",
            "required": ["key", "title", "program"],
            "properties": {"key": {"type": "string", "format": "uuid"}},
        },
        "pages": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "type", "parent", "fields", "live"],
                "properties": {
                    "type": {"enum": list(PAGE_MODELS)},
                    "fields": {"type": "object"},
                    "live": {"type": "boolean"},
                },
            },
        },
        "images": {"type": "array"},
        "documents": {"type": "array"},
        "media": {"type": "array"},
        "packages": {"type": "array"},
        "parts": {"type": "object"},
        "activities": {"type": "array"},
    },
}


@dataclass
class ImportResult:
    course: CoursePage
    created: bool
    files: int
    bytes: int


class _Files:
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


class _Import:
    def __init__(self, manifest: dict, files: _Files, user=None):
        self.manifest = manifest
        self.files = files
        self.user = user
        # (label, key) -> local primary key, for references in content and parts.
        self.keys: dict[tuple[str, str], Any] = {}
        self.pages: dict[str, Page] = {}
        self.course: CoursePage

    # --- what parts may ask (courses.packs.PackIn) -----------------------------------

    def open_file(self, sha256: str) -> IO[bytes]:
        return self.files.open(sha256)

    def resolve(self, reference: Any) -> Any:
        if not isinstance(reference, dict):
            return None
        label, key = reference.get("$ref"), reference.get("key")
        if label == "page":
            page = self.pages.get(str(key))
            return page.pk if page else None
        return self.keys.get((str(label), str(key)))

    # --- the course and its pages ----------------------------------------------------

    def _program(self) -> Page:
        data = self.manifest["course"]["program"]
        found = ProgramPage.objects.filter(translation_key=data["key"]).first()
        found = found or ProgramPage.objects.filter(slug=data["slug"]).first()
        if found is not None:
            return found
        catalogue = CataloguePage.objects.first()
        if catalogue is None:
            # A new installation: the catalogue goes under the site's home page.
            site = Site.objects.filter(is_default_site=True).first()
            if site is None:
                raise PackError(
                    _("Hệ thống chưa có trang chủ để đặt khóa học vào."), code="no_site"
                )
            catalogue = CataloguePage(title=_("Khóa học"), slug="khoa-hoc")
            site.root_page.add_child(instance=catalogue)
            catalogue.save_revision().publish()
        program = ProgramPage(
            title=data["title"][:255],
            slug=self._free_slug(catalogue, data["slug"]),
            track=data.get("fields", {}).get("track")
            or ProgramPage._meta.get_field("track").choices[0][0],
            translation_key=data["key"],
        )
        catalogue.add_child(instance=program)
        program.save_revision().publish()
        return program

    @staticmethod
    def _free_slug(parent: Page, slug: str, *, own: Page | None = None) -> str:
        base = slugify(slug) or "khoa-hoc"
        candidate, n = base, 1
        siblings = parent.get_children()
        if own is not None and own.pk:
            siblings = siblings.exclude(pk=own.pk)
        while siblings.filter(slug=candidate).exists():
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def _set_fields(self, page: Page, fields: dict, *, content: bool) -> None:
        for name in PAGE_FIELDS:
            if name in fields and name != "slug":
                setattr(page, name, fields[name] or ("" if name != "show_in_menus" else False))
        for field in _own_fields(page):
            if field.name not in fields:
                continue
            value = fields[field.name]
            if isinstance(field, StreamField):
                if content:
                    setattr(
                        page,
                        field.name,
                        map_stream(field.stream_block, value or [], self._rewrite, self._rich),
                    )
            elif isinstance(field, RichTextField):
                if content:
                    setattr(page, field.name, self._rich(value or ""))
            elif isinstance(field, models.ForeignKey):
                setattr(page, field.attname, self.resolve(value) if content else None)
            else:
                setattr(page, field.attname, field.to_python(value))

    def _rewrite(self, model: type[models.Model], value: Any) -> Any:
        return self.resolve(value)

    def _rich(self, html: str) -> str:
        labels = {
            "image": get_image_model()._meta.label_lower,
            "document": get_document_model()._meta.label_lower,
            "page": "page",
        }

        def rewrite(kind: str, key: str) -> str | None:
            found = self.resolve({"$ref": labels[kind], "key": key})
            return str(found) if found is not None else None

        return map_rich_text(clean_rich_text(html), rewrite)

    def course_page(self) -> bool:
        data = self.manifest["course"]
        record = next(p for p in self.manifest["pages"] if p["key"] == data["key"])
        course = CoursePage.objects.filter(translation_key=data["key"]).first()
        created = course is None
        if course is None:
            program = self._program()
            course = CoursePage(translation_key=data["key"])
            self._set_fields(course, record["fields"], content=False)
            course.slug = self._free_slug(program, record["fields"].get("slug") or course.title)
            program.add_child(instance=course)
        else:
            self._set_fields(course, record["fields"], content=False)
            course.save()
        self.course = course
        self.pages[data["key"]] = course
        return created

    def page_skeleton(self) -> None:
        """Every module and lesson exists (new ones as drafts), before parts refer to
        them; their content is written once everything they may refer to exists."""
        for record in self.manifest["pages"]:
            if record["key"] == self.manifest["course"]["key"]:
                continue
            model = PAGE_MODELS[record["type"]]
            parent = self.pages.get(record["parent"])
            if parent is None:
                raise PackError(
                    _("Trang %(key)s nằm dưới một trang không có trong gói.") % record,
                    code="structure",
                )
            page = model.objects.filter(translation_key=record["key"]).first()
            if page is None:
                page = model(translation_key=record["key"], live=False)
                self._set_fields(page, record["fields"], content=False)
                page.slug = self._free_slug(parent, record["fields"].get("slug") or page.title)
                parent.add_child(instance=page)
            elif page.get_parent().pk != parent.pk:
                page.move(parent, pos="last-child")
                page.refresh_from_db()
            self.pages[record["key"]] = page

    def page_content(self) -> None:
        for record in self.manifest["pages"]:
            page = self.pages[record["key"]].specific
            self._set_fields(page, record["fields"], content=True)
            slug = record["fields"].get("slug") or page.slug
            page.slug = self._free_slug(page.get_parent(), slug, own=page)
            revision = page.save_revision(user=self.user)
            if record["live"]:
                revision.publish(user=self.user)

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
                _within(f"sources/{key}/", record["name"])
            if record["rendition_set"] or record["rendition_files"]:
                _within(f"renditions/{key}/", f"{record['rendition_set']}/")
                for relative in record["rendition_files"]:
                    _within(f"{record['rendition_set']}/", f"{record['rendition_set']}/{relative}")
        for record in self.manifest["packages"]:
            uuid.UUID(str(record["key"]))
            if record["kind"] not in Package.Kind.values:
                raise PackError(_("Gói có loại bài tập không biết."), code="structure")
            for name in record["files"]:
                _within("", name)
            for entry in record["libraries"]:
                library = self._library_row(entry)
                if not LIBRARY_FOLDER_NAME.match(library.folder):
                    raise PackError(_("Gói có thư viện H5P sai tên."), code="structure")
                for name in entry["files"]:
                    _within("", name)

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
            same = next((o for o in found if _sha256_of(o.file) == record["file"]), None)
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

    # --- activities and completion ---------------------------------------------------

    def activities(self) -> None:
        for record in self.manifest.get("activities", []):
            page = self.pages.get(record.get("page") or "")
            source = record.get("source")
            if page is None and not source:
                continue
            activity_reserve(
                pk=uuid.UUID(record["id"]),
                course=self.course,
                kind=record["kind"],
                title=page.title if page else "",
                page=page,
                source_ref=f"{self.course.pk}:{source}" if source else "",
            )

    def criteria(self) -> None:
        from courses.models import Activity, CompletionCriterion

        records = self.manifest["course"].get("criteria") or []
        if not records:
            return
        CompletionCriterion.objects.filter(course=self.course).delete()
        for order, record in enumerate(records):
            activity = (
                Activity.objects.filter(pk=record["activity"], course=self.course).first()
                if record.get("activity")
                else None
            )
            if record.get("activity") and activity is None:
                continue
            CompletionCriterion.objects.create(
                course=self.course,
                criterion=record["criterion"],
                threshold=record.get("threshold"),
                activity=activity,
                sort_order=order,
            )


def _within(folder: str, name: str) -> None:
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


def _sha256_of(field_file) -> str:
    import hashlib

    digest = hashlib.sha256()
    try:
        with field_file.storage.open(field_file.name, "rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
    except (OSError, ValueError):
        return ""
    return digest.hexdigest()


def course_pack_import(
    source: str | IO[bytes],
    *,
    trusted_keys,
    user=None,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportResult:
    """Verify the pack at ``source`` and create or update its course. PackError with
    the reason when any check fails; nothing is changed then."""
    with PackReader(source, trusted_keys) as reader:
        total = sum(reader.files.values())
        reader.verify_files(
            (lambda done, all_: progress("verify", done, all_)) if progress else None
        )
        manifest = reader.manifest
        try:
            jsonschema.validate(manifest, MANIFEST_SCHEMA)
        except jsonschema.ValidationError as error:
            raise PackError(
                _("Nội dung gói không đúng cấu trúc: %(detail)s") % {"detail": error.message[:300]},
                code="structure",
            ) from None
        files = _Files(reader, (lambda done: progress("import", done, total)) if progress else None)
        loader = _Import(manifest, files, user)
        try:
            loader.stage()
            with transaction.atomic():
                created = loader.course_page()
                loader.images()
                loader.documents()
                loader.media()
                loader.packages()
                loader.page_skeleton()
                for part in pack_parts():
                    try:
                        loaded = part.load(manifest["parts"].get(part.name, []), loader)
                    except ValidationError as error:
                        raise PackError(
                            _("Phần “%(part)s” của gói không hợp lệ: %(detail)s")
                            % {"part": part.name, "detail": "; ".join(error.messages)[:300]},
                            code="structure",
                        ) from None
                    for model, keys in loaded.items():
                        for key, pk in keys.items():
                            loader.keys[(model._meta.label_lower, str(key))] = pk
                loader.activities()
                loader.page_content()
                loader.criteria()
                if progress:
                    progress("import", total, total)
        except BaseException:
            files.undo()
            raise
    return ImportResult(course=loader.course, created=created, files=files.count, bytes=files.bytes)
