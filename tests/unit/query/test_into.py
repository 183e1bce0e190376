"""SELECT INTO details the golden corpus does not reach: the read-only (GET) warning and line-protocol
encoding of awkward names and values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from chronus.http.response import JSONFormatter
from chronus.influxql import parse_query
from chronus.query.data import DataStatements
from chronus.query.executor import ExecutionOptions, QueryExecutor
from chronus.query.into import encode_points
from chronus.query.statement_executor import StatementExecutor
from chronus.query.vector import BOOLEAN, FLOAT, INTEGER, STRING, Column
from tests.unit.query.golden_node import NOW, loaded_node


@pytest.fixture
def executor(tmp_path: Path):
    dataset = tmp_path / "dataset.json"
    dataset.write_text(json.dumps({"db": "d", "setup": ["CREATE DATABASE d"],
                                   "writes": [{"rp": "", "body": ["cpu,host=a v=1 10"]}]}))
    for meta, store, _db in loaded_node(tmp_path / "node", dataset):
        yield QueryExecutor(StatementExecutor(meta, DataStatements(meta, store, clock=lambda: NOW)))


def test_into_in_a_read_only_request_warns(executor: QueryExecutor) -> None:
    # recorded from influxd 1.6.7 with a GET request
    query = parse_query("SELECT v INTO d.autogen.c2 FROM cpu WHERE host = 'a'")
    results = list(executor.execute(query, ExecutionOptions(database="d", read_only=True)))
    assert JSONFormatter().format(results).decode() == (
        '{"results":[{"statement_id":0,"series":[{"name":"result","columns":["time","written"],'
        '"values":[["1970-01-01T00:00:00Z",1]]}],"messages":[{"level":"warning","text":"deprecated use of '
        "'SELECT v INTO d.autogen.c2 FROM d.autogen.cpu WHERE host = 'a'' in a read only context, please "
        'use a POST request instead"}]}]}\n')


def _col(kind: str, values: list, valid: list[bool]) -> Column:
    return Column(kind, np.array(values, dtype=object if kind == STRING else None), np.array(valid))


def test_encode_points_escapes_and_skips_what_influxd_cannot_store() -> None:
    times = np.array([1, 2, 3, 4], np.int64)
    cols = [
        _col(FLOAT, [1.5, float("nan"), float("inf"), 0.1], [True, True, True, False]),
        _col(INTEGER, [7, 8, 9, 10], [True, False, True, False]),
        _col(STRING, ['a"b', "c\\d", "x", ""], [True, True, True, False]),
        _col(BOOLEAN, [True, False, True, False], [False, True, True, False]),
    ]
    lines = encode_points("m m,x", {"t k": "v=1", "empty": ""}, ["f", "i i", "s=", "b"], times, cols)
    assert lines == [
        b'm\\ m\\,x,t\\ k=v\\=1 f=1.5,i\\ i=7i,s\\=="a\\"b" 1',
        b'm\\ m\\,x,t\\ k=v\\=1 s\\=="c\\\\d",b=false 2',
    ]
