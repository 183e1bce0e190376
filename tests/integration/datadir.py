"""Shared pieces of the data-directory interop tests: the real influxd 1.6.7 as a process that keeps its
directory, one data set that covers what a TSM data directory can hold, and the queries both servers answer.

The data set is written in two sessions of the same server so the directory ends up holding every kind of
state at once: session one runs with ``cache-snapshot-write-cold-duration = "1s"`` and waits until every
write has been snapshotted (two snapshots, so shards hold several TSM files and some points are overwritten
across files); session two runs with the default cold duration and is stopped (SIGTERM) before it can
snapshot, so its points live only in the WAL. With ``deletes`` the second session also runs a ``DELETE``
(tombstones on TSM files plus a delete entry in the WAL), a ``DROP MEASUREMENT`` and then writes again.

No two series of a measurement share a timestamp: which of two such points a raw ``SELECT`` lists first
follows influxd's iterator heap (and its GOMAXPROCS), a matter of the query layer, not of the directory.
"""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from tests.integration.servers import free_port, terminate, wait_for_ping

INFLUXD = "/usr/bin/influxd"

#: Both servers run without the services that would add data of their own (``_internal``) or change the
#: meta data behind the test's back (shard precreation, retention).
QUIET_SECTIONS = """
[monitor]
  store-enabled = false

[retention]
  enabled = false

[shard-precreation]
  enabled = false

[continuous_queries]
  enabled = false

[subscriber]
  enabled = false
"""

INFLUXD_CONFIG = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{root}/meta"
  logging-enabled = false

[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
{data_extra}
[http]
  bind-address = "127.0.0.1:{http_port}"
  log-enabled = false
{quiet}"""

COLD_SNAPSHOTS = '  cache-snapshot-write-cold-duration = "1s"\n'
#: A shard not written for a second is fully compacted (all its files and tombstones into one generation).
COLD_COMPACTIONS = '  compact-full-write-cold-duration = "1s"\n'


@dataclass
class InfluxdProcess:
    """The real ``/usr/bin/influxd`` on ``root`` (meta, data, wal below it); unlike the golden recorder's
    server it leaves the directory in place when it stops, so another server can open it."""

    root: Path
    http_port: int = field(default_factory=free_port)
    rpc_port: int = field(default_factory=free_port)
    data_extra: str = ""
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> None:
        config = self.root / "real-influxd.conf"
        config.write_text(INFLUXD_CONFIG.format(root=self.root, http_port=self.http_port,
                                                rpc_port=self.rpc_port, data_extra=self.data_extra,
                                                quiet=QUIET_SECTIONS))
        with open(self.root / "real-influxd.log", "ab") as log:
            self.process = subprocess.Popen([INFLUXD, "-config", str(config)], stdout=log, stderr=log,
                                            stdin=subprocess.DEVNULL)
        wait_for_ping(self.process, self.url, self.log_tail, self.stop)

    def stop(self) -> None:
        """SIGTERM, as an operator stops it; influxd closes its files without snapshotting the cache."""
        terminate(self.process)
        self.process = None

    def log_tail(self) -> str:
        try:
            return (self.root / "real-influxd.log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""


class Server(Protocol):
    """What the data-set writer needs of either server process."""

    data_extra: str

    @property
    def url(self) -> str: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


# -- HTTP ------------------------------------------------------------------------------------------------


def query(url: str, q: str, db: str | None = None) -> tuple[int, str]:
    """POST /query; the status and the body exactly as sent (the bytes are compared, not the JSON)."""
    form = {"q": q} if db is None else {"q": q, "db": db}
    body = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(f"{url}/query", data=body, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def write(url: str, db: str, rp: str | None, lines: list[str]) -> None:
    params = {"db": db, "precision": "s"} if rp is None else {"db": db, "rp": rp, "precision": "s"}
    request = urllib.request.Request(f"{url}/write?{urllib.parse.urlencode(params)}",
                                     data="\n".join(lines).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=60) as resp:
        assert resp.status == 204, resp.read()


def execute(url: str, q: str, db: str | None = None) -> None:
    status, body = query(url, q, db)
    assert status == 200 and '"error"' not in body, (q, status, body)


# -- the data set ----------------------------------------------------------------------------------------

T0 = 1_514_764_800  # 2018-01-01T00:00:00Z, a Monday: 7-day shard groups start on Mondays
HOUR = 3600
DAY = 24 * HOUR

SETUP = [
    ("CREATE DATABASE db1", None),
    ("CREATE RETENTION POLICY rp2 ON db1 DURATION INF REPLICATION 1 SHARD DURATION 1h", None),
    ("CREATE DATABASE db2", None),
]


def _cpu(hosts: int, start: int, stop: int, step: int, salt: int) -> list[str]:
    """Every field type in one measurement: float, integer, string, boolean."""
    lines = []
    for t in range(start, stop, step):
        for h in range(hosts):
            n = (t // step + h * 7 + salt) % 101
            lines.append(
                f"cpu,host=server{h:02d},region={'us-west' if h % 2 else 'eu-central'} "
                f"usage={n * 0.75 + salt},count={n * 3 - 50}i,status=\"st {n % 4} \\\"q\\\"\","
                f"up={'true' if n % 3 else 'false'} {t + h}"
            )
    return lines


def round_a() -> list[tuple[str, str | None, list[str]]]:
    """Session one, first snapshot: three weeks of db1 (three autogen shard groups), three hours of rp2
    (three one-hour shard groups), two weeks of db2."""
    return [
        ("db1", None, _cpu(3, T0, T0 + 21 * DAY, 6 * HOUR, 0)),
        ("db1", None, [f"mem,host=server{h:02d} free={(t // HOUR) % 50 * 1024 + h}i,used_pct={h + 0.5} "
                       f"{t + h}" for t in range(T0, T0 + 21 * DAY, 12 * HOUR) for h in range(2)]),
        ("db1", None, [f"disk,host=server00,path=/var/lib free={t % 977}i,"
                       f"inodes_full={str(t % 2 == 0).lower()} {t}" for t in range(T0, T0 + 14 * DAY, DAY)]),
        ("db1", None, [f'my\\ meas,tag\\,key=va\\ l\\=ue text="a\\"b c",x=1.25 {T0 + 3 * DAY}']),
        ("db1", "rp2", _cpu(2, T0, T0 + 3 * HOUR, 600, 5)),
        ("db1", "rp2", [f'events,kind={k} msg="event {k} at {t}",ok={str(k == "b").lower()} {t + (k == "b")}'
                        for t in range(T0, T0 + 3 * HOUR, 1800) for k in "ab"]),
        ("db2", None, [f"temperature,sensor=s{s},floor={s % 2} value={20 + s + (t // HOUR) % 7 * 0.125} "
                       f"{t + s}" for t in range(T0, T0 + 14 * DAY, 8 * HOUR) for s in range(3)]),
        ("db2", None, [f"flags,sensor=s{s} state={'t' if (t // DAY + s) % 2 else 'f'} {t + s}"
                       for t in range(T0, T0 + 14 * DAY, DAY) for s in range(2)]),
    ]


def round_b() -> list[tuple[str, str | None, list[str]]]:
    """Session one, second snapshot: overwrites of round A's points (a second TSM file with the same keys and
    timestamps) and a new series."""
    return [
        ("db1", None, _cpu(2, T0 + 7 * DAY, T0 + 10 * DAY, 6 * HOUR, 40)),
        ("db1", None, [f"mem,host=server02 free=7i,used_pct=99.5 {T0 + d * DAY + 2}" for d in range(21)]),
        ("db1", "rp2", [f'events,kind=a msg="rewritten",ok=true {T0 + 1800}']),
        ("db2", None, [f"temperature,sensor=s1,floor=1 value=-3.5 {T0 + 8 * HOUR * k + 1}"
                       for k in range(5)]),
    ]


def round_c() -> list[tuple[str, str | None, list[str]]]:
    """Session two, WAL only: new points in old shards, overwrites of snapshotted points, a fourth week."""
    return [
        ("db1", None, _cpu(4, T0 + 18 * DAY, T0 + 28 * DAY, 6 * HOUR, 70)),
        ("db1", None, [f"mem,host=server00 free=1i,used_pct=0.25 {T0 + d * DAY}" for d in range(0, 28, 3)]),
        ("db1", None, [f"disk,host=server01,path=/ free=5i,inodes_full=true {T0 + d * DAY + 1}"
                       for d in range(3)]),
        ("db1", "rp2", [f'events,kind=c msg="late",ok=false {T0 + 2 * HOUR + 62}']),
        ("db2", None, [f"temperature,sensor=s9,floor=0 value={k}.5 {T0 + k * DAY + 9}" for k in range(14)]),
    ]


#: Session two with ``deletes``, after round C: a DELETE over snapshotted and WAL points, a DROP MEASUREMENT
#: of a measurement with points in both, and a DELETE on db2 by time alone.
DELETES = [
    ("DELETE FROM cpu WHERE host = 'server01' AND time < '2018-01-12T00:00:00Z'", "db1"),
    ("DELETE FROM events WHERE kind = 'a'", "db1"),
    ("DROP MEASUREMENT disk", "db1"),
    ("DELETE WHERE time >= '2018-01-05T00:00:00Z' AND time < '2018-01-09T00:00:00Z'", "db2"),
]


def round_d() -> list[tuple[str, str | None, list[str]]]:
    """Session two, after the deletes: points written again into deleted ranges (WAL: write, delete,
    write)."""
    return [
        ("db1", None, [f'cpu,host=server01,region=us-west usage=1.5,count=2i,status="back",up=true '
                       f"{T0 + DAY + 1}"]),
        ("db1", None, [f"disk,host=server02,path=/tmp free=9i {T0 + 2 * DAY + 2}"]),
        ("db2", None, [f"flags,sensor=s0 state=true {T0 + 6 * DAY}"]),
    ]


def round_e() -> list[tuple[str, str | None, list[str]]]:
    """A later session of the other server on the same directory: new series in a shard with files and
    tombstones, in the WAL-only shard and in a new shard group, a new measurement."""
    return [
        ("db1", None, [f'cpu,host=server09,region=ap-south usage=9.5,count=9i,status="new",up=false '
                       f"{T0 + d * DAY + 9}" for d in range(0, 28, 2)]),
        ("db1", None, [f"mem,host=server01 free=3i,used_pct=3.5 {T0 + 23 * DAY + 1}"]),
        ("db1", "rp2", [f'events,kind=a msg="again",ok=true {T0 + 5 * HOUR}']),
        ("db2", None, [f"net,sensor=s{s} rx={s * 100}i,tx={s * 1.5} {T0 + k * DAY + s}"
                       for k in range(0, 30, 5) for s in range(2)]),
    ]


#: The other server's session on the same directory deletes too, after round E.
LATER_DELETES = [
    ("DROP SERIES FROM mem WHERE host = 'server02'", "db1"),
    ("DELETE FROM temperature WHERE sensor = 's9' AND time > '2018-01-10T00:00:00Z'", "db2"),
]


def continue_session(server: Server) -> dict[str, tuple[int, str]]:
    """Run ``server`` (default settings) on a directory another server wrote: write round E, run
    LATER_DELETES, answer QUERIES (and the queries of what round E added), stop."""
    server.data_extra = ""
    server.start()
    try:
        _write_round(server.url, round_e())
        for q, db in LATER_DELETES:
            execute(server.url, q, db)
        return answers(server.url, QUERIES + LATER_QUERIES)
    finally:
        server.stop()


def _write_round(url: str, batches: list[tuple[str, str | None, list[str]]]) -> None:
    for db, rp, lines in batches:
        write(url, db, rp, lines)


def wait_for_snapshots(root: Path, timeout: float = 60.0) -> None:
    """Until every shard has a TSM file and every WAL segment is empty (all writes snapshotted)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shards = shard_dirs(root)
        wal = list((root / "wal").glob("*/*/*/*.wal"))
        snapshotted = shards and all(list(p.glob("*.tsm")) for p in shards)
        # Every WAL segment empty, and no snapshot half-written either.
        if snapshotted and all(w.stat().st_size == 0 for w in wal) and not list(
                (root / "data").glob("*/*/*/*.tmp")):
            return
        time.sleep(0.2)
    raise AssertionError(f"writes were not snapshotted within {timeout}s")


def wait_for_full_compaction(root: Path, timeout: float = 30.0) -> None:
    """Until every shard with TSM files has exactly one, and none is being written."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = [len(list(p.glob("*.tsm"))) for p in shard_dirs(root)]
        if counts and all(n <= 1 for n in counts) and not list((root / "data").glob("*/*/*/*.tmp")):
            return
        time.sleep(0.2)
    raise AssertionError(f"shards were not fully compacted within {timeout}s: {tsm_files(root)}")


def populate(server: Server, root: Path, *, deletes: bool,
             compact: bool = False) -> dict[str, tuple[int, str]]:
    """Write the data set in two sessions of ``server`` (see the module docstring), then answer QUERIES; the
    server is stopped on return. With ``compact`` session one ends with every shard fully compacted, and
    session two's deletes tombstone the compacted files."""
    server.data_extra = COLD_SNAPSHOTS + (COLD_COMPACTIONS if compact else "")
    server.start()
    try:
        for q, db in SETUP:
            execute(server.url, q, db)
        _write_round(server.url, round_a())
        wait_for_snapshots(root)
        _write_round(server.url, round_b())
        time.sleep(1.2)  # a write in the same second as round A's snapshot could land in it
        wait_for_snapshots(root)
        if compact:
            wait_for_full_compaction(root)
    finally:
        server.stop()
    server.data_extra = ""
    server.start()
    try:
        _write_round(server.url, round_c())
        if deletes:
            for q, db in DELETES:
                execute(server.url, q, db)
            _write_round(server.url, round_d())
        return answers(server.url)
    finally:
        server.stop()


def shard_dirs(root: Path) -> list[Path]:
    """``data/<db>/<rp>/<id>``; influxd's series file ``data/<db>/_series/<partition>`` is not a policy."""
    return [p for p in (root / "data").glob("*/*/*")
            if p.is_dir() and p.name.isdigit() and p.parent.name != "_series"]


def tsm_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root / "data")) for p in (root / "data").glob("*/*/*/*.tsm"))


def wal_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in (root / "wal").glob("*/*/*/*.wal"))


# -- the questions ---------------------------------------------------------------------------------------

WHEN = "time >= '2018-01-01T00:00:00Z' AND time < '2018-01-29T00:00:00Z'"

QUERIES: list[tuple[str, str | None]] = [
    ("SHOW DATABASES", None),
    ("SHOW RETENTION POLICIES ON db1", None),
    ("SHOW SHARD GROUPS", None),
    ("SHOW MEASUREMENTS", "db1"),
    ("SHOW MEASUREMENTS ON db2", None),
    ("SHOW SERIES", "db1"),
    ("SHOW SERIES ON db2", None),
    ("SHOW SERIES FROM cpu WHERE host = 'server01'", "db1"),
    ("SHOW FIELD KEYS", "db1"),
    ("SHOW FIELD KEYS ON db2", None),
    ("SHOW FIELD KEYS FROM rp2.events", "db1"),
    ("SHOW TAG KEYS", "db1"),
    ("SHOW TAG KEYS ON db2", None),
    ('SHOW TAG VALUES WITH KEY = "host"', "db1"),
    ('SHOW TAG VALUES FROM cpu WITH KEY IN ("host", "region")', "db1"),
    ('SHOW TAG VALUES ON db2 WITH KEY =~ /./', None),
    ("SHOW SERIES EXACT CARDINALITY", "db1"),
    ("SHOW MEASUREMENT EXACT CARDINALITY ON db2", None),
    ('SHOW TAG VALUES EXACT CARDINALITY WITH KEY = "host"', "db1"),
    ("SHOW FIELD KEY EXACT CARDINALITY", "db1"),
    ("SELECT * FROM cpu", "db1"),
    ("SELECT * FROM mem", "db1"),
    ("SELECT * FROM disk", "db1"),
    ('SELECT * FROM "my meas"', "db1"),
    ("SELECT * FROM rp2.cpu", "db1"),
    ("SELECT * FROM rp2.events", "db1"),
    ("SELECT * FROM temperature", "db2"),
    ("SELECT * FROM flags", "db2"),
    ("SELECT * FROM db1.autogen.cpu, db1.autogen.mem WHERE host = 'server00'", "db1"),
    (f"SELECT count(*) FROM cpu WHERE {WHEN} GROUP BY time(7d)", "db1"),
    (f"SELECT mean(usage), max(usage), min(count), sum(count) FROM cpu WHERE {WHEN} GROUP BY time(1d), host "
     "fill(none)", "db1"),
    ("SELECT first(status), last(up), count(up) FROM cpu GROUP BY host", "db1"),
    ("SELECT count(msg), last(msg) FROM rp2.events GROUP BY kind", "db1"),
    (f"SELECT mean(value), spread(value) FROM temperature WHERE {WHEN} GROUP BY time(2d), sensor", "db2"),
    ("SELECT count(state) FROM flags GROUP BY sensor", "db2"),
    ("SELECT max(free) FROM mem GROUP BY *", "db1"),
]


#: What round E adds, asked after it.
LATER_QUERIES: list[tuple[str, str | None]] = [
    ("SELECT * FROM net", "db2"),
    ("SELECT sum(rx), mean(tx) FROM net GROUP BY sensor", "db2"),
]


def answers(url: str, queries: list[tuple[str, str | None]] = QUERIES) -> dict[str, tuple[int, str]]:
    """The answer to each of ``queries``, keyed by ``db: query``."""
    return {f"{db}: {q}": query(url, q, db) for q, db in queries}


def difference(writer: tuple[int, str], reader: tuple[int, str]) -> str:
    """Where two answers part: status codes, the length of each and 120 characters around the first
    differing one (a whole ``SELECT *`` answer is too long to read in a failure)."""
    (ws, wb), (rs, rb) = writer, reader
    at = next((i for i, (a, b) in enumerate(zip(wb, rb, strict=False)) if a != b), min(len(wb), len(rb)))
    lo = max(0, at - 60)
    return (f"status {ws}/{rs}, length {len(wb)}/{len(rb)}, first difference at {at}: "
            f"writer ...{wb[lo:at + 60]!r} reader ...{rb[lo:at + 60]!r}")
