"""Reading a pack: everything cheap is checked on open, the payload by verify_files()."""

import contextlib
import hashlib
import io
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import IO, Any, BinaryIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.utils.translation import gettext as _

from .format import (
    CHUNK_SIZE,
    FILES_PREFIX,
    MANIFEST_MAX_BYTES,
    MANIFEST_NAME,
    SIGNATURE_MAX_BYTES,
    SIGNATURE_NAME,
    PackError,
    entry_name,
    is_digest,
    manifest_too_large,
    parse_manifest,
    parse_signature,
)
from .keys import key_id

# What the zip module raises on archives it cannot make sense of. OSError covers a
# stream that cannot seek; a missing file fails earlier, when it is opened.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    EOFError,
    struct.error,
    NotImplementedError,
    ValueError,
    OverflowError,
    OSError,
)
# What reading one entry's bytes raises when they are not what the archive says.
_ENTRY_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error)
# Traditional and strong encryption, compressed patch data: nothing a pack uses.
_UNSUPPORTED_FLAGS = 0x01 | 0x20 | 0x40
_SUPPORTED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def _damaged(detail: object) -> PackError:
    return PackError(
        _("Tệp không phải gói nội dung hoặc đã hỏng: %(detail)s") % {"detail": detail},
        code="damaged",
    )


def _missing(name: str) -> PackError:
    return PackError(_("Thiếu tệp %(name)s trong gói.") % {"name": name}, code="missing_file")


def _changed(name: str) -> PackError:
    return PackError(
        _("Tệp %(name)s trong gói bị thay đổi (mã kiểm tra không khớp).") % {"name": name},
        code="file_changed",
    )


def _shown(name: str) -> str:
    # An entry name comes from whoever made the archive: shown escaped and cut short.
    text = name.encode("unicode_escape").decode("ascii")
    return text if len(text) <= 200 else text[:200] + "…"


def _allowed_name(name: str) -> bool:
    if name in (MANIFEST_NAME, SIGNATURE_NAME):
        return True
    return name.startswith(FILES_PREFIX) and is_digest(name[len(FILES_PREFIX) :])


def _trusted_keys(
    keys: Mapping[str, Ed25519PublicKey] | Iterable[Ed25519PublicKey],
) -> dict[str, Ed25519PublicKey]:
    listed: Iterable[tuple[str | None, Ed25519PublicKey]]
    if isinstance(keys, Mapping):
        listed = keys.items()
    else:
        listed = ((None, key) for key in keys)
    trusted: dict[str, Ed25519PublicKey] = {}
    for given_id, key in listed:
        if not isinstance(key, Ed25519PublicKey):
            raise TypeError("trusted keys must be Ed25519PublicKey objects")
        actual_id = key_id(key)
        if given_id is not None and given_id != actual_id:
            # A settings mistake; checking against the wrong key would only ever fail.
            raise ValueError(f"the trusted key listed as {given_id} has the id {actual_id}")
        trusted[actual_id] = key
    return trusted


class _CheckedEntry(io.RawIOBase):
    """One payload entry, hashed as it is read; reaching the end checks the digest."""

    def __init__(self, entry: IO[bytes], digest: str) -> None:
        super().__init__()
        self._entry = entry
        self._digest = digest
        self._hash = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        try:
            data = self._entry.read(len(view))
        except _ENTRY_ERRORS as exc:
            # The zip module's CRC check fails before the digest can.
            raise _changed(self._digest) from exc
        if data:
            self._hash.update(data)
            view[: len(data)] = data
            return len(data)
        if self._hash.hexdigest() != self._digest:
            raise _changed(self._digest)
        return 0

    def close(self) -> None:
        if not self.closed:
            self._entry.close()
        super().close()


class PackReader:
    """Opens a pack and checks, before anything in it is trusted, that it is a well-formed
    archive of the expected entries, signed by one of ``trusted_keys``, with a manifest of
    a format this installation reads that lists exactly the files present, at their sizes.

    Those checks read only the archive's directory and two small entries. The payload is
    checked by verify_files(), or file by file as open_file() streams are read to the end.
    ``trusted_keys`` is a list of public keys or a mapping of key id to key.
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | BinaryIO,
        trusted_keys: Mapping[str, Ed25519PublicKey] | Iterable[Ed25519PublicKey],
    ) -> None:
        trusted = _trusted_keys(trusted_keys)
        with contextlib.ExitStack() as stack:
            fileobj: BinaryIO
            if isinstance(source, str | os.PathLike):
                fileobj = stack.enter_context(open(source, "rb"))
            else:
                fileobj = source
            try:
                self._zip = stack.enter_context(zipfile.ZipFile(fileobj))
            except _ZIP_ERRORS as exc:
                raise _damaged(exc) from exc
            self._entries = self._check_entries()
            manifest_bytes = self._read_manifest_bytes()
            self._key_id = self._check_signature(manifest_bytes, trusted)
            self._manifest = parse_manifest(manifest_bytes)
            self._files: dict[str, int] = self._manifest["files"]
            self._check_files()
            self._cleanup = stack.pop_all()

    def __enter__(self) -> "PackReader":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._cleanup.close()

    @property
    def manifest(self) -> dict[str, Any]:
        return self._manifest

    @property
    def key_id(self) -> str:
        """The id of the trusted key the pack was signed with."""
        return self._key_id

    @property
    def files(self) -> Mapping[str, int]:
        """SHA-256 (hex) to size of every file in the pack."""
        return self._files

    def file_size(self, sha256: str) -> int:
        if sha256 not in self._files:
            raise _missing(_shown(sha256))
        return self._files[sha256]

    def open_file(self, sha256: str) -> BinaryIO:
        """A stream of one file's bytes. Reading it to the end raises PackError if they are
        not the bytes the manifest names; whatever is built from them before that point
        must not be kept."""
        self.file_size(sha256)
        try:
            entry = self._zip.open(self._entries[entry_name(sha256)])
        except _ENTRY_ERRORS as exc:
            raise _changed(sha256) from exc
        return io.BufferedReader(_CheckedEntry(entry, sha256), buffer_size=CHUNK_SIZE)

    def verify_files(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Reads every file and checks it against its SHA-256. ``progress`` is called with
        (bytes checked, bytes in all) as it goes."""
        total = sum(self._files.values())
        done = 0
        if progress is not None:
            progress(done, total)
        # In archive order, so a pack on disk is read front to back.
        for digest in sorted(self._files, key=self._offset):
            with self.open_file(digest) as stream:
                while chunk := stream.read(CHUNK_SIZE):
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)

    def _offset(self, digest: str) -> int:
        return self._entries[entry_name(digest)].header_offset

    def _check_entries(self) -> dict[str, zipfile.ZipInfo]:
        entries: dict[str, zipfile.ZipInfo] = {}
        for info in self._zip.infolist():
            # orig_filename is the name as stored; filename is cut at a NUL, which would
            # let "manifest.json\0..." pass for the manifest.
            name = info.orig_filename
            if name in entries:
                raise PackError(
                    _("Gói có mục bị lặp: %(name)s") % {"name": _shown(name)},
                    code="duplicate_entry",
                )
            if not _allowed_name(name):
                raise PackError(
                    _("Gói có mục không hợp lệ: %(name)s") % {"name": _shown(name)},
                    code="bad_entry",
                )
            file_type = stat.S_IFMT(info.external_attr >> 16)
            if file_type not in (0, stat.S_IFREG):
                raise PackError(
                    _("Mục %(name)s trong gói không phải tệp thông thường.") % {"name": name},
                    code="not_regular_file",
                )
            if (
                info.flag_bits & _UNSUPPORTED_FLAGS
                or info.compress_type not in _SUPPORTED_COMPRESSION
            ):
                raise PackError(
                    _("Mục %(name)s trong gói được mã hóa hoặc nén theo cách không hỗ trợ.")
                    % {"name": name},
                    code="unsupported_entry",
                )
            entries[name] = info
        return entries

    def _read_small(self, info: zipfile.ZipInfo) -> bytes:
        # Only called once the entry's size has been checked against its limit; the zip
        # module never yields more than that size.
        try:
            with self._zip.open(info) as stream:
                return stream.read()
        except _ZIP_ERRORS as exc:
            raise _damaged(exc) from exc

    def _read_manifest_bytes(self) -> bytes:
        info = self._entries.get(MANIFEST_NAME)
        if info is None:
            raise _missing(MANIFEST_NAME)
        if info.file_size > MANIFEST_MAX_BYTES:
            raise manifest_too_large(info.file_size)
        return self._read_small(info)

    def _check_signature(self, manifest: bytes, trusted: dict[str, Ed25519PublicKey]) -> str:
        info = self._entries.get(SIGNATURE_NAME)
        if info is None:
            raise _missing(SIGNATURE_NAME)
        if info.file_size > SIGNATURE_MAX_BYTES:
            raise PackError(
                _("Tệp chữ ký của gói không hợp lệ: %(detail)s")
                % {"detail": _("quá lớn (%(size)s byte)") % {"size": info.file_size}},
                code="bad_signature_file",
            )
        signature = parse_signature(self._read_small(info))
        key = trusted.get(signature.key_id)
        if key is None:
            raise PackError(
                _("Gói được ký bằng khóa không được tin cậy: %(key_id)s")
                % {"key_id": signature.key_id},
                code="untrusted_key",
            )
        try:
            key.verify(signature.signature, manifest)
        except InvalidSignature as exc:
            raise PackError(
                _("Chữ ký không khớp: gói đã bị sửa hoặc do người khác ký."),
                code="bad_signature",
            ) from exc
        return signature.key_id

    def _check_files(self) -> None:
        for digest, size in self._files.items():
            info = self._entries.get(entry_name(digest))
            if info is None:
                raise _missing(digest)
            if info.file_size != size:
                raise PackError(
                    _(
                        "Tệp %(name)s trong gói có kích thước %(actual)s byte, "
                        "khác với %(expected)s byte đã khai báo."
                    )
                    % {"name": digest, "actual": info.file_size, "expected": size},
                    code="size_mismatch",
                )
        for name in self._entries:
            if name.startswith(FILES_PREFIX) and name[len(FILES_PREFIX) :] not in self._files:
                raise PackError(
                    _("Gói có tệp không được khai báo: %(name)s")
                    % {"name": name[len(FILES_PREFIX) :]},
                    code="unlisted_file",
                )
