"""DHIS2 ``dataValueSets`` payloads, as posted to ``/api/dataValueSets``.

DHIS2 names a disaggregation by its category option combo identifiers, which the
caller has already mapped; the ADX disaggregation attributes are not sent. Values
travel as strings, in plain decimal form, the way DHIS2 returns them itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from .values import DataValue, check_code, decimal_text, sorted_unique


def dhis2_data_value_sets(
    values: Iterable[DataValue],
    *,
    data_set: str,
    complete_date: date | None = None,
) -> dict[str, Any]:
    """The payload, with values ordered by org unit, period, data element and option
    combos, so that the same values always give the same payload. Two values that
    DHIS2 would store in the same cell are refused."""
    check_code(data_set, _("Mã bộ dữ liệu"))
    ordered = sorted_unique(
        values,
        key=lambda v: (
            v.org_unit,
            v.period.sort_key,
            v.data_element,
            v.category_option_combo,
            v.attribute_option_combo,
        ),
        clash=_("cùng tổ hợp phân tổ (categoryOptionCombo, attributeOptionCombo)"),
    )
    payload: dict[str, Any] = {"dataSet": data_set}
    if complete_date is not None:
        if not isinstance(complete_date, date) or isinstance(complete_date, datetime):
            raise ValueError(_("Ngày hoàn thành phải là một ngày (date)."))
        payload["completeDate"] = complete_date.isoformat()
    payload["dataValues"] = [_data_value(value) for value in ordered]
    return payload


def dhis2_json(
    values: Iterable[DataValue],
    *,
    data_set: str,
    complete_date: date | None = None,
) -> bytes:
    """The payload as UTF-8 JSON, Vietnamese letters written as themselves."""
    payload = dhis2_data_value_sets(values, data_set=data_set, complete_date=complete_date)
    return json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")


def _data_value(value: DataValue) -> dict[str, str]:
    # Optional keys are left out rather than sent empty: DHIS2 then uses the defaults.
    item = {
        "dataElement": value.data_element,
        "period": value.period.dhis2(),
        "orgUnit": value.org_unit,
    }
    if value.category_option_combo:
        item["categoryOptionCombo"] = value.category_option_combo
    if value.attribute_option_combo:
        item["attributeOptionCombo"] = value.attribute_option_combo
    item["value"] = decimal_text(value.value)
    if value.comment:
        item["comment"] = value.comment
    return item
