"""influxd's answer when its Go code panics inside a query (``Executor.recover``), recorded from 1.6.7.

``chande_momentum_oscillator(f, 1)`` is the one place Chronus reproduces such a panic: the statements before
it keep their results, then one result with statement id -1 carries the whole query's text (the statements
run so far normalised) and the panic message, and nothing else follows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chronus.http.handler import _merge_result
from chronus.http.response import JSONFormatter
from chronus.influxql import parse_query
from chronus.query.data import DataStatements
from chronus.query.executor import ExecutionOptions, QueryExecutor
from chronus.query.statement_executor import StatementExecutor
from tests.unit.query.golden_node import NOW, loaded_node

QUERY = "SELECT f FROM tr; SELECT chande_momentum_oscillator(f, 1) FROM tr; SELECT f FROM tr"
# (the data set is written with second precision)
FIRST = ('{"statement_id":0,"series":[{"name":"tr","columns":["time","f"],"values":['
         '["1970-01-01T00:00:01Z",1],["1970-01-01T00:00:02Z",3],["1970-01-01T00:00:03Z",2]]}]}')
PANIC = ('{"statement_id":-1,"error":"SELECT f FROM d.autogen.tr;\\nSELECT chande_momentum_oscillator(f, 1) '
         'FROM d.autogen.tr;\\nSELECT f FROM tr '
         '[panic:runtime error: index out of range [1] with length 0]"}')


@pytest.fixture
def executor(tmp_path: Path):
    dataset = tmp_path / "dataset.json"
    dataset.write_text(json.dumps({"db": "d", "setup": ["CREATE DATABASE d"], "writes": [
        {"rp": "", "body": ["tr,host=b f=1 1", "tr,host=b f=3 2", "tr,host=b f=2 3"]}]}))
    for meta, store, _db in loaded_node(tmp_path / "node", dataset):
        yield QueryExecutor(StatementExecutor(meta, DataStatements(meta, store, clock=lambda: NOW)))


def test_panic_ends_the_query(executor: QueryExecutor) -> None:
    results = list(executor.execute(parse_query(QUERY), ExecutionOptions(database="d")))
    buffered: list = []
    for result in results:
        _merge_result(buffered, result)
    assert JSONFormatter().format(buffered).decode() == '{"results":[' + FIRST + "," + PANIC + "]}\n"


def test_panic_ends_a_chunked_query(executor: QueryExecutor) -> None:
    results = list(executor.execute(parse_query(QUERY), ExecutionOptions(database="d", chunked=True)))
    formatter = JSONFormatter()
    body = b"".join(formatter.format([result]) for result in results).decode()
    assert body == '{"results":[' + FIRST + ']}\n{"results":[' + PANIC + "]}\n"
