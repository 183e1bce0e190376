"""Transforms and math functions in SELECT byte for byte against influxd 1.6.7's bodies.

The data set of ``tests/golden/transform/dataset.json`` (all field types, gaps, several series, two shard
groups) goes through the real write path into a temp store and every query of ``corpus.txt`` runs through
``execute_select``, rendered as the HTTP handler renders it. ``tools/record_transform.py`` re-records them.
"""

from __future__ import annotations

import pytest

from tests.unit.query.golden_node import GOLDEN as GOLDEN_ROOT
from tests.unit.query.golden_node import golden_answers, golden_case, loaded_node
from tests.unit.query.test_select_golden import run

GOLDEN = GOLDEN_ROOT / "transform"
ANSWERS = golden_answers("transform")
# Known differences, each a strict xfail so a fix shows up (none left).
KNOWN_GAPS: dict[str, str] = {}


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory):
    yield from loaded_node(tmp_path_factory.mktemp("transform"), GOLDEN / "dataset.json")


@pytest.mark.parametrize("entry", [golden_case(a, KNOWN_GAPS) for a in ANSWERS])
def test_transform_matches_influxd(node, entry: dict) -> None:
    """Every answer byte for byte, incl. influxd's encoder error for an infinite result (``ln(0)``)."""
    assert run(node, entry["q"], entry["chunk_size"]).decode() == entry["body"]
