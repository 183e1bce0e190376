"""A LIMIT reads each series only up to where the merge can reach (``_Reader.limit_bound``): its answers,
ties between series included, must be those of reading every point. Random shards with several TSM files
(overlapping writes), points left in the cache, partly deleted series and a field missing here and there."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from chronus.cluster.points_writer import PointsWriter
from chronus.influxql import parse_query
from chronus.meta import statements as meta_statements
from chronus.meta.client import MetaClient
from chronus.meta.store import LocalMetaStore
from chronus.query import select
from chronus.tsdb.store import Store
from tests.unit.query.golden_node import NOW
from tests.unit.query.test_select_golden import run

SECOND = 1_000_000_000
BASE = 1_500_000_000 * SECOND


def _lines(rng: random.Random, count: int) -> list[str]:
    lines = []
    for _ in range(count):
        host = rng.randrange(6)
        fields = [f"f={rng.randrange(5)}"]  # few values: many exact ties
        if rng.random() < 0.7:
            fields.append(f"g={rng.randrange(3)}i")
        if rng.random() < 0.3:
            fields.append(f's="{rng.choice("ab")}"')
        t = BASE // SECOND + rng.randrange(0, 3 * 3600, 10)  # three 1h shards, times shared by series
        lines.append(f"m,host=h{host},region=r{host % 2} {','.join(fields)} {t}")
    return lines


def _node(root: Path, seed: int):
    rng = random.Random(seed)
    meta_store = LocalMetaStore(root / "meta")
    meta_store.open()
    meta = MetaClient(meta_store, clock=lambda: NOW)
    store = Store(str(root / "data"), str(root / "wal"))
    store.open()
    writer = PointsWriter(meta, store, clock=lambda: NOW)
    meta_statements.execute(parse_query("CREATE DATABASE db WITH SHARD DURATION 1h").statements[0], meta)
    for _ in range(rng.randrange(2, 5)):  # each round a TSM file per shard; overwrites overlap earlier ones
        writer.write_lines("db", "autogen", "one", "\n".join(_lines(rng, 400)).encode(), "s")
        for shard in store.shards():
            shard.snapshot()
    if rng.random() < 0.7:
        hosts = [f"m,host=h{k},region=r{k % 2}".encode() for k in rng.sample(range(6), 2)]
        lo = BASE + rng.randrange(0, 3 * 3600, 10) * SECOND
        for shard in store.shards():
            shard.delete_series_range(hosts, lo, lo + rng.randrange(60, 3600) * SECOND)
    writer.write_lines("db", "autogen", "one", "\n".join(_lines(rng, 60)).encode(), "s")  # stays cached
    return meta, meta_store, store


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
    meta, meta_store, store = _node(tmp_path, seed)
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
