"""Replay recorded raw HTTP exchanges of the real influxd against a running server and compare answers."""

from __future__ import annotations

import base64
import http.client
import json
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden" / "http"

# influxd's own version string differs (Debian's 1.6.7~rc0); Chronus reports the release it matches.
VERSION_HEADER = "x-influxdb-version"
VOLATILE = {"date", "request-id", "x-request-id"}
# How the body is framed is the HTTP library's business: both framings carry the same bytes.
FRAMING = {"transfer-encoding", "content-length"}


def load(name: str) -> list[dict]:
    path = GOLDEN_DIR / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def send(port: int, request: dict) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        body = request["body"].encode("latin-1")
        conn.request(request["method"], request["path"], body=body or None, headers=request["headers"])
        resp = conn.getresponse()
        raw = resp.read()
        headers = {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()
    return {"status": resp.status, "headers": headers, "raw": raw}


def expected_body(record: dict) -> bytes:
    if "body_base64" in record:
        return base64.b64decode(record["body_base64"])
    return record["body"].encode("utf-8")


def comparable_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in VOLATILE | FRAMING | {VERSION_HEADER}}
