"""Raw queries read a shard at a time (``select._streamed``) must answer exactly as when every shard's
points are read at once (``select._collect``), in every chunking; and the emitter must cut a series given
in pieces into the same results as the whole series."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from chronus.influxql import parse_query
from chronus.meta import statements as meta_statements
from chronus.query import select
from chronus.query.emitter import emit_series
from chronus.query.result import Frame
from chronus.query.vector import FLOAT, INTEGER, Column
from tests.unit.query.golden_node import open_node
from tests.unit.query.random_node import BASE, SECOND, random_node, same_answers, spy, within_random_ranges
from tests.unit.query.test_select_golden import run

QUERIES = [
    "SELECT * FROM m WHERE time >= {lo} AND time < {hi}",
    "SELECT f, s, host FROM m WHERE time >= {lo} AND time < {hi} GROUP BY region",
    "SELECT f * 2 + g, s FROM m WHERE time >= {lo} AND time < {hi} GROUP BY * ORDER BY time DESC",
    "SELECT * FROM m WHERE f > 1 AND host != 'h2' AND time >= {lo} AND time < {hi} GROUP BY host "
    "SLIMIT 2 SOFFSET 1",
    "SELECT g::float, s FROM /m/ WHERE time >= {lo} AND time < {hi} tz('Europe/Paris')",
    "SELECT s, region FROM m WHERE s = 'a' OR g = 2 AND time >= {lo} AND time < {hi} ORDER BY time DESC",
    "SELECT f FROM m, m WHERE time >= {lo} AND time < {hi} GROUP BY host",  # the same shards twice: ties
]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("slice_points", [1_000_000, 40, 3])
def test_streamed_answers_as_one_read(tmp_path: Path, seed: int, slice_points: int,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Shard by shard, and (few points per slice) each shard's tag sets merged slice by slice."""
    monkeypatch.setattr(select, "_SLICE_POINTS", slice_points)
    sliced = spy(monkeypatch, select, "_merged_slices", lambda found: True)
    given = spy(monkeypatch, select, "_streamed", lambda found: type(found).__name__)
    meta, meta_store, store = random_node(tmp_path, seed)
    queries = within_random_ranges(QUERIES, random.Random(seed * 7 + 1))
    try:
        same_answers((meta, store, "db"), queries, monkeypatch, select, "_streamed", lambda *args: None,
                     (0, 1, 7, 100))
    finally:
        store.close()
        meta_store.close()
    assert given.count("generator") == 6 * 4 and given.count("NoneType") == 4  # FROM m, m is read at once
    assert bool(sliced) == (slice_points < 1000)


def test_points_written_meanwhile_outside_a_shards_span_are_left_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The spans that make shards' points follow one another are taken when the statement starts: a point
    written after that outside its shard's span is not read, so the series stays in time order."""
    meta_store, meta, store, writer = open_node(tmp_path)
    meta_statements.execute(parse_query("CREATE DATABASE db WITH SHARD DURATION 1h").statements[0], meta)
    start = BASE // SECOND
    writer.write_lines("db", "autogen", "one", f"m f=1 {start + 10}\nm f=2 {start + 3610}".encode(), "s")
    original = select._stream_groups

    def write_first(plan, listed):
        writer.write_lines("db", "autogen", "one", f"m f=3 {start + 20}".encode(), "s")
        return original(plan, listed)

    monkeypatch.setattr(select, "_stream_groups", write_first)
    try:
        node = (meta, store, "db")
        q = f"SELECT f FROM m WHERE time >= {BASE} AND time < {BASE + 7200 * SECOND}"
        streamed = run(node, q, 0)
        monkeypatch.undo()
        after = run(node, q, 0)
    finally:
        store.close()
        meta_store.close()
    head = b'{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","f"],"values":'
    assert streamed == head + b'[["2017-07-14T02:40:10Z",1],["2017-07-14T03:40:10Z",2]]}]}]}\n'
    assert after == head + b'[["2017-07-14T02:40:10Z",1],["2017-07-14T02:40:20Z",3],' \
                           b'["2017-07-14T03:40:10Z",2]]}]}]}\n'  # the next statement reads it


def _frame(times: list[int], kind: str) -> Frame:
    values = np.array(times, np.float64 if kind == FLOAT else np.int64)
    return Frame(np.array(times, np.int64), [Column(kind, values, np.ones(len(times), bool))])


@pytest.mark.parametrize("seed", range(20))
def test_pieces_are_cut_as_the_whole_series(seed: int) -> None:
    rng = random.Random(seed)
    series = []
    for k in range(rng.randrange(1, 4)):
        n = rng.randrange(0, 30)
        series.append((f"s{k}", {"k": str(k)}, list(range(n))))
    for chunk_size in (0, 1, 3, 10, 64):
        whole = [(name, tags, _frame(times, FLOAT)) for name, tags, times in series]
        pieces = []
        for name, tags, times in series:
            cuts = sorted(rng.sample(range(len(times) + 1), rng.randrange(0, min(4, len(times) + 1))))
            bounds = [0, *cuts, len(times)]
            parts = [times[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
            for i, part in enumerate(parts):
                pieces.append((name, tags, _frame(part, FLOAT), i == len(parts) - 1))
        expected = list(emit_series(whole, ["time", "v"], chunk_size, None))
        got = list(emit_series(pieces, ["time", "v"], chunk_size, None))
        assert [(r.partial, [(s.name, s.partial, s.values) for s in r.series]) for r in got] == \
            [(r.partial, [(s.name, s.partial, s.values) for s in r.series]) for r in expected]


def test_pieces_of_two_kinds_join_into_one_chunk() -> None:
    pieces = [("m", {}, _frame([1, 2], FLOAT), False), ("m", {}, _frame([3], INTEGER), True)]
    [result] = emit_series(pieces, ["time", "v"], 10, None)
    assert [row.values for row in result.series] == [[[1, 1.0], [2, 2.0], [3, 3]]]
    assert not result.partial and not result.series[0].partial
