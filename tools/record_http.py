"""Record how the real influxd 1.6.7 answers HTTP requests: status, headers, body, byte for byte.

Usage (needs ``/usr/bin/influxd``; standard library only)::

    python tools/record_http.py            # re-record tests/golden/http/*.jsonl

Each case is a raw HTTP request (method, path with query string, headers, body) sent in order to a fresh
server (auth off) that first receives the ``SETUP`` writes; the answer is stored with the headers that are
stable (``Date`` and request ids, which change every time, are recorded only as present or absent) and the
body as text, or base64 when it is not UTF-8 (msgpack). The setup requests are recorded too (``"setup":
true``); Chronus's HTTP tests replay every record in order against a fresh server.
"""

from __future__ import annotations

import base64
import http.client
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from record_golden import GOLDEN, InfluxServer

VOLATILE_HEADERS = {"date", "request-id", "x-request-id"}

SETUP = [
    ("POST", "/query?q=CREATE+DATABASE+d", {}, b""),
    (
        "POST",
        "/write?db=d",
        {},
        b"t,h=a v=1 1500000000123456789\n"
        b't,h=b v=2,s="x" 1500000000000000000\n'
        b"t,h=b v=3 -1000000000\n"
        b"f v=0.0000001,w=1e21,x=12345678.9,y=1.5e-300,z=-0.0 1000\n",
    ),
]


def q(text: str, **extra: str) -> str:
    from urllib.parse import urlencode

    return "/query?" + urlencode({"db": "d", "q": text, **extra})


FORMAT_QUERIES = [
    "SELECT * FROM t",
    "SELECT * FROM t tz('America/Chicago')",
    "SELECT * FROM t GROUP BY h",
    "SELECT * FROM nope; SELECT * FROM t LIMIT 1; SHOW DATABASES; SELECT * FROM t GROUP BY h",
    "SELECT * FROM f",
    "SELECT * FROM",
]
ACCEPTS = ["application/json", "application/csv", "text/csv", "application/x-msgpack"]

CASES: list[tuple[str, str, dict[str, str], bytes]] = []
for text in FORMAT_QUERIES:
    for accept in ACCEPTS:
        CASES.append(("GET", q(text), {"Accept": accept}, b""))
    CASES.append(("GET", q(text, pretty="true"), {}, b""))
    CASES.append(("GET", q(text, epoch="ms"), {}, b""))
    CASES.append(("GET", q(text, epoch="ms"), {"Accept": "application/csv"}, b""))
    CASES.append(("GET", q(text, epoch="ms"), {"Accept": "application/x-msgpack"}, b""))
CASES += [
    # Statements that write, sent by GET: they run, with a deprecation warning in "messages".
    ("GET", q("CREATE DATABASE viaget"), {}, b""),
    (
        "GET",
        q(
            "CREATE RETENTION POLICY r1 ON viaget DURATION 2h REPLICATION 1; "
            "SHOW RETENTION POLICIES ON viaget"
        ),
        {},
        b"",
    ),
    ("GET", q("DROP DATABASE viaget"), {}, b""),
    ("POST", q("CREATE DATABASE viapost; DROP DATABASE viapost"), {}, b""),
    # A failing statement: influxd 1.6.7 then reports "not executed" under the failing statement's id.
    (
        "POST",
        q("SHOW DATABASES; CREATE DATABASE bad WITH DURATION 1m; SHOW DATABASES; SHOW DATABASES"),
        {},
        b"",
    ),
    (
        "POST",
        q("SHOW DATABASES; CREATE DATABASE bad WITH DURATION 1m; SHOW DATABASES", chunked="true"),
        {},
        b"",
    ),
    ("POST", q("SELECT * FROM _series"), {}, b""),
    ("POST", "/write?db=d&consistency=bogus", {}, b"m v=1 1"),
    ("POST", "/write?db=d&rp=nope", {}, b"m v=1 1"),
    ("POST", "/write?db=d&precision=s", {}, b"m v=1 1500000000"),
    ("OPTIONS", "/query", {}, b""),
    ("GET", "/ping", {}, b""),
    ("HEAD", "/ping", {}, b""),
    ("GET", "/ping?verbose=true", {}, b""),
    ("GET", "/nothing", {}, b""),
    ("GET", "/query", {}, b""),
    ("GET", "/write", {}, b""),
    ("POST", "/write", {}, b""),
    ("POST", "/write?db=nope", {}, b"m v=1"),
    ("GET", q("SELECT * FROM t", epoch="u"), {}, b""),
    ("GET", q("SELECT * FROM t", epoch="s"), {}, b""),
    ("GET", q("SELECT * FROM t", epoch="h"), {}, b""),
    ("GET", q("SELECT * FROM t", epoch="bogus"), {}, b""),
    ("GET", q("SELECT * FROM t", chunked="true", chunk_size="1"), {}, b""),
    ("GET", q("SELECT * FROM t GROUP BY h", chunked="true", chunk_size="1"), {}, b""),
]
# ``params`` as influxd's json.Decoder reads it: the first value only, the scanner's own error words.
BAD_PARAMS = [
    '{bad', '{"a" 1}', '{"a": 1 "b": 2}', '[1 2]', '{"a": [1 2]}', '{"a": tru}', '{"a": nul}', '{"a": 1.x}',
    '{"a": -x}', '{"a": "x\\q"}', '{"a": "x\n"}', '{"a": 1} x', '{"a": 1}}', '123x', '"abc', '{"a": 1', '{',
    '  ', '{"a": 01}', '{"a": 1e}', '{,}', '{"a":1,}', 'nul', 'true x', '{"a":"\\u00"}', "{'a': 1}",
    '\ufeff{}', '{"a": 1.}', '{"a"}', '{} {}', '{"a": 1e+}', 'null', '{"x": "v"} trailing',
]
CASES += [("GET", q("SELECT $x FROM t", params=p), {}, b"") for p in BAD_PARAMS]
# New shard groups take their ids in the order their first points come in the body, not in time order.
CASES += [
    ("POST", "/write?db=d&precision=s", {}, b"o v=1 1601000000\no v=1 1590000000\no v=1 1595000000"),
    ("GET", q("SHOW SHARDS"), {}, b""),
]
# How SHOW statements reach the client: TAG KEYS / VALUES one result per measurement, the ones influxd runs
# as SELECTs (FIELD KEYS, SERIES, exact cardinalities) chunked like a SELECT; replicaN (a Go int) in CSV.
CASES += [
    ("GET", q("SHOW RETENTION POLICIES"), {"Accept": "application/csv"}, b""),
    ("GET", q("SHOW TAG KEYS", chunked="true"), {}, b""),
    ("GET", q("SHOW TAG VALUES WITH KEY =~ /.*/", chunked="true", chunk_size="1"), {}, b""),
    ("GET", q("SHOW FIELD KEYS", chunked="true", chunk_size="1"), {}, b""),
    ("GET", q("SHOW SERIES", chunked="true", chunk_size="1"), {}, b""),
    ("GET", q("SHOW SERIES EXACT CARDINALITY", chunked="true", chunk_size="1"), {}, b""),
    ("GET", q("SHOW TAG KEYS; SHOW FIELD KEYS; SHOW TAG VALUES WITH KEY = h"), {}, b""),
    ("GET", q("SHOW SERIES WHERE 1"), {}, b""),
    # an empty body still has its retention policy looked up
    ("POST", "/write?db=d&rp=nope", {}, b""),
    ("POST", "/write?db=d&rp=autogen", {}, b"\n\n"),
]


def send(server: InfluxServer, method: str, path: str, headers: dict[str, str], body: bytes) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        header_items = sorted((k.lower(), v) for k, v in resp.getheaders())
    finally:
        conn.close()
    stable = {k: v for k, v in header_items if k not in VOLATILE_HEADERS}
    record: dict = {
        "request": {"method": method, "path": path, "headers": headers, "body": body.decode("latin-1")},
        "status": resp.status,
        "headers": stable,
        "volatile_headers": sorted({k for k, _ in header_items if k in VOLATILE_HEADERS}),
    }
    try:
        record["body"] = raw.decode("utf-8")
    except UnicodeDecodeError:
        record["body_base64"] = base64.b64encode(raw).decode()
    return record


def main() -> int:
    with InfluxServer(auth_enabled=False) as server:
        records = [dict(send(server, *case), setup=True) for case in SETUP]
        records += [send(server, *case) for case in CASES]
    out = GOLDEN / "http" / "responses.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} answers to {out.relative_to(GOLDEN.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
