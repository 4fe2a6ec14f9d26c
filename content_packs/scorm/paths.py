"""Paths a SCORM manifest names (hrefs, xml:base, launch parameters), confined to the
package: percent-decoded, normalised, refused when they could point outside it."""

import posixpath
import re
from urllib.parse import unquote

from django.utils.translation import gettext as _

# A URL scheme, which also catches Windows drive letters ("C:").
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ManifestError(ValueError):
    """Why a package cannot be used, said to the person who uploaded it."""


def _error(message: str, **values: object) -> ManifestError:
    return ManifestError(message % values if values else message)


def _bad_path(value: str) -> ManifestError:
    shown = value if len(value) <= 200 else value[:200] + "…"
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in shown)
    return _error(_("Đường dẫn trong gói không hợp lệ: %(path)s"), path=shown)


def _decoded(raw: str, shown: str) -> str:
    """One href or xml:base percent-decoded, "\\" read as "/"; refused if it points outside."""
    try:
        once = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise _bad_path(shown) from None
    # A server that decodes the path once more must not be led outside either.
    for form in (raw, once, unquote(once)):
        form = form.replace("\\", "/")
        if _CONTROL.search(form) or form.startswith("/") or _SCHEME.match(form):
            raise _bad_path(shown)
    return once.replace("\\", "/")


def _inside(path: str, shown: str) -> str:
    for form in (path, unquote(path)):
        normal = posixpath.normpath(form)
        if normal == ".." or normal.startswith("../"):
            raise _bad_path(shown)
    return posixpath.normpath(path)


def _join_base(outer: str, raw: str) -> str:
    # Each xml:base names a folder, with or without its trailing "/": packaging tools
    # disagree, and reading "content" as a file would lose a path segment.
    raw = raw.strip()
    if not raw:
        return outer
    folder = _inside(outer + _decoded(raw, raw), outer + raw)
    return "" if folder == "." else folder + "/"


def _package_path(base: str, href: str) -> tuple[str, str, str]:
    """(path, query, fragment) of an href under a resource's base folder."""
    cut = min((at for at in (href.find("?"), href.find("#")) if at >= 0), default=len(href))
    raw_path, rest = href[:cut], href[cut:]
    if _CONTROL.search(unquote(rest)):
        raise _bad_path(href)
    path = _inside(base + _decoded(raw_path, href), base + href)
    if path == ".":
        raise _bad_path(base + href)
    before, _hash, fragment = rest.partition("#")
    return path, before[1:], fragment


def _with_parameters(query: str, fragment: str, parameters: str) -> str:
    # The SCORM CAM's rule: leading "?" and "&" dropped; a "#..." is the fragment unless
    # the href has one; anything else joins the query.
    parameters = parameters.lstrip("?&")
    if parameters.startswith("#"):
        fragment = fragment or parameters[1:]
    elif parameters:
        query = f"{query}&{parameters}" if query else parameters
    return (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")
