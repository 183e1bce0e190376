"""Snapshots and compactions survive ``kill -9``: a writer streams batches into a server that snapshots its
cache every second (a tiny ``cache-snapshot-memory-size``) and so compacts level-1 files all the time; the
server is killed at the worst moments (a snapshot's or a compaction's ``.tmp`` output on disk, or its output
renamed while the inputs are still there) and at random ones, restarted each time. Afterwards every
acknowledged point is there exactly once, and every TSM file on disk opens and every block's CRC checks."""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from chronus.tsdb.tsm.block import block_count, decode_block
from chronus.tsdb.tsm.reader import TSMReader
from tests.integration.servers import ChronusProcess, post_status

BATCH = 200
BASE_NS = 1_600_000_000_000_000_000
COMPACTED = re.compile(r"^\d{9}-(\d{9})\.tsm(\.tmp)?$")


def _body(batch: int) -> bytes:
    return "\n".join(
        f"cmp,writer=w{batch % 3} v={batch}i,seq={i}i {BASE_NS + batch * BATCH + i}" for i in range(BATCH)
    ).encode()


def _stream(port: int, first: int, acked: list[int], stop: threading.Event) -> None:
    batch = first
    while not stop.is_set():
        try:
            status = post_status(port, "/write?db=cmp", _body(batch))
        except OSError:
            return  # the server is gone
        if status == 204:
            acked.append(batch)
        batch += 1
        time.sleep(0.005)


def _stored(port: int) -> Counter:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        query = urlencode({"db": "cmp", "q": "SELECT v, seq FROM cmp", "epoch": "ns"})
        conn.request("GET", "/query?" + query)
        body = json.loads(conn.getresponse().read())
    finally:
        conn.close()
    points: Counter = Counter()
    for series in body["results"][0].get("series", []):
        for stamp, v, seq in series["values"]:
            assert stamp == BASE_NS + v * BATCH + seq
            points[(v, seq)] += 1
    return points


def _shard_files(root: Path) -> list[str]:
    names = []
    for directory, _, files in os.walk(root / "data" / "cmp"):
        names += [os.path.join(directory, f) for f in files]
    return names


def _wait_for(root: Path, kind: str, timeout: float) -> bool:
    """Poll the shard directory until a snapshot or compaction is caught in the act (``kind``: snapshot, a
    cache snapshot's level-1 ``.tmp`` file; tmp, a compaction's; or replace)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = [os.path.basename(p) for p in _shard_files(root)]
        for name in names:
            match = COMPACTED.match(name)
            if kind == "snapshot" and match and match.group(2) and int(match.group(1)) == 1:
                return True
            if not match or int(match.group(1)) < 2:
                continue
            if kind == "tmp" and match.group(2):
                return True
            generation = name[:9]
            # Level-1 inputs older than the output still on disk: the output is renamed, the inputs not gone.
            inputs = [n for n in names if n.endswith("-000000001.tsm") and n[:9] <= generation]
            if kind == "replace" and not match.group(2) and len(inputs) >= 2:
                return True
        time.sleep(0.001)
    return False


def _check_files(root: Path) -> int:
    """Every TSM file opens and every block's CRC checks; returns the highest sequence seen."""
    highest = 0
    for path in _shard_files(root):
        assert not path.endswith(".tmp"), path
        if not path.endswith(".tsm"):
            continue
        highest = max(highest, int(os.path.basename(path)[10:19]))
        reader = TSMReader(path)
        for key in reader.keys():  # noqa: SIM118 - not a dict
            for _, _, offset, size in reader.entries(key):
                block = reader.block(offset, size)  # raises on a CRC mismatch
                assert 0 < block_count(block) <= 1000
                decode_block(block)
        reader.close()
    return highest


def test_acknowledged_points_survive_kill_9_during_compactions() -> None:
    extra = '  cache-snapshot-memory-size = "16k"\n  cache-snapshot-write-cold-duration = "1s"\n'
    with ChronusProcess(data_extra=extra) as server:
        assert post_status(server.http_port, "/query?" + urlencode({"q": "CREATE DATABASE cmp"}), b"") == 200
        rng = random.Random()
        acked: list[int] = []
        caught = Counter()
        next_batch = 0
        for round_, kind in enumerate(("snapshot", "tmp", "replace", "random", "snapshot", "replace")):
            stop = threading.Event()
            mine: list[int] = []
            writer = threading.Thread(target=_stream, args=(server.http_port, next_batch, mine, stop))
            writer.start()
            if kind == "random":
                time.sleep(rng.uniform(2.0, 6.0))
            elif _wait_for(server.root, kind, 40):
                caught[kind] += 1
            server.kill()
            stop.set()
            writer.join(timeout=30)
            acked += mine
            next_batch += 100_000  # the next round's batches never collide with an unacknowledged one
            server.start()
            stored = _stored(server.http_port)
            missing = [b for b in acked if any(stored[(b, i)] != 1 for i in range(BATCH))]
            assert not missing, f"round {round_}: batches lost or doubled: {missing[:10]}"
            assert all(count == 1 for count in stored.values())
        assert caught["tmp"] + caught["replace"] >= 2, f"compactions were not caught: {caught}"
        assert caught["snapshot"] >= 1, f"snapshots were not caught: {caught}"
        # Let it settle and compact, then check every file on disk.
        server.stop()
        assert _check_files(server.root) >= 2
        server.start()
        stored = _stored(server.http_port)
        assert all(stored[(b, i)] == 1 for b in acked for i in range(BATCH))
