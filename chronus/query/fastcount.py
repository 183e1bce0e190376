"""``count(field)``, answered from the TSM index and block headers (and block timestamps for GROUP BY time).

``SELECT count(a), count(b) FROM m [GROUP BY tags]`` (also ``count(*)``) with no condition but the time range
needs no value: a series' count is how many points its field has in the range. ``Shard.count`` gives that for
every series of a shard in one call (block headers for whole blocks, decoded times only for blocks the range
cuts, a real read only where files overlap or the cache holds the key), instead of reading, aligning and
reducing every series. With GROUP BY time, ``Shard.times`` gives every series' times (timestamps decoded,
values never) and the points are counted per window over all series at once. The result is what the general
path (``aggregate._additive``) computes: per output series and call, the sum over its series per window,
only the windows holding points (the caller fills), at the query's start time without GROUP BY time.

``count_groups`` says None whenever the statement is anything else (raw fields beside the calls, conditions,
DISTINCT, nested calls, subqueries, a point limit to watch, a call argument that is not a
field in some shard), and the caller takes the general path.
"""

from __future__ import annotations

import numpy as np

from chronus.influxql import ast
from chronus.query.vector import INTEGER, Column
from chronus.tsdb.fields import FieldType

DT = ast.DataType


def count_groups(plan, sources: list, calls: list, aux_refs: list, windows, ctx) -> dict | None:
    """``(name, tags id) -> (name, tags, {call symbol: [(window starts, counts), ...]})`` over every output
    series (a part per shard and tag set), or None when the statement does not qualify (see the module
    doc)."""
    from chronus.query.select import _FIELD_TYPES, _NUMERIC, _Source, readers

    if (aux_refs or plan.condition is not None or plan.tag_set_dims is not None
            or getattr(ctx, "max_select_point", 1) or not calls
            or not all(isinstance(source, _Source) for source in sources)):
        return None
    for c in calls:
        if c.name != "count" or c.distinct or c.inner is not None or not isinstance(c.arg, ast.VarRef):
            return None
        if c.arg.type == DT.Tag:
            return None
    found = list(readers(plan, sources))
    # which field of each shard each call counts (None: no cursor, nothing counted)
    fields: list[list[str | None]] = []
    for _, reader in found:
        per_call: list[str | None] = []
        for c in calls:
            ref = c.arg
            stored = reader.fields.get(ref.val)
            if stored is None:
                if ref.type == DT.Unknown:
                    return None  # read as a tag by the general path
                per_call.append(None)
                continue
            stored_type = _FIELD_TYPES[FieldType(stored)]
            if (ref.type not in (DT.Unknown, DT.AnyField, DT.Tag) and ref.type != stored_type
                    and not (ref.type in _NUMERIC and stored_type in _NUMERIC)):
                per_call.append(None)
                continue
            per_call.append(ref.val)
        fields.append(per_call)
    dims = sorted(plan.dimensions)
    groups: dict[tuple, tuple[str, dict, dict[str, list]]] = {}
    for (name, reader), per_call in zip(found, fields, strict=True):
        tag_sets = reader.tag_sets()
        if not tag_sets:
            continue
        plan.task.check()
        # every series of the measurement in this shard, counted per field in one call
        series_keys = [series.key for _, series_list in tag_sets for series in series_list]
        bounds = np.cumsum([0] + [len(series_list) for _, series_list in tag_sets])
        partials = [_partials(reader.shard, series_keys, bounds, field_name, plan, windows)
                    for field_name in per_call]
        for i, (key, _) in enumerate(tag_sets):
            tags_id = "\x00".join(dims) + "\x00" + "\x00".join(key) if dims else ""
            entry = groups.get((name, tags_id))
            if entry is None:
                entry = groups[(name, tags_id)] = (name, dict(zip(dims, key, strict=True)), {})
            for c, parts in zip(calls, partials, strict=True):
                if parts is not None and len(parts[i][0]):
                    entry[2].setdefault(c.symbol, []).append(parts[i])
    # a group whose series hold no point of any counted field is not an output series
    return {key: entry for key, entry in groups.items() if entry[2]}


def _partials(shard, series_keys: list[str], bounds: np.ndarray, field_name: str | None, plan, windows
              ) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Per tag set of one shard: (window starts, counts) of the windows holding points of the field."""
    if field_name is None:
        return None
    if not windows.interval:
        counts = shard.count(series_keys, field_name, plan.tmin, plan.tmax)
        sums = np.add.reduceat(counts, bounds[:-1]) if len(counts) else counts
        start = np.array([windows.start], dtype=np.int64)
        return [(start, sums[i:i + 1]) if sums[i] else (start[:0], sums[:0]) for i in range(len(sums))]
    times, point_bounds = shard.times(series_keys, field_name, plan.tmin, plan.tmax)
    starts = windows.starts(times)
    out = []
    for lo, hi in zip(point_bounds[bounds[:-1]].tolist(), point_bounds[bounds[1:]].tolist(), strict=True):
        wins, counts = np.unique(starts[lo:hi], return_counts=True)
        out.append((wins, counts.astype(np.int64)))
    return out


def counted(partials: dict[str, list], symbol: str, windows) -> tuple[np.ndarray, Column] | None:
    """One call's counts for one output series: (output times, column) of the windows holding points,
    ascending, or None when there are none."""
    parts = partials.get(symbol)
    if not parts:
        return None
    if len(parts) == 1:  # one shard's tag set: its windows are already unique and ascending
        wins, counts = parts[0]
        return windows.output_time(wins), Column(INTEGER, counts, np.ones(len(wins), dtype=bool))
    wins, inverse = np.unique(np.concatenate([w for w, _ in parts]), return_inverse=True)
    totals = np.bincount(inverse, weights=np.concatenate([c for _, c in parts]), minlength=len(wins))
    return windows.output_time(wins), Column(INTEGER, totals.astype(np.int64), np.ones(len(wins), dtype=bool))
