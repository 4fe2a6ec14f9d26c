"""One indicator value, already mapped to the receiving system's codes.

Everything a receiver could misread is refused here, once, rather than in each
exporter: empty codes, characters an XML 1.0 document cannot carry, control and
invisible formatting characters (a right-to-left override would make a code display
as another), numbers that are not finite, and disaggregation names that are not
usable as XML attribute names or that would clash with ADX's own attributes.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from .periods import Period

Number = int | float | Decimal

# Attributes ADX gives a meaning to on adx, group and dataValue; "annotation" is its
# child element, kept out too so that a reader never confuses the two.
ADX_RESERVED_NAMES = frozenset(
    {
        "adx",
        "annotation",
        "completeDate",
        "dataElement",
        "dataSet",
        "dataValue",
        "exported",
        "group",
        "orgUnit",
        "period",
        "value",
    }
)

# The characters XML 1.0 can carry (production [2] "Char"): tab, line breaks and
# everything from the space on, except surrogates, U+FFFE and U+FFFF.
_XML_CHAR = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")

# XML 1.0 (fifth edition) NCName: a Name without colons.
_NAME_START = (
    "A-Z_a-z\xc0-\xd6\xd8-\xf6\xf8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NAME_REST = _NAME_START + r"\-.0-9\xb7\u0300-\u036f\u203f-\u2040"
_NCNAME = re.compile(f"[{_NAME_START}][{_NAME_REST}]*")

# Embedding, override and isolate marks: free text has no use for them and they can
# make a comment display differently from what it says.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

# Beyond this a number is no longer a count or a rate, and its plain decimal form
# (which xs:decimal requires: no exponent) would run to thousands of digits. Every
# finite float is within it.
_MAX_EXPONENT = 400


@dataclass(frozen=True)
class DataValue:
    """The value of one data element for one org unit, period and disaggregation.

    ``disaggregations`` are ADX attribute name and option code pairs, e.g.
    (("SEX", "F"), ("ETHNIC", "NUNG")); they are kept sorted by name so that two values
    naming the same options in another order are equal. ``category_option_combo`` and
    ``attribute_option_combo`` are the DHIS2 identifiers of the same disaggregation.
    """

    data_element: str
    period: Period
    org_unit: str
    value: Number
    disaggregations: tuple[tuple[str, str], ...] = ()
    category_option_combo: str = ""
    attribute_option_combo: str = ""
    comment: str = ""

    def __post_init__(self) -> None:
        check_code(self.data_element, _("Mã chỉ tiêu"))
        check_code(self.org_unit, _("Mã đơn vị"))
        if not isinstance(self.period, Period):
            raise ValueError(_("Kỳ báo cáo phải là một Period."))
        check_number(self.value)
        if self.category_option_combo:
            check_code(self.category_option_combo, _("Mã tổ hợp phân tổ"))
        if self.attribute_option_combo:
            check_code(self.attribute_option_combo, _("Mã tổ hợp thuộc tính"))
        check_text(self.comment, _("Ghi chú"))
        # Frozen: the sorted copy is stored the way dataclasses themselves do it.
        object.__setattr__(self, "disaggregations", _checked_disaggregations(self.disaggregations))


def check_code(code: object, what: str) -> str:
    """Refuse a code that is empty, padded with spaces, or holds a character that XML
    cannot carry or that does not display as itself (controls, invisible formatting)."""
    if not isinstance(code, str):
        raise ValueError(_("%(what)s phải là một chuỗi ký tự.") % {"what": what})
    if not code.strip():
        raise ValueError(_("%(what)s không được để trống.") % {"what": what})
    if code != code.strip():
        raise ValueError(
            _("%(what)s không được có khoảng trắng ở đầu hoặc cuối: “%(code)s”.")
            % {"what": what, "code": code}
        )
    for position, char in enumerate(code, start=1):
        if not _xml_can_carry(char) or unicodedata.category(char) in ("Cc", "Cf"):
            raise _forbidden_character(what, char, position)
    return code


def check_text(text: object, what: str) -> str:
    """Free text (a comment) may hold line breaks and tabs, but no other control
    character, no direction override and nothing XML cannot carry."""
    if not isinstance(text, str):
        raise ValueError(_("%(what)s phải là một chuỗi ký tự.") % {"what": what})
    for position, char in enumerate(text, start=1):
        if char in "\t\n\r":
            continue
        if not _xml_can_carry(char) or unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS:
            raise _forbidden_character(what, char, position)
    return text


def check_number(value: object) -> Number:
    """A value must be a finite int, float or Decimal. A bool is an int to Python but
    never an indicator value, so it is refused rather than sent as 1 or 0."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(
            _("Giá trị phải là một số (int, float hoặc Decimal), không phải %(type)s.")
            % {"type": type(value).__name__}
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(_("Giá trị phải là một số hữu hạn (không nhận NaN hay vô cực)."))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(_("Giá trị phải là một số hữu hạn (không nhận NaN hay vô cực)."))
        if value and abs(value.adjusted()) > _MAX_EXPONENT:
            raise ValueError(_("Giá trị nằm ngoài khoảng cho phép."))
    return value


def decimal_text(value: Number) -> str:
    """The plain decimal form both receivers read: "12", "12.5", "0.0001", never an
    exponent ("1e-04" is not an xs:decimal) nor trailing zeros or a negative zero."""
    if isinstance(value, int):
        return str(value)
    # repr gives the shortest text that reads back as the same float.
    number = Decimal(repr(value)) if isinstance(value, float) else value
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def check_attribute_name(name: object) -> str:
    """A disaggregation becomes an XML attribute of dataValue, so its name must be an
    NCName, not one of ADX's own names, and not start with "xml" (reserved by XML)."""
    what = _("Tên phân tổ")
    name = check_code(name, what)
    if not _NCNAME.fullmatch(name):
        raise ValueError(
            _("%(what)s “%(name)s” không phải là tên thuộc tính XML hợp lệ.")
            % {"what": what, "name": name}
        )
    if name in ADX_RESERVED_NAMES or name.lower().startswith("xml"):
        raise ValueError(
            _("%(what)s “%(name)s” trùng với tên dành riêng của ADX hoặc XML.")
            % {"what": what, "name": name}
        )
    return name


def _checked_disaggregations(pairs: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(pairs, tuple | list):
        raise ValueError(_("Phân tổ phải là một dãy các cặp (tên, mã)."))
    checked: dict[str, str] = {}
    for pair in pairs:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise ValueError(_("Phân tổ phải là một dãy các cặp (tên, mã)."))
        name, option = pair
        check_attribute_name(name)
        check_code(option, _("Mã phân tổ"))
        if name in checked:
            raise ValueError(_("Phân tổ “%(name)s” được nêu hai lần.") % {"name": name})
        checked[name] = option
    return tuple(sorted(checked.items()))


def _xml_can_carry(char: str) -> bool:
    return _XML_CHAR.fullmatch(char) is not None


def _forbidden_character(what: str, char: str, position: int) -> ValueError:
    return ValueError(
        _("%(what)s chứa ký tự không được phép U+%(code)04X ở vị trí %(position)d.")
        % {"what": what, "code": ord(char), "position": position}
    )


def sorted_unique(
    values: Iterable[DataValue], key: Callable[[DataValue], tuple[Any, ...]], clash: str
) -> list[DataValue]:
    """The values in the order of ``key``, refusing two values with the same key: a
    receiver would keep one of them, silently, or add them up. ``clash`` says what
    else, besides data element, org unit and period, the two values share."""
    by_key: dict[tuple[Any, ...], DataValue] = {}
    for value in values:
        if not isinstance(value, DataValue):
            raise ValueError(
                _("Chỉ xuất được DataValue, không phải %(type)s.") % {"type": type(value).__name__}
            )
        identity = key(value)
        if identity in by_key:
            raise ValueError(
                _(
                    "Có hai giá trị cho cùng chỉ tiêu %(element)s, đơn vị %(unit)s, "
                    "kỳ %(period)s và %(clash)s: bên nhận chỉ giữ được một."
                )
                % {
                    "element": value.data_element,
                    "unit": value.org_unit,
                    "period": value.period.label_vi(),
                    "clash": clash,
                }
            )
        by_key[identity] = value
    return [by_key[identity] for identity in sorted(by_key)]
