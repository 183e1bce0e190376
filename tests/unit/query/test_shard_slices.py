"""Aggregates read and reduced a shard at a time (``aggregate._shard_slices``) must answer exactly as when
every shard's points are read at once: random shards with overlapping TSM files, cache, deletes, ties."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from chronus.query import aggregate, select
from chronus.tsdb.shard import Shard
from tests.unit.query.random_node import BASE, SECOND, random_node, same_answers, spy

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


def _compare_with_and_without(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch,
                              templates: list[str], helper: str, floats: bool = False,
                              widths: tuple[str, ...] = ("1m", "5m", "20m", "1h", "2h", "90m")) -> list[str]:
    """Every query of ``templates`` (random ranges and intervals) answered with ``aggregate.<helper>`` and
    with it answering None (the plain path): the bodies must be equal and error-free. Returns the type of
    what the helper gave each time ("several shards" for slices of more than one shard)."""
    meta, meta_store, store = random_node(tmp_path, seed, floats, 6 if floats else 3)
    rng = random.Random(seed * 11 + 3)
    hours = 6 if floats else 3

    def note(found: object) -> str:
        several = isinstance(found, list) and any(len(part[0].shards) > 1 for part in found)
        return "several shards" if several else type(found).__name__

    given = spy(monkeypatch, aggregate, helper, note)
    queries = []
    for template in templates:
        for _ in range(3):
            lo = BASE + rng.randrange(0, 3600, 10) * SECOND
            hi = lo + rng.randrange(3600, hours * 3600) * SECOND
            queries.append(template.format(lo=lo, hi=hi, w=rng.choice(widths)))
    try:
        same_answers((meta, store, "db"), queries, monkeypatch, aggregate, helper, lambda *args: None,
                     with_rows=False)
    finally:
        store.close()
        meta_store.close()
    return given


@pytest.mark.parametrize("seed", range(8))
def test_slices_answer_as_one_read(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    given = _compare_with_and_without(tmp_path, seed, monkeypatch, QUERIES, "_shard_slices")
    assert "list" in given  # some statements were read a shard at a time


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
    "SELECT max(f), mean(f), count(s), last(s) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY host",
    "SELECT sum(g), min(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time(1h, 7m) "
    "ORDER BY time DESC",
    # top/bottom over tags: the best point of each tag combination per window, from each series' best
    "SELECT top(f, host, 3), s FROM m WHERE time >= {lo} AND time < {hi}",
    "SELECT bottom(g, region, host, 4) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time(25m)",
    "SELECT top(f, region, 2) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY host ORDER BY time DESC",
    # first()/last() alone: each series read only up to its second point (from its second to last)
    "SELECT first(f), host FROM m WHERE host =~ /h[1-4]/ AND time >= {lo} AND time < {hi}",
    "SELECT last(g) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY region ORDER BY time DESC",
    "SELECT last(f), s FROM m WHERE f > 1 AND time >= {lo} AND time < {hi} GROUP BY host",
]


@pytest.mark.parametrize("seed", range(8))
def test_partials_answer_as_points(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """count/sum/mean keep each shard's per-series partials instead of its points (``_Partials``),
    max/min/first/last only the rows they can pick (``_Candidates``)."""
    monkeypatch.setattr(select, "_EDGE_MIN_BLOCKS", 0)  # edge reads even over the few blocks here
    edges = spy(monkeypatch, Shard, "edge_times_many", len)
    given = _compare_with_and_without(tmp_path, seed, monkeypatch, ADDITIVE, "_partials_reducer")
    assert "_Reduced" in given
    assert edges


@pytest.mark.parametrize("threshold", [2, 3])
def test_edge_reads_are_left_out_over_few_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 threshold: int) -> None:
    """Finding a series' edge costs more than reading it when the range spans at most
    ``_EDGE_MIN_BLOCKS`` blocks: the shard's first series with blocks in range decides (here up to 3)."""
    monkeypatch.setattr(select, "_EDGE_MIN_BLOCKS", threshold)
    edges = spy(monkeypatch, Shard, "edge_times_many", len)
    counted = spy(monkeypatch, Shard, "blocks_in", int)
    given = _compare_with_and_without(tmp_path, 0, monkeypatch, ADDITIVE[-3:], "_partials_reducer")
    assert "_Reduced" in given
    assert 3 in counted
    assert bool(edges) == any(blocks > threshold for blocks in counted)


NESTED = [
    "SELECT derivative(mean(f), 1m) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time({w}), host",
    "SELECT non_negative_difference(sum(g)), difference(max(f)) FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY time({w}) fill(previous)",
    "SELECT moving_average(count(f), 2), derivative(first(f)) FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY time({w}, 7m), region ORDER BY time DESC",
    "SELECT cumulative_sum(mean(f)) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time({w}), region",
    "SELECT elapsed(min(g), 1s), non_negative_derivative(last(f)) FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY time({w}) fill(linear) LIMIT 4 OFFSET 1",
    "SELECT derivative(mean(f)), cumulative_sum(mean(g)) FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY time({w})",  # one window more for one call, not the other: every point is kept
    "SELECT derivative(mean(f)) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time({w}) fill(0)",
    "SELECT derivative(median(f)) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time({w})",  # points
]


@pytest.mark.parametrize("seed", range(6))
def test_partials_under_transforms_answer_as_points(tmp_path: Path, seed: int,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A transform over count/sum/mean/max/min/first/last by time reads the inner call's partials and
    candidate rows too, over the windows it reads (one more before the range for most transforms)."""
    given = _compare_with_and_without(tmp_path, seed, monkeypatch, NESTED, "_partials_reducer")
    assert given.count("_Reduced") == 3 * (len(NESTED) - 2) and given.count("NoneType") == 6


SPANNING = [
    "SELECT median(f), percentile(g, 90), spread(f), count(f) FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY time({w}, 7m), host",
    "SELECT distinct(g) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time({w}) ORDER BY time DESC",
    "SELECT count(distinct(f)), percentile(f, 50) FROM m WHERE time >= {lo} AND time < {hi} "
    "GROUP BY time({w}) fill(previous) LIMIT 5",
    # order matters to these: each shard shares a window with another, so all are read at once
    "SELECT sum(f), median(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time({w}) "
    "ORDER BY time DESC",
    "SELECT percentile(f, 50), host FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time({w})",
]


@pytest.mark.parametrize("seed", range(6))
def test_windows_spanning_shards_read_a_few_shards_at_a_time(tmp_path: Path, seed: int,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows spanning shards put those shards in one slice, for calls whose answer does not depend on
    the order points arrive in (floats whose sums do, here)."""
    given = _compare_with_and_without(tmp_path, seed, monkeypatch, SPANNING, "_shard_slices", True,
                                      ("2h", "90m", "100m", "3h"))
    assert "several shards" in given


def test_a_window_from_two_slices_is_refused() -> None:
    """Points written meanwhile could put one window in two shards' slices: the join refuses it (the
    statement is then read all at once)."""
    from chronus.query.vector import FLOAT, Column
    from chronus.query.window import Windows

    windows = Windows(60 * SECOND, 0, 0, 10**12, None)

    def out(*minutes: int) -> aggregate._Out:
        times = np.array([m * 60 * SECOND for m in minutes], np.int64)
        return aggregate._Out(times, Column(FLOAT, np.ones(len(times)), np.ones(len(times), bool)))

    joined = aggregate._join_outs([out(1, 2), out(), out(3)], windows, True)
    assert joined is not None and joined.times.tolist() == [60 * SECOND, 120 * SECOND, 180 * SECOND]
    assert aggregate._join_outs([out(1, 2), out(2)], windows, True) is None
    assert aggregate._join_outs([out(5, 4), out(3)], windows, False) is not None
    assert aggregate._join_outs([out(5, 4), out(4, 3)], windows, False) is None
