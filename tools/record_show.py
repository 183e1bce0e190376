"""Record the SHOW-statement and field-type-conflict goldens from the real InfluxDB 1.6.7 ``influxd``.

Usage (needs ``/usr/bin/influxd``; standard library only)::

    python tools/record_show.py [--influxd /path/to/influxd]

Reads ``tests/golden/show/``:

``dataset.json``
    setup statements, the line-protocol writes (db, rp, body; precision s) and the statements run after them
    (DROP SERIES / DROP MEASUREMENT);
``corpus.txt``
    the SHOW queries (``read_corpus`` format of ``record_golden.py``), each sent with ``db`` = the data set's
    ``default_db``;
``conflicts.json``
    a write scenario on its own database that provokes field type conflicts.

Writes ``answers.jsonl`` (per corpus entry: HTTP status and the raw response body, byte for byte) and
``conflicts.jsonl`` (per step: status and raw body). The server runs with auth off on a throw-away dir and
is always stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from record_golden import InfluxServer, read_corpus, write_jsonl  # noqa: E402

HERE = REPO / "tests" / "golden" / "show"


def post(server: InfluxServer, path: str, params: dict[str, str], data: bytes) -> tuple[int, str]:
    """POST ``data`` to ``path?params``; the status and the body exactly as sent."""
    url = f"{server.url}{path}?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, data=data, method="POST")
    if path == "/query":
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def run_query(server: InfluxServer, q: str, db: str | None) -> tuple[int, str]:
    form = {"q": q}
    if db:
        form["db"] = db
    return post(server, "/query", {}, urllib.parse.urlencode(form).encode())


def run_write(server: InfluxServer, db: str, rp: str, body: str) -> tuple[int, str]:
    params = {"db": db, "precision": "s"}
    if rp:
        params["rp"] = rp
    return post(server, "/write", params, body.encode())


def must(status: int, body: str, what: str) -> None:
    if status not in (200, 204) or '"error"' in body:
        raise RuntimeError(f"{what} failed: {status} {body}")


def load_dataset(server: InfluxServer, dataset: dict) -> None:
    for q in dataset["setup"]:
        must(*run_query(server, q, None), q)
    for write in dataset["writes"]:
        must(*run_write(server, write["db"], write["rp"], "\n".join(write["body"])), f"write {write}")
    for step in dataset["after_writes"]:
        must(*run_query(server, step["q"], step["db"]), step["q"])


def record_answers(server: InfluxServer) -> list[dict]:
    dataset = json.loads((HERE / "dataset.json").read_text(encoding="utf-8"))
    load_dataset(server, dataset)
    records = []
    for entry in read_corpus(HERE / "corpus.txt"):
        status, body = run_query(server, entry.q, dataset["default_db"])
        records.append({"id": entry.id, "section": entry.section, "q": entry.q, "db": dataset["default_db"],
                        "status": status, "body": body})
    return records


def record_conflicts(server: InfluxServer) -> list[dict]:
    scenario = json.loads((HERE / "conflicts.json").read_text(encoding="utf-8"))
    for q in scenario["setup"]:
        must(*run_query(server, q, None), q)
    records = []
    for number, step in enumerate(scenario["steps"], 1):
        if "write" in step:
            status, body = run_write(server, "conflicts", "", step["write"])
        else:
            status, body = run_query(server, step["query"], "conflicts")
        records.append({"step": number, **step, "status": status, "body": body})
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--influxd", default=os.environ.get("INFLUXD", "/usr/bin/influxd"))
    args = parser.parse_args(argv)
    with InfluxServer(binary=args.influxd, auth_enabled=False) as server:
        answers = record_answers(server)
        conflicts = record_conflicts(server)
    write_jsonl(HERE / "answers.jsonl", answers)
    write_jsonl(HERE / "conflicts.jsonl", conflicts)
    print(f"answers.jsonl: {len(answers)} entries; conflicts.jsonl: {len(conflicts)} steps", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
