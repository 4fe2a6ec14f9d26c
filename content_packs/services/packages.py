"""Storing a validated package: its files in the media storage, its rows in one
transaction. A failure at any point removes the files this call wrote, so a refused or
broken upload leaves neither rows nor files."""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Collection

from cms.media.storage import delete_folder, media_storage

from ..archive import PackageError, SafeArchive, package_limits
from ..h5p.validate import H5PPackage, dependencies_of, h5p_validate
from ..models import H5PLibrary, Package
from ..scorm.validate import MANIFEST as SCORM_MANIFEST
from ..scorm.validate import scorm_validate


def file_sha256(source: IO[bytes]) -> tuple[str, int]:
    source.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    source.seek(0)
    return digest.hexdigest(), size


class _Writer:
    """Writes entries of an archive under exact names, remembering them to undo."""

    def __init__(self, storage: Storage):
        self.storage = storage
        self.written: list[str] = []

    def put(self, name: str, archive: SafeArchive, entry: str) -> None:
        if self.storage.exists(name):
            self.storage.delete(name)
        # Every entry's bytes were read and their CRC checked during validation.
        with archive.zip.open(archive.entries[entry].info) as handle:
            saved = self.storage.save(name, File(handle, name=name))
        self.written.append(saved)
        if saved != name:
            raise FileExistsError(name)

    def put_bytes(self, name: str, data: bytes) -> None:
        if self.storage.exists(name):
            self.storage.delete(name)
        self.written.append(self.storage.save(name, ContentFile(data, name=name)))

    def undo(self) -> None:
        for name in self.written:
            try:
                self.storage.delete(name)
            except OSError:
                pass


@contextmanager
def _undo_on_error(storage: Storage) -> Iterator[_Writer]:
    writer = _Writer(storage)
    try:
        yield writer
    except BaseException:
        writer.undo()
        raise


def _installed() -> dict[tuple[str, int, int], H5PLibrary]:
    """The newest patch of each (machine name, major, minor) this installation holds."""
    newest: dict[tuple[str, int, int], H5PLibrary] = {}
    for library in H5PLibrary.objects.order_by("patch"):
        newest[(library.machine_name, library.major, library.minor)] = library
    return newest


def _link_libraries(
    package: H5PPackage, installed: dict[tuple[str, int, int], H5PLibrary], writer: _Writer
) -> list[H5PLibrary]:
    """The library rows the package plays with: an installed copy when it is at least as
    new as the package's (H5P patches are compatible), else the package's own, stored."""
    linked = dict(installed)
    for key, library in package.libraries.items():
        current = installed.get(key)
        if current is not None and current.patch >= library.patch:
            continue
        row = H5PLibrary(
            machine_name=library.machine_name,
            major=library.major,
            minor=library.minor,
            patch=library.patch,
            title=library.title[:255],
            runnable=library.runnable,
            metadata=library.metadata,
            files=[name.split("/", 1)[1] for name in library.files],
        )
        for name in library.files:
            writer.put(f"{row.storage_prefix}/{name.split('/', 1)[1]}", package.archive, name)
        row.save()
        linked[key] = row
    return [linked[key] for key in _closure(package, linked)]


def _closure(package: H5PPackage, linked: dict[tuple[str, int, int], H5PLibrary]) -> list:
    """Every library the content needs, following dependencies from h5p.json."""
    todo = list(dependencies_of(package.h5p_json, "preloadedDependencies", "dynamicDependencies"))
    # Editor libraries come along in exported packages; a player never loads them, but
    # the package is exported again as it came.
    todo += list(package.libraries)
    seen: list[tuple[str, int, int]] = []
    while todo:
        key = todo.pop()
        if key in seen or key not in linked:
            continue
        seen.append(key)
        todo.extend(
            dependencies_of(linked[key].metadata, "preloadedDependencies", "dynamicDependencies")
        )
    return seen


def h5p_package_create(
    *, source: IO[bytes], collection: Collection, user=None, title: str = ""
) -> Package:
    """Validate ``source`` (a .h5p file) and store it as a package of ``collection``.

    Raises PackageError with the reason when the file is refused; nothing is kept then.
    """
    sha256, size = file_sha256(source)
    installed = _installed()
    package = h5p_validate(source, set(installed))
    storage = media_storage()
    with _undo_on_error(storage) as writer, transaction.atomic():
        row = Package(
            kind=Package.Kind.H5P,
            title=(title or package.title)[:255],
            collection=collection,
            main_library=package.main_library,
            scored=package.scored,
            metadata={"h5p": package.h5p_json},
            files=list(package.content_files),
            size=size,
            sha256=sha256,
            uploaded_by=user if user is not None and user.is_authenticated else None,
        )
        writer.put_bytes(f"{row.storage_prefix}/h5p.json", package.archive.read("h5p.json", size))
        for name in package.content_files:
            writer.put(f"{row.storage_prefix}/{name}", package.archive, name)
        libraries = _link_libraries(package, installed, writer)
        row.save()
        row.libraries.set(libraries)
    return row


def scorm_package_create(
    *, source: IO[bytes], collection: Collection, user=None, title: str = ""
) -> Package:
    """Validate ``source`` (a SCORM 1.2 or 2004 zip) and store it as a package of
    ``collection``; PackageError with the reason when it is refused."""
    sha256, size = file_sha256(source)
    upload = scorm_validate(source)
    manifest = upload.manifest
    launch = manifest.launch
    storage = media_storage()
    with _undo_on_error(storage) as writer, transaction.atomic():
        row = Package(
            kind=Package.Kind.SCORM12 if manifest.version == "1.2" else Package.Kind.SCORM2004,
            title=(title or manifest.title or launch.title)[:255],
            collection=collection,
            main_library=manifest.edition[:255],
            launch=(launch.launch or "")[:1000],
            scored=upload.pass_percent is not None,
            pass_percent=upload.pass_percent,
            metadata={
                "scorm": {
                    "version": manifest.version,
                    "edition": manifest.edition,
                    "identifier": manifest.identifier,
                    "launch_query": launch.launch_query,
                    "items": [
                        {"identifier": item.identifier, "title": item.title, "launch": item.launch}
                        for item in manifest.launch_items()
                    ],
                }
            },
            files=upload.files,
            size=size,
            sha256=sha256,
            uploaded_by=user if user is not None and user.is_authenticated else None,
        )
        for name in upload.files:
            writer.put(f"{row.storage_prefix}/{name}", upload.archive, name)
        row.save()
    return row


def package_create(
    *, source: IO[bytes], collection: Collection, user=None, title: str = ""
) -> Package:
    """An H5P or a SCORM package, whichever ``source`` is."""
    archive = SafeArchive(source, package_limits())
    if SCORM_MANIFEST not in archive.entries and "h5p.json" not in archive.entries:
        raise PackageError(
            _(
                "Tệp không phải gói H5P (thiếu h5p.json) cũng không phải gói SCORM "
                "(thiếu imsmanifest.xml ở thư mục gốc)."
            )
        )
    create = scorm_package_create if SCORM_MANIFEST in archive.entries else h5p_package_create
    source.seek(0)
    return create(source=source, collection=collection, user=user, title=title)


def package_delete(package: Package) -> None:
    """The package; its files follow once the deletion is committed (the admin's
    delete screens and bulk actions delete rows directly, so the files go with any
    deleted row: content_packs.signals). Libraries stay: other packages share them."""
    package.delete()


def package_files_delete(package: Package) -> None:
    prefix = package.storage_prefix
    transaction.on_commit(lambda: delete_folder(media_storage(), prefix))
