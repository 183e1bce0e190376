"""InfluxQL regexes byte for byte against influxd 1.6.7: Go's RE2 meaning, not Python's.

``tests/golden/regex/dataset.json`` holds strings where the two dialects part (non-ASCII digits and letters,
case orbits such as KELVIN SIGN and long s, literal braces); every query of ``corpus.txt`` runs through
``execute_select`` (or the SHOW handlers) against answers ``tools/record_regex.py`` recorded.
"""

from __future__ import annotations

import pytest

from chronus.influxql import parse_query
from chronus.influxql.parser import ParseError
from tests.unit.query.golden_node import GOLDEN as GOLDEN_ROOT
from tests.unit.query.golden_node import golden_answers, loaded_node
from tests.unit.query.test_subquery_golden import run

GOLDEN = GOLDEN_ROOT / "regex"
ANSWERS = golden_answers("regex")


@pytest.fixture(scope="module")
def executor(tmp_path_factory: pytest.TempPathFactory):
    from chronus.query.data import DataStatements
    from chronus.query.executor import QueryExecutor
    from chronus.query.statement_executor import StatementExecutor
    from tests.unit.query.golden_node import NOW

    for meta, store, _db in loaded_node(tmp_path_factory.mktemp("regex"), GOLDEN / "dataset.json"):
        yield QueryExecutor(StatementExecutor(meta, DataStatements(meta, store, clock=lambda: NOW)))


@pytest.mark.parametrize("entry", [a for a in ANSWERS if a["status"] == 200], ids=lambda a: a["id"])
def test_regex_matches_influxd(executor, entry: dict) -> None:
    assert run(executor, entry["q"], entry["db"], entry["chunk_size"]).decode() == entry["body"]


@pytest.mark.parametrize("entry", [a for a in ANSWERS if a["status"] == 400], ids=lambda a: a["id"])
def test_regex_parse_errors(entry: dict) -> None:
    with pytest.raises(ParseError):
        parse_query(entry["q"])
