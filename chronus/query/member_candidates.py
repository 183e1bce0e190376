"""The rows of a subquery's inner series that an enclosing max/min/first/last can pick.

An enclosing aggregate reads a subquery's inner series merged into one stream per group. Without this,
``SubqueryReader.read_series`` joins every row of a group before the calls pick one per window: at 10M
rows in one group that is several hundred MB at once. The pick of these selectors is a total order over
(value, time, place in the stream), so the winner of a group is the winner among each inner series' own
best rows; keeping those (with every row tied to them on value and time, so that the stream's order
still decides between exact ties) as each inner series is read gives the same answer from a few rows.
"""

from __future__ import annotations

import numpy as np

from chronus.query.vector import FLOAT, INTEGER, UNSIGNED, Column
from chronus.query.window import Windows

SELECTORS = ("max", "min", "first", "last")

# An inner series this short is kept whole: nothing worth saving
_SMALL = 64


class OutsideRange(Exception):
    """A subquery row outside the query's time range: influxd's reduce iterator ends there
    (``aggregate._window_cut``), which needs every row before it, not only the candidates."""


def within(times: np.ndarray, bounds: tuple[int, int] | None) -> None:
    """Raises ``OutsideRange`` when a row lies outside ``bounds`` (None: no bounds to keep)."""
    if bounds is not None and len(times) and (times.min() < bounds[0] or times.max() > bounds[1]):
        raise OutsideRange


class MemberCandidates:
    """Called with an inner series' rows (times and the enclosing query's columns; any order will do):
    the rows to keep (a boolean mask), or None to keep all.

    Per window of the enclosing query, for every call: the rows holding a value at its earliest and at
    its latest time (first/last pick by time; a NaN first met in the window decides max/min there), and
    for max/min the rows of its best non-NaN value at the earliest time that value has. A series without
    any such row keeps its first, so that the groups' series stay the same."""

    def __init__(self, calls: list[tuple[str, int]], windows: Windows, bounds: tuple[int, int] | None
                 ) -> None:
        self.calls = calls  # (name, column)
        self.windows = windows
        self.bounds = bounds  # the query's range when a row outside it would end the reduction

    def __call__(self, times: np.ndarray, columns: list[Column]) -> np.ndarray | None:
        n = len(times)
        within(times, self.bounds)
        if n <= max(_SMALL, 0):
            return None
        for name, column in self.calls:
            col = columns[column]
            if name in ("max", "min") and col.kind is not None and col.kind not in (FLOAT, INTEGER, UNSIGNED):
                return None  # (an error or mixed cells: decided on all rows)
        win = self.windows.starts(times) if self.windows.interval else None
        keep = np.zeros(n, bool)
        for name, column in self.calls:
            col = columns[column]
            if col.kind is None:
                continue
            if name in ("max", "min") and col.values.dtype == object:
                return None  # (mixed cells: decided on all rows)
            rows = np.flatnonzero(col.valid)
            if not len(rows):
                continue
            segment = _segments(win[rows]) if win is not None else np.zeros(len(rows), np.int64)
            t = times[rows]
            keep[rows[_at_extreme(segment, t, np.minimum)]] = True
            keep[rows[_at_extreme(segment, t, np.maximum)]] = True
            if name in ("max", "min"):
                v = col.values[rows]
                numbers = ~np.isnan(v) if v.dtype == np.float64 else np.ones(len(v), bool)
                rows, segment, t, v = rows[numbers], segment[numbers], t[numbers], v[numbers]
                best = _at_extreme(segment, v, np.maximum if name == "max" else np.minimum)
                rows, segment, t = rows[best], segment[best], t[best]
                keep[rows[_at_extreme(segment, t, np.minimum)]] = True
        if not keep.any():
            keep[0] = True
        return keep


def _segments(win: np.ndarray) -> np.ndarray:
    """Each row's segment number: rows of one window share one."""
    return np.unique(win, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _at_extreme(segment: np.ndarray, x: np.ndarray, ufunc: np.ufunc) -> np.ndarray:
    """Mask of the rows whose ``x`` is their segment's extreme (``np.minimum``/``np.maximum``)."""
    if not len(x):
        return np.zeros(0, bool)
    if segment.min() == segment.max():
        return x == ufunc.reduce(x)
    dense = _segments(segment)
    order = np.argsort(dense, kind="stable")
    starts = np.flatnonzero(np.concatenate(([True], np.diff(dense[order]) != 0)))
    return x == ufunc.reduceat(x[order], starts)[dense]
