"""The one-pass selector kernel against the four-key sort that states influxd's tie rules directly."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chronus.query import reduce as red
from chronus.query.vector import BOOLEAN, FLOAT, INTEGER, UNSIGNED


def sorted_rule(name: str, win, values, times, kind, priority) -> np.ndarray:
    """The rule as a sort: the first row of every window once ordered by the function's keys."""
    if len(win) == 0:
        return np.zeros(0, np.int64)
    keys = values.astype(np.int64) if kind == BOOLEAN else values
    position = -np.arange(len(win)) if priority is None else priority
    # ranks of equal keys are equal; ascending ranks negated sort descending without overflow
    asc = keys if kind == FLOAT else np.unique(keys, return_inverse=True)[1]
    desc = -asc
    if name == "max":
        order = np.lexsort((position, times, desc, win))
    elif name == "min":
        order = np.lexsort((position, times, asc, win))
    elif name == "first":
        order = np.lexsort((position, asc if kind == BOOLEAN else desc, times, win))
    else:
        order = np.lexsort((position, desc, -times, win))
    ordered = win[order]
    first = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    return order[first]


_VALUES = {
    FLOAT: st.floats(allow_nan=False, allow_infinity=False, width=64).map(lambda v: round(v, 1) % 5),
    INTEGER: st.sampled_from([-(2**63), -3, 0, 1, 2, 2**63 - 1]),
    UNSIGNED: st.sampled_from([0, 1, 2, 2**63, 2**64 - 1]),
    BOOLEAN: st.booleans(),
}
_DTYPES = {FLOAT: np.float64, INTEGER: np.int64, UNSIGNED: np.uint64, BOOLEAN: bool}


@settings(max_examples=300, deadline=None)
@given(data=st.data(), kind=st.sampled_from([FLOAT, INTEGER, UNSIGNED, BOOLEAN]),
       name=st.sampled_from(["max", "min", "first", "last"]), with_priority=st.booleans())
def test_select_rows_matches_the_sort(data, kind, name, with_priority) -> None:
    n = data.draw(st.integers(0, 40))
    win = np.sort(np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), np.int64))
    values = np.array(data.draw(st.lists(_VALUES[kind], min_size=n, max_size=n)), _DTYPES[kind])
    times = np.array(data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)), np.int64)
    priority = None
    if with_priority:
        priority = np.array(data.draw(st.permutations(range(n))), np.int64)
    got, tied = red.select_rows_tied(name, win, values, times, kind, priority)
    assert got.tolist() == sorted_rule(name, win, values, times, kind, priority).tolist()
    chosen = {int(win[r]): (values[r], times[r]) for r in got.tolist()}
    rivals = sum(1 for w, v, t in zip(win.tolist(), values.tolist(), times.tolist(), strict=True)
                 if (v, t) == (chosen[w][0], chosen[w][1]))
    assert tied == (rivals > len(got))


def test_max_of_the_smallest_integer_is_not_wrapped() -> None:
    values = np.array([-(2**63), 5], np.int64)
    win = np.zeros(2, np.int64)
    times = np.array([1, 2], np.int64)
    assert red.select_rows("max", win, values, times, INTEGER).tolist() == [1]
    assert red.select_rows("min", win, values, times, INTEGER).tolist() == [0]


def test_nan_compares_false_in_max_and_min() -> None:
    """influxd's max/min keep a NaN delivered first (nothing compares better than it) and never pick a
    later one; the first delivered is the oldest point, the newest under ORDER BY time DESC."""
    values = np.array([np.nan, 1.0, np.nan], np.float64)
    win = np.zeros(3, np.int64)
    times = np.array([0, 5, 0], np.int64)
    assert red.select_rows("max", win, values, times, FLOAT).tolist() == [0]
    assert red.select_rows("min", win, values, times, FLOAT).tolist() == [0]
    assert red.select_rows("max", win, values, times, FLOAT, ascending=False).tolist() == [1]
    later = np.array([3.0, np.nan, 7.0, np.nan], np.float64)
    two = np.array([0, 0, 1, 1], np.int64)
    assert red.select_rows("max", two, later, np.array([1, 2, 3, 4]), FLOAT).tolist() == [0, 2]
    assert red.select_rows("min", two, later, np.array([1, 2, 3, 4]), FLOAT,
                           ascending=False).tolist() == [1, 3]
    assert red.select_rows("first", win, values, times, FLOAT).tolist() == [2]
