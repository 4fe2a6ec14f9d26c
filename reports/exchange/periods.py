"""Reporting periods as the national systems name them.

A period is a month, a quarter or a year, identified by its first day. ADX writes it
as an ISO 8601 start date and duration ("2025-07-01/P3M"); DHIS2 has its own short
codes ("2025Q3"). Both forms are parsed strictly: a period that does not start on its
own boundary would be read differently by each receiver, so it is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from django.utils.translation import gettext as _

MONTH = "month"
QUARTER = "quarter"
YEAR = "year"

# Length in months of each kind; also the order of kinds that start on the same day.
_MONTHS_IN = {MONTH: 1, QUARTER: 3, YEAR: 12}
_ISO_DURATION = {MONTH: "P1M", QUARTER: "P3M", YEAR: "P1Y"}
_KIND_OF_DURATION = {duration: kind for kind, duration in _ISO_DURATION.items()}

# [0-9] rather than \d: \d also matches digits of other scripts.
_ISO_FORM = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})/(P1M|P3M|P1Y)")
_DHIS2_MONTH = re.compile(r"([0-9]{4})([0-9]{2})")
_DHIS2_QUARTER = re.compile(r"([0-9]{4})Q([1-4])")
_DHIS2_YEAR = re.compile(r"[0-9]{4}")

_ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class Period:
    """A month, quarter or year, given by its kind and its first day."""

    kind: str
    start: date

    KINDS: ClassVar[tuple[str, ...]] = (MONTH, QUARTER, YEAR)

    def __post_init__(self) -> None:
        if self.kind not in _MONTHS_IN:
            raise ValueError(
                _("Loại kỳ báo cáo “%(kind)s” không hợp lệ (chỉ nhận month, quarter, year).")
                % {"kind": self.kind}
            )
        # A datetime is a date too, but its time would leak into the period codes.
        if not isinstance(self.start, date) or isinstance(self.start, datetime):
            raise ValueError(_("Ngày bắt đầu kỳ báo cáo phải là một ngày (date)."))
        start = self.start
        if start.day != 1:
            raise ValueError(
                _("Kỳ báo cáo phải bắt đầu vào ngày đầu tiên của tháng, không phải %(day)s.")
                % {"day": start.isoformat()}
            )
        if self.kind == QUARTER and (start.month - 1) % 3:
            raise ValueError(
                _("Kỳ quý phải bắt đầu vào ngày 1 tháng 1, 4, 7 hoặc 10, không phải %(day)s.")
                % {"day": start.isoformat()}
            )
        if self.kind == YEAR and start.month != 1:
            raise ValueError(
                _("Kỳ năm phải bắt đầu vào ngày 1 tháng 1, không phải %(day)s.")
                % {"day": start.isoformat()}
            )

    # Constructors by calendar numbers, so callers need not compute first days.

    @classmethod
    def of_month(cls, year: int, month: int) -> Period:
        return cls(MONTH, _first_day(year, month))

    @classmethod
    def of_quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError(_("Quý phải từ 1 đến 4, không phải %(q)s.") % {"q": quarter})
        return cls(QUARTER, _first_day(year, 3 * quarter - 2))

    @classmethod
    def of_year(cls, year: int) -> Period:
        return cls(YEAR, _first_day(year, 1))

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read a period in the ADX form ("2025-07-01/P3M") or a DHIS2 form ("202507",
        "2025Q3", "2025"). Anything else, including a start that is not the first day
        of its month, quarter or year, raises ValueError."""
        if not isinstance(text, str):
            raise ValueError(_("Kỳ báo cáo phải là một chuỗi ký tự."))
        if match := _ISO_FORM.fullmatch(text):
            year, month, day, duration = match.groups()
            try:
                start = date(int(year), int(month), int(day))
            except ValueError:
                raise _unreadable(text) from None
            return cls(_KIND_OF_DURATION[duration], start)
        if match := _DHIS2_MONTH.fullmatch(text):
            return cls.of_month(int(match[1]), int(match[2]))
        if match := _DHIS2_QUARTER.fullmatch(text):
            return cls.of_quarter(int(match[1]), int(match[2]))
        if _DHIS2_YEAR.fullmatch(text):
            return cls.of_year(int(text))
        raise _unreadable(text)

    @property
    def sort_key(self) -> tuple[date, int]:
        """Chronological, and a month before the quarter and year starting with it."""
        return (self.start, _MONTHS_IN[self.kind])

    @property
    def quarter(self) -> int:
        """The quarter (1 to 4) the period starts in."""
        return (self.start.month - 1) // 3 + 1

    def iso8601(self) -> str:
        """The ADX form: first day and ISO 8601 duration, e.g. "2025-07-01/P3M"."""
        return f"{self.start.isoformat()}/{_ISO_DURATION[self.kind]}"

    def dhis2(self) -> str:
        """The DHIS2 form: "202501" (month), "2025Q3" (quarter), "2025" (year)."""
        year = f"{self.start.year:04d}"
        if self.kind == MONTH:
            return f"{year}{self.start.month:02d}"
        if self.kind == QUARTER:
            return f"{year}Q{self.quarter}"
        return year

    def months(self) -> list[date]:
        """The first day of every month the period covers, in order."""
        first = self.start.year * 12 + self.start.month - 1
        return [
            date(index // 12, index % 12 + 1, 1)
            for index in range(first, first + _MONTHS_IN[self.kind])
        ]

    def label_vi(self) -> str:
        """The Vietnamese name used on administrative reports ("Tháng 1/2025",
        "Quý III/2025", "Năm 2025"). Fixed in Vietnamese, as those reports are,
        whatever the interface language."""
        year = self.start.year
        if self.kind == MONTH:
            return f"Tháng {self.start.month}/{year}"
        if self.kind == QUARTER:
            return f"Quý {_ROMAN[self.quarter - 1]}/{year}"
        return f"Năm {year}"


def _first_day(year: int, month: int) -> date:
    try:
        return date(year, month, 1)
    except (TypeError, ValueError):
        raise ValueError(
            _("Không có tháng %(month)s năm %(year)s.") % {"month": month, "year": year}
        ) from None


def _unreadable(text: str) -> ValueError:
    return ValueError(
        _(
            "Không đọc được kỳ báo cáo “%(text)s”: dùng dạng 2025-01-01/P1M, "
            "2025-07-01/P3M, 2025-01-01/P1Y, 202501, 2025Q3 hoặc 2025."
        )
        # Cut, so that a long hostile input does not fill the message.
        % {"text": text[:40]}
    )
