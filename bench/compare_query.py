"""Query path, side by side: Chronus and the real influxd 1.6.7 on this machine, same data, same queries.

    python bench/compare_query.py [--points 10000000] [--series 1000] [--regions 10] [--span-hours 6]
                                  [--shard-hours 1] [--runs 5] [--queries NAME,...] [--profile DIR]

    # while developing (a few minutes):
    python bench/compare_query.py --points 200000 --runs 3

Both servers start fresh in temp dirs on free loopback ports (the settings of ``compare_write.py``: cold
snapshots and full compactions after 1s, HTTP and query logging off, no ``_internal``) and receive the
same line protocol: ``--series`` series of ``cpu`` tagged ``host`` (one value per series) and ``region``
(``--regions`` values), fields ``usage`` and ``system`` (floats) and ``procs`` (integer), one point per
series at a fixed interval over ``--span-hours`` that end a minute before the load starts, so
``now()-1h`` and "all data" differ. The database's default retention policy has ``--shard-hours`` shard
groups, so the data spans several shards. After the load each server is given time to snapshot its cache
(both answer from TSM files, as after a restart), then every query runs once to warm up and ``--runs``
times, alternating between the servers (each going first every other run); each time is the whole
request over a keep-alive connection (send to last byte of the body). Queries both servers answer within
50 ms run 40 times as often.

The table shows the median seconds per server and Chronus/influxd (below 1: Chronus is faster), the size
of influxd's body and whether both bodies are equal (queries with ``now()`` are compared too, but their
windows move with the clock between the two requests, so they may differ by a window).

``--keep DIR`` keeps both servers' data directories in DIR and, when DIR already holds them, starts the
servers on them without loading again (for repeated runs while developing; the data's times are those of
the first run, so ``now() - 1h`` may find nothing later).

``--memory`` measures instead the peak resident memory of each server for the queries of
``memory_queries`` (raw queries over an hour and over all data, chunked or not; transforms by host and
over every series; aggregates and selectors without GROUP BY time; stddev, mode, top, integral, percentile;
subqueries): per query both servers are restarted on the loaded data, the query runs
once and the body is read in 1 MiB pieces; the table shows each server's peak RSS (VmHWM) and time, and
whether the bodies are equal (influxd gives a lone integral's series in Go map order, which varies from run
to run: that body differs in its series order only).

``--short`` times instead ``short_queries``: the last five minutes over every series (GROUP BY host, by
time and host, by region, none) and over one, the reads of a dashboard.

``--profile DIR`` records each query on Chronus with py-spy (``DIR/<query>.txt``, collapsed stacks,
sampled without stopping the server) when py-spy is installed; run it with few ``--runs``. Nothing is
asserted: this is a measurement.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.compare_write import DATA_SETTINGS, HTTP_SETTINGS, drive, snapshotted, wait_until  # noqa: E402
from tests.integration.datadir import InfluxdProcess  # noqa: E402
from tests.integration.servers import ChronusProcess  # noqa: E402

DB = "bench"
QUICK_RUNS = 40  # times as many runs for queries both servers answer within 50 ms


def queries(first_ns: int, last_ns: int) -> dict[str, str]:
    """The measured statements; "all" ones are bounded by the data's own first and last times."""
    all_data = f"time >= {first_ns} AND time <= {last_ns}"
    return {
        "mean_1m_host_1h": "SELECT mean(usage) FROM cpu WHERE time > now() - 1h GROUP BY time(1m), host",
        "mean_1m_host_all": f"SELECT mean(usage) FROM cpu WHERE {all_data} GROUP BY time(1m), host",
        "max_min_10m_region": f"SELECT max(usage), min(usage) FROM cpu WHERE {all_data} "
                              "GROUP BY time(10m), region",
        "raw_limit_10000": "SELECT * FROM cpu LIMIT 10000",
        "show_tag_values_host": "SHOW TAG VALUES FROM cpu WITH KEY = host",
    }


def short_queries(first_ns: int, last_ns: int) -> dict[str, str]:
    """``--short``'s statements: the last five minutes of the data (150,000 points in one shard) over every
    series or one, as a dashboard asks: the cost per series and per request rather than per point."""
    five = f"time >= {last_ns - 300_000_000_000} AND time <= {last_ns}"
    return {
        "last_host_5m": f"SELECT last(usage) FROM cpu WHERE {five} GROUP BY host",
        "max_host_5m": f"SELECT max(usage) FROM cpu WHERE {five} GROUP BY host",
        "mean_host_5m": f"SELECT mean(usage) FROM cpu WHERE {five} GROUP BY host",
        "count_host_5m": f"SELECT count(usage) FROM cpu WHERE {five} GROUP BY host",
        "mean_1m_host_5m": f"SELECT mean(usage) FROM cpu WHERE {five} GROUP BY time(1m), host",
        "last_1m_host_5m": f"SELECT last(usage) FROM cpu WHERE {five} GROUP BY time(1m), host",
        "mean_1m_region_5m": f"SELECT mean(usage) FROM cpu WHERE {five} GROUP BY time(1m), region",
        "last_5m": f"SELECT last(usage) FROM cpu WHERE {five}",
        "raw_one_host_5m": f"SELECT usage FROM cpu WHERE {five} AND host = 'server0042'",
        "mean_1m_one_host_5m": f"SELECT mean(usage) FROM cpu WHERE {five} AND host = 'server0042' "
                               "GROUP BY time(1m)",
    }


def memory_queries(first_ns: int, last_ns: int) -> dict[str, tuple[str, dict[str, str]]]:
    """``--memory``'s statements and their extra /query parameters."""
    hour = f"time >= {first_ns} AND time < {first_ns + 3_600_000_000_000}"
    all_data = f"time >= {first_ns} AND time <= {last_ns}"
    chunked = {"chunked": "true"}
    return {
        "raw_1h": (f"SELECT * FROM cpu WHERE {hour}", {}),
        "raw_1h_chunked": (f"SELECT * FROM cpu WHERE {hour}", chunked),
        "raw_all_host_chunked": (f"SELECT usage FROM cpu WHERE {all_data} GROUP BY host", chunked),
        "derivative_all_host_chunked": (
            f"SELECT derivative(usage, 1m) FROM cpu WHERE {all_data} GROUP BY host", chunked),
        "mean_1m_host_all": (f"SELECT mean(usage) FROM cpu WHERE {all_data} GROUP BY time(1m), host", {}),
        "derivative_all_chunked": (f"SELECT derivative(usage, 1m) FROM cpu WHERE {all_data}", chunked),
        "moving_average_1h_chunked": (f"SELECT moving_average(usage, 10) FROM cpu WHERE {hour}", chunked),
        "derivative_mean_1m_host_all": (f"SELECT non_negative_derivative(mean(usage), 1s) FROM cpu "
                                        f"WHERE {all_data} GROUP BY time(1m), host", {}),
        "median_2h_all": (f"SELECT median(usage) FROM cpu WHERE {all_data} GROUP BY time(2h)", {}),
        "mean_count_all": (f"SELECT mean(usage), count(procs) FROM cpu WHERE {all_data}", {}),
        "max_min_all": (f"SELECT max(usage), min(usage) FROM cpu WHERE {all_data}", {}),
        "stddev_all": (f"SELECT stddev(usage) FROM cpu WHERE {all_data}", {}),
        "mode_10m_all": (f"SELECT mode(procs) FROM cpu WHERE {all_data} GROUP BY time(10m)", {}),
        "top_all": (f"SELECT top(usage, host, 5) FROM cpu WHERE {all_data}", {}),
        "integral_host_all": (f"SELECT integral(usage) FROM cpu WHERE {all_data} GROUP BY host", {}),
        "percentile_region_all": (
            f"SELECT percentile(usage, 95) FROM cpu WHERE {all_data} GROUP BY region", {}),
        "subquery_max_of_mean": (f"SELECT max(m) FROM (SELECT mean(usage) AS m FROM cpu WHERE {all_data} "
                                 f"GROUP BY time(1m), host)", {}),
        "subquery_raw_1h": (f"SELECT mean(usage) FROM (SELECT usage FROM cpu WHERE {hour})", {}),
        "subquery_raw_all_host": (f"SELECT mean(usage) FROM (SELECT usage FROM cpu WHERE {all_data}) "
                                  "GROUP BY host", {}),
        "subquery_derivative_all": (f"SELECT max(d) FROM (SELECT derivative(usage, 1m) AS d FROM cpu "
                                    f"WHERE {all_data} GROUP BY host)", {}),
        "subquery_regrouped_count": (f"SELECT count(usage) FROM (SELECT usage FROM cpu WHERE {all_data} "
                                     "GROUP BY host)", {}),
    }


def peak_memory(make_server, q: str, params: dict[str, str]) -> tuple[int, float, str]:
    """Start a server, run ``q`` once reading the body in 1 MiB pieces, stop it: (peak RSS in MB, seconds,
    sha256 of the body)."""
    server = make_server()
    server.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=3600)
        started = time.perf_counter()
        conn.request("GET", "/query?" + urlencode({"db": DB, "q": q, **params}))
        resp = conn.getresponse()
        digest = hashlib.sha256()
        while piece := resp.read(1 << 20):
            digest.update(piece)
        elapsed = time.perf_counter() - started
        with open(f"/proc/{server.process.pid}/status", encoding="ascii") as status:
            peak = next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmHWM"))
        conn.close()
    finally:
        server.stop()
    return peak, elapsed, digest.hexdigest()


def make_bodies(path: Path, points: int, series: int, regions: int, first_ns: int, step_ns: int,
                batch: int) -> list[tuple[int, int]]:
    """``points`` lines in bodies of ``batch`` lines into ``path``; the (offset, length) of every body.

    Round ``r`` holds one point of every series at ``first_ns + r * step_ns``.
    """
    keys = [f"cpu,host=server{s:04d},region=region{s % regions} " for s in range(series)]
    spans = []
    with open(path, "wb") as out:
        offset = 0
        for start in range(0, points, batch):
            body = "\n".join(
                f"{keys[n % series]}usage={(n * 7919 % 10007) / 100.0!r},system={(n % 983) / 10:.1f},"
                f"procs={n % 500}i {first_ns + (n // series) * step_ns}"
                for n in range(start, min(start + batch, points))
            ).encode()
            out.write(body)
            spans.append((offset, len(body)))
            offset += len(body)
    return spans


def load(server, root: Path, bodies: Path, spans: list[tuple[int, int]], shard_hours: int,
         timeout: float) -> dict:
    """Create the database (``shard_hours`` shard groups), post the bodies, wait for the snapshots."""
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=60)
    create = f"CREATE DATABASE {DB} WITH SHARD DURATION {shard_hours}h"
    conn.request("POST", "/query?" + urlencode({"q": create}))
    conn.getresponse().read()
    conn.close()
    written = drive(server.http_port, bodies, spans, 2)
    waited = wait_until(snapshotted, root, timeout)
    return {"write_seconds": round(written, 2),
            "snapshot_wait_seconds": None if waited is None else round(waited, 2)}


def timed_query(conn: http.client.HTTPConnection, q: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    conn.request("GET", "/query?" + urlencode({"db": DB, "q": q}))
    resp = conn.getresponse()
    body = resp.read()
    elapsed = time.perf_counter() - started
    if resp.status != 200:
        raise RuntimeError(f"{q}: {resp.status} {body[:200]!r}")
    return elapsed, body


def py_spy(pid: int, out: Path, seconds: float) -> subprocess.Popen | None:
    """py-spy recording ``pid`` for ``seconds`` into ``out`` (a flat text profile), or None without py-spy."""
    exe = shutil.which("py-spy")
    if exe is None:
        return None
    return subprocess.Popen([exe, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))),
                             "--rate", "100", "--nonblocking", "--format", "raw", "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--regions", type=int, default=10)
    parser.add_argument("--span-hours", type=float, default=6.0)
    parser.add_argument("--shard-hours", type=int, default=1)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--queries", default="", help="comma-separated names (default: all)")
    parser.add_argument("--snapshot-timeout", type=float, default=600.0)
    parser.add_argument("--profile", type=Path, default=None,
                        help="py-spy profiles of Chronus per query into this directory")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the loaded data directories here and reuse them on later runs")
    parser.add_argument("--memory", action="store_true",
                        help="peak RSS per query (fresh servers) instead of latencies")
    parser.add_argument("--short", action="store_true",
                        help="latencies of short reads over many series (short_queries) instead")
    args = parser.parse_args()

    rounds = max(1, args.points // args.series)
    span_ns = int(args.span_hours * 3600 * 1_000_000_000)
    step_ns = max(1_000_000_000, span_ns // rounds // 1_000_000_000 * 1_000_000_000)
    last_ns = (time.time_ns() // 60_000_000_000 - 1) * 60_000_000_000
    first_ns = last_ns - (rounds - 1) * step_ns
    work = args.keep or Path(tempfile.mkdtemp(prefix="chronus-qbench-"))
    work.mkdir(parents=True, exist_ok=True)
    loaded_before = (work / "meta.json").exists()
    if loaded_before:
        first_ns, last_ns, step_ns = json.loads((work / "meta.json").read_text())
    statements = short_queries(first_ns, last_ns) if args.short else queries(first_ns, last_ns)
    if args.memory:
        statements = memory_queries(first_ns, last_ns)  # type: ignore[assignment]
    if args.queries:
        statements = {k: v for k, v in statements.items() if k in args.queries.split(",")}
    servers: dict = {}
    try:
        bodies = work / "bodies.lp"
        if not loaded_before:
            spans = make_bodies(bodies, args.points, args.series, args.regions, first_ns, step_ns, args.batch)
        print(f"{args.points} points, {args.series} series, one every {step_ns / 1e9:g}s from "
              f"{first_ns} to {last_ns} ({(last_ns - first_ns) / 3.6e12:.2f}h, {args.shard_hours}h shards)",
              flush=True)
        for name in ("influxd", "chronus"):
            root = work / name
            root.mkdir(exist_ok=True)
            if name == "influxd":
                server = InfluxdProcess(root, data_extra=DATA_SETTINGS)
            else:
                server = ChronusProcess(root=root, data_extra=DATA_SETTINGS + "  query-log-enabled = false\n",
                                        http_extra=HTTP_SETTINGS)
            server.start()
            servers[name] = server
            if not loaded_before:
                loaded = load(server, root, bodies, spans, args.shard_hours, args.snapshot_timeout)
                print(f"{name}: loaded {loaded}", flush=True)
        if not loaded_before:
            bodies.unlink()
            (work / "meta.json").write_text(json.dumps([first_ns, last_ns, step_ns]))
        if args.memory:
            for server in servers.values():
                server.stop()
            servers = {}
            return measure_memory(work, statements)  # type: ignore[arg-type]
        conns = {name: http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=3600)
                 for name, s in servers.items()}
        rows = []
        for label, q in statements.items():
            times: dict[str, list[float]] = {name: [] for name in servers}
            bodies_seen: dict[str, bytes] = {}
            for name in servers:
                _, bodies_seen[name] = timed_query(conns[name], q)  # warm-up
            spy = None
            if args.profile is not None:
                args.profile.mkdir(parents=True, exist_ok=True)
                _, _ = timed_query(conns["chronus"], q)
                estimate = max(1.0, 1.2 * args.runs * timed_query(conns["chronus"], q)[0])
                spy = py_spy(servers["chronus"].process.pid, args.profile / f"{label}.txt", estimate)
            # a query answered in milliseconds is timed more often: its median needs many samples
            quick = all(timed_query(conns[name], q)[0] < 0.05 for name in servers)
            for run in range(args.runs * (QUICK_RUNS if quick else 1)):
                # each server in turn goes first: the one after another pays for what the other still
                # does once it has answered (Go's garbage collector finishing in the background)
                for name in (list(servers) if run % 2 == 0 else list(reversed(servers))):
                    elapsed, _ = timed_query(conns[name], q)
                    times[name].append(elapsed)
            if spy is not None:
                spy.wait()
            med = {name: statistics.median(ts) for name, ts in times.items()}
            rows.append((label, med["influxd"], med["chronus"], med["chronus"] / med["influxd"],
                         len(bodies_seen["influxd"]), bodies_seen["influxd"] == bodies_seen["chronus"]))
        for conn in conns.values():
            conn.close()
        print(f"\nmedian of {args.runs} runs ({args.runs * QUICK_RUNS} for queries under 50 ms), seconds")
        print(f"{'query':<28} {'influxd':>9} {'chronus':>9} {'ratio':>7} {'body bytes':>11}  same body")
        for label, a, b, ratio, size, same in rows:
            print(f"{label:<22} {a:>9.4f} {b:>9.4f} {ratio:>7.2f} {size:>11}  {'yes' if same else 'NO'}")
        print()
        for label, q in statements.items():
            print(f"{label}: {q}")
    finally:
        for server in servers.values():
            server.stop()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def measure_memory(work: Path, statements: dict[str, tuple[str, dict[str, str]]]) -> int:
    makers = {
        "influxd": lambda: InfluxdProcess(work / "influxd", data_extra=DATA_SETTINGS),
        "chronus": lambda: ChronusProcess(root=work / "chronus",
                                          data_extra=DATA_SETTINGS + "  query-log-enabled = false\n",
                                          http_extra=HTTP_SETTINGS),
    }
    print(f"\n{'query':<28} {'influxd MB':>10} {'s':>7} {'chronus MB':>10} {'s':>7}  same body")
    for label, (q, params) in statements.items():
        found = {name: peak_memory(make, q, params) for name, make in makers.items()}
        (a_mb, a_s, a_hash), (b_mb, b_s, b_hash) = found["influxd"], found["chronus"]
        same = "yes" if a_hash == b_hash else "NO"
        print(f"{label:<28} {a_mb:>10} {a_s:>7.2f} {b_mb:>10} {b_s:>7.2f}  {same}", flush=True)
    print()
    for label, (q, params) in statements.items():
        print(f"{label}: {q} {params or ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
