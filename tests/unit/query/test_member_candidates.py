"""What an enclosing max/min/first/last keeps of a subquery's inner series (``member_candidates``)."""

from __future__ import annotations

import numpy as np
import pytest

from chronus.query import member_candidates
from chronus.query.member_candidates import MemberCandidates, OutsideRange
from chronus.query.vector import FLOAT, INTEGER, STRING, Column
from chronus.query.window import Windows

ONE_WINDOW = Windows(0, 0, 0, 1000)
TEN = Windows(10, 0, 0, 1000)


@pytest.fixture(autouse=True)
def every_size(monkeypatch):
    monkeypatch.setattr(member_candidates, "_SMALL", -1)


def column(kind: str, values: list, valid: list[bool] | None = None) -> Column:
    dtype = {FLOAT: np.float64, INTEGER: np.int64, STRING: object}[kind]
    return Column(kind, np.array(values, dtype), np.array(valid if valid else [True] * len(values), bool))


def kept(calls, windows, times, columns, bounds=None) -> list[int]:
    mask = MemberCandidates(calls, windows, bounds)(np.array(times, np.int64), columns)
    return list(range(len(times))) if mask is None else np.flatnonzero(mask).tolist()


def test_max_keeps_its_best_value_at_the_earliest_time_with_every_exact_tie_and_the_ends():
    times = [5, 1, 3, 3, 7, 2, 9]
    values = [4, 1, 9, 9, 9, 3, 0]
    # the ends (time 1 and 9) and the two 9s at time 3; the 9 at time 7 loses to them on time
    assert kept([("max", 0)], ONE_WINDOW, times, [column(INTEGER, values)]) == [1, 2, 3, 6]


def test_min_per_window():
    times = [1, 2, 3, 11, 12, 13, 14]
    values = [5.0, -2.0, 7.0, 3.0, 3.0, 8.0, 4.0]
    assert kept([("min", 0)], TEN, times, [column(FLOAT, values)]) == [0, 1, 2, 3, 6]


def test_first_and_last_keep_every_row_at_the_ends_of_each_window():
    times = [4, 1, 1, 6, 6, 15, 12, 18]
    values = ["a", "b", "c", "d", "e", "f", "g", "h"]
    assert kept([("first", 0)], TEN, times, [column(STRING, values)]) == [1, 2, 3, 4, 6, 7]


def test_a_nan_is_kept_where_it_is_first_met_and_never_wins_otherwise():
    times = [1, 2, 3, 4]
    values = [np.nan, 2.0, np.nan, 1.0]
    assert kept([("max", 0)], ONE_WINDOW, times, [column(FLOAT, values)]) == [0, 1, 3]


def test_rows_without_a_value_are_not_candidates_but_a_series_keeps_one_row():
    times = [1, 2, 3, 4]
    col = column(FLOAT, [9.0, 1.0, 2.0, 9.0], [False, True, True, False])
    assert kept([("max", 0)], ONE_WINDOW, times, [col]) == [1, 2]
    assert kept([("max", 0)], ONE_WINDOW, times, [Column.null(4)]) == [0]


def test_several_calls_keep_the_union_of_their_rows():
    times = [1, 2, 3, 4, 5]
    a = column(INTEGER, [1, 8, 2, 3, 4])
    b = column(INTEGER, [5, 6, 0, 7, 8])
    assert kept([("max", 0), ("min", 1)], ONE_WINDOW, times, [a, b]) == [0, 1, 2, 4]


def test_a_row_outside_the_range_stops_the_reduction():
    with pytest.raises(OutsideRange):
        kept([("max", 0)], ONE_WINDOW, [5, 2000], [column(INTEGER, [1, 2])], bounds=(0, 1000))
    assert kept([("max", 0)], ONE_WINDOW, [5, 900], [column(INTEGER, [1, 2])], bounds=(0, 1000)) == [0, 1]


def test_mixed_cells_are_left_whole():
    times = [1, 2, 3]
    mixed = Column(FLOAT, np.array([1.0, "x", 2.0], object), np.ones(3, bool))
    assert kept([("max", 0)], ONE_WINDOW, times, [mixed]) == [0, 1, 2]
