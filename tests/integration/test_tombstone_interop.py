"""Tombstones and fields.idx both ways with the real influxd 1.6.7 (skipped where it is not installed).

(a) influxd snapshots a shard to a TSM file, then runs DELETE / DROP SERIES, which it records in a
``.tombstone`` beside the file (and in fields.idx the fields stay); a copy of its directory taken right then
is read by our TSM reader and served by Chronus, which must answer exactly as influxd did.
(b) Chronus does the same and stops; influxd opened on its directory must answer exactly as Chronus did --
which it can only do by applying our tombstone (the TSM file still holds the deleted points) and loading our
fields.idx (a field whose every point was deleted is listed by SHOW FIELD KEYS only from there).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from chronus.tsdb.fields import MeasurementFieldSet
from chronus.tsdb.tsm import tombstone
from chronus.tsdb.tsm.reader import TSMReader
from tests.integration.servers import ChronusProcess

INFLUXD = "/usr/bin/influxd"
pytestmark = pytest.mark.skipif(not os.access(INFLUXD, os.X_OK), reason="needs the real influxd 1.6.7")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from record_golden import InfluxServer  # noqa: E402
from record_tsm import wait_for_snapshot  # noqa: E402

LINES = [f"cpu,host={host} v={t}.5,idle={t}i {1000 + t}" for host in "abc" for t in range(100)]
LINES += [f'mem,host={host} free=1i,s="x" 1000' for host in "abc"] + ["mem,host=c extra=true 1000"]
DELETES = [
    "DELETE FROM cpu WHERE host = 'a' AND time >= 1010s AND time <= 1020s",
    "DELETE FROM cpu WHERE host = 'b' AND time < 1050s",
    "DROP SERIES FROM mem WHERE host = 'c'",  # takes the only points of mem.extra
]
QUERIES = ["SELECT * FROM cpu", "SELECT * FROM mem", "SHOW SERIES", "SHOW FIELD KEYS",
           "SELECT count(v) FROM cpu GROUP BY host"]


def query(url: str, q: str) -> str:
    data = urllib.parse.urlencode({"q": q, "db": "t", "epoch": "ns"}).encode()
    request = urllib.request.Request(f"{url}/query", data=data, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request, timeout=60) as resp:
        assert resp.status == 200
        return resp.read().decode()


def write(url: str) -> None:
    request = urllib.request.Request(f"{url}/write?db=t&precision=s", data="\n".join(LINES).encode(),
                                     method="POST")
    with urllib.request.urlopen(request, timeout=60) as resp:
        assert resp.status == 204


def populate(url: str, data_dir: Path) -> Path:
    """Create, write, wait until the cache is a TSM file, delete; the shard directory."""
    assert query(url, "CREATE DATABASE t") == '{"results":[{"statement_id":0}]}\n'
    write(url)
    (tsm,) = wait_for_snapshot(data_dir / "t")
    for q in DELETES:
        assert query(url, q) == '{"results":[{"statement_id":0}]}\n'
    return tsm.parent


def check_answers(answers: dict[str, str]) -> None:
    """The deletes took effect (so comparing the two servers is comparing deleted data)."""
    counts = answers["SELECT count(v) FROM cpu GROUP BY host"]
    for host, count in (("a", 89), ("b", 50), ("c", 100)):
        assert f'"tags":{{"host":"{host}"}},"columns":["time","count"],"values":[[0,{count}]]' in counts
    assert '["extra","boolean"]' in answers["SHOW FIELD KEYS"]
    assert "mem,host=c" not in answers["SHOW SERIES"]


def test_chronus_reads_the_tombstones_and_fields_influxd_wrote(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFLUXDB_DATA_CACHE_SNAPSHOT_WRITE_COLD_DURATION", "1s")
    copy = Path(tempfile.mkdtemp(prefix="chronus-tombstone-"))
    shutil.rmtree(copy)
    with InfluxServer(auth_enabled=False) as server:
        shard_dir = populate(server.url, server.root / "data")
        # influxd compacts a file with tombstones within a second or so: freeze it while the copy is taken.
        assert server.process is not None
        os.kill(server.process.pid, signal.SIGSTOP)
        try:
            shutil.copytree(server.root, copy)
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
        expected = {q: query(server.url, q) for q in QUERIES}
    check_answers(expected)
    shard_copy = copy / shard_dir.relative_to(server.root)
    (tsm,) = sorted(shard_copy.glob("*.tsm"))
    data = Path(tombstone.tombstone_path(str(tsm))).read_bytes()
    assert tombstone.file_version(data) == 4
    entries = tombstone.parse_tombstones(data)
    assert (b"mem,host=c#!~#extra", -(2**63), 2**63 - 1) in entries
    assert (b"cpu,host=a#!~#v", 1010 * 10**9, 1020 * 10**9) in entries
    reader = TSMReader(str(tsm))
    try:
        assert reader.read(b"cpu,host=a#!~#v", 1005 * 10**9, 1025 * 10**9).times.tolist() == [
            t * 10**9 for t in (*range(1005, 1010), *range(1021, 1026))]
        assert reader.read(b"cpu,host=b#!~#idle").times[0] == 1050 * 10**9
        assert not reader.contains(b"mem,host=c#!~#extra")
    finally:
        reader.close()
    assert MeasurementFieldSet.load(str(shard_copy / "fields.idx")).field_keys("mem")[0][0] == "extra"
    with ChronusProcess(root=copy) as chronus:
        ours = {q: query(chronus.url, q) for q in QUERIES}
    assert ours == expected


def test_influxd_reads_the_tombstones_and_fields_chronus_wrote() -> None:
    root = Path(tempfile.mkdtemp(prefix="chronus-tombstone-"))
    chronus = ChronusProcess(root=root, data_extra='  cache-snapshot-write-cold-duration = "1s"\n')
    try:
        chronus.start()
        shard_dir = populate(chronus.url, root / "data")
        expected = {q: query(chronus.url, q) for q in QUERIES}
        assert chronus.process is not None
        chronus.process.terminate()
        chronus.process.wait(timeout=30)
        chronus.process = None
        (tsm,) = sorted(shard_dir.glob("*.tsm"))
        entries = tombstone.read_tombstones(tombstone.tombstone_path(str(tsm)))
        assert len(entries) == 7  # two keys each of cpu,host=a and cpu,host=b, three of mem,host=c
        check_answers(expected)
        with InfluxServer(auth_enabled=False, root=root) as server:
            theirs = {q: query(server.url, q) for q in QUERIES}
        assert theirs == expected
    finally:
        if chronus.process is not None:
            chronus.stop()
        shutil.rmtree(root, ignore_errors=True)
