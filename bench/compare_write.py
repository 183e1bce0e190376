"""Write throughput, side by side: Chronus and the real influxd 1.6.7 on this machine, in one run.

    python bench/compare_write.py [--points 1000000] [--series 1000] [--batch 5000] [--connections 2]

Both servers start fresh in temp dirs on free loopback ports with default settings; each receives the same
line-protocol bodies (``--series`` series of ``cpu`` with 5 fields: 4 floats and 1 integer) posted by
``--connections`` concurrent keep-alive connections. Reported per server: points/s over the whole run (first
request to last 204) and peak RSS (VmHWM); then the ratios Chronus/influxd. Nothing is asserted: this is a
measurement, run by hand or in a benchmark job, never a test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from record_golden import InfluxServer  # noqa: E402

from tests.integration.servers import ChronusProcess  # noqa: E402

BASE_NS = 1_700_000_000_000_000_000


def make_bodies(points: int, series: int, batch: int) -> list[bytes]:
    """``points`` lines in bodies of ``batch`` lines; each round of ``series`` lines advances time 10s."""
    bodies, lines = [], []
    for n in range(points):
        s, step = n % series, n // series
        lines.append(
            f"cpu,host=server{s:04d},region=region{s % 10} usage_user={(n % 997) / 10:.1f},"
            f"usage_system={(n % 991) / 10:.1f},usage_idle={(n % 983) / 10:.1f},"
            f"usage_iowait={(n % 13) / 10:.1f},count={n % 1000}i {BASE_NS + step * 10_000_000_000}"
        )
        if len(lines) == batch:
            bodies.append("\n".join(lines).encode())
            lines = []
    if lines:
        bodies.append("\n".join(lines).encode())
    return bodies


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _post(conn: http.client.HTTPConnection, path: str, body: bytes) -> int:
    conn.request("POST", path, body=body, headers={"Content-Type": "text/plain"})
    resp = conn.getresponse()
    resp.read()
    return resp.status


def drive(port: int, bodies: list[bytes], connections: int) -> float:
    """Post every body over ``connections`` connections; the elapsed seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    assert _post(conn, "/query?" + urlencode({"q": "CREATE DATABASE bench"}), b"") == 200
    conn.close()
    work: queue.Queue[bytes | None] = queue.Queue()
    for body in bodies:
        work.put(body)
    failures: list[int] = []

    def worker() -> None:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        while True:
            try:
                body = work.get_nowait()
            except queue.Empty:
                break
            status = _post(c, "/write?db=bench&precision=ns", body)
            if status != 204:
                failures.append(status)
        c.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{len(failures)} writes failed: {failures[:5]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=2)
    args = parser.parse_args()
    bodies = make_bodies(args.points, args.series, args.batch)
    results = {}
    with InfluxServer(auth_enabled=False) as influxd:
        elapsed = drive(influxd.http_port, bodies, args.connections)
        results["influxd"] = {
            "seconds": elapsed,
            "points_per_s": args.points / elapsed,
            "peak_rss": peak_rss(influxd.process.pid),
        }
    with ChronusProcess() as chronus:
        elapsed = drive(chronus.http_port, bodies, args.connections)
        results["chronus"] = {
            "seconds": elapsed,
            "points_per_s": args.points / elapsed,
            "peak_rss": peak_rss(chronus.process.pid),
        }
    results["ratio_points_per_s"] = results["chronus"]["points_per_s"] / results["influxd"]["points_per_s"]
    results["ratio_peak_rss"] = results["chronus"]["peak_rss"] / results["influxd"]["peak_rss"]
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
