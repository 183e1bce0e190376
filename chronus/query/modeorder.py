"""The order in which influxd's ``mode()`` reducer receives its points, and the mode it then picks.

``mode()`` is not pushed down to the shards: influxd reads the raw points of its argument through its
sorted merge iterators (the top-level iterator options always ask for ordered output: a tag set's series
in each shard, the tag sets of a shard, then the shards, one input passing straight through; ordered by
name and tags, then time, ties left where ``container/heap`` leaves them) and its reduce iterator hands
every window's points to ``*ModeReduceSlice`` in delivery order. That sorts them with Go's unstable
``sort.Sort`` and breaks ties between equally frequent values by where their points end up, so the delivery
order and Go's exact sort (``chronus._ext.gosort``) both decide the answer. The heap replay is
``_ext.mergeorder``'s.

Only ascending statements over shards are replayed (``None`` otherwise: the caller keeps its time order).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chronus._ext import gosort
from chronus.query.mergeorder import merge_order, offsets_of
from chronus.query.vector import BOOLEAN, STRING


def delivered(groups: dict, column: int, ascending: bool) -> dict | None:
    """Per output group key: (times, values) of the argument's non-null points in delivery order, or
    None where the replay does not apply. ``groups`` is ``aggregate._read_groups``' result."""
    if not ascending:
        return None
    keys = sorted(groups)
    entries = []  # (shard, part, slot, group rank, times, values)
    for g, key in enumerate(keys):
        for pts in groups[key][2]:
            if pts.shard < 0:
                return None
            col = pts.columns[column]
            if col.kind is None:
                continue
            mask = col.valid.astype(bool)
            if mask.any():
                entries.append((pts.shard, pts.part, pts.slot, g, pts.times[mask], col.values[mask]))
    if not entries:
        return {}
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    lengths = [len(e[4]) for e in entries]
    times = np.concatenate([e[4] for e in entries]).astype(np.int64)
    values = np.concatenate([e[5] for e in entries])
    group = np.repeat(np.asarray([e[3] for e in entries], np.int64), lengths)
    # one integer per (name and tags, time): the sorted merge heaps' Less
    order = np.lexsort((times, group))
    change = np.ones(len(order), bool)
    change[1:] = (group[order][1:] != group[order][:-1]) | (times[order][1:] != times[order][:-1])
    rank = np.empty(len(order), np.int64)
    rank[order] = np.cumsum(change) - 1
    starts = offsets_of(lengths).tolist()
    # a tag set's series in each shard, then the tag sets of a shard, then the shards
    streams = [((e[0], e[1]), np.arange(starts[k], starts[k + 1], dtype=np.int64))
               for k, e in enumerate(entries)]
    streams = _merge_by(streams, rank, lambda key: key)
    streams = _merge_by([((key[0],), idx) for key, idx in streams], rank, lambda key: key)
    stream = _merge_by([((), idx) for _, idx in streams], rank, lambda key: key)[0][1]
    out: dict = {}
    g_of = group[stream]
    for g in np.unique(g_of).tolist():
        idx = stream[g_of == g]
        out[keys[g]] = (times[idx], values[idx])
    return out


def _merge_by(streams: list[tuple], rank: np.ndarray, key: Callable) -> list[tuple]:
    """Consecutive streams with the same key merged as influxd's sorted merge iterator merges its inputs
    (a single input passes through)."""
    out: list[tuple] = []
    i = 0
    while i < len(streams):
        j = i
        while j < len(streams) and key(streams[j][0]) == key(streams[i][0]):
            j += 1
        members = [idx for _, idx in streams[i:j]]
        if len(members) == 1:
            out.append((streams[i][0], members[0]))
        else:
            joined = np.concatenate(members)
            offsets = offsets_of([len(m) for m in members])
            order = merge_order(np.ascontiguousarray(rank[joined]), offsets, False)
            out.append((streams[i][0], joined[order]))
        i = j
    return out


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
