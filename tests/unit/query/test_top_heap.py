"""``gosort.top_rows`` against a step-by-step Python replay of influxd's top()/bottom() reducer: Go's
``container/heap`` of ``keep`` points, ``sort.Sort(sort.Reverse(...))`` (``gosort.sort_order``, checked
against Go in test_go_order.py), then a stable sort by time."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chronus._ext import gosort


def _reference(rank: list[int], times: list[int], keep: int) -> list[int]:
    h: list[int] = []

    def worse(i: int, j: int) -> bool:
        return rank[h[i]] < rank[h[j]]

    def up(j: int) -> None:
        while True:
            i = (j - 1) // 2 if j > 0 else 0
            if i == j or not worse(j, i):
                return
            h[i], h[j] = h[j], h[i]
            j = i

    def down(i0: int, n: int) -> bool:
        i = i0
        while True:
            j1 = 2 * i + 1
            if j1 >= n:
                break
            j = j1
            if j1 + 1 < n and worse(j1 + 1, j1):
                j = j1 + 1
            if not worse(j, i):
                break
            h[i], h[j] = h[j], h[i]
            i = j
        return i > i0

    for point in range(len(rank)):
        if len(h) == keep:
            if not rank[h[0]] < rank[point]:
                continue
            h[0] = point
            if not down(0, len(h)):
                up(0)
        else:
            h.append(point)
            up(len(h) - 1)
    order = gosort.sort_order(np.array([-rank[p] for p in h], np.int64)).tolist()
    emitted = [h[i] for i in order]
    return sorted(emitted, key=lambda p: times[p])  # Python's sort is stable, as sort.Stable


@settings(max_examples=400, deadline=None)
@given(points=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=40),
       keep=st.integers(1, 20))
def test_top_rows_replays_the_reducer(points: list[tuple[int, int]], keep: int) -> None:
    rank = np.array([r for r, _ in points], np.int64)
    times = np.array([t for _, t in points], np.int64)
    rows, counts = gosort.top_rows(rank, times, np.zeros(1 if points else 0, np.int64), keep)
    expected = _reference(rank.tolist(), times.tolist(), keep) if points else []
    assert rows.tolist() == expected
    assert counts.tolist() == ([len(expected)] if points else [])


def test_top_rows_per_segment() -> None:
    rank = np.array([1, 2, 3, 3, 0, 5], np.int64)
    times = np.array([0, 1, 2, 0, 1, 2], np.int64)
    rows, counts = gosort.top_rows(rank, times, np.array([0, 3], np.int64), 2)
    assert counts.tolist() == [2, 2]
    assert rows.tolist() == [1, 2, 3, 5]
