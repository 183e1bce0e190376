"""Record TSM files written by the real InfluxDB 1.6.7 ``influxd``: the oracle for Chronus's block codecs.

Usage (needs ``/usr/bin/influxd``; standard library only)::

    python tools/record_tsm.py                  # rewrites tests/golden/tsm/
    python tools/record_tsm.py --influxd /path/to/influxd

A throw-away influxd (``tools/record_golden.py``'s ``InfluxServer``; a 1s cold-cache snapshot through the
``INFLUXDB_DATA_CACHE_SNAPSHOT_WRITE_COLD_DURATION`` override) takes the points of ``cases()`` — one
measurement per shape: regular and irregular times, single points, runs that hit simple8b's run-of-ones
selectors, integers at the 2^60 and int64 edges, floats of every kind, empty and long strings, booleans, keys
long enough to need several 1000-point blocks — snapshots its cache to a ``.tsm`` file and is stopped.

Written to ``tests/golden/tsm/``:
    ``influxd.tsm``     the snapshot file as influxd wrote it
    ``points.jsonl``    per key (sorted): the points sent, ``{"key", "type", "start", "runs", "values"}``: the
                        times are ``start`` then ``[delta, repeat]`` runs; floats as ``float.hex()`` strings
                        so -0.0 and subnormals survive, strings as UTF-8 text
The tests decode every block of the file, compare with the points, re-encode and compare the bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from record_golden import InfluxServer

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "tsm"
DB = "tsmgolden"
SECOND = 1_000_000_000
# A day into the 7-day shard group that starts at 1599696000 s, so every case lands in one shard (one file).
BASE = 1_599_782_400 * SECOND

Case = tuple[str, str, list[int], list]  # measurement, type ("float", "integer", "boolean", "string"), ...


def regular(n: int, step: int, start: int = BASE) -> list[int]:
    return [start + i * step for i in range(n)]


def from_deltas(deltas: list[int], start: int = BASE) -> list[int]:
    out = [start]
    for d in deltas:
        out.append(out[-1] + d)
    return out


def cases() -> list[Case]:
    """Every shape worth pinning down, deterministic (seeded) so re-recording gives the same file."""
    rnd = random.Random(1607)
    out: list[Case] = []

    # -- timestamps (float values; the value part is incidental here)
    def with_ones(times: list[int]) -> None:
        out.append((f"ts_{len(out)}", "float", times, [1.0] * len(times)))

    with_ones(regular(100, 10 * SECOND))                                   # RLE, divisor 1e10
    with_ones(regular(50, 1))                                              # RLE, divisor 1
    with_ones(from_deltas([rnd.randint(1, 10**6) for _ in range(299)]))    # simple8b, divisor 1
    with_ones(from_deltas([rnd.randint(1, 5000) * 1_000_000 for _ in range(299)]))  # divisor 1e6
    with_ones([BASE + 123])                                                # one time: header 0x1C
    with_ones([BASE, BASE + 7])                                            # two times: RLE
    with_ones(from_deltas([SECOND] * 300 + [2 * SECOND] + [SECOND] * 130))   # 240-value window
    with_ones(from_deltas([SECOND] * 250 + [3 * SECOND] + [SECOND] * 119))
    with_ones(from_deltas([SECOND] * 125 + [5 * SECOND]))
    with_ones(from_deltas([SECOND + rnd.randint(0, 3) * 1000 for _ in range(2499)]))  # 3 blocks
    with_ones(regular(20, 1000 * SECOND))                                  # divisor 1e12
    with_ones(from_deltas([10000 * SECOND, 20000 * SECOND, 10000 * SECOND]))  # divisor capped at 1e12
    with_ones(from_deltas([rnd.choice([1, 10, 100, 7]) * SECOND for _ in range(200)]))

    # -- floats
    t300 = regular(300, SECOND)
    out.append(("f_random", "float", t300, [rnd.uniform(-1e6, 1e6) for _ in range(300)]))
    out.append(("f_repeated", "float", t300, [42.5 if i % 50 else float(i) for i in range(300)]))
    out.append(("f_integral", "float", t300, [float(i) for i in range(300)]))
    special = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308,
               1.7976931348623157e308, -1.7976931348623157e308, 1e-310, 1.0, 1.0000000000000002,
               0.1, 0.2, 0.30000000000000004, -1.0, 3.141592653589793, 1e100, -1e-100, 0.0, 0.0]
    out.append(("f_special", "float", regular(len(special), SECOND), special))
    lowbits = [1.0 + k * 2.220446049250313e-16 for k in (0, 1, 3, 2, 1024, 1, 5, 2**20, 7, 2**31, 2**33, 1)]
    out.append(("f_lowbits", "float", regular(len(lowbits), SECOND), lowbits))
    out.append(("f_many", "float", regular(1200, SECOND), [round(rnd.gauss(20, 5), 2) for _ in range(1200)]))
    out.append(("f_single", "float", [BASE], [-273.15]))

    # -- integers
    big = 2**59
    out.append(("i_const", "integer", t300[:100], [7] * 100))
    out.append(("i_progression", "integer", t300[:100], [5 * i - 40 for i in range(100)]))
    out.append(("i_random_small", "integer", t300, [rnd.randint(0, 1000) for _ in range(300)]))
    out.append(("i_random_big", "integer", t300[:50], [rnd.randint(-2**62, 2**62) for _ in range(50)]))
    extremes = [0, 1, -1, 2**63 - 1, -2**63, 0, 2**60, 2**60 - 1, -2**60, big, -big, 12, -12]
    out.append(("i_extremes", "integer", regular(len(extremes), SECOND), extremes))
    # zigzag deltas of exactly 2^60 - 1 (still simple8b) and 2^60 (raw); a first value of zigzag >= 2^60 (raw)
    out.append(("i_edge_packed", "integer", regular(4, SECOND), [0, -big, -big + 3, -big + 1]))
    out.append(("i_edge_raw", "integer", regular(4, SECOND), [0, big, big + 3, big + 1]))
    out.append(("i_first_raw", "integer", regular(3, SECOND), [big, big + 1, big + 5]))
    down = [1000, 995] + [994 - i for i in range(300)]
    out.append(("i_ones_tail", "integer", regular(len(down), SECOND), down))   # zigzag 1 runs to the end
    down2 = down + [down[-1] + 3]
    out.append(("i_ones_then_other", "integer", regular(len(down2), SECOND), down2))
    ones130 = [0, 4] + [4 - i for i in range(1, 131)]
    out.append(("i_ones_130", "integer", regular(len(ones130), SECOND), ones130))
    out.append(("i_two", "integer", regular(2, SECOND), [3, -3]))
    out.append(("i_single", "integer", [BASE], [-9]))
    out.append(("i_many", "integer", regular(2100, SECOND), [rnd.randint(-50, 50) for _ in range(2100)]))

    # -- booleans
    out.append(("b_random", "boolean", t300, [rnd.random() < 0.5 for _ in range(300)]))
    out.append(("b_true", "boolean", t300[:100], [True] * 100))
    out.append(("b_alternating", "boolean", regular(17, SECOND), [i % 2 == 0 for i in range(17)]))
    out.append(("b_single", "boolean", [BASE], [False]))

    # -- strings
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    out.append(("s_words", "string", regular(6, SECOND), ["alpha", "beta", "", "gamma", "", "delta"]))
    out.append(("s_empty", "string", regular(5, SECOND), [""] * 5))
    out.append(("s_long", "string", regular(3, SECOND), ["x" * 5000, "".join(rnd.choice(letters)
                                                                                for _ in range(3000)), "y"]))
    out.append(("s_repetitive", "string", t300, [f"host-{i % 7}.example.com status=ok" for i in range(300)]))
    out.append(("s_random", "string", t300[:200],
                ["".join(rnd.choice(letters) for _ in range(rnd.randint(0, 40))) for _ in range(200)]))
    out.append(("s_unicode", "string", regular(4, SECOND), ["ünïcødé ✓", "日本語", "emoji 🎉", "tab\tsep"]))
    out.append(("s_quotes", "string", regular(2, SECOND), ['say "hi"', "back\\slash"]))
    out.append(("s_chunks", "string", regular(1000, SECOND),       # > 64 KiB raw: two snappy chunks
                ["".join(rnd.choice(letters) for _ in range(100)) for _ in range(1000)]))
    out.append(("s_single", "string", [BASE], ["only"]))
    return out


def field_text(kind: str, value: object) -> str:
    if kind == "float":
        return repr(value)
    if kind == "integer":
        return f"{value}i"
    if kind == "boolean":
        return "true" if value else "false"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def delta_runs(times: list[int]) -> list[list[int]]:
    """``[[delta, repeat], ...]`` for the gaps between ``times`` (keeps the golden file small)."""
    runs: list[list[int]] = []
    for a, b in zip(times, times[1:], strict=False):
        if runs and runs[-1][0] == b - a:
            runs[-1][1] += 1
        else:
            runs.append([b - a, 1])
    return runs


def json_value(kind: str, value: object) -> object:
    return float.hex(value) if kind == "float" else value


def post(url: str, body: bytes) -> None:
    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            if resp.status != 204:
                raise RuntimeError(f"write answered {resp.status}")
    except urllib.error.HTTPError as err:
        raise RuntimeError(f"write failed: {err.code} {err.read()!r}") from err


def wait_for_snapshot(shard_dir: Path, timeout: float = 60) -> list[Path]:
    """The .tsm files once a snapshot has landed and nothing has changed for two seconds."""
    deadline = time.monotonic() + timeout
    last: list[tuple[str, int]] = []
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        files = sorted(shard_dir.rglob("*.tsm"))
        state = [(f.name, f.stat().st_size) for f in files]
        if state != last:
            last, stable_since = state, time.monotonic()
        elif files and time.monotonic() - stable_since >= 2:
            return files
        time.sleep(0.2)
    raise RuntimeError(f"no stable .tsm file under {shard_dir} within {timeout}s")


def record(binary: str) -> None:
    all_cases = cases()
    os.environ["INFLUXDB_DATA_CACHE_SNAPSHOT_WRITE_COLD_DURATION"] = "1s"
    server = InfluxServer(binary=binary, auth_enabled=False)
    with server:
        server.must(f"CREATE DATABASE {DB}")
        for measurement, kind, times, values in all_cases:
            lines = [f"{measurement} v={field_text(kind, v)} {t}" for t, v in zip(times, values, strict=True)]
            post(f"{server.url}/write?db={DB}&precision=ns", "\n".join(lines).encode())
        files = wait_for_snapshot(server.root / "data" / DB)
        server.process.terminate()
        server.process.wait(timeout=30)
        if len(files) != 1:
            raise RuntimeError(f"expected one snapshot file, got {[str(f) for f in files]}")
        GOLDEN.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(files[0], GOLDEN / "influxd.tsm")
    with open(GOLDEN / "points.jsonl", "w") as out:
        for measurement, kind, times, values in sorted(all_cases):
            record_ = {"key": f"{measurement}#!~#v", "type": kind, "start": times[0],
                       "runs": delta_runs(times), "values": [json_value(kind, v) for v in values]}
            out.write(json.dumps(record_, ensure_ascii=False, separators=(",", ":")) + "\n")
    size = (GOLDEN / "influxd.tsm").stat().st_size
    print(f"wrote {GOLDEN / 'influxd.tsm'} ({size} bytes) and points.jsonl ({len(all_cases)} keys)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--influxd", default="/usr/bin/influxd")
    args = parser.parse_args(argv)
    record(args.influxd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
