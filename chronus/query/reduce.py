"""Per-window reductions of influxd's functions over whole arrays (numpy; no Python call per point).

Every kernel takes points already ordered by window, then time (``win`` non-decreasing) and returns one
result per window or, for the multi-point functions, the chosen rows. Tie rules are influxd's: ``max``
and ``min`` keep the earliest time among equal values, ``first`` and ``last`` the larger value among equal
times, ``top`` and ``bottom`` order by value then earliest time, ``mode`` the most frequent value whose
first occurrence is earliest.
"""

from __future__ import annotations

import numpy as np

from chronus.query.vector import BOOLEAN, STRING


def segments(win: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start index of every run of equal ``win``, length of every run)."""
    if len(win) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.concatenate(([True], win[1:] != win[:-1])))
    lengths = np.diff(np.append(starts, len(win)))
    return starts, lengths


def _rank_keys(values: np.ndarray, kind: str) -> np.ndarray:
    """A numeric sort key with the order of ``values`` (strings ranked, booleans as 0/1)."""
    if kind == STRING:
        _, inverse = np.unique(values.astype(str), return_inverse=True)
        return inverse.astype(np.int64)
    if kind == BOOLEAN:
        return values.astype(np.int64)
    return values


_SELECT_MODES = {"max": 0, "min": 1, "first": 2, "last": 4}


def select_rows(name: str, win: np.ndarray, values: np.ndarray, times: np.ndarray, kind: str,
                priority: np.ndarray | None = None, ascending: bool = True) -> np.ndarray:
    """Index of the row ``max``/``min``/``first``/``last`` keeps in every window; on full ties the lowest
    ``priority`` (the order influxd's merges meet the points, ``mergeorder``), else the later series."""
    return select_rows_tied(name, win, values, times, kind, priority, ascending)[0]


def select_rows_tied(name: str, win: np.ndarray, values: np.ndarray, times: np.ndarray, kind: str,
                     priority: np.ndarray | None = None, ascending: bool = True) -> tuple[np.ndarray, bool]:
    """``select_rows`` and whether a full tie (value and time) was decided by ``priority``.

    A NaN (in a subquery's column: a stddev of one point, math such as ``sqrt()`` of a negative mean) is
    compared false with everything by influxd's max/min reducers: the first point a window delivers (its
    oldest, the newest under ORDER BY time DESC) is kept when it is NaN, else NaN points are never picked
    (first/last compare times first: NaN changes nothing there)."""
    if len(win) == 0:
        return np.zeros(0, np.int64), False
    if values.dtype == np.float64 and name in ("max", "min"):
        nan = np.isnan(values)
        if nan.any():
            return _select_rows_nan(name, win, values, times, kind, priority, ascending, nan)
    from chronus._ext import aggregate as _ext
    keys = _rank_keys(values, kind)
    if keys.dtype == object:  # mixed numeric types: their order as ranks
        keys = np.unique(keys, return_inverse=True)[1].astype(np.int64).reshape(-1)
    elif keys.dtype not in (np.float64, np.int64, np.uint64):
        keys = keys.astype(np.float64 if keys.dtype.kind == "f" else np.int64)
    position = -np.arange(len(win), dtype=np.int64) if priority is None else priority
    mode = _SELECT_MODES[name]
    if name == "first" and kind == BOOLEAN:
        mode = 3  # on equal times false before true (BooleanFirstReduce)
    return _ext.segment_select(mode, np.ascontiguousarray(win, np.int64), np.ascontiguousarray(keys),
                               np.ascontiguousarray(times, np.int64),
                               np.ascontiguousarray(position, np.int64))


def _select_rows_nan(name: str, win: np.ndarray, values: np.ndarray, times: np.ndarray, kind: str,
                     priority: np.ndarray | None, ascending: bool, nan: np.ndarray
                     ) -> tuple[np.ndarray, bool]:
    # the first point each window delivers: by time in the statement's direction, then as the merge meets
    # them (``priority``), else as the rows come (reversed under DESC: they come in ascending form)
    index = np.arange(len(win), dtype=np.int64)
    then = priority if priority is not None else index if ascending else -index
    starts, _ = segments(win)
    first = np.lexsort((then, times if ascending else -times, win))[starts]
    out = first.copy()
    stuck = nan[first]
    numbers = np.flatnonzero(~nan)
    tied = False
    if len(numbers) and not stuck.all():
        picked, tied = select_rows_tied(name, win[numbers], values[numbers], times[numbers], kind,
                                        None if priority is None else priority[numbers])
        picked = numbers[picked]
        # windows holding numbers: theirs unless their first point is NaN
        at = np.searchsorted(win[starts], win[picked])
        keep = ~stuck[at]
        out[at[keep]] = picked[keep]
    return out, tied


def count(win: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts, lengths = segments(win)
    return win[starts], lengths.astype(np.int64)


def sums(win: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts, _ = segments(win)
    if len(starts) == 0:
        return win[:0], values[:0]
    if values.dtype == np.float64:
        from chronus._ext import aggregate as _ext
        return win[starts], _ext.segment_sum(np.ascontiguousarray(values), starts.astype(np.int64))
    with np.errstate(over="ignore"):
        return win[starts], np.add.reduceat(values, starts)


def weighted_means(win: np.ndarray, means: np.ndarray, counts: np.ndarray) -> tuple:
    """Merge partial means as ``FloatMeanReducer`` does: sum of mean*count over the summed count."""
    starts, lengths = segments(win)
    if len(starts) == 0:
        return win[:0], means[:0], counts[:0]
    weighted = np.where(counts >= 2, means * counts, means)
    from chronus._ext import aggregate as _ext
    total = np.add.reduceat(counts, starts)
    return win[starts], _ext.segment_sum(np.ascontiguousarray(weighted, np.float64), starts) / total, total


def spread(win: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts, _ = segments(win)
    if len(starts) == 0:
        return win[:0], values[:0]
    with np.errstate(over="ignore"):
        return win[starts], np.maximum.reduceat(values, starts) - np.minimum.reduceat(values, starts)


def _sorted_by_value(win: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.lexsort((values, win))


def median(win: np.ndarray, values: np.ndarray, ascending: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Every window's median; a window holding NaN (a subquery's column) as influxd's ``sort.Sort`` by
    ``<`` leaves its points in delivery order (reversed rows under ORDER BY time DESC)."""
    starts, lengths = segments(win)
    order = _sorted_by_value(win, values)
    v = values[order].astype(np.float64) if values.dtype != np.float64 else values[order]
    raw = values[order]
    mid = starts + lengths // 2
    out = v[mid].copy()
    even = lengths % 2 == 0
    if even.any():
        lo_i, hi_i = mid[even] - 1, mid[even]
        if values.dtype == np.float64:
            lo, hi = v[lo_i], v[hi_i]
            out[even] = lo + (hi - lo) / 2
        else:
            with np.errstate(over="ignore"):
                diff = (raw[hi_i] - raw[lo_i]).astype(np.float64)
            out[even] = raw[lo_i].astype(np.float64) + diff / 2
    if values.dtype == np.float64 and len(starts):
        for k in np.flatnonzero(np.add.reduceat(np.isnan(values), starts)).tolist():
            window = values[starts[k]:starts[k] + lengths[k]]
            out[k] = _go_median(window if ascending else window[::-1])
    return win[starts], out


def _go_median(window: np.ndarray) -> float:
    """The median of one window holding NaN, in delivery order, as Go's ``sort.Sort`` by ``<`` leaves it."""
    from chronus._ext import gosort
    if len(window) == 1:
        return float(window[0])
    ordered = window[gosort.sort_order(np.ascontiguousarray(window))]
    mid = len(window) // 2
    if len(window) % 2:
        return float(ordered[mid])
    return float(ordered[mid - 1] + (ordered[mid] - ordered[mid - 1]) / 2)


def percentile_rows(win: np.ndarray, values: np.ndarray, pct: float) -> np.ndarray:
    """Row chosen by ``percentile`` in every window (windows without one are left out)."""
    starts, lengths = segments(win)
    order = np.lexsort((np.arange(len(win)), values, win))
    pick = np.floor(lengths * pct / 100.0 + 0.5).astype(np.int64) - 1
    ok = (pick >= 0) & (pick < lengths)
    return order[starts[ok] + pick[ok]]


def mode_rows(win: np.ndarray, values: np.ndarray, times: np.ndarray, kind: str) -> np.ndarray:
    """Row holding the mode of every window."""
    if len(win) == 0:
        return np.zeros(0, np.int64)
    if kind == BOOLEAN:
        starts, lengths = segments(win)
        trues = np.add.reduceat(values.astype(np.int64), starts)
        want = trues >= lengths - trues
        rows = np.empty(len(starts), np.int64)
        for_each = np.arange(len(win))
        match = values.astype(bool) == np.repeat(want, lengths)
        first_match = np.minimum.reduceat(np.where(match, for_each, len(win)), starts)
        rows[:] = first_match
        return rows
    keys = _rank_keys(values, kind)
    order = np.lexsort((times, keys, win))
    w, k = win[order], keys[order]
    run_start = np.concatenate(([True], (w[1:] != w[:-1]) | (k[1:] != k[:-1])))
    runs = np.flatnonzero(run_start)
    run_len = np.diff(np.append(runs, len(w)))
    run_time = times[order][runs]
    run_win = w[runs]
    # most frequent; among equals the earliest first time; among those the later run
    pick = np.lexsort((-np.arange(len(runs)), run_time, -run_len, run_win))
    first = np.concatenate(([True], run_win[pick][1:] != run_win[pick][:-1]))
    return order[runs[pick[first]]]


def stddev(win: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sample standard deviation per window, NaN for a single point (influxd's running mean first)."""
    from chronus._ext import aggregate as _ext
    starts, lengths = segments(win)
    out = _ext.segment_stddev(np.ascontiguousarray(values, np.float64), starts.astype(np.int64))
    return win[starts], out


def distinct_rows(win: np.ndarray, values: np.ndarray, times: np.ndarray, kind: str,
                  ascending: bool = True, by_arrival: bool = False) -> np.ndarray:
    """Rows of the distinct values of every window, ordered by the time each was first seen (the latest
    occurrence when the statement reads backwards; ``by_arrival``: the first row in the order given, for
    rows that do not arrive by time) then value."""
    if len(win) == 0:
        return np.zeros(0, np.int64)
    keys = _rank_keys(values, kind)
    seen = np.arange(len(win)) if by_arrival else times if ascending else -times
    order = np.lexsort((seen, keys, win))
    w, k = win[order], keys[order]
    first = np.concatenate(([True], (w[1:] != w[:-1]) | (k[1:] != k[:-1])))
    rows = order[first]
    resort = np.lexsort((keys[rows], times[rows], win[rows]))
    return rows[resort]


def _dense_rank(*keys: np.ndarray) -> np.ndarray:
    """Per point its rank by ``keys`` (the last the primary one, as ``np.lexsort``); equal keys, equal
    ranks."""
    n = len(keys[0])
    order = np.lexsort(keys)
    change = np.zeros(n, bool)
    for key in keys:
        ordered = key[order]
        change[1:] |= ordered[1:] != ordered[:-1]
    rank = np.empty(n, np.int64)
    rank[order] = np.cumsum(change)
    return rank


def top_rows(win: np.ndarray, values: np.ndarray, times: np.ndarray, n: int, top: bool,
             ascending: bool = True) -> np.ndarray:
    """Rows kept by ``top``/``bottom`` in every window, in the order influxd emits them (by time; equal
    times as its heap and sort leave them). The points come in the order the reducer receives them,
    windows contiguous."""
    if len(win) == 0:
        return np.zeros(0, np.int64)
    from chronus._ext import gosort
    if values.dtype == np.float64 and np.isnan(values).any():  # (a subquery's column: no rank orders NaN)
        # NaN makes the arrival order count: each window's rows as delivered (reversed under DESC)
        order = np.arange(len(win)) if ascending else np.lexsort((-np.arange(len(win)), win))
        starts, _ = segments(win[order])
        rows, _ = gosort.top_rows_float(np.ascontiguousarray(values[order]),
                                        np.ascontiguousarray(times[order], np.int64), starts.astype(np.int64),
                                        n, top)
        return order[rows]
    value_rank = np.unique(values, return_inverse=True)[1].astype(np.int64).reshape(-1)
    # the reducers' cmp: the worse point has the smaller (top) or larger (bottom) value, then the later time
    rank = _dense_rank(-times, value_rank if top else -value_rank)
    starts, _ = segments(win)
    rows, _ = gosort.top_rows(rank, np.ascontiguousarray(times, np.int64), starts.astype(np.int64), n)
    return rows


def go_sorted_by_time(win: np.ndarray, values: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Go's ``sort.Sort`` of every window's points by time then value (``floatPoints.Less``): the order,
    equal points where pdqsort leaves them."""
    if len(win) == 0:
        return np.zeros(0, np.int64)
    from chronus._ext import gosort
    value_rank = np.unique(values, return_inverse=True)[1].astype(np.int64).reshape(-1)
    rank = _dense_rank(value_rank, times)
    starts, lengths = segments(win)
    out = np.empty(len(win), np.int64)
    for start, length in zip(starts.tolist(), lengths.tolist(), strict=True):
        out[start:start + length] = start + gosort.sort_order(rank[start:start + length])
    return out


def integral(win_start: np.ndarray, win_end: np.ndarray, times: np.ndarray, values: np.ndarray, unit: int,
             interval: bool, ascending: bool, integer: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``integral()``: trapezoids, split at window ends by linear interpolation (influxd's streaming rule;
    ``integer`` for its integer/unsigned reducer's own rule, see the kernel)."""
    from chronus._ext import aggregate as _ext
    return _ext.integral(times.astype(np.int64), np.ascontiguousarray(values, np.float64),
                         win_start.astype(np.int64), win_end.astype(np.int64), unit, interval, ascending,
                         integer)
