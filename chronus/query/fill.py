"""fill() of empty GROUP BY time windows, as influxd's fill iterator walks them, one series at a time.

The walk starts at the window of the query's start time (or of the series' first point when the query has
no lower bound) and ends at the window of its end time; ``count`` fills with 0 when the fill is null.
``previous`` repeats the last real value, ``linear`` interpolates between real neighbours on the window
index scale (integer division, as influxd does), a number is cast to the column's type.
"""

from __future__ import annotations

import numpy as np

from chronus.influxql import ast
from chronus.query import executor
from chronus.query.condition import MAX_TIME, MIN_TIME
from chronus.query.executor import QueryError
from chronus.query.vector import FLOAT, INTEGER, STRING, UNSIGNED, Column
from chronus.query.window import Windows

FO = ast.FillOption


def _trunc_div(a: np.ndarray, b: int) -> np.ndarray:
    return np.where(a >= 0, a // b, -((-a) // b))


def cast_fill_value(value, kind: str):
    """fill(<value>) as the column's type holds it: Go's conversion (an integer truncates toward zero)."""
    if kind == FLOAT:
        return float(value)
    if kind == INTEGER:
        return int(value)
    if kind == UNSIGNED:
        return np.uint64(int(value))
    return "" if kind == STRING else False  # influxd's failed cast leaves the zero value


def _refuse_long_walk(walked: int) -> None:
    """A fill over more windows than a series may hold (e.g. GROUP BY time(1s) without a lower time bound:
    from 1970) is refused rather than exhausting memory."""
    if walked > executor.MAX_SERIES_ROWS:
        most = executor.MAX_SERIES_ROWS
        raise QueryError(f"fill() would write {walked} GROUP BY time() windows in one series (at most "
                         f"{most}): bound the time range from below or widen the interval")


def carry_previous(values: np.ndarray, valid: np.ndarray, have: np.ndarray) -> None:
    """fill(previous) in place: each row without a value (``have`` false) takes the last row's that has
    one, value and validity; rows before the first keep theirs."""
    idx = np.maximum.accumulate(np.where(have, np.arange(len(have)), -1))
    take = ~have & (idx >= 0)
    values[take] = values[idx[take]]
    valid[take] = valid[idx[take]]


def fill_series(times: np.ndarray, col: Column, windows: Windows, fill: FO, fill_value, ascending: bool,
                call_name: str, kind: str) -> tuple[np.ndarray, Column]:
    """The series' windows with the empty ones filled; ``times`` are window starts in output order."""
    if fill == FO.NullFill and call_name == "count":
        fill, fill_value = FO.NumberFill, 0
    if len(times) == 0:
        return times, col
    if ascending:
        first = windows.window(windows.start)[0] if windows.start != MIN_TIME else int(times[0])
        last = windows.window(windows.end)[0]
    else:
        first = windows.window(windows.end)[0]
        last = windows.window(windows.start)[0]
        if last == MIN_TIME:
            last = int(times[-1])
    _refuse_long_walk(abs(last - first) // windows.interval + 1)
    if windows.location is None and (times[0] < first if ascending else times[0] > first):
        # a point before the walk's first window (a subquery's row before the range): influxd's fill
        # iterator hands it on and expects the window after the one it expected, and so on (stream_fill)
        return stream_fill(times, col, windows, fill, fill_value, call_name, kind, ascending)
    seq = windows.fill_sequence(first, last, ascending)
    ordered_seq = seq if ascending else seq[::-1]
    if len(seq):
        k = np.minimum(np.searchsorted(ordered_seq, times), len(seq) - 1)
        extra = times[ordered_seq[k] != times]
    else:
        extra = times
    if not len(extra) and len(seq) == len(times) and col.kind is not None:  # every window has its point
        return times, col
    if len(extra):
        seq = np.concatenate((seq, extra))
        seq = np.sort(seq) if ascending else -np.sort(-seq)
    n = len(seq)
    order = times if ascending else times[::-1]
    j = np.clip(np.searchsorted(order, seq), 0, len(times) - 1)
    hit = order[j] == seq
    pos_c = j if ascending else len(times) - 1 - j
    out_kind = col.kind or kind
    dtype = object if out_kind == STRING else (col.values.dtype if col.kind else np.float64)
    values = np.zeros(n, dtype) if dtype is not object else np.empty(n, object)
    valid = np.zeros(n, bool)
    values[hit] = col.values[pos_c[hit]]
    valid[hit] = col.valid[pos_c[hit]]
    empty = ~hit
    if fill == FO.NumberFill:
        values[empty] = cast_fill_value(fill_value, out_kind)
        valid[empty] = True
    elif fill == FO.PreviousFill:
        carry_previous(values, valid, hit)
    elif fill == FO.LinearFill and out_kind in (FLOAT, INTEGER, UNSIGNED):
        real = np.flatnonzero(hit)
        if len(real) >= 2:
            before = np.maximum.accumulate(np.where(hit, np.arange(n), -1))
            after = np.minimum.accumulate(np.where(hit, np.arange(n), n)[::-1])[::-1]
            take = empty & (before >= 0) & (after < n)
            if take.any():
                interval = windows.interval
                w = _trunc_div(seq[take], interval)
                pt = _trunc_div(seq[before[take]], interval)
                nt = _trunc_div(seq[after[take]], interval)
                pv, nv = values[before[take]], values[after[take]]
                if out_kind == FLOAT:
                    slope = (nv - pv) / (nt - pt).astype(np.float64)
                    values[take] = slope * (w - pt).astype(np.float64) + pv
                else:
                    slope = (nv - pv).astype(np.float64) / (nt - pt).astype(np.float64)
                    values[take] = (slope * (w - pt).astype(np.float64) + pv.astype(np.float64)).astype(
                        col.values.dtype)
                valid[take] = True
    return seq, Column(out_kind, values, valid)


def stream_fill(times: np.ndarray, col: Column, windows: Windows, fill: FO, fill_value, call_name: str,
                kind: str, ascending: bool = True) -> tuple[np.ndarray, Column]:
    """influxd's fill iterator over one series' windows when they do not come in time order (an aggregate
    by time over a subquery's filled runs hands on each run's windows in turn), no time zone.

    It expects the next window after each point it hands on (the one before under ORDER BY time DESC),
    whatever that point's time: a point at or before the expected window passes as it is, one past it
    first gets the windows in between filled; at the end, windows are filled up to the range's last. Once
    the windows go back in time the expected one runs ahead of them, so nothing is filled among later runs.
    ``previous`` and ``linear`` use the last point handed on (any run's) and, for linear, the next one."""
    if fill == FO.NullFill and call_name == "count":
        fill, fill_value = FO.NumberFill, 0
    if fill == FO.NoFill or len(times) == 0:
        return times, col
    step = windows.interval if ascending else -windows.interval
    if ascending:
        end = windows.window(windows.end)[0]
        expected = windows.window(windows.start)[0] if windows.start != MIN_TIME else int(times[0])
    else:  # (without a lower bound nothing is filled after the last point)
        end = windows.window(windows.start)[0] if windows.start != MIN_TIME else MAX_TIME
        expected = windows.window(windows.end)[0]
    _refuse_long_walk(0 if end == MAX_TIME else (end - expected) // step + 1)
    out_kind = col.kind or kind
    point_times, values, valid = times.tolist(), col.values.tolist(), col.valid.tolist()
    out_times: list[int] = []
    out_values: list = []
    out_valid: list[bool] = []
    prev: tuple[int, object] | None = None  # the last point handed on that had a value
    i, n = 0, len(point_times)
    while i < n or (expected <= end if ascending else expected >= end):
        if i < n and (point_times[i] <= expected if ascending else point_times[i] >= expected):
            out_times.append(point_times[i])
            out_values.append(values[i])
            out_valid.append(valid[i])
            prev = (point_times[i], values[i]) if valid[i] else None
            i += 1
        else:
            value, ok = None, False
            if fill == FO.NumberFill:
                value, ok = cast_fill_value(fill_value, out_kind), True
            elif fill == FO.PreviousFill and prev is not None:
                value, ok = prev[1], True
            elif fill == FO.LinearFill and prev is not None and i < n and valid[i] \
                    and out_kind in (FLOAT, INTEGER, UNSIGNED):
                value, ok = _linear(expected, prev, (point_times[i], values[i]), windows.interval,
                                    out_kind), True
            out_times.append(expected)
            out_values.append(value)
            out_valid.append(ok)
        expected += step
    dtype = object if out_kind == STRING else (col.values.dtype if col.kind else np.float64)
    filled = np.array([v if ok else 0 for v, ok in zip(out_values, out_valid, strict=True)], dtype=dtype) \
        if dtype is not object else np.array(out_values, dtype=object)
    return np.array(out_times, np.int64), Column(out_kind, filled, np.array(out_valid, bool))


def _linear(window: int, prev: tuple[int, object], nxt: tuple[int, object], interval: int, kind: str):
    """Go's ``linearFloat`` / ``linearInteger`` on the window index scale (times divided by the interval,
    truncated)."""
    w, pt, nt = (int(_trunc_div(np.int64(t), interval)) for t in (window, prev[0], nxt[0]))
    if kind == FLOAT:
        return (nxt[1] - prev[1]) / float(nt - pt) * float(w - pt) + prev[1]
    slope = float(int(nxt[1]) - int(prev[1])) / float(nt - pt)
    return int(slope * float(w - pt) + float(prev[1]))
