"""Record the WAL interoperability goldens against the real InfluxDB 1.6.7 ``influxd``.

Usage (needs ``/usr/bin/influxd`` and an installed Chronus)::

    python tools/record_wal.py                  # rewrites tests/golden/wal/
    python tools/record_wal.py --influxd /path/to/influxd

Two directions, each with a throw-away influxd (temp dirs, loopback ports, snapshots held off with a long
``cache-snapshot-write-cold-duration`` so the data stays in the WAL), always stopped afterwards:

``influxd -> chronus``
    influxd takes the writes and deletes of ``INFLUXD_STEPS``; its WAL segments are copied to
    ``tests/golden/wal/influxd/`` and its ``SELECT * ... GROUP BY *`` answers saved in ``influxd.json``. The
    tests decode those segments with Chronus and compare with the answers.

``chronus -> influxd``
    influxd creates the database and the shard (one seed point), is stopped, the seed's WAL is removed and
    Chronus writes ``chronus_entries()`` as the shard's WAL (tiny segments, so it rolls; a torn entry at
    the end).
    influxd is started again on it: its answers and the sizes it truncated the segments to go in
    ``chronus.json``, the segments as Chronus wrote them in ``tests/golden/wal/chronus/``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "wal"
sys.path.insert(0, str(REPO))

from chronus.tsdb.values import Values  # noqa: E402
from chronus.tsdb.wal import WAL, DeleteRangeEntry, WriteEntry  # noqa: E402

BASE = 1_600_000_000_000_000_000  # all points in one 7-day shard group

# influxd -> chronus: (kind, text); "write" bodies are line protocol (ns), "query" is run against the db.
INFLUXD_DB = "walgolden"
INFLUXD_STEPS: list[tuple[str, str]] = [
    ("write", f"cpu,host=a,region=eu\\ west value=1.5,temp=-0.25 {BASE}\n"
              f"cpu,host=b,region=us value=2,temp=1e-10 {BASE + 1}\n"
              f"cpu,host=a,region=eu\\ west value=3.25,temp=1.7976931348623157e308 {BASE + 2}"),
    ("write", f"mem,host=a free=42i,used=-9223372036854775808i,total=9223372036854775807i {BASE}\n"
              f"mem,host=a free=43i,used=0i,total=1i {BASE + 10}"),
    ("write", f"status,host=a ok=true,up=F {BASE}\nstatus,host=a ok=false,up=T {BASE + 5}"),
    ("write", f'log,app=web msg="hello",note="" {BASE}\n'
              f'log,app=web msg="with \\"quotes\\" and \\\\ backslash",note="ünïcødé ✓" {BASE + 1}'),
    ("write", f"cpu,host=a,region=eu\\ west value=9.5 {BASE}\n"
              f"cpu,host=a,region=eu\\ west value=-0 {BASE + 7}"),
    ("write", f"m\\,x\\ y,t\\=k=v\\,w f\\ z=1i,f\\,y=2i {BASE}"),
    ("query", f"DELETE FROM status WHERE time < {BASE + 5}"),
    ("write", f"status,host=b ok=true {BASE + 1}"),
    ("query", "DROP SERIES FROM mem WHERE host = 'a'"),
    ("write", f"mem,host=a free=1i {BASE + 20}"),
]
INFLUXD_MEASUREMENTS = ["cpu", "mem", "status", "log", "m,x y"]

# chronus -> influxd
CHRONUS_DB = "chronusgolden"
CHRONUS_SEGMENT_SIZE = 200  # bytes: rolls every few entries
CHRONUS_MEASUREMENTS = ["weather", "flags", "notes", "counts", "big"]


def chronus_entries() -> list[WriteEntry | DeleteRangeEntry]:
    """What Chronus writes for influxd to replay: every value type, overwrites, a delete range."""
    return [
        WriteEntry({
            b"weather,city=paris#!~#temp": Values.floats([BASE, BASE + 2, BASE + 1], [12.5, -3.0, 1e-300]),
            b"weather,city=oslo#!~#temp": Values.floats([BASE], [-0.0]),
            b"flags,id=1#!~#on": Values.booleans([BASE, BASE + 1], [True, False]),
        }),
        WriteEntry({
            b"notes,lang=fr#!~#text": Values.strings([BASE, BASE + 1], ["élan".encode(), b""]),
            b"counts,kind=a#!~#n": Values.integers([BASE, BASE + 1, BASE + 2],
                                                   [-(1 << 63), 0, (1 << 63) - 1]),
        }),
        WriteEntry({b"weather,city=paris#!~#temp": Values.floats([BASE + 2, BASE + 3], [99.0, 100.5])}),
        WriteEntry({b"big,id=x#!~#u": Values.unsigneds([BASE, BASE + 1], [0, (1 << 64) - 1])}),
        DeleteRangeEntry([b"counts,kind=a#!~#n"], BASE + 1, BASE + 1),
        WriteEntry({b"flags,id=1#!~#on": Values.booleans([BASE + 1], [True]),
                    b"notes,lang=fr#!~#text": Values.strings([BASE + 5], [b"x" * 100])}),
    ]


# A torn entry at the end of the last segment: the header and half of a write entry's block.
TORN_TAIL = bytes([1, 0, 0, 0, 40]) + b"\x28\x00" + b"\x01" * 10

CONFIG = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"
[meta]
  dir = "{root}/meta"
  logging-enabled = false
[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  cache-snapshot-write-cold-duration = "24h"
  compact-full-write-cold-duration = "24h"
  query-log-enabled = false
[retention]
  enabled = false
[shard-precreation]
  enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:{http_port}"
  log-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Influxd:
    """influxd on a data root that outlives it (so it can be restarted on the same files)."""

    def __init__(self, binary: str, root: Path) -> None:
        self.binary, self.root = binary, root
        self.http_port = free_port()
        self.config = root / "influxdb.conf"
        self.config.write_text(CONFIG.format(root=root, rpc_port=free_port(), http_port=self.http_port))
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Influxd:
        with open(self.root / "influxd.log", "ab") as logfile:
            self.process = subprocess.Popen([self.binary, "-config", str(self.config)], stdout=logfile,
                                            stderr=logfile, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log_tail = (self.root / "influxd.log").read_text()[-3000:]
                raise RuntimeError(f"influxd exited early:\n{log_tail}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/ping", timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("influxd did not answer /ping")

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def post(self, path: str, body: bytes) -> tuple[int, str]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.http_port}{path}", data=body, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def query(self, db: str, q: str) -> dict:
        status, text = self.post(f"/query?db={db}&epoch=ns", urllib.parse.urlencode({"q": q}).encode())
        if status != 200:
            raise RuntimeError(f"{q!r}: {status} {text}")
        return json.loads(text)

    def write(self, db: str, body: str) -> None:
        status, text = self.post(f"/write?db={db}", body.encode())
        if status != 204:
            raise RuntimeError(f"write failed: {status} {text}")


def quote_ident(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def answers(server: Influxd, db: str, measurements: list[str]) -> dict[str, dict]:
    return {m: server.query(db, f"SELECT * FROM {quote_ident(m)} GROUP BY *") for m in measurements}


def shard_wal_dir(root: Path, db: str) -> Path:
    (shard,) = (root / "wal" / db / "autogen").iterdir()
    return shard


def record_influxd_to_chronus(binary: str, root: Path) -> None:
    with Influxd(binary, root) as server:
        server.query("", f"CREATE DATABASE {INFLUXD_DB}")
        for kind, text in INFLUXD_STEPS:
            if kind == "write":
                server.write(INFLUXD_DB, text)
            else:
                server.query(INFLUXD_DB, text)
        result = answers(server, INFLUXD_DB, INFLUXD_MEASUREMENTS)
    out = GOLDEN / "influxd"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for segment in sorted(shard_wal_dir(root, INFLUXD_DB).glob("_*.wal")):
        shutil.copy(segment, out / segment.name)
    record = {"steps": INFLUXD_STEPS, "answers": result}
    write_json(GOLDEN / "influxd.json", record)


def write_chronus_wal(directory: Path) -> list[str]:
    """Write ``chronus_entries()`` with Chronus's WAL and tear the last segment; returns the segment names."""
    wal = WAL(str(directory), segment_size=CHRONUS_SEGMENT_SIZE)
    with wal:
        for entry in chronus_entries():
            if isinstance(entry, WriteEntry):
                wal.write(entry.values)
            else:
                wal.delete_range(entry.keys, entry.min, entry.max)
    segments = sorted(p.name for p in directory.glob("_*.wal"))
    with open(directory / segments[-1], "ab") as f:
        f.write(TORN_TAIL)
    return segments


def record_chronus_to_influxd(binary: str, root: Path) -> None:
    with Influxd(binary, root) as server:
        server.query("", f"CREATE DATABASE {CHRONUS_DB}")
        server.write(CHRONUS_DB, f"seed v=1 {BASE}")
    shard = shard_wal_dir(root, CHRONUS_DB)
    for segment in shard.glob("_*.wal"):
        segment.unlink()
    segments = write_chronus_wal(shard)
    out = GOLDEN / "chronus"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for name in segments:
        shutil.copy(shard / name, out / name)
    with Influxd(binary, root) as server:
        result = answers(server, CHRONUS_DB, CHRONUS_MEASUREMENTS)
    sizes = {name: (shard / name).stat().st_size for name in segments}
    record = {"segment_size": CHRONUS_SEGMENT_SIZE, "answers": result, "sizes_after_influxd_replay": sizes}
    write_json(GOLDEN / "chronus.json", record)


def write_json(path: Path, record: dict) -> None:
    path.write_text(json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--influxd", default=os.environ.get("INFLUXD", "/usr/bin/influxd"))
    args = parser.parse_args(argv)
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for step in (record_influxd_to_chronus, record_chronus_to_influxd):
        root = Path(tempfile.mkdtemp(prefix="chronus-wal-"))
        try:
            step(args.influxd, root)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    names = sorted(p.name for p in GOLDEN.iterdir())
    print(f"recorded {names} in {GOLDEN.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
