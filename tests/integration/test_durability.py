"""Every acknowledged write survives ``kill -9``: a writer streams batches, the server dies at a random
moment, and after a restart every batch that got its 204 is there, point for point."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from urllib.parse import urlencode

from tests.integration.servers import ChronusProcess, post_status

BATCH = 500
BASE_NS = 1_600_000_000_000_000_000


def _batch_body(batch: int) -> bytes:
    lines = [
        f"dur,writer=w{batch % 4} v={batch}i,seq={i}i {BASE_NS + batch * BATCH + i}" for i in range(BATCH)
    ]
    return ("\n".join(lines)).encode()


def _stream(port: int, acked: list[int], stop: threading.Event) -> None:
    batch = 0
    while not stop.is_set():
        try:
            status = post_status(port, "/write?db=dur", _batch_body(batch))
        except OSError:
            return  # the server is gone
        if status == 204:
            acked.append(batch)
        batch += 1


def _stored(port: int) -> dict[int, set[int]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "GET", "/query?" + urlencode({"db": "dur", "q": "SELECT v, seq FROM dur", "epoch": "ns"})
        )
        body = json.loads(conn.getresponse().read())
    finally:
        conn.close()
    batches: dict[int, set[int]] = {}
    for series in body["results"][0].get("series", []):
        for stamp, v, seq in series["values"]:
            assert stamp == BASE_NS + v * BATCH + seq
            batches.setdefault(v, set()).add(seq)
    return batches


def test_acknowledged_batches_survive_kill_9(fresh_server: ChronusProcess) -> None:
    port = fresh_server.http_port
    assert post_status(port, "/query?" + urlencode({"q": "CREATE DATABASE dur"}), b"") == 200
    rng = random.Random()
    for _round in range(3):
        acked: list[int] = []
        stop = threading.Event()
        writer = threading.Thread(target=_stream, args=(fresh_server.http_port, acked, stop))
        writer.start()
        time.sleep(rng.uniform(0.3, 1.5))
        fresh_server.kill()
        stop.set()
        writer.join(timeout=30)
        assert acked, "the writer got no acknowledgement before the kill"
        fresh_server.start()
        stored = _stored(fresh_server.http_port)
        for batch in acked:
            assert stored.get(batch) == set(range(BATCH)), f"acknowledged batch {batch} is not whole"
        # Unacknowledged batches may or may not be there; start the next round on a clean database.
        assert post_status(port, "/query?" + urlencode({"q": "DROP DATABASE dur"}), b"") == 200
        assert post_status(port, "/query?" + urlencode({"q": "CREATE DATABASE dur"}), b"") == 200
