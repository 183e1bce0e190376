"""A real server snapshots its cache to TSM files, drops the covered WAL segments, and reads them back after a
restart: every point is still there."""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlencode

from tests.integration.servers import ChronusProcess

BASE_NS = 1_600_000_000_000_000_000


def _request(port: int, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body or None)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _select_all(port: int) -> list:
    status, raw = _request(
        port, "GET", "/query?" + urlencode({"db": "snap", "q": "SELECT * FROM m", "epoch": "ns"})
    )
    assert status == 200
    return json.loads(raw)["results"][0]["series"][0]["values"]


def test_snapshot_to_tsm_survives_restart() -> None:
    with ChronusProcess(data_extra='  cache-snapshot-memory-size = "4k"\n') as server:
        port = server.http_port
        assert _request(port, "POST", "/query?" + urlencode({"q": "CREATE DATABASE snap"}))[0] == 200
        lines = "\n".join(
            f"m,host=h{i % 5} v={i}i,f={i / 2} {BASE_NS + i * 1_000_000_000}" for i in range(3000)
        )
        assert _request(port, "POST", "/write?db=snap", lines.encode())[0] == 204
        shard_dir = server.root / "data" / "snap" / "autogen"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not list(shard_dir.glob("*/*.tsm")):
            time.sleep(0.1)
        files = list(shard_dir.glob("*/*.tsm"))
        assert [f.name for f in files] == ["000000001-000000001.tsm"]
        before = _select_all(port)
        assert len(before) == 3000
        server.restart()
        assert _select_all(port) == before
