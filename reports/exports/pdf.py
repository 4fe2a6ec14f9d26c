"""A report for a period as an A4 PDF: headed sections of text, charts and tables.

The HTML is rendered by WeasyPrint with the project's own fonts and a URL fetcher that
reads only local files and data URIs, so nothing in a report (names are user data) can
make the server fetch anything.
"""

import base64
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cms.pdf_fonts import font_faces, font_stack

from .table import Table, clean_text, format_number, is_number, table_notes

TEMPLATE = "reports/export/report_pdf.html"


@dataclass
class Section:
    heading: str
    table: Table | None = None
    # An SVG document from ``charts``; drawn as an image, so it cannot alter the page.
    chart_svg: str = ""
    text: str = ""


def _cell_view(value: object, numeric_column: bool) -> dict:
    if is_number(value):
        return {"text": format_number(value), "numeric": True}
    return {"text": clean_text(value), "numeric": numeric_column}


def _table_view(table: Table) -> dict:
    numeric = [column.numeric for column in table.columns]
    return {
        "title": clean_text(table.title),
        "columns": [
            {"label": clean_text(column.label), "numeric": column.numeric}
            for column in table.columns
        ],
        "rows": [
            [
                _cell_view(value, numeric[index] if index < len(numeric) else False)
                for index, value in enumerate(row)
            ]
            for row in table.rows
        ],
        "notes": [clean_text(note) for note in table_notes(table)],
    }


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _section_view(section: Section) -> dict:
    return {
        "heading": clean_text(section.heading),
        "text": clean_text(section.text),
        "chart_uri": _svg_data_uri(section.chart_svg) if section.chart_svg else "",
        "table": _table_view(section.table) if section.table is not None else None,
    }


def report_pdf(
    *,
    title: str,
    period_label: str,
    generated_at: datetime,
    scope_label: str,
    sections: list[Section],
) -> bytes:
    """The report as PDF bytes, in Vietnamese whatever language the caller runs in."""
    from weasyprint import HTML, URLFetcher

    if timezone.is_aware(generated_at):
        generated_at = timezone.localtime(generated_at)
    with translation.override("vi"):
        html = render_to_string(
            TEMPLATE,
            {
                "title": clean_text(title),
                "period_label": clean_text(period_label),
                "scope_label": clean_text(scope_label),
                "generated_at": generated_at,
                "sections": [_section_view(section) for section in sections],
                "font_faces": font_faces(),
                # Serif, as Vietnamese official papers are set; see charts.FONT_FAMILY.
                "families": font_stack("noto-serif"),
                "site_name": settings.WAGTAIL_SITE_NAME,
            },
        )
    fetcher = URLFetcher(allowed_protocols={"file", "data"})
    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher).write_pdf()
