"""Record a shard the real InfluxDB 1.6.7 ``influxd`` wrote and then deleted from: a TSM file, the
``.tombstone`` its deletes left beside it, its ``fields.idx``, and what influxd answered afterwards.

Usage (needs ``/usr/bin/influxd``)::

    python tools/record_tombstone.py                  # rewrites tests/golden/tsm/tombstone/
    python tools/record_tombstone.py --influxd /path/to/influxd

A throw-away influxd (``InfluxServer`` of ``tools/record_golden.py``, a 1s cold-cache snapshot) takes the
points of ``LINES``, snapshots them to one TSM file, and runs ``DELETES`` (each one delete batch, so one gzip
member of the v4 tombstone). influxd compacts a file with tombstones within a second or so, so the process
is frozen (SIGSTOP) while the shard's files are copied, then resumed to answer ``QUERIES``.

Written to ``tests/golden/tsm/tombstone/``: ``000000001-000000001.tsm``, ``000000001-000000001.tombstone``,
``fields.idx`` as influxd wrote them, and ``answers.json`` (query -> influxd's body, ``epoch=ns``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from record_golden import InfluxServer
from record_tsm import wait_for_snapshot

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "tsm" / "tombstone"
DB = "t"

LINES = [f"cpu,host={host} v={t}.5,idle={t}i {1000 + t}" for host in "abc" for t in range(30)]
LINES += [f'mem,host={host} free={i}i,s="{host}" 1000' for i, host in enumerate("abc")]
LINES += ["mem,host=c extra=true 1000", "disk,path=/ used=1 1000", "disk,path=/ used=2 1010"]
DELETES = [
    "DELETE FROM cpu WHERE host = 'a' AND time >= 1010s AND time <= 1015s",  # a hole in a key
    "DELETE FROM cpu WHERE host = 'a' AND time >= 1020s AND time <= 1025s",  # a second one
    "DELETE FROM cpu WHERE host = 'b' AND time < 1010s",  # the start of a key
    "DELETE FROM cpu WHERE host = 'c' AND time >= 1000s AND time <= 1029s",  # a whole key, by its range
    "DROP SERIES FROM mem WHERE host = 'c'",  # all time; mem.extra stays only in fields.idx
    "DROP MEASUREMENT disk",
]
QUERIES = ["SELECT * FROM cpu GROUP BY *", "SELECT * FROM mem GROUP BY *", "SELECT * FROM disk GROUP BY *",
           "SHOW SERIES", "SHOW FIELD KEYS"]


def query(url: str, q: str) -> str:
    data = urllib.parse.urlencode({"q": q, "db": DB, "epoch": "ns"}).encode()
    request = urllib.request.Request(f"{url}/query", data=data, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request, timeout=60) as resp:
        return resp.read().decode()


def record(binary: str) -> None:
    os.environ["INFLUXDB_DATA_CACHE_SNAPSHOT_WRITE_COLD_DURATION"] = "1s"
    with InfluxServer(binary=binary, auth_enabled=False) as server:
        server.must(f"CREATE DATABASE {DB}")
        request = urllib.request.Request(f"{server.url}/write?db={DB}&precision=s",
                                         data="\n".join(LINES).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=60) as resp:
            assert resp.status == 204
        (tsm,) = wait_for_snapshot(server.root / "data" / DB)
        for q in DELETES:
            server.must(q, db=DB)
        assert server.process is not None
        os.kill(server.process.pid, signal.SIGSTOP)
        try:
            names = [tsm.name, tsm.with_suffix(".tombstone").name, "fields.idx"]
            if not all((tsm.parent / name).exists() for name in names):
                raise RuntimeError(f"influxd compacted before the copy: {sorted(os.listdir(tsm.parent))}")
            shutil.rmtree(GOLDEN, ignore_errors=True)
            GOLDEN.mkdir(parents=True)
            for name in names:
                shutil.copyfile(tsm.parent / name, GOLDEN / name)
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
        answers = {q: query(server.url, q) for q in QUERIES}
    text = json.dumps(answers, ensure_ascii=False, indent=1, sort_keys=True)
    (GOLDEN / "answers.json").write_text(text + "\n", encoding="utf-8")
    print(f"wrote {', '.join(sorted(os.listdir(GOLDEN)))} to {GOLDEN}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--influxd", default="/usr/bin/influxd")
    args = parser.parse_args(argv)
    record(args.influxd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
