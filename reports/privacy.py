"""Small-cell suppression for tables that break counts down by ethnic group.

A count under the threshold (1 to threshold - 1 people) is hidden (primary
suppression). Hiding it is not enough when the table also shows the line's total: the
hidden value would be the total minus the others. So every line (row or column) that
hides one cell hides at least a second one, the smallest visible cell of the line
(complementary suppression), and this is repeated until every line hides none or at
least two. A line with a single cell hides its total instead.
"""

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

Cell = tuple[Hashable, Hashable]
TOTAL = "__total__"


def is_small(value: int | None, threshold: int) -> bool:
    return value is not None and 0 < value < threshold


def suppress_table(
    values: dict[Cell, int], rows: Iterable[Hashable], cols: Iterable[Hashable], threshold: int
) -> set[Cell]:
    """The cells to hide in a rows x cols table shown with row and column totals.

    Totals are addressed as ``(row, TOTAL)``, ``(TOTAL, col)`` and ``(TOTAL, TOTAL)``;
    they are hidden when small themselves or when a line has no other cell to pair with.
    """
    rows, cols = list(rows), list(cols)
    hidden = {cell for cell, v in values.items() if is_small(v, threshold)}
    row_totals = {r: sum(values.get((r, c), 0) for c in cols) for r in rows}
    col_totals = {c: sum(values.get((r, c), 0) for r in rows) for c in cols}
    hidden |= {(r, TOTAL) for r, v in row_totals.items() if is_small(v, threshold)}
    hidden |= {(TOTAL, c) for c, v in col_totals.items() if is_small(v, threshold)}
    # Each line, with its total as a member: hiding one member of a line whose members
    # add up (total = sum of the others) lets it be recomputed unless two are hidden.
    lines = [[(r, c) for c in cols] + [(r, TOTAL)] for r in rows]
    lines += [[(r, c) for r in rows] + [(TOTAL, c)] for c in cols]
    lines.append([(r, TOTAL) for r in rows] + [(TOTAL, TOTAL)])
    lines.append([(TOTAL, c) for c in cols] + [(TOTAL, TOTAL)])

    def value(cell: Cell) -> int:
        r, c = cell
        if r == TOTAL and c == TOTAL:
            return sum(row_totals.values())
        if c == TOTAL:
            return row_totals[r]
        if r == TOTAL:
            return col_totals[c]
        return values.get(cell, 0)

    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for cell in line if cell in hidden) != 1:
                continue
            candidates = [cell for cell in line if cell not in hidden]
            # Prefer the smallest member; a total only when nothing else is left.
            candidates.sort(key=lambda cell: (TOTAL in cell, value(cell), str(cell)))
            hidden.add(candidates[0])
            changed = True
    return hidden


def suppress_line(values: Mapping[Any, int], threshold: int) -> set[Any]:
    """The members to hide in one line shown with its total (``TOTAL`` for the total)."""
    hidden = suppress_table(
        {(key, "v"): v for key, v in values.items()}, values.keys(), ["v"], threshold
    )
    # As a one-column table, the column total is the line's total.
    out = {r for r, c in hidden if r != TOTAL and c != TOTAL}
    if (TOTAL, "v") in hidden or (TOTAL, TOTAL) in hidden:
        out.add(TOTAL)
    return out
