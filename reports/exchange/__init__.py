"""Indicator values sent upward to national systems, as ADX XML or DHIS2 JSON.

The caller maps the reports' own codes to the receiver's; this package only checks
the mapped values and writes them in each format, in a stable order.
"""

from .adx import ADX_NAMESPACE, adx_document, adx_validate
from .dhis2 import dhis2_data_value_sets, dhis2_json
from .periods import MONTH, QUARTER, YEAR, Period
from .values import DataValue, decimal_text

__all__ = [
    "ADX_NAMESPACE",
    "MONTH",
    "QUARTER",
    "YEAR",
    "DataValue",
    "Period",
    "adx_document",
    "adx_validate",
    "decimal_text",
    "dhis2_data_value_sets",
    "dhis2_json",
]
