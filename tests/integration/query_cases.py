"""Scenarios for query management (SHOW QUERIES, KILL QUERY, ``[coordinator]`` limits) and EXPLAIN.

``tools/record_queries.py`` runs every scenario against the real influxd 1.6.7 (with the scenario's
``[coordinator]`` settings) and stores the answers in ``tests/golden/queries/queries.jsonl``;
``tests/integration/test_query_management.py`` runs the same scenarios against Chronus and compares them
after ``normalise``: durations (SHOW QUERIES, EXPLAIN ANALYZE's times), the point count of
``max-select-point`` (influxd looks once a second) and the row order of SHOW QUERIES (influxd lists a Go
map), as is the order of the plan nodes of a SELECT with several calls (also a Go map), are not the same
twice even on influxd. Everything else is compared as is, EXPLAIN's costs and
EXPLAIN ANALYZE's cursor and block counts included (the ``files`` scenario reads TSM files).

Query ids are compared exactly: both servers number every query from 1, and a scenario sends the same
queries in the same order. Slow queries read a million points in 100,000 series (``SELECT * FROM big``:
seconds on both).
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

DB = "d"
SETTLE = 0.6  # seconds for a query started in the background to be running before the next step
KILL_SETTLE = 1.0  # the same before KILL QUERY (the victim runs for seconds on both servers)
BIG_SERIES = 100_000  # influxd's max-values-per-tag (100,000) allows no more values of one tag
BIG_POINTS_PER_SERIES = 10

SMALL_DATA = (
    "cpu,host=a v=1 1000000000\ncpu,host=b v=2 2000000000\ncpu,host=a v=3,w=4i 3000000000\n"
    "mem,host=a v=5 4000000000\ncpu,host=a v=6 900000000000000000\n"
)
SERIES_DATA = "".join(
    [f"s,h={i} v=1 1000000000\n" for i in range(1, 6)]
    + [f"s,h={i} v=1 900000000000000000\n" for i in range(1, 4)]
    + [f"t,h={i} v=1 1000000000\n" for i in range(1, 4)]
    + [f"t,h={i} v=1 900000000000000000\n" for i in range(4, 6)]
)
POINTS_DATA = "".join(f"small v={i} {1000000000 + i}\n" for i in range(20))


def big_batches() -> list[bytes]:
    """A million points in many series (both servers pay per series as well as per point, so reading them
    all takes seconds on both), one batch per time."""
    return ["".join(f"big,s={s} v={p} {1000000000 + p * 1000}\n" for s in range(BIG_SERIES)).encode()
            for p in range(BIG_POINTS_PER_SERIES)]


class Client:
    """Sends the scenario's requests to one server; each answer becomes a record."""

    def __init__(self, port: int) -> None:
        self.port = port

    def request(self, method: str, path: str, body: bytes = b"", timeout: float = 120) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Content-Type": "application/x-www-form-urlencoded"} if body and method == "POST" \
                else {}
            conn.request(method, path, body=body or None, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def query(self, step: str, q: str, db: str | None = DB, method: str = "POST") -> dict:
        form = {"q": q}
        if db is not None:
            form["db"] = db
        encoded = urllib.parse.urlencode(form)
        if method == "GET":
            status, body = self.request("GET", "/query?" + encoded)
        else:
            status, body = self.request("POST", "/query", encoded.encode())
        return {"step": step, "method": method, "q": q, "db": db, "status": status, "body": body}

    def setup(self, q: str) -> None:
        status, body = self.request("POST", "/query", urllib.parse.urlencode({"q": q}).encode())
        if status != 200 or '"error"' in body:
            raise RuntimeError(f"setup {q!r}: {status} {body}")

    def write(self, body: bytes) -> None:
        status, text = self.request("POST", f"/write?db={DB}", body)
        if status != 204:
            raise RuntimeError(f"write: {status} {text}")

    def background(self, step: str, q: str) -> Callable[[], dict]:
        """Start ``q`` on its own connection; the returned function waits for its record."""
        out: dict = {}
        thread = threading.Thread(target=lambda: out.update(self.query(step, q)), daemon=True)
        thread.start()

        def join() -> dict:
            thread.join(300)
            return out
        return join


def _setup(client: Client, *bodies: str, big: bool = False) -> None:
    client.setup(f"CREATE DATABASE {DB}")  # query id 1
    for body in bodies:
        client.write(body.encode())
    if big:
        for batch in big_batches():
            client.write(batch)


PLAN_SELECTS = [
    "SELECT * FROM cpu",
    "SELECT v FROM cpu WHERE host = 'a'",
    "SELECT mean(v) FROM cpu GROUP BY host",
    "SELECT mean(v), max(w) FROM cpu, mem WHERE time > 0 AND time < 10s GROUP BY time(1s)",
    "SELECT count(v) FROM /c.*/",
    "SELECT v FROM nope",
    "SELECT * FROM cpu WHERE time < 10s",
    "SELECT max(v) FROM cpu WHERE time >= 0 AND time < 10s GROUP BY time(2s), host",
    "SELECT max(v), host FROM cpu",
    "SELECT top(v, 2) FROM cpu",
    "SELECT derivative(mean(v), 1s) FROM cpu WHERE time >= 0 AND time < 10s GROUP BY time(1s)",
    "SELECT mean(v) * 2 FROM cpu",
    "SELECT count(distinct(v)) FROM cpu",
    "SELECT percentile(v, 50) FROM cpu",
    "SELECT first(v) FROM cpu",
    "SELECT v FROM cpu, mem ORDER BY time DESC LIMIT 1",
    "SELECT * FROM cpu SLIMIT 1",
    "SELECT v + w FROM cpu",
    "SELECT v FROM cpu WHERE w > 1 OR host = 'b'",
    "SELECT mean(v), mean(w) FROM cpu",
    "SELECT mean(v) FROM cpu WHERE v > 1 AND host = 'a'",
    "SELECT max(v) FROM (SELECT v FROM cpu)",
    "SELECT mean(m) FROM (SELECT max(v) AS m FROM cpu GROUP BY host)",
    # a subquery's shards are mapped over the outermost time range; its label keeps its own time condition
    "SELECT mean(m) FROM (SELECT mean(v) AS m FROM cpu WHERE time >= 0 AND time < 10s GROUP BY time(1s))",
    "SELECT * FROM (SELECT v FROM cpu WHERE time < 100s)",
    "SELECT mean(v) FROM (SELECT v FROM cpu WHERE time > 100s)",
    "SELECT * FROM (SELECT v FROM cpu WHERE host = 'a' AND time < 100s), "
    "(SELECT w FROM cpu WHERE time > 100s)",
    "SELECT * FROM (SELECT * FROM (SELECT v FROM cpu WHERE time < 100s) WHERE time > 1s) WHERE host = 'a'",
    "SELECT max(v) FROM (SELECT v FROM cpu WHERE time < '1970-01-01T00:01:40Z') WHERE time > 0",
    "SELECT count(v) FROM (SELECT v FROM cpu), (SELECT v FROM mem)",
    "SELECT * FROM (SELECT v FROM cpu), mem",
]


def plan(client: Client) -> list[dict]:
    _setup(client, SMALL_DATA)
    records = [client.query("show-queries", "SHOW QUERIES"),
               client.query("show-queries-no-db", "SHOW QUERIES", db=None),
               client.query("show-queries-twice", "SHOW QUERIES; SHOW QUERIES"),
               client.query("kill-unknown", "KILL QUERY 99"),
               client.query("kill-unknown-get", "KILL QUERY 98", method="GET"),
               client.query("kill-then-show", "KILL QUERY 1000; SHOW QUERIES")]
    for i, q in enumerate(PLAN_SELECTS):
        records.append(client.query(f"explain-{i}", f"EXPLAIN {q}"))
    for i, q in enumerate(PLAN_SELECTS):
        records.append(client.query(f"explain-analyze-{i}", f"EXPLAIN ANALYZE {q}"))
    return records


def limits(client: Client) -> list[dict]:
    _setup(client, SERIES_DATA)
    queries = [
        "SELECT * FROM s",
        "SELECT * FROM s GROUP BY *",
        "SELECT mean(v) FROM s GROUP BY h",
        "SELECT * FROM t",
        "SELECT mean(v) FROM t",
        "SELECT * FROM s WHERE h = '1' OR h = '2'",
        "SELECT * FROM s WHERE h =~ /[1234]/",
        "SELECT mean(v) FROM t WHERE time >= 0 AND time < 10s GROUP BY time(1s)",
        "SELECT mean(v) FROM t WHERE time >= 0 AND time < 11s GROUP BY time(1s)",
        "SELECT mean(v) FROM t WHERE time >= 0 AND time < 11s GROUP BY time(1s) fill(none)",
        "SELECT count(v) FROM t WHERE time < 11s GROUP BY time(1s)",
        "SELECT * FROM t WHERE time >= 0 AND time < 11s",
        "EXPLAIN SELECT * FROM t",
        "EXPLAIN SELECT * FROM t WHERE h = '1' OR h = '2'",
        "EXPLAIN ANALYZE SELECT * FROM t",
        "EXPLAIN ANALYZE SELECT * FROM s",
        "EXPLAIN SELECT mean(v) FROM t WHERE time >= 0 AND time < 11s GROUP BY time(1s)",
        "EXPLAIN ANALYZE SELECT mean(v) FROM t WHERE time >= 0 AND time < 11s GROUP BY time(1s)",
        "EXPLAIN SELECT mean(v) FROM t WHERE time >= 0 AND time < 10s GROUP BY time(1s)",
        "EXPLAIN SELECT mean(v) FROM s WHERE time >= 0 AND time < 11s GROUP BY time(1s)",
    ]
    return [client.query(f"limits-{i}", q) for i, q in enumerate(queries)]


def point_limit(client: Client) -> list[dict]:
    _setup(client, POINTS_DATA, big=True)
    return [client.query("points-fast", "SELECT * FROM small"),  # answered within a second: not looked at
            client.query("points-slow", "SELECT * FROM big")]


def timeout(client: Client) -> list[dict]:
    _setup(client, POINTS_DATA, big=True)
    return [client.query("timeout-fast", "SELECT count(v) FROM small"),
            client.query("timeout-slow", "SELECT * FROM big"),
            client.query("timeout-after", "SELECT count(v) FROM small")]


def kill(client: Client) -> list[dict]:
    _setup(client, big=True)
    # the victim leaves the list as soon as it notices (influxd: at once), so a second KILL QUERY right
    # after the first is a race between "already killed" and "no such query id"; it is not recorded
    slow = client.background("kill-victim", "SELECT * FROM big")  # query id 2
    time.sleep(KILL_SETTLE)
    records = [client.query("kill-show", "SHOW QUERIES"),
               client.query("kill", "KILL QUERY 2", method="GET")]  # by GET: it also warns
    records.append(slow())
    records.append(client.query("kill-gone", "KILL QUERY 2"))
    records.append(client.query("kill-show-after", "SHOW QUERIES"))
    return records


def concurrency(client: Client) -> list[dict]:
    _setup(client, big=True)
    first = client.background("concurrent-1", "SELECT * FROM big")
    time.sleep(SETTLE)
    second = client.background("concurrent-2", "SELECT * FROM big WHERE v > 1")
    time.sleep(SETTLE)
    records = [client.query("concurrent-refused", "SHOW QUERIES"),
               client.query("concurrent-refused-select", "SELECT count(v) FROM big")]
    records += [first(), second()]
    records.append(client.query("concurrent-after", "SHOW QUERIES"))
    return records


def files(client: Client) -> list[dict]:
    """The plan's costs once the points are in TSM files (the cache is snapshotted after a second cold)."""
    _setup(client, SMALL_DATA, POINTS_DATA)
    time.sleep(SNAPSHOT_WAIT)
    client.write(b"cpu,host=c v=7 5000000000\n")  # and one point still in the cache
    records = []
    selects = [*PLAN_SELECTS, "SELECT * FROM small WHERE time >= 1000000005 AND time < 1000000012"]
    for i, q in enumerate(selects):
        records.append(client.query(f"files-explain-{i}", f"EXPLAIN {q}"))
        records.append(client.query(f"files-analyze-{i}", f"EXPLAIN ANALYZE {q}"))
        records.append(client.query(f"files-select-{i}", q))
    return records


# three blocks of one series in one TSM file (1000, 1000 and 500 points, one a second from t=1000s)
BLOCKS_DATA = "".join(f"blk v={i} {(1000 + i) * 1_000_000_000}\n" for i in range(2500))
BLOCK_RANGES = [
    "time >= 1000s AND time <= 1500s",  # inside the first block
    "time >= 1000s AND time <= 1999s",  # to the first block's last point
    "time >= 1000s AND time <= 1998s",  # to the first block's last point but one
    "time >= 1500s AND time <= 2500s",  # from the first block into the second
    "time >= 2000s AND time <= 2999s",  # the second block exactly
    "time > 4000s",  # after every block
    "time < 900s",  # before every block
    "time >= 3499s",  # the last point
]


def blocks(client: Client) -> list[dict]:
    """How many TSM blocks influxd's cursors decode for a time range (EXPLAIN ANALYZE), in both orders."""
    _setup(client, BLOCKS_DATA)
    time.sleep(SNAPSHOT_WAIT)
    records = []
    for i, where in enumerate(BLOCK_RANGES):
        for order in ("", " ORDER BY time DESC"):
            tag = f"{i}{'-desc' if order else ''}"
            for kind, q in (("raw", f"SELECT v FROM blk WHERE {where}{order}"),
                            ("sub", f"SELECT * FROM (SELECT v FROM blk WHERE {where}){order}")):
                records.append(client.query(f"blocks-{kind}-{tag}", f"EXPLAIN ANALYZE {q}"))
        mean = f"SELECT mean(v) FROM blk WHERE {where}"
        records.append(client.query(f"blocks-mean-{i}", f"EXPLAIN ANALYZE {mean}"))
    return records


SNAPSHOT_WAIT = 4.0  # seconds: one cold second, then the engine's next check (every second) writes the file


@dataclass
class Scenario:
    name: str
    coordinator: str  # the [coordinator] settings, TOML lines
    run: Callable[[Client], list[dict]]
    data: str = ""  # extra [data] settings, TOML lines


# a million points stay in the cache: a snapshot written meanwhile would slow Chronus unpredictably
BIG = 'cache-snapshot-memory-size = "1g"\n'

SCENARIOS = [
    Scenario("plan", "", plan),
    Scenario("limits", 'max-select-series = 3\nmax-select-buckets = 10\n', limits),
    Scenario("point-limit", "max-select-point = 10\n", point_limit, data=BIG),
    Scenario("timeout", 'query-timeout = "1s"\n', timeout, data=BIG),
    Scenario("kill", "", kill, data=BIG),
    Scenario("files", "", files, data='cache-snapshot-write-cold-duration = "1s"\n'),
    Scenario("blocks", "", blocks, data='cache-snapshot-write-cold-duration = "1s"\n'),
    Scenario("concurrency", 'max-concurrent-queries = 2\nquery-timeout = "2s"\n', concurrency, data=BIG),
]


# -- normalising what differs from run to run, even on influxd ---------------------------------------------

SHOW_QUERIES_COLUMNS = ["qid", "query", "database", "duration", "status"]
_ANALYZE_TIME = re.compile(r"^(\W*(?:execution_time|planning_time|total_time)): \S+$")
_POINT_LIMIT = re.compile(r"^max-select-point limit exceeed: \(\d+/(\d+)\)$")


_SCANNER = re.compile(r"^ {8}[├└]── iterator_scanner$")
_SCANNER_BRANCH = re.compile("^ {8}(?:│\u00a0\u00a0 | {4})")


def _sorted_plan(lines: list[str]) -> list[str]:
    """EXPLAIN's node texts in a fixed order (influxd plans the calls in Go map order)."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line == "":
            blocks.append([])
        else:
            blocks[-1].append(line)
    if len(blocks) < 2:
        return lines
    out: list[str] = []
    for block in sorted(blocks):
        out.extend([*([""] if out else []), *block])
    return out


def _sorted_scanners(lines: list[str]) -> list[str]:
    """EXPLAIN ANALYZE's iterator scanners in a fixed order, drawn alike (influxd: Go map order)."""
    starts = [i for i, line in enumerate(lines) if _SCANNER.match(line)]
    if len(starts) < 2:
        return lines
    end = len(lines) - 1  # the tree's final empty line
    blocks = []
    for n, start in enumerate(starts):
        stop = starts[n + 1] if n + 1 < len(starts) else end
        blocks.append(["        *── iterator_scanner"]
                      + [_SCANNER_BRANCH.sub("        ?   ", line) for line in lines[start + 1:stop]])
    return lines[:starts[0]] + [line for block in sorted(blocks) for line in block] + lines[end:]


def _normalise_series(series: dict) -> None:
    values = series.get("values", [])
    if series.get("columns") == SHOW_QUERIES_COLUMNS:
        for row in values:
            row[3] = "<duration>"
        values.sort(key=lambda row: row[0])
    elif series.get("columns") == ["QUERY PLAN"]:
        series["values"] = [[line] for line in _sorted_plan([row[0] for row in values])]
    elif series.get("columns") == ["EXPLAIN ANALYZE"]:
        lines = [_ANALYZE_TIME.sub(r"\1: <duration>", row[0]) for row in values]
        series["values"] = [[line] for line in _sorted_scanners(lines)]


def normalise(record: dict) -> dict:
    """The record with its run-to-run differences replaced by placeholders (see the module docstring)."""
    out = dict(record)
    try:
        body = json.loads(record["body"])
    except (ValueError, KeyError):
        return out
    for result in body.get("results", []):
        for series in result.get("series", []):
            _normalise_series(series)
        if "error" in result:
            result["error"] = _POINT_LIMIT.sub(r"max-select-point limit exceeed: (<n>/\1)", result["error"])
    out["body"] = body
    return out
