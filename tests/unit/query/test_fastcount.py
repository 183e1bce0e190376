"""count() answered from the TSM index (``query/fastcount.py``) gives byte for byte the general path's answer.

The data is spread the ways that make counting from headers wrong if done naively: keys in several files
(disjoint and overlapping in time), keys in the cache and in files, deleted ranges, a field of two types in
two shards, ranges that cut blocks.
"""

from __future__ import annotations

import json

import pytest

from chronus.cluster.points_writer import PointsWriter
from chronus.http.response import JSONFormatter
from chronus.influxql import parse_query
from chronus.query import aggregate
from chronus.query.data import DataStatements
from chronus.query.executor import ExecutionOptions, QueryExecutor
from chronus.query.statement_executor import StatementExecutor
from chronus.tsdb.store import Store
from tests.unit.query.golden_node import NOW, loaded_node

H = 3_600  # seconds


def _lines(first: int, count: int, hosts: int, step: int = 10, extra: str = "") -> list[str]:
    return [f"cpu,host=h{n % hosts},region=r{n % 2} a={n}.5,b={n}i{extra} {first + (n // hosts) * step}"
            for n in range(count)]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("fastcount")
    dataset = root / "dataset.json"
    dataset.write_text(json.dumps({"db": "d", "setup": ["CREATE DATABASE d"], "writes": [
        {"rp": "", "body": _lines(0, 3000, 5)},  # shard of [0, 7d): 600 points per host
    ]}))
    for meta, store, db in loaded_node(root / "node", dataset):
        executor = QueryExecutor(StatementExecutor(meta, DataStatements(meta, store, clock=lambda: NOW)))

        writer = PointsWriter(meta, store, clock=lambda: NOW)

        def write(lines: list[str], writer: PointsWriter = writer, db: str = db) -> None:
            writer.write_lines(db, "", "one", "\n".join(lines).encode(), "s")

        def snapshot(store: Store = store) -> None:
            for shard in store.shards():
                shard.snapshot()

        snapshot()
        write(_lines(100_000, 500, 5))  # a second file, disjoint in time
        snapshot()
        write(_lines(5_000, 200, 5, step=7))  # a third file overlapping the first
        snapshot()
        write(_lines(200_000, 50, 5, extra=",c=true"))  # in the cache only (c) and cache + files (a, b)
        write([f"cpu,host=h9 a=1 {8 * 24 * H + n}" for n in range(20)])  # another shard
        write([f"cpu,host=h9 b=\"s\" {8 * 24 * H + n}" for n in range(5)])  # b is a string there
        write([f"mem,host=h1 free={n}i {n}" for n in range(10)])
        delete = "DELETE FROM cpu WHERE host = 'h3' AND time >= 1000s AND time <= 2000s"
        list(executor.execute(parse_query(delete), ExecutionOptions(database="d")))
        yield executor, store


QUERIES = [
    "SELECT count(*) FROM cpu",
    "SELECT count(a) FROM cpu",
    "SELECT count(b), count(c) FROM cpu",
    "SELECT count(*) FROM cpu GROUP BY host",
    "SELECT count(a) FROM cpu GROUP BY region, host",
    "SELECT count(*) FROM cpu, mem",
    "SELECT count(a) FROM cpu WHERE time >= 95s AND time <= 5002s",
    "SELECT count(a) FROM cpu WHERE time > 6000s GROUP BY *",
    "SELECT count(*) FROM cpu WHERE time >= 7d",
    "SELECT count(b::integer), count(a::float) FROM cpu",
    "SELECT count(a) * 2, count(b) FROM cpu GROUP BY host SLIMIT 2 SOFFSET 1",
    "SELECT count(a) FROM cpu GROUP BY host ORDER BY time DESC LIMIT 1 OFFSET 0",
    "SELECT count(nope) FROM cpu",
    "SELECT count(a) FROM cpu WHERE time > 900000s",
    "SELECT count(*) FROM cpu WHERE time >= 0s AND time < 8d GROUP BY time(1h)",
    "SELECT count(a), count(c) FROM cpu WHERE time >= 90s AND time <= 200500s "
    "GROUP BY time(10m), host fill(0)",
    "SELECT count(b) FROM cpu WHERE time >= 0s AND time < 9d GROUP BY time(1d, 5h) ORDER BY time DESC",
    "SELECT count(a) FROM cpu WHERE time >= 1000s AND time < 3000s GROUP BY time(7m) fill(none) LIMIT 3",
    "SELECT count(a) FROM cpu WHERE time >= 0s AND time < 6000s GROUP BY time(1h) tz('Europe/Paris')",
]


def _run(executor: QueryExecutor, q: str) -> str:
    results = list(executor.execute(parse_query(q), ExecutionOptions(database="d")))
    return JSONFormatter().format(results).decode()


@pytest.mark.parametrize("q", QUERIES)
def test_fast_count_equals_general_path(node, q: str, monkeypatch: pytest.MonkeyPatch) -> None:
    executor, _ = node
    fast = _run(executor, q)
    monkeypatch.setattr(aggregate, "count_groups", lambda *args, **kwargs: None)
    assert fast == _run(executor, q)


def test_fast_count_is_taken_and_exact(node, monkeypatch: pytest.MonkeyPatch) -> None:
    executor, _ = node
    taken = []
    real = aggregate.count_groups

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        taken.append(out is not None)
        return out

    monkeypatch.setattr(aggregate, "count_groups", spy)
    body = _run(executor, "SELECT count(c) FROM cpu")
    assert taken == [True]
    assert body == ('{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","count"],'
                    '"values":[["1970-01-01T00:00:00Z",50]]}]}]}\n')
    _run(executor, "SELECT count(a) FROM cpu WHERE time >= 0s AND time < 8d GROUP BY time(1h)")
    _run(executor, "SELECT count(a) FROM cpu WHERE host = 'h1'")
    _run(executor, "SELECT count(a), max(a) FROM cpu")
    assert taken == [True, True, False, False]


def test_shard_count_equals_read_lengths(node) -> None:
    _, store = node
    shard = min(store.shards(), key=lambda s: s.id)
    keys = sorted(s.key for s in shard.index.measurement_series("cpu"))
    for field in ("a", "b", "c"):
        for tmin, tmax in ((-(2**63), 2**63 - 1), (0, 10**12), (95 * 10**9, 5002 * 10**9),
                           (10**9, 2 * 10**9)):
            expected = []
            for key in keys:
                values = shard.read(key, field, tmin, tmax)
                expected.append(0 if values is None else len(values))
            assert shard.count(keys, field, tmin, tmax).tolist() == expected
