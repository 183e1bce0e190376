"""A transform of a raw field in a subquery that groups by more tags than its enclosing query.

influxd builds the transform's input as it builds a raw subquery's rows: the engine's tag sets are the
enclosing query's, so one heap merges every series of an enclosing tag set, and the transform's stream
reducer takes each subquery group's points in that merge's order. Where series share a time, that order
decides the values (a difference between two hosts' points at one time) and the order the rows reach the
enclosing query (the last bits of a float sum over them, which of fully tied points a selector keeps).
So the field is read as that raw subquery is (``select._Plan.outer_heap``: every row with its place in
the merge), and each group's points are transformed in place order, every output row taking the place of
the input row it comes from.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from chronus.influxql import ast
from chronus.query import transform as tf
from chronus.query.aggregate import _GO_KIND, _KIND
from chronus.query.executor import QueryError
from chronus.query.vector import STRING, Column

Produced = tuple[str, dict, np.ndarray, list[Column]]


class MixedTypes(Exception):
    """The field's values cannot be read as this reads them (several types, or strings): the ordinary path
    reads it (``SubquerySource.run``)."""


def lone_raw_transform(stmt: ast.SelectStatement, compiled) -> ast.Call | None:
    """The statement's only field when it is a transform (``tf.CORE``) of a raw field without GROUP BY
    time of its own (one an enclosing query passes on sets the unit); else None. Its SLIMIT limits the
    enclosing tag sets the field is read in; its LIMIT counts runs of the output (``SubquerySource``)."""
    if not compiled.calls or len(stmt.fields) != 1:
        return None
    if compiled.window_interval and not compiled.inherited_interval:
        return None  # (a transform of an aggregate, or of nothing)
    expr = stmt.fields[0].expr
    if not isinstance(expr, ast.Call) or expr.name not in tf.CORE:
        return None
    if not expr.args or not isinstance(expr.args[0], ast.VarRef):
        return None
    return expr


class RegroupedTransform:
    """The subquery's output series for one set of enclosing GROUP BY tags, as ``select_series`` gives
    them, with each series' places in the engine's merge (``delivery``)."""

    def __init__(self, stmt: ast.SelectStatement, call: ast.Call, compiled, ctx) -> None:
        from chronus.query.aggregate import _parse_call, _unit, extended_read
        from chronus.query.compile import Compiled, compile_select
        from chronus.query.select import prepare_select

        self.ctx = ctx
        self.ascending = compiled.ascending
        parsed = _parse_call(call, "")
        self.name = call.name
        self.unit = _unit(parsed, compiled.window_interval)  # (an enclosing GROUP BY time's interval)
        self.window = parsed.limit
        tags = [d for d in stmt.dimensions if not (isinstance(d.expr, ast.Call) and d.expr.name == "time")]
        # (the statement's LIMIT counts runs of the transform's output: ``SubquerySource``)
        raw = replace(stmt, fields=[ast.Field(expr=copy.deepcopy(call.args[0]))], dimensions=tags,
                      fill=ast.FillOption.NullFill, limit=0, offset=0)
        parent = Compiled(ascending=compiled.ascending, tmin=compiled.tmin, tmax=compiled.tmax)
        raw_compiled = compile_select(raw, ctx.now_ns, parent)
        raw_compiled.tmin, raw_compiled.tmax = extended_read(compiled, ctx, call.name in tf.EXTENDED,
                                                             (compiled.tmin, compiled.tmax))
        self.raw = prepare_select(raw, ctx, raw_compiled)
        self.kind = _KIND.get(self.raw.fields[0].expr.type)  # the field's type as the statement maps it

    def stream(self, key: tuple[str, ...]) -> TransformedStream | None:
        """The output series under the enclosing tags ``key`` read shard by shard as the enclosing query
        reads them (``regrouped_stream``), when the field's shards allow it and its type is one the
        transform takes; else None (``series``)."""
        from chronus.query.regrouped_stream import RegroupedStream

        if self.kind == STRING or self.kind not in tf.supported_kinds(self.name):
            return None  # (``series`` raises or falls back)
        raw = RegroupedStream.open(self.raw, self.ctx, key, [])
        return None if raw is None else TransformedStream(self, raw)

    def series(self, key: tuple[str, ...], delivery: list) -> Iterator[Produced]:
        """Every output series under the enclosing tags ``key``; a series' places go to ``delivery``."""
        from chronus.query.select import select_series

        placed: list = []
        for name, tags, times, columns in select_series(self.raw, self.ctx, key, placed):
            places = placed.pop() if placed else None
            placed.clear()
            col = columns[0]
            if col.kind is None or not col.valid.any():
                continue
            if col.kind != self.kind or col.kind == STRING:
                # the field's types differ between shards; or strings (elapsed), which the raw read's
                # merge compares where times tie while the transform's input merge does not
                raise MixedTypes
            if col.kind not in tf.supported_kinds(self.name):
                raise QueryError(f"unsupported {tf.ITERATOR_NAMES[self.name]} iterator type: "
                                 f"*query.{_GO_KIND[col.kind]}InterruptIterator")
            rows = np.flatnonzero(col.valid)
            times, values = times[rows], col.values[rows]
            if places is not None:
                places = places[rows]
                if (places[1:] < places[:-1]).any():  # (pieces come in the merge's order already)
                    order = np.argsort(places, kind="stable")  # the merge's order (the stream's)
                    times, values, places = times[order], values[order], places[order]
            out_times, out = tf.apply(self.name, times, values, col.kind, self.ascending, self.unit,
                                      self.window)
            if not len(out_times):
                continue
            if places is not None:
                delivery.append(self._places(times, places, out_times))
            yield name, tags, out_times, [out]

    def _places(self, times: np.ndarray, places: np.ndarray, out_times: np.ndarray) -> np.ndarray:
        """The place of the input row each output row comes from: of the points at one time the first
        (derivative, difference), else the row at the same position from the end of the stream."""
        if self.name in ("moving_average", "cumulative_sum", "elapsed"):
            return places[len(places) - len(out_times):]
        key = times if self.ascending else -times  # (the stream's times ascend in this form)
        return places[np.searchsorted(key, out_times if self.ascending else -out_times, side="left")]


class TransformedStream:
    """``RegroupedTransform``'s output read shard by shard: each series' transform carries its state from
    one shard's rows to the next (``tf.Continued``; shards apart in time, so a piece holds every point of
    its times), every output row with the place of the input row it comes from in that shard's merge."""

    def __init__(self, transform: RegroupedTransform, raw) -> None:
        self.transform = transform
        self.raw = raw  # the field's ``RegroupedStream``
        self.ascending = raw.ascending

    def series(self) -> list:
        return self.raw.series(self)

    def pieces(self, members: list) -> Iterator[list]:
        running: dict[tuple, tf.Continued] = {}  # per series: its transform so far
        for piece in self.raw.pieces(members):
            out = [found for series in piece if (found := self._transformed(series, running)) is not None]
            del piece  # (the shard's rows go before the next one is read)
            yield out
            del out

    def _transformed(self, series, running: dict):
        from chronus.query.inner_output import InnerSeries

        t = self.transform
        col = series.columns[0]
        if col.kind is None or not col.valid.any():
            return None
        rows = np.flatnonzero(col.valid)
        times, places = series.times[rows], series.places[rows]
        key = (series.name, tuple(sorted(series.tags.items())))
        if key not in running:
            running[key] = tf.Continued(t.name, col.kind, t.ascending, t.unit, t.window)
        out_times, values = running[key].feed(times, col.values[rows])
        if not len(out_times):
            return None
        return InnerSeries(series.name, series.tags, out_times, [values], t._places(times, places, out_times))
