"""SELECT statements with functions: aggregates, selectors, GROUP BY time, fill, as influxd 1.6.7 runs them.

The plan follows influxd's ``buildCursor``: every distinct call becomes one iterator whose points are
joined per output series and time (``multiScannerCursor``), raw fields next to a selector ride along as
auxiliary values of the selected point, and field expressions are evaluated over the joined columns.

Per output series (a tag set across shards) the points of every series are read once; ``count``, ``sum``,
``mean``, ``min``, ``max``, ``first`` and ``last`` reduce each series to per-window partials first and merge
them (influxd's push-down, which also fixes the order of floating-point sums), the other functions see the
group's raw points ordered by window then time. All per-point work is numpy (``reduce.py``) or Cython.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from chronus.influxql import ast
from chronus.query import reduce as red
from chronus.query import transform as tf
from chronus.query.condition import MIN_TIME
from chronus.query.emitter import emit_series
from chronus.query.executor import QueryError
from chronus.query.fill import fill_series
from chronus.query.result import Result
from chronus.query.vector import BOOLEAN, FLOAT, INTEGER, STRING, UNSIGNED, Column, evaluate
from chronus.query.window import Windows

DT = ast.DataType
FO = ast.FillOption
_KIND = {DT.Float: FLOAT, DT.Integer: INTEGER, DT.Unsigned: UNSIGNED, DT.String: STRING, DT.Boolean: BOOLEAN}
_GO_KIND = {FLOAT: "float", INTEGER: "integer", UNSIGNED: "unsigned", STRING: "string", BOOLEAN: "boolean"}
_NUMERIC = (FLOAT, INTEGER, UNSIGNED)
SELECTORS = ("first", "last", "min", "max", "percentile", "sample", "top", "bottom")
_PUSHDOWN_SELECT = ("min", "max", "first", "last")
_ANY = (FLOAT, INTEGER, UNSIGNED, STRING, BOOLEAN)
_SUPPORTED = {
    "count": _ANY, "distinct": _ANY, "mode": _ANY, "first": _ANY, "last": _ANY, "sample": _ANY,
    "min": (FLOAT, INTEGER, UNSIGNED, BOOLEAN), "max": (FLOAT, INTEGER, UNSIGNED, BOOLEAN),
}
_FLOAT_RESULT = ("mean", "median", "stddev", "integral")
# influxd's forecasting and technical-analysis functions; compiled and checked, but not run here yet
_NOT_YET = ("holt_winters", "holt_winters_with_fit", "exponential_moving_average",
            "double_exponential_moving_average", "triple_exponential_moving_average",
            "relative_strength_index", "triple_exponential_derivative", "kaufmans_efficiency_ratio",
            "kaufmans_adaptive_moving_average", "chande_momentum_oscillator")
_NO_FILL = ("top", "bottom", "sample", "integral", "distinct", *tf.TRANSFORMS)


def call_type(name: str, arg_type: DT) -> DT:
    """``FunctionTypeMapper.CallType``: the type a call produces from its argument's type."""
    if name in _FLOAT_RESULT or name in ("derivative", "non_negative_derivative", "moving_average"):
        return DT.Float
    if name in ("count", "elapsed"):
        return DT.Integer
    return arg_type


@dataclass
class _Call:
    """One distinct call of the statement: its symbol, argument and parameters."""

    call: ast.Call
    symbol: str
    name: str
    arg: ast.VarRef
    distinct: bool = False
    number: float = 0.0
    limit: int = 0
    tag_args: list[ast.VarRef] = field(default_factory=list)
    unit: int = 1_000_000_000
    inner: _Call | None = None  # the aggregate a transform runs over (GROUP BY time queries)

    @property
    def kind(self) -> str | None:
        """The kind of the values the call consumes: its field's, or its inner aggregate's result."""
        if self.inner is not None:
            return None if self.inner.kind is None else _result_kind(self.inner)
        return _KIND.get(self.arg.type)


@dataclass
class _Out:
    """The points one call gives for one output series, in output order."""

    times: np.ndarray
    values: Column
    aux: list[Column] | None = None


def _parse_call(call: ast.Call, symbol: str) -> _Call:
    name, args = call.name, call.args
    arg0 = args[0]
    out = _Call(call, symbol, name, arg0 if isinstance(arg0, ast.VarRef) else ast.VarRef(val=""))
    if name == "count" and isinstance(arg0, ast.Call | ast.Distinct):
        out.distinct = True
        out.arg = arg0.args[0] if isinstance(arg0, ast.Call) else ast.VarRef(val=arg0.val)
    if name in tf.TRANSFORMS:
        out.unit = 0  # derivative: the GROUP BY interval or 1s; elapsed: 1ns
        if isinstance(arg0, ast.Call):
            out.inner = _parse_call(arg0, symbol + "\x00inner")
            out.arg = out.inner.arg
        if name == "moving_average":
            out.limit = args[1].val
        elif len(args) == 2:
            out.unit = args[1].val
    elif name == "percentile":
        out.number = float(args[1].val)
    elif name in ("top", "bottom"):
        out.limit = args[-1].val
        out.tag_args = list(args[1:-1])
    elif name == "sample":
        out.limit = args[1].val
    elif name == "integral" and len(args) == 2:
        out.unit = args[1].val
    return out


class _Mapper:
    """``valueMapper``: calls to symbols (deduplicated by text), raw references to auxiliary values."""

    def __init__(self) -> None:
        self.calls: dict[str, _Call] = {}
        self.refs: dict[tuple, ast.VarRef] = {}

    def map(self, expr: ast.Expr | None) -> ast.Expr | None:
        if isinstance(expr, ast.Call) and expr.name not in _MATH:
            key = str(expr)
            if key not in self.calls:
                self.calls[key] = _parse_call(expr, f"\x00call{len(self.calls)}")
            return ast.VarRef(val=self.calls[key].symbol)
        if isinstance(expr, ast.Call):
            return ast.Call(name=expr.name, args=[self.map(a) for a in expr.args])
        if isinstance(expr, ast.BinaryExpr):
            return ast.BinaryExpr(op=expr.op, lhs=self.map(expr.lhs), rhs=self.map(expr.rhs))
        if isinstance(expr, ast.ParenExpr):
            return ast.ParenExpr(expr=self.map(expr.expr))
        if isinstance(expr, ast.VarRef):
            self.refs.setdefault((expr.val, expr.type), expr)
        return expr


from chronus.query.compile import MATH_FUNCTIONS as _MATH  # noqa: E402


def _offset(stmt: ast.SelectStatement, interval: int, now_ns: int) -> int:
    """``GroupByOffset``: a duration modulo the interval, or a time's distance from its truncation."""
    for d in stmt.dimensions:
        expr = d.expr
        if isinstance(expr, ast.Call) and expr.name == "time" and len(expr.args) == 2:
            arg = expr.args[1]
            if isinstance(arg, ast.DurationLiteral):
                value = abs(arg.val) % interval
                return value if arg.val >= 0 else -value
            if isinstance(arg, ast.Call) and arg.name == "now":
                arg = ast.TimeLiteral(val=now_ns)
            if isinstance(arg, ast.TimeLiteral):
                zero = -62_135_596_800 * 1_000_000_000  # Go's zero time, year 1
                return (arg.val - zero) % interval
            raise QueryError(f"invalid time dimension offset: {arg}")
    return 0


def column_fields(fields: list[ast.Field]) -> list[ast.Field]:
    """The fields with the extra tag/field columns ``top()`` and ``bottom()`` add (``ColumnNames``)."""
    out: list[ast.Field] = []
    for f in fields:
        out.append(f)
        if isinstance(f.expr, ast.Call) and f.expr.name in ("top", "bottom"):
            out.extend(ast.Field(expr=arg) for arg in f.expr.args[1:] if isinstance(arg, ast.VarRef))
    return out


# -- execution -------------------------------------------------------------------------------------------


def execute_aggregate(stmt: ast.SelectStatement, compiled, ctx, sources: list, fields: list[ast.Field],
                      dims: list[str], condition, columns: list[str]) -> Iterator[Result]:
    from chronus.query.select import _Plan

    fields = column_fields(fields)
    mapper = _Mapper()
    exprs = [mapper.map(f.expr) for f in fields]
    calls = list(mapper.calls.values())
    for c in calls:
        for part in (c.inner, c):
            kind = None if part is None else part.kind
            if kind is None:
                continue
            if part.name in tf.TRANSFORMS:
                if kind not in tf.supported_kinds(part.name):
                    raise QueryError(f"unsupported {tf.ITERATOR_NAMES[part.name]} iterator type: "
                                     f"*query.{_GO_KIND[kind]}InterruptIterator")
                continue
            supported = _SUPPORTED.get(part.name, _NUMERIC)
            if kind not in supported:
                raise QueryError(
                    f"unsupported {part.name} iterator type: *query.{_GO_KIND[kind]}InterruptIterator")
    interval = compiled.interval
    offset = _offset(stmt, interval, ctx.now_ns) if interval else 0
    windows = Windows(interval if interval > 0 else 0, offset, compiled.tmin, compiled.tmax, stmt.location)
    if ctx.max_select_buckets and interval > 0 and compiled.tmin > MIN_TIME:
        first = windows.window(compiled.tmin)[0]
        last = windows.window(compiled.tmax - 1)[0]
        buckets = (last - first + interval) // interval
        if buckets > ctx.max_select_buckets:
            raise QueryError(f"max-select-buckets limit exceeded: ({buckets}/{ctx.max_select_buckets})")
    for c in calls:
        if c.name in _NOT_YET:
            raise QueryError(f"{c.name}() is not supported yet")
    live = [c for c in calls if c.kind is not None]
    if not live:
        yield Result(series=[])
        return
    selector = len(calls) == 1 and calls[0].name in SELECTORS
    aux_refs = sorted(mapper.refs.values(), key=lambda r: (r.val, int(r.type)))
    read_refs: dict[tuple, ast.VarRef] = {}
    for c in live:
        read_refs.setdefault((c.arg.val, c.arg.type), c.arg)
    for ref in aux_refs:
        read_refs.setdefault((ref.val, ref.type), ref)
    ascending = compiled.ascending
    # influxd reads one more window for a transform over an aggregate (before the range, or after it
    # under ORDER BY time DESC); the query's own windows still bound every other call
    tmin, tmax = compiled.tmin, compiled.tmax
    nested = interval > 0 and any(c.inner is not None and c.name in tf.EXTENDED for c in live)
    if nested:
        if ascending:
            tmin -= interval
        else:
            tmax += interval
    inner_windows = Windows(interval, offset, tmin, tmax, stmt.location) if nested else windows
    wrapped = nested and tmin < -(2**63)  # Go's start time wraps around: nothing is read
    plan = _Plan(condition, max(tmin, compiled.tmin if wrapped else tmin), tmax, True, dims,
                 list(read_refs.values()), 0, 0, stmt.slimit, stmt.soffset, ctx.max_select_series)
    positions = {key: i for i, key in enumerate(read_refs)}
    groups = _read_groups(plan, sources)
    order = sorted(groups, reverse=not ascending)
    outputs = []
    for key in order:
        name, tags, chunks = groups[key]
        per_call = {}
        own = _within(chunks, compiled.tmin, compiled.tmax) if nested else chunks
        for c in live:
            if c.inner is not None and interval:
                extended = c.name in tf.EXTENDED
                if wrapped and extended:
                    continue
                out = _run_nested(c, chunks if extended else own, positions, aux_refs,
                                  inner_windows if extended else windows, ascending, stmt)
            else:
                out = _run_call(c, own, positions, aux_refs, windows, selector, ascending, stmt)
            if out is None:
                continue
            if interval and stmt.fill != FO.NoFill and c.name not in _NO_FILL:
                times, col = fill_series(out.times, out.values, windows, stmt.fill, stmt.fill_value,
                                         ascending, c.name, _result_kind(c))
                aux = None
                if out.aux is not None:
                    aux = [_spread_aux(a, out.times, times, ascending) for a in out.aux]
                out = _Out(times, col, aux)
            if stmt.offset or stmt.limit:
                end = stmt.offset + stmt.limit if stmt.limit else None
                out = _Out(out.times[stmt.offset:end], _slice(out.values, stmt.offset, end),
                           None if out.aux is None else [_slice(a, stmt.offset, end) for a in out.aux])
            if len(out.times):
                per_call[c.symbol] = out
        if per_call:
            outputs.append((name, tags, per_call))
    yield from _emit(outputs, exprs, calls, aux_refs, columns, stmt, ctx, ascending)


def _within(chunks: list[_Points], tmin: int, tmax: int) -> list[_Points]:
    """The points of the query's own time range (the read went one window further for transforms)."""
    out = []
    for pts in chunks:
        keep = (pts.times >= tmin) & (pts.times <= tmax)
        if keep.all():
            out.append(pts)
        elif keep.any():
            out.append(_Points(pts.times[keep], [_mask(col, keep) for col in pts.columns]))
    return out


def _run_nested(c: _Call, chunks: list[_Points], positions: dict, aux_refs: list, windows: Windows,
                ascending: bool, stmt: ast.SelectStatement) -> _Out | None:
    """A transform over its inner aggregate's windows (filled as the statement says; nulls skipped)."""
    inner = c.inner
    out = _run_call(inner, chunks, positions, aux_refs, windows, False, ascending, stmt)
    if out is None:
        return None
    times, col = out.times, out.values
    if stmt.fill != FO.NoFill and inner.name not in _NO_FILL:
        times, col = fill_series(times, col, windows, stmt.fill, stmt.fill_value, ascending, inner.name,
                                 _result_kind(inner))
    if col.kind is None or not col.valid.any():
        return None
    times, values = times[col.valid], col.values[col.valid]
    return _transform(c, times, values, col.kind, ascending, windows.interval)


def _transform(c: _Call, times: np.ndarray, values: np.ndarray, kind: str, ascending: bool,
               interval: int) -> _Out:
    unit = c.unit
    if not unit:
        unit = 1 if c.name == "elapsed" else (interval or 1_000_000_000)
    t, col = tf.apply(c.name, times, values, kind, ascending, unit, c.limit)
    return _Out(t, col)


def _result_kind(c: _Call) -> str:
    if c.name in tf.TRANSFORMS:
        return tf.result_kind(c.name, c.kind or FLOAT)
    if c.name in _FLOAT_RESULT:
        return FLOAT
    if c.name == "count":
        return INTEGER
    return c.kind or FLOAT


def _slice(col: Column, start: int, end: int | None) -> Column:
    return Column(col.kind, col.values[start:end], col.valid[start:end])


def _spread_aux(col: Column, src: np.ndarray, dst: np.ndarray, ascending: bool) -> Column:
    order = src if ascending else src[::-1]
    j = np.clip(np.searchsorted(order, dst), 0, max(len(src) - 1, 0))
    hit = order[j] == dst if len(src) else np.zeros(len(dst), bool)
    pos = j if ascending else len(src) - 1 - j
    n = len(dst)
    values = np.empty(n, object) if col.values.dtype == object else np.zeros(n, col.values.dtype)
    values[hit] = col.values[pos[hit]]
    return Column(col.kind, values, hit & col.valid[pos])


# -- reading ---------------------------------------------------------------------------------------------


@dataclass
class _Points:
    """Raw points of one series (after the condition): times and the read columns."""

    times: np.ndarray
    columns: list[Column]


def _read_groups(plan, sources: list) -> dict[tuple, tuple[str, dict, list[_Points]]]:
    """Every output series: (name, tags id) -> (name, tags, points of each series in shard, key order)."""
    from chronus.query.select import _Reader

    dims = sorted(plan.dimensions)
    groups: dict[tuple, tuple[str, dict, list[_Points]]] = {}
    for source in sources:
        for shard in source.shards:
            for name in source.names:
                if shard.index.database.measurement(name) is None:
                    continue
                reader = _Reader(plan, shard, name)
                for key, series_list in reader.tag_sets():
                    tags = dict(zip(dims, key, strict=True))
                    tags_id = "\x00".join(dims) + "\x00" + "\x00".join(key) if dims else ""
                    for series in series_list:
                        chunk = reader.read_series(series)
                        if chunk is None:
                            continue
                        entry = groups.setdefault((name, tags_id), (name, tags, []))
                        entry[2].append(_Points(chunk.times, chunk.columns))
    return groups


# -- one call over one group --------------------------------------------------------------------------------


def _values_of(c: _Call, pts: _Points, positions: dict, aux_refs: list) -> tuple:
    col = pts.columns[positions[(c.arg.val, c.arg.type)]]
    mask = col.valid
    if col.kind is None:
        mask = np.zeros(len(pts.times), bool)
    return col, mask


def _concat_cols(cols: list[Column]) -> Column:
    kinds = {c.kind for c in cols if c.kind is not None}
    kind = kinds.pop() if len(kinds) == 1 else (None if not kinds else STRING)
    if kind == STRING or len({c.values.dtype for c in cols}) > 1:
        values = np.concatenate([c.values.astype(object) for c in cols])
    else:
        values = np.concatenate([c.values for c in cols])
    return Column(kind, values, np.concatenate([c.valid for c in cols]))


def _gather(c: _Call, chunks: list[_Points], positions: dict, aux_refs: list, with_aux: bool):
    """The group's points of the call's argument: times, values, aux columns; ordered by time (stable)."""
    times, values, aux_parts = [], [], []
    for pts in chunks:
        col, mask = _values_of(c, pts, positions, aux_refs)
        if not mask.any():
            continue
        times.append(pts.times[mask])
        values.append(col.values[mask])
        if with_aux:
            aux_parts.append([_mask(pts.columns[positions[(r.val, r.type)]], mask) for r in aux_refs])
    if not times:
        return None
    t = np.concatenate(times)
    v = np.concatenate(values) if len({a.dtype for a in values}) == 1 else np.concatenate(
        [a.astype(object) for a in values])
    order = np.argsort(t, kind="stable")
    aux = None
    if with_aux:
        aux = [_concat_cols([part[i] for part in aux_parts]) for i in range(len(aux_refs))]
        aux = [Column(a.kind, a.values[order], a.valid[order]) for a in aux]
    return t[order], v[order], aux


def _aux_rows(aux: list[Column] | None, rows: np.ndarray) -> list[Column] | None:
    return None if aux is None else [_take(a, rows) for a in aux]


def _mask(col: Column, mask: np.ndarray) -> Column:
    return Column(col.kind, col.values[mask], col.valid[mask])


def _take(col: Column, rows: np.ndarray) -> Column:
    return Column(col.kind, col.values[rows], col.valid[rows])


def _column(kind: str, values: np.ndarray) -> Column:
    return Column(kind, values, np.ones(len(values), bool))


def _run_call(c: _Call, chunks: list[_Points], positions: dict, aux_refs: list, windows: Windows,
              selector: bool, ascending: bool, stmt: ast.SelectStatement) -> _Out | None:
    name, kind = c.name, c.kind
    interval = bool(windows.interval)
    with_aux = bool(aux_refs)
    if name in tf.TRANSFORMS:
        gathered = _gather(c, chunks, positions, aux_refs, False)
        if gathered is None:
            return None
        times, values, _ = gathered
        if not ascending:
            times, values = times[::-1], values[::-1]
        return _transform(c, times, values, kind, ascending, windows.interval)
    if name in ("count", "sum", "mean") and not c.distinct:
        out = _additive(c, chunks, positions, aux_refs, windows)
        if out is None:
            return None
        win, values, out_kind = out
        times = windows.output_time(win)
        col = _column(out_kind, values)
        return _ordered(_Out(times, col), ascending)
    gathered = _gather(c, chunks, positions, aux_refs, with_aux)
    if gathered is None:
        return None
    times, values, aux = gathered
    win = windows.starts(times)
    order = np.argsort(win, kind="stable")
    if not np.all(order == np.arange(len(order))):
        times, values, win = times[order], values[order], win[order]
        aux = None if aux is None else [_take(a, order) for a in aux]
    point_times = selector and not interval
    if name in _PUSHDOWN_SELECT or name in ("percentile", "mode"):
        if name in _PUSHDOWN_SELECT:
            rows = red.select_rows(name, win, values, times, kind)
        elif name == "percentile":
            rows = red.percentile_rows(win, values, c.number)
        else:
            rows = red.mode_rows(win, values, times, kind)
        out_times = times[rows] if point_times else windows.output_time(win[rows])
        out = _Out(out_times, _column(kind, values[rows]), _aux_rows(aux, rows))
        return _ordered(out, ascending)
    if name == "count":  # count(distinct(x))
        rows = red.distinct_rows(win, values, times, kind)
        w, counts = red.count(win[rows])
        return _ordered(_Out(windows.output_time(w), _column(INTEGER, counts)), ascending)
    if name == "distinct":
        rows = red.distinct_rows(win, values, times, kind, ascending)
        return _ordered(_Out(windows.output_time(win[rows]), _column(kind, values[rows])), ascending,
                        by_window=True)
    if name in ("top", "bottom"):
        return _top(c, times, values, win, aux, aux_refs, ascending)
    if name == "sample":
        rows = _sample_rows(win, c.limit)
        out = _Out(times[rows], _column(kind, values[rows]), _aux_rows(aux, rows))
        return _ordered(out, ascending, by_window=True, wins=win[rows])
    if name == "median":
        w, v = red.median(win, values)
        return _ordered(_Out(windows.output_time(w), _column(FLOAT, v)), ascending)
    if name == "spread":
        w, v = red.spread(win, values)
        return _ordered(_Out(windows.output_time(w), _column(kind, v)), ascending)
    if name == "stddev":
        w, v = red.stddev(win, values.astype(np.float64))
        return _ordered(_Out(windows.output_time(w), _column(FLOAT, v)), ascending)
    if name == "integral":
        if not ascending:
            times, values, win = times[::-1], values[::-1], win[::-1]
        if interval:
            starts, ends = windows.bounds(times)
        else:
            starts = ends = np.zeros(len(times), np.int64)
        t, v = red.integral(starts, ends, times, values.astype(np.float64), c.unit, interval, ascending)
        return _Out(t, _column(FLOAT, v))
    raise QueryError(f"unsupported call: {name}")


def _ordered(out: _Out, ascending: bool, by_window: bool = False, wins: np.ndarray | None = None) -> _Out:
    """Reverse window order for ORDER BY time DESC (points inside a window keep their order)."""
    if ascending:
        return out
    n = len(out.times)
    key = wins if wins is not None else out.times
    order = np.lexsort((np.arange(n), -key)) if by_window else np.arange(n)[::-1]
    return _Out(out.times[order], _take(out.values, order),
                None if out.aux is None else [_take(a, order) for a in out.aux])


def _sample_rows(win: np.ndarray, size: int) -> np.ndarray:
    """Reservoir sample of ``size`` points per window (influxd's is random too), in time order."""
    starts, lengths = red.segments(win)
    rows = []
    rng = random.Random()
    for start, length in zip(starts.tolist(), lengths.tolist(), strict=True):
        if length <= size:
            rows.extend(range(start, start + length))
        else:
            rows.extend(sorted(start + i for i in rng.sample(range(length), size)))
    return np.asarray(rows, np.int64)


def _top(c: _Call, times, values, win, aux, aux_refs, ascending: bool) -> _Out:
    top = c.name == "top"
    if c.tag_args:
        # influxd first keeps the max (min) point of every combination of the tag arguments per window
        where = {(r.val, r.type): i for i, r in enumerate(aux_refs)}
        idx = [where[(t.val, t.type)] for t in c.tag_args]
        combos = np.zeros(len(times), np.int64)
        for i in idx:
            col = aux[i]
            labels = np.where(col.valid, col.values.astype(str), "\x00")
            _, inverse = np.unique(labels, return_inverse=True)
            combos = combos * (int(inverse.max()) + 1 if len(inverse) else 1) + inverse
        order = np.lexsort((times, combos, win))
        sub_win = win[order]
        pair = np.stack((sub_win, combos[order]))
        change = np.concatenate(([True], np.any(pair[:, 1:] != pair[:, :-1], axis=0)))
        group_id = np.cumsum(change) - 1
        picked_local = red.select_rows("max" if top else "min", group_id, values[order], times[order], c.kind)
        rows = order[picked_local]
        # influxd hands the per-combination maxima to top() in reverse tag order
        rows = rows[np.lexsort((-combos[rows], win[rows]))]
        times, values, win = times[rows], values[rows], win[rows]
        aux = [_take(a, rows) for a in aux]
    rows = red.top_rows(win, values, times, c.limit, top)
    out = _Out(times[rows], _column(c.kind, values[rows]), _aux_rows(aux, rows))
    return _ordered(out, ascending, by_window=True, wins=win[rows])


def _additive(c: _Call, chunks: list[_Points], positions: dict, aux_refs: list, windows: Windows):
    """count/sum/mean: per-series partials per window, merged as influxd merges shard partials."""
    wins, vals, counts = [], [], []
    kind = c.kind
    for pts in chunks:
        col, mask = _values_of(c, pts, positions, aux_refs)
        if not mask.any():
            continue
        t = pts.times[mask]
        v = col.values[mask]
        w = windows.starts(t)
        if c.name == "count":
            pw, pc = red.count(w)
            wins.append(pw)
            vals.append(pc)
            continue
        pw, ps = red.sums(w, v)
        _, pc = red.count(w)
        wins.append(pw)
        counts.append(pc)
        if c.name == "mean":
            vals.append(ps.astype(np.float64) / pc)
        else:
            vals.append(ps)
    if not wins:
        return None
    w = np.concatenate(wins)
    v = np.concatenate(vals)
    order = np.argsort(w, kind="stable")
    w, v = w[order], v[order]
    if c.name == "count":
        w, total = red.sums(w, v)
        return w, total.astype(np.int64), INTEGER
    if c.name == "sum":
        w, total = red.sums(w, v)
        return w, total, kind
    n = np.concatenate(counts)[order]
    w, means, _ = red.weighted_means(w, v, n)
    return w, means, FLOAT


# -- rows ------------------------------------------------------------------------------------------------


def _emit(outputs, exprs, calls, aux_refs, columns, stmt, ctx, ascending) -> Iterator[Result]:
    def series():
        for name, tags, per_call in outputs:
            times, env = _join(per_call, calls, aux_refs, stmt, ascending)
            n = len(times)
            outs = [evaluate(e, env, n).to_list() for e in exprs]
            yield name, tags, [list(r) for r in zip(times.tolist(), *outs, strict=True)]

    yield from emit_series(series(), columns, ctx.chunk_size, stmt.location)


def _join(per_call: dict, calls: list[_Call], aux_refs: list, stmt, ascending: bool):
    """Rows of one series: the union of the calls' times; a call without a point there gives null (or the
    fill value, or under fill(previous) the value of the row before)."""
    env: dict = {}
    if len(per_call) == 1:
        (symbol, out), = per_call.items()
        env[symbol] = out.values
        n = len(out.times)
        for i, ref in enumerate(aux_refs):
            env[(ref.val, ref.type)] = out.aux[i] if out.aux is not None else Column.null(n)
        for c in calls:
            if c.symbol not in per_call:
                env[c.symbol] = _default(stmt, c, n)
        return out.times, env
    times = np.unique(np.concatenate([o.times for o in per_call.values()]))
    if not ascending:
        times = times[::-1]
    n = len(times)
    for c in calls:
        out = per_call.get(c.symbol)
        if out is None:
            env[c.symbol] = _default(stmt, c, n)
            continue
        order = out.times if ascending else out.times[::-1]
        j = np.clip(np.searchsorted(order, times), 0, len(order) - 1)
        hit = order[j] == times
        pos = j if ascending else len(order) - 1 - j
        col = out.values
        values = np.empty(n, object) if col.values.dtype == object else np.zeros(n, col.values.dtype)
        values[hit] = col.values[pos[hit]]
        valid = hit & col.valid[pos]
        if c.name in tf.TRANSFORMS:
            pass  # a transform's missing rows stay null whatever the fill
        elif stmt.fill == FO.NumberFill and col.kind in _NUMERIC:
            values[~hit] = stmt.fill_value
            valid = valid | ~hit
        elif stmt.fill == FO.PreviousFill:
            idx = np.maximum.accumulate(np.where(hit, np.arange(n), -1))
            take = ~hit & (idx >= 0)
            values[take] = values[idx[take]]
            valid[take] = valid[idx[take]]
        env[c.symbol] = Column(col.kind, values, valid)
    for ref in aux_refs:
        env[(ref.val, ref.type)] = Column.null(n)
    return times, env


def _default(stmt, c: _Call, n: int) -> Column:
    if stmt.fill == FO.NumberFill and c.name not in tf.TRANSFORMS:
        return Column.constant(stmt.fill_value, n)
    return Column.null(n)
