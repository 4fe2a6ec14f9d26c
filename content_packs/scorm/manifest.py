"""A SCORM package's imsmanifest.xml: SCORM 1.2 and SCORM 2004 (2nd, 3rd and 4th edition).

Pure parsing, nothing stored. Every path the manifest names is checked to stay inside the
package, so whoever serves the package's files can trust `Item.launch` and
`Resource.files`: they are paths relative to the package root, percent-decoded and
normalised (quote them again to build a URL).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import iterparse  # type: ignore[import-untyped]
from django.utils.translation import gettext as _

from .paths import (
    _CONTROL,
    ManifestError,
    _bad_path,
    _error,
    _join_base,
    _package_path,
    _with_parameters,
)

MAX_MANIFEST_BYTES = 2 * 1024 * 1024
# Real courses nest a few levels; the limit keeps a hostile manifest off the recursion limit.
MAX_ITEM_DEPTH = 64

NS_CP_12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
NS_ADLCP_12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
NS_CP_2004 = "http://www.imsglobal.org/xsd/imscp_v1p1"
NS_ADLCP_2004 = "http://www.adlnet.org/xsd/adlcp_v1p3"
NS_IMSSS = "http://www.imsglobal.org/xsd/imsss"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

# schemaversion, case- and space-folded -> (version, edition). "CAM 1.3" is how the
# 2nd edition names itself.
_EDITIONS = {
    "1.2": ("1.2", "1.2"),
    "cam 1.3": ("2004", "2004 2nd Edition"),
    "2004 2nd edition": ("2004", "2004 2nd Edition"),
    "2004 3rd edition": ("2004", "2004 3rd Edition"),
    "2004 4th edition": ("2004", "2004 4th Edition"),
}


@dataclass(frozen=True)
class Item:
    identifier: str
    title: str
    resource_id: str | None = None
    parameters: str = ""
    # Path of the file to open, relative to the package root; None for a pure container.
    launch: str | None = None
    # What follows the path in the launch URL, with its "?" or "#" ("" when nothing does).
    launch_query: str = ""
    # SCORM 1.2 adlcp:masteryscore, 0..100.
    mastery_score: float | None = None
    # SCORM 2004 minNormalizedMeasure of a primary objective satisfied by measure, -1..1.
    scaled_passing_score: float | None = None
    is_visible: bool = True
    children: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class Organization:
    identifier: str
    title: str
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class Resource:
    identifier: str
    type: str
    scorm_type: str  # "sco" or "asset"
    href: str | None  # as written in the manifest
    base: str  # the package folder the resource's paths are relative to: "" or "dir/"
    files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ScormManifest:
    version: str  # "1.2" or "2004"
    edition: str  # "1.2", "2004 2nd/3rd/4th Edition", or "2004" when the manifest does not say
    identifier: str
    title: str
    default_organization: Organization
    organizations: list[Organization]
    resources: dict[str, Resource]

    def launch_items(self) -> list[Item]:
        """The leaves of the default organization that open a file, in depth-first order."""
        leaves = (item for item in _walk(self.default_organization.items) if not item.children)
        return [item for item in leaves if item.launch is not None]

    @property
    def launch(self) -> Item:
        items = self.launch_items()
        if not items:
            raise _nothing_to_open()
        return items[0]


def _walk(items: list[Item]) -> Iterator[Item]:
    for item in items:
        yield item
        yield from _walk(item.children)


def parse_manifest(data: bytes) -> ScormManifest:
    """Read imsmanifest.xml; ManifestError says what is wrong with it."""
    if len(data) > MAX_MANIFEST_BYTES:
        message = _("imsmanifest.xml quá lớn (%(size)s byte, tối đa %(limit)s byte).")
        raise _error(message, size=len(data), limit=MAX_MANIFEST_BYTES)
    root, namespaces = _load(data)
    if _local(root.tag) != "manifest":
        message = _("Phần tử gốc của imsmanifest.xml là <%(tag)s>, không phải <manifest>.")
        raise _error(message, tag=_local(root.tag))
    version, edition = _version(root, namespaces)
    base = _join_base("", root.get(_XML_BASE, ""))
    holder = _child(root, "resources")
    resources: dict[str, Resource] = {}
    if holder is not None:
        base = _join_base(base, holder.get(_XML_BASE, ""))
        for element in _children(holder, "resource"):
            resource = _resource(element, base)
            resources[resource.identifier] = resource
    default, organizations = _organizations(root, resources, version)
    manifest = ScormManifest(
        version=version,
        edition=edition,
        identifier=_attr(root, "identifier"),
        title=default.title,
        default_organization=default,
        organizations=organizations,
        resources=resources,
    )
    if not manifest.launch_items():
        raise _nothing_to_open()
    return manifest


# --- Reading the document ---------------------------------------------------------------


def _nothing_to_open() -> ManifestError:
    return _error(_("Gói không có SCO hay tài nguyên (asset) nào có trang để mở."))


def _load(data: bytes) -> tuple[Element, set[str]]:
    # Namespace declarations are collected as parsed: an adlcp namespace may be declared
    # on the root and used nowhere, and it still says which SCORM the package was made for.
    try:
        events = iterparse(io.BytesIO(data), events=("start-ns",), forbid_dtd=True)
        namespaces = {uri for _event, (_prefix, uri) in events}
    except DefusedXmlException as error:
        message = _("imsmanifest.xml có DTD hoặc thực thể (entity), bị từ chối vì lý do an toàn.")
        raise _error(message) from error
    except ParseError as error:
        message = _("imsmanifest.xml không phải XML hợp lệ: %(detail)s")
        raise _error(message, detail=error) from error
    return events.root, namespaces


# Authoring tools write "Organizations", drop namespaces or pick their own prefixes, so
# elements and the scormtype attribute are found by local name, whatever the case.
def _local(tag: str) -> str:
    return tag.rpartition("}")[2].lower()


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _child(element: Element, name: str) -> Element | None:
    return next((child for child in element if _local(child.tag) == name), None)


def _find(element: Element | None, *path: str) -> Element | None:
    for name in path:
        element = _child(element, name) if element is not None else None
    return element


def _text(element: Element | None, *path: str) -> str:
    found = _find(element, *path)
    return " ".join((found.text or "").split()) if found is not None else ""


def _attr(element: Element, name: str) -> str:
    return (element.get(name) or "").strip()


def _version(root: Element, namespaces: set[str]) -> tuple[str, str]:
    declared = _text(root, "metadata", "schemaversion")
    if declared:
        edition = _EDITIONS.get(declared.casefold().removeprefix("scorm "))
        if edition is None:
            raise _error(_("Phiên bản SCORM không được hỗ trợ: %(version)s"), version=declared)
        return edition
    # Without schemaversion the namespaces decide; adlcp before the package namespace,
    # since SCORM 1.2 packages often borrow the 2004 one (imscp_v1p1).
    if namespaces & {NS_ADLCP_2004, NS_IMSSS}:
        return "2004", "2004"
    if namespaces & {NS_ADLCP_12, NS_CP_12}:
        return "1.2", "1.2"
    if NS_CP_2004 in namespaces:
        return "2004", "2004"
    raise _error(
        _("Phiên bản SCORM không được hỗ trợ: %(version)s"),
        version=_("không xác định (thiếu schemaversion và namespace SCORM)"),
    )


# --- Paths inside the package -----------------------------------------------------------


# --- Resources and organizations --------------------------------------------------------


def _resource(element: Element, outer_base: str) -> Resource:
    identifier = _attr(element, "identifier")
    base = _join_base(outer_base, element.get(_XML_BASE, ""))
    href = _attr(element, "href") or None
    if href is not None:
        _package_path(base, href)
    files = [
        _package_path(base, file_href)[0]
        for file_href in (_attr(file, "href") for file in _children(element, "file"))
        if file_href
    ]
    # Plain IMS packages and sloppy tools leave scormtype out; other LMSs then treat the
    # resource as an asset, which needs no runtime.
    raw_type = next((v for k, v in element.attrib.items() if _local(k) == "scormtype"), "")
    scorm_type = raw_type.strip().lower() or "asset"
    if scorm_type not in ("sco", "asset"):
        message = _("Tài nguyên %(resource)s có kiểu SCORM không hợp lệ: %(value)s")
        raise _error(message, resource=identifier, value=raw_type)
    return Resource(
        identifier=identifier,
        type=_attr(element, "type"),
        scorm_type=scorm_type,
        href=href,
        base=base,
        files=files,
    )


def _organizations(
    root: Element, resources: dict[str, Resource], version: str
) -> tuple[Organization, list[Organization]]:
    holder = _child(root, "organizations")
    elements = _children(holder, "organization") if holder is not None else []
    if holder is None or not elements:
        raise _error(_("Gói không có tổ chức (organization) nào để mở."))
    organizations = []
    for element in elements:
        identifier = _attr(element, "identifier")
        items = [_item(child, resources, version, 1) for child in _children(element, "item")]
        organizations.append(Organization(identifier, _text(element, "title") or identifier, items))
    wanted = _attr(holder, "default")
    # An empty default names nothing, like a missing one.
    if not wanted:
        return organizations[0], organizations
    for organization in organizations:
        if organization.identifier == wanted:
            return organization, organizations
    raise _error(_("Tổ chức mặc định %(organization)s không có trong gói."), organization=wanted)


def _item(element: Element, resources: dict[str, Resource], version: str, depth: int) -> Item:
    if depth > MAX_ITEM_DEPTH:
        raise _error(_("Các mục của gói lồng nhau quá %(limit)s cấp."), limit=MAX_ITEM_DEPTH)
    identifier = _attr(element, "identifier")
    resource_id = _attr(element, "identifierref") or None
    parameters = element.get("parameters") or ""
    if _CONTROL.search(parameters):
        raise _bad_path(parameters)
    launch: str | None = None
    launch_query = ""
    if resource_id is not None:
        resource = resources.get(resource_id)
        if resource is None:
            message = _("Mục %(item)s trỏ tới tài nguyên không có: %(resource)s")
            raise _error(message, item=identifier, resource=resource_id)
        if resource.href is not None:
            launch, query, fragment = _package_path(resource.base, resource.href)
            launch_query = _with_parameters(query, fragment, parameters)
    mastery, scaled = _passing_scores(element, identifier, version)
    return Item(
        identifier=identifier,
        title=_text(element, "title") or identifier,
        resource_id=resource_id,
        parameters=parameters,
        launch=launch,
        launch_query=launch_query,
        mastery_score=mastery,
        scaled_passing_score=scaled,
        is_visible=_attr(element, "isvisible").lower() not in ("false", "0"),
        children=[
            _item(child, resources, version, depth + 1) for child in _children(element, "item")
        ],
    )


def _passing_scores(
    element: Element, identifier: str, version: str
) -> tuple[float | None, float | None]:
    """(mastery_score, scaled_passing_score): SCORM 1.2 has the one, 2004 the other."""
    if version == "1.2":
        return _score(_text(element, "masteryscore"), identifier, 0, 100), None
    primary = _find(element, "sequencing", "objectives", "primaryobjective")
    if primary is None or _attr(primary, "satisfiedByMeasure").lower() not in ("true", "1"):
        return None, None
    # IMS Simple Sequencing's default when minNormalizedMeasure is left out.
    return None, _score(_text(primary, "minnormalizedmeasure") or "1.0", identifier, -1, 1)


def _score(text: str, item: str, low: float, high: float) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # also refuses nan and infinities
        message = _("Điểm đạt của mục %(item)s không hợp lệ: %(value)s (từ %(low)s đến %(high)s).")
        raise _error(message, item=item, value=text, low=f"{low:g}", high=f"{high:g}")
    return value
