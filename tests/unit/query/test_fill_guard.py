"""A fill walk or a forecast too long to hold is refused with an error before any row is made (influxd
makes them one by one until the machine runs out of memory; arrays of them would get the server killed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chronus.influxql import parse_query
from chronus.meta import statements as meta_statements
from chronus.query import executor
from tests.unit.query.golden_node import open_node
from tests.unit.query.test_select_golden import run


@pytest.fixture
def node(tmp_path: Path):
    meta_store, meta, store, writer = open_node(tmp_path)
    meta_statements.execute(parse_query("CREATE DATABASE db").statements[0], meta)
    writer.write_lines("db", "autogen", "one", b"m,host=a v=1 1000000000\nm,host=b v=2 3000000000", "ns")
    yield meta, store, "db"
    store.close()
    meta_store.close()


def test_a_walk_from_1970_is_refused(node) -> None:
    body = run(node, "SELECT mean(v) FROM m GROUP BY time(1s), host", 0)
    assert body == (b'{"results":[{"statement_id":0,"error":"fill() would write 1600000000 GROUP BY time() '
                    b'windows in one series (at most 100000000): bound the time range from below or widen '
                    b'the interval"}]}\n')


def test_walks_up_to_the_bound_are_made(node, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executor, "MAX_SERIES_ROWS", 3)
    q = "SELECT count(v) FROM m WHERE time <= 3s GROUP BY time(1s) fill({})"
    assert run(node, q.format("null"), 0) == (
        b'{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","count"],"values":'
        b'[["1970-01-01T00:00:01Z",1],["1970-01-01T00:00:02Z",0],["1970-01-01T00:00:03Z",1]]}]}]}\n')
    assert b"at most 3" in run(node, "SELECT count(v) FROM m WHERE time <= 4s GROUP BY time(1s)", 0)
    assert b'"values":[["1970-01-01T00:00:01Z",1],["1970-01-01T00:00:03Z",1]]' in run(
        node, "SELECT count(v) FROM m WHERE time <= 9s GROUP BY time(1s) fill(none)", 0)


def test_a_forecast_too_long_to_hold_is_refused(node, monkeypatch: pytest.MonkeyPatch) -> None:
    q = ("SELECT holt_winters(mean(v), {}, 0) FROM m WHERE time >= 0 AND time < 4s "
         "GROUP BY time(1s) fill(none)")
    assert run(node, q.format(1_000_000_000), 0) == (
        b'{"results":[{"statement_id":0,"error":"holt_winters() would forecast 1000000000 points (at most '
        b'100000000)"}]}\n')
    monkeypatch.setattr(executor, "MAX_SERIES_ROWS", 3)
    assert b'"values":[["1970-01-01T00:00:04Z",' in run(node, q.format(3), 0)
