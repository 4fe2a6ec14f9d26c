"""Small-cell suppression: nothing hidden can be recomputed from what is shown."""

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.privacy import TOTAL, suppress_line, suppress_table

THRESHOLD = 5


def lines_of(rows, cols):
    lines = [[(r, c) for c in cols] + [(r, TOTAL)] for r in rows]
    lines += [[(r, c) for r in rows] + [(TOTAL, c)] for c in cols]
    lines.append([(r, TOTAL) for r in rows] + [(TOTAL, TOTAL)])
    lines.append([(TOTAL, c) for c in cols] + [(TOTAL, TOTAL)])
    return lines


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda n_rows: st.integers(1, 4).flatmap(
            lambda n_cols: st.tuples(
                st.just(n_rows),
                st.just(n_cols),
                st.lists(st.integers(0, 40), min_size=n_rows * n_cols, max_size=n_rows * n_cols),
            )
        )
    )
)
def test_every_small_cell_is_hidden_and_no_line_hides_just_one(shape):
    n_rows, n_cols, flat = shape
    rows, cols = list(range(n_rows)), list("abcd"[:n_cols])
    values = {(r, c): flat[i * n_cols + j] for i, r in enumerate(rows) for j, c in enumerate(cols)}
    hidden = suppress_table(values, rows, cols, THRESHOLD)
    for cell, value in values.items():
        if 0 < value < THRESHOLD:
            assert cell in hidden
    # A line's members add up; with exactly one hidden, subtraction would reveal it.
    for line in lines_of(rows, cols):
        assert sum(1 for cell in line if cell in hidden) != 1


def test_a_lone_small_cell_takes_a_second_with_it():
    hidden = suppress_line({"Tày": 2, "Nùng": 40, "Dao": 9}, THRESHOLD)
    assert "Tày" in hidden and len(hidden) >= 2
    # The smallest visible member is the one that goes with it.
    assert "Dao" in hidden and "Nùng" not in hidden


def test_nothing_is_hidden_when_nothing_is_small():
    assert suppress_line({"Tày": 20, "Nùng": 40, "Dao": 0}, THRESHOLD) == set()
