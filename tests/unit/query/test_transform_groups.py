"""Transforms of raw fields read and answered one output series at a time (``aggregate._group_at_a_time``)
must answer exactly as when every series is read at once: random shards with overlapping TSM files, cache,
deletes, ties."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from chronus.query import aggregate
from tests.unit.query.random_node import BASE, SECOND, random_node
from tests.unit.query.test_select_golden import run

QUERIES = [
    "SELECT derivative(f, 1m) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY host",
    "SELECT difference(g), non_negative_difference(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY *",
    "SELECT moving_average(f, 3), cumulative_sum(g) FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY region ORDER BY time DESC LIMIT 5 OFFSET 2",
    "SELECT elapsed(s, 10s) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY host SLIMIT 3 SOFFSET 1",
    "SELECT non_negative_derivative(f) * 2 FROM /m/ WHERE host != 'h2' AND time >= {lo} AND time < {hi}",
    "SELECT cumulative_sum(f), exponential_moving_average(g, 2) FROM m WHERE f > 1 AND time >= {lo} "
    "AND time < {hi} GROUP BY host tz('Europe/Paris')",
]


@pytest.mark.parametrize("seed", range(4))
def test_group_at_a_time_answers_as_one_read(tmp_path: Path, seed: int,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    meta, meta_store, store = random_node(tmp_path, seed)
    rng = random.Random(seed * 13 + 5)
    taken: list[bool] = []
    original = aggregate._group_at_a_time

    def counted(*args):
        found = original(*args)
        taken.append(found)
        return found

    monkeypatch.setattr(aggregate, "_group_at_a_time", counted)
    try:
        node = (meta, store, "db")
        for template in QUERIES:
            lo = BASE + rng.randrange(-600, 3600, 10) * SECOND
            q = template.format(lo=lo, hi=lo + rng.randrange(1800, 4 * 3600) * SECOND)
            for chunk_size in (0, 3):
                by_group = run(node, q, chunk_size)
                with monkeypatch.context() as patched:
                    patched.setattr(aggregate, "_group_at_a_time", lambda *args: False)
                    whole = run(node, q, chunk_size)
                assert by_group == whole, (q, chunk_size)
                assert b'"error"' not in by_group and b'"values"' in by_group, by_group[:300]
    finally:
        store.close()
        meta_store.close()
    assert taken == [True] * len(QUERIES) * 2
