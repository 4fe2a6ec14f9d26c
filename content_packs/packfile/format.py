"""The content pack file format: what a pack holds and the rules both ends apply.

A pack is a zip archive:

- ``manifest.json``: canonical JSON (sorted keys, no spaces, UTF-8) with ``format``,
  ``format_version``, ``created_at``, ``files`` ({sha256 hex: size}) and the fields of
  whoever made the pack (the course tree and so on). Deflated.
- ``files/<sha256 hex>``: one entry per distinct content, stored as is (most of it is
  media that is already compressed), always with zip64 headers.
- ``signature.json``: ``{"algorithm": "Ed25519", "key_id", "signature"}``, the signature
  over the exact bytes of ``manifest.json``.

The signature covers the manifest and the manifest names every file by its SHA-256, so
one signature vouches for the whole pack.
"""

import base64
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple, NoReturn

from django.utils.translation import gettext as _

FORMAT = "langson-lms-pack"
FORMAT_VERSION = 1

MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "signature.json"
FILES_PREFIX = "files/"
SIGNATURE_ALGORITHM = "Ed25519"
SIGNATURE_BYTES = 64

CHUNK_SIZE = 1024 * 1024
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
# Three short fields; anything near this size is not a signature file.
SIGNATURE_MAX_BYTES = 64 * 1024
MAX_JSON_DEPTH = 200
# Fields the writer fills in; a caller's own value for them would be silently wrong.
WRITER_FIELDS = frozenset({"format", "format_version", "files"})

_DIGEST = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")


class PackError(ValueError):
    """A pack (or key) that cannot be trusted or read, with a message for the person
    handling it. ``code`` tells the cases apart without parsing the message."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def is_digest(text: object) -> bool:
    return isinstance(text, str) and _DIGEST.fullmatch(text) is not None


def entry_name(digest: str) -> str:
    return FILES_PREFIX + digest


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """The one byte form of a JSON document, so the signed bytes can be produced again."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


class _JSONProblem(Exception):
    """Raised from inside the JSON parser's hooks, turned into a PackError by the caller."""


def _refuse_constant(name: str) -> NoReturn:
    raise _JSONProblem(_("có giá trị %(value)s, không phải số JSON") % {"value": name})


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _JSONProblem(_("khóa “%(key)s” bị lặp") % {"key": key})
        result[key] = value
    return result


def _depth(value: Any) -> int:
    # Walked without recursion: the depth is what is being checked.
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def parse_json(data: bytes) -> Any:
    """Strict JSON: UTF-8 only, no NaN or Infinity, no repeated keys, nesting at most
    MAX_JSON_DEPTH. Raises _JSONProblem with a short reason."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _JSONProblem(_("không phải văn bản UTF-8")) from exc
    try:
        value = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except RecursionError as exc:
        # Far deeper than the limit; the parser gave up before it could be measured.
        raise _JSONProblem(_("lồng nhau quá sâu")) from exc
    except ValueError as exc:
        raise _JSONProblem(_("không phải JSON hợp lệ (%(error)s)") % {"error": exc}) from exc
    if _depth(value) > MAX_JSON_DEPTH:
        raise _JSONProblem(_("lồng nhau quá %(limit)s cấp") % {"limit": MAX_JSON_DEPTH})
    return value


def manifest_too_large(size: int) -> PackError:
    return PackError(
        _("Tệp kê khai của gói quá lớn: %(size)s byte, tối đa %(limit)s byte.")
        % {"size": size, "limit": MANIFEST_MAX_BYTES},
        code="manifest_too_large",
    )


def _is_iso_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _manifest_error(detail: str) -> PackError:
    return PackError(
        _("Tệp kê khai của gói không hợp lệ: %(detail)s") % {"detail": detail},
        code="bad_manifest",
    )


def parse_manifest(data: bytes) -> dict[str, Any]:
    """The manifest, with every rule a reader holds it to. The writer runs it too, so a
    pack that no reader would accept is never written."""
    try:
        manifest = parse_json(data)
    except _JSONProblem as exc:
        raise _manifest_error(str(exc)) from exc
    if not isinstance(manifest, dict):
        raise _manifest_error(_("không phải một đối tượng JSON"))
    if manifest.get("format") != FORMAT:
        raise PackError(
            _("Tệp không phải gói nội dung của hệ thống này (định dạng: %(format)s).")
            % {"format": str(manifest.get("format"))[:100]},
            code="wrong_format",
        )
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _manifest_error(_("phiên bản định dạng không hợp lệ"))
    if version > FORMAT_VERSION:
        raise PackError(
            _(
                "Gói dùng định dạng phiên bản %(version)s; hệ thống này đọc đến phiên bản %(supported)s."
            )
            % {"version": version, "supported": FORMAT_VERSION},
            code="unsupported_version",
        )
    if not _is_iso_datetime(manifest.get("created_at")):
        raise _manifest_error(_("thời điểm tạo gói không hợp lệ"))
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise _manifest_error(_("thiếu danh sách tệp"))
    for digest, size in files.items():
        if not is_digest(digest):
            raise _manifest_error(_("tên tệp “%(name)s” không phải mã SHA-256") % {"name": digest})
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise _manifest_error(_("kích thước tệp %(name)s không hợp lệ") % {"name": digest})
    return manifest


class Signature(NamedTuple):
    key_id: str
    signature: bytes


def parse_signature(data: bytes) -> Signature:
    """signature.json's fields, checked for shape only; whether the signature holds is
    the reader's next step."""

    def refuse(detail: str) -> NoReturn:
        raise PackError(
            _("Tệp chữ ký của gói không hợp lệ: %(detail)s") % {"detail": detail},
            code="bad_signature_file",
        )

    try:
        document = parse_json(data)
    except _JSONProblem as exc:
        refuse(str(exc))
    if not isinstance(document, dict) or set(document) != {"algorithm", "key_id", "signature"}:
        refuse(_("phải có đúng các trường algorithm, key_id, signature"))
    if document["algorithm"] != SIGNATURE_ALGORITHM:
        refuse(_("thuật toán “%(name)s” không được hỗ trợ") % {"name": document["algorithm"]})
    if not isinstance(document["key_id"], str) or not _KEY_ID.fullmatch(document["key_id"]):
        refuse(_("mã khóa không hợp lệ"))
    try:
        signature = base64.b64decode(document["signature"], validate=True)
    except (TypeError, ValueError):
        refuse(_("chữ ký không phải chuỗi base64"))
    if len(signature) != SIGNATURE_BYTES:
        refuse(_("chữ ký phải dài %(size)s byte") % {"size": SIGNATURE_BYTES})
    return Signature(document["key_id"], signature)


def signature_json(key_id: str, signature: bytes) -> bytes:
    return canonical_json(
        {
            "algorithm": SIGNATURE_ALGORITHM,
            "key_id": key_id,
            "signature": base64.b64encode(signature).decode("ascii"),
        }
    )
