"""Record the transform and math-function goldens of SELECT from the real influxd 1.6.7.

Usage (needs ``/usr/bin/influxd``; standard library only)::

    python tools/record_transform.py [--influxd /path/to/influxd]

Covers derivative, non_negative_derivative, difference, non_negative_difference, moving_average,
cumulative_sum, elapsed (raw and over GROUP BY time aggregates, with fill, ORDER BY DESC, LIMIT) and the
math functions. Same shape as ``record_select.py``: reads ``tests/golden/transform/dataset.json`` and
``corpus.txt`` (``## section`` headers, ``chunk=N <query>`` for chunked requests) and writes
``answers.jsonl`` with the HTTP status and raw body of every query. Every GROUP BY time query of the corpus
bounds its time range or uses fill(none), so the server's clock never shows in an answer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from record_golden import InfluxServer, write_jsonl  # noqa: E402
from record_select import read_corpus, run  # noqa: E402
from record_show import must, run_write  # noqa: E402

HERE = REPO / "tests" / "golden" / "transform"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--influxd", default=os.environ.get("INFLUXD", "/usr/bin/influxd"))
    args = parser.parse_args(argv)
    dataset = json.loads((HERE / "dataset.json").read_text(encoding="utf-8"))
    records = []
    with InfluxServer(binary=args.influxd, auth_enabled=False) as server:
        for q in dataset["setup"]:
            must(*run(server, q, dataset["db"], 0), q)
        for write in dataset["writes"]:
            must(*run_write(server, dataset["db"], write["rp"], "\n".join(write["body"])), "write")
        for entry in read_corpus(HERE / "corpus.txt"):
            status, body = run(server, entry["q"], dataset["db"], entry["chunk_size"])
            records.append({**entry, "db": dataset["db"], "status": status, "body": body})
    write_jsonl(HERE / "answers.jsonl", records)
    print(f"answers.jsonl: {len(records)} entries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
