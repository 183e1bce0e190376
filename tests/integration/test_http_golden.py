"""Every recorded influxd 1.6.7 HTTP exchange (tests/golden/http/) answered the same by Chronus."""

from __future__ import annotations

import pytest

from tests.integration import http_replay
from tests.integration.servers import ChronusProcess

RECORDS = http_replay.load("responses.jsonl")


@pytest.fixture(scope="module")
def answers() -> list[dict]:
    with ChronusProcess() as server:
        return [http_replay.send(server.http_port, record["request"]) for record in RECORDS]


@pytest.mark.parametrize(
    "position",
    range(len(RECORDS)),
    ids=[f"{r['request']['method']} {r['request']['path'][:80]}" for r in RECORDS],
)
def test_same_answer_as_influxd(answers: list[dict], position: int) -> None:
    record, got = RECORDS[position], answers[position]
    assert got["status"] == record["status"]
    assert got["raw"] == http_replay.expected_body(record)
    assert http_replay.comparable_headers(got["headers"]) == http_replay.comparable_headers(record["headers"])
    assert got["headers"][http_replay.VERSION_HEADER] == "1.6.7"
    assert sorted(k for k in got["headers"] if k in http_replay.VOLATILE) == record["volatile_headers"]
