"""``gosort.top_rows_float``: top()/bottom()'s reducers over floats compared as Go compares them."""

from __future__ import annotations

import numpy as np

from chronus._ext import gosort
from chronus.query import reduce as red


def test_same_rows_as_the_ranked_version_without_nan() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 50))
        values = rng.integers(0, 5, n).astype(np.float64)
        times = rng.integers(0, 8, n).astype(np.int64)
        win = np.sort(rng.integers(0, 3, n)).astype(np.int64)
        keep = int(rng.integers(1, 5))
        starts, _ = red.segments(win)
        for top in (True, False):
            floats, _ = gosort.top_rows_float(values, times, starts.astype(np.int64), keep, top)
            assert floats.tolist() == red.top_rows(win, values, times, keep, top).tolist()


def test_nan_is_neither_better_nor_worse() -> None:
    """Go's cmp is false both ways with a NaN: a NaN kept at the heap's root is never replaced, and a NaN
    arriving at a full heap never gets in."""
    times = np.array([1, 2, 3], np.int64)
    starts = np.zeros(1, np.int64)
    rows, counts = gosort.top_rows_float(np.array([np.nan, 5.0, 9.0]), times, starts, 1, True)
    assert (rows.tolist(), counts.tolist()) == ([0], [1])
    rows, _ = gosort.top_rows_float(np.array([5.0, np.nan, 9.0]), times, starts, 1, True)
    assert rows.tolist() == [2]
    rows, _ = gosort.top_rows_float(np.array([5.0, 9.0, np.nan]), times, starts, 2, False)
    assert rows.tolist() == [0, 1]
