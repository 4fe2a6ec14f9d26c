"""An uploaded .h5p checked whole before anything is stored.

The order follows what a trainer can fix: the archive itself, then h5p.json, the
content, each library (folder name, library.json, the files it preloads), the
dependencies between them, and finally every file's extension and bytes.
"""

import json
import re
from dataclasses import dataclass, field
from typing import IO, Any

import jsonschema
from django.utils.translation import gettext as _

from ..archive import PackageError, SafeArchive, package_limits
from .schemas import H5P_JSON, LIBRARY_JSON

LIBRARY_FOLDER = re.compile(r"^(?P<name>[\w.\-]{1,255})-(?P<major>\d{1,9})\.(?P<minor>\d{1,9})$")
JSON_LIMIT = 16 * 1024 * 1024
# H5P's own default allow-lists (h5p-php-library), without Flash; libraries add code.
CONTENT_EXTENSIONS = {
    "json", "png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "svg", "eot", "ttf", "woff",
    "woff2", "otf", "webm", "mp4", "ogg", "mp3", "m4a", "wav", "txt", "pdf", "rtf", "doc",
    "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "xml", "csv", "diff", "patch",
    "md", "textile", "vtt", "webvtt", "gltf", "glb",
}  # fmt: skip
LIBRARY_EXTENSIONS = CONTENT_EXTENSIONS | {"js", "css"}
# Content types built on this library ask questions and report a score.
QUESTION_LIBRARY = "H5P.Question"


@dataclass
class LibraryIn:
    folder: str
    machine_name: str
    major: int
    minor: int
    patch: int
    title: str
    runnable: bool
    metadata: dict
    files: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.machine_name, self.major, self.minor)


@dataclass
class H5PPackage:
    archive: SafeArchive
    h5p_json: dict
    title: str
    main_library: str
    libraries: dict[tuple[str, int, int], LibraryIn]
    content_files: list[str]
    scored: bool


def _strict_json(archive: SafeArchive, name: str, what: str) -> Any:
    def refuse_constant(value: str) -> None:
        raise ValueError(value)

    try:
        return json.loads(archive.read(name, JSON_LIMIT), parse_constant=refuse_constant)
    except (ValueError, RecursionError) as error:
        raise PackageError(
            _("%(what)s không phải JSON hợp lệ: %(detail)s") % {"what": what, "detail": error}
        ) from None


def _schema_errors(data: Any, schema: dict, what: str) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or _("gốc")
        raise PackageError(
            _("%(what)s sai cấu trúc (tại %(where)s): %(detail)s")
            % {"what": what, "where": where, "detail": error.message[:300]}
        )


def _version(value: int | str) -> int:
    return int(value)


def dependencies_of(data: dict, *keys: str) -> set[tuple[str, int, int]]:
    return {
        (d["machineName"], _version(d["majorVersion"]), _version(d["minorVersion"]))
        for key in keys
        for d in data.get(key) or []
    }


def _library(archive: SafeArchive, folder: str, files: list[str]) -> LibraryIn:
    match = LIBRARY_FOLDER.match(folder)
    if not match:
        raise PackageError(
            _(
                "Thư mục thư viện %(folder)s sai tên: phải có dạng Tên.Máy-chính.phụ "
                "(ví dụ H5P.MultiChoice-1.16)."
            )
            % {"folder": folder}
        )
    name = f"{folder}/library.json"
    if name not in archive.entries:
        raise PackageError(_("Thư viện %(folder)s thiếu tệp library.json.") % {"folder": folder})
    data = _strict_json(archive, name, name)
    _schema_errors(data, LIBRARY_JSON, name)
    library = LibraryIn(
        folder=folder,
        machine_name=data["machineName"],
        major=data["majorVersion"],
        minor=data["minorVersion"],
        patch=data["patchVersion"],
        title=data["title"],
        runnable=bool(data["runnable"]),
        metadata=data,
        files=files,
    )
    if f"{library.machine_name}-{library.major}.{library.minor}" != folder:
        raise PackageError(
            _("Thư mục %(folder)s không khớp với thư viện %(name)s %(major)s.%(minor)s.")
            % {
                "folder": folder,
                "name": library.machine_name,
                "major": library.major,
                "minor": library.minor,
            }
        )
    for key in ("preloadedJs", "preloadedCss"):
        for item in data.get(key) or []:
            path = f"{folder}/{item['path'].lstrip('./')}"
            if path not in archive.entries:
                raise PackageError(
                    _("Thư viện %(folder)s khai báo tệp %(path)s nhưng gói không có tệp này.")
                    % {"folder": folder, "path": item["path"]}
                )
    return library


def h5p_validate(
    source: IO[bytes], installed: set[tuple[str, int, int]] | None = None
) -> H5PPackage:
    """The package's parts, or PackageError with the first problem found.

    ``installed`` names the libraries (machine name, major, minor) this installation
    already holds: a package may rely on them instead of carrying its own copy.
    """
    archive = SafeArchive(source, package_limits())
    if "h5p.json" not in archive.entries:
        raise PackageError(_("Gói thiếu tệp h5p.json: đây không phải gói H5P."))
    h5p_json = _strict_json(archive, "h5p.json", "h5p.json")
    _schema_errors(h5p_json, H5P_JSON, "h5p.json")
    if "content/content.json" not in archive.entries:
        raise PackageError(_("Gói thiếu tệp content/content.json."))
    content = _strict_json(archive, "content/content.json", "content/content.json")
    if not isinstance(content, dict):
        raise PackageError(_("content/content.json phải là một đối tượng JSON."))

    by_folder: dict[str, list[str]] = {}
    content_files: list[str] = []
    for name in archive.entries:
        top, _sep, _rest = name.partition("/")
        if name == "h5p.json":
            continue
        if top == "content":
            content_files.append(name)
        elif "/" not in name:
            # Loose files beside h5p.json (the hub adds a "content here" note) are not
            # part of the content: H5P ignores them, and they are not stored.
            continue
        else:
            by_folder.setdefault(top, []).append(name)
    for folder in archive.folders:
        top = folder.split("/", 1)[0]
        if top != "content" and top not in by_folder and "/" not in folder:
            raise PackageError(
                _("Thư mục thư viện %(folder)s rỗng hoặc sai tên.") % {"folder": folder}
            )
    libraries: dict[tuple[str, int, int], LibraryIn] = {}
    for folder, files in sorted(by_folder.items()):
        library = _library(archive, folder, files)
        libraries[library.key] = library

    available = set(libraries) | (installed or set())
    wanted = dependencies_of(h5p_json, "preloadedDependencies", "dynamicDependencies")
    needs = [("h5p.json", dep) for dep in wanted] + [
        (lib.folder, dep)
        for lib in libraries.values()
        for dep in dependencies_of(lib.metadata, "preloadedDependencies", "dynamicDependencies")
    ]
    for who, (name, major, minor) in needs:
        if (name, major, minor) not in available:
            raise PackageError(
                _("%(who)s cần thư viện %(name)s %(major)s.%(minor)s nhưng gói không có.")
                % {"who": who, "name": name, "major": major, "minor": minor}
            )
    if not any(name == h5p_json["mainLibrary"] for name, _ma, _mi in wanted):
        raise PackageError(
            _("Thư viện chính %(name)s không có trong preloadedDependencies của h5p.json.")
            % {"name": h5p_json["mainLibrary"]}
        )

    for name in content_files:
        archive.check_content(archive.entries[name], CONTENT_EXTENSIONS)
    for library in libraries.values():
        for name in library.files:
            archive.check_content(archive.entries[name], LIBRARY_EXTENSIONS)

    return H5PPackage(
        archive=archive,
        h5p_json=h5p_json,
        title=h5p_json["title"],
        main_library=h5p_json["mainLibrary"],
        libraries=libraries,
        content_files=content_files,
        scored=any(name == QUESTION_LIBRARY for name, _ma, _mi in libraries),
    )
