"""The files of a cohort: reading a trainer's list (an Excel workbook or a UTF-8 CSV)
into rows of text, and writing the template workbook and the one-time password list.

Nothing here knows what a row means; ``cohort_import`` checks and imports the rows.
"""

import csv
import io
import zipfile

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from .errors import ServiceError

MAX_BYTES = 1024 * 1024
MAX_ROWS = 2000
# A workbook is a zip: what it unpacks to is bounded too, against zip bombs.
MAX_XLSX_UNPACKED_BYTES = 40 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A cell starting with one of these is run as a formula when the file is opened in a
# spreadsheet program.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A table is its header and its data rows, each with the row number the trainer sees.
Table = tuple[list[str], list[tuple[int, dict]]]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ServiceError(
            _(
                "Tệp không phải UTF-8 (lỗi ở byte %(pos)s). Hãy lưu lại dạng “CSV UTF-8” "
                "hoặc tải lên tệp Excel (.xlsx)."
            )
            % {"pos": exc.start},
            code="encoding",
        ) from exc


def _csv_records(data: bytes) -> Table:
    try:
        reader = csv.DictReader(io.StringIO(_decode(data), newline=""))
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        return header, list(enumerate(reader, start=2))
    except csv.Error as exc:
        raise ServiceError(_("Không đọc được tệp CSV: %(err)s") % {"err": exc}, code="csv") from exc


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a year typed as 1990 is stored as 1990.0
    return str(value)


def _xlsx_records(data: bytes) -> Table:
    unreadable = ServiceError(
        _("Không đọc được tệp Excel. Hãy lưu lại dạng .xlsx hoặc “CSV UTF-8”."), code="xlsx"
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise ServiceError(_("Tệp Excel giải nén quá lớn."), code="too_large")
        # Formulas are read as written ("=..."), not as values, so they are refused
        # like formula cells of a CSV.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise unreadable from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_cell_text(v).strip() for v in next(rows, ())]
        records = []
        for number, values in enumerate(rows, start=2):
            cells = [_cell_text(v) for v in values]
            if any(cells):  # Excel keeps formatted empty rows
                records.append((number, {h: c for h, c in zip(header, cells, strict=False) if h}))
            if len(records) > MAX_ROWS:
                break  # enough to refuse the file for its length
        return header, records
    except (KeyError, ValueError, TypeError, OSError, zipfile.BadZipFile) as exc:
        raise unreadable from exc
    finally:
        workbook.close()


def cohort_file_read(data: bytes) -> Table:
    """The header and rows of an uploaded list, whichever format it came in."""
    if len(data) > MAX_BYTES:
        raise ServiceError(_("Tệp quá lớn (tối đa 1 MB)."), code="too_large")
    if data.startswith(XLS_MAGIC):
        raise ServiceError(
            _("Tệp Excel cũ (.xls) không được hỗ trợ. Hãy lưu lại dạng .xlsx."), code="xls"
        )
    if data.startswith(XLSX_MAGIC):
        return _xlsx_records(data)
    return _csv_records(data)


# --- files the product writes ---------------------------------------------------------


def spreadsheet_safe(value) -> str:
    """A cell value that a spreadsheet program shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def table_csv(header: list[str], rows: list[list]) -> bytes:
    """A UTF-8 CSV with a byte-order mark, which Excel needs to read Vietnamese."""
    output = io.StringIO(newline="")
    writer = csv.writer(output)
    writer.writerow([spreadsheet_safe(h) for h in header])
    writer.writerows([[spreadsheet_safe(v) for v in row] for row in rows])
    return ("\ufeff" + output.getvalue()).encode("utf-8")


def table_xlsx(title: str, header: list[str], rows: list[list], widths=()) -> bytes:
    """A one-sheet workbook; every cell is text (a password "0123..." keeps its zero)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for values in [header, *rows]:
        sheet.append([spreadsheet_safe(v) for v in values])
    for row in sheet.iter_rows():
        for cell in row:
            cell.number_format = "@"
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def template_workbook(
    *, columns: list[str], optional: list[str], example: list, guide: list[list], units: list
) -> bytes:
    """The workbook a trainer fills in: the columns on the first sheet, then a guide
    with an example and the values each column takes, and the codes of the communes
    and wards. The example is kept off the first sheet so that it is never imported."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Học viên")
    sheet.append(columns + optional)
    widths = (16, 24, 10, 10, 18, 10, 24, 14, 24)
    for column, width in zip("ABCDEFGHI", widths, strict=True):
        sheet.column_dimensions[column].width = width
        # Usernames, codes and phone numbers stay text: 05977 must not become 5977.
        if column in "AFH":
            for row in range(2, MAX_ROWS + 2):
                sheet[f"{column}{row}"].number_format = "@"
    sheet.freeze_panes = "A2"

    sheet_guide = workbook.create_sheet(_("Hướng dẫn"))
    sheet_guide.append([_("Ví dụ một dòng:")])
    sheet_guide.append(columns + optional)
    sheet_guide.append(example)
    sheet_guide.append([])
    sheet_guide.append([_("Cột"), _("Giá trị hợp lệ")])
    for line in guide:
        sheet_guide.append(line)
    for column, width in zip("ABC", (16, 30, 24), strict=True):
        sheet_guide.column_dimensions[column].width = width

    sheet_units = workbook.create_sheet(_("Mã xã phường"))
    sheet_units.append(["unit_code", _("Xã/phường")])
    for unit in units:
        sheet_units.append([unit.code, unit.name])
    sheet_units.column_dimensions["B"].width = 28
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
