"""count/sum/mean partials of a stream read in pieces (a regrouped subquery's shards) equal the whole
stream's: a window running across pieces is summed on from the carried sum, in order."""

from __future__ import annotations

import numpy as np
import pytest

from chronus._ext.aggregate import segment_sum
from chronus.query.aggregate import _Partials, _Points
from chronus.query.vector import FLOAT, INTEGER, Column
from chronus.query.window import Windows


def test_segment_sum_starts_the_first_segment_from_a_carried_sum():
    values = np.array([0.2, 0.3, 0.5], np.float64)
    starts = np.array([0, 2], np.int64)
    assert segment_sum(values, starts, 0.1).tolist() == [(0.1 + 0.2) + 0.3, 0.5]
    assert segment_sum(values, starts, 0.1)[0] == 0.6000000000000001  # not 0.1 + (0.2 + 0.3) == 0.6
    assert segment_sum(values, starts).tolist() == [0.5, 0.5]


def _points(times: list[int], values: list, kind: str) -> _Points:
    dtype = np.float64 if kind == FLOAT else np.int64
    n = len(times)
    return _Points(np.array(times, np.int64), [Column(kind, np.array(values, dtype), np.ones(n, bool))])


def _partials_in_pieces(times: list[int], values: list, kind: str, cuts: list[int], windows: Windows,
                        ascending: bool = True) -> tuple[list, list, list]:
    reduce = _Partials([0], {0}, windows, ascending)
    held = None
    bounds = [0, *cuts, len(times)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        pts = _points(times[a:b], values[a:b], kind)  # (ascending form; read backwards under DESC)
        reduce([pts], held)
        held = pts
    w, s, c = held.partials[0]
    return w.tolist(), s.tolist(), c.tolist()


@pytest.mark.parametrize("cuts", [[1], [2], [1, 3], [4]])
def test_float_sums_over_pieces_are_those_of_the_whole_stream(cuts: list[int]):
    times = [0, 10, 20, 30, 40, 50]
    values = [0.1, 0.2, 0.3, 0.7, 1e-3, 1 / 3]
    one = Windows(0, 0, 0, 100)
    total = ((((0.1 + 0.2) + 0.3) + 0.7) + 1e-3) + 1 / 3
    assert _partials_in_pieces(times, values, FLOAT, cuts, one) == ([0], [total], [6])
    by_30 = Windows(30, 0, 0, 100)
    assert _partials_in_pieces(times, values, FLOAT, cuts, by_30) == (
        [0, 30], [(0.1 + 0.2) + 0.3, (0.7 + 1e-3) + 1 / 3], [3, 3])


def test_descending_pieces_sum_from_the_newest_row():
    times = [0, 10, 20, 30]
    values = [0.3, 0.2, 0.1, 0.7]
    # read backwards: piece [20, 30] first (30 then 20), then [0, 10] (10 then 0)
    w, s, c = _partials_in_pieces(times[2:] + times[:2], values[2:] + values[:2], FLOAT, [2],
                                  Windows(0, 0, 0, 100), ascending=False)
    assert (w, s, c) == ([0], [((0.7 + 0.1) + 0.2) + 0.3], [4])


def test_integer_sums_and_counts_carry_and_a_piece_without_the_window_ends_it():
    times = [0, 10, 20, 30, 40]
    values = [2**62, 2**62, 5, -1, 3]
    got = _partials_in_pieces(times, values, INTEGER, [1, 3], Windows(25, 0, 0, 100))
    assert got == ([0, 25], [-(2**63) + 5, 2], [3, 2])  # (wrapping, as influxd's int64 sums)
