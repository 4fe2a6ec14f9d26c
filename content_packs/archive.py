"""Reading an uploaded zip (an H5P or SCORM package) that may have been made to hurt.

Everything is checked from the archive itself before a single file is written: the
central directory (names, sizes, link and encryption bits), then every entry's bytes
(its CRC, and that they are what its extension says). Only a package that passes is
stored, so a refused upload leaves nothing behind.
"""

import codecs
import posixpath
import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import filetype
from django.conf import settings
from django.utils.translation import gettext as _

from lms.errors import ServiceError

CHUNK = 1024 * 1024
# Beyond what file systems and the packages' stored file lists keep.
MAX_NAME = 200
MAX_PATH = 700


class PackageError(ServiceError):
    """An upload refused, with the reason a trainer can act on."""

    def __init__(self, message: str):
        super().__init__(message, code="invalid-package")


@dataclass(frozen=True)
class Limits:
    archive_bytes: int
    entry_bytes: int
    total_bytes: int
    entries: int
    # Deflate reaches about 1000:1 on runs of one byte; real content (text, already
    # compressed media) stays far below this.
    ratio: int = 200


def package_limits() -> Limits:
    return Limits(
        archive_bytes=settings.PACKAGE_MAX_BYTES,
        entry_bytes=settings.PACKAGE_MAX_FILE_BYTES,
        total_bytes=settings.PACKAGE_MAX_EXTRACTED_BYTES,
        entries=settings.PACKAGE_MAX_FILES,
    )


# Extensions whose bytes must carry the signature of one of these detected types.
BINARY_KINDS: dict[str, set[str]] = {
    "png": {"png", "apng"},
    "apng": {"png", "apng"},
    "jpg": {"jpg"},
    "jpeg": {"jpg"},
    "gif": {"gif"},
    "bmp": {"bmp"},
    "webp": {"webp"},
    "tif": {"tif"},
    "tiff": {"tif"},
    "ico": {"ico"},
    "mp3": {"mp3"},
    "m4a": {"m4a", "mp4"},
    "ogg": {"ogg"},
    "oga": {"ogg"},
    "wav": {"wav"},
    "mp4": {"mp4", "m4v", "mov", "3gp"},
    "m4v": {"mp4", "m4v", "mov"},
    "webm": {"webm", "mkv"},
    "woff": {"woff"},
    "woff2": {"woff2"},
    "ttf": {"ttf"},
    "otf": {"otf"},
    "pdf": {"pdf"},
    "rtf": {"rtf"},
    "doc": {"doc"},
    "xls": {"xls", "doc"},
    "ppt": {"ppt", "doc"},
    "docx": {"docx", "zip"},
    "xlsx": {"xlsx", "zip"},
    "pptx": {"pptx", "zip"},
    "odt": {"odt", "zip"},
    "ods": {"ods", "zip"},
    "odp": {"odp", "zip"},
    "glb": set(),
}
# Formats the sniffer misses in some of their versions, checked by their own magic.
OWN_SIGNATURES = {
    # Embedded OpenType: "LP" at byte 34, whatever the version field says.
    "eot": lambda head: head[34:36] == b"LP",
}
# Extensions whose bytes must be UTF-8 text (no NUL, nothing a sniffer recognises).
TEXT_KINDS = {
    "json", "js", "css", "svg", "txt", "md", "xml", "xsd", "dtd", "csv", "diff", "patch",
    "vtt", "webvtt", "textile", "html", "htm", "gltf",
}  # fmt: skip
# Mac archivers add these; they are skipped, never stored.
JUNK = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$)")
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    info: zipfile.ZipInfo

    @property
    def extension(self) -> str:
        base = self.name.rsplit("/", 1)[-1]
        return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def safe_name(raw: str) -> str:
    """The entry's path inside the package, or PackageError if it could land outside it."""
    name = raw.replace("\\", "/") if "\\" in raw else raw
    if (
        not name
        or name.startswith("/")
        or _DRIVE.match(name)
        or any(unicodedata.category(c) == "Cc" for c in name)
    ):
        raise PackageError(_("Gói có đường dẫn không hợp lệ: %(name)s") % {"name": raw[:200]})
    parts = name.rstrip("/").split("/")
    if len(name) > MAX_PATH or any(len(part.encode()) > MAX_NAME for part in parts):
        raise PackageError(_("Gói có tên tệp quá dài: %(name)s") % {"name": raw[:200]})
    if any(part in ("", ".", "..") for part in parts):
        raise PackageError(
            _("Gói có đường dẫn ra ngoài thư mục gói: %(name)s") % {"name": raw[:200]}
        )
    return posixpath.normpath(name)


class SafeArchive:
    """The entries of a zip that passed every check on its central directory."""

    def __init__(self, source: IO[bytes], limits: Limits):
        source.seek(0, 2)
        size = source.tell()
        source.seek(0)
        if size > limits.archive_bytes:
            raise PackageError(
                _("Gói quá lớn: %(size)s MB, tối đa %(limit)s MB.")
                % {"size": round(size / 1e6, 1), "limit": round(limits.archive_bytes / 1e6)}
            )
        try:
            self.zip = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
            raise PackageError(
                _("Tệp không phải gói zip hợp lệ (%(detail)s).") % {"detail": error}
            ) from None
        self.limits = limits
        self.entries: dict[str, Entry] = {}
        self.folders: set[str] = set()
        self._check_directory()

    def _check_directory(self) -> None:
        infos = self.zip.infolist()
        if len(infos) > self.limits.entries:
            raise PackageError(
                _("Gói có quá nhiều tệp: %(count)s, tối đa %(limit)s.")
                % {"count": len(infos), "limit": self.limits.entries}
            )
        total = 0
        seen: set[str] = set()
        for info in infos:
            if JUNK.search(info.filename):
                continue
            name = safe_name(info.filename)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise PackageError(
                    _("Gói chứa liên kết tượng trưng (symlink), không được phép: %(name)s")
                    % {"name": name}
                )
            if info.flag_bits & 0x1:
                raise PackageError(_("Gói có tệp được mã hóa: %(name)s") % {"name": name})
            folded = name.casefold()
            if folded in seen:
                raise PackageError(_("Gói có hai tệp trùng tên: %(name)s") % {"name": name})
            seen.add(folded)
            if info.is_dir():
                self.folders.add(name)
                continue
            if info.file_size > self.limits.entry_bytes:
                raise PackageError(
                    _("Tệp %(name)s quá lớn: %(size)s MB, tối đa %(limit)s MB.")
                    % {
                        "name": name,
                        "size": round(info.file_size / 1e6, 1),
                        "limit": round(self.limits.entry_bytes / 1e6),
                    }
                )
            if info.file_size > CHUNK and info.file_size > self.limits.ratio * max(
                info.compress_size, 1
            ):
                raise PackageError(
                    _("Tệp %(name)s nén bất thường (tỉ lệ quá cao): có thể là bom nén.")
                    % {"name": name}
                )
            total += info.file_size
            if total > self.limits.total_bytes:
                raise PackageError(
                    _("Gói khi giải nén vượt quá %(limit)s MB.")
                    % {"limit": round(self.limits.total_bytes / 1e6)}
                )
            self.entries[name] = Entry(name, info.file_size, info)
            parts = name.split("/")
            self.folders.update("/".join(parts[:i]) for i in range(1, len(parts)))

    def read(self, name: str, limit: int) -> bytes:
        entry = self.entries[name]
        if entry.size > limit:
            raise PackageError(
                _("Tệp %(name)s quá lớn: %(size)s KB, tối đa %(limit)s KB.")
                % {"name": name, "size": entry.size // 1024, "limit": limit // 1024}
            )
        return b"".join(self.chunks(name))

    def chunks(self, name: str) -> Iterator[bytes]:
        """The entry's bytes; a damaged entry (bad CRC, truncated) is refused."""
        try:
            with self.zip.open(self.entries[name].info) as handle:
                while chunk := handle.read(CHUNK):
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as error:
            raise PackageError(
                _("Tệp %(name)s trong gói bị hỏng (%(detail)s).") % {"name": name, "detail": error}
            ) from None

    def check_content(self, entry: Entry, allowed: set[str], *, utf8: bool = True) -> None:
        """The extension is allowed and the bytes are what it says. Text must be UTF-8
        unless ``utf8`` is off (older authoring tools publish pages in legacy code
        pages): then it only may not be binary."""
        extension = entry.extension
        if extension not in allowed:
            raise PackageError(
                _("Tệp %(name)s có đuôi không được phép (.%(ext)s).")
                % {"name": entry.name, "ext": extension or "?"}
            )
        if extension in TEXT_KINDS:
            self._check_text(entry, utf8=utf8)
        elif extension in BINARY_KINDS or extension in OWN_SIGNATURES:
            self._check_binary(entry, extension)
        else:  # an allowed extension with no rule of its own: at least drain the CRC
            for _chunk in self.chunks(entry.name):
                pass

    def _mismatch(self, entry: Entry) -> PackageError:
        return PackageError(
            _("Nội dung tệp %(name)s không khớp với đuôi .%(ext)s.")
            % {"name": entry.name, "ext": entry.extension}
        )

    def _check_text(self, entry: Entry, *, utf8: bool) -> None:
        decoder = codecs.getincrementaldecoder("utf-8" if utf8 else "latin-1")()
        first = True
        for chunk in self.chunks(entry.name):
            if first:
                first = False
                if filetype.guess(chunk[:8192]) is not None:
                    raise self._mismatch(entry)
            if b"\x00" in chunk:
                raise self._mismatch(entry)
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                raise self._mismatch(entry) from None
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise self._mismatch(entry) from None

    def _check_binary(self, entry: Entry, extension: str) -> None:
        head = b""
        for chunk in self.chunks(entry.name):
            if not head:
                head = chunk[:8192]
        if extension in OWN_SIGNATURES:
            if not OWN_SIGNATURES[extension](head):
                raise self._mismatch(entry)
            return
        kinds = BINARY_KINDS[extension]
        if not kinds:
            return
        guess = filetype.guess(head) if head else None
        if guess is None or guess.extension not in kinds:
            raise self._mismatch(entry)
