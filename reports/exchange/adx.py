"""ADX (IHE QRPH Aggregate Data Exchange) messages: writing one, and checking one
against the structure the profile describes.

The document is built as a tree with lxml, which escapes every code and comment;
nothing is joined into XML text by hand. Documents to check may come from outside,
so they are read with no network access, no DTD and no entity expansion.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import groupby
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree  # type: ignore[import-untyped]

from .values import DataValue, check_code, decimal_text, sorted_unique

ADX_NAMESPACE = "urn:ihe:qrph:adx:2015"
SCHEMA_PATH = Path(__file__).with_name("schema") / "adx.xsd"


def adx_document(
    values: Iterable[DataValue],
    *,
    data_set: str,
    exported_at: datetime,
    complete_date: date | None = None,
) -> bytes:
    """One ADX message: a group per org unit and period (ordered by org unit, then
    period), each value within it ordered by data element and disaggregation, so the
    same values always give the same bytes."""
    check_code(data_set, _("Mã bộ dữ liệu"))
    exported = _exported_text(exported_at)
    completed = _complete_date_text(complete_date)
    ordered = sorted_unique(
        values,
        key=lambda v: (v.org_unit, v.period.sort_key, v.data_element, v.disaggregations),
        clash=_("cùng phân tổ"),
    )

    root = etree.Element(_tag("adx"), nsmap={None: ADX_NAMESPACE})
    root.set("exported", exported)
    for (org_unit, period), in_group in groupby(ordered, key=lambda v: (v.org_unit, v.period)):
        group = etree.SubElement(root, _tag("group"))
        group.set("dataSet", data_set)
        group.set("orgUnit", org_unit)
        group.set("period", period.iso8601())
        if completed:
            group.set("completeDate", completed)
        for value in in_group:
            _add_data_value(group, value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def adx_validate(xml: bytes) -> list[str]:
    """The reasons a document is not a well-formed ADX message; empty if it is one.
    A document that cannot be read, or that declares a DTD, gives one reason."""
    try:
        tree = etree.fromstring(xml, parser=_safe_parser()).getroottree()
    except (etree.XMLSyntaxError, TypeError, ValueError) as error:
        return [_("Không đọc được tài liệu XML: %(error)s") % {"error": error}]
    # Never needed by ADX, and the usual vehicle of entity attacks.
    if tree.docinfo.doctype:
        return [_("Tài liệu ADX không được có khai báo DOCTYPE.")]
    schema = etree.XMLSchema(_schema_document())
    if schema.validate(tree):
        return []
    return [
        _("Dòng %(line)d: %(message)s") % {"line": error.line, "message": error.message}
        for error in schema.error_log
    ]


def _add_data_value(group: Any, value: DataValue) -> None:
    element = etree.SubElement(group, _tag("dataValue"))
    element.set("dataElement", value.data_element)
    element.set("value", decimal_text(value.value))
    # Names were checked as NCNames outside ADX's own, so they cannot collide.
    for name, option in value.disaggregations:
        element.set(name, option)
    if value.comment:
        etree.SubElement(element, _tag("annotation")).text = value.comment


def _exported_text(moment: datetime) -> str:
    """xs:dateTime with its offset. An offset with seconds (old local mean times) has
    no xs:dateTime form, so such a moment is written in UTC instead."""
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(_("Thời điểm xuất phải là một datetime có múi giờ."))
    offset = moment.utcoffset()
    if offset is not None and offset % timedelta(minutes=1):
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")


def _complete_date_text(day: date | None) -> str:
    if day is None:
        return ""
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValueError(_("Ngày hoàn thành phải là một ngày (date)."))
    return day.isoformat()


def _tag(name: str) -> str:
    return f"{{{ADX_NAMESPACE}}}{name}"


def _safe_parser() -> Any:
    # A new parser each time: lxml parsers must not be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
    )


@cache
def _schema_document() -> Any:
    """The schema's parsed tree, read once. The XMLSchema built from it is not kept:
    its error log belongs to the object, which concurrent checks would then share."""
    return etree.parse(str(SCHEMA_PATH), parser=_safe_parser())
