"""Transforms and math functions in SELECT byte for byte against influxd 1.6.7's bodies.

The data set of ``tests/golden/transform/dataset.json`` (all field types, gaps, several series, two shard
groups) goes through the real write path into a temp store and every query of ``corpus.txt`` runs through
``execute_select``, rendered as the HTTP handler renders it. ``tools/record_transform.py`` re-records them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.query.golden_node import loaded_node
from tests.unit.query.test_select_golden import run

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "transform"
ANSWERS = [json.loads(line) for line in (GOLDEN / "answers.jsonl").read_text(encoding="utf-8").splitlines()
           if line]
# Known differences, each a strict xfail so a fix shows up (none left).
KNOWN_GAPS: dict[str, str] = {}


def _case(entry: dict):
    if entry["id"] in KNOWN_GAPS:
        return pytest.param(entry, id=entry["id"], marks=pytest.mark.xfail(reason=KNOWN_GAPS[entry["id"]],
                                                                            strict=True))
    return pytest.param(entry, id=entry["id"])


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory):
    yield from loaded_node(tmp_path_factory.mktemp("transform"), GOLDEN / "dataset.json")


@pytest.mark.parametrize("entry", [_case(a) for a in ANSWERS])
def test_transform_matches_influxd(node, entry: dict) -> None:
    """Every answer byte for byte, incl. influxd's encoder error for an infinite result (``ln(0)``)."""
    assert run(node, entry["q"], entry["chunk_size"]).decode() == entry["body"]
