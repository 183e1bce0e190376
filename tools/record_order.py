"""Record the tie-order goldens (points of several series sharing a time) from the real InfluxDB 1.6.7.

Usage (needs ``/usr/bin/influxd``; standard library only)::

    python tools/record_order.py [--influxd /path/to/influxd]

Reads ``tests/golden/order/dataset.json`` and ``corpus.txt`` (the format of the select suite) and answers
the corpus twice: with the data still in influxd's cache (``answers_cache.jsonl``) and after influxd has
snapshotted every shard's cache to TSM files (``answers_tsm.jsonl``; the server runs with
``cache-snapshot-write-cold-duration = "1s"`` and the recorder waits until every cache is empty). The server
runs with auth off in a throw-away directory and is always stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

import record_golden  # noqa: E402
from record_golden import InfluxServer, write_jsonl  # noqa: E402
from record_select import read_corpus, run  # noqa: E402
from record_show import must, run_write  # noqa: E402

HERE = REPO / "tests" / "golden" / "order"
COLD = '  wal-dir = "{root}/wal"\n  cache-snapshot-write-cold-duration = "1s"\n'


def _caches_empty(server: InfluxServer) -> bool:
    """Every cache of the database empty (the engine's ``tsm1_cache`` statistics), at least one shard."""
    status, body = run(server, "SHOW STATS FOR 'tsm1_cache'", "", 0)
    if status != 200:
        return False
    series = json.loads(body)["results"][0].get("series", [])
    mine = [s for s in series if s.get("tags", {}).get("database") == "odb"]
    return bool(mine) and all(dict(zip(s["columns"], s["values"][0], strict=True)).get("memBytes") == 0
                              for s in mine)


def record(binary: str, tsm: bool) -> list[dict]:
    """The corpus answered by a fresh influxd loaded with the data set (snapshotted first if ``tsm``)."""
    template = record_golden.CONFIG_TEMPLATE
    if tsm:
        record_golden.CONFIG_TEMPLATE = template.replace('  wal-dir = "{root}/wal"\n', COLD)
    try:
        dataset = json.loads((HERE / "dataset.json").read_text(encoding="utf-8"))
        records = []
        with InfluxServer(binary=binary, auth_enabled=False) as server:
            for q in dataset["setup"]:
                must(*run(server, q, dataset["db"], 0), q)
            for write in dataset["writes"]:
                must(*run_write(server, dataset["db"], write["rp"], "\n".join(write["body"])), "write")
            if tsm:
                deadline = time.monotonic() + 60
                while not _caches_empty(server):
                    if time.monotonic() > deadline:
                        raise RuntimeError("influxd did not snapshot its caches within 60s")
                    time.sleep(0.5)
            for entry in read_corpus(HERE / "corpus.txt"):
                status, body = run(server, entry["q"], dataset["db"], entry["chunk_size"])
                records.append({**entry, "db": dataset["db"], "status": status, "body": body})
        return records
    finally:
        record_golden.CONFIG_TEMPLATE = template


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--influxd", default=os.environ.get("INFLUXD", "/usr/bin/influxd"))
    args = parser.parse_args(argv)
    for name, tsm in (("answers_cache.jsonl", False), ("answers_tsm.jsonl", True)):
        records = record(args.influxd, tsm)
        write_jsonl(HERE / name, records)
        print(f"{name}: {len(records)} entries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
