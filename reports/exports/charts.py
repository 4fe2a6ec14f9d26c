"""Bar and line charts drawn as SVG text on the server.

WeasyPrint runs no JavaScript, so a chart in a PDF has to arrive already drawn. The
output depends only on the arguments (no random ids, no clock), so the same report
renders to the same file. Every piece of text is escaped: labels are units' and
courses' names typed by people.
"""

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from html import escape

from django.utils.translation import gettext as _

from cms.pdf_fonts import font_stack

from .table import clean_text, format_number, is_number

WIDTH = 640
PLOT_HEIGHT = 220
FONT_SIZE = 11
# Wide enough for most glyphs of Noto Serif at FONT_SIZE; used to lay out, not to clip.
CHAR_WIDTH = FONT_SIZE * 0.6
MAX_LABEL_CHARS = 24
MAX_LEGEND_CHARS = 40
# Okabe–Ito: told apart by readers with colour blindness and in grey print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
# The report's serif: Noto Sans's Vietnamese subset splits ạ, ẹ, ị, ọ, ụ into a letter and
# a dot below, and WeasyPrint then writes a text layer that reads back wrong.
FONT_FAMILY = ", ".join([*font_stack("noto-serif"), "serif"])

Value = int | float | Decimal | None


def _attr(text: object) -> str:
    """Text made safe for an XML attribute or element, control characters dropped."""
    return escape(clean_text(text), quote=True)


def _num(x: float) -> str:
    """A coordinate written the same way every time, without float noise."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _shorten(label: str, limit: int = MAX_LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round axis values (steps of 1, 2 or 5 times a power of ten) covering low..high."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1
    rough = (high - low) / count
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    first = math.floor(low / step)
    last = math.ceil(high / step)
    return [round(i * step, 10) for i in range(first, last + 1)]


class _Frame:
    """The layout shared by both charts: title, legend, y axis with ticks, x labels."""

    def __init__(self, labels: Sequence[object], series: Mapping[str, Sequence[Value]]):
        self.labels = [_shorten(clean_text(label)) for label in labels]
        self.names = [_shorten(clean_text(name), MAX_LEGEND_CHARS) for name in series]
        self.values = [
            [float(v) if is_number(v) else None for v in list(values)[: len(self.labels)]]
            for values in series.values()
        ]
        present = [v for row in self.values for v in row if v is not None]
        self.ticks = nice_ticks(min(present, default=0.0), max(present, default=0.0))
        self.legend = self._legend_rows() if len(self.names) > 1 else []
        self.top = 40 + 18 * len(self.legend) + 10
        self.left = 16 + CHAR_WIDTH * max(len(format_number(t)) for t in self.ticks)
        self.right = WIDTH - 16
        self.slot = (self.right - self.left) / max(len(self.labels), 1)
        widest = max((len(label) for label in self.labels), default=0) * CHAR_WIDTH
        # Labels that would overlap their neighbours are turned to read upwards, and the
        # plot moves right so that the first of them still fits on the canvas.
        self.rotated = widest > self.slot - 4
        if self.rotated:
            self.left = max(self.left, widest * 0.71 - self.slot / 2 + 8)
            self.slot = (self.right - self.left) / max(len(self.labels), 1)
        self.bottom = self.top + PLOT_HEIGHT
        label_room = widest * 0.71 + 16 if self.rotated else 24
        self.height = math.ceil(self.bottom + label_room + 8)

    def _legend_rows(self) -> list[list[tuple[int, str, float]]]:
        rows: list[list[tuple[int, str, float]]] = [[]]
        x = 16.0
        for index, name in enumerate(self.names):
            width = 18 + CHAR_WIDTH * len(name) + 16
            if rows[-1] and x + width > WIDTH - 16:
                rows.append([])
                x = 16.0
            rows[-1].append((index, name, x))
            x += width
        return rows

    def y(self, value: float) -> float:
        low, high = self.ticks[0], self.ticks[-1]
        return self.bottom - (value - low) / (high - low) * PLOT_HEIGHT

    def x_centre(self, index: int) -> float:
        return self.left + self.slot * (index + 0.5)

    def open(self, title: str) -> list[str]:
        """The SVG start tag and everything drawn behind the data."""
        return [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{self.height}" '
            f'viewBox="0 0 {WIDTH} {self.height}" role="img" aria-label="{_attr(title)}" '
            f'font-family="{_attr(FONT_FAMILY)}" font-size="{FONT_SIZE}">',
            f"<title>{_attr(title)}</title>",
            f'<text x="{WIDTH / 2:.0f}" y="24" text-anchor="middle" font-size="15" '
            f'font-weight="700">{_attr(title)}</text>',
            *self._legend(),
            *self._y_axis(),
            *self._x_labels(),
        ]

    def _legend(self) -> list[str]:
        parts = []
        for row_number, row in enumerate(self.legend):
            top = 40 + 18 * row_number
            for index, name, x in row:
                parts.append(
                    f'<rect x="{_num(x)}" y="{top}" width="12" height="12" '
                    f'fill="{self.colour(index)}"/>'
                    f'<text x="{_num(x + 18)}" y="{top + 10}">{_attr(name)}</text>'
                )
        return parts

    def _y_axis(self) -> list[str]:
        """A grid line and a value at each tick; the line at zero is the darker baseline."""
        parts = []
        for tick in self.ticks:
            y = _num(self.y(tick))
            parts.append(
                f'<line x1="{_num(self.left)}" y1="{y}" x2="{self.right}" y2="{y}" '
                f'stroke="{"#444" if tick == 0 else "#ddd"}" stroke-width="1"/>'
                f'<text x="{_num(self.left - 6)}" y="{y}" dy="4" text-anchor="end">'
                f"{_attr(format_number(tick))}</text>"
            )
        return parts

    def _x_labels(self) -> list[str]:
        if not self.labels:
            middle = _num(self.top + PLOT_HEIGHT / 2)
            return [
                f'<text x="{WIDTH / 2:.0f}" y="{middle}" text-anchor="middle">'
                f"{_attr(_('Không có dữ liệu'))}</text>"
            ]
        parts = []
        y = _num(self.bottom + 16)
        for index, label in enumerate(self.labels):
            x = _num(self.x_centre(index))
            turn = f' transform="rotate(-45 {x} {y})"' if self.rotated else ""
            anchor = "end" if self.rotated else "middle"
            parts.append(
                f'<text x="{x}" y="{y}" text-anchor="{anchor}"{turn}>{_attr(label)}</text>'
            )
        return parts

    def colour(self, index: int) -> str:
        return PALETTE[index % len(PALETTE)]


def bar_chart(labels: Sequence[object], series: Mapping[str, Sequence[Value]], title: str) -> str:
    """Vertical bars, one group per label and one bar per series in each group."""
    frame = _Frame(labels, series)
    parts = frame.open(title)
    bar_width = frame.slot * 0.8 / max(len(frame.values), 1)
    zero = frame.y(0)
    for series_index, values in enumerate(frame.values):
        for index, value in enumerate(values):
            if value is None:
                continue
            x = frame.left + frame.slot * (index + 0.1) + bar_width * series_index
            top = min(frame.y(value), zero)
            parts.append(
                f'<rect x="{_num(x)}" y="{_num(top)}" width="{_num(bar_width)}" '
                f'height="{_num(abs(zero - frame.y(value)))}" '
                f'fill="{frame.colour(series_index)}"/>'
            )
    parts.append("</svg>")
    return "\n".join(parts)


def line_chart(labels: Sequence[object], series: Mapping[str, Sequence[Value]], title: str) -> str:
    """One line per series across the labels (months, say); a missing value breaks it."""
    frame = _Frame(labels, series)
    parts = frame.open(title)
    for series_index, values in enumerate(frame.values):
        colour = frame.colour(series_index)
        runs: list[list[str]] = [[]]
        for index, value in enumerate(values):
            if value is None:
                runs.append([])
                continue
            point = f"{_num(frame.x_centre(index))},{_num(frame.y(value))}"
            runs[-1].append(point)
            cx, cy = point.split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
        for run in runs:
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"/>'
                )
    parts.append("</svg>")
    return "\n".join(parts)
