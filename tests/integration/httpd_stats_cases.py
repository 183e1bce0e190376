"""A fixed run of HTTP requests, then the server's ``httpd`` statistics as ``/debug/vars`` gives them.

Shared by ``tools/record_httpd_stats.py`` (which records influxd 1.6.7's counters) and
``test_httpd_stats.py`` (which runs the same requests against Chronus). The counters are exact but for
the ``*DurationNs`` ones, which depend on the clock: those are kept as whether they grew at all.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import json
from urllib.parse import urlencode

DURATIONS = ("reqDurationNs", "queryReqDurationNs", "writeReqDurationNs")
ADMIN = ("admin", "secret")


def _request(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    return resp.status, resp.read()


def _query(conn: http.client.HTTPConnection, q: str, headers: dict[str, str] | None = None,
           method: str = "GET", **params: str) -> tuple[int, bytes]:
    return _request(conn, method, "/query?" + urlencode({"q": q, **params}), headers=headers)


def _write(conn: http.client.HTTPConnection, body: bytes, headers: dict[str, str] | None = None,
           **params: str) -> tuple[int, bytes]:
    return _request(conn, "POST", "/write?" + urlencode(params), body, headers)


def plain_requests(conn: http.client.HTTPConnection) -> None:
    """Auth off: pings, writes whole, partial, refused and malformed, queries in every output form."""
    _request(conn, "GET", "/ping")
    _request(conn, "HEAD", "/ping")
    _request(conn, "GET", "/status")
    _query(conn, "CREATE DATABASE d", method="POST")
    _write(conn, b"m,host=a v=1 1\nm,host=b v=2 2\n", db="d")  # 2 written
    _write(conn, b"m,host=a v=1i 3\nm,host=a v=3 4", db="d")  # partial: 1 written, 1 dropped
    _write(conn, b"m,host=a v=5 5\nbad line here", db="d")  # 1 written, the other line unparsable
    _write(conn, b"garbage", db="d")  # nothing parsed
    _write(conn, b"m time=1 6", db="d")  # invalid field name: partial, 1 dropped
    _write(conn, b"m,host=c v=1 7\nm,host=d v=2 8", db="d", rp="nope")  # 500: both failed
    _write(conn, b"m v=1 9", db="d", consistency="bad")  # refused before writing
    _write(conn, b"", db="d")
    _write(conn, b"m v=1 9", db="")
    _write(conn, b"m v=1 9", db="nope")
    _write(conn, gzip.compress(b"m,host=e v=1 10\n"), {"Content-Encoding": "gzip"}, db="d")
    _query(conn, "SELECT * FROM m", db="d")
    _query(conn, "SELECT * FROM m", db="d", pretty="true")
    _query(conn, "SELECT * FROM m", db="d", epoch="s")
    _query(conn, "SELECT * FROM m", {"Accept": "application/csv"}, db="d")
    _query(conn, "SELECT * FROM m GROUP BY host", db="d", chunked="true", chunk_size="1")
    _query(conn, "SELECT * FROM m", {"Accept-Encoding": "gzip"}, db="d")
    _query(conn, "SELECT * FROM m; SELECT * FROM nope.m; SHOW DATABASES", db="d")
    _query(conn, "SELECT", db="d")  # parse error: answered by httpError
    _request(conn, "GET", "/query")  # missing q
    _query(conn, "SELECT * FROM m", db="d", params="{")
    _request(conn, "GET", "/nope")  # the router's 404
    _request(conn, "DELETE", "/ping")  # 405


def auth_requests(conn: http.client.HTTPConnection) -> None:
    """Auth on: the authentication failures influxd counts, and what passes."""
    user, password = ADMIN
    _query(conn, f"CREATE USER {user} WITH PASSWORD '{password}' WITH ALL PRIVILEGES", method="POST")
    _query(conn, "CREATE DATABASE d", method="POST", u=user, p=password)
    _query(conn, "CREATE USER bob WITH PASSWORD 'pw'", method="POST", u=user, p=password)
    _query(conn, "SHOW DATABASES")  # no credentials
    _query(conn, "SHOW DATABASES", u=user, p="wrong")
    _query(conn, "SHOW DATABASES", u="", p="x")
    _query(conn, "SHOW DATABASES", {"Authorization": "Bearer abc"})
    _query(conn, "SHOW DATABASES", {"Authorization": "Basic !!!"})
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    _query(conn, "SHOW DATABASES", {"Authorization": f"Basic {basic}"})
    _query(conn, "SHOW DATABASES", u="bob", p="pw")
    _query(conn, "SELECT * FROM d..m", u="bob", p="pw")  # 403: not authorized
    _write(conn, b"m v=1 1", db="d", u=user, p="wrong")
    _write(conn, b"m v=1 1", db="d", u="bob", p="pw")  # 403
    _write(conn, b"m v=1 1\nm v=2 2", db="d", u=user, p=password)


def httpd_values(conn: http.client.HTTPConnection) -> dict[str, int | bool]:
    """The ``httpd`` statistics of ``/debug/vars``, durations as whether they are above zero."""
    status, body = _request(conn, "GET", "/debug/vars")
    assert status == 200, body
    (stats,) = [v for k, v in json.loads(body).items() if k.startswith("httpd")]
    return {k: (v > 0 if k in DURATIONS else v) for k, v in stats["values"].items()}


SCENARIOS = {"plain": (False, plain_requests), "auth": (True, auth_requests)}
