"""Record the raw-SELECT goldens from the real InfluxDB 1.6.7 ``influxd``.

Usage (needs ``/usr/bin/influxd``; standard library only)::

    python tools/record_select.py [--influxd /path/to/influxd]

Reads ``tests/golden/select/dataset.json`` (setup statements and line-protocol writes, precision s, fixed
timestamps in two 7-day shard groups, an INF second retention policy, an overwritten point) and
``corpus.txt`` (one query a line, ``## section`` headers, ``chunk=N <query>`` for a chunked request), and
writes ``answers.jsonl``: per query the HTTP status and the raw response body, byte for byte. The server runs
with auth off in a throw-away directory and is always stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from record_golden import InfluxServer, write_jsonl  # noqa: E402
from record_show import must, post, run_write  # noqa: E402

HERE = REPO / "tests" / "golden" / "select"


def read_corpus(path: Path) -> list[dict]:
    """Entries ``{"id", "section", "q", "chunk_size"}`` (chunk_size 0: not chunked)."""
    entries, section, number = [], "", 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or (line.startswith("#") and not line.startswith("## ")):
            continue
        if line.startswith("## "):
            section, number = line[3:].strip(), 0
            continue
        number += 1
        chunk = 0
        if line.startswith("chunk="):
            head, line = line.split(" ", 1)
            chunk = int(head[6:])
        entries.append({"id": f"{section}-{number:03d}", "section": section, "q": line, "chunk_size": chunk})
    return entries


def run(server: InfluxServer, q: str, db: str, chunk_size: int) -> tuple[int, str]:
    form = {"q": q, "db": db}
    if chunk_size:
        form.update(chunked="true", chunk_size=str(chunk_size))
    return post(server, "/query", {}, urllib.parse.urlencode(form).encode())


def record_suite(here: Path, argv: list[str] | None = None, description: str = "") -> int:
    """Record a SELECT suite: ``here/dataset.json`` loaded into a throw-away influxd answers ``corpus.txt``.

    The select, aggregate and transform recorders are this with their own folder.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--influxd", default=os.environ.get("INFLUXD", "/usr/bin/influxd"))
    args = parser.parse_args(argv)
    dataset = json.loads((here / "dataset.json").read_text(encoding="utf-8"))
    records = []
    with InfluxServer(binary=args.influxd, auth_enabled=False) as server:
        for q in dataset["setup"]:
            must(*run(server, q, dataset["db"], 0), q)
        for write in dataset["writes"]:
            must(*run_write(server, dataset["db"], write["rp"], "\n".join(write["body"])), "write")
        for entry in read_corpus(here / "corpus.txt"):
            status, body = run(server, entry["q"], dataset["db"], entry["chunk_size"])
            records.append({**entry, "db": dataset["db"], "status": status, "body": body})
    write_jsonl(here / "answers.jsonl", records)
    print(f"answers.jsonl: {len(records)} entries", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    return record_suite(HERE, argv, __doc__.split("\n", 1)[0])


if __name__ == "__main__":
    sys.exit(main())
