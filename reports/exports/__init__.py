"""Rendering report tables to XLSX, CSV and PDF, and charts to SVG.

Pure rendering: the caller gathers the figures, checks permissions and stores or sends
the bytes returned here.
"""

from .charts import bar_chart, line_chart
from .pdf import Section, report_pdf
from .spreadsheet import table_csv, tables_xlsx
from .table import SUPPRESSED, Column, Table

__all__ = [
    "SUPPRESSED",
    "Column",
    "Section",
    "Table",
    "bar_chart",
    "line_chart",
    "report_pdf",
    "table_csv",
    "tables_xlsx",
]
