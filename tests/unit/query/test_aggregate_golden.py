"""Aggregate SELECT (functions, GROUP BY time, fill, tz) byte for byte against influxd 1.6.7's bodies.

The data set of ``tests/golden/aggregate/dataset.json`` goes through the real write path into a temp store
and every query of ``corpus.txt`` runs through ``execute_select``, rendered as the HTTP handler renders it.
``tools/record_aggregate.py`` re-records the answers. ``sample()`` is random in influxd too: the corpus
only asks for samples at least as large as the data, which are deterministic.
"""

from __future__ import annotations

import pytest

from chronus.influxql import parse_query
from chronus.influxql.parser import ParseError
from tests.unit.query.golden_node import GOLDEN as GOLDEN_ROOT
from tests.unit.query.golden_node import golden_answers, golden_case, loaded_node
from tests.unit.query.test_select_golden import run

GOLDEN = GOLDEN_ROOT / "aggregate"
ANSWERS = golden_answers("aggregate")
# The InfluxQL parser accepts these; influxd refuses them at parse time (parser issue, not SELECT's).
PARSER_GAPS: set[str] = set()
# Known differences, each a strict xfail so a fix shows up (none left).
KNOWN_GAPS: dict[str, str] = {}


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory):
    yield from loaded_node(tmp_path_factory.mktemp("aggregate"), GOLDEN / "dataset.json")


@pytest.mark.parametrize("entry", [golden_case(a, KNOWN_GAPS) for a in ANSWERS if a["status"] == 200])
def test_aggregate_matches_influxd(node, entry: dict) -> None:
    assert run(node, entry["q"], entry["chunk_size"]).decode() == entry["body"]


@pytest.mark.parametrize("entry", [a for a in ANSWERS if a["status"] == 400 and a["id"] not in PARSER_GAPS],
                         ids=lambda a: a["id"])
def test_parse_errors_are_parse_errors(entry: dict) -> None:
    with pytest.raises(ParseError):
        parse_query(entry["q"])
