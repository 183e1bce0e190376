"""``fill.stream_fill``: influxd's fill iterator over windows that come back in time (runs of a subquery)."""

from __future__ import annotations

import numpy as np

from chronus.influxql import ast
from chronus.query.fill import stream_fill
from chronus.query.vector import FLOAT, INTEGER, Column
from chronus.query.window import Windows

FO = ast.FillOption
WINDOWS = Windows(10, 0, 0, 49)  # windows 0, 10, 20, 30, 40


def _col(values: list, kind: str = FLOAT) -> Column:
    dtype = np.float64 if kind == FLOAT else np.int64
    return Column(kind, np.array(values, dtype), np.ones(len(values), bool))


def _filled(times: list[int], values: list, fill, fill_value=None, kind: str = FLOAT, name: str = "mean"):
    t, col = stream_fill(np.array(times, np.int64), _col(values, kind), WINDOWS, fill, fill_value, name, kind)
    cells = zip(col.values.tolist(), col.valid.tolist(), strict=True)
    return t.tolist(), [v if ok else None for v, ok in cells]


def test_gaps_before_the_first_run_turns_back_are_filled_then_nothing_among_later_runs():
    # run 1: windows 10 and 30; run 2 goes back to 0: the expected window has run ahead of it
    times, values = _filled([10, 30, 0, 20], [1.0, 3.0, 5.0, 7.0], FO.NumberFill, 9)
    assert times == [0, 10, 20, 30, 0, 20]
    assert values == [9.0, 1.0, 9.0, 3.0, 5.0, 7.0]


def test_the_range_end_is_filled_only_while_the_expected_window_is_within_it():
    assert _filled([0, 10], [1.0, 2.0], FO.NullFill) == ([0, 10, 20, 30, 40], [1.0, 2.0, None, None, None])
    # two whole runs: the expected window is past the end once the first run is out
    times, _ = _filled([0, 10, 20, 30, 40, 0, 10, 20, 30, 40], [0.0] * 10, FO.NullFill)
    assert times == [0, 10, 20, 30, 40, 0, 10, 20, 30, 40]


def test_previous_and_linear_use_the_points_handed_on_in_stream_order():
    assert _filled([10, 40], [2.0, 8.0], FO.PreviousFill) == ([0, 10, 20, 30, 40], [None, 2.0, 2.0, 2.0, 8.0])
    assert _filled([10, 40], [2.0, 8.0], FO.LinearFill) == ([0, 10, 20, 30, 40], [None, 2.0, 4.0, 6.0, 8.0])
    assert _filled([10, 40], [2, 9], FO.LinearFill, kind=INTEGER) == (
        [0, 10, 20, 30, 40], [None, 2, 4, 6, 9])  # Go's int64() of the interpolated float truncates


def test_a_null_fill_of_count_writes_zero_and_no_fill_keeps_the_points():
    assert _filled([20], [3], FO.NullFill, kind=INTEGER, name="count") == (
        [0, 10, 20, 30, 40], [0, 0, 3, 0, 0])
    assert _filled([30, 10], [1.0, 2.0], FO.NoFill) == ([30, 10], [1.0, 2.0])


def test_order_by_time_desc_walks_down_and_fills_down_to_the_first_window():
    t, col = stream_fill(np.array([30, 10, 40], np.int64), _col([1.0, 2.0, 3.0]), WINDOWS, FO.NumberFill, 0,
                         "mean", FLOAT, ascending=False)
    # expects 40 first: 30 is below it, so 40 is filled; then 30, 20 (filled), 10; the run turning back
    # up to 40 passes as it is and the expected window (-10) is then past the first one
    assert t.tolist() == [40, 30, 20, 10, 40]
    assert col.values.tolist() == [0.0, 1.0, 0.0, 2.0, 3.0]
