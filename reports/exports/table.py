"""The one shape every export takes: a titled table of labelled columns and rows of cells.

The caller computes the figures (and decides which cells are too small to show); the
renderers in this package only lay them out, so XLSX, CSV and PDF always agree.
"""

import enum
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeGuard

from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _


class Marker(enum.Enum):
    """Cells that stand for something other than a value.

    An enum member is a singleton that survives pickling and copying, so ``cell is
    SUPPRESSED`` holds wherever the table has travelled.
    """

    SUPPRESSED = "*"


# A cell hidden because it counts so few people that they could be recognised.
SUPPRESSED = Marker.SUPPRESSED
SUPPRESSED_TEXT = "*"
SUPPRESSED_NOTE = _("(*) Ô có quá ít người được ẩn để bảo vệ thông tin cá nhân.")

Number = int | float | Decimal
Cell = str | Number | Marker | None

# XML 1.0 (and so XLSX and SVG) cannot hold these control characters at all.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Column:
    key: str
    label: str
    numeric: bool = False


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    # Shown under the table, e.g. "Ô có dưới 5 người được ẩn (*)."
    notes: list[str] = field(default_factory=list)


def is_number(value: object) -> TypeGuard[Number]:
    """Whether a cell is a figure; True and False are not, though Python counts them as ints."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    # NaN and infinities have no place in a spreadsheet cell or on a chart axis.
    return value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)


def clean_text(value: object) -> str:
    """The text of a non-numeric cell, without the characters no export format can store.

    Text typed with a decomposing input method ("o" + combining dot below) is composed
    (NFC), so that searching a sheet or a PDF for "ọ" finds it.
    """
    if value is None:
        return ""
    if value is SUPPRESSED:
        return SUPPRESSED_TEXT
    return unicodedata.normalize("NFC", _UNSTORABLE.sub("", str(value)))


def format_number(value: Number) -> str:
    """A figure as the active language writes it, thousands grouped ("1.234,5" in
    Vietnamese). Django's own number_format groups only where NUMBER_GROUPING is set, and
    its Vietnamese formats leave it unset. Floats show at most two decimals."""
    if isinstance(value, float):
        value = int(value) if value.is_integer() else round(value, 2)
    return numberformat.format(
        value,
        get_format("DECIMAL_SEPARATOR"),
        grouping=3,
        thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def has_suppressed(table: Table) -> bool:
    return any(cell is SUPPRESSED for row in table.rows for cell in row)


def table_notes(table: Table) -> list[str]:
    """The table's own notes, or a default one explaining "*" when the caller gave none."""
    if table.notes:
        return [str(note) for note in table.notes]
    return [str(SUPPRESSED_NOTE)] if has_suppressed(table) else []
