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
from chronus.query.condition import MIN_TIME
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
    walked = abs(last - first) // windows.interval + 1
    if walked > executor.MAX_SERIES_ROWS:  # e.g. GROUP BY time(1s) without a lower time bound: from 1970
        most = executor.MAX_SERIES_ROWS
        raise QueryError(f"fill() would write {walked} GROUP BY time() windows in one series (at most "
                         f"{most}): bound the time range from below or widen the interval")
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
