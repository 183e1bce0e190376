"""Differential fuzzing of the HTTP API: random requests, influxd 1.6.7 against a Chronus server.

Usage (needs ``/usr/bin/influxd``)::

    python tools/fuzz_http.py 1000 1     # requests, seed

Both servers (auth off) first get the same small data set; then every generated request goes to both: a
``/query`` or ``/write`` (also ``/ping``) by GET or POST, with parameters
drawn from valid, invalid and missing values (``db``, ``rp``, ``q``, ``epoch``, ``precision``,
``chunked``, ``chunk_size``, ``pretty``, ``consistency``, ``params``, ``u``/``p``, an ``Accept`` and a
``Content-Type``). The status, the body and the headers that do not change from run to run must agree;
every difference is printed. A difference found here is fixed and its request recorded in
``tools/record_http.py``'s cases.
"""
import http.client
import json
import random
import sys
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from record_golden import InfluxServer  # noqa: E402

from tests.integration.servers import ChronusProcess  # noqa: E402

n, seed = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)
# (X-Influxdb-Version differs on purpose: Debian's influxd says 1.6.7~rc0)
STABLE_HEADERS = ("content-type", "content-encoding", "x-influxdb-error", "location")
SETUP = [
    ("POST", "/query?q=CREATE+DATABASE+d", {}, b""),
    ("POST", "/query?q=CREATE+RETENTION+POLICY+r2+ON+d+DURATION+1h+REPLICATION+1", {}, b""),
    ("POST", "/write?db=d", {}, b't,h=a v=1,s="x" 1500000000000000000\nt,h=b v=2i 1500000000000000001\n'
                                b"u,h=a b=true 1500000000000000002\n"),
]
QUERIES = ["SELECT * FROM t", "SELECT v FROM t GROUP BY h", "SELECT count(v) FROM t", "SHOW DATABASES",
           "SHOW MEASUREMENTS", "SELECT * FROM t; SELECT * FROM u", "SELECT * FROM", "SELECT $x FROM t",
           "SELECT v FROM t WHERE h = $h", "CREATE DATABASE d", "SHOW TAG VALUES WITH KEY = h", "",
           "SELECT mean(v) FROM t WHERE time > 0 GROUP BY time(1h) fill(none)", "SHOW STATS FOR 'x'",
           "SELECT * FROM t LIMIT 1", "SHOW RETENTION POLICIES", "KILL QUERY 999"]  # (no SHOW QUERIES: timed)
# (every point has a time: a server's clock would make the two answers differ)
BODIES = [b"t v=3 1500000000000000009", b"t,h=c v=4 1500000000000000005", b"bad line", b"",
          b"t v=1 1\nt v=2i 2", b"t v=\"s\" 1500000000000000007", b"t v=1 99999999999999999999",
          b"t v=1,v=2 3", b"\xff\xfe", b"t,h=a v=1 1500000000\n"]


def choose(values: list, missing: float = 0.4):
    return None if rnd.random() < missing else rnd.choice(values)


def request() -> tuple[str, str, dict[str, str], bytes]:
    kind = rnd.choices(["query", "write", "ping"], [60, 33, 7])[0]  # (/health and /api/v2 are 1.8's)
    headers: dict[str, str] = {}
    params: dict[str, str] = {}
    body = b""
    method = rnd.choice(["GET", "POST"])
    if kind == "query":
        path = "/query"
        for key, values in (("db", ["d", "nope", ""]), ("rp", ["autogen", "r2", "nope"]),
                            ("epoch", ["ns", "u", "µ", "ms", "s", "m", "h", "x", ""]),
                            ("chunked", ["true", "false", "1", "x"]),
                            ("chunk_size", ["1", "0", "-1", "x", "2"]), ("pretty", ["true", "x"]),
                            ("params", ['{"x": "v", "h": "a"}', "{bad", '{"x": 1}']),
                            ("u", ["a"]), ("p", ["b"])):
            value = choose(values, 0.6 if key != "db" else 0.2)
            if value is not None:
                params[key] = value
        text = choose(QUERIES, 0.1)
        if text is not None:
            if method == "POST" and rnd.random() < 0.5:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                body = urllib.parse.urlencode({"q": text}).encode()
            else:
                params["q"] = text
        accept = choose(["application/json", "application/csv", "text/csv", "application/x-msgpack", "x/y"],
                        0.6)
        if accept:
            headers["Accept"] = accept
    elif kind == "write":
        method = rnd.choice(["POST", "POST", "POST", "GET", "PUT"])
        path = "/write"
        keys = (("db", ["d", "nope", ""]), ("rp", ["autogen", "r2", "nope"]),
                ("precision", ["n", "ns", "u", "ms", "s", "m", "h", "x", "rfc3339"]),
                ("consistency", ["one", "any", "all", "quorum", "x"]), ("u", ["a"]), ("p", ["b"]))
        for key, values in keys:
            value = choose(values, 0.3 if key == "db" else 0.6)
            if value is not None:
                params[key] = value
        body = b"\n".join(rnd.sample(BODIES, rnd.randint(0, 3)))
        if rnd.random() < 0.2:
            headers["Content-Encoding"] = rnd.choice(["gzip", "x"])
    else:
        path = "/" + kind
        if kind == "ping" and rnd.random() < 0.5:
            params["verbose"] = rnd.choice(["true", "x"])
        method = rnd.choice(["GET", "HEAD", "POST"])
    query = urllib.parse.urlencode(params)
    return method, path + ("?" + query if query else ""), headers, body


def send(port: int, method: str, path: str, headers: dict[str, str], body: bytes) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        kept = {k.lower(): v for k, v in resp.getheaders() if k.lower() in STABLE_HEADERS}
        return {"status": resp.status, "headers": kept, "body": data.decode("utf-8", "replace")}
    finally:
        conn.close()


cases = [request() for _ in range(n)]
diffs = 0
with InfluxServer(binary="/usr/bin/influxd", auth_enabled=False) as influxd, ChronusProcess() as chronus:
    for setup in SETUP:
        send(influxd.http_port, *setup)
        send(chronus.http_port, *setup)
    for case in cases:
        want = send(influxd.http_port, *case)
        got = send(chronus.http_port, *case)
        if want != got:
            diffs += 1
            print(f"DIFF  {case!r}")
            for key in ("status", "headers", "body"):
                if want[key] != got[key]:
                    print(f"   {key} I: {json.dumps(want[key])[:400]}")
                    print(f"   {key} C: {json.dumps(got[key])[:400]}")
print(f"{diffs} diffs of {len(cases)}")
