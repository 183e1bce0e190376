"""Series read together (``Shard.read_many``, ``edge_times_many``, ``_Reader.read_many``) give exactly what
reading them one by one gives, over the shards of ``test_fastcount`` (several files, overlaps, the cache,
deleted ranges, a field of two types)."""

from __future__ import annotations

import numpy as np
import pytest

from chronus.query import select
from tests.unit.query.test_fastcount import _run, node  # noqa: F401 - the shared fixture

RANGES = [(-(2**63), 2**63 - 1), (0, 10**12), (95 * 10**9, 5002 * 10**9), (10**9, 2 * 10**9),
          (1500 * 10**9, 1500 * 10**9), (200_000 * 10**9, 200_030 * 10**9)]


def test_shard_read_many_equals_reads_one_by_one(node) -> None:  # noqa: F811
    _, store = node
    for shard in store.shards():
        keys = sorted(s.key for s in shard.index.measurement_series("cpu"))
        for field in ("a", "b", "c", "nope"):
            for tmin, tmax in RANGES:
                many = shard.read_many(keys, field, np.full(len(keys), tmin, np.int64),
                                       np.full(len(keys), tmax, np.int64))
                assert many == [shard.read(key, field, tmin, tmax) for key in keys]
            # each series over a range of its own
            tmins = np.array([i * 700 * 10**9 for i in range(len(keys))], np.int64)
            tmaxs = tmins + 150_000 * 10**9
            many = shard.read_many(keys, field, tmins, tmaxs)
            assert many == [shard.read(k, field, int(a), int(b)) for k, a, b in zip(keys, tmins, tmaxs,
                                                                                     strict=True)]


def test_edge_times_many_equals_one_by_one(node) -> None:  # noqa: F811
    _, store = node
    for shard in store.shards():
        keys = sorted(s.key for s in shard.index.measurement_series("cpu"))
        for field in ("a", "b", "c"):
            for tmin, tmax in RANGES:
                for first in (True, False):
                    for wanted in (0, 2):
                        many = shard.edge_times_many(keys, field, tmin, tmax, first, wanted)
                        one = [shard.edge_times(k, field, tmin, tmax, first, wanted) for k in keys]
                        assert [m.tolist() for m in many] == [o.tolist() for o in one]


AGGREGATES = [
    "SELECT first(a), last(a) FROM cpu",
    "SELECT last(a) FROM cpu GROUP BY host",
    "SELECT first(b) FROM cpu WHERE time >= 95s AND time <= 5002s GROUP BY *",
    "SELECT last(b) FROM cpu",
    "SELECT max(a), min(a), mean(a), sum(b) FROM cpu GROUP BY region",
    "SELECT mean(a) FROM cpu WHERE time >= 0s AND time < 3h GROUP BY time(20m), host fill(none)",
    "SELECT last(a) FROM cpu WHERE a > 100 GROUP BY host",
    "SELECT last(a) FROM cpu WHERE host = 'h1' OR a < 10",
    "SELECT spread(a::integer), count(c) FROM cpu GROUP BY host",
    "SELECT max(a) FROM cpu WHERE time >= 1000s AND time <= 2000s GROUP BY host",
]


@pytest.mark.parametrize("q", AGGREGATES)
def test_aggregates_read_together_answer_as_read_one_by_one(node, q: str,  # noqa: F811
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    executor, _ = node
    together = _run(executor, q)
    assert '"series"' in together

    def one_by_one(self, series_list, within=None):
        ranges = within or [None] * len(series_list)
        return [self.read_series(s, within=w) for s, w in zip(series_list, ranges, strict=True)]

    monkeypatch.setattr(select._Reader, "read_many", one_by_one)
    assert together == _run(executor, q)
