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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np

from chronus.influxql import ast
from chronus.query import mergeorder, modeorder
from chronus.query import reduce as red
from chronus.query import transform as tf
from chronus.query.condition import MAX_TIME, MIN_TIME
from chronus.query.executor import QueryError
from chronus.query.fastcount import count_groups, counted
from chronus.query.fill import carry_previous, cast_fill_value, fill_series, stream_fill
from chronus.query.member_candidates import SELECTORS as MEMBER_SELECTORS
from chronus.query.member_candidates import MemberCandidates, OutsideRange, within
from chronus.query.predict import HOLT_WINTERS
from chronus.query.vector import BOOLEAN, FLOAT, INTEGER, STRING, UNSIGNED, Column, all_valid, evaluate
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
_NO_FILL = ("top", "bottom", "sample", "integral", "distinct", *tf.TRANSFORMS)


def call_type(name: str, arg_type: DT) -> DT:
    """``FunctionTypeMapper.CallType``: the type a call produces from its argument's type."""
    if name in _FLOAT_RESULT or name in tf.TRANSFORMS and tf.result_kind(name, INTEGER) == FLOAT:
        return DT.Float  # the derivatives, moving_average, the indicators and the forecasts
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
    params: tuple = ()  # technical-analysis and Holt-Winters arguments (transform.parameters)
    inner: _Call | None = None  # the aggregate a transform runs over (GROUP BY time queries)
    # float sum/mean of every group, combined in influxd's merge order (mergeorder), by the shard tag sets
    # ("parts") of the group
    combined: dict | None = None
    # min/max (first/last by window): per series ((part, slot)) its windows and their priorities among
    # exactly tied points (mergeorder.arrival_priorities)
    priority: dict | None = None

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
    closed: bool = False  # the last point is the one influxd's stream reducer gives when it is closed
    # percentile(): its first window with points (in delivery order) has too few for it (``_lone_empty``)
    lead_missing: bool = False


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
        out.params = tf.parameters(name, args)
        if name == "moving_average":
            out.limit = args[1].val
        elif len(args) == 2 and not out.params:
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


def group_windows(stmt: ast.SelectStatement, compiled, now_ns: int) -> Windows:
    """The GROUP BY time() windows of a compiled SELECT (one window over everything without an interval)."""
    interval = compiled.window_interval
    offset = _offset(stmt, interval, now_ns) if interval else 0
    return Windows(interval, offset, compiled.tmin, compiled.tmax, stmt.location)


def check_buckets(limit: int, windows: Windows, compiled) -> None:
    """``max-select-buckets``: with a lower time bound, influxd refuses more GROUP BY time() windows."""
    interval = compiled.window_interval
    if limit and interval and compiled.tmin > MIN_TIME:
        first = windows.window(compiled.tmin)[0]
        last = windows.window(compiled.tmax - 1)[0]
        buckets = (last - first + interval) // interval
        if buckets > limit:
            raise QueryError(f"max-select-buckets limit exceeded: ({buckets}/{limit})")


def _unsupported_type(c: _Call, kind: str) -> str:
    """influxd's refusal of a call over a type it does not take. top()/bottom() with tag arguments read
    a max() (min()) by those tags first: that call refuses strings; booleans pass it and top() refuses its
    reduce iterator."""
    go_kind = _GO_KIND[kind]
    if c.name in ("top", "bottom") and c.tag_args:
        inner = "max" if c.name == "top" else "min"
        if kind not in _SUPPORTED[inner]:
            return f"unsupported {inner} iterator type: *query.{go_kind}InterruptIterator"
        return f"unsupported {c.name} iterator type: *query.{go_kind}Reduce{go_kind.capitalize()}Iterator"
    return f"unsupported {c.name} iterator type: *query.{go_kind}InterruptIterator"


def _any_series(sources: list, condition, stmt: ast.SelectStatement, dims: list[str],
                tag_set_dims: list[str] | None, task) -> bool:
    """Whether some mapped shard has a tag set left by the condition's tags, SLIMIT and SOFFSET (the
    shards' own ``tag_sets``): influxd builds (and so type-checks) a call's iterator only then; with none,
    a call over the wrong type answers nothing. A subquery source counts as having one."""
    from chronus.query.select import _Plan, _Source, readers

    probe = _Plan(condition, MIN_TIME, MIN_TIME, True, dims, [], 0, 0, stmt.slimit, stmt.soffset, 0, task,
                  tag_set_dims)
    for source in sources:
        if not isinstance(source, _Source) or any(r.tag_sets() for _, r in readers(probe, [source])):
            return True
    return False


def aggregate_series(stmt: ast.SelectStatement, compiled, ctx, sources: list, fields: list[ast.Field],
                     dims: list[str], condition, tag_set_dims: list[str] | None = None
                     ) -> Iterator[tuple[str, dict, np.ndarray, list[Column], bool]]:
    """Every output series of a SELECT with calls as ``(name, tags, times, columns, last)``; a series may
    come in consecutive pieces (``last`` False but on its last one).

    ``tag_set_dims``: a subquery's enclosing GROUP BY tags (see ``select._Plan``).
    """
    from chronus.query.select import _Plan

    fields = column_fields(fields)
    mapper = _Mapper()
    exprs = [mapper.map(f.expr) for f in fields]
    calls = list(mapper.calls.values())
    def fed() -> bool:
        return _any_series(sources, condition, stmt, dims, tag_set_dims, ctx.task)

    for c in calls:
        for part in (c.inner, c):
            kind = None if part is None else part.kind
            if kind is None:
                continue
            if part.name in tf.TRANSFORMS:
                if kind not in tf.supported_kinds(part.name) and fed():
                    raise QueryError(f"unsupported {tf.ITERATOR_NAMES[part.name]} iterator type: "
                                     f"*query.{_GO_KIND[kind]}InterruptIterator")
                continue
            supported = _SUPPORTED.get(part.name, _NUMERIC)
            if kind not in supported and fed():
                raise QueryError(_unsupported_type(part, kind))
    interval = compiled.window_interval
    windows = group_windows(stmt, compiled, ctx.now_ns)
    offset = windows.offset
    check_buckets(ctx.max_select_buckets, windows, compiled)
    live = [c for c in calls if c.kind is not None]
    if not live:
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
    read = max(tmin, compiled.tmin if wrapped else tmin), tmax
    if not wrapped:
        raw_transforms = all(c.inner is None and c.name in tf.EXTENDED for c in live)
        read = extended_read(compiled, ctx, raw_transforms, read)
    plan = _Plan(condition, *read, True, dims, list(read_refs.values()), 0, 0, stmt.slimit, stmt.soffset,
                 ctx.max_select_series, ctx.task, tag_set_dims)
    positions = {key: i for i, key in enumerate(read_refs)}
    # a subquery's LIMIT counting runs of its rows in the enclosing query's order cuts the rows there
    runs_cut = plan.regrouped and bool(stmt.limit or stmt.offset)
    if _group_at_a_time(live, interval, sources, runs_cut):
        yield from _group_series(plan, sources, live, positions, aux_refs, exprs, calls, stmt, windows,
                                 ascending, selector)
        return
    counts = count_groups(plan, sources, live, aux_refs, windows, ctx)  # count(...) alone: from the index
    slices = None if counts is not None else _shard_slices(sources, live, windows, tag_set_dims, aux_refs)
    if counts is None and slices is None and dims and _group_local(live, sources, runs_cut, nested):
        yield from _group_series(plan, sources, live, positions, aux_refs, exprs, calls, stmt, windows,
                                 ascending, selector)
        return
    if slices is not None:  # memory bounded by one shard's points rather than the whole range's
        raw = _sliced_outputs(slices, plan, live, positions, aux_refs, windows, selector, ascending, stmt,
                              compiled)
    if slices is not None and raw is not None:
        outputs = []
        keys = sorted(raw, reverse=not ascending)
        if keys and _lone_percentile(calls) and any(o.lead_missing for o in raw[keys[0]][2].values()):
            return  # (``_lone_empty``)
        for key in keys:
            name, tags, outs = raw[key]
            per_call = {}
            for c in live:
                if c.symbol in outs:
                    out = _finish(c, outs[c.symbol], stmt, windows, interval, ascending, plan, aux_refs)
                    if len(out.times):
                        per_call[c.symbol] = out
            if per_call:
                outputs.append((name, tags, per_call))
        yield from _series(outputs, exprs, calls, aux_refs, stmt, ascending)
        return
    if counts is None:
        reduce = _partials_reducer(live, positions, aux_refs, nested, sources, inner_windows, ascending,
                                   interval)
        edge = _edge_read(live, interval, reduce)
        members = _subquery_candidates(live, positions, sources, windows)
        try:
            groups = _read_groups(plan, sources, reduce, edge, members)
        except OutsideRange:  # (``_window_cut`` needs every row of the subqueries)
            groups = _read_groups(plan, sources)
    else:
        groups = counts
    order = sorted(groups, reverse=not ascending)
    if counts is None and not interval and _reduced_over_subqueries(live, sources):
        order = _window_cut(groups, order, compiled.tmin, compiled.tmax, ascending)
    outputs = []
    ended: set[str] = set()  # forecasts and transforms whose input iterator stopped (see below)
    mode_inputs = _mode_inputs(live, groups, positions, inner_windows, nested, aux_refs, ascending,
                               (compiled.tmin, compiled.tmax))
    _engine_limited(live, groups, mode_inputs, stmt)
    if counts is None:
        _combine_trees(live, groups, interval, nested, wrapped, compiled, positions, aux_refs, windows,
                       inner_windows, ascending)
    stretches = _stretch_windows(live, sources, aux_refs, windows)
    together = {} if counts is not None or aux_refs or nested or stretches else {
        c.symbol: found for c in live
        if c.symbol not in mode_inputs
        and (found := _select_groups(c, groups, order, positions, windows, selector, ascending)) is not None}
    lone = _lone_percentile(calls)
    for key in order:
        name, tags, chunks = groups[key]
        per_call = {}
        own = _within(chunks, compiled.tmin, compiled.tmax) if nested else chunks
        for c in live:
            if c.symbol in ended:
                continue
            if c.symbol in together:
                out = together[c.symbol].get(key)
            elif stretches:
                out = _stretch_call(c, own, positions, windows, ascending)
            elif c.inner is not None:
                extended = c.name in tf.EXTENDED
                if wrapped and extended:
                    continue
                out = _run_nested(c, chunks if extended else own, positions, aux_refs,
                                  inner_windows if extended else windows, ascending, stmt,
                                  mode_inputs.get(c.symbol, {}).get(key))
            elif counts is not None:
                out = _counted_call(own, c, windows, ascending)
            else:
                out = _run_call(c, own, positions, aux_refs, windows, selector, ascending, stmt,
                                mode_inputs.get(c.symbol, {}).get(key))
            if out is None:
                continue
            if lone:  # the first group with points decides (``_lone_empty``)
                lone = False
                if out.lead_missing:
                    return
            if c.inner is not None and out.lead_missing:  # (``_lone_empty``)
                ended.add(c.symbol)
                continue
            if c.name in HOLT_WINTERS and not len(out.times):
                # influxd's reduce iterator ends at the first series whose forecast is empty: the series
                # after it get none either
                ended.add(c.symbol)
                continue
            out = _finish(c, out, stmt, windows, interval, ascending, plan, aux_refs, stretches)
            if len(out.times):
                per_call[c.symbol] = out
        if per_call:
            outputs.append((name, tags, per_call))
    if (tag_set_dims is None and ascending and len(live) == 1 and live[0].name == "integral"
            and live[0].inner is None):
        outputs = _closed_last(outputs, live[0].symbol)
    yield from _series(outputs, exprs, calls, aux_refs, stmt, ascending)


def extended_read(compiled, ctx, raw_transforms: bool, read: tuple[int, int]) -> tuple[int, int]:
    """The range a statement's calls read: ``read`` (the statement's, a window more for a transform over
    an aggregate), one interval more when they are transforms of raw fields (``raw_transforms``) under a
    GROUP BY time a subquery inherits (influxd's transform iterator widens the range it is given whenever
    there is an interval, and hands on its rows from there), and in a subquery no more than the outermost
    statement's shard mapping allows (``ctx.shard_range``: influxd clamps every read it builds to it)."""
    tmin, tmax = read
    if raw_transforms and compiled.inherited_interval and compiled.window_interval:
        if compiled.ascending:
            tmin = max(MIN_TIME, tmin - compiled.window_interval)
        else:
            tmax = min(MAX_TIME, tmax + compiled.window_interval)
    if ctx.shard_range is not None:
        tmin, tmax = max(tmin, ctx.shard_range[0]), min(tmax, ctx.shard_range[1])
    return tmin, tmax


def _subquery_candidates(live: list[_Call], positions: dict, sources: list, windows: Windows
                         ) -> MemberCandidates | None:
    """What to keep of each inner series of the subqueries read (``member_candidates``) when every call
    is a max/min/first/last of a column of theirs; None (every row) otherwise."""
    if not _unfilled_subqueries(sources):
        return None
    if not live or any(c.inner is not None or c.distinct or c.name not in MEMBER_SELECTORS for c in live):
        return None
    calls = [(c.name, positions[(c.arg.val, c.arg.type)]) for c in live]
    return MemberCandidates(calls, windows, _cut_bounds(live, sources, windows))


def _unfilled_subqueries(sources: list) -> bool:
    """Whether every source is a subquery whose rows do not come as filled runs (those are reduced
    stretch by stretch: ``_stretch_call``)."""
    from chronus.query.subquery import SubquerySource

    return bool(sources) and all(isinstance(s, SubquerySource) and not s.stream_runs for s in sources)


def _cut_bounds(live: list[_Call], sources: list, windows: Windows) -> tuple[int, int] | None:
    """The query's range when a subquery row outside it ends the reduction (``_window_cut``), else None."""
    if windows.interval or not _reduced_over_subqueries(live, sources):
        return None
    return windows.start, windows.end


def _reduced_over_subqueries(live: list[_Call], sources: list) -> bool:
    """Whether every call is a reduce iterator's over subqueries only (no transform; integral() reads its
    points through a stream iterator that does not stop so: seen on influxd)."""
    from chronus.query.subquery import SubquerySource

    return bool(sources) and all(isinstance(s, SubquerySource) for s in sources) and all(
        c.inner is None and c.name not in tf.TRANSFORMS and c.name != "integral" for c in live)


def _window_cut(groups: dict, order: list, tmin: int, tmax: int, ascending: bool) -> list:
    """influxd's reduce iterator without GROUP BY time reads a subquery's rows while they fall in the
    query's time range: the first row outside it (an inner aggregate's first window starts before an
    unaligned lower bound) ends the series' window, and the next window, starting at that row, reduces
    nothing, which ends the whole iterator. So the groups after it answer nothing, and its own only from
    the rows before it (nothing when it is the first). Returns the groups left, in order (each group is
    one chunk in stream order here; several chunks merge by time, which this does not follow)."""
    if any(len(groups[key][2]) > 1 for key in order):
        return order
    kept = []
    for key in order:
        name, tags, chunks = groups[key]
        if not chunks:
            kept.append(key)
            continue
        pts = chunks[0]
        times = pts.times if ascending else pts.times[::-1]  # (rows kept in ascending form under DESC)
        outside = np.flatnonzero((times < tmin) | (times > tmax))
        if not len(outside):
            kept.append(key)
            continue
        first = int(outside[0])
        if first:
            rows = slice(0, first) if ascending else slice(len(pts.times) - first, None)
            groups[key] = (name, tags, [replace(pts, times=pts.times[rows],
                                                columns=[c.take(rows) for c in pts.columns])])
            kept.append(key)
        break
    return kept


# Calls an aggregate by time over a subquery's filled runs reduces stretch by stretch (``_stretch_call``)
_STRETCH_CALLS = ("count", "sum", "mean", "min", "max", "first", "last", "median", "spread", "stddev")


def _stretch_windows(live: list[_Call], sources: list, aux_refs: list, windows: Windows) -> bool:
    """Whether the statement's calls are ``_STRETCH_CALLS`` by time over subqueries whose rows come as
    filled runs (``SubquerySource.stream_runs``), no auxiliary field, no time zone: influxd's reduce
    iterators then read the runs as they come (``_stretch_call``) and its cursor joins their points one by
    one."""
    from chronus.query.subquery import SubquerySource

    if not (windows.interval and windows.location is None and not aux_refs and live):
        return False
    return (all(c.inner is None and not c.distinct and c.name in _STRETCH_CALLS for c in live)
            and bool(sources) and all(isinstance(s, SubquerySource) and s.stream_runs for s in sources))


def _stretch_call(c: _Call, chunks: list[_Points], positions: dict, windows: Windows, ascending: bool
                  ) -> _Out | None:
    """The call over a group's rows in stream order, one point per stretch of consecutive rows in one
    window: influxd's reduce iterator reads a window's points until the next one falls outside it, so a
    run of one series after another gets its own points for windows already answered (and the points are
    handed on in that order, windows going back in time between runs)."""
    gathered = _gather(c, chunks, positions, [], False)
    if gathered is None:
        return None
    times, values, _ = gathered
    if not ascending:  # (a subquery's rows are kept in ascending form: stream order reversed)
        times, values = times[::-1], values[::-1]
    win = windows.starts(times)
    change = np.ones(len(win), bool)
    change[1:] = win[1:] != win[:-1]
    stretch = np.cumsum(change) - 1
    starts = win[change]
    if c.name == "count":
        return _Out(windows.output_time(starts), _column(INTEGER, red.count(stretch)[1]))
    if c.name in ("sum", "mean"):
        sums = red.sums(stretch, values)[1]
        if c.name == "sum":
            return _Out(windows.output_time(starts), _column(c.kind, sums))
        means = sums.astype(np.float64) / red.count(stretch)[1]
        return _Out(windows.output_time(starts), _column(FLOAT, means))
    if c.name in ("median", "spread", "stddev"):
        reducer, kind = {"median": (red.median, FLOAT), "spread": (red.spread, c.kind),
                         "stddev": (red.stddev, FLOAT)}[c.name]
        which, found = reducer(stretch, values.astype(np.float64) if c.name == "stddev" else values)
        return _Out(windows.output_time(starts[which]), _column(kind, found))
    rows = red.select_rows(c.name, stretch, values, times, c.kind, ascending=ascending)
    return _Out(windows.output_time(starts), _column(c.kind, values[rows]))


def _lone_percentile(calls: list[_Call]) -> bool:
    """Whether percentile() is the statement's only call (``_lone_empty``)."""
    return len(calls) == 1 and calls[0].name == "percentile" and calls[0].inner is None


# _lone_empty: influxd reads a lone call's iterator through a cursor that stops at its first nil; the
# reduce iterator of percentile() hands on nil when the first window it reduces (the first group with
# points, its first window in output order) holds too few points for the percentile, so the statement
# answers nothing at all, whatever the other windows and groups hold (a later window or group without a
# percentile does not end it: the fill iterator, or the next window read, carries on). With other calls
# beside it the cursor joins the iterators and only that window lacks it. A transform over percentile()
# ends, alone or not, at the first group whose first window lacks it: that group and the ones after it get
# nothing from it (a window lacking it later in a group does not end it).


def _group_series(plan, sources: list, live: list[_Call], positions: dict, aux_refs: list, exprs: list,
                  calls: list[_Call], stmt: ast.SelectStatement, windows: Windows, ascending: bool,
                  selector: bool) -> Iterator[tuple[str, dict, np.ndarray, list[Column], bool]]:
    """``aggregate_series`` one output series at a time (``_group_at_a_time``, ``_group_local``), a
    transform's series in pieces of its stream where each call can continue from the last
    (``tf.CONTINUABLE``). OFFSET and LIMIT count each call's points across the pieces; once every call has
    its LIMIT, the rest of the series is not read. A lone integral's series are reordered as influxd's
    closing aggregators give them (``_closed_last``): its few rows are gathered first."""
    sliceable = all(c.name in tf.CONTINUABLE for c in live)
    closing = ascending and len(live) == 1 and live[0].name == "integral"
    if closing:
        outputs = [(name, tags, per_call) for name, tags, _, per_call in _group_outputs(
            plan, sources, live, positions, aux_refs, stmt, windows, ascending, False, selector)]
        yield from _series(_closed_last(outputs, live[0].symbol), exprs, calls, aux_refs, stmt, ascending)
        return
    pending = None
    for name, tags, last, per_call in _group_outputs(plan, sources, live, positions, aux_refs, stmt, windows,
                                                     ascending, sliceable, selector, _lone_percentile(calls)):
        if pending is not None:
            yield from _series([pending[1:]], exprs, calls, aux_refs, stmt, ascending, pending[0])
        pending = (last, name, tags, per_call)
    if pending is not None:
        yield from _series([pending[1:]], exprs, calls, aux_refs, stmt, ascending, pending[0])


def _group_outputs(plan, sources: list, live: list[_Call], positions: dict, aux_refs: list,
                   stmt: ast.SelectStatement, windows: Windows, ascending: bool, sliceable: bool,
                   selector: bool, lone: bool = False) -> Iterator[tuple[str, dict, bool, dict[str, _Out]]]:
    """``_group_series``' output series as ``(name, tags, last, per call)`` pieces (``last``: the
    series' final piece). Reducers other than transforms always take the delivery order (Go's unstable
    sorts and heaps reorder equal values even when no two points tie in time)."""
    replayed = any(c.name not in tf.TRANSFORMS and c.name != "integral" for c in live)
    end = stmt.offset + stmt.limit if stmt.limit else None
    for name, tags, pieces in _groups_one_by_one(plan, sources, ascending, sliceable):
        held: dict[str, tf.Continued] = {}  # per call: its transform over the stream so far
        seen = dict.fromkeys((c.symbol for c in live), 0)  # per call: its points so far
        pending = None
        for piece in pieces:
            chunks = piece.chunks
            per_call = {}
            delivered = {}
            if piece.whole and (replayed or _may_tie(chunks)):
                delivered = _mode_inputs(live, {0: (name, tags, chunks)}, positions, windows, False, aux_refs,
                                         ascending)
                _engine_limited(live, {0: (name, tags, chunks)}, delivered, stmt)
            for c in live:
                if end is not None and seen[c.symbol] >= end:
                    continue
                if piece.stream is not None:
                    found = piece.stream.get(positions[(c.arg.val, c.arg.type)])
                    out = None if found is None else _continue_transform(c, *found, ascending, held)
                elif piece.sliced:
                    out = _transform_piece(c, chunks, positions, aux_refs, ascending, held)
                else:
                    out = _run_call(c, chunks, positions, aux_refs, windows, selector, ascending, stmt,
                                    delivered.get(c.symbol, {}).get(0))
                if out is None:
                    continue
                if lone:  # the first group with points decides (``_lone_empty``)
                    lone = False
                    if out.lead_missing:
                        return
                if piece.whole:  # fill, OFFSET and LIMIT
                    out = _finish(c, out, stmt, windows, windows.interval, ascending, plan,
                                  aux_refs)
                else:
                    before = seen[c.symbol]
                    seen[c.symbol] += len(out.times)
                    out = _cut(out, max(0, stmt.offset - before),
                               None if end is None else max(0, end - before))
                if len(out.times):
                    per_call[c.symbol] = out
            if per_call:
                if pending is not None:
                    yield name, tags, False, pending
                pending = per_call
            if end is not None and all(count >= end for count in seen.values()):
                break  # every call has its LIMIT: the rest of the stream is not read
        if pending is not None:
            yield name, tags, True, pending


def _cut(out: _Out, start: int, end: int | None) -> _Out:
    """A call's points from ``start`` up to ``end`` (OFFSET and LIMIT)."""
    if not start and end is None:
        return out
    return _Out(out.times[start:end], out.values.take(slice(start, end)),
                None if out.aux is None else [a.take(slice(start, end)) for a in out.aux])


def _finish(c: _Call, out: _Out, stmt: ast.SelectStatement, windows: Windows, interval: int, ascending: bool,
            plan, aux_refs: list[ast.VarRef], stretches: bool = False) -> _Out:
    """A call's points of one output series filled (GROUP BY time) and cut by OFFSET and LIMIT; its
    auxiliary fields (``aux_refs``) filled as influxd's scanner fills them (``_filled_aux``).
    ``stretches``: the points come in stream order (``_stretch_call``) and are filled as they come."""
    if stretches:
        times, col = stream_fill(out.times, out.values, windows, stmt.fill, stmt.fill_value, c.name,
                                 _result_kind(c), ascending)
        out = _Out(times, col)
    elif interval and stmt.fill != FO.NoFill and c.name not in _NO_FILL:
        times, col = fill_series(out.times, out.values, windows, stmt.fill, stmt.fill_value,
                                 ascending, c.name, _result_kind(c))
        aux = None
        if out.aux is not None:
            aux = [_spread_aux(a, out.times, times, ascending) for a in out.aux]
        out = _Out(times, col, aux)
    if out.aux is not None and stmt.fill in (FO.NumberFill, FO.PreviousFill):
        out = _Out(out.times, out.values, [_filled_aux(a, stmt, ref)
                                           for a, ref in zip(out.aux, aux_refs, strict=True)])
    if (stmt.offset or stmt.limit) and not plan.regrouped:  # else per run: subquery.py
        out = _cut(out, stmt.offset, stmt.offset + stmt.limit if stmt.limit else None)
    return out


# Calls whose every window depends on that window's points alone (no state carried between windows).
_WINDOW_LOCAL = ("count", "sum", "mean", "min", "max", "first", "last", "median", "mode", "spread",
                 "stddev", "percentile", "distinct", "top", "bottom", "sample")


# Calls whose window answer does not depend on the order its points arrive in (without auxiliary fields,
# under GROUP BY time: the row's time is the window's): no float sums, no ties broken by arrival.
_ORDER_FREE = ("count", "spread", "median", "percentile", "distinct")


def _shard_slices(sources: list, live: list[_Call], windows: Windows, tag_set_dims, aux_refs: list
                  ) -> list[list] | None:
    """The statement's one source cut into sources of a few shards, in time order, when each window's
    points come from one slice only and every call works window by window: reading and reducing a slice
    at a time then gives the same answer while only one slice's points are in memory. A slice is one
    shard unless windows span shards; then the shards a window spans share a slice, allowed only for calls
    whose answer does not depend on arrival order (influxd's merge heaps carry their state across all
    shards, so a slice's own merge could order ties differently). None when that does not hold."""
    order_free = not aux_refs and all(c.name in _ORDER_FREE for c in live)
    from chronus.query.select import _Source

    if not windows.interval or windows.location or tag_set_dims is not None or len(sources) != 1:
        return None
    source = sources[0]
    if not isinstance(source, _Source) or source.measurement.regex is not None or len(source.shards) < 2:
        return None
    if any(c.inner is not None or c.name not in _WINDOW_LOCAL for c in live):
        return None
    spans = []
    for shard in source.shards:
        lo, hi = shard.time_span()
        if lo > hi:
            continue  # holds nothing
        spans.append((int(windows.starts(np.array([lo], np.int64))[0]),
                      int(windows.starts(np.array([hi], np.int64))[0]), shard))
    spans.sort(key=lambda span: span[0])
    slices: list[list] = []
    last = None
    for first_window, last_window, shard in spans:
        if last is not None and first_window <= last:  # shares a window with the slice: joins it
            if not order_free:
                return None
            slices[-1].append(shard)
            last = max(last, last_window)
        else:
            slices.append([shard])
            last = last_window
    if len(slices) < 2:
        return None
    empty = [shard for shard in source.shards if all(shard is not span[2] for span in spans)]
    slices[0] = empty + slices[0]  # shards without points still count their series (max-select-series)
    return [[_Source(source.measurement, shards, source.names)] for shards in slices]


def _sliced_outputs(slices: list[list], plan, live: list[_Call], positions: dict, aux_refs: list,
                    windows: Windows, selector: bool, ascending: bool, stmt: ast.SelectStatement, compiled
                    ) -> dict[tuple, tuple[str, dict, dict[str, _Out]]] | None:
    """Per output series, each call's points over all slices (``_shard_slices``), before fill and LIMIT;
    None if a window got points from two slices after all (written meanwhile): then read all at once."""
    parts: dict[tuple, tuple[str, dict, dict[str, list[_Out]]]] = {}
    for sources in (slices if ascending else slices[::-1]):
        groups = _read_groups(plan, sources)
        mode_inputs = _mode_inputs(live, groups, positions, windows, False, aux_refs, ascending)
        _engine_limited(live, groups, mode_inputs, stmt)
        for c in live:
            c.combined = c.priority = None
        _combine_trees(live, groups, windows.interval, False, False, compiled, positions, aux_refs, windows,
                       windows, ascending)
        for key, (name, tags, chunks) in groups.items():
            for c in live:
                out = _run_call(c, chunks, positions, aux_refs, windows, selector, ascending, stmt,
                                mode_inputs.get(c.symbol, {}).get(key))
                if out is not None:
                    parts.setdefault(key, (name, tags, {}))[2].setdefault(c.symbol, []).append(out)
        del groups, mode_inputs
    for c in live:
        c.combined = c.priority = None
    joined: dict[tuple, tuple[str, dict, dict[str, _Out]]] = {}
    for key, (name, tags, outs) in parts.items():
        calls = {}
        for symbol, found in outs.items():
            out = _join_outs(found, windows, ascending)
            if out is None:
                return None
            calls[symbol] = out
        joined[key] = (name, tags, calls)
    return joined


def _join_outs(outs: list[_Out], windows: Windows, ascending: bool) -> _Out | None:
    """The slices' points one after the other; None if two slices gave points for one window."""
    lead_missing = bool(outs) and outs[0].lead_missing  # the first slice holding points decides
    outs = [o for o in outs if len(o.times)] or outs[:1]
    if len(outs) == 1:
        return replace(outs[0], lead_missing=lead_missing)
    ends = windows.starts(np.array([int(t) for o in outs for t in (o.times[0], o.times[-1])], np.int64))
    firsts, lasts = ends[2::2], ends[1:-1:2]  # each slice's first window and the previous slice's last
    if np.any(firsts <= lasts) if ascending else np.any(firsts >= lasts):
        return None
    aux = None
    if all(o.aux is not None for o in outs):
        aux = [Column.concat([o.aux[i] for o in outs]) for i in range(len(outs[0].aux))]
    return _Out(np.concatenate([o.times for o in outs]), Column.concat([o.values for o in outs]), aux,
                lead_missing=lead_missing)


def _mode_inputs(live: list, groups: dict, positions: dict, windows: Windows, nested: bool, aux_refs: list,
                 ascending: bool, own_range: tuple[int, int] | None = None) -> dict:
    """Per call that takes its points in influxd's delivery order: group key -> its points so ordered.
    mode(), integral() and stddev() (or a transform over one), a transform of a raw field: (times,
    values); top/bottom/sample and a percentile whose picked point shows: their rows (``_DeliveredRows``).
    The order decides mode's and percentile's Go sorts, which point integral keeps and a derivative or
    difference takes at a time, and stddev's float rounding."""
    out: dict = {}
    interval = windows.interval
    for c in live:
        over = c.inner is not None
        target = c.inner if over else c
        picked = c.name == "percentile" and (aux_refs or not interval)  # the point it picks shows
        if (target is c and not nested and (c.name in _HEAP_REDUCERS or picked) and not c.tag_args
                and c.kind is not None):
            # top/bottom/sample, percentile: the points' rows in delivery order (auxiliary values come
            # along); over a subquery, top/bottom/sample take its rows as read (``_top``)
            if c.name in _HEAP_REDUCERS and any(pts.shard < 0 for _, _, chunks in groups.values()
                                                for pts in chunks):
                continue
            found = modeorder.delivered_rows(groups, positions[(c.arg.val, c.arg.type)], ascending,
                                             [positions[(ref.val, ref.type)] for ref in aux_refs], windows)
            if found is not None:
                out[c.symbol] = {key: _DeliveredRows(*rows) for key, rows in found.items()}
            continue
        raw_transform = c.inner is None and c.name in tf.TRANSFORMS and c.kind is not None
        if not raw_transform and (target.name not in _DELIVERED or target.kind in (None, BOOLEAN)):
            continue
        if aux_refs:
            continue
        extended = over and c.name in tf.EXTENDED
        source = groups
        if nested and not extended:  # its points are the query's own range's (``_within``)
            if own_range is None:
                continue
            source = {key: (name, tags, _within(chunks, *own_range))
                      for key, (name, tags, chunks) in groups.items()}
        column = positions[(target.arg.val, target.arg.type)]
        found = modeorder.delivered(source, column, ascending, None if raw_transform else windows)
        if found is not None:
            out[c.symbol] = found
    return out


def _engine_limited(live: list, groups: dict, mode_inputs: dict, stmt: ast.SelectStatement) -> None:
    """top()/bottom() without tag arguments read their field with the statement's LIMIT and OFFSET still
    set (influxd builds that input from options it did not clear): each shard's tag set hands on only the
    first OFFSET + LIMIT + 1 points of its stream (the storage engine's limit iterator), in delivery order,
    before top() picks among them; the LIMIT and OFFSET then apply to its output as usual."""
    if not (stmt.limit or stmt.offset):
        return
    keep = stmt.offset + stmt.limit + 1
    for c in live:
        if c.name not in ("top", "bottom") or c.tag_args or c.symbol not in mode_inputs:
            continue
        for key, delivered in mode_inputs[c.symbol].items():
            chunks = groups[key][2]
            parts = np.fromiter((chunks[i].part for i in delivered.chunks.tolist()), np.int64,
                                len(delivered.chunks))
            order = np.argsort(parts, kind="stable")  # each part's points, in delivery order
            mask = np.zeros(len(parts), bool)
            mask[order] = mergeorder.run_places(parts[order]) < keep
            mode_inputs[c.symbol][key] = _DeliveredRows(delivered.chunks[mask], delivered.rows[mask])


_HEAP_REDUCERS = ("top", "bottom", "sample")
# reducers over a window's points in delivery order: mode's sort, integral's ties, stddev's float sums
_DELIVERED = ("mode", "integral", "stddev")


@dataclass
class _DeliveredRows:
    """A group's points in influxd's delivery order: per point its chunk (in the group's list) and row."""

    chunks: np.ndarray
    rows: np.ndarray


def _gather_delivered(c: _Call, chunks: list[_Points], positions: dict, aux_refs: list, with_aux: bool,
                      delivered: _DeliveredRows):
    """``_gather`` in delivery order rather than time order."""
    if not len(delivered.rows):
        return None
    at = modeorder.positions_in(chunks, delivered.chunks, delivered.rows)
    times = np.concatenate([pts.times for pts in chunks])[at]
    values = modeorder.picked_values(chunks, positions[(c.arg.val, c.arg.type)], at)
    aux = None
    if with_aux:
        aux = [Column.concat([pts.columns[positions[(ref.val, ref.type)]] for pts in chunks]).take(at)
               for ref in aux_refs]
    return times, values, aux


def _closed_last(outputs: list, symbol: str) -> list:
    """influxd's ``integral`` series as its stream iterator gives them: each group's windows as they end,
    then, once the input is exhausted, the last window of every group, from the aggregators it closes in
    Go map order and hands out last first. A map of at most 8 groups is one bucket that Go walks from a
    random slot; Chronus takes slot 0 (the groups in insertion order, so the last windows come in reverse
    group order). Consecutive points of one series make one row set, as influxd's emitter does."""
    head: list = []
    tails: list = []
    for name, tags, per_call in outputs:
        out = per_call[symbol]
        n = len(out.times)
        if not out.closed:
            head.append((name, tags, per_call))
            continue
        if n > 1:
            head.append((name, tags, {symbol: _Out(out.times[:n - 1], out.values.take(slice(0, n - 1)))}))
        tails.append((name, tags, {symbol: _Out(out.times[n - 1:], out.values.take(slice(n - 1, None)))}))
    merged: list = []
    for name, tags, per_call in head + tails[::-1]:
        if merged and merged[-1][0] == name and merged[-1][1] == tags:
            before, after = merged[-1][2][symbol], per_call[symbol]
            joined = _Out(np.concatenate((before.times, after.times)),
                          Column.concat([before.values, after.values]))
            merged[-1] = (name, tags, {symbol: joined})
        else:
            merged.append((name, tags, per_call))
    return merged


def _counted_call(partials: dict[str, list], c: _Call, windows: Windows, ascending: bool) -> _Out | None:
    """A count the index answered (``fastcount.py``), as ``_run_call`` would give it."""
    point = counted(partials, c.symbol, windows)
    return None if point is None else _ordered(_Out(*point), ascending)


def _within(chunks: list[_Points], tmin: int, tmax: int) -> list[_Points]:
    """The points of the query's own time range (the read went one window further for transforms)."""
    out = []
    for pts in chunks:
        keep = (pts.times >= tmin) & (pts.times <= tmax)
        if keep.all():
            out.append(pts)
        elif keep.any():
            out.append(_Points(pts.times[keep], [col.take(keep) for col in pts.columns], pts.part, pts.slot,
                               pts.slots, pts.outer, pts.shard, pts.source))
    return out


def _run_nested(c: _Call, chunks: list[_Points], positions: dict, aux_refs: list, windows: Windows,
                ascending: bool, stmt: ast.SelectStatement, delivered: tuple | None = None) -> _Out | None:
    """A transform over its inner aggregate's windows (filled as the statement says; nulls skipped)."""
    inner = c.inner
    out = _run_call(inner, chunks, positions, aux_refs, windows, False, ascending, stmt, delivered)
    if out is None:
        return None
    times, col = out.times, out.values
    # (null-filled windows would be dropped just below: only a count's nulls become zeros worth writing)
    null_only = stmt.fill == FO.NullFill and inner.name != "count"
    if windows.interval and stmt.fill != FO.NoFill and not null_only and inner.name not in _NO_FILL:
        times, col = fill_series(times, col, windows, stmt.fill, stmt.fill_value, ascending, inner.name,
                                 _result_kind(inner))
    if col.kind is None or not col.valid.any():  # (kept when it ends a lone call: ``_lone_empty``)
        return _Out(times[:0], Column.null(0), lead_missing=True) if out.lead_missing else None
    times, values = times[col.valid], col.values[col.valid]
    result = _transform(c, times, values, col.kind, ascending, windows.interval)
    result.lead_missing = out.lead_missing  # the transform reads what the percentile hands on
    return result


def _transform(c: _Call, times: np.ndarray, values: np.ndarray, kind: str, ascending: bool,
               interval: int) -> _Out:
    t, col = tf.apply(c.name, times, values, kind, ascending, _unit(c, interval), c.limit, c.params)
    return _Out(t, col)


def _unit(c: _Call, interval: int) -> int:
    """A transform's time unit: its argument, else 1 ns for elapsed, the GROUP BY interval or 1 s."""
    if c.unit:
        return c.unit
    return 1 if c.name == "elapsed" else (interval or 1_000_000_000)


def _result_kind(c: _Call) -> str:
    if c.name in tf.TRANSFORMS:
        return tf.result_kind(c.name, c.kind or FLOAT)
    if c.name in _FLOAT_RESULT:
        return FLOAT
    if c.name == "count":
        return INTEGER
    return c.kind or FLOAT


def _filled_aux(col: Column, stmt: ast.SelectStatement, ref: ast.VarRef) -> Column:
    """A selector's auxiliary column as influxd's scanner fills it: where it holds no value (an empty
    window, or the selected point without that field) fill(<number>) writes the number cast to the
    field's type (``castToType``: a string, boolean or tag column, or one of unknown type, keeps the number
    as it is, a column of mixed values then) and fill(previous) leaves the column's last value."""
    missing = ~col.valid
    if not missing.any():
        return col
    n = len(missing)
    if stmt.fill == FO.NumberFill:
        if col.kind in _NUMERIC:
            values = col.values.copy()
            values[missing] = cast_fill_value(stmt.fill_value, col.kind)
            return Column(col.kind, values, np.ones(n, bool))
        default = _scan_default(stmt.fill_value, ref.type)
        if col.kind is None:
            kind = FLOAT if isinstance(default, float) else UNSIGNED if ref.type == DT.Unsigned else INTEGER
            dtype = np.float64 if kind == FLOAT else np.uint64 if kind == UNSIGNED else np.int64
            return Column(kind, np.full(n, default, dtype), np.ones(n, bool))
        values = np.empty(n, object)  # strings or booleans beside numbers: written cell by cell
        values[:] = col.values.tolist()
        values[missing] = default
        return Column(STRING, values, np.ones(n, bool))
    if stmt.fill == FO.PreviousFill and col.kind is not None:
        values, valid = col.values.copy(), col.valid.copy()
        carry_previous(values, valid, col.valid)
        return Column(col.kind, values, valid)
    return col


def _scan_default(value: int | float, typ: DT) -> int | float:
    """fill(<number>) as influxd's scanner writes it into a field of type ``typ`` (``castToType``): numeric
    types convert it, any other keeps the number (an integer literal as int64, else a float)."""
    if typ == DT.Float:
        return float(value)
    if typ == DT.Integer:
        return int(value)
    if typ == DT.Unsigned:
        return int(value) & 0xFFFFFFFFFFFFFFFF  # Go's uint64(v): a negative number wraps
    return value


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
    # where influxd's iterator tree has the series (mergeorder.combine_partials): the shard's tag set it is
    # in (-1: not a shard's, e.g. a subquery's), its place among that tag set's series, and how many call
    # iterators over single points follow the shards' merge (the statement's, a regex source's)
    part: int = -1
    slot: int = 0
    slots: int = 1
    outer: int = 1
    shard: int = -1  # the reader (a shard's measurement) the series was read from, in reading order
    source: int = 0  # the FROM source it was read for
    # count/sum/mean alone: per argument column the series' partials (windows, sums, counts) in reading
    # order, worked out as each shard is read; the points themselves are then dropped (``_Partials``)
    partials: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
    # the rows reach the call in their own order, not by time: a subquery's filled runs (influxd's
    # iterators then read them as its fill iterator hands them on)
    stream: bool = False


class _Partials:
    """Works out each shard's series' per-window partials as soon as the shard is read (``_Candidates``
    then drops the points), so count/sum/mean calls hold partials, not points: memory bounded by one
    shard's points. The partials are what ``_additive`` and ``_combine_groups`` would compute from them."""

    def __init__(self, columns: list[int], summed: set[int], windows: Windows, ascending: bool) -> None:
        self.columns = columns
        self.summed = summed  # the columns a sum or mean reads (count needs no sums)
        self.windows = windows
        self.ascending = ascending

    def __call__(self, read: list[_Points], before: _Points | None = None) -> None:
        """``before``: the piece of the same stream read just before the one series in ``read``, whose
        partials its own continue (a window running on from it is summed on from its sum, in order): the
        series then holds the partials of both, and ``before`` can go."""
        for pts in read:
            pts.partials = {}
        for column in self.columns:
            series = []
            for pts in read:
                found = _valid_points(pts, column, self.ascending)
                if found is not None:
                    series.append((0, pts, *found))
            carried = None if before is None else before.partials.get(column)
            if carried is not None and not series:
                read[0].partials[column] = carried
                continue
            summed = column in self.summed
            if carried is not None:
                found = [_carried_partials(series[0], carried, self.windows, summed)]
            else:
                found = _series_partials(series, self.windows, summed)
            for (_, pts, _, _), (pw, ps, pc) in zip(series, found, strict=True):
                pts.partials[column] = (pw, ps if summed else pc, pc)


def _carried_partials(series: tuple, carried: tuple, windows: Windows, summed: bool
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A stream piece's partials after those of the pieces before it (``carried``: windows, sums or counts,
    counts): a window both hold is summed on from the carried sum, so the sum is the one of all its rows
    in order."""
    cw, cs, cc = carried
    times = series[2]
    joined = bool(len(cw)) and int(windows.starts(times[:1])[0]) == int(cw[-1])
    start = (cs[-1] if summed else 0) if joined else None
    pw, ps, pc = _series_partials([series], windows, summed, start)[0]
    if joined:
        pc = pc.copy()
        pc[0] += cc[-1]
        if not summed:
            ps = pc
        cw, cs, cc = cw[:-1], cs[:-1], cc[:-1]
    return np.concatenate([cw, pw]), np.concatenate([cs, ps]), np.concatenate([cc, pc])


class _Candidates:
    """Keeps of each shard's series only the rows its selectors can pick, as soon as the shard is read:
    per window the series' best row for max()/min() (a series' times are unique, so it has one), its first
    two rows for first() and last two for last() (influxd's engine lets two points of each series into
    the merge that decides first()/last() without GROUP BY time). Every other row loses to one of these
    whatever the other series hold, so the answer and its tie order are unchanged."""

    def __init__(self, calls: list[tuple[str, int, str]], windows: Windows) -> None:
        self.calls = calls  # (name, argument column, kind)
        self.windows = windows

    def __call__(self, read: list[_Points]) -> None:
        offsets = mergeorder.offsets_of([len(pts.times) for pts in read])
        keep = np.zeros(int(offsets[-1]), bool)  # every series' rows one after the other
        for name, column, kind in self.calls:
            if name in ("first", "last") and not self.windows.interval:  # one window: each series' ends
                keep[_valued_ends(read, column, offsets, name == "first")[0]] = True
                continue
            rows, owner, times, values = [], [], [], []
            for i, pts in enumerate(read):
                col = pts.columns[column]
                if col.kind is None:
                    continue
                valid = np.flatnonzero(col.valid)
                rows.append(valid)
                owner.append(np.full(len(valid), i, np.int64))
                times.append(pts.times[valid])
                values.append(col.values[valid])
            if not rows:
                continue
            row, who, t = np.concatenate(rows), np.concatenate(owner), np.concatenate(times)
            if not len(row):
                continue
            win = self.windows.starts(t)
            change = np.ones(len(row), bool)
            change[1:] = (who[1:] != who[:-1]) | (win[1:] != win[:-1])
            segment = np.cumsum(change) - 1
            if name in ("max", "min"):
                v = np.concatenate(values) if len({a.dtype for a in values}) == 1 else np.concatenate(
                    [a.astype(object) for a in values])
                picked = red.select_rows(name, segment, v, t, kind)
            else:
                picked = _run_ends(change, name == "first")
            keep[offsets[who[picked]] + row[picked]] = True
        _keep_rows(read, offsets, keep)


def _valued_ends(chunks: list[_Points], column: int, offsets: np.ndarray, first: bool
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Each series' first two (last two unless ``first``) rows holding a value in ``column``: their places
    in the series' rows one after the other (``offsets``: where each series starts) and their series."""
    valid = np.concatenate([pts.columns[column].valid if pts.columns[column].kind is not None
                            else np.zeros(len(pts.times), bool) for pts in chunks])
    hits = valid.nonzero()[0]
    who = np.searchsorted(offsets, hits, side="right") - 1
    change = np.ones(len(hits), bool)
    change[1:] = who[1:] != who[:-1]
    kept = _run_ends(change, first)
    return hits[kept], who[kept]


def _run_ends(change: np.ndarray, first: bool) -> np.ndarray:
    """Positions of the first two (last two unless ``first``) items of each run (``change`` marks where a
    run starts)."""
    starts = np.flatnonzero(change)
    lengths = np.diff(np.append(starts, len(change)))
    position = np.arange(len(change)) - np.repeat(starts, lengths)
    if first:
        return np.flatnonzero(position < 2)
    return np.flatnonzero(np.repeat(lengths, lengths) - 1 - position < 2)


def _keep_rows(read: list[_Points], offsets: np.ndarray, keep: np.ndarray) -> None:
    """Cut each series to its rows ``keep`` marks (all series' rows one after the other): a slice where
    they are one stretch (the usual case: a series' first or last rows), else a mask. The kept rows are
    copied: a view would keep the whole decoded batch they were read in alive (every series of it)."""
    kept = np.flatnonzero(keep)
    who = np.searchsorted(offsets, kept, side="right") - 1
    owners, first_at, counts = np.unique(who, return_index=True, return_counts=True)
    lo = kept[first_at] - offsets[owners]
    stretch = kept[first_at + counts - 1] - kept[first_at] + 1 == counts  # no row left out between
    spans = dict(zip(owners.tolist(), zip(lo.tolist(), counts.tolist(), stretch.tolist(), strict=True),
                     strict=True))
    for i, pts in enumerate(read):
        span = spans.get(i)
        if span is None:
            cut: slice | np.ndarray = slice(0, 0)
        elif span[2]:
            cut = slice(span[0], span[0] + span[1])
        else:
            cut = keep[offsets[i]:offsets[i + 1]]
        pts.times = pts.times[cut].copy()
        pts.columns = [Column(c.kind, c.values[cut].copy(), c.valid[cut].copy()) for c in pts.columns]


class _Reduced:
    """``_Partials`` for the count/sum/mean calls, then ``_Candidates`` for the selectors, which keeps
    only their rows (none without selectors). ``bounds``: the query's range when a subquery row outside
    it would end the reduction (``_window_cut`` then needs every row: ``OutsideRange``)."""

    def __init__(self, partials: _Partials | None, candidates: _Candidates,
                 bounds: tuple[int, int] | None = None) -> None:
        self.partials = partials
        self.candidates = candidates
        self.bounds = bounds

    def __call__(self, read: list[_Points], before: _Points | None = None) -> None:
        for pts in read:
            within(pts.times, self.bounds)
        if self.partials is not None:
            self.partials(read, before)
        self.candidates(read)


_ADDITIVE = ("count", "sum", "mean")
_CANDIDATE_SELECTORS = ("max", "min", "first", "last")


def _partials_reducer(live: list[_Call], positions: dict, aux_refs: list, nested: bool, sources: list,
                      windows: Windows, ascending: bool, interval: int = 0) -> _Reduced | None:
    """What to keep of each shard's series once it is read, when every call is count/sum/mean or
    max/min/first/last of a field (no DISTINCT) over measurements, or a transform over one with GROUP BY
    time: the additive calls' partials and the selectors' candidate rows (``_Reduced``); None (every
    point) otherwise. ``windows``: those the calls (inner calls of transforms) read; when the statement
    is ``nested`` (a transform reading one window more), every call must be such a transform, so that
    all read the same windows and none needs the points cut to the query's own range."""
    from chronus.query.select import _Source

    if not all(isinstance(source, _Source) for source in sources):
        return _subquery_partials(live, positions, aux_refs, nested, sources, windows, ascending)
    over = [c.inner is not None for c in live]
    if nested and not all(o and c.name in tf.EXTENDED for c, o in zip(live, over, strict=True)):
        return None
    targets = [c.inner if o else c for c, o in zip(live, over, strict=True)]
    if any(t is None or t.distinct or t.inner is not None or t.kind is None for t in targets):
        return None
    if any(t.name not in _ADDITIVE and _candidate_of(t) is None for t in targets):
        return None
    additive = [t for t in targets if t.name in _ADDITIVE]
    partials = None
    if additive:
        summed = {positions[(t.arg.val, t.arg.type)] for t in additive if t.name != "count"}
        columns = sorted({positions[(t.arg.val, t.arg.type)] for t in additive})
        partials = _Partials(columns, summed, windows, ascending)
    selectors = [(_candidate_of(t), positions[(t.arg.val, t.arg.type)], t.kind) for t in targets
                 if t.name not in _ADDITIVE]
    return _Reduced(partials, _Candidates(selectors, windows))


def _subquery_partials(live: list[_Call], positions: dict, aux_refs: list, nested: bool, sources: list,
                       windows: Windows, ascending: bool) -> _Reduced | None:
    """``_partials_reducer`` over subqueries: when every call is a count/sum/mean (no DISTINCT, no
    auxiliary field) of their columns, each group's partials as soon as it is read. A group's rows are
    one stream per subquery reader, summed in its order as ``_additive`` would (float sums do not
    depend on anything else), so memory holds one group's rows rather than all of them."""
    if nested or aux_refs or not live or not _unfilled_subqueries(sources):
        return None
    if any(c.inner is not None or c.distinct or c.name not in _ADDITIVE or c.kind is None for c in live):
        return None
    summed = {positions[(c.arg.val, c.arg.type)] for c in live if c.name != "count"}
    columns = sorted({positions[(c.arg.val, c.arg.type)] for c in live})
    return _Reduced(_Partials(columns, summed, windows, ascending), _Candidates([], windows),
                    _cut_bounds(live, sources, windows))


def _candidate_of(t: _Call) -> str | None:
    """The selector whose candidate rows (``_Candidates``) hold every row the call can pick: its own for
    max/min/first/last; max (min) for top (bottom) over tag arguments, which picks the best point of each
    combination of the tags' values per window, and a series has one value of each tag."""
    if t.name in _CANDIDATE_SELECTORS:
        return t.name
    if t.name in ("top", "bottom") and t.tag_args and all(ref.type == DT.Tag for ref in t.tag_args):
        return "max" if t.name == "top" else "min"
    return None


def _group_at_a_time(live: list[_Call], interval: int, sources: list, runs_cut: bool) -> bool:
    """Whether each output series can be read and answered on its own: transforms of raw fields (no GROUP
    BY time) or integrals over measurements, whose answer for a series depends on that series' points
    alone (a subquery's too, unless its LIMIT counts runs: ``runs_cut``)."""
    from chronus.query.select import _Source

    if runs_cut or not all(isinstance(s, _Source) for s in sources):
        return False
    if all(c.inner is None and c.name == "integral" for c in live):
        return True
    return not interval and all(c.inner is None and c.name in tf.TRANSFORMS for c in live)


# Calls whose answer for an output series comes from that series' points alone, read as points (no shard
# partials): with GROUP BY tags, each series can be read and answered in turn (``_group_local``).
_GROUP_LOCAL = ("mode", "stddev", "percentile", "median", "spread", "distinct", "integral", "top", "bottom",
                "sample")


def _group_local(live: list[_Call], sources: list, runs_cut: bool, nested: bool) -> bool:
    """Whether every call is a ``_GROUP_LOCAL`` one of a raw field over measurements (top/bottom over tags
    keep their per-shard candidates instead: ``_candidate_of``; a subquery's LIMIT counting runs:
    ``runs_cut``)."""
    from chronus.query.select import _Source

    if nested or runs_cut or not all(isinstance(s, _Source) for s in sources):
        return False
    return all(c.inner is None and c.name in _GROUP_LOCAL and not c.tag_args for c in live)


@dataclass
class _Piece:
    """A group's points, whole or a consecutive part of its stream: a time slice (``sliced``) read as
    points, or ``stream``, per column the slice's points already in influxd's delivery order."""

    chunks: list[_Points]
    sliced: bool = False
    stream: dict[int, tuple[np.ndarray, np.ndarray]] | None = None

    @property
    def whole(self) -> bool:
        return not self.sliced and self.stream is None


def _groups_one_by_one(plan, sources: list, ascending: bool, sliceable: bool = False
                       ) -> Iterator[tuple[str, dict, Iterator[_Piece]]]:
    """``_read_groups``'s groups one at a time, in output order, each read when its turn comes: the same
    points in the same order (every shard's tag sets are listed first, as ``_read_groups`` meets them),
    in ``_Piece``s. When ``sliceable`` and the group's shards are apart in time, a group comes in
    consecutive slices of its stream: as points in time order (``_time_slices``: one series per shard and
    more than ``select._SLICE_POINTS`` points in one) or, several series to a shard, shard after shard
    merged as influxd merges them (``_merged_streams``); else in one piece. A slice holds every point of
    its times."""
    from chronus.query.select import readers

    dims = sorted(plan.dimensions)
    regex_names = {name for source in sources if source.measurement.regex is not None
                   for name in source.names}
    groups: dict[tuple, list[tuple]] = {}
    parts = 0
    sourced = ((n, source_no, reader) for source_no, source in enumerate(sources)
               for n, reader in readers(plan, [source]))
    for reader_no, (name, source_no, reader) in enumerate(sourced):
        for key, series_list in reader.tag_sets():
            entry = (reader, key, series_list, parts, reader_no, source_no)
            groups.setdefault((name, _tags_id(dims, key)), []).append(entry)
            parts += 1

    def read(name: str, entries: list[tuple], within: tuple[int, int] | None) -> list[_Points]:
        chunks: list[_Points] = []
        for reader, _, series_list, part, reader_no, source_no in entries:
            if within is not None:
                lo, hi = reader.shard_span()
                if lo > within[1] or hi < within[0]:
                    continue  # no point of the shard in this slice
            for slot, series in enumerate(series_list):
                chunk = reader.read_series(series, within=within)
                if chunk is not None:
                    chunks.append(_Points(chunk.times, chunk.columns, part, slot, len(series_list),
                                          2 if name in regex_names else 1, reader_no, source_no))
        return chunks

    for name, tags_id in sorted(groups, reverse=not ascending):
        entries = groups[(name, tags_id)]
        tags = dict(zip(dims, entries[0][1], strict=True))
        cuts = _time_slices(plan, entries, ascending) if sliceable else None
        streams = _merged_streams(plan, entries, ascending) if sliceable and cuts is None else None
        if streams is not None:
            yield name, tags, (_Piece([], stream=stream) for stream in streams)
        elif cuts is not None:
            yield name, tags, (_Piece(read(name, entries, cut), sliced=True) for cut in cuts)
        else:
            chunks = read(name, entries, None)
            if chunks:
                yield name, tags, iter([_Piece(chunks)])


def _disjoint_spans(plan, entries: list[tuple]) -> list[tuple[int, int, tuple]] | None:
    """The group's shards (entries) that hold points in the query's range, with those spans, in time
    order; None when two overlap (their points could tie) or the entries come from several sources
    (influxd hands over one source's points after another's, not in time order)."""
    if len({source_no for _, _, _, _, _, source_no in entries}) > 1:
        return None
    taken = []
    for entry in entries:
        lo, hi = entry[0].shard_span()
        lo, hi = max(lo, plan.tmin), min(hi, plan.tmax)
        if lo <= hi:
            taken.append((lo, hi, entry))
    taken.sort(key=lambda found: found[:2])
    if any(b[0] <= a[1] for a, b in zip(taken, taken[1:], strict=False)):
        return None
    return taken


def _merged_streams(plan, entries: list[tuple], ascending: bool
                    ) -> Iterator[dict[int, tuple[np.ndarray, np.ndarray]]] | None:
    """A group of several series per shard as the streams influxd's merges deliver, in consecutive time
    slices: per column (position in ``plan.aux``; each call merges its own field's points) the slice's
    ``(times, values)``. Each shard's tag set is merged (``select._merged_slices``, in time slices when
    big; the points carry no auxiliary values to compare), shard after shard. None when the shards overlap
    in time or there are several sources."""
    from chronus.query import select

    if any(ref.type == DT.Tag for ref in plan.aux) or all(
            len(series_list) == 1 for _, _, series_list, _, _, _ in entries):
        return None
    taken = _disjoint_spans(plan, entries)
    if taken is None:
        return None

    def pieces() -> Iterator[dict[int, tuple[np.ndarray, np.ndarray]]]:
        for lo, hi, (reader, _, series_list, _, _, _) in (taken if ascending else taken[::-1]):
            name = next((ref.val for ref in plan.aux if ref.val in reader.fields), None)
            points = reader.point_count(series_list, name, lo, hi) if name is not None else 0
            edges = select.slice_edges(lo, hi, points)
            columns = [reader] if len(plan.aux) == 1 else [reader.for_column(ref) for ref in plan.aux]
            merges = [select._merged_slices(column.plan, column, series_list, edges, ascending, by_aux=False,
                                            every_slice=True) for column in columns]
            for chunks in zip(*merges, strict=True):
                stream = {}
                for position, chunk in enumerate(chunks):
                    col = None if chunk is None else chunk.columns[0]
                    if col is not None and col.kind is not None and col.valid.any():
                        stream[position] = (chunk.times[col.valid], col.values[col.valid])
                if stream:
                    yield stream

    return pieces()


def _may_tie(chunks: list[_Points]) -> bool:
    """Whether two of a group's series may hold points at one time, where influxd's merges (not the time
    order) decide which comes first: several series in a shard's tag set, several sources, or shards
    whose points overlap in time."""
    if any(pts.slots > 1 for pts in chunks) or len({pts.source for pts in chunks}) > 1:
        return True
    spans = sorted((int(pts.times[0]), int(pts.times[-1])) for pts in chunks if len(pts.times))
    return any(b[0] <= a[1] for a, b in zip(spans, spans[1:], strict=False))


def _time_slices(plan, entries: list[tuple], ascending: bool) -> list[tuple[int, int]] | None:
    """A group's time range cut so that no slice holds much more than ``select._SLICE_POINTS`` points of a
    shard (counted from one field's TSM blocks), in stream order; None when one piece will do."""
    from chronus.query import select

    name = next((ref.val for ref in plan.aux if ref.type != DT.Tag), None)
    if any(len(series_list) > 1 for _, _, series_list, _, _, _ in entries):
        return None  # its series could tie: only the whole merge knows their order
    taken = _disjoint_spans(plan, entries)
    if taken is None or name is None:
        return None
    edges: set[int] = set()
    sliced = False
    for lo, hi, (reader, _, series_list, _, _, _) in taken:
        if name not in reader.fields:
            continue
        # one count per shard, not per group
        cut = select.slice_edges(lo, hi, reader.point_count(series_list, name, lo, hi))
        sliced = sliced or len(cut) > 2
        edges.update(cut)
    if not sliced:
        return None
    bounds = sorted(edges)
    cuts = [(plan.tmin, bounds[0] - 1), *((a, b - 1) for a, b in zip(bounds, bounds[1:], strict=False)),
            (bounds[-1], plan.tmax)]
    cuts = [(a, b) for a, b in cuts if a <= b]
    return cuts if ascending else cuts[::-1]


def _transform_piece(c: _Call, chunks: list[_Points], positions: dict, aux_refs: list, ascending: bool,
                     held: dict[str, tf.Continued]) -> _Out | None:
    """A transform (``tf.CONTINUABLE``) over the next time slice of a group, in time order."""
    found = _stream_points(c, chunks, positions, aux_refs, ascending)
    return None if found is None else _continue_transform(c, *found, ascending, held)


def _stream_points(c: _Call, chunks: list[_Points], positions: dict, aux_refs: list, ascending: bool
                   ) -> tuple[np.ndarray, np.ndarray] | None:
    """The call's points in time order (newest first under ORDER BY time DESC): a transform's stream when
    no two of them tie in time."""
    gathered = _gather(c, chunks, positions, aux_refs, False)
    if gathered is None:
        return None
    times, values, _ = gathered
    return (times, values) if ascending else (times[::-1], values[::-1])


def _continue_transform(c: _Call, times: np.ndarray, values: np.ndarray, ascending: bool,
                        held: dict[str, tf.Continued]) -> _Out:
    """The transform over the next piece of the group's stream (points in stream order), from where the
    last piece left it (``held``: per call)."""
    state = held.get(c.symbol)
    if state is None:
        state = held[c.symbol] = tf.Continued(c.name, c.kind, ascending, _unit(c, 0), c.limit, c.params)
    return _Out(*state.feed(times, values))


def _tags_id(dims: list[str], key: tuple) -> str:
    """An output series' tags as one string (its identity beside the measurement name)."""
    return "\x00".join(dims) + "\x00" + "\x00".join(key) if dims else ""


def _edge_read(live: list[_Call], interval: int, reduce: _Reduced | None) -> tuple[str, bool] | None:
    """``(field, first)`` when every call is first() (or every call last()) of one field without GROUP BY
    time and each series' candidates are kept (``_Candidates``: its first or last two points): a shard
    need then only read each series up to its second point (from its second to last)."""
    if interval or reduce is None or reduce.partials is not None or not live:
        return None
    names = {c.name for c in live}
    fields = {(c.arg.val, c.arg.type) for c in live}
    if len(names) != 1 or names.pop() not in ("first", "last") or len(fields) != 1:
        return None
    return live[0].arg.val, live[0].name == "first"


def _read_groups(plan, sources: list, reduce: Callable[[list[_Points]], None] | None = None,
                 edge: tuple[str, bool] | None = None, members: MemberCandidates | None = None
                 ) -> dict[tuple, tuple[str, dict, list[_Points]]]:
    """Every output series: (name, tags id) -> (name, tags, points of each series in shard, key order).

    ``reduce`` is given each reader's series once it is read (``_Partials``); ``edge``: see
    ``_edge_read``; ``members``: what a subquery reader keeps of each inner series."""
    from chronus.query.select import _Reader, _Source, readers

    dims = sorted(plan.dimensions)
    groups: dict[tuple, tuple[str, dict, list[_Points]]] = {}
    regex_names = {name for source in sources if isinstance(source, _Source)
                   and source.measurement.regex is not None for name in source.names}
    parts = 0
    read: list[_Points] = []
    sourced = ((n, source_no, reader) for source_no, source in enumerate(sources)
               for n, reader in readers(plan, [source]))
    for reader_no, (name, source_no, reader) in enumerate(sourced):
        shard = isinstance(reader, _Reader)
        stream = not shard and getattr(reader.source, "stream_runs", False)
        tag_sets = reader.tag_sets()
        if shard:  # the shard's series read together (``read_many``), bounded to their edge points
            flat = [series for _, series_list in tag_sets for series in series_list]
            withins = reader.edge_ranges(flat, *edge) if edge is not None else None
            chunks = _read_batches(reader, flat, withins, _REDUCE_BATCH if reduce is not None else len(flat))
        for key, series_list in tag_sets:
            tags = dict(zip(dims, key, strict=True))
            tags_id = _tags_id(dims, key)
            part = parts if shard else -1
            parts += 1
            for slot, series in enumerate(series_list):
                where = {"part": part, "slot": slot, "slots": len(series_list),
                         "outer": 2 if name in regex_names else 1, "shard": reader_no if shard else -1,
                         "source": source_no, "stream": stream}
                if not shard:
                    pts = _subquery_points(reader, series, members, reduce, where)
                    if pts is not None:
                        groups.setdefault((name, tags_id), (name, tags, []))[2].append(pts)
                    continue
                chunk = next(chunks)
                if chunk is None:
                    continue
                pts = _Points(chunk.times, chunk.columns, **where)
                groups.setdefault((name, tags_id), (name, tags, []))[2].append(pts)
                read.append(pts)
                if reduce is not None and len(read) >= _REDUCE_BATCH:
                    reduce(read)
                    read = []
        if reduce is not None and read:
            reduce(read)
        read = []
    return groups


def _subquery_points(reader, members: list, candidates: MemberCandidates | None,
                     reduce: _Reduced | None, where: dict) -> _Points | None:
    """A subquery group's rows as one ``_Points``, or None without rows. With ``reduce`` they are read
    in the pieces the reader gives (a ``regrouped_stream``'s shards), each reduced as soon as it is read,
    its partials continuing the pieces' before (``_Partials``' ``before``): only one piece is held."""
    if reduce is None:
        chunk = reader.read_series(members, candidates)
        return None if chunk is None else _Points(chunk.times, chunk.columns, **where)
    held = None
    for chunk in reader.read_pieces(members, candidates):
        pts = _Points(chunk.times, chunk.columns, **where)
        del chunk  # (its rows go once reduced)
        reduce([pts], held)
        held = pts
    return held


# Series a shard reads and reduces at a time when the calls reduce them as they come (``_Partials``,
# ``_Candidates``: each series on its own): the points held unreduced stay a fraction of a shard's.
_REDUCE_BATCH = 256


def _read_batches(reader, series_list: list, withins: list | None, size: int) -> Iterator:
    """The chunks of ``reader.read_many`` over ``series_list``, read ``size`` series at a time as they are
    taken."""
    for start in range(0, len(series_list), max(size, 1)):
        stop = start + max(size, 1)
        yield from reader.read_many(series_list[start:stop], withins[start:stop] if withins else None)


# -- one call over one group --------------------------------------------------------------------------------


def _valid_points(pts: _Points, column: int, ascending: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """A series' times and values where ``column`` is not null, in reading order (backwards under ORDER BY
    time DESC); None when it has none."""
    col = pts.columns[column]
    if col.kind is None or not col.valid.any():
        return None
    t, v = pts.times[col.valid], col.values[col.valid]
    return (t, v) if ascending else (t[::-1], v[::-1])


def _values_of(c: _Call, pts: _Points, positions: dict, aux_refs: list) -> tuple:
    col = pts.columns[positions[(c.arg.val, c.arg.type)]]
    mask = col.valid
    if col.kind is None:
        mask = np.zeros(len(pts.times), bool)
    return col, mask


def _gather(c: _Call, chunks: list[_Points], positions: dict, aux_refs: list, with_aux: bool):
    """The group's points of the call's argument: times, values, aux columns; ordered by time (stable)."""
    column = positions[(c.arg.val, c.arg.type)]
    held = _holding(chunks, column)
    if not held:
        return None
    if len(held) == 1 and held[0][2] == len(held[0][0].times):  # one series, every point: no copies
        pts, col, _ = held[0]
        t, v = pts.times, col.values
        aux = [pts.columns[positions[(r.val, r.type)]] for r in aux_refs] if with_aux else None
    else:
        every = all(count == len(pts.times) for pts, _, count in held)
        valid = slice(None) if every else np.concatenate([col.valid for _, col, _ in held])
        t = np.concatenate([pts.times for pts, _, _ in held])[valid]
        values = [col.values for _, col, _ in held]
        v = np.concatenate(values) if len({a.dtype for a in values}) == 1 else np.concatenate(
            [a.astype(object) for a in values])
        v = v[valid]
        aux = None
        if with_aux:
            aux = [Column.concat([pts.columns[positions[(r.val, r.type)]] for pts, _, _ in held]).take(valid)
                   for r in aux_refs]
    order = None if _streamed([pts for pts, _, _ in held]) else _stable_order(t)
    if order is not None:
        t, v = t[order], v[order]
        aux = None if aux is None else [a.take(order) for a in aux]
    return t, v, aux


def _streamed(chunks: list[_Points]) -> bool:
    """Whether the series' rows reach the call in their own order (``_Points.stream``), not by time."""
    return bool(chunks) and all(pts.stream for pts in chunks)


def _holding(chunks: list[_Points], column: int) -> list[tuple[_Points, Column, int]]:
    """The series that hold a value in ``column``, with that column and how many values it holds."""
    if len(chunks) == 1:  # (GROUP BY every tag: a group per series, no offsets to work out)
        col = chunks[0].columns[column]
        count = int(np.count_nonzero(col.valid)) if col.kind is not None else 0
        return [(chunks[0], col, count)] if count else []
    cols = [pts.columns[column] for pts in chunks]
    typed = [(pts, col) for pts, col in zip(chunks, cols, strict=True) if col.kind is not None]
    if not typed:
        return []
    offsets = mergeorder.offsets_of([len(col.valid) for _, col in typed])
    running = np.zeros(int(offsets[-1]) + 1, np.int64)
    np.cumsum(np.concatenate([col.valid for _, col in typed]), out=running[1:])
    counts = running[offsets[1:]] - running[offsets[:-1]]  # valid rows per series (empty series too)
    return [(pts, col, n) for (pts, col), n in zip(typed, counts.tolist(), strict=True) if n]


def _stable_order(keys: np.ndarray) -> np.ndarray | None:
    """The stable sort of ``keys``, or None when they already ascend (the common case: no sort, no copy)."""
    if len(keys) < 2 or (keys[1:] >= keys[:-1]).all():
        return None
    return np.argsort(keys, kind="stable")


def _aux_rows(aux: list[Column] | None, rows: np.ndarray) -> list[Column] | None:
    return None if aux is None else [a.take(rows) for a in aux]


def _column(kind: str, values: np.ndarray) -> Column:
    return Column(kind, values, all_valid(len(values)))


def _select_groups(c: _Call, groups: dict, order: list, positions: dict, windows: Windows, selector: bool,
                   ascending: bool) -> dict[tuple, _Out] | None:
    """``_run_call`` of a first/last/min/max call (no auxiliary fields) over every group at once: one
    selection over all groups' points with (group, window) as the segment. None (each group then runs
    alone) when exactly tied points need influxd's merge order, or the groups' values differ in type."""
    if (c.name not in _PUSHDOWN_SELECT or c.inner is not None or c.distinct
            or not isinstance(c.priority, _LazyPriorities) or len(order) < 2):
        return None
    column = positions[(c.arg.val, c.arg.type)]
    times, values, sizes = [], [], []
    for key in order:
        size = 0
        for pts, col, count in _holding(groups[key][2], column):
            whole = count == len(pts.times)
            times.append(pts.times if whole else pts.times[col.valid])
            values.append(col.values if whole else col.values[col.valid])
            size += count
        sizes.append(size)
    if not times or len({v.dtype for v in values}) != 1:
        return None
    t, v = np.concatenate(times), np.concatenate(values)
    group = np.repeat(np.arange(len(order)), sizes)
    win = windows.starts(t)
    by_segment = np.lexsort((win, group))
    t, v, win, group = t[by_segment], v[by_segment], win[by_segment], group[by_segment]
    change = np.ones(len(t), bool)
    change[1:] = (group[1:] != group[:-1]) | (win[1:] != win[:-1])
    rows, tied = red.select_rows_tied(c.name, np.cumsum(change), v, t, c.kind, ascending=ascending)
    if tied:
        return None
    out_times = t[rows] if selector and not windows.interval else windows.output_time(win[rows])
    picked, bounds = v[rows], np.searchsorted(group[rows], np.arange(len(order) + 1))
    found: dict[tuple, _Out] = {}
    for g, key in enumerate(order):
        lo, hi = int(bounds[g]), int(bounds[g + 1])
        if hi > lo:
            found[key] = _ordered(_Out(out_times[lo:hi], _column(c.kind, picked[lo:hi])), ascending)
    return found


def _run_call(c: _Call, chunks: list[_Points], positions: dict, aux_refs: list, windows: Windows,
              selector: bool, ascending: bool, stmt: ast.SelectStatement, delivered: tuple | None = None
              ) -> _Out | None:
    """One call over one group; ``delivered``: its points in influxd's delivery order (``_mode_inputs``)."""
    name, kind = c.name, c.kind
    interval = bool(windows.interval)
    with_aux = bool(aux_refs)
    if name in tf.TRANSFORMS:
        if delivered is not None:  # series tie at a time: influxd's merges decide their order (stream order)
            times, values = delivered
            if not len(times):
                return None
        else:
            found = _stream_points(c, chunks, positions, aux_refs, ascending)
            if found is None:
                return None
            times, values = found
        return _transform(c, times, values, kind, ascending, windows.interval)
    if name in ("count", "sum", "mean") and not c.distinct:
        out = _additive(c, chunks, positions, aux_refs, windows, ascending)
        if out is None:
            return None
        win, values, out_kind = out
        times = windows.output_time(win)
        col = _column(out_kind, values)
        return _ordered(_Out(times, col), ascending)
    if isinstance(delivered, _DeliveredRows):
        gathered = _gather_delivered(c, chunks, positions, aux_refs, with_aux, delivered)
    else:
        gathered = _gather(c, chunks, positions, aux_refs, with_aux)
    if gathered is None:
        return None
    times, values, aux = gathered
    win = windows.starts(times)
    order = _stable_order(win)  # rows by window
    if order is not None:
        times, values, win = times[order], values[order], win[order]
        aux = None if aux is None else [a.take(order) for a in aux]
    point_times = selector and not interval
    if name in _PUSHDOWN_SELECT or name in ("percentile", "mode"):
        if name in _PUSHDOWN_SELECT:
            tied = True
            if isinstance(c.priority, _LazyPriorities):  # needed only when points tie exactly
                rows, tied = red.select_rows_tied(name, win, values, times, kind, ascending=ascending)
            if tied:
                priority = _point_priorities(c, chunks, positions, aux_refs, windows)
                if priority is not None:
                    priority = priority if order is None else priority[order]
                    if (priority < 0).any():  # first()/last() over the candidates only
                        keep = priority >= 0
                        times, values, win, priority = times[keep], values[keep], win[keep], priority[keep]
                        aux = None if aux is None else [a.take(keep) for a in aux]
                if priority is None and ascending and all(pts.part < 0 for pts in chunks):
                    # a subquery's rows in delivery order: influxd's reducers keep the first of full ties
                    priority = np.arange(len(win), dtype=np.int64)
                rows = red.select_rows(name, win, values, times, kind, priority, ascending)
        elif name == "percentile" and (isinstance(delivered, _DeliveredRows) or _streamed(chunks)) \
                and values.dtype != object:
            rows = modeorder.percentile_rows(win, values, c.number)  # Go's sort.Sort over them
        elif name == "percentile":
            rows = red.percentile_rows(win, values, c.number)
        elif delivered is not None and kind != BOOLEAN:
            times, values, win = _by_window(delivered, windows)
            rows = modeorder.mode_rows(win, values, times, kind)
        else:
            rows = red.mode_rows(win, values, times, kind)
        out_times = times[rows] if point_times else windows.output_time(win[rows])
        out = _ordered(_Out(out_times, _column(kind, values[rows]), _aux_rows(aux, rows)), ascending)
        if name == "percentile" and len(win):
            lead = win.min() if ascending else win.max()
            out.lead_missing = not bool((win[rows] == lead).any())
        return out
    if name == "count":  # count(distinct(x))
        rows = red.distinct_rows(win, values, times, kind)
        w, counts = red.count(win[rows])
        return _ordered(_Out(windows.output_time(w), _column(INTEGER, counts)), ascending)
    if name == "distinct":
        rows = red.distinct_rows(win, values, times, kind, ascending, by_arrival=_streamed(chunks))
        return _ordered(_Out(windows.output_time(win[rows]), _column(kind, values[rows])), ascending,
                        by_window=True)
    if name in ("top", "bottom"):
        return _top(c, times, values, win, aux, aux_refs, ascending)
    if name == "sample":
        rows = _sample_rows(win, values, times, c.limit)
        out = _Out(times[rows], _column(kind, values[rows]), _aux_rows(aux, rows))
        return _ordered(out, ascending, by_window=True, wins=win[rows])
    if name == "median":
        w, v = red.median(win, values, ascending)
        return _ordered(_Out(windows.output_time(w), _column(FLOAT, v)), ascending)
    if name == "spread":
        w, v = red.spread(win, values)
        return _ordered(_Out(windows.output_time(w), _column(kind, v)), ascending)
    if name == "stddev":
        if delivered is not None:
            times, values, win = _by_window(delivered, windows)
        w, v = red.stddev(win, values.astype(np.float64))
        return _ordered(_Out(windows.output_time(w), _column(FLOAT, v)), ascending)
    if name == "integral":
        if delivered is not None:  # in stream order already
            times, values = delivered
            win = windows.starts(times)
        elif not ascending:
            times, values, win = times[::-1], values[::-1], win[::-1]
        integer = kind in (INTEGER, UNSIGNED)
        if interval:
            starts, ends = windows.bounds(times)
        elif integer:  # its window is the query's range: [StartTime, EndTime + 1)
            starts = np.full(len(times), windows.start, np.int64)
            ends = np.full(len(times), windows.end + 1, np.int64)
        else:
            starts = ends = np.zeros(len(times), np.int64)
        t, v = red.integral(starts, ends, times, values.astype(np.float64), c.unit, interval, ascending,
                            integer)
        # every new window emits the previous one's area; the last window's comes from Close()
        crossings = len(np.unique(starts)) - 1 if interval and len(times) else 0
        return _Out(t, _column(FLOAT, v), closed=len(t) > crossings)
    raise QueryError(f"unsupported call: {name}")


def _by_window(delivered: tuple[np.ndarray, np.ndarray], windows: Windows
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points in delivery order (newest first under ORDER BY time DESC) as times, values and windows, the
    windows ascending like the rest of ``_run_call``'s, each window's points still in delivery order."""
    times, values = delivered
    win = windows.starts(times)
    if len(win) > 1 and win[0] > win[-1]:
        order = np.argsort(win, kind="stable")
        times, values, win = times[order], values[order], win[order]
    return times, values, win


def _ordered(out: _Out, ascending: bool, by_window: bool = False, wins: np.ndarray | None = None) -> _Out:
    """Reverse window order for ORDER BY time DESC (points inside a window keep their order)."""
    if ascending:
        return out
    n = len(out.times)
    key = wins if wins is not None else out.times
    order = np.lexsort((np.arange(n), -key)) if by_window else np.arange(n)[::-1]
    return _Out(out.times[order], out.values.take(order),
                None if out.aux is None else [a.take(order) for a in out.aux])


def _sample_rows(win: np.ndarray, values: np.ndarray, times: np.ndarray, size: int) -> np.ndarray:
    """Reservoir sample of ``size`` points per window (influxd's is random too), points in the order the
    reducer got them; emitted as influxd's ``sort.Sort`` by time then value leaves them (equal points in
    Go's order)."""
    starts, lengths = red.segments(win)
    rows = []
    rng = random.Random()
    for start, length in zip(starts.tolist(), lengths.tolist(), strict=True):
        if length <= size:
            rows.extend(range(start, start + length))
        else:
            rows.extend(start + i for i in rng.sample(range(length), size))
    kept = np.asarray(rows, np.int64)
    return kept[red.go_sorted_by_time(win[kept], values[kept], times[kept])]


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
        aux = [a.take(rows) for a in aux]
    rows = red.top_rows(win, values, times, c.limit, top, ascending)
    out = _Out(times[rows], _column(c.kind, values[rows]), _aux_rows(aux, rows))
    return _ordered(out, ascending, by_window=True, wins=win[rows])


def _additive(c: _Call, chunks: list[_Points], positions: dict, aux_refs: list, windows: Windows,
              ascending: bool = True):
    """count/sum/mean: per-series partials per window, merged as influxd merges shard partials (a series
    is summed in the order it is read: backwards under ORDER BY time DESC)."""
    wins, vals, counts = [], [], []
    kind = c.kind
    tree = c.name == "mean" or c.name == "sum" and kind == FLOAT
    if tree and chunks and all(pts.part >= 0 for pts in chunks):
        if c.combined is None or chunks[0].part not in c.combined:
            alone = _combine_groups(c, [chunks], positions, aux_refs, windows, ascending)
            c.combined = {**(c.combined or {}), **alone}
        found = c.combined.get(chunks[0].part)
        if found is None:
            return None
        w, v = found[0], found[1]
        order = np.argsort(w, kind="stable")
        return w[order], v[order], FLOAT if c.name == "mean" else kind
    for pts in chunks if ascending else chunks[::-1]:
        if pts.partials is not None:
            found = pts.partials.get(positions[(c.arg.val, c.arg.type)])
            if found is None:
                continue
            pw, ps, pc = found
        else:
            found = _valid_points(pts, positions[(c.arg.val, c.arg.type)], ascending)
            if found is None:
                continue
            t, v = found
            w = windows.starts(t)
            pw, pc = red.count(w)
            ps = red.sums(w, v)[1] if c.name != "count" else pc
        if c.name == "count":
            wins.append(pw)
            vals.append(pc)
            continue
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


def _combine_groups(c: _Call, groups: list[list[_Points]], positions: dict, aux_refs: list, windows: Windows,
                    ascending: bool, names: list[str] | None = None) -> dict[int, tuple]:
    """Float sums and means of the groups (each its series' points): the partials of every series combined
    through influxd's merges and reductions, so the additions happen in its order
    (``mergeorder.combine_partials``). Keyed by every shard tag set ("part") of each group."""
    partials = []
    parts_of: dict[int, list[int]] = {}
    read: list[tuple[int, _Points, np.ndarray, np.ndarray]] = []
    series: list[list] = []  # [number, points, partial (None until computed)] in reading order
    for number, chunks in enumerate(groups):
        for pts in chunks:
            parts_of.setdefault(number, []).append(pts.part)
            if pts.partials is not None:
                found = pts.partials.get(positions[(c.arg.val, c.arg.type)])
                if found is not None:
                    series.append([number, pts, found])
                continue
            found = _valid_points(pts, positions[(c.arg.val, c.arg.type)], ascending)
            if found is None:
                continue
            read.append((number, pts, *found))
            series.append([number, pts, None])
    computed = iter(_series_partials(read, windows))
    for entry in series:
        if entry[2] is None:
            entry[2] = next(computed)
    for number, pts, (pw, ps, pc) in series:
        values = ps.astype(np.float64) / pc if c.name == "mean" else ps.astype(np.float64)
        name = names[number] if names else ""
        partials.append(mergeorder.Partial(number, pts.shard, pts.part, pts.slot, pts.slots, pw, values,
                                           pc.astype(np.int64), pts.source, name, pts.outer))
    combined = mergeorder.combine_partials(partials, ascending, c.name == "mean") if partials else {}
    return {part: combined[number] for number, parts in parts_of.items() if number in combined
            for part in parts}


def _series_partials(read: list[tuple], windows: Windows, with_sums: bool = True, start=None
                     ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per series ``(number, points, times, values)``: its windows, sums and counts per window (as
    ``red.sums``/``red.count`` give them; the times ascending, or descending throughout), computed over all
    series at once: one window cut, one run of segments, so the Python work is per call rather than per
    series. Without ``with_sums`` the sums are left out (the windows' times in their place). ``start``:
    what the first window's sum starts from (one series only; None: nothing)."""
    if not read:
        return []
    if not with_sums:
        read = [(number, pts, t, t) for number, pts, t, _ in read]
    if start is not None and with_sums and len(read) != 1:
        raise AssertionError("a carried sum continues one series")
    if len({v.dtype for _, _, _, v in read}) != 1:
        out = []
        for _, _, t, v in read:
            pw, ps = red.sums(w := windows.starts(t), v)
            out.append((pw, ps, red.count(w)[1]))
        return out
    lengths = [len(t) for _, _, t, _ in read]
    bounds = mergeorder.offsets_of(lengths)
    lone = len(read) == 1  # (a subquery's group: no copies)
    times = read[0][2] if lone else np.concatenate([t for _, _, t, _ in read])
    values = read[0][3] if lone else np.concatenate([v for _, _, _, v in read])
    win = windows.starts(times)
    n = len(win)
    change = np.empty(n, bool)
    change[0] = True
    np.not_equal(win[1:], win[:-1], out=change[1:])
    change[bounds[:-1]] = True  # a segment never spans two series
    starts = np.flatnonzero(change)
    counts = np.diff(np.append(starts, n)).astype(np.int64)
    first = win[starts]
    if not with_sums:
        sums = first
    elif values.dtype == np.float64:
        from chronus._ext import aggregate as _ext
        sums = _ext.segment_sum(np.ascontiguousarray(values), starts.astype(np.int64),
                                0.0 if start is None else float(start))
    else:
        with np.errstate(over="ignore"):
            sums = np.add.reduceat(values, starts)
            if start is not None:  # (wrapping, as influxd's integer sums)
                sums[0] = sums[0] + values.dtype.type(start)
    cuts = np.searchsorted(starts, bounds).tolist()
    return [(first[a:b], sums[a:b], counts[a:b]) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


def _combine_trees(live: list[_Call], groups: dict, interval: int, nested: bool, wrapped: bool, compiled,
                   positions: dict, aux_refs: list, windows: Windows, inner_windows: Windows,
                   ascending: bool) -> None:
    """Float sum/mean calls: combine every group at once (influxd's shard merge holds all of a shard's
    tag sets, so one group's order depends on the others'), with the points and windows each call reads."""
    keys = sorted(groups)
    shared: dict[tuple, dict] = {}
    for c in live:
        extended = c.inner is not None and bool(interval) and c.name in tf.EXTENDED
        target = c.inner if c.inner is not None else c
        if target is None or target.distinct or target.kind is None:
            continue
        selector = target.name in ("min", "max", "first", "last")
        if not (selector or target.name == "mean" or target.name == "sum" and target.kind == FLOAT):
            continue
        if wrapped and extended:
            continue
        chunk_lists, names = [], []
        for key in keys:
            chunks = groups[key][2]
            if nested and not extended:
                chunks = _within(chunks, compiled.tmin, compiled.tmax)
            if not all(pts.part >= 0 for pts in chunks):
                break
            if chunks:
                chunk_lists.append(chunks)
                names.append(key[0])
        else:
            use = inner_windows if extended else windows
            if target.name in ("first", "last") and not interval:
                compute = partial(_first_last_priorities, target, chunk_lists, positions, aux_refs, use,
                                  ascending, names)
                # a shard's tag set of one series makes that series its candidate: then the priorities
                # decide exact ties alone, as for the other selectors
                lone = all(len({pts.part for pts in chunks}) == len(chunks) for chunks in chunk_lists)
                target.priority = _LazyPriorities(compute) if lone else compute()
            elif selector:
                # the priorities depend on the points read only: max() and min() of one field share them
                arg = (target.arg.val, target.arg.type, extended)
                if arg not in shared:
                    compute = partial(_selector_priorities, target, chunk_lists, positions, aux_refs, use,
                                      ascending, names)
                    shared[arg] = _LazyPriorities(compute)
                target.priority = shared[arg]
            else:
                target.combined = _combine_groups(target, chunk_lists, positions, aux_refs, use, ascending,
                                                  names)


class _LazyPriorities:
    """Selector priorities computed when a window first has exactly tied points (they decide nothing
    else, and most data never ties): the whole statement's merge order is costly to work out."""

    def __init__(self, compute: Callable[[], dict]) -> None:
        self._compute = compute
        self._value: dict | None = None

    def get(self) -> dict:
        if self._value is None:
            self._value = self._compute()
        return self._value


def _selector_priorities(c: _Call, groups: list[list[_Points]], positions: dict, aux_refs: list,
                         windows: Windows, ascending: bool, names: list[str] | None = None) -> dict:
    """Per series ((part, slot)): its windows (ascending) and the order influxd's reductions meet its
    selected point in each among exactly tied ones of the other series (first met is kept)."""
    partials = []
    read = []
    for number, chunks in enumerate(groups):
        for pts in chunks:
            col, mask = _values_of(c, pts, positions, aux_refs)
            if mask.any():
                read.append((number, pts, pts.times[mask], None))
    # a series' points ascend: its distinct windows are its segments' windows (unless a zone's
    # transitions could move a start back)
    if windows.location:
        cut = [(np.unique(windows.starts(t)), None, None) for _, _, t, _ in read]
    else:
        cut = _series_partials(read, windows, False)
    for (number, pts, _, _), (w, _, _) in zip(read, cut, strict=True):
        if not ascending:
            w = w[::-1]
        name = names[number] if names else ""
        partials.append(mergeorder.Partial(number, pts.shard, pts.part, pts.slot, pts.slots, w, w, w,
                                           pts.source, name))
    if not partials:
        return {}
    prios = mergeorder.arrival_priorities(partials, ascending)
    out = {}
    for p, prio in zip(partials, prios, strict=True):
        out[(p.part, p.slot)] = (p.windows, prio) if ascending else (p.windows[::-1], prio[::-1])
    return out


def _first_last_priorities(c: _Call, groups: list[list[_Points]], positions: dict, aux_refs: list,
                           windows: Windows, ascending: bool, names: list[str] | None = None) -> dict:
    """first()/last() without GROUP BY time: influxd reads each shard tag set's series through a sorted
    merge (time, then string auxiliary values, then the heap decide) and its engine limit lets the first
    two points through; the reducer keeps the earlier (later) one, on equal times the larger value, then
    the first met. That point's series is the tag set's only candidate (``"only"``); the candidates of the
    shards meet in the shards' merge order."""
    first = c.name == "first"
    partials, chosen = [], []
    column = positions[(c.arg.val, c.arg.type)]
    for number, chunks in enumerate(groups):
        edges = _edge_candidates(chunks, column, first)
        every_time = np.concatenate([pts.times for pts in chunks]) if edges else None
        for owners, rows, at, offsets in edges:
            times = every_time[at].astype(np.int64)
            spans = list(zip(owners[offsets[:-1]].tolist(), offsets[:-1].tolist(), offsets[1:].tolist(),
                             strict=True)) if aux_refs else []
            aux = [Column.concat([chunks[o].columns[positions[(r.val, r.type)]].take(rows[lo:hi])
                                  for o, lo, hi in spans]) for r in aux_refs]
            delivered = mergeorder.sorted_merge(times, aux, first, offsets)[:2].tolist()
            met = [(chunks[int(owners[d])], int(rows[d])) for d in delivered]
            pts, row = met[0]
            if len(met) > 1:
                other, other_row = met[1]
                t0, t1 = pts.times[row], other.times[other_row]
                col0 = pts.columns[column]
                col1 = other.columns[column]
                better = t1 < t0 if first else t1 > t0
                v0, v1 = col0.values[row], col1.values[other_row]
                if c.kind == BOOLEAN:  # BooleanFirstReduce prefers false, BooleanLastReduce true
                    preferred = bool(not v1 and v0) if first else bool(v1 and not v0)
                else:
                    preferred = bool(v1 > v0)
                if better or (t1 == t0 and preferred):
                    pts, row = other, other_row
            w = windows.starts(pts.times[row:row + 1])
            name = names[number] if names else ""
            partials.append(mergeorder.Partial(number, pts.shard, pts.part, 0, 1, w, w, w, pts.source, name))
            chosen.append((pts.part, pts.slot))
    out: dict = {"only": True}
    if partials:
        for key, p, prio in zip(chosen, partials, mergeorder.arrival_priorities(partials, ascending),
                                strict=True):
            out[key] = (p.windows, prio)
    return out


def _edge_candidates(chunks: list[_Points], column: int, first: bool
                     ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per shard tag set (in the order of its first series holding a value in ``column``), the rows that
    meet in its merge for first() (last()) without GROUP BY time: each series' first (last) two, series
    after series, the whole reversed for last() (its tag set read backwards). Each as ``(owners, rows, at,
    offsets)``: the candidates' chunk and row in it, their place in the chunks' rows one after the other,
    and where each series' candidates start (and the end)."""
    if not chunks:
        return []
    starts = mergeorder.offsets_of([len(pts.times) for pts in chunks])
    hits, who = _valued_ends(chunks, column, starts, first)
    if not len(hits):
        return []
    parts = np.array([pts.part for pts in chunks], np.int64)[who]
    _, first_seen = np.unique(parts, return_index=True)
    out = []
    for part in parts[np.sort(first_seen)].tolist():
        sel = (parts == part).nonzero()[0]
        if not first:
            sel = sel[::-1]
        owners, at = who[sel], hits[sel]
        change = np.ones(len(sel), bool)
        change[1:] = owners[1:] != owners[:-1]
        offsets = np.append(change.nonzero()[0], len(sel)).astype(np.int64)
        out.append((owners, at - starts[owners], at, offsets))
    return out


def _point_priorities(c: _Call, chunks: list[_Points], positions: dict, aux_refs: list, windows: Windows
                      ) -> np.ndarray | None:
    """The priority of every point ``_gather`` returns (same order), from ``c.priority``; None if missing.
    Points of series that are no candidate (``"only"``) get -1."""
    given = c.priority.get() if isinstance(c.priority, _LazyPriorities) else c.priority
    only = given is not None and given.get("only", False)
    held = _holding(chunks, positions[(c.arg.val, c.arg.type)])
    if not held:
        return None
    entries = []
    for pts, _, count in held:
        found = given.get((pts.part, pts.slot)) if given is not None else None
        if found is None and not only:
            return None
        entries.append((count, found))
    valid = np.concatenate([col.valid for _, col, _ in held])
    times = np.concatenate([pts.times for pts, _, _ in held])[valid]
    prios = np.full(len(times), -1, np.int64)
    has = np.array([found is not None for _, found in entries])
    if has.any():
        # every point's window looked up in its series' windows at once: keys (series, window rank)
        owner = np.repeat(np.arange(len(entries)), [count for count, _ in entries])
        pick = has[owner]
        w = windows.starts(times[pick])
        listed = [(i, found) for i, (_, found) in enumerate(entries) if found is not None]
        pw = np.concatenate([np.asarray(found[0], np.int64) for _, found in listed])
        prio = np.concatenate([np.asarray(found[1], np.int64) for _, found in listed])
        pw_owner = np.repeat([i for i, _ in listed], [len(found[0]) for _, found in listed])
        if len(pw) == 0:
            return None
        known = np.unique(pw)
        width = len(known) + 1
        keys = pw_owner * width + np.searchsorted(known, pw)  # ascending: each series' windows ascend
        wanted = owner[pick] * width + np.searchsorted(known, w)
        at = np.searchsorted(keys, wanted)
        if np.any(at >= len(keys)):
            return None
        if np.any(keys[at] != wanted) or np.any(pw[at] != w):
            return None
        prios[pick] = prio[at]
    order = np.argsort(times, kind="stable")
    return prios[order]


# -- rows ------------------------------------------------------------------------------------------------


def _series(outputs, exprs, calls, aux_refs, stmt, ascending, last: bool = True):
    """The output series' rows, ``(name, tags, times, columns, last)``: ``last`` False for a piece of a
    series whose next piece follows."""
    for name, tags, per_call in outputs:
        times, env = _join(per_call, calls, aux_refs, stmt, ascending)
        n = len(times)
        yield name, tags, times, [evaluate(e, env, n) for e in exprs], last


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
    symbols = list(per_call)
    first = per_call[symbols[0]].times
    if all(np.array_equal(per_call[s].times, first) for s in symbols[1:]):
        # every call has a point at each row, in the same order: row k joins each call's k-th point (what
        # _rows gives for times in output order; the only join for points handed on in stream order,
        # ``_stretch_call``, whose times go back between runs)
        n = len(first)
        for c in calls:
            env[c.symbol] = per_call[c.symbol].values if c.symbol in per_call else _default(stmt, c, n)
        for ref in aux_refs:
            env[(ref.val, ref.type)] = Column.null(n)
        return first, env
    times, matches = _rows([per_call[s].times for s in symbols], ascending)
    matches = dict(zip(symbols, matches, strict=True))
    n = len(times)
    for c in calls:
        out = per_call.get(c.symbol)
        if out is None:
            env[c.symbol] = _default(stmt, c, n)
            continue
        hit, pos = matches[c.symbol]
        col = out.values
        values = np.empty(n, object) if col.values.dtype == object else np.zeros(n, col.values.dtype)
        values[hit] = col.values[pos[hit]]
        valid = hit & col.valid[pos]
        if stmt.fill == FO.NumberFill and col.kind in _NUMERIC:
            values[~hit] = stmt.fill_value
            valid = valid | ~hit
        elif stmt.fill == FO.PreviousFill:
            carry_previous(values, valid, hit)
        env[c.symbol] = Column(col.kind, values, valid)
    for ref in aux_refs:
        env[(ref.val, ref.type)] = Column.null(n)
    return times, env


def _rows(call_times: list[np.ndarray], ascending: bool) -> tuple[np.ndarray, list[tuple]]:
    """The row times of several calls' points and, per call, which row it fills (``hit``) from which point
    (``pos``). Like influxd's cursor, the k-th point of each call at one time goes into the k-th row of that
    time (a transform over several series can give several points at one time)."""
    uniq = np.unique(np.concatenate(call_times))
    occurrences = [mergeorder.run_places(t) for t in call_times]
    width = max(int(o.max()) + 1 if len(o) else 1 for o in occurrences)
    keys = [np.searchsorted(uniq, t) * width + o for t, o in zip(call_times, occurrences, strict=True)]
    rows = np.unique(np.concatenate(keys))
    if not ascending:
        rows = rows[np.lexsort((rows % width, -(rows // width)))]
    matches = []
    for k in keys:
        order = np.argsort(k, kind="stable")
        ordered = k[order]
        j = np.clip(np.searchsorted(ordered, rows), 0, len(ordered) - 1)
        matches.append((ordered[j] == rows, order[j]))
    return uniq[rows // width], matches


def _default(stmt, c: _Call, n: int) -> Column:
    """The column of a call without a point in the series: null, or fill(<value>) as its type holds it
    (fill(-1.5) is -1 in an integer sum's column); null for a call over a field no shard has (influxd builds
    it no iterator, so there is nothing to fill)."""
    if stmt.fill == FO.NumberFill and c.kind is not None:
        kind = _result_kind(c)
        value = stmt.fill_value  # a string or boolean call's column takes it as given
        return Column.constant(cast_fill_value(value, kind) if kind in _NUMERIC else value, n)
    return Column.null(n)
