"""A raw subquery grouped by more tags than the query around it, read shard by shard as that query reads it
(``regrouped_stream``), must answer exactly as when its output is produced whole first (the path recorded
against influxd): random data over three 1h shards, series sharing times, float sums whose last digits
depend on the order of the additions."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from chronus.query.regrouped_stream import RegroupedStream
from tests.unit.query.random_node import random_node, same_answers, spy, within_random_ranges

RANGE = "time >= {lo} AND time < {hi}"
QUERIES = [
    # count/sum/mean: partials carried from shard to shard
    f"SELECT sum(f), mean(f), count(f) FROM (SELECT f FROM m WHERE {RANGE} GROUP BY host)",
    f"SELECT sum(f) FROM (SELECT f FROM m WHERE {RANGE} GROUP BY host) WHERE {RANGE} GROUP BY time(40m) "
    "ORDER BY time DESC",
    f"SELECT mean(f) FROM (SELECT f FROM m WHERE {RANGE} GROUP BY *) GROUP BY region ORDER BY time DESC",
    f"SELECT sum(f) FROM (SELECT f FROM m WHERE host != 'h2' AND {RANGE} GROUP BY host) "
    "WHERE host = 'h1' OR f > 3",
    f"SELECT sum(x), count(g) FROM (SELECT f * 3 AS x, g FROM m WHERE {RANGE} GROUP BY host, region) "
    "GROUP BY region",
    # selectors: candidates of each shard's merged rows
    f"SELECT max(f), min(f) FROM (SELECT f FROM m WHERE {RANGE} GROUP BY host)",
    f"SELECT first(f), host FROM (SELECT f FROM m WHERE {RANGE} GROUP BY host, region) GROUP BY region "
    "ORDER BY time DESC",
    f"SELECT last(g), region FROM (SELECT g FROM m WHERE {RANGE} GROUP BY *) WHERE {RANGE} "
    "GROUP BY time(30m)",
    # rows as read, in the merge's order
    f"SELECT f, host FROM (SELECT f, g FROM m WHERE {RANGE} GROUP BY host) WHERE g > 0 ORDER BY time DESC "
    "LIMIT 30",
    f"SELECT percentile(f, 40), mode(g) FROM (SELECT f, g FROM m WHERE {RANGE} GROUP BY host)",
    f"SELECT stddev(f), spread(g) FROM (SELECT f, g FROM m WHERE {RANGE} GROUP BY *) GROUP BY region",
    # a lone transform over it: each series' state carried from shard to shard
    f"SELECT max(d) FROM (SELECT derivative(f, 1m) AS d FROM m WHERE {RANGE} GROUP BY host)",
    f"SELECT sum(c) FROM (SELECT cumulative_sum(f) AS c FROM m WHERE {RANGE} GROUP BY host) GROUP BY region",
    f"SELECT count(e) FROM (SELECT elapsed(f, 1s) AS e FROM m WHERE {RANGE} GROUP BY host "
    "ORDER BY time DESC) ORDER BY time DESC",
    f"SELECT mean(a) FROM (SELECT moving_average(g, 3) AS a FROM m WHERE {RANGE} GROUP BY *)",
]


@pytest.mark.parametrize("seed", range(4))
def test_regrouped_subqueries_answer_as_when_read_whole(tmp_path: Path, seed: int,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Odd seeds: float values whose sums depend on the order of the additions."""
    opened = spy(monkeypatch, RegroupedStream, "open", lambda found: found is not None)
    meta, meta_store, store = random_node(tmp_path, seed, floats=seed % 2 == 1)
    queries = within_random_ranges(QUERIES, random.Random(seed * 23 + 5))
    try:
        same_answers((meta, store, "db"), queries, monkeypatch, RegroupedStream, "open", lambda *args: None,
                     (0, 7))
    finally:
        store.close()
        meta_store.close()
    # twice per query (unchunked, chunked in 7s), each read shard by shard
    assert opened.count(True) == 2 * len(QUERIES)
