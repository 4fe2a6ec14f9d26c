"""An uploaded SCORM zip checked whole before anything is stored: the archive, its
imsmanifest.xml (SCORM 1.2 or 2004), the page it launches, and every file's extension
and bytes."""

from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

from ..archive import PackageError, SafeArchive, package_limits
from .manifest import ManifestError, ScormManifest, parse_manifest

MANIFEST = "imsmanifest.xml"
# What e-learning authoring tools publish: pages and their code, media, fonts, the
# schemas they ship beside the manifest. No executables, no server-side scripts.
EXTENSIONS = {
    "html", "htm", "js", "css", "json", "xml", "xsd", "dtd", "txt", "md", "csv", "vtt",
    "webvtt", "svg", "png", "jpg", "jpeg", "gif", "bmp", "webp", "ico", "mp3", "m4a", "ogg",
    "oga", "wav", "mp4", "m4v", "webm", "woff", "woff2", "ttf", "otf", "eot", "pdf",
}  # fmt: skip


@dataclass
class ScormUpload:
    archive: SafeArchive
    manifest: ScormManifest
    files: list[str]

    @property
    def pass_percent(self) -> float | None:
        item = self.manifest.launch
        if item.mastery_score is not None:
            return item.mastery_score
        if item.scaled_passing_score is not None:
            return item.scaled_passing_score * 100
        return None


def scorm_validate(source: IO[bytes]) -> ScormUpload:
    archive = SafeArchive(source, package_limits())
    if MANIFEST not in archive.entries:
        raise PackageError(
            _("Gói thiếu tệp imsmanifest.xml ở thư mục gốc: đây không phải gói SCORM.")
        )
    try:
        manifest = parse_manifest(archive.read(MANIFEST, 2 * 1024 * 1024))
    except ManifestError as error:
        raise PackageError(str(error)) from None
    for item in manifest.launch_items():
        if item.launch not in archive.entries:
            raise PackageError(
                _("Trang mở đầu %(path)s khai báo trong imsmanifest.xml không có trong gói.")
                % {"path": item.launch}
            )
    files = sorted(archive.entries)
    for name in files:
        archive.check_content(archive.entries[name], EXTENSIONS, utf8=False)
    return ScormUpload(archive=archive, manifest=manifest, files=files)
