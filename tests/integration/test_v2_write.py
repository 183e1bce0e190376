"""``/api/v2/write`` as InfluxDB 1.8 added it (1.6.7 has no such route): ``bucket=db[/rp]``, v2 precisions."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlencode

from tests.integration.servers import ChronusProcess


def _request(port: int, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body or None)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_v2_write(fresh_server: ChronusProcess) -> None:
    port = fresh_server.http_port
    assert _request(port, "POST", "/query?" + urlencode({"q": "CREATE DATABASE v2"}))[0] == 200
    assert (
        _request(port, "POST", "/api/v2/write?bucket=v2/autogen&precision=s&org=x", b"m v=1 1500000000")[0]
        == 204
    )
    assert _request(port, "POST", "/api/v2/write?bucket=v2/&precision=ms", b"m v=2 1500000001000")[0] == 204
    status, raw = _request(port, "POST", "/api/v2/write?bucket=v2", b"m v=3 1")
    assert (status, raw) == (
        404,
        b'{"error":"bucket name \\"v2\\" is missing a slash; '
        b'not in \\"database/retention-policy\\" format"}\n',
    )
    status, raw = _request(
        port, "GET", "/query?" + urlencode({"db": "v2", "q": "SELECT v FROM m", "epoch": "s"})
    )
    assert json.loads(raw)["results"][0]["series"][0]["values"] == [[1500000000, 1], [1500000001, 2]]
