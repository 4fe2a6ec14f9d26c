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
from django.db import models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from courses.models import Activity, CompletionCriterion, CoursePage
from courses.models.pages import CataloguePage, ProgramPage
from courses.packs import pack_parts
from courses.services.activities import activity_reserve

from ..packfile import PackError, PackReader
from .export import PAGE_FIELDS, PAGE_TYPES, _own_fields
from .files import FileObjects, StagedFiles
from .references import clean_rich_text, map_rich_text, map_stream

PAGE_MODELS = {name: model for model, name in PAGE_TYPES.items()}
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


class _Import(FileObjects):
    def __init__(self, manifest: dict, files: StagedFiles, user=None):
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
        files = StagedFiles(
            reader, (lambda done: progress("import", done, total)) if progress else None
        )
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
