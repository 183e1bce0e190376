"""Show the real InfluxDB 1.6.7 ``influxd`` reading a TSM file that Chronus wrote, and keep its answers.

Usage (needs ``/usr/bin/influxd``)::

    python tools/record_tsm_interop.py                  # rewrites tests/golden/tsm/interop.json
    python tools/record_tsm_interop.py --influxd /path/to/influxd

Steps: a throw-away influxd (``tools/record_golden.py``'s ``InfluxServer``) creates database ``interop`` and,
through one write at the golden points' time, the shard that will hold them; it is stopped. The shard's data
and WAL directories are emptied and Chronus's writer (``chronus.tsdb.tsm.writer``) writes the points of
``tests/golden/tsm/points.jsonl`` as ``000000001-000000001.tsm`` in the data directory. influxd is started
again on the same directories (it builds its in-memory index from the file) and answers
``SELECT * FROM "<measurement>"`` (``epoch=ns``) for every measurement, and ``SHOW FIELD KEYS``.

Written to ``tests/golden/tsm/interop.json``: the sha256 of the file we gave influxd and influxd's answers;
the tests check the answers hold exactly the points we wrote and that our writer still writes that file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO))

from record_golden import InfluxServer  # noqa: E402

from chronus.tsdb.tsm.writer import write_tsm_file  # noqa: E402
from tests.unit.tsm.test_golden import expected_points  # noqa: E402

GOLDEN = REPO / "tests" / "golden" / "tsm"
DB = "interop"
FILE_NAME = "000000001-000000001.tsm"


def get_json(server: InfluxServer, q: str) -> dict:
    query = urllib.parse.urlencode({"q": q, "db": DB, "epoch": "ns"})
    with urllib.request.urlopen(f"{server.url}/query?{query}", timeout=60) as resp:
        return json.loads(resp.read())


def stop_keeping_files(server: InfluxServer) -> None:
    """Stop influxd without removing its directories (``InfluxServer.stop`` would)."""
    assert server.process is not None
    server.process.terminate()
    server.process.wait(timeout=30)
    server.process = None


def record(binary: str) -> None:
    points = expected_points()
    first_time = min(int(v.times[0]) for v in points.values())
    seed = InfluxServer(binary=binary, auth_enabled=False)
    seed.start()
    root = seed.root
    try:
        seed.must(f"CREATE DATABASE {DB}")
        request = urllib.request.Request(f"{seed.url}/write?db={DB}&precision=ns",
                                         data=f"seed v=1 {first_time}".encode(), method="POST")
        with urllib.request.urlopen(request, timeout=30) as resp:
            assert resp.status == 204
        stop_keeping_files(seed)
        shards = sorted((root / "data" / DB / "autogen").iterdir())
        if len(shards) != 1:
            raise RuntimeError(f"expected one shard, got {shards}")
        shard_dir = shards[0]
        wal_dir = root / "wal" / DB / "autogen" / shard_dir.name
        for directory in (shard_dir, wal_dir):
            shutil.rmtree(directory)
            directory.mkdir()
        tsm_path = shard_dir / FILE_NAME
        write_tsm_file(str(tsm_path), sorted(points.items()))
        digest = hashlib.sha256(tsm_path.read_bytes()).hexdigest()

        reader = InfluxServer(binary=binary, auth_enabled=False, root=root)
        reader.start()
        try:
            measurements = sorted({key.split(b",")[0].split(b"#!~#")[0].decode() for key in points})
            answers = {m: get_json(reader, f'SELECT * FROM "{m}"') for m in measurements}
            field_keys = get_json(reader, "SHOW FIELD KEYS")
        finally:
            stop_keeping_files(reader)
    finally:
        seed.stop()
        shutil.rmtree(root, ignore_errors=True)
    out = {"file": FILE_NAME, "sha256": digest, "select": answers, "show_field_keys": field_keys}
    text = json.dumps(out, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    (GOLDEN / "interop.json").write_text(text + "\n")
    total = sum(len(series.get("values", [])) for answer in answers.values()
                for result in answer["results"] for series in result.get("series", []))
    print(f"influxd read {total} points of {len(answers)} measurements from our file; wrote interop.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--influxd", default="/usr/bin/influxd")
    args = parser.parse_args(argv)
    record(args.influxd)
    return 0


if __name__ == "__main__":
    os.environ.pop("INFLUXDB_DATA_CACHE_SNAPSHOT_WRITE_COLD_DURATION", None)
    sys.exit(main())
