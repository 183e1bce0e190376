"""Every recorded influxd 1.6.7 ``/write`` (tests/golden/lineproto/write.jsonl) through a running Chronus:
same status, same error text, and the same points, series and field types stored afterwards. Unlike the
parser's own golden test, this one covers what the write path decides (field types, ``time`` names,
engine errors)."""

from __future__ import annotations

import base64
import http.client
import json
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.integration.servers import ChronusProcess

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "lineproto" / "write.jsonl"
RECORDS = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
PRECISION_NS = {"u": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}


def _request(port: int, method: str, path: str, body: bytes = b"") -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body or None)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _mask_now(value: object, low: int, high: int) -> object:
    """Times the server's clock gave (inside [low, high]) become "now", as the recorder stored them."""
    if isinstance(value, dict):
        return {k: _mask_now(v, low, high) for k, v in value.items()}
    if isinstance(value, list):
        if value and isinstance(value[0], int) and not isinstance(value[0], bool) and low <= value[0] <= high:
            return ["now", *(_mask_now(v, low, high) for v in value[1:])]
        return [_mask_now(v, low, high) for v in value]
    return value


@pytest.fixture(scope="module")
def answers() -> list[dict]:
    results = []
    with ChronusProcess() as server:
        port = server.http_port
        for position, record in enumerate(RECORDS):
            db = f"lp{position}"
            assert _request(port, "POST", "/query?" + urlencode({"q": f'CREATE DATABASE "{db}"'}))[0] == 200
            body = base64.b64decode(record["body_b64"]) if "body_b64" in record else record["body"].encode()
            params = {"db": db}
            if record["precision"] is not None:
                params["precision"] = record["precision"]
            before = time.time_ns()
            status, text = _request(port, "POST", "/write?" + urlencode(params), body)
            after = time.time_ns()
            low = before - before % PRECISION_NS.get(record["precision"] or "n", 1)
            stored = {
                name: json.loads(
                    _request(port, "GET", "/query?" + urlencode({"db": db, "q": q, "epoch": "ns"}))[1]
                )
                for name, q in (
                    ("select", "SELECT * FROM /.*/"),
                    ("series", "SHOW SERIES"),
                    ("fields", "SHOW FIELD KEYS"),
                )
            }
            results.append(
                {
                    "status": status,
                    "error": json.loads(text)["error"] if text.strip() else None,
                    **_mask_now(stored, low, after),
                }
            )
            _request(port, "POST", "/query?" + urlencode({"q": f'DROP DATABASE "{db}"'}))
    return results


@pytest.mark.parametrize("position", range(len(RECORDS)), ids=[r["id"] for r in RECORDS])
def test_write_like_influxd(answers: list[dict], position: int) -> None:
    record, got = RECORDS[position], answers[position]
    assert (got["status"], got["error"]) == (record["status"], record["error"])
    assert got["select"] == record["select"]
    assert got["series"] == record["series"]
    assert got["fields"] == record["fields"]
