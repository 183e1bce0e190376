"""Record the delete goldens (DELETE, DROP SERIES, DROP MEASUREMENT) from the real InfluxDB 1.6.7 ``influxd``.

Usage (needs ``/usr/bin/influxd``; standard library only)::

    python tools/record_delete.py [--influxd /path/to/influxd]

Reads ``tests/golden/delete/scenario.json``: steps run in order -- a write (``write`` = database, ``body``
lines, precision s), a query (``query``, optional ``db``, ``method`` GET or POST) or a restart of the server
on the same directories; a step with ``inspect`` is followed by the scenario's inspect queries on database
``del``. Writes ``answers.jsonl``: one record per request sent (step number, what was sent, HTTP status and
the raw response body, byte for byte). The server runs with auth off on a throw-away dir, always stopped.
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

from record_golden import InfluxServer, write_jsonl  # noqa: E402

HERE = REPO / "tests" / "golden" / "delete"
INSPECT_DB = "del"


def send(
    server: InfluxServer, method: str, path: str, params: dict[str, str], data: bytes | None
) -> tuple[int, str]:
    """One HTTP request; the status and the body exactly as sent."""
    url = f"{server.url}{path}?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None and path == "/query":
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def query(server: InfluxServer, q: str, db: str | None, method: str = "POST") -> tuple[int, str]:
    form = {"q": q}
    if db:
        form["db"] = db
    if method == "GET":
        return send(server, "GET", "/query", form, None)
    return send(server, "POST", "/query", {}, urllib.parse.urlencode(form).encode())


def restart(server: InfluxServer) -> None:
    """Stop influxd and start it again on the same directories (``InfluxServer.stop`` would remove them)."""
    assert server.process is not None
    server.process.terminate()
    server.process.wait(timeout=30)
    server.start()


def record(server: InfluxServer, scenario: dict) -> list[dict]:
    records: list[dict] = []
    for number, step in enumerate(scenario["steps"], 1):
        if "write" in step:
            params = {"db": step["write"], "precision": "s"}
            status, body = send(server, "POST", "/write", params, "\n".join(step["body"]).encode())
            records.append({"step": number, "write": step["write"], "body_lines": step["body"],
                            "status": status, "body": body})
        elif "query" in step:
            method = step.get("method", "POST")
            status, body = query(server, step["query"], step.get("db"), method)
            records.append({"step": number, "q": step["query"], "db": step.get("db"), "method": method,
                            "status": status, "body": body})
        elif step.get("restart"):
            restart(server)
            records.append({"step": number, "restart": True})
        if step.get("inspect"):
            for q in scenario["inspect"]:
                status, body = query(server, q, INSPECT_DB)
                records.append({"step": number, "q": q, "db": INSPECT_DB, "method": "POST", "inspect": True,
                                "status": status, "body": body})
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--influxd", default=os.environ.get("INFLUXD", "/usr/bin/influxd"))
    args = parser.parse_args(argv)
    scenario = json.loads((HERE / "scenario.json").read_text(encoding="utf-8"))
    with InfluxServer(binary=args.influxd, auth_enabled=False) as server:
        records = record(server, scenario)
    write_jsonl(HERE / "answers.jsonl", records)
    print(f"answers.jsonl: {len(records)} records", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
