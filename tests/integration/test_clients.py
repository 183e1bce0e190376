"""Real client sessions (influxdb-python, Telegraf-shaped writes) get from Chronus what influxd 1.6.7 gave."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.client_scenarios import SCENARIOS
from tests.integration.servers import ChronusProcess

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "clients"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_session_matches_influxd(name: str) -> None:
    expected = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    with ChronusProcess() as server:
        seen = json.loads(json.dumps(SCENARIOS[name](server.http_port)))
    assert len(seen) == len(expected)
    for step, (got, want) in enumerate(zip(seen, expected, strict=True)):
        assert got == want, f"step {step}"
