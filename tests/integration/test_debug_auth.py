"""``pprof-auth-enabled`` (InfluxDB 1.8): with ``auth-enabled`` and ``pprof-enabled``, the /debug routes 1.8
has (vars, requests, pprof cmdline/profile/symbol/all) need an admin's credentials; other /debug/pprof paths
are unknown (404). Without the key, /debug/* stay open as in 1.6.7."""

from __future__ import annotations

import base64
import http.client
import json
from urllib.parse import urlencode

import pytest

from tests.integration.servers import ChronusProcess


def _get(port: int, path: str, user: str | None = None, password: str = "",
         method: str = "GET") -> tuple[int, http.client.HTTPMessage, bytes]:
    headers = {}
    if user is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()  # headers: case-insensitive
    finally:
        conn.close()


def _query(port: int, q: str, user: str | None = None, password: str = "") -> dict:
    status, _, body = _get(port, "/query?" + urlencode({"q": q}), user, password, method="POST")
    assert status == 200, body
    return json.loads(body)


@pytest.fixture(scope="module")
def server():
    with ChronusProcess(http_extra="  auth-enabled = true\n  pprof-auth-enabled = true\n") as proc:
        yield proc


def test_no_admin_yet_is_refused(server: ChronusProcess) -> None:
    status, headers, body = _get(server.http_port, "/debug/vars")
    assert (status, json.loads(body)) == (403, {"error": "error authorizing admin access"})
    assert headers["X-Influxdb-Error"] == "error authorizing admin access"


def test_admin_only(server: ChronusProcess) -> None:
    port = server.http_port
    assert _query(port, "CREATE USER root WITH PASSWORD 'pw' WITH ALL PRIVILEGES") == {
        "results": [{"statement_id": 0}]}
    assert _query(port, "CREATE USER reader WITH PASSWORD 'rd'", "root", "pw") == {
        "results": [{"statement_id": 0}]}

    status, headers, body = _get(port, "/debug/vars")
    assert (status, json.loads(body)) == (401, {"error": "unable to parse authentication credentials"})
    assert headers["WWW-Authenticate"] == 'Basic realm="InfluxDB"'
    status, _, body = _get(port, "/debug/requests?seconds=0", "root", "wrong")
    assert (status, json.loads(body)) == (401, {"error": "authorization failed"})
    status, _, body = _get(port, "/debug/pprof/cmdline", "reader", "rd")
    assert (status, json.loads(body)) == (403, {"error": "error authorizing admin access"})

    status, headers, body = _get(port, "/debug/vars", "root", "pw")
    assert status == 200
    assert "memstats" in json.loads(body)
    assert headers["Request-Id"]  # a route like the others now
    status, _, body = _get(port, "/debug/pprof/cmdline", "root", "pw")
    assert status == 200 and b"chronus" in body


def test_other_pprof_paths_are_unknown(server: ChronusProcess) -> None:
    for path in ("/debug/pprof/", "/debug/pprof/goroutine", "/debug/varsx"):
        status, headers, body = _get(server.http_port, path, "root", "pw")
        assert (status, body) == (404, b"404 page not found\n"), path
        assert headers["Content-Type"] == "text/plain; charset=utf-8"


def test_without_the_key_debug_stays_open() -> None:
    with ChronusProcess(http_extra="  auth-enabled = true\n") as proc:
        assert _query(proc.http_port, "CREATE USER root WITH PASSWORD 'pw' WITH ALL PRIVILEGES") == {
            "results": [{"statement_id": 0}]}
        status, _, body = _get(proc.http_port, "/debug/vars")
        assert status == 200 and "memstats" in json.loads(body)
        status, _, _ = _get(proc.http_port, "/debug/pprof/")
        assert status == 200
