"""Where influxd's answer depends on Go's orders, recorded from influxd 1.6.7 (Go 1.19).

``mode()`` sorts a window's points with Go's unstable ``sort.Sort`` (pdqsort) in the order its sorted merge
iterators delivered them, then breaks ties between equally frequent values by where their points ended up;
``integral()`` keeps the last point delivered at a repeated time; its integer reducer has its own rules and
its last windows come out after every group's others. ``chronus._ext.gosort`` is checked against the
permutations Go 1.19's ``sort.Sort`` leaves (recorded with a Go program sorting ``(value, index)`` pairs
by value).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from chronus._ext.gosort import mode_rows, sort_order
from tests.unit.query.golden_node import loaded_node
from tests.unit.query.test_select_golden import run

AGGREGATE = Path(__file__).resolve().parents[2] / "golden" / "aggregate" / "dataset.json"

# (keys, the permutation sort.Sort leaves) from Go 1.19
GO_SORTS = [
    ("3 1 2 2 1 3 1 2 2 1 3 1 2 2", "9 6 11 1 4 3 7 8 2 12 13 5 10 0"),
    (" ".join(["5"] * 52 + ["4", "4"]), " ".join(["52", "53", *map(str, range(52))])),
    ("2 1 3 0 0 4 0 2 4 0 4 1 0 0 3 3 0 1 0 4 3 0 4 0 1 4 0 4 4 3 0 1 0 4 1 2 3 1 4 0 4 2 4 1 0 4 4 1 2 0 "
     "4 0 4 0 4 1 3 4 3 2",
     "16 18 32 3 30 39 6 26 53 9 51 23 12 13 44 49 4 21 43 55 47 31 34 11 24 1 17 37 48 41 0 7 59 35 14 20 "
     "36 29 2 58 56 15 27 10 22 45 46 42 19 33 50 25 52 8 54 5 40 57 28 38"),
    (" ".join(str(v) for v in range(70, 0, -1)), " ".join(str(i) for i in range(69, -1, -1))),
]


@pytest.mark.parametrize(("keys", "expected"), GO_SORTS)
@pytest.mark.parametrize("dtype", [np.int64, np.uint64, np.float64])
def test_sort_order_is_go_sort(keys: str, expected: str, dtype) -> None:
    values = np.array(keys.split(), dtype=np.int64).astype(dtype)
    assert sort_order(values).tolist() == [int(i) for i in expected.split()]


def test_mode_rows_scan() -> None:
    # sorted stably (under 13 points): 1 (t 40, 50) wins first; 2 starts at t 100 > 50 and does not take over
    keys = np.array([2.0, 2.0, 1.0, 1.0])
    times = np.array([100, 1, 40, 50], np.int64)
    assert mode_rows(keys, times, np.array([0], np.int64)).tolist() == [3]
    # delivered the other way round the run of 2 starts at t 1 and takes over
    assert mode_rows(keys, np.array([1, 100, 40, 50], np.int64), np.array([0], np.int64)).tolist() == [1]


@pytest.fixture(scope="module")
def agg_node(tmp_path_factory: pytest.TempPathFactory):
    yield from loaded_node(tmp_path_factory.mktemp("agg"), AGGREGATE)


@pytest.fixture(scope="module")
def tie_node(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("ties")
    dataset = root / "dataset.json"
    dataset.write_text(json.dumps({"db": "x", "setup": ["CREATE DATABASE x"], "writes": [{"rp": "", "body": [
        "m1,s=a v=2 100", "m1,s=b v=2 1", "m1,s=c v=1 40", "m1,s=c v=1 50",
        "m2,s=c v=2 100", "m2,s=b v=2 1", "m2,s=a v=1 40", "m2,s=a v=1 50",
        "m3,s=a v=1 10", "m3,s=a v=1 20", "m3,s=a v=1 30", "m3,s=b v=100 20", "m3,s=c v=50 20",
        "m3,s=c v=7 40", "m4,s=a v=1 10", "m4,s=a v=1 50", "m4,s=b v=2 20", "m4,s=b v=2 30"]}]}))
    yield from loaded_node(root / "node", dataset)


def _series(*parts: str) -> str:
    return '{"results":[{"statement_id":0,"series":[' + ",".join(parts) + "]}]}\n"


TIES = [
    # 1 and 2 both twice: 2's first point (t 20) is not after the time 1 got its count at (t 50)
    ("SELECT mode(v) FROM m4",
     _series('{"name":"m4","columns":["time","mode"],"values":[["1970-01-01T00:00:00Z",2]]}')),
    ("SELECT mode(v) FROM m1",
     _series('{"name":"m1","columns":["time","mode"],"values":[["1970-01-01T00:00:00Z",2]]}')),
    ("SELECT mode(v) FROM m2",
     _series('{"name":"m2","columns":["time","mode"],"values":[["1970-01-01T00:00:00Z",2]]}')),
    ("SELECT integral(v) FROM m3",
     _series('{"name":"m3","columns":["time","integral"],"values":[["1970-01-01T00:00:00Z",800]]}')),
    ("SELECT integral(v) FROM m3 WHERE time >= 0s AND time < 60s GROUP BY time(15s)",
     _series('{"name":"m3","columns":["time","integral"],"values":[["1970-01-01T00:00:00Z",66.25],'
             '["1970-01-01T00:00:15Z",693.75],["1970-01-01T00:00:30Z",40]]}')),
]


@pytest.mark.parametrize(("q", "body"), TIES)
def test_ties_follow_influxd(tie_node, q: str, body: str) -> None:
    assert run(tie_node, q, 0).decode() == body


def _host(host: str, column: str, values: str) -> str:
    return f'{{"name":"agg","tags":{{"host":"{host}"}},"columns":["time","{column}"],"values":{values}}}'


AGG = [
    # every group's only window comes from its closed reducer: the last group first
    ("SELECT integral(f) FROM agg GROUP BY host",
     _series(_host("e", "integral", '[["1970-01-01T00:00:00Z",0]]'),
             _host("d", "integral", '[["1970-01-01T00:00:00Z",0]]'),
             _host("c", "integral", '[["1970-01-01T00:00:00Z",13482.575]]'),
             _host("b", "integral", '[["1970-01-01T00:00:00Z",2028.35]]'),
             _host("a", "integral", '[["1970-01-01T00:00:00Z",9050.775]]'))),
    # the integer reducer's window is the query's range: its start is the time
    ("SELECT integral(i) FROM agg WHERE time >= '2018-01-31T23:55:00Z'",
     _series('{"name":"agg","columns":["time","integral"],"values":[["2018-01-31T23:55:00Z",71547]]}')),
    ("SELECT integral(i) FROM agg WHERE host = 'a'",
     _series('{"name":"agg","columns":["time","integral"],"values":[["1970-01-01T00:00:00Z",42741]]}')),
    ("SELECT mode(s) FROM agg GROUP BY time(30m) LIMIT 3",
     _series('{"name":"agg","columns":["time","mode"],"values":[["2018-01-31T23:30:00Z","x"],'
             '["2018-02-01T00:00:00Z","zz"],["2018-02-01T00:30:00Z","y"]]}')),
]


@pytest.mark.parametrize(("q", "body"), AGG)
def test_aggregate_orders_follow_influxd(agg_node, q: str, body: str) -> None:
    assert run(agg_node, q, 0).decode() == body


@pytest.mark.parametrize("mean", [False, True])
def test_a_lone_series_partials_reduce_as_a_merged_stream(mean: bool) -> None:
    """``mergeorder._reduce_distinct`` (a tag set of one series) gives ``_reduce``'s bits: -0.0 sums to
    0.0, a mean of two points or more is multiplied out and divided back."""
    from chronus.query import mergeorder

    rng = np.random.default_rng(5)
    n = 500
    windows = np.sort(rng.choice(10_000, n, replace=False)).astype(np.int64)
    values = rng.normal(0, 1e6, n) / rng.integers(1, 1000, n)
    values[::17] = -0.0
    counts = rng.integers(1, 5, n).astype(np.int64)
    stream = (np.full(n, 3, np.int64), windows, values, counts)
    want = mergeorder._reduce(stream, mean)
    got = mergeorder._reduce_distinct(stream, mean)
    for a, b in zip(got, want, strict=True):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_grouped_order_is_a_stable_counting_sort():
    from chronus._ext.mergeorder import grouped_order

    keys = np.array([2, 0, 2, 1, 0, 2], np.int64)
    order, starts = grouped_order(keys, 4)
    assert order.tolist() == [1, 4, 3, 0, 2, 5]
    assert starts.tolist() == [0, 2, 3, 6, 6]
    with pytest.raises(ValueError, match="outside"):
        grouped_order(np.array([0, 4], np.int64), 4)


def test_rows_come_in_the_order_of_their_places():
    from chronus.query.subquery import _by_place

    assert _by_place(np.array([5, 0, 3, 1], np.int64)).tolist() == [1, 3, 2, 0]
    assert _by_place(np.array([900, 2], np.int64)).tolist() == [1, 0]  # (sparse: sorted)
    assert _by_place(np.zeros(0, np.int64)).tolist() == []
