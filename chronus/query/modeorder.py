"""The order in which influxd's reducers (``mode()`` first) receive their points, and the mode it then picks.

``mode()`` is not pushed down to the shards: influxd reads the raw points of its argument through its
sorted merge iterators (the top-level iterator options always ask for ordered output: a tag set's series
in each shard, the tag sets of a shard, then the shards, one input passing straight through; ordered by
name and tags, then time, ties left where ``container/heap`` leaves them) and its reduce iterator hands
every window's points to ``*ModeReduceSlice`` in delivery order. That sorts them with Go's unstable
``sort.Sort`` and breaks ties between equally frequent values by where their points end up, so the delivery
order and Go's exact sort (``chronus._ext.gosort``) both decide the answer. The heap replay is
``_ext.mergeorder``'s.

The same replay gives the other reducers that see a window's points in delivery order their input:
``stddev`` (its running mean and sum of squares round by that order), ``integral``, ``percentile`` (Go's
sort again, which decides the point it picks among equal values) and top/bottom/sample. Statements over
shards are replayed in both directions (``None`` otherwise: the caller keeps its time order).
"""

from __future__ import annotations

import numpy as np

from chronus._ext import gosort
from chronus.query.mergeorder import aux_keys as mergeorder_aux_keys
from chronus.query.mergeorder import merge_order, offsets_of
from chronus.query.reduce import segments
from chronus.query.vector import BOOLEAN, STRING, Column
from chronus.query.window import Windows


def delivered(groups: dict, column: int, ascending: bool, windows: Windows | None = None) -> dict | None:
    """Per output group key: (times, values) of the argument's non-null points in delivery order (newest
    first under ORDER BY time DESC), or None where the replay does not apply. ``groups`` is
    ``aggregate._read_groups``' result; ``windows``: see ``delivered_rows``."""
    found = delivered_rows(groups, column, ascending, windows=windows)
    if found is None:
        return None
    out: dict = {}
    for key, (which, rows) in found.items():
        chunks = groups[key][2]
        at = positions_in(chunks, which, rows)
        out[key] = (np.concatenate([pts.times for pts in chunks])[at], picked_values(chunks, column, at))
    return out


def positions_in(chunks: list, which: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Where each (chunk, row) sits in the chunks' points one after the other: the points are then
    picked in delivery order at once (ties interleave the chunks point by point, so no run-by-run
    copying)."""
    return offsets_of([len(pts.times) for pts in chunks])[which] + rows


def picked_values(chunks: list, column: int, at: np.ndarray) -> np.ndarray:
    """The column's values at ``positions_in`` positions (objects when the chunks' types differ)."""
    columns = [pts.columns[column].values for pts in chunks]
    if len({v.dtype for v in columns}) > 1:
        columns = [v.astype(object) for v in columns]
    return np.concatenate(columns)[at]


def delivered_rows(groups: dict, column: int, ascending: bool, aux: list[int] | None = None,
                   windows: Windows | None = None) -> dict | None:
    """Per output group key: where each of the argument's non-null points sits, in delivery order: its
    chunk (position in the group's list of points) and row. ``aux``: the columns of the points'
    auxiliary values, which the sorted merges compare after the time while they are strings. None where
    the replay does not apply. Under ORDER BY time DESC every input runs newest first, a tag set's series
    and a shard's tag sets in reverse key order, and the heaps order names, tags and times backwards, as in
    the raw path (``select._read_sets``). The sources' streams meet in influxd's (unordered) merge
    iterator, which orders by name and tags, then window (``windows``: the reducer's GROUP BY time
    windows; none for a transform of raw fields), and lets one input hand over all its points of a window
    before another's."""
    keys = sorted(groups)
    if any(pts.shard < 0 for key in keys for pts in groups[key][2]):
        return _subquery_rows(groups, column, ascending)
    entries = []  # (shard, part, slot, group rank, times, chunk, rows)
    for g, key in enumerate(keys):
        for c, pts in enumerate(groups[key][2]):
            col = pts.columns[column]
            if col.kind is None:
                continue
            rows = np.flatnonzero(col.valid)
            if not ascending:
                rows = rows[::-1]
            if len(rows):
                entries.append((pts.shard, pts.part, pts.slot, g, pts.times[rows], c, rows, pts.source))
    if not entries:
        return {}
    if ascending:
        entries.sort(key=lambda e: (e[0], e[1], e[2]))
    else:
        entries.sort(key=lambda e: (e[0], -e[1], -e[2]))
    lengths = [len(e[4]) for e in entries]
    times = np.concatenate([e[4] for e in entries]).astype(np.int64)
    group = np.repeat(np.asarray([e[3] for e in entries], np.int64), lengths)
    chunk = np.repeat(np.asarray([e[5] for e in entries], np.int64), lengths)
    row = np.concatenate([e[6] for e in entries]).astype(np.int64)
    aux_keys = None
    if aux:
        columns = [Column.concat([groups[keys[e[3]]][2][e[5]].columns[i].take(e[6]) for e in entries])
                   for i in aux]
        aux_keys = mergeorder_aux_keys(columns)
        if aux_keys.shape[1] == 0:
            aux_keys = None
    rank = _pair_rank(group, times)  # the sorted merge heaps' Less: name and tags, then time
    if not ascending:
        rank = rank.max() - rank
    starts = offsets_of(lengths).tolist()
    # a tag set's series in each shard, then the tag sets of a shard, then each source's shards, then the
    # sources
    streams = [((e[7], e[0], e[1]), np.arange(starts[k], starts[k + 1], dtype=np.int64))
               for k, e in enumerate(entries)]
    back = not ascending
    streams = _merge_by(streams, rank, aux_keys, back)
    streams = _merge_by([(key[:2], idx) for key, idx in streams], rank, aux_keys, back)
    streams = _merge_by([(key[:1], idx) for key, idx in streams], rank, aux_keys, back)
    window_rank = group  # the merge iterator's heap: name and tags, then window
    if windows is not None and windows.interval:
        window_rank = _pair_rank(group, windows.starts(times))
    if not ascending:
        window_rank = window_rank.max() - window_rank
    stream = _merge_by([((), idx) for _, idx in streams], window_rank, None, back,
                       window=True)[0][1]
    out: dict = {}
    g_of = group[stream]
    for g in np.unique(g_of).tolist():
        idx = stream[g_of == g]
        out[keys[g]] = (chunk[idx], row[idx])
    return out


def _subquery_rows(groups: dict, column: int, ascending: bool) -> dict | None:
    """``delivered_rows`` over a subquery: each group is one stream of rows kept in the order the
    subquery's merge hands them on (``SubqueryReader.read_series``, in ascending form), so that is their
    delivery order (backwards under ORDER BY time DESC). None when a group holds several streams (several
    sources), filled runs or a shard's points."""
    out: dict = {}
    for key, (_, _, chunks) in groups.items():
        if len(chunks) != 1 or chunks[0].shard >= 0 or chunks[0].stream:
            return None
        col = chunks[0].columns[column]
        if col.kind is None:
            continue
        rows = np.flatnonzero(col.valid)
        if len(rows):
            out[key] = (np.zeros(len(rows), np.int64), rows if ascending else rows[::-1])
    return out


def _pair_rank(major: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """One integer per point ordering the points by (major, minor), equal pairs equal."""
    order = np.lexsort((minor, major))
    change = np.ones(len(order), bool)
    change[1:] = (major[order][1:] != major[order][:-1]) | (minor[order][1:] != minor[order][:-1])
    rank = np.empty(len(order), np.int64)
    rank[order] = np.cumsum(change) - 1
    return rank


def _merge_by(streams: list[tuple], rank: np.ndarray, aux: np.ndarray | None = None,
              descending: bool = False, window: bool = False) -> list[tuple]:
    """Consecutive streams with the same key merged as influxd's sorted merge iterator merges its inputs
    (a single input passes through); ``aux``: per point the auxiliary values' ranks (``aux_keys``);
    ``window``: as its merge iterator does instead (an input keeps the turn while its rank stays)."""
    out: list[tuple] = []
    i = 0
    while i < len(streams):
        j = i
        while j < len(streams) and streams[j][0] == streams[i][0]:
            j += 1
        members = [idx for _, idx in streams[i:j]]
        if len(members) == 1:
            out.append((streams[i][0], members[0]))
        else:
            joined = np.concatenate(members)
            offsets = offsets_of([len(m) for m in members])
            order = merge_order(np.ascontiguousarray(rank[joined]), offsets, window,
                                None if aux is None else np.ascontiguousarray(aux[joined]), descending)
            out.append((streams[i][0], joined[order]))
        i = j
    return out


def percentile_rows(win: np.ndarray, values: np.ndarray, pct: float) -> np.ndarray:
    """Row ``percentile`` picks in every window (windows contiguous, points in delivery order): influxd
    sorts a window's points by value with Go's ``sort.Sort`` and takes the one at the percentile's index,
    so among equal values the sort's own moves decide which point (its time, its auxiliary values)."""
    starts, lengths = segments(win)
    picks = np.floor(lengths * pct / 100.0 + 0.5).astype(np.int64) - 1
    rows = []
    for start, length, pick in zip(starts.tolist(), lengths.tolist(), picks.tolist(), strict=True):
        if 0 <= pick < length:
            window = np.ascontiguousarray(values[start:start + length])
            rows.append(start + int(gosort.sort_order(window)[pick]))
    return np.asarray(rows, np.int64)


def mode_rows(win: np.ndarray, values: np.ndarray, times: np.ndarray, kind: str) -> np.ndarray:
    """Row of every window's mode, the points of each window in delivery order (windows contiguous)."""
    if kind == BOOLEAN:
        raise ValueError("boolean mode does not sort")
    n = len(win)
    if n == 0:
        return np.zeros(0, np.int64)
    starts = np.flatnonzero(np.concatenate(([True], win[1:] != win[:-1]))).astype(np.int64)
    if kind == STRING:
        _, inverse = np.unique(values.astype(str), return_inverse=True)
        keys = inverse.astype(np.int64)
    else:
        keys = values
    return gosort.mode_rows(np.ascontiguousarray(keys), np.ascontiguousarray(times, np.int64), starts)
