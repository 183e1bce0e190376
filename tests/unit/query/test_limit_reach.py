"""A LIMIT reads each series only up to where the merge can reach (``_Reader.limit_bound``): its answers,
ties between series included, must be those of reading every point. Random shards with several TSM files
(overlapping writes), points left in the cache, partly deleted series and a field missing here and there."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from chronus.query import select
from tests.unit.query.random_node import BASE, SECOND, random_node
from tests.unit.query.test_select_golden import run

QUERIES = [
    "SELECT * FROM m LIMIT {n}",
    "SELECT f FROM m LIMIT {n} OFFSET {o}",
    "SELECT * FROM m ORDER BY time DESC LIMIT {n} OFFSET {o}",
    "SELECT f, s FROM m GROUP BY region LIMIT {n}",
    "SELECT g FROM m GROUP BY * ORDER BY time DESC LIMIT {n}",
    "SELECT * FROM m WHERE time >= {lo} AND time < {hi} LIMIT {n}",
]


@pytest.mark.parametrize("seed", range(12))
def test_bounded_reads_answer_as_full_reads(tmp_path: Path, seed: int,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    meta, meta_store, store = random_node(tmp_path, seed)
    rng = random.Random(seed * 7 + 1)
    bounded_sets = []
    limit_bound = select._Reader.limit_bound

    def counted(self, series_list, keep):
        bounds = limit_bound(self, series_list, keep)
        bounded_sets.append(bounds is not None)
        return bounds

    monkeypatch.setattr(select._Reader, "limit_bound", counted)
    try:
        node = (meta, store, "db")
        checked = 0
        for template in QUERIES:
            for _ in range(4):
                lo = BASE + rng.randrange(0, 3 * 3600, 10) * SECOND
                q = template.format(n=rng.choice([1, 3, 10, 40, 200]), o=rng.choice([0, 2, 15]),
                                    lo=lo, hi=lo + rng.randrange(600, 7200) * SECOND)
                bounded = run(node, q, 0)
                with monkeypatch.context() as patched:
                    patched.setattr(select._Reader, "limit_bound", lambda self, series_list, keep: None)
                    full = run(node, q, 0)
                assert bounded == full, q
                checked += bounded.count(b'"values"')
        assert checked > 0  # the queries found points
        assert any(bounded_sets)  # and some were read in bounded ranges
    finally:
        store.close()
        meta_store.close()
