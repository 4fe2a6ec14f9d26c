"""Tables as a CSV file or an Excel workbook, safe to open in a spreadsheet program.

A cell whose text starts like a formula would be run by Excel or LibreOffice when the
file is opened (formula or DDE injection; learners' and units' names are user data),
so such text gets a leading apostrophe, as the OWASP guidance on CSV injection says.
Numbers are written as numbers and never escaped: -3 stays -3.
"""

import csv
import io
import re
import unicodedata

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .table import Cell, Table, clean_text, is_number, table_notes

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_SHEET_NAME = 31
# Excel refuses these in a sheet name; openpyxl raises on them.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
# Excel keeps this name for itself (it is the change-tracking sheet).
_RESERVED_SHEET_NAMES = {"history"}
MIN_COLUMN_WIDTH = 8
MAX_COLUMN_WIDTH = 60
NUMBER_FORMAT_INTEGER = "#,##0"
NUMBER_FORMAT_DECIMAL = "#,##0.00"


def spreadsheet_text(value: Cell) -> str:
    """The text of a cell, which a spreadsheet program shows and never runs.

    Leading spaces do not stop a formula (" =1+1" is still evaluated by some
    programs), so the test looks past them too.
    """
    text = clean_text(value)
    if text.startswith(FORMULA_PREFIXES) or text.lstrip().startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def table_csv(table: Table) -> bytes:
    """The header of labels and the rows, in UTF-8 with a byte-order mark: without it,
    Excel reads the file in the machine's legacy code page and garbles Vietnamese."""
    output = io.StringIO(newline="")
    writer = csv.writer(output)
    writer.writerow([spreadsheet_text(column.label) for column in table.columns])
    for row in table.rows:
        writer.writerow([value if is_number(value) else spreadsheet_text(value) for value in row])
    return ("\ufeff" + output.getvalue()).encode("utf-8")


def sheet_names(titles: list[str]) -> list[str]:
    """Names Excel accepts for sheets with these titles, distinct without regard to case
    (as Excel compares them), each at most 31 characters."""
    names: list[str] = []
    taken: set[str] = set()
    for title in titles:
        base = unicodedata.normalize("NFC", str(title))
        base = _SHEET_NAME_FORBIDDEN.sub("-", base).strip().strip("'").strip()
        if not base or base.casefold() in _RESERVED_SHEET_NAMES:
            base = _("Bảng") + (f" {base}" if base else "")
        name = base[:MAX_SHEET_NAME].rstrip().rstrip("'")
        number = 1
        while name.casefold() in taken:
            number += 1
            suffix = f" ({number})"
            name = base[: MAX_SHEET_NAME - len(suffix)].rstrip().rstrip("'") + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def _write_cell(cell: SheetCell, value: Cell) -> int:
    """Put one value in a cell and return how many characters wide it shows."""
    if is_number(value):
        cell.value = value
        integral = isinstance(value, int) or value == int(value)
        cell.number_format = NUMBER_FORMAT_INTEGER if integral else NUMBER_FORMAT_DECIMAL
        cell.alignment = Alignment(horizontal="right")
        return len(f"{value:,}")
    text = spreadsheet_text(value)
    cell.value = text
    # Assigning a str that starts with "=" makes openpyxl store a formula; the escaping
    # above already prevents that, and the type is set too so no later change can undo it.
    cell.data_type = "s"
    return max((len(line) for line in text.splitlines()), default=0)


def _fill_sheet(sheet: Worksheet, table: Table) -> None:
    bold = Font(bold=True)
    title_cell = sheet.cell(row=1, column=1)
    _write_cell(title_cell, table.title)
    title_cell.font = Font(bold=True, size=13)

    widths = [0] * len(table.columns)
    header_row = 2
    for index, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=header_row, column=index)
        widths[index - 1] = _write_cell(cell, column.label)
        cell.font = bold
        cell.alignment = Alignment(
            horizontal="right" if column.numeric else "left", vertical="top", wrap_text=True
        )
    for row_number, row in enumerate(table.rows, start=header_row + 1):
        for index, value in enumerate(row, start=1):
            shown = _write_cell(sheet.cell(row=row_number, column=index), value)
            if index <= len(widths):
                widths[index - 1] = max(widths[index - 1], shown)
            else:  # a row longer than the header still shows its extra cells
                widths.append(shown)

    notes_row = header_row + len(table.rows) + 2
    for offset, note in enumerate(table_notes(table)):
        cell = sheet.cell(row=notes_row + offset, column=1)
        _write_cell(cell, note)
        cell.font = Font(italic=True)

    for index, width in enumerate(widths, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(
            max(width + 2, MIN_COLUMN_WIDTH), MAX_COLUMN_WIDTH
        )
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)


def tables_xlsx(tables: list[Table]) -> bytes:
    """A workbook with one sheet per table: its title, the header in bold, the rows, then
    its notes."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table, name in zip(tables, sheet_names([t.title for t in tables]), strict=True):
        _fill_sheet(workbook.create_sheet(title=name), table)
    if not tables:  # a workbook without a sheet cannot be opened
        workbook.create_sheet(title=_("Bảng"))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
