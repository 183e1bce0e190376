"""Transforms of raw fields read and answered one output series at a time (``aggregate._group_at_a_time``)
must answer exactly as when every series is read at once: random shards with overlapping TSM files, cache,
deletes, ties."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from chronus.query import aggregate, select
from tests.unit.query.random_node import random_node, same_answers, spy, within_random_ranges

QUERIES = [
    "SELECT derivative(f, 1m) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY host",
    "SELECT difference(g), non_negative_difference(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY *",
    "SELECT moving_average(f, 3), cumulative_sum(g) FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY region ORDER BY time DESC LIMIT 5 OFFSET 2",
    "SELECT elapsed(s, 10s) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY host SLIMIT 3 SOFFSET 1",
    "SELECT non_negative_derivative(f) * 2 FROM /m/ WHERE host != 'h2' AND time >= {lo} AND time < {hi}",
    "SELECT cumulative_sum(f), exponential_moving_average(g, 2) FROM m WHERE f > 1 AND time >= {lo} "
    "AND time < {hi} GROUP BY host tz('Europe/Paris')",
    # these continue from the last points of a time slice (one series per shard: GROUP BY every tag)
    "SELECT derivative(f), non_negative_difference(g), elapsed(s, 1s) FROM m WHERE time >= {lo} "
    "AND time < {hi} GROUP BY *",
    "SELECT non_negative_derivative(g, 10s) FROM m WHERE f != 2 AND time >= {lo} AND time < {hi} "
    "GROUP BY host ORDER BY time DESC",
    "SELECT difference(f) / 2, elapsed(f) FROM /m/ WHERE host = 'h1' AND time >= {lo} AND time < {hi}",
    # ties between series: influxd's merge order decides which point a derivative takes at a time
    "SELECT derivative(f), difference(g) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY region",
    # several series per shard, one column: each shard's merge replayed slice by slice
    "SELECT derivative(f, 1m) FROM m WHERE time >= {lo} AND time < {hi}",
    "SELECT difference(g), non_negative_difference(g) * 3 FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY region ORDER BY time DESC",
    "SELECT elapsed(s, 1s) FROM m WHERE f > 1 AND time >= {lo} AND time < {hi}",
    "SELECT non_negative_derivative(f, 10s) FROM /m/ WHERE host =~ /h[1-4]/ AND time >= {lo} "
    "AND time < {hi} ORDER BY time DESC",
    # running state carried from piece to piece: moving_average's float sum, cumulative_sum, indicators
    "SELECT moving_average(f, 4), cumulative_sum(f), triple_exponential_moving_average(f, 3) FROM m "
    "WHERE time >= {lo} AND time < {hi}",
    "SELECT chande_momentum_oscillator(g, 3), kaufmans_adaptive_moving_average(f, 2) FROM m "
    "WHERE time >= {lo} AND time < {hi} GROUP BY * ORDER BY time DESC",
    "SELECT relative_strength_index(g, 2), moving_average(g, 3) FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY region ORDER BY time DESC",
    # OFFSET and LIMIT counted across the pieces
    "SELECT derivative(f) FROM m WHERE time >= {lo} AND time < {hi} LIMIT 7 OFFSET 3",
    "SELECT cumulative_sum(g), difference(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY * "
    "ORDER BY time DESC LIMIT 4 OFFSET 30",
    "SELECT moving_average(f, 2) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY region OFFSET 5",
    # integrals: a series' windows from its own points (a lone one's series reordered as influxd closes them)
    "SELECT integral(f, 1m) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY host",
    "SELECT integral(g) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time(20m), region "
    "ORDER BY time DESC LIMIT 3",
    "SELECT integral(f), integral(g, 1h) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time(45m)",
    # several fields over several series per shard: each merged on its own over the same time slices
    "SELECT derivative(f), difference(g), elapsed(s, 1s) FROM m WHERE time >= {lo} AND time < {hi}",
    "SELECT moving_average(g, 3), cumulative_sum(f) FROM m WHERE host != 'h3' AND time >= {lo} "
    "AND time < {hi} GROUP BY region ORDER BY time DESC LIMIT 20 OFFSET 4",
]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("slice_points", [1_000_000, 30, 4])
def test_group_at_a_time_answers_as_one_read(tmp_path: Path, seed: int, slice_points: int,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """One output series at a time, and (few points per slice) a derivative, difference or elapsed over
    a series in time slices."""
    monkeypatch.setattr(select, "_SLICE_POINTS", slice_points)
    sliced = spy(monkeypatch, aggregate, "_time_slices", lambda found: found is not None)
    merged = spy(monkeypatch, aggregate, "_merged_streams", lambda found: found is not None)
    taken = spy(monkeypatch, aggregate, "_group_at_a_time", lambda found: found)
    _same_as_one_read(tmp_path, seed, monkeypatch, QUERIES, "_group_at_a_time", seed * 13 + 5)
    assert taken == [True] * len(QUERIES) * 2
    assert any(sliced) == (slice_points < 1000)
    assert merged.count(True) >= 10


LOCAL = [
    "SELECT mode(g), stddev(f), median(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY host",
    "SELECT percentile(f, 70), s FROM m WHERE time >= {lo} AND time < {hi} GROUP BY region "
    "ORDER BY time DESC",
    "SELECT top(g, 3), s FROM m WHERE time >= {lo} AND time < {hi} GROUP BY region LIMIT 4 OFFSET 1",
    "SELECT bottom(f, 2) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time(40m), host",
    "SELECT distinct(g) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time(20m), region fill(none)",
    "SELECT stddev(g), mode(s), spread(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time(30m), host "
    "fill(0) LIMIT 3 OFFSET 1",
    "SELECT percentile(g, 50) FROM m WHERE f > 1 AND time >= {lo} AND time < {hi} GROUP BY host SLIMIT 2 "
    "SOFFSET 1",
]

# Inner statements of subqueries, grouped by the enclosing query's tags too: each inner output series is
# read and answered on its own like a statement's (not when a LIMIT counts runs of rows in the enclosing
# query's order: the last three read at once, and answer the same).
SUBQUERIES = [
    "SELECT max(d) FROM (SELECT derivative(f, 1m) AS d FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY host)",
    "SELECT d, host FROM (SELECT difference(g) AS d FROM m WHERE time >= {lo} AND time < {hi}) "
    "GROUP BY region ORDER BY time DESC",
    "SELECT sum(c) FROM (SELECT cumulative_sum(f) AS c FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY host SLIMIT 3 SOFFSET 1) GROUP BY region",
    "SELECT mean(p) FROM (SELECT percentile(f, 80) AS p FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY time(20m), host) GROUP BY region",
    "SELECT count(m) FROM (SELECT mode(g) AS m, stddev(f) FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY host) GROUP BY time(30m)",
    "SELECT last(i) FROM (SELECT integral(f) AS i FROM m WHERE time >= {lo} AND time < {hi} GROUP BY host)",
    "SELECT d FROM (SELECT derivative(f) AS d FROM m WHERE time >= {lo} AND time < {hi} GROUP BY host "
    "LIMIT 3) GROUP BY region",
    "SELECT max(p) FROM (SELECT spread(g) AS p FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY time(20m), host LIMIT 2)",
    # (its OFFSET counts runs of one host in time order, as influxd's: a larger one leaves no row)
    "SELECT d FROM (SELECT moving_average(f, 2) AS d FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY host OFFSET 1)",
]


@pytest.mark.parametrize("seed", range(4))
def test_group_local_reducers_answer_as_one_read(tmp_path: Path, seed: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """mode, stddev, percentile, median, spread, distinct, top and bottom GROUP BY tags, one output series
    read and answered at a time (``aggregate._group_local``), in influxd's delivery order as before."""
    taken = spy(monkeypatch, aggregate, "_group_local", lambda found: found)
    _same_as_one_read(tmp_path, seed, monkeypatch, LOCAL, "_group_local", seed * 17 + 1)
    assert taken.count(True) >= len(LOCAL)


@pytest.mark.parametrize("seed", range(4))
def test_subquery_inner_series_answer_as_one_read(tmp_path: Path, seed: int,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    taken = spy(monkeypatch, aggregate, "_group_at_a_time", lambda found: found)
    local = spy(monkeypatch, aggregate, "_group_local", lambda found: found)
    _same_as_one_read(tmp_path, seed, monkeypatch, SUBQUERIES, "_group_at_a_time", seed * 19 + 2)
    # twice per query (unchunked, chunked): the inner transforms and integral but the last three (runs cut)
    # and the first and third (lone transforms regrouped by the enclosing query: ``regrouped_transform``)
    assert taken.count(True) == 2 * 2
    local.clear()
    _same_as_one_read(tmp_path / "local", seed, monkeypatch, SUBQUERIES, "_group_local", seed * 19 + 2)
    assert local.count(True) == 2 * 2  # the inner percentile, and mode/stddev by host


def _same_as_one_read(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch, templates: list[str],
                      helper: str, ranges_seed: int) -> None:
    """The templates over random ranges answer the same (unchunked and in chunks of 3) with
    ``aggregate.<helper>`` as with it answering False (every series read at once). Odd seeds: float values
    whose running sums depend on the order of operations."""
    meta, meta_store, store = random_node(tmp_path, seed, floats=seed % 2 == 1)
    queries = within_random_ranges(templates, random.Random(ranges_seed))
    try:
        same_answers((meta, store, "db"), queries, monkeypatch, aggregate, helper, lambda *args: False,
                     (0, 3))
    finally:
        store.close()
        meta_store.close()
