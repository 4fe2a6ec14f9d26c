"""The media assets' storage, and the folder operations the pipeline needs from any
Django storage (local disk or S3-compatible): a rendition set is a folder."""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, cached_property, empty


class PrivateMediaStorage(FileSystemStorage):
    """Under MEDIA_ASSETS_ROOT (PRIVATE_ROOT/media by default), never under a public
    URL: the app serves these files, or has nginx send them once it has checked."""

    @cached_property
    def base_location(self):
        location = self._location  # type: ignore[attr-defined]
        root = getattr(settings, "MEDIA_ASSETS_ROOT", "") or Path(settings.PRIVATE_ROOT) / "media"
        return self._value_or_setting(location, root)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting in ("PRIVATE_ROOT", "MEDIA_ASSETS_ROOT"):
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError("media assets have no public URL; the app serves them")


def media_storage() -> Storage:
    return storages["media_assets"]


def local_path(storage: Storage, name: str) -> str | None:
    """The file's path on this machine, when the storage keeps it on disk."""
    try:
        return storage.path(name)
    except NotImplementedError:
        return None


@contextmanager
def local_copy(storage: Storage, name: str) -> Iterator[Path]:
    """A path ffmpeg can read: the file itself on disk, else a temporary download."""
    path = local_path(storage, name)
    if path:
        yield Path(path)
        return
    with tempfile.TemporaryDirectory(prefix="media-src-") as folder:
        target = Path(folder) / Path(name).name
        with storage.open(name, "rb") as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        yield target


def upload_folder(storage: Storage, folder: Path, prefix: str) -> int:
    """Every file under ``folder`` saved under ``prefix`` with the same relative names;
    the bytes written."""
    total = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = f"{prefix}/{path.relative_to(folder).as_posix()}"
        with path.open("rb") as handle:
            saved = storage.save(name, File(handle))
        if saved != name:
            # The prefix is new for every attempt: a clash means files left by another.
            storage.delete(saved)
            raise FileExistsError(name)
        total += path.stat().st_size
    return total


def walk(storage: Storage, prefix: str) -> Iterator[str]:
    """Every file name under ``prefix``, however deep."""
    try:
        folders, files = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{prefix}/{name}"
    for folder in folders:
        yield from walk(storage, f"{prefix}/{folder}")


def subfolders(storage: Storage, prefix: str) -> list[str]:
    try:
        folders, _files = storage.listdir(prefix)
    except FileNotFoundError:
        return []
    return sorted(folders)


def delete_folder(storage: Storage, prefix: str) -> None:
    if not prefix.strip("/"):
        raise ValueError("refusing to delete the storage's root")
    for name in list(walk(storage, prefix)):
        storage.delete(name)
    _prune_empty(storage, prefix)


def _prune_empty(storage: Storage, prefix: str) -> None:
    """Local disk keeps empty folders; object stores have none to remove."""
    path = local_path(storage, prefix)
    if path and Path(path).is_dir():
        for folder in sorted(Path(path).rglob("*"), reverse=True):
            if folder.is_dir():
                folder.rmdir()
        Path(path).rmdir()


class _CurrentMediaStorage(LazyObject):
    """The media storage as the settings name it. A model's FileField gets its storage
    once, at import; through this it follows STORAGES as the pipeline does (one
    deployment never changes it, the tests do)."""

    def _setup(self):
        self._wrapped = media_storage()


_current = _CurrentMediaStorage()


@receiver(setting_changed)
def _storages_changed(setting, **kwargs):
    if setting == "STORAGES":
        _current._wrapped = empty  # type: ignore[assignment]  # LazyObject's own reset


def media_field_storage():
    return _current
