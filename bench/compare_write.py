"""Write path, side by side: Chronus and the real influxd 1.6.7 on this machine, in one run.

    python bench/compare_write.py [--mode ingest|scan|disk|all] [--points 1000000] [--series 1000]
                                  [--batch 5000] [--connections 2] [--snapshot-size 25m]
                                  [--compact-timeout 900]

    # the sustained-ingest measurement (10M points over 1000 series, every mode; takes a while):
    python bench/compare_write.py --mode all --points 10000000

Both servers start fresh in temp dirs on free loopback ports, one after the other, with the same settings:
defaults except ``cache-snapshot-write-cold-duration = "1s"`` and ``compact-full-write-cold-duration = "1s"``
(so a server that stops receiving writes snapshots its cache and fully compacts its shards promptly), HTTP
and query logging off, no ``_internal`` monitor database. Each receives the same line-protocol bodies
(``--series`` series of ``cpu`` with 5 fields: 4 floats and 1 integer, one point per series every 10s; bodies
of ``--batch`` lines, generated once into a temp file) posted by ``--connections`` keep-alive connections.

Modes (``all`` runs the three in order on the same ingested data):

- ``ingest``: points/s over the writes alone (first request to last 204), and points/s including the
  snapshots (until every WAL segment is empty: all of the cache is in TSM files; the level compactions the
  server runs meanwhile are part of it), peak RSS (VmHWM).
- ``disk``: waits until the shards are fully compacted (one TSM generation per shard, no snapshot left,
  nothing being written; ``--compact-timeout`` bounds the wait and the output says if it ran out), then the
  bytes of the data and WAL directories (apparent sizes: TSM files, influxd's ``_series`` series file,
  the rest) per point, and the ratio Chronus/influxd.
- ``scan``: restarts the server (so nothing is cached in it), drops the OS page cache (``sync; echo 3 >
  /proc/sys/vm/drop_caches``; possible only as root, the output says whether it was done) and times
  ``SELECT count(*) FROM cpu`` cold, then once more warm; both servers must give the same answer.

Printed as JSON: one object per server and the ratios Chronus/influxd of each quantity (for points/s higher
is better for Chronus, for seconds, RSS and bytes lower is). Generating the bodies takes about 15 s per
million points before the servers start. Nothing is asserted: this is a measurement, run by hand or in a
benchmark job, never a test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.integration.datadir import QUIET_SECTIONS, InfluxdProcess  # noqa: E402
from tests.integration.servers import ChronusProcess  # noqa: E402

BASE_NS = 1_700_000_000_000_000_000
DATA_SETTINGS = '  cache-snapshot-write-cold-duration = "1s"\n  compact-full-write-cold-duration = "1s"\n'
HTTP_SETTINGS = "  log-enabled = false\n" + QUIET_SECTIONS
SCAN_QUERY = "SELECT count(*) FROM cpu"


# -- the load --------------------------------------------------------------------------------------------


def make_bodies(path: Path, points: int, series: int, batch: int) -> list[tuple[int, int]]:
    """Write ``points`` lines to ``path`` in bodies of ``batch`` lines (each round of ``series`` lines
    advances time 10s); the (offset, length) of every body. A file, not a list: 10M points are ~1.5 GB."""
    tags = [f"cpu,host=server{s:04d},region=region{s % 10} " for s in range(series)]
    spans = []
    with open(path, "wb") as out:
        offset = 0
        for first in range(0, points, batch):
            body = "\n".join(
                f"{tags[n % series]}usage_user={(n % 997) / 10:.1f},usage_system={(n % 991) / 10:.1f},"
                f"usage_idle={(n % 983) / 10:.1f},usage_iowait={(n % 13) / 10:.1f},count={n % 1000}i "
                f"{BASE_NS + (n // series) * 10_000_000_000}"
                for n in range(first, min(first + batch, points))
            ).encode()
            out.write(body)
            spans.append((offset, len(body)))
            offset += len(body)
    return spans


def _post(conn: http.client.HTTPConnection, path: str, body: bytes) -> tuple[int, bytes]:
    conn.request("POST", path, body=body, headers={"Content-Type": "text/plain"})
    resp = conn.getresponse()
    return resp.status, resp.read()


def query(port: int, q: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    try:
        status, raw = _post(conn, "/query?" + urlencode({"db": "bench", "q": q}), b"")
    finally:
        conn.close()
    if status != 200:
        raise RuntimeError(f"{q}: {status} {raw[:200]!r}")
    return raw


def drive(port: int, path: Path, spans: list[tuple[int, int]], connections: int) -> float:
    """Post every body over ``connections`` connections; the elapsed seconds."""
    query(port, "CREATE DATABASE bench")
    lock = threading.Lock()
    next_body = iter(spans)
    failures: list[int] = []
    fd = os.open(path, os.O_RDONLY)

    def worker() -> None:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
        while True:
            with lock:
                span = next(next_body, None)
            if span is None:
                break
            status, _ = _post(c, "/write?db=bench&precision=ns", os.pread(fd, span[1], span[0]))
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
    os.close(fd)
    if failures:
        raise RuntimeError(f"{len(failures)} writes failed: {failures[:5]}")
    return elapsed


# -- the directory ---------------------------------------------------------------------------------------


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _shard_dirs(root: Path) -> list[Path]:
    return [p for p in (root / "data").glob("*/*/*") if p.is_dir() and p.parent.name != "_series"]


def snapshotted(root: Path) -> bool:
    """Every WAL segment empty and no TSM file being written: all of the cache is in TSM files."""
    for segment in (root / "wal").rglob("*.wal"):
        try:
            if segment.stat().st_size:
                return False
        except FileNotFoundError:  # removed by a snapshot finishing while we look
            continue
    return not list((root / "data").rglob("*.tmp"))


def fully_compacted(root: Path) -> bool:
    """Snapshotted, and each shard's TSM files are one generation (``<generation>-<sequence>.tsm``)."""
    if not snapshotted(root):
        return False
    return all(len({f.name.split("-")[0] for f in shard.glob("*.tsm")}) <= 1 for shard in _shard_dirs(root))


def wait_until(check, root: Path, timeout: float) -> float | None:
    """Seconds until ``check(root)`` held (polled every 50 ms), or None when ``timeout`` ran out."""
    start = time.perf_counter()
    while not check(root):
        if time.perf_counter() - start > timeout:
            return None
        time.sleep(0.05)
    return time.perf_counter() - start


def disk_usage(root: Path) -> dict[str, int]:
    """Apparent bytes under data/ and wal/: TSM files, influxd's series file (its segments are created at
    their full 4 MiB size), everything else; and the bytes allocated on disk for all of them."""
    usage = {"tsm": 0, "series_file": 0, "other": 0, "tsm_files": 0, "allocated": 0}
    for base in (root / "data", root / "wal"):
        for f in base.rglob("*"):
            if not f.is_file():
                continue
            stat = f.stat()
            size = stat.st_size
            usage["allocated"] += stat.st_blocks * 512
            if f.suffix == ".tsm":
                usage["tsm"] += size
                usage["tsm_files"] += 1
            elif "_series" in f.relative_to(base).parts:
                usage["series_file"] += size
            else:
                usage["other"] += size
    usage["total"] = usage["tsm"] + usage["series_file"] + usage["other"]
    return usage


def drop_page_cache() -> str:
    """``sync; echo 3 > /proc/sys/vm/drop_caches``, or why it could not be done."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    except OSError as err:
        return f"not dropped ({err.strerror}: {'not root' if os.geteuid() else 'read-only /proc/sys?'})"
    return "dropped"


# -- one server ------------------------------------------------------------------------------------------


def measure(server, root: Path, args: argparse.Namespace, path: Path, spans: list[tuple[int, int]]) -> dict:
    modes = {"ingest", "scan", "disk"} if args.mode == "all" else {args.mode}
    out: dict = {}
    server.start()
    try:
        written = drive(server.http_port, path, spans, args.connections)
        snap = wait_until(snapshotted, root, args.compact_timeout)
        out["ingest"] = {
            "write_seconds": round(written, 3),
            "points_per_s": round(args.points / written),
            "snapshot_wait_seconds": None if snap is None else round(snap, 3),
            "points_per_s_with_snapshots": None if snap is None else round(args.points / (written + snap)),
            "peak_rss": peak_rss(server.process.pid),
        }
        if "disk" in modes:
            waited = wait_until(fully_compacted, root, args.compact_timeout)
            usage = disk_usage(root)
            out["disk"] = {
                "fully_compacted": waited is not None,
                "compaction_wait_seconds": None if waited is None else round(waited, 3),
                **usage,
                "bytes_per_point": round(usage["total"] / args.points, 3),
                "allocated_bytes_per_point": round(usage["allocated"] / args.points, 3),
                "tsm_bytes_per_point": round(usage["tsm"] / args.points, 3),
            }
        if "scan" in modes:
            server.stop()
            cache = drop_page_cache()
            started = time.perf_counter()
            server.start()
            opened = time.perf_counter() - started
            started = time.perf_counter()
            cold = query(server.http_port, SCAN_QUERY)
            cold_s = time.perf_counter() - started
            started = time.perf_counter()
            warm = query(server.http_port, SCAN_QUERY)
            warm_s = time.perf_counter() - started
            out["scan"] = {
                "query": SCAN_QUERY,
                "page_cache": cache,
                "open_seconds": round(opened, 3),
                "cold_seconds": round(cold_s, 4),
                "warm_seconds": round(warm_s, 4),
                "answer": cold.decode().strip(),
                "warm_answer_same": warm == cold,
            }
    finally:
        server.stop()
    return out


def _ratio(results: dict, section: str, key: str) -> float | None:
    a = results["chronus"].get(section, {}).get(key)
    b = results["influxd"].get(section, {}).get(key)
    return round(a / b, 3) if a and b else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--mode", choices=["ingest", "scan", "disk", "all"], default="ingest")
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--snapshot-size", default=None,
                        help='cache-snapshot-memory-size for both servers (e.g. "1m": several snapshots and '
                        "compactions even at small --points; default: the servers' default, 25m)")
    parser.add_argument("--compact-timeout", type=float, default=900.0,
                        help="seconds to wait for the snapshots, and then for full compaction (default 900)")
    args = parser.parse_args()
    settings = DATA_SETTINGS
    if args.snapshot_size:
        settings += f'  cache-snapshot-memory-size = "{args.snapshot_size}"\n'
    work = Path(tempfile.mkdtemp(prefix="chronus-bench-"))
    try:
        bodies = work / "bodies.lp"
        spans = make_bodies(bodies, args.points, args.series, args.batch)
        version = subprocess.run(["/usr/bin/influxd", "version"], capture_output=True, text=True).stdout
        results: dict = {"points": args.points, "series": args.series, "mode": args.mode,
                         "snapshot_size": args.snapshot_size or "default (25m)",
                         "influxd_version": version.strip()}
        for name in ("influxd", "chronus"):
            root = work / name
            root.mkdir()
            if name == "influxd":
                server = InfluxdProcess(root, data_extra=settings)
            else:
                # (InfluxdProcess's own config already turns the query log off)
                server = ChronusProcess(root=root, data_extra=settings + "  query-log-enabled = false\n",
                                        http_extra=HTTP_SETTINGS)
            results[name] = measure(server, root, args, bodies, spans)
            shutil.rmtree(root, ignore_errors=True)
        results["ratios_chronus_over_influxd"] = {
            "points_per_s": _ratio(results, "ingest", "points_per_s"),
            "points_per_s_with_snapshots": _ratio(results, "ingest", "points_per_s_with_snapshots"),
            "peak_rss": _ratio(results, "ingest", "peak_rss"),
            "bytes_per_point": _ratio(results, "disk", "bytes_per_point"),
            "allocated_bytes_per_point": _ratio(results, "disk", "allocated_bytes_per_point"),
            "tsm_bytes_per_point": _ratio(results, "disk", "tsm_bytes_per_point"),
            "disk_both_fully_compacted": all(results[name].get("disk", {}).get("fully_compacted", False)
                                             for name in ("influxd", "chronus")),
            "scan_cold_seconds": _ratio(results, "scan", "cold_seconds"),
            "scan_warm_seconds": _ratio(results, "scan", "warm_seconds"),
        }
        if "scan" in results["influxd"] and "scan" in results["chronus"]:
            answers = [results[name]["scan"]["answer"] for name in ("influxd", "chronus")]
            results["scan_answers_equal"] = answers[0] == answers[1]
        print(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
