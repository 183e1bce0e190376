"""Subqueries and SELECT INTO byte for byte against influxd 1.6.7's recorded bodies.

The data set of ``tests/golden/subquery/dataset.json`` goes through the real write path into a temp store;
every query of ``corpus.txt`` then runs through the query executor (normalisation, every statement of the
request in order, INTO writes through the node's points writer) and is rendered as the HTTP handler renders
it. INTO entries hold a second statement reading the target back, so one body checks both the ``written``
count and the points. The corpus was recorded in order against one server: INTO entries come last, and
later ones read what earlier ones wrote, so each replays the INTO entries before it that have not run yet.
``tools/record_subquery.py`` re-records the answers.
"""

from __future__ import annotations

import pytest

from chronus.http.handler import _merge_result
from chronus.http.response import JSONFormatter
from chronus.influxql import parse_query
from chronus.influxql.parser import ParseError
from chronus.query import inner_output, member_candidates
from chronus.query.data import DataStatements
from chronus.query.executor import ExecutionOptions, QueryExecutor
from chronus.query.result import Result
from chronus.query.statement_executor import StatementExecutor
from tests.unit.query.golden_node import GOLDEN as GOLDEN_ROOT
from tests.unit.query.golden_node import NOW, golden_answers, loaded_node

GOLDEN = GOLDEN_ROOT / "subquery"
ANSWERS = golden_answers("subquery")


@pytest.fixture(scope="module")
def executor(tmp_path_factory: pytest.TempPathFactory):
    for meta, store, _db in loaded_node(tmp_path_factory.mktemp("subquery"), GOLDEN / "dataset.json"):
        yield QueryExecutor(StatementExecutor(meta, DataStatements(meta, store, clock=lambda: NOW)))


def run(executor: QueryExecutor, q: str, db: str, chunk_size: int) -> bytes:
    """The body influxd's handler answers for ``q`` (one document, or one per result when chunked)."""
    try:
        query = parse_query(q)
    except ParseError as err:  # the handler answers 400 with the parser's words
        return JSONFormatter().format([], f"error parsing query: {err}")
    options = ExecutionOptions(database=db, chunk_size=chunk_size or 10_000, chunked=bool(chunk_size))
    results = list(executor.execute(query, options))
    formatter = JSONFormatter()
    if chunk_size:
        return b"".join(formatter.format([result]) for result in results)
    buffered: list[Result] = []
    for result in results:
        _merge_result(buffered, result)
    return formatter.format(buffered)


@pytest.mark.parametrize("entry", [a for a in ANSWERS if a["section"] != "into"], ids=lambda a: a["id"])
def test_subquery_answers_the_same_when_its_series_are_let_go_of_as_read(executor, entry: dict,
                                                                          monkeypatch) -> None:
    """Every inner output as ``LazySeries`` (as a big one is), and every inner series of any size cut to
    the rows an enclosing max/min/first/last can pick: the same bodies (run before the INTO entries
    write)."""
    monkeypatch.setattr(inner_output, "LAZY_ROWS", -1)
    monkeypatch.setattr(member_candidates, "_SMALL", -1)
    assert run(executor, entry["q"], entry["db"], entry["chunk_size"]).decode() == entry["body"]


_RAN: set[str] = set()  # INTO entries already run against the module's node


@pytest.mark.parametrize("entry", ANSWERS, ids=lambda a: a["id"])
def test_subquery_matches_influxd(executor, entry: dict) -> None:
    """Every answer byte for byte; INTO entries first replay the earlier INTO entries they build on."""
    if entry["section"] == "into":
        for earlier in ANSWERS[:ANSWERS.index(entry)]:
            if earlier["section"] == "into" and earlier["id"] not in _RAN:
                _RAN.add(earlier["id"])
                run(executor, earlier["q"], earlier["db"], earlier["chunk_size"])
        _RAN.add(entry["id"])
    assert run(executor, entry["q"], entry["db"], entry["chunk_size"]).decode() == entry["body"]

