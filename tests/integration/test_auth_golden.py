"""Every recorded influxd 1.6.7 exchange with authentication on (tests/golden/auth/) answered the same.

The exchanges run in recorded order against one fresh Chronus server with ``auth-enabled`` and the same
``shared-secret``: bootstrap before any admin, every statement kind for every identity, bad credentials
of every sort, writes per database and identity, and every endpoint without credentials.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration import http_replay
from tests.integration.servers import ChronusProcess

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "auth" / "exchanges.jsonl"
RECORDS = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
SHARED_SECRET = "chronus-golden-secret"  # tools/record_auth.py's


# Answers Chronus gives differently on purpose, or because a part outside authentication is not built yet.
# Each maps a recorded label to (reason, Chronus's status, Chronus's body).
KNOWN_DIFFERENCES = {
    # InfluxDB 1.8's "Authorization: Token user:pass", which 1.6.7 cannot parse.
    "token-scheme: query": (200, '{"results":[{"statement_id":0,"series":[{"name":"databases",'
                                 '"columns":["name"],"values":[["db0"]]}]}]}\n'),
    "token-scheme: write": (403, '{"error":"\\"reader\\" user is not authorized to write to database '
                                 '\\"db0\\""}\n'),
}


@pytest.fixture(scope="module")
def answers() -> list[dict]:
    http_extra = f'  auth-enabled = true\n  shared-secret = "{SHARED_SECRET}"\n'
    with ChronusProcess(http_extra=http_extra) as server:
        return [http_replay.send(server.http_port, record["request"]) for record in RECORDS]


@pytest.mark.parametrize("position", range(len(RECORDS)),
                         ids=[f"{r['phase']} {r['label'][:80]}" for r in RECORDS])
def test_same_answer_as_influxd(answers: list[dict], position: int) -> None:
    record, got = RECORDS[position], answers[position]
    answer = (got["status"], got["raw"].decode("utf-8", "replace"))
    if record["label"] in KNOWN_DIFFERENCES:
        assert answer == KNOWN_DIFFERENCES[record["label"]]
        return
    assert answer == (record["status"], record["body"])
    assert http_replay.comparable_headers(got["headers"]) == http_replay.comparable_headers(record["headers"])
    assert sorted(k for k in got["headers"] if k in http_replay.VOLATILE) == record["volatile_headers"]
