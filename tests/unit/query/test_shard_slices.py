"""Aggregates read and reduced a shard at a time (``aggregate._shard_slices``) must answer exactly as when
every shard's points are read at once: random shards with overlapping TSM files, cache, deletes, ties."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from chronus.query import aggregate
from tests.unit.query.random_node import BASE, SECOND, random_node
from tests.unit.query.test_select_golden import run

QUERIES = [
    "SELECT mean(f), count(g), sum(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time({w})",
    "SELECT max(f), min(g), first(s), last(f) FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY time({w}), host",
    "SELECT max(f), host FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time({w}) ORDER BY time DESC",
    "SELECT median(f), mode(g), spread(f), stddev(f), percentile(f, 90) FROM m WHERE time >= {lo} "
    "AND time < {hi} GROUP BY time({w}), region fill(linear)",
    "SELECT top(f, 3), host FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time({w})",
    "SELECT bottom(g, host, 2) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time({w})",
    "SELECT distinct(g) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time({w}) LIMIT 7 OFFSET 2",
    "SELECT count(distinct(f)), mean(g) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time({w}) "
    "fill(previous) LIMIT 7 OFFSET 2",
    "SELECT mean(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time({w}, 7m), * SLIMIT 3 SOFFSET 1",
]


@pytest.mark.parametrize("seed", range(8))
def test_slices_answer_as_one_read(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    meta, meta_store, store = random_node(tmp_path, seed)
    rng = random.Random(seed * 11 + 3)
    sliced = []
    shard_slices = aggregate._shard_slices

    def counted(*args):
        found = shard_slices(*args)
        sliced.append(found is not None)
        return found

    monkeypatch.setattr(aggregate, "_shard_slices", counted)
    try:
        node = (meta, store, "db")
        for template in QUERIES:
            for _ in range(3):
                lo = BASE + rng.randrange(0, 3600, 10) * SECOND
                q = template.format(lo=lo, hi=lo + rng.randrange(3600, 3 * 3600) * SECOND,
                                    w=rng.choice(["1m", "5m", "20m", "1h"]))
                by_shard = run(node, q, 0)
                with monkeypatch.context() as patched:
                    patched.setattr(aggregate, "_shard_slices", lambda *args: None)
                    at_once = run(node, q, 0)
                assert by_shard == at_once, q
                assert b'"error"' not in by_shard, by_shard[:300]
        assert any(sliced)
    finally:
        store.close()
        meta_store.close()


ADDITIVE = [
    "SELECT mean(f), count(s), sum(g) FROM m WHERE time >= {lo} AND time < {hi}",
    "SELECT mean(f), sum(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY region",
    "SELECT count(f), mean(g) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time(1h, 7m), host "
    "fill(linear)",
    "SELECT sum(f), mean(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time(25m) ORDER BY time DESC "
    "LIMIT 3",
    "SELECT mean(f) FROM /m/ WHERE time >= {lo} AND time < {hi} GROUP BY * SLIMIT 2",
    "SELECT count(g) + sum(f) FROM m WHERE host != 'h1' AND time >= {lo} AND time < {hi}",
    "SELECT max(f), host, s FROM m WHERE time >= {lo} AND time < {hi}",
    "SELECT first(s), last(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY region",
    "SELECT last(s), g FROM m WHERE time >= {lo} AND time < {hi}",
    "SELECT first(f), host FROM m WHERE time >= {lo} AND time < {hi} ORDER BY time DESC",
    "SELECT min(g), max(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time(1h, 7m), host fill(0)",
    "SELECT max(g), region FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time(50m) ORDER BY time DESC",
]


@pytest.mark.parametrize("seed", range(8))
def test_partials_answer_as_points(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """count/sum/mean keep each shard's per-series partials instead of its points (``_Partials``),
    max/min/first/last only the rows they can pick (``_Candidates``)."""
    meta, meta_store, store = random_node(tmp_path, seed)
    rng = random.Random(seed * 13 + 5)
    reduced: list[str] = []
    partials_reducer = aggregate._partials_reducer

    def counted(*args):
        found = partials_reducer(*args)
        reduced.append(type(found).__name__)
        return found

    monkeypatch.setattr(aggregate, "_partials_reducer", counted)
    try:
        node = (meta, store, "db")
        for template in ADDITIVE:
            for _ in range(3):
                lo = BASE + rng.randrange(0, 3600, 10) * SECOND
                q = template.format(lo=lo, hi=lo + rng.randrange(3600, 3 * 3600) * SECOND)
                with_partials = run(node, q, 0)
                with monkeypatch.context() as patched:
                    patched.setattr(aggregate, "_partials_reducer", lambda *args: None)
                    with_points = run(node, q, 0)
                assert with_partials == with_points, q
                assert b'"error"' not in with_partials, with_partials[:300]
        assert {"_Partials", "_Candidates"} <= set(reduced)
    finally:
        store.close()
        meta_store.close()
