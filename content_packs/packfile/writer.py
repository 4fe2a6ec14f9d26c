"""Writing a pack: the files streamed in one at a time, then the signed manifest."""

import contextlib
import hashlib
import io
import os
import secrets
import stat
import zipfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils.translation import gettext as _

from .format import (
    CHUNK_SIZE,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST_MAX_BYTES,
    MANIFEST_NAME,
    SIGNATURE_NAME,
    WRITER_FIELDS,
    PackError,
    canonical_json,
    entry_name,
    is_digest,
    manifest_too_large,
    parse_manifest,
    signature_json,
)
from .keys import key_id

# Unix, so that readers take the high half of external_attr as mode bits.
_CREATE_SYSTEM_UNIX = 3
_REGULAR_FILE = (stat.S_IFREG | 0o644) << 16


def _mismatch(digest: str) -> PackError:
    return PackError(
        _(
            "Nội dung tệp %(name)s không khớp với mã kiểm tra hoặc kích thước đã biết; "
            "có thể tệp đã thay đổi trong khi đóng gói."
        )
        % {"name": digest},
        code="source_changed",
    )


def _measure(source: Callable[[], BinaryIO]) -> tuple[str, int]:
    hasher = hashlib.sha256()
    size = 0
    with source() as stream:
        while chunk := stream.read(CHUNK_SIZE):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


class PackWriter:
    """Writes one pack::

        with PackWriter(path, private_key) as writer:
            digest = writer.add_file(lambda: open(video_path, "rb"))
            manifest = writer.finish({"course": {..., "video": digest}})

    Only the list of digests is kept in memory: each file is read in chunks and streamed
    into the archive. A source is a callable that opens the file, because a file whose
    digest is not known is read twice, once to hash it and once to store it.

    A path target is written under a temporary name beside it and renamed by finish():
    a half-written pack never appears under the name, an existing pack there is replaced
    only by a complete one, and leaving the ``with`` block early (an exception, or no
    finish()) removes the temporary file. A stream target is written as it goes and
    cannot be taken back; what is left in it after a failure has no signature, so no
    reader accepts it.

    ``progress``, if given, is called with the number of payload bytes stored so far.
    Not thread-safe: one writer, one thread.
    """

    def __init__(
        self,
        target: str | os.PathLike[str] | BinaryIO,
        private_key: Ed25519PrivateKey,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        if not isinstance(private_key, Ed25519PrivateKey):
            raise TypeError("private_key must be an Ed25519PrivateKey")
        self._private_key = private_key
        self._key_id = key_id(private_key.public_key())
        self._progress = progress
        self._written = 0
        self._files: dict[str, int] = {}
        self._created_at = datetime.now(UTC).replace(microsecond=0)
        # Zip timestamps are local time by convention.
        self._date_time = self._created_at.astimezone().timetuple()[:6]
        self._finished = False
        self._closed = False
        # Set while an entry is being written and left set if that fails: the archive
        # then holds a partial entry and must not be finished.
        self._broken = False
        self._path: str | None = None
        self._temp_path: str | None = None
        self._own_file: BinaryIO | None = None
        if isinstance(target, str | os.PathLike):
            self._path = os.path.abspath(os.fspath(target))
            directory, name = os.path.split(self._path)
            self._temp_path = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.partial")
            # O_EXCL: never write into a file someone else created under that name.
            fd = os.open(self._temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            self._own_file = open(fd, "wb")
            fileobj: BinaryIO = self._own_file
        else:
            fileobj = target
        try:
            self._zip = zipfile.ZipFile(fileobj, "w", zipfile.ZIP_STORED, allowZip64=True)
        except BaseException:
            self._discard_file()
            raise

    def __enter__(self) -> "PackWriter":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # close() without finish() is a deliberate discard; only forgetting both is an error.
        forgotten = not (self._finished or self._closed)
        self.close()
        if exc_type is None and forgotten:
            raise RuntimeError("PackWriter left without finish(); the pack was discarded")

    @property
    def key_id(self) -> str:
        return self._key_id

    def add_file(
        self,
        source: Callable[[], BinaryIO],
        *,
        sha256: str | None = None,
        size: int | None = None,
    ) -> str:
        """Stores the file ``source()`` opens and returns its SHA-256 (hex).

        Content already in the pack is not stored again. Given ``sha256`` (say, from the
        media library), a file already in the pack is not even opened; otherwise it is read
        once to hash it. Either way the bytes are hashed again as they are stored, and a
        PackError is raised if they differ from the digest or ``size``; the pack is then
        unusable and must be discarded.
        """
        self._check_usable()
        if sha256 is not None:
            sha256 = sha256.lower()
            if not is_digest(sha256):
                raise ValueError("sha256 must be 64 hexadecimal digits")
        if size is not None and size < 0:
            raise ValueError("size must not be negative")
        if sha256 is None:
            sha256, measured = _measure(source)
            if size is not None and measured != size:
                raise _mismatch(sha256)
            size = measured
        if sha256 in self._files:
            if size is not None and size != self._files[sha256]:
                raise _mismatch(sha256)
            return sha256
        self._store(source, sha256, size)
        return sha256

    def add_bytes(self, data: bytes) -> str:
        """Stores a small piece of content held in memory (a subtitle, a generated page)."""
        digest = hashlib.sha256(data).hexdigest()
        return self.add_file(lambda: io.BytesIO(data), sha256=digest, size=len(data))

    def _entry_info(self, name: str, compress_type: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = compress_type
        info.create_system = _CREATE_SYSTEM_UNIX
        info.external_attr = _REGULAR_FILE
        return info

    def _store(self, source: Callable[[], BinaryIO], digest: str, size: int | None) -> None:
        info = self._entry_info(entry_name(digest), zipfile.ZIP_STORED)
        hasher = hashlib.sha256()
        stored = 0
        with source() as stream:
            self._broken = True
            # Zip64 whatever the size: a file's size is not always known before it is read.
            with self._zip.open(info, "w", force_zip64=True) as entry:
                while chunk := stream.read(CHUNK_SIZE):
                    hasher.update(chunk)
                    entry.write(chunk)
                    stored += len(chunk)
                    self._written += len(chunk)
                    if self._progress is not None:
                        self._progress(self._written)
        if hasher.hexdigest() != digest or (size is not None and stored != size):
            raise _mismatch(digest)
        self._files[digest] = stored
        self._broken = False

    def finish(self, manifest: Mapping[str, Any]) -> dict[str, Any]:
        """Writes manifest.json (the caller's fields with the writer's own), signs it, and
        completes the pack. Returns the manifest as a reader will see it.

        ``created_at`` defaults to when the writer was made; ``format``, ``format_version``
        and ``files`` belong to the writer and may not be given. Fields JSON cannot carry
        exactly (NaN, objects) raise ValueError or TypeError, and nothing is written.
        """
        self._check_usable()
        clash = WRITER_FIELDS & set(manifest)
        if clash:
            raise ValueError(f"the writer sets {', '.join(sorted(clash))}; leave them out")
        document = {
            "created_at": self._created_at.isoformat(),
            **manifest,
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "files": self._files,
        }
        data = canonical_json(document)
        if len(data) > MANIFEST_MAX_BYTES:
            raise manifest_too_large(len(data))
        final = parse_manifest(data)
        signature = signature_json(self._key_id, self._private_key.sign(data))

        self._broken = True
        self._zip.writestr(self._entry_info(MANIFEST_NAME, zipfile.ZIP_DEFLATED), data)
        self._zip.writestr(self._entry_info(SIGNATURE_NAME, zipfile.ZIP_STORED), signature)
        self._zip.close()
        if self._own_file is not None:
            assert self._path is not None and self._temp_path is not None
            self._own_file.flush()
            # On disk before the rename, so a crash cannot leave a truncated pack under
            # the final name.
            os.fsync(self._own_file.fileno())
            self._own_file.close()
            os.replace(self._temp_path, self._path)
        self._broken = False
        self._finished = True
        return final

    def close(self) -> None:
        """Discards the pack unless finish() completed it. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._finished:
            return
        # Lets the zip module let go of the file; the bytes it adds go with the file.
        with contextlib.suppress(Exception):
            self._zip.close()
        self._discard_file()

    def _discard_file(self) -> None:
        if self._own_file is None or self._temp_path is None:
            return
        with contextlib.suppress(OSError):
            self._own_file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._temp_path)

    def _check_usable(self) -> None:
        if self._closed or self._finished:
            raise RuntimeError("the pack is already finished or discarded")
        if self._broken:
            raise RuntimeError("an earlier failure left the pack incomplete; discard it")
