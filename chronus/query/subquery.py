"""Subqueries: a SELECT whose output is the source of an enclosing SELECT, as influxd 1.6.7 runs them.

The inner statement is compiled with its parent (``compile_select(..., parent)``: same direction, the
intersection of both time ranges, the parent's GROUP BY interval when it has none) and prepared like any
SELECT. When the outer query reads, the inner one runs once with influxd's
``newIteratorOptionsSubstatement`` changes: it also groups by the outer query's tags, a ``fill(null)`` of an
aggregate becomes ``fill(none)``, the outer SLIMIT/SOFFSET add to its own. Its output series (name, tags,
times, one numpy column per output column) then stand in for the shards' series: each outer tag set is the
inner series sharing the outer GROUP BY tags, merged in the order influxd's cursor hands the rows on (by
time for a raw inner query, window by window then series by series for an aggregate one); the outer WHERE
(its non-time part) filters the rows over whole columns (``filterCursor``); outer variables map to the
inner columns by name (``mapAuxField``: a field's name, a ``top()``/``bottom()`` tag argument, else an
inner GROUP BY tag, else null), cast to the type the outer query gave them. No Python runs per row.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np

from chronus.influxql import ast
from chronus.query import executor
from chronus.query.condition import MAX_TIME, MIN_TIME
from chronus.query.executor import QueryError
from chronus.query.inner_output import InnerSeries, collect, with_time_columns
from chronus.query.mergeorder import run_places
from chronus.query.regrouped_stream import MergedPiece, RegroupedStream, StreamedSeries
from chronus.query.regrouped_transform import MixedTypes, RegroupedTransform, lone_raw_transform
from chronus.query.vector import BOOLEAN, FLOAT, INTEGER, STRING, UNSIGNED, Column, evaluate

DT = ast.DataType


def _name(f: ast.Field) -> str:
    return f.name()


class SubquerySource:
    """A ``(SELECT ...)`` source of a SELECT: types of its columns for the outer query, and its readers."""

    def __init__(self, stmt: ast.SelectStatement, compiled, ctx, parent: ast.SelectStatement) -> None:
        from chronus.query.select import prepare_select

        self.ctx = ctx
        self.run_stmt = _run_statement(stmt, compiled, parent)
        self.prepared = prepare_select(self.run_stmt, ctx, compiled)
        # an explicit ``time`` field of a subquery is an ordinary (always null) column (``OmitTime``)
        self._time_columns = _time_positions(stmt)
        self.fields = list(self.prepared.fields)
        for position, f in self._time_columns:
            self.fields.insert(position, f)
        self.dimensions = list(self.prepared.dimensions)
        self._runs: dict[tuple, list[InnerSeries] | list[StreamedSeries]] = {}
        self.ascending = compiled.ascending
        # rows reach the enclosing query by time across the inner series when it is raw, or transforms of
        # raw fields (their iterators run over the merged stream); else series by series
        from chronus.query import transform as tf
        self.raw_order = not compiled.calls or (not compiled.window_interval and all(
            call.name in tf.TRANSFORMS and not (call.args and isinstance(call.args[0], ast.Call))
            for call in compiled.calls))
        self._windows = None
        if compiled.calls and compiled.window_interval:
            from chronus.query.aggregate import _offset
            from chronus.query.window import Windows
            offset = _offset(self.run_stmt, compiled.window_interval, ctx.now_ns)
            self._windows = Windows(compiled.window_interval, offset, compiled.tmin, compiled.tmax,
                                    self.run_stmt.location)
        # influxd's fill iterator of an inner aggregate runs over its rows window by window: each change
        # of series starts a new fill over the whole range (see _filled_runs)
        # only fill(<number>) writes numbers into the inner query's string or boolean fields (_filled_aux)
        self.mixed_cells = self.run_stmt.fill == ast.FillOption.NumberFill
        self._stream_fill = _stream_filled_calls(self.run_stmt, compiled, self.prepared, self._time_columns)
        self._unfilled = None
        self._transform: ast.Call | None = None  # a lone transform over the stream-filled call
        # a lone transform of a raw field: read through the enclosing query's merges when regrouped
        self._regrouped_call = lone_raw_transform(self.run_stmt, compiled)
        self._regrouped: RegroupedTransform | None = None
        # math around the stream-filled calls: evaluated over their filled runs, as influxd's cursor
        # evaluates it over the rows of the calls' fill iterators
        self._math: list[ast.Expr] | None = None
        if self._stream_fill is not None:
            self._unfilled = replace(self.prepared, stmt=replace(self.run_stmt, fill=ast.FillOption.NoFill))
        elif (math := _stream_filled_math(self.run_stmt, compiled, self.prepared, self._time_columns)):
            calls, self._math = math
            self._stream_fill = [call.name for call in calls]
            self._unfilled = _prepared_calls(self.run_stmt, calls, compiled, ctx, 0)
        elif (found := _stream_transformed_call(self.run_stmt, compiled, self.prepared,
                                                self._time_columns)) is not None:
            # the transform's iterator reads the filled runs: the call is run and filled on its own
            # (a transform reading one window before the range reads its call's from there: filled too;
            # where that start wraps around, influxd reads nothing, as the ordinary path does)
            extra = compiled.window_interval if found[0].name in tf.EXTENDED else 0
            wraps = compiled.tmin - extra < -(2**63) if compiled.ascending else compiled.tmax + extra >= 2**63
            if not wraps:
                self._transform, inner = found
                self._stream_fill = [inner.name]
                self._unfilled = _prepared_calls(self.run_stmt, [inner], compiled, ctx, extra)

    @property
    def stream_runs(self) -> bool:
        """Whether the inner rows reach the outer query as filled runs (``_filled_runs``)."""
        return self._stream_fill is not None

    def order_key(self, times: np.ndarray) -> np.ndarray:
        """What the inner query's rows are ordered by first: time (raw), else the window start."""
        if self.raw_order:
            return times
        if self._windows is None:
            return np.zeros(len(times), np.int64)
        return self._windows.starts(times)

    # -- types (``TypeValuerEval`` / ``FieldDimensions`` over a subquery) -----------------------------------

    def _field_expr(self, name: str) -> ast.Expr | None:
        """``FieldExprByName``: the first field named ``name``, or a ``top()``/``bottom()`` tag argument."""
        for f in self.fields:
            if _name(f) == name:
                return f.expr
            expr = f.expr
            if isinstance(expr, ast.Call) and expr.name in ("top", "bottom") and len(expr.args) > 2:
                for arg in expr.args[1:-1]:
                    if isinstance(arg, ast.VarRef) and arg.val == name:
                        return arg
        return None

    @staticmethod
    def _type_of(expr: ast.Expr) -> DT:
        from chronus.query.select import _eval_type
        try:
            return _eval_type(expr, field_mapper=True)
        except QueryError:
            return DT.Unknown

    def map_type(self, name: str) -> DT:
        expr = self._field_expr(name)
        typ = DT.Unknown if expr is None else self._type_of(expr)
        if typ == DT.Unknown and name in self.dimensions:
            typ = DT.Tag
        return typ

    def field_dimensions(self) -> tuple[dict[str, DT], set[str]]:
        from chronus.query.select import less_than
        fields: dict[str, DT] = {}
        for f in self.fields:
            typ = self._type_of(f.expr)
            if less_than(fields.get(_name(f), DT.Unknown), typ):
                fields[_name(f)] = typ
            else:
                fields.setdefault(_name(f), DT.Unknown)
        return fields, set(self.dimensions)

    # -- mapping outer variables to inner columns -----------------------------------------------------------

    def map_aux(self, name: str) -> tuple[str, int | str, DT | None] | None:
        """``mapAuxField``: ("field", column index, cast) / ("tag", key, None), or None (always null)."""
        offset = 0
        for i, f in enumerate(self.fields):
            expr = f.expr
            if _name(f) == name:
                return "field", i + offset, None
            if isinstance(expr, ast.Call) and expr.name in ("top", "bottom") and len(expr.args) > 2:
                for j, arg in enumerate(expr.args[1:-1]):
                    if isinstance(arg, ast.VarRef) and arg.val == name:
                        return "field", i + j + 1, DT.String
                offset += len(expr.args) - 2
        if name in self.dimensions:
            return "tag", name, None
        return None

    def column_names(self) -> list[str]:
        """The inner cursor's column names (``ColumnNames`` without time): what the outer WHERE sees."""
        names = list(self.prepared.columns[1:])
        for position, f in self._time_columns:
            names.insert(position, f.name())
        return names

    # -- running -----------------------------------------------------------------------------------------

    def run(self, dimensions: list[str]) -> list[InnerSeries] | list[StreamedSeries]:
        """The inner query's output grouped by its own tags and the outer query's ``dimensions``: its series
        listed only (``StreamedSeries``) when it is read shard by shard as the enclosing query reads it
        (``regrouped_stream``)."""
        key = tuple(dimensions)
        if key not in self._runs:
            stmt = self.run_stmt
            regrouped = bool(set(self.dimensions) - set(dimensions))  # (grouped by more tags than its query)
            limit_runs = bool(stmt.limit or stmt.offset) and regrouped
            prepared = self.prepared if self._unfilled is None else self._unfilled
            stream = regrouped and RegroupedStream.open(self.prepared, self.ctx, key, self._time_columns)
            if stream:
                self._runs[key] = stream.series()
                return self._runs[key]
            if self._regrouped_call is not None and regrouped:
                try:
                    out = self._regrouped_output(key, whole=limit_runs)
                    self._runs[key] = self._limit_runs(out, sorted(dimensions)) if limit_runs else out
                    return self._runs[key]
                except MixedTypes:
                    self._regrouped_call = None
            out = self._output(prepared, key, limit_runs)
            if self._stream_fill is not None and all(c.kind is not None and c.valid.all()
                                                     for series in out for c in series.columns):
                out = self._filled_runs(out, sorted(dimensions))
                if self._transform is not None:
                    out = self._transformed_runs(out)
                elif self._math is not None:
                    out = [self._evaluated(run) for run in out]
            elif self._stream_fill is not None:
                # a call without a value in a row another call has: influxd's scanner joins the calls'
                # separately filled streams there, which is not emulated; each series is filled whole
                self._stream_fill = self._unfilled = self._transform = self._math = None
                out = self._output(self.prepared, key, limit_runs)
            if limit_runs:
                out = self._limit_runs(out, sorted(dimensions))
            self._runs[key] = out
        return self._runs[key]

    def _output(self, prepared, key: tuple[str, ...], limit_runs: bool) -> list[InnerSeries]:
        """``prepared``'s output series with the statement's time columns; held whole when filled runs
        or limited runs work over all of it, else let go of as read when big (``inner_output``)."""
        from chronus.query.select import select_series

        def produce(delivery: list) -> Iterator:
            for name, tags, times, columns in select_series(prepared, self.ctx, key, delivery):
                yield name, tags, times, with_time_columns(columns, len(times), self._time_columns)

        whole = self._stream_fill is not None or limit_runs
        return collect(produce, float("inf") if whole else None)

    def _regrouped_output(self, key: tuple[str, ...], whole: bool = False
                          ) -> list[InnerSeries] | list[StreamedSeries]:
        """The lone transform's output when the enclosing query groups by fewer tags
        (``regrouped_transform``); ``whole``: held whole (its LIMIT counts runs over all of it)."""
        if self._regrouped is None:
            self._regrouped = RegroupedTransform(self.run_stmt, self._regrouped_call, self.prepared.compiled,
                                                 self.ctx)
        regrouped = self._regrouped
        stream = None if whole else regrouped.stream(key)
        if stream is not None:
            return stream.series()
        return collect(lambda delivery: regrouped.series(key, delivery), float("inf") if whole else None)

    def _filled_runs(self, output: list[InnerSeries], dims: list[str]) -> list[InnerSeries]:
        """The inner aggregate's fill as influxd applies it: its rows, unfilled, window by window then
        series by series within each outer tag set (the order its fill iterator reads them in) fall into
        runs of one series, and each run is filled over the whole range on its own (a series met again
        after another one starts over: ``fill(previous)`` forgets, ``fill(<number>)`` repeats windows). The
        runs reach the outer query one after the other, in that order."""
        from chronus.query.aggregate import group_windows
        from chronus.query.fill import fill_series

        stmt = self.run_stmt
        filled = self._unfilled if self._transform is not None else self.prepared
        windows = group_windows(stmt, filled.compiled, self.ctx.now_ns)
        groups: dict[tuple, list[InnerSeries]] = {}
        for series in output:
            groups.setdefault((series.name, *(series.tags.get(d, "") for d in dims)), []).append(series)
        planned = []
        total = 0
        for key in sorted(groups):
            members = sorted(groups[key], key=lambda s: sorted(s.tags.items()))
            times = np.concatenate([m.times for m in members])
            ranks = np.repeat(np.arange(len(members)), [len(m.times) for m in members])
            starts_of = np.cumsum([0, *(len(m.times) for m in members)])
            by = self.order_key(times)
            # window by window (newest first under ORDER BY time DESC), series by series
            order = np.argsort(by if self.ascending else -by, kind="stable")
            ranked = ranks[order]
            cuts = [0, *(np.flatnonzero(ranked[1:] != ranked[:-1]) + 1).tolist(), len(order)]
            planned.append((members, starts_of, order, ranked, cuts))
            # each run is filled from the range's first window to its last (from its own oldest window
            # without a lower bound)
            oldest = times[order[cuts[:-1]]] if self.ascending else times[order[np.array(cuts[1:]) - 1]]
            if windows.start != MIN_TIME:
                oldest = np.full(len(oldest), windows.window(windows.start)[0])
            newest = windows.window(windows.end)[0]
            total += int(np.sum((newest - oldest) // windows.interval + 1))
        if total > executor.MAX_SERIES_ROWS:  # influxd streams them; held here they would exhaust memory
            most = executor.MAX_SERIES_ROWS
            raise QueryError(f"fill() in the subquery would write {total} rows (at most {most}): narrow its "
                             "time range, widen its interval or group it by fewer tags")
        runs: list[InnerSeries] = []
        for members, starts_of, order, ranked, cuts in planned:
            for lo, hi in zip(cuts, cuts[1:], strict=False):
                member = members[int(ranked[lo])]
                rows = order[lo:hi] - starts_of[int(ranked[lo])]
                columns = []
                for call, column in zip(self._stream_fill, member.columns, strict=True):
                    col = column.take(rows)
                    filled_times, filled = fill_series(member.times[rows], col, windows, stmt.fill,
                                                       stmt.fill_value, self.ascending, call, col.kind)
                    columns.append(filled)
                runs.append(InnerSeries(member.name, member.tags, filled_times, columns))
        return runs

    def _transformed_runs(self, runs: list[InnerSeries]) -> list[InnerSeries]:
        """The lone transform over the filled runs, as influxd's stream iterator reads them: one reducer per
        series whose state carries from one of its runs to the next (a cumulative sum goes on where the
        series' last run left it); null rows are skipped."""
        from chronus.query import transform as tf
        from chronus.query.aggregate import _parse_call, _unit
        call = _parse_call(self._transform, "")
        interval = self.prepared.compiled.window_interval
        reducers: dict[tuple, tf.Continued] = {}
        out: list[InnerSeries] = []
        for run in runs:
            col = run.columns[0]
            key = (run.name, tuple(sorted(run.tags.items())))
            reducer = reducers.get(key)
            if reducer is None:
                reducer = reducers[key] = tf.Continued(call.name, col.kind, self.ascending,
                                                       _unit(call, interval), call.limit, call.params)
            times, column = reducer.feed(run.times[col.valid], col.values[col.valid])
            if len(times):
                out.append(InnerSeries(run.name, run.tags, times, [column]))
        return out

    def _evaluated(self, run: InnerSeries) -> InnerSeries:
        """The fields' math over one filled run of the calls' columns."""
        env = {f"\x00call{i}": column for i, column in enumerate(run.columns)}
        n = len(run.times)
        return InnerSeries(run.name, run.tags, run.times, [evaluate(expr, env, n) for expr in self._math])

    def _limit_runs(self, output: list[InnerSeries], dims: list[str]) -> list[InnerSeries]:
        """influxd's LIMIT/OFFSET of a subquery grouping by more tags than its enclosing query: in the
        order the rows reach the enclosing query, the count restarts whenever the series changes."""
        limit, offset = self.run_stmt.limit, self.run_stmt.offset
        groups: dict[tuple, list[InnerSeries]] = {}
        for series in output:
            groups.setdefault((series.name, *(series.tags.get(d, "") for d in dims)), []).append(series)
        kept: dict[int, np.ndarray] = {}
        for members in groups.values():
            members = sorted(members, key=lambda s: sorted(s.tags.items()))
            lengths = [len(m.times) for m in members]
            if len(members) > 1 and all(m.places is not None for m in members):
                order = np.argsort(np.concatenate([m.places for m in members]), kind="stable")
            else:
                order = self.cursor_order(np.concatenate([m.times for m in members]))
            ranks = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
            if order is None:
                order = np.arange(len(ranks))
            place = run_places(ranks[order])  # influxd's limit iterator restarts when the series changes
            ok = place >= offset
            if limit:
                ok &= place < offset + limit
            mask = np.zeros(len(order), bool)
            mask[order] = ok
            bounds = np.cumsum([0, *(len(m.times) for m in members)])
            for i, m in enumerate(members):
                kept[id(m)] = mask[bounds[i]:bounds[i + 1]]
        out = []
        for series in output:
            mask = kept[id(series)]
            if mask.any():
                columns = [c.take(mask) for c in series.columns]
                places = None if series.places is None else series.places[mask]
                out.append(InnerSeries(series.name, series.tags, series.times[mask], columns, places))
        return out

    def cursor_order(self, times: np.ndarray) -> np.ndarray | None:
        """Rows of several inner series (their ``times`` concatenated) in the order influxd's cursor hands
        them on: by window (aggregates) or time (raw), then series, then row; reversed windows or times
        under ORDER BY time DESC. None when it is the concatenation's own (an aggregate without GROUP BY
        time: series after series)."""
        if (not self.raw_order and self._windows is None) or self._stream_fill is not None:
            return None  # (filled runs: already in the order they reach the outer query)
        key = self.order_key(times)
        # the concatenation is already by series, then row: a stable sort by key keeps that among equals
        return np.argsort(key if self.ascending else -key, kind="stable")

    def readers(self, plan) -> Iterator[tuple[str, SubqueryReader]]:
        by_name: dict[str, list[InnerSeries]] = {}
        for series in self.run(list(plan.dimensions)):
            by_name.setdefault(series.name, []).append(series)
        for name in sorted(by_name):
            yield name, SubqueryReader(plan, self, by_name[name])


# Calls whose fill runs over the inner rows window by window: one value per window, filled as it is
_STREAM_FILLED = ("count", "sum", "mean", "median", "mode", "spread", "stddev", "min", "max", "first", "last",
                  "percentile")


# Transforms whose stream reducer is emulated over filled runs (``_transformed_runs``)
_STREAM_TRANSFORMS = ("cumulative_sum", "derivative", "non_negative_derivative", "difference",
                      "non_negative_difference", "moving_average", "elapsed")


def _stream_fills(stmt: ast.SelectStatement, compiled, prepared, time_columns: list) -> bool:
    """Whether the inner statement's fill runs over its rows in stream order (``_filled_runs``): an explicit
    fill(<number>), fill(previous) or fill(linear), by GROUP BY time, without LIMIT/OFFSET, explicit time
    columns or an empty field list (its SLIMIT/SOFFSET, and the enclosing query's added to them, pick the
    series first)."""
    fills = (ast.FillOption.NumberFill, ast.FillOption.PreviousFill, ast.FillOption.LinearFill)
    return bool(compiled.window_interval and stmt.fill in fills and not time_columns and not (
        stmt.limit or stmt.offset) and prepared.fields)


def _is_filled_call(expr: ast.Expr) -> bool:
    """A call over a field whose fill runs window by window (one value per window)."""
    return (isinstance(expr, ast.Call) and expr.name in _STREAM_FILLED and bool(expr.args)
            and isinstance(expr.args[0], ast.VarRef))


def _stream_filled_calls(stmt: ast.SelectStatement, compiled, prepared, time_columns: list
                         ) -> list[str] | None:
    """Each field's call name when the inner statement's fill runs in stream order (``_stream_fills``) over
    calls over fields (no math around them, no auxiliary field). None otherwise (the fill then runs series
    by series, as at the top level)."""
    if not _stream_fills(stmt, compiled, prepared, time_columns):
        return None
    if not all(_is_filled_call(f.expr) for f in prepared.fields):
        return None
    return [f.expr.name for f in prepared.fields]


def _stream_filled_math(stmt: ast.SelectStatement, compiled, prepared, time_columns: list
                        ) -> tuple[list[ast.Call], list[ast.Expr]] | None:
    """``(calls, fields)`` when the inner statement's fill runs in stream order (``_stream_fills``) and its
    fields are math (``floor(max(i))``, ``max(i) - min(i)``, literals) over such calls and nothing else:
    the distinct calls (influxd's ``valueMapper`` keeps one iterator per call text) and each field with its
    calls replaced by references to their columns (``\\x00call<n>``)."""
    if not _stream_fills(stmt, compiled, prepared, time_columns):
        return None
    from chronus.influxql.walk import walk
    from chronus.query.aggregate import _Mapper
    mapper = _Mapper()  # (the calls' symbols are ``\x00call<n>`` in order of first use)
    exprs = [mapper.map(f.expr) for f in prepared.fields]
    calls = [c.call for c in mapper.calls.values()]
    # left after mapping: math calls, operators, numbers and the calls' symbols; an auxiliary field, a
    # string or another kind of call is not emulated
    kinds = (ast.Call, ast.BinaryExpr, ast.ParenExpr, ast.NumberLiteral, ast.IntegerLiteral,
             ast.UnsignedLiteral)
    if not calls or mapper.refs or not all(_is_filled_call(call) for call in calls) or not all(
            isinstance(node, kinds) or isinstance(node, ast.VarRef) and node.val.startswith("\x00call")
            for expr in exprs for node in walk(expr)):
        return None
    return calls, exprs


def _stream_transformed_call(stmt: ast.SelectStatement, compiled, prepared, time_columns: list
                             ) -> tuple[ast.Call, ast.Call] | None:
    """``(transform, call)`` when the inner statement is one transform (``_STREAM_TRANSFORMS``) over such a
    call and its fill runs in stream order."""
    if not _stream_fills(stmt, compiled, prepared, time_columns) or len(prepared.fields) != 1:
        return None
    expr = prepared.fields[0].expr
    if (isinstance(expr, ast.Call) and expr.name in _STREAM_TRANSFORMS and expr.args
            and _is_filled_call(expr.args[0])):
        return expr, expr.args[0]
    return None


def _prepared_calls(stmt: ast.SelectStatement, calls: list[ast.Call], compiled, ctx, extra: int):
    """The inner statement with ``calls`` as its only fields and no fill, prepared under the same time range
    and direction, widened by ``extra`` ns before it (after it under ORDER BY time DESC)."""
    from chronus.query.compile import Compiled, compile_select
    from chronus.query.select import prepare_select
    alone = replace(stmt, fields=[ast.Field(expr=copy.deepcopy(call)) for call in calls],
                    fill=ast.FillOption.NoFill)
    parent = Compiled(ascending=compiled.ascending, tmin=compiled.tmin, tmax=compiled.tmax)
    inner = compile_select(alone, ctx.now_ns, parent)
    if compiled.ascending:
        inner.tmin = max(MIN_TIME, inner.tmin - extra)
    else:
        inner.tmax = min(MAX_TIME, inner.tmax + extra)
    return prepare_select(alone, ctx, inner)


def string_tag_arguments(fields: list[ast.Field], sources: list) -> None:
    """A call over a subquery's tag-valued column reads it as strings (``NewIteratorMapper`` drives a tag
    with a string iterator), where a measurement's tag gives a call nothing: retype such arguments."""
    from chronus.influxql.walk import walk
    if not sources or not all(isinstance(s, SubquerySource) for s in sources):
        return
    for f in fields:
        for node in walk(f.expr):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.VarRef) \
                    and node.args[0].type == DT.Tag:
                node.args[0].type = DT.String


def _time_positions(stmt: ast.SelectStatement) -> list[tuple[int, ast.Field]]:
    """Where the explicit ``time`` fields sit among the output columns (not after a wildcard: unknown)."""
    out: list[tuple[int, ast.Field]] = []
    for position, f in enumerate(stmt.fields):
        if isinstance(f.expr, ast.VarRef) and f.expr.val == "time":
            out.append((position, ast.Field(expr=ast.VarRef(val="time", type=DT.Time), alias=f.alias)))
        elif isinstance(f.expr, ast.Wildcard | ast.RegexLiteral):
            break
    return out


def _run_statement(stmt: ast.SelectStatement, compiled, parent: ast.SelectStatement) -> ast.SelectStatement:
    """The inner statement as influxd runs it under ``parent`` (``newIteratorOptionsSubstatement``)."""
    run = replace(stmt)
    run.dimensions = list(stmt.dimensions)
    if compiled.inherited_interval and compiled.calls:
        time_dim = next((d for d in parent.dimensions
                         if isinstance(d.expr, ast.Call) and d.expr.name == "time"), None)
        if time_dim is not None:
            run.dimensions.append(copy.deepcopy(time_dim))
    if compiled.calls and run.fill == ast.FillOption.NullFill:
        run.fill = ast.FillOption.NoFill
    run.slimit = stmt.slimit + parent.slimit
    run.soffset = stmt.soffset + parent.soffset
    return run


_CAST_KIND = {DT.Float: FLOAT, DT.Integer: INTEGER, DT.Unsigned: UNSIGNED, DT.String: STRING,
              DT.Boolean: BOOLEAN, DT.Tag: STRING}
_NUMERIC = (FLOAT, INTEGER, UNSIGNED)
_NP = {FLOAT: np.float64, INTEGER: np.int64, UNSIGNED: np.uint64}


def cast(col: Column, typ: DT, nan_null: bool = False, mixed: bool = False) -> Column:
    """``castToType``: numbers convert to the wanted numeric type; anything else is left as it is.

    A NaN (a math function's domain error: ``sqrt(-1)``) made an integer is Go's ``int64(NaN)``, the
    smallest int64, as an aggregate around the subquery sees it; ``nan_null``: null, as a raw query
    around it answers; ``mixed``: string columns may hold numbers a fill wrote (``_typed_cells``)."""
    want = _CAST_KIND.get(typ)
    if mixed and col.kind == STRING and want in (STRING, BOOLEAN) and not nan_null:
        return _typed_cells(col, want)
    if col.kind is None or want is None or want == col.kind:
        return col
    if want in _NUMERIC and col.kind in _NUMERIC:
        valid = col.valid
        if nan_null and col.kind == FLOAT and want != FLOAT:
            valid = valid & ~np.isnan(col.values)
        with np.errstate(all="ignore"):
            values = col.values.astype(_NP[want]) if want != FLOAT else col.values.astype(np.float64)
        return Column(want, values, valid)
    return col


def _typed_cells(col: Column, want: str) -> Column:
    """A string or boolean field of the inner query as a call around it reads it: influxd's inner
    scanner may have written fill(<number>) into such a field (a column of mixed values here); the typed
    iterator a call reads finds no string (boolean) there, so those cells are no points."""
    values = col.values.tolist()
    typ = str if want == STRING else bool
    ok = np.fromiter((type(v) is typ for v in values), bool, len(values))
    if want == STRING:
        return col if ok[col.valid].all() else Column(STRING, col.values, col.valid & ok)
    return Column(BOOLEAN, np.array([type(v) is bool and v for v in values], bool), col.valid & ok)


def _by_place(places: np.ndarray) -> np.ndarray:
    """The rows in the order of their places in a merge (distinct numbers from 0): one pass over the
    places rather than a sort."""
    if not len(places):
        return np.zeros(0, np.int64)
    top = int(places.max())
    if top >= 4 * len(places):  # few of the merge's rows: sorting them is cheaper
        return np.argsort(places, kind="stable")
    slot = np.full(top + 1, -1, np.int64)
    slot[places] = np.arange(len(places), dtype=np.int64)
    return slot[slot >= 0]


def _streamed(members: list[InnerSeries]) -> bool:
    return bool(members) and isinstance(members[0], StreamedSeries)


class SubqueryReader:
    """The tag sets of one inner measurement name under the outer GROUP BY, read as merged chunks."""

    engine_limit = False  # the outer LIMIT/OFFSET applies once, to the merged rows

    def __init__(self, plan, source: SubquerySource, members: list[InnerSeries]) -> None:
        self.plan = plan
        self.source = source
        self.members = members

    def tag_sets(self) -> list[tuple[tuple, list]]:
        dims = sorted(self.plan.dimensions)
        groups: dict[tuple, list[InnerSeries]] = {}
        for series in self.members:
            key = tuple(series.tags.get(d, "") for d in dims)
            groups.setdefault(key, []).append(series)
        if self.source.stream_runs:  # (filled runs: their own order)
            return [(key, [members]) for key, members in sorted(groups.items())]
        return [(key, [sorted(members, key=lambda s: sorted(s.tags.items()))])
                for key, members in sorted(groups.items())]

    def _column(self, tag: Callable[[str], Column], columns: list[Column], ref: ast.VarRef, n: int) -> Column:
        """``ref``'s column over the rows; ``tag(key)``: a tag's values in them."""
        mapped = self.source.map_aux(ref.val)
        if mapped is None:
            return Column.null(n)
        kind, where, typ = mapped
        if kind == "tag":
            return tag(where)
        return cast(columns[where], typ if typ is not None else ref.type, self.plan.raw,
                    self.source.mixed_cells)

    def _keep(self, tag: Callable[[str], Column], columns: list[Column], n: int) -> np.ndarray | None:
        """Rows passing the outer WHERE (``filterCursor``): columns by name, anything else a tag."""
        condition = self.plan.condition
        if condition is None:
            return None
        from chronus.query.select import _var_refs
        names = self.source.column_names()
        env: dict = {}
        for ref in _var_refs(condition):
            if ref.val in names:
                env[(ref.val, ref.type)] = cast(columns[names.index(ref.val)], ref.type)
            else:  # a tag (``TagMap``): a key the series lacks reads as ""
                env[(ref.val, ref.type)] = tag(ref.val)
        keep = evaluate(condition, env, n, in_condition=True)
        if keep.kind != BOOLEAN:
            return np.zeros(n, bool)
        return keep.values.astype(bool) & keep.valid

    def read_series(self, members: list[InnerSeries], candidates: Callable | None = None):
        """One chunk of the tag set's rows in the order influxd's merge hands them on, kept in ascending
        form (the raw path reverses it under ORDER BY time DESC): an aggregate inner query's rows window by
        window and, inside a window, inner series by series; a raw inner query's rows by time.

        ``candidates``: given each inner series' rows (times, columns), the ones to keep of them
        (``member_candidates``); their order among themselves is the one all rows would have had."""
        if not _streamed(members):
            return self._read_members(members, candidates)
        from chronus.query.select import _stack
        chunks = list(self.read_pieces(members, candidates))
        if not chunks:
            return None
        return _stack(chunks if self.source.ascending else chunks[::-1])

    def read_pieces(self, members: list[InnerSeries], candidates: Callable | None = None) -> Iterator:
        """``read_series`` in consecutive pieces of the stream (in reading order, each in ascending form):
        one per shard of a ``regrouped_stream``, else one."""
        if not _streamed(members):
            chunk = self._read_members(members, candidates)
            if chunk is not None:
                yield chunk
            return
        stream = members[0].stream
        if isinstance(stream, RegroupedStream):
            read, pieces = self._read_merged, stream.merged_pieces(members)
        else:
            read, pieces = self._read_members, stream.pieces(members)
        for piece in pieces:
            chunk = read(piece, candidates)
            del piece  # (nothing of a piece is held while the next one is read)
            if chunk is not None:
                yield chunk
            del chunk

    def _picked(self, tag: Callable[[str], Column], data: list[Column], times: np.ndarray,
                candidates: Callable | None) -> tuple[np.ndarray | None, list[Column]]:
        """The enclosing query's columns over these rows and which rows are kept (positions; None: all):
        those passing the outer WHERE and, with ``candidates``, the ones picked among them."""
        n = len(times)
        columns = [self._column(tag, data, ref, n) for ref in self.plan.aux]
        keep = self._keep(tag, data, n)
        rows = None if keep is None or keep.all() else np.flatnonzero(keep)
        if rows is not None:
            columns = [c.take(rows) for c in columns]
        if candidates is not None:
            picked = candidates(times if rows is None else times[rows], columns)
            if picked is not None and not picked.all():
                columns = [c.take(picked) for c in columns]
                rows = np.flatnonzero(picked) if rows is None else rows[picked]
        return rows, columns

    def _read_merged(self, piece: MergedPiece, candidates: Callable | None):
        """``_read_members`` over a ``MergedPiece``: its rows are in the merge's order already, so the
        columns are mapped, filtered and picked from over all of them at once (candidates kept of the
        group's rows are a superset of those kept of each series')."""
        from chronus.query.select import _Chunk
        times, data = piece.times, piece.columns
        n = len(times)
        tag_columns: dict[str, Column] = {}

        def tag(key: str) -> Column:
            if key not in tag_columns:
                index = piece.dims.index(key) if key in piece.dims else None
                values = np.empty(max(piece.keys) + 1, object)
                values[:] = ""
                if index is not None:
                    for number, (_, inner) in piece.keys.items():
                        values[number] = inner[index]
                tag_columns[key] = Column(STRING, values[piece.owner], np.ones(n, bool))
            return tag_columns[key]

        rows, columns = self._picked(tag, data, times, candidates)
        tag_columns.clear()
        del data
        if rows is not None:
            times = times[rows]
        if not len(times):
            return None
        if not self.source.ascending:  # (ascending form)
            times, columns = times[::-1], [c.take(slice(None, None, -1)) for c in columns]
        return _Chunk(times, columns)

    def _read_members(self, members: list[InnerSeries], candidates: Callable | None):
        from chronus.query.select import _Chunk
        times_parts, column_parts, place_parts = [], [], []
        for series in members:
            times, data, places = series.data()
            n = len(times)

            def tag(key: str, tags: dict = series.tags, n: int = n) -> Column:
                return Column.constant(tags.get(key, ""), n)

            rows, columns = self._picked(tag, data, times, candidates)
            del data
            if rows is not None:
                times = times[rows]
                places = None if places is None else places[rows]
            if len(times) == 0:
                continue
            times_parts.append(times)
            column_parts.append(columns)
            place_parts.append(places)
        if not times_parts:
            return None
        times = np.concatenate(times_parts) if len(times_parts) > 1 else times_parts[0]
        del times_parts
        if len(place_parts) > 1 and all(p is not None for p in place_parts):
            order = _by_place(np.concatenate(place_parts))  # the engine's merge order
        else:
            order = self.source.cursor_order(times)
        del place_parts

        def column(i: int) -> Column:
            joined = Column.concat([part[i] for part in column_parts])
            for part in column_parts:  # the pieces let go of once joined
                part[i] = None
            return joined

        if order is None:
            if self.source.ascending:
                return _Chunk(times, [column(i) for i in range(len(self.plan.aux))])
            order = np.arange(len(times) - 1, -1, -1)
        elif not self.source.ascending:
            order = order[::-1]
        times = times[order]
        # one column concatenated at a time, dropped once its rows are taken in order
        return _Chunk(times, [column(i).take(order) for i in range(len(self.plan.aux))])


