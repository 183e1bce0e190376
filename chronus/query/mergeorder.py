"""Which of several points sharing a key influxd delivers first, and what that does to float partials.

influxd merges the series of a tag set, the tag sets of a shard, the shards and the sources through heaps
(query/iterator.gen.go). Their ``Less`` orders by name, tags (the GROUP BY subset's ID), time (the window
start for aggregates) and, for the sorted merge of raw queries, the auxiliary values while they are
strings; equal keys tie and come out in the order Go's ``container/heap`` happens to leave them
(``_ext.mergeorder`` replays it over integer ranks computed here with numpy, so no Python runs per point).

Raw rows: ``sorted_merge`` (select.py merges each tag set's series, then the shards, then the sources);
first()/last() without GROUP BY time read the same way. Selectors keep the first of exactly tied points:
``arrival_priorities`` says which one influxd's reductions meet first.
Float sums and means: ``combine_partials`` follows the aggregate tree of tsm1's engine: per shard and tag
set, the series' per-window partials are split into ``GOMAXPROCS`` groups (``NewParallelMergeIterator``),
each group window-merged, the groups merged, then reduced; the shards merged and reduced; then every
further call iterator (the statement's, a regex source's) reduces its single point again, which for a mean
means ``mean * count / count``.

influxd stops comparing auxiliary values at the first one that is not a string (a null included) and
calls the points equal, which is no total order: the heap replay compares them exactly so. Known
approximation: the partials of several sources (``FROM a, b``) go through one merge of all their shards,
where influxd merges each source's shards first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from chronus._ext.mergeorder import merge_order, merge_order_until, parallel_groups
from chronus.query.vector import STRING, Column

__all__ = ["Partial", "arrival_priorities", "aux_keys", "combine_partials", "merge_order",
           "merge_order_until", "offsets_of", "parallel_groups", "parallelism", "sorted_merge",
           "sorted_ranks", "string_ranks"]


def offsets_of(lengths: list[int]) -> np.ndarray:
    """Offsets of consecutive inputs of the given lengths (``merge_order``'s second argument)."""
    out = np.zeros(len(lengths) + 1, np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


def sorted_ranks(times: np.ndarray, ascending: bool, groups: np.ndarray | None = None) -> np.ndarray:
    """Ranks reproducing the merge heaps' ``Less`` up to the auxiliary values: group (name and tags, by
    position in ascending order), then time (or window); all reversed under ORDER BY time DESC."""
    t = np.asarray(times, np.int64)
    if groups is None:
        return t.copy() if ascending else -t
    g = np.asarray(groups, np.int64)
    n = len(t)
    if n == 0:
        return np.zeros(0, np.int64)
    order = np.lexsort((t, g))
    change = np.zeros(n, bool)
    change[1:] = (t[order][1:] != t[order][:-1]) | (g[order][1:] != g[order][:-1])
    dense = np.cumsum(change, dtype=np.int64)
    ranks = np.empty(n, np.int64)
    ranks[order] = dense
    return ranks if ascending else dense[-1] - ranks


def aux_keys(columns: list[Column]) -> np.ndarray:
    """Per point, the rank of each leading auxiliary value among its column's strings, -1 where it is no
    string (a null, another type): the sorted merge compares them after the time while both are strings."""
    n = len(columns[0].valid) if columns else 0
    keys = []
    for col in columns:
        valid = np.asarray(col.valid, bool) if col.kind == STRING else np.zeros(n, bool)
        if not valid.any():
            break  # no point gets past this column
        key = np.full(n, -1, np.int64)
        key[valid] = string_ranks(col.values[valid])
        keys.append(key)
    if not keys:
        return np.zeros((n, 0), np.int64)
    return np.ascontiguousarray(np.stack(keys, axis=1))


def string_ranks(values: np.ndarray) -> np.ndarray:
    """Each string's rank among the distinct strings (np.unique's inverse): hashed once each, only the
    distinct ones sorted, which is many times faster than sorting every point's string."""
    codes: dict[str, int] = {}
    found = np.fromiter((codes.setdefault(v, len(codes)) for v in values.tolist()), np.int64, len(values))
    distinct = np.empty(len(codes), object)
    distinct[:] = list(codes)
    rank = np.empty(len(codes), np.int64)
    rank[np.argsort(distinct, kind="stable")] = np.arange(len(codes))
    return rank[found]


def sorted_merge(times: np.ndarray, columns: list[Column], ascending: bool, offsets: np.ndarray,
                 groups: np.ndarray | None = None) -> np.ndarray:
    """The delivery order (indices) of influxd's sorted merge of the inputs at ``offsets``: group, time,
    then the auxiliary values as Go compares them (non-strings make points equal)."""
    ranks = sorted_ranks(times, ascending, groups)
    return merge_order(ranks, offsets, False, aux_keys(columns), not ascending)


def parallelism() -> int:
    """influxd's ``runtime.GOMAXPROCS(0)``: the ``GOMAXPROCS`` environment variable, else the CPUs this
    process may run on. It decides how a tag set's series are split for the parallel merge."""
    try:
        value = int(os.environ.get("GOMAXPROCS", "0"))
    except ValueError:
        value = 0
    if value > 0:
        return value
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass
class Partial:
    """One series' per-window partial (a sum or a mean and its point count), windows in output order.

    ``group`` is the output series (its position in ascending name and tags order), ``shard`` the shard
    (reader) it was read from, ``part`` the shard's tag set it belongs to, ``slot`` its place among the
    ``slots`` series of that tag set (ascending key order)."""

    group: int
    shard: int
    part: int
    slot: int
    slots: int
    windows: np.ndarray
    values: np.ndarray
    counts: np.ndarray
    source: int = 0  # the FROM source (influxd merges each source's shards, then the sources)
    name: str = ""  # the measurement (a regex source merges the shards of each measurement apart)
    outer: int = 1  # call iterators after the shards' merge: the statement's, a regex source's


_Stream = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # groups, windows, values, counts


def _concat_streams(streams: list[_Stream]) -> _Stream:
    return tuple(np.concatenate([s[i] for s in streams]) for i in range(4))  # type: ignore[return-value]


def _window_merge(streams: list[_Stream], ascending: bool) -> _Stream:
    """The window merge iterator over the streams (each in group, then window order): delivery order."""
    if len(streams) == 1:
        return streams[0]
    groups, windows, values, counts = _concat_streams(streams)
    ranks = sorted_ranks(windows, ascending, groups)
    order = merge_order(ranks, offsets_of([len(s[0]) for s in streams]), True)
    return groups[order], windows[order], values[order], counts[order]


def _reduce(stream: _Stream, mean: bool) -> _Stream:
    """A call iterator over a merged stream: per group and window, the values added in arrival order; a mean
    adds ``mean * count`` for partials of two points or more (``FloatMeanReducer``), divides by the total."""
    from chronus._ext.aggregate import segment_sum

    groups, windows, values, counts = stream
    if len(windows) == 0:
        return stream
    change = np.flatnonzero((windows[1:] != windows[:-1]) | (groups[1:] != groups[:-1])) + 1
    starts = np.concatenate(([0], change)).astype(np.int64)
    total = np.add.reduceat(counts, starts)
    if mean:
        weighted = np.ascontiguousarray(np.where(counts >= 2, values * counts, values), np.float64)
        return groups[starts], windows[starts], segment_sum(weighted, starts) / total, total
    sums = segment_sum(np.ascontiguousarray(values, np.float64), starts)
    return groups[starts], windows[starts], sums, total


def _reduce_distinct(stream: _Stream, mean: bool) -> _Stream:
    """``_reduce`` of a stream whose (group, window) pairs are all distinct: each sum adds one value to 0."""
    groups, windows, values, counts = stream
    values = np.asarray(values, np.float64)
    if mean:
        return groups, windows, (np.where(counts >= 2, values * counts, values) + 0.0) / counts, counts
    return groups, windows, values + 0.0, counts


def combine_partials(partials: list[Partial], ascending: bool, mean: bool
                     ) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Float sums or means of every output series as influxd combines its series' partials.

    Per shard's tag set: the series (in reverse under ORDER BY time DESC) split into ``parallelism()``
    groups, each merged by window, the groups merged, the result reduced; per source, the shards' streams
    (their tag sets in output order) merged and reduced (a regex source: per measurement, then once more);
    then the sources merged and reduced (``Partial.outer`` counts that level and a regex source's: a mean
    is multiplied out and divided back even for a single point). Returns per group: windows in output
    order, values and point counts.
    """
    by_part: dict[int, list[Partial]] = {}
    for p in partials:
        by_part.setdefault(p.part, []).append(p)
    by_shard: dict[tuple[int, str, int], list[_Stream]] = {}
    outer_of: dict[tuple[int, str], int] = {}
    procs = parallelism()
    for entries in by_part.values():
        slots = entries[0].slots

        def place(p: Partial, slots: int = slots) -> int:
            return p.slot if ascending else slots - 1 - p.slot

        if len(entries) == 1:  # a tag set of one series: its windows are distinct
            p = entries[0]
            stream = _reduce_distinct((np.full(len(p.windows), p.group, np.int64), p.windows, p.values,
                                       p.counts), mean)
        else:
            placed = sorted(entries, key=place)
            bounds = parallel_groups(slots, procs).tolist()
            merged = []
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
                members = [(np.full(len(p.windows), p.group, np.int64), p.windows, p.values, p.counts)
                           for p in placed if lo <= place(p) < hi]
                if members:
                    merged.append(_window_merge(members, ascending))
            stream = _reduce(_window_merge(merged, ascending), mean)
        first = entries[0]
        by_shard.setdefault((first.source, first.name, first.shard), []).append(stream)
        outer_of[(first.source, first.name)] = first.outer
    by_measurement: dict[tuple[int, str], list[_Stream]] = {}
    for (source, name, _), streams in by_shard.items():
        streams.sort(key=lambda s: int(s[0][0]), reverse=not ascending)
        joined = _concat_streams(streams) if len(streams) > 1 else streams[0]
        by_measurement.setdefault((source, name), []).append(joined)
    by_source: dict[int, list[tuple[str, _Stream]]] = {}
    for (source, name), shard_streams in by_measurement.items():
        result = _reduce(_window_merge(shard_streams, ascending), mean)
        for _ in range(outer_of[(source, name)] - 1):  # a regex source's merge of its measurements
            result = _reduce(result, mean)
        by_source.setdefault(source, []).append((name, result))
    source_streams = []
    for named in by_source.values():
        named.sort(key=lambda item: item[0], reverse=not ascending)
        source_streams.append(_concat_streams([r for _, r in named]) if len(named) > 1 else named[0][1])
    result = _reduce(_window_merge(source_streams, ascending), mean)
    groups, windows, values, counts = result
    out = {}
    change = np.flatnonzero(groups[1:] != groups[:-1]) + 1
    starts = np.concatenate(([0], change)).tolist()
    ends = np.concatenate((change, [len(groups)])).tolist()
    for lo, hi in zip(starts, ends, strict=True):
        out[int(groups[lo])] = (windows[lo:hi], values[lo:hi], counts[lo:hi])
    return out


def _merge_ids(streams: list[tuple[np.ndarray, np.ndarray, np.ndarray]], ascending: bool
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The window merge of streams of (groups, windows, ids): the same three in delivery order."""
    if len(streams) == 1:
        return streams[0]
    groups = np.concatenate([s[0] for s in streams])
    windows = np.concatenate([s[1] for s in streams])
    ids = np.concatenate([s[2] for s in streams])
    offsets = offsets_of([len(s[0]) for s in streams])
    order = merge_order(sorted_ranks(windows, ascending, groups), offsets, True)
    return groups[order], windows[order], ids[order]


def _arrivals(groups: np.ndarray, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A delivered stream's points: place within their (group, window) run, their run; the runs' starts."""
    n = len(windows)
    change = np.zeros(n, bool)
    change[1:] = (windows[1:] != windows[:-1]) | (groups[1:] != groups[:-1])
    if n:
        change[0] = True
    starts = np.flatnonzero(change)
    run = np.cumsum(change) - 1
    return np.arange(n) - starts[run], run, starts


def arrival_priorities(partials: list[Partial], ascending: bool) -> list[np.ndarray]:
    """Per partial and window: the order in which influxd's reductions meet it among the partials of the
    same output series and window (0 first): the shard's place in the merge of the shards, then the series'
    place in its tag set's parallel merge. A selector keeps the first of exactly tied points."""
    base = offsets_of([len(p.windows) for p in partials])
    total = int(base[-1])
    series_arrival = np.zeros(total, np.int64)
    entry_l2 = np.zeros(total, np.int64)
    by_part: dict[int, list[int]] = {}
    for i, p in enumerate(partials):
        by_part.setdefault(p.part, []).append(i)
    l2_groups, l2_windows = [], []
    by_shard: dict[tuple[int, str, int], list[tuple[int, int, int]]] = {}
    next_l2 = 0
    procs = parallelism()
    for indexes in by_part.values():
        first = partials[indexes[0]]
        slots = first.slots

        def place(i: int, slots: int = slots) -> int:
            return partials[i].slot if ascending else slots - 1 - partials[i].slot

        placed = sorted(indexes, key=place)
        bounds = parallel_groups(slots, procs).tolist()
        merged = []
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            members = [(np.full(len(partials[i].windows), first.group, np.int64), partials[i].windows,
                        np.arange(base[i], base[i + 1], dtype=np.int64))
                       for i in placed if lo <= place(i) < hi]
            if members:
                merged.append(_merge_ids(members, ascending))
        groups, windows, ids = _merge_ids(merged, ascending)
        arrival, run, starts = _arrivals(groups, windows)
        series_arrival[ids] = arrival
        entry_l2[ids] = next_l2 + run
        l2_groups.append(groups[starts])
        l2_windows.append(windows[starts])
        by_shard.setdefault((first.source, first.name, first.shard), []).append(
            (first.group, next_l2, next_l2 + len(starts)))
        next_l2 += len(starts)
    # the shards of each source's measurement merged (their tag sets in output order), then the sources
    shard_arrival = np.zeros(next_l2, np.int64)
    source_arrival = np.zeros(next_l2, np.int64)
    all_groups = np.concatenate(l2_groups) if l2_groups else np.zeros(0, np.int64)
    all_windows = np.concatenate(l2_windows) if l2_windows else np.zeros(0, np.int64)
    by_measurement: dict[tuple[int, str], list[np.ndarray]] = {}
    for (source, name, _), ranges in by_shard.items():
        ranges.sort(key=lambda r: r[0], reverse=not ascending)
        ids = np.concatenate([np.arange(lo, hi, dtype=np.int64) for _, lo, hi in ranges])
        by_measurement.setdefault((source, name), []).append(ids)
    by_source: dict[int, list[tuple[str, np.ndarray]]] = {}
    represent = np.arange(next_l2, dtype=np.int64)
    for (source, name), shard_ids in by_measurement.items():
        groups, windows, ids = _merge_ids([(all_groups[i], all_windows[i], i) for i in shard_ids], ascending)
        arrival, run, starts = _arrivals(groups, windows)
        shard_arrival[ids] = arrival
        # one point per (group, window) goes on, reduced: the run's first entry stands for it
        represent[ids] = ids[starts][run]
        by_source.setdefault(source, []).append((name, ids[starts]))
    if len(by_source) > 1:
        streams = []
        for named in by_source.values():
            named.sort(key=lambda item: item[0], reverse=not ascending)
            ids = np.concatenate([i for _, i in named])
            streams.append((all_groups[ids], all_windows[ids], ids))
        groups, windows, ids = _merge_ids(streams, ascending)
        source_arrival[ids] = _arrivals(groups, windows)[0]
    scale = max((p.slots for p in partials), default=0) + 1
    shards = len(by_shard) + 1
    met = source_arrival[represent[entry_l2]] * shards + shard_arrival[entry_l2]
    priority = met * scale + series_arrival
    return [priority[base[i]:base[i + 1]] for i in range(len(partials))]


def run_places(keys: np.ndarray) -> np.ndarray:
    """Each element's 0-based place in its run of equal consecutive ``keys``: the count influxd's limit
    iterators keep, restarting whenever the series (or the time) changes."""
    n = len(keys)
    if not n:
        return np.zeros(0, np.int64)
    idx = np.arange(n)
    first = np.ones(n, bool)
    first[1:] = keys[1:] != keys[:-1]
    return idx - np.maximum.accumulate(np.where(first, idx, 0))
