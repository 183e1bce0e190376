"""The real influxd 1.6.7 reads the files our compactor wrote (skipped where it is not installed).

Chronus, with a tiny ``cache-snapshot-memory-size``, writes 13 batches that overwrite part of each other, each
snapshotted to a level-1 TSM file. A DELETE after the fifth makes the run of generations 1..5 due at once (a
tombstone), compacted into ``000000005-000000002.tsm`` with the tombstone gone; the next eight generations
are compacted into ``000000013-000000002.tsm``. Chronus stops. influxd opened on its directory must answer
every query exactly as Chronus did: it reads our compacted files' blocks and indexes (keys with more than
1000 points span full blocks).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from chronus.tsdb.tsm.block import block_count
from chronus.tsdb.tsm.reader import TSMReader
from tests.integration.servers import ChronusProcess

INFLUXD = "/usr/bin/influxd"
pytestmark = pytest.mark.skipif(not os.access(INFLUXD, os.X_OK), reason="needs the real influxd 1.6.7")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from record_golden import InfluxServer  # noqa: E402

QUERIES = [
    "SELECT * FROM cpu", "SELECT * FROM ev", "SELECT count(*) FROM cpu GROUP BY host",
    "SELECT sum(v), max(n) FROM cpu GROUP BY host", "SHOW SERIES", "SHOW FIELD KEYS",
]


def query(url: str, q: str) -> str:
    data = urllib.parse.urlencode({"q": q, "db": "t", "epoch": "ns"}).encode()
    request = urllib.request.Request(f"{url}/query", data=data, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request, timeout=60) as resp:
        assert resp.status == 200
        return resp.read().decode()


def write(url: str, lines: list[str]) -> None:
    request = urllib.request.Request(f"{url}/write?db=t&precision=s", data="\n".join(lines).encode(),
                                     method="POST")
    with urllib.request.urlopen(request, timeout=60) as resp:
        assert resp.status == 204


def batch(b: int) -> list[str]:
    """400 seconds of points starting at ``b * 300``: the last 100 are overwritten by the next batch."""
    lines = []
    for t in range(b * 300, b * 300 + 400):
        for host in ("a", "b"):
            lines.append(f"cpu,host={host} v={b}.{t % 97},n={t * 3 + b}i {1_000_000 + t}")
    lines += [f'ev,src=x s="b{b}-{t}",ok={"true" if (t + b) % 2 else "false"} {1_000_000 + t}'
              for t in range(b * 300, b * 300 + 400, 7)]
    return lines


def tsm_files(shard_root: Path) -> list[Path]:
    return sorted(shard_root.glob("*/*.tsm"))


def names(shard_root: Path) -> list[str]:
    return [f.name for f in tsm_files(shard_root)]


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_influxd_reads_the_files_chronus_compacted() -> None:
    root = Path(tempfile.mkdtemp(prefix="chronus-compact-"))
    chronus = ChronusProcess(root=root, data_extra='  cache-snapshot-memory-size = "2k"\n')
    try:
        chronus.start()
        assert query(chronus.url, "CREATE DATABASE t") == '{"results":[{"statement_id":0}]}\n'
        shard_root = root / "data" / "t" / "autogen"
        for b in range(13):
            write(chronus.url, batch(b))
            wait_for(lambda b=b: any(int(f.name[:9]) > b for f in tsm_files(shard_root)))  # the snapshot
            if b == 4:
                # A tombstone in generation 1 makes the level-1 run of generations 1..5 due at once.
                delete = "DELETE FROM cpu WHERE host = 'b' AND time >= 1000100s AND time <= 1000199s"
                assert query(chronus.url, delete) == '{"results":[{"statement_id":0}]}\n'
                wait_for(lambda: names(shard_root) == ["000000005-000000002.tsm"])
        # Generations 6..13: eight level-1 files compacted into one.
        wait_for(lambda: names(shard_root) == ["000000005-000000002.tsm", "000000013-000000002.tsm"])
        assert not list(shard_root.glob("*/*.tombstone")) and not list(shard_root.glob("*/*.tmp"))
        reader = TSMReader(str(shard_root / "1" / "000000013-000000002.tsm"))
        entries = reader.entries(b"cpu,host=a#!~#v")
        counts = [block_count(reader.block(off, size)) for _, _, off, size in entries]
        reader.close()
        assert counts == [1000, 1000, 500]  # seconds 1500..3999 of cpu,host=a
        expected = {q: query(chronus.url, q) for q in QUERIES}
        assert '"values":[[0,4000,4000]]' in expected["SELECT count(*) FROM cpu GROUP BY host"]
        assert '"values":[[0,3900,3900]]' in expected["SELECT count(*) FROM cpu GROUP BY host"]
        chronus.stop()
        with InfluxServer(auth_enabled=False, root=root) as server:
            theirs = {q: query(server.url, q) for q in QUERIES}
        assert theirs == expected
    finally:
        chronus.stop()
        shutil.rmtree(root, ignore_errors=True)
