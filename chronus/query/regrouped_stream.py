"""A raw subquery regrouped by its enclosing query, read shard by shard as the enclosing query reads it.

When a raw subquery groups by more tags than the query around it, influxd's engine merges every series of
an enclosing tag set with one heap (``select._Plan.outer_heap``) and the enclosing query reduces the rows
as that merge hands them on. Run as an ordinary subquery, Chronus would hold the whole output of the inner
query, then each enclosing tag set's rows joined, at once: every point of the range for a query without
GROUP BY. When the source is one measurement source whose shards hold points apart in time, the merge of
an enclosing tag set is its merge in each shard, one shard after the other; so the inner query's series
are only listed here (``StreamedSeries``, from the shards' tag sets) and their rows are read when the
enclosing query reads them, one shard at a time (``RegroupedStream.merged_pieces``: each shard's rows in
the order of its merge, with each row's series).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from chronus.influxql import ast
from chronus.query.inner_output import InnerSeries, with_time_columns
from chronus.query.vector import INTEGER, Column

DT = ast.DataType


@dataclass
class StreamedSeries:
    """An inner series listed, not read: its rows come with those of its enclosing tag set's other series,
    shard by shard (``stream.pieces``/``merged_pieces``: a ``RegroupedStream``'s, or a transform's over
    one), as ``SubqueryReader`` reads them."""

    name: str
    tags: dict
    stream: object


@dataclass
class MergedPiece:
    """One shard's rows of an enclosing tag set, in the order of its merge: the subquery's output
    columns, and per row the number of its series (``owner``), whose name and tag values (``dims``)
    ``keys`` gives."""

    name: str
    times: np.ndarray
    columns: list[Column]
    owner: np.ndarray
    dims: list[str]
    keys: dict[int, tuple]

    def split(self) -> list[InnerSeries]:
        """Each series' rows with their places in the merge (``select._split_outer_set``)."""
        from chronus.query.select import _Chunk, _split_outer_set

        n = len(self.times)
        merged = _Chunk(self.times, [*self.columns, Column(INTEGER, self.owner, np.ones(n, bool))])
        return [InnerSeries(self.name, tags, chunk.times, chunk.columns[:-1], chunk.columns[-1].values)
                for _, tags, chunk in _split_outer_set(self.keys, self.name, self.dims, merged, True)]


class RegroupedStream:
    """The inner query's output series under one set of enclosing GROUP BY tags, listed from the shards'
    tag sets, and their rows read shard by shard. ``open`` gives None when the subquery is not one this
    reads: more than one source, a LIMIT, OFFSET, SLIMIT or SOFFSET (counted over whole series), a
    reference of no single type, or shards whose time spans overlap (the merge of shards is then no
    concatenation)."""

    def __init__(self, prepared, plan, readers: list, time_columns: list[tuple[int, ast.Field]]) -> None:
        self.prepared = prepared
        self.plan = plan
        self.ascending = plan.ascending
        self._time_columns = time_columns
        self._dims = sorted(plan.dimensions)
        # each shard's tag sets in the order of the query's time (listed once: limits are checked there)
        self._shards = [(reader, dict(reader.tag_sets())) for reader in readers]

    @classmethod
    def open(cls, prepared, ctx, outer_dimensions: tuple[str, ...],
             time_columns: list[tuple[int, ast.Field]]) -> RegroupedStream | None:
        from chronus.query.select import raw_plan, shards_in_time_order

        stmt = prepared.stmt
        if prepared.compiled.calls or stmt.limit or stmt.offset or stmt.slimit or stmt.soffset:
            return None
        plan = raw_plan(prepared, ctx, outer_dimensions)
        if plan is None or not plan.outer_heap:
            return None
        if any(ref.type in (DT.Unknown, DT.AnyField) for ref in plan.aux):
            return None
        listed = shards_in_time_order(plan, prepared.sources)
        return None if listed is None else cls(prepared, plan, listed, time_columns)

    def series(self, stream=None) -> list[StreamedSeries]:
        """The inner query's output series (those of some shard's tag sets), in output order, read by
        ``stream`` (default this)."""
        from chronus.query.select import _group_key

        found: dict[tuple, tuple[str, tuple]] = {}
        for reader, tag_sets in self._shards:
            for key in tag_sets:
                found.setdefault(_group_key(reader.name, self._dims, key), (reader.name, key))
        return [StreamedSeries(name, dict(zip(self._dims, key, strict=True)), stream or self)
                for name, key in (found[k] for k in sorted(found, reverse=not self.ascending))]

    def merged_pieces(self, members: list[StreamedSeries]) -> Iterator[MergedPiece]:
        """The rows of ``members`` (series of one enclosing tag set) shard after shard in the query's time
        order, each shard's in the order of its merge of them."""
        from chronus.query.select import _read_outer_sets, field_columns

        plan = self.plan
        wanted = {(series.name, tuple(series.tags.get(d, "") for d in self._dims)) for series in members}
        for reader, tag_sets in self._shards:
            chosen = [(key, series_list) for key, series_list in tag_sets.items()
                      if (reader.name, key) in wanted]
            if not chosen:
                continue
            merged_sets = _read_outer_sets(plan, reader.name, reader, chosen, self._dims)
            while merged_sets:  # (one: the members share their enclosing tags)
                _, _, merged = merged_sets.pop(0)
                n = len(merged.times)
                columns = with_time_columns(field_columns(self.prepared, plan, merged.columns[:-1], n), n,
                                            self._time_columns)
                times, owner = merged.times, merged.columns[-1].values
                del merged
                keys = {number: key for key, number in plan.inner_groups.items()}
                yield MergedPiece(reader.name, times, columns, owner, self._dims, keys)
                del times, columns, owner  # (nothing of a piece is held while the next one is read)

    def pieces(self, members: list[StreamedSeries]) -> Iterator[list[InnerSeries]]:
        """``merged_pieces`` split by series: per shard, each member's rows there with their places in the
        shard's merge."""
        for piece in self.merged_pieces(members):
            split = piece.split()
            del piece
            yield split
            del split
