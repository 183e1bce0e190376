"""Record the meta goldens from the real InfluxDB 1.6.7 ``influxd``, and check it reads Chronus's meta.db.

Usage (needs ``/usr/bin/influxd``)::

    python tools/record_meta.py [--influxd /path/to/influxd]

Writes into ``tests/golden/meta/``:

``scenario.jsonl``
    every step of ``scenario.txt`` run on a fresh influxd (auth off): the statement or write, the HTTP
    status and the raw response body;
``influxd_final.jsonl``
    the answers to ``FINAL_CHECKS`` (SHOW DATABASES / RETENTION POLICIES / SHARDS / ...) after the scenario;
``influxd_scenario.meta.db``, ``influxd_empty.meta.db``
    influxd's ``meta/meta.db`` after the scenario, and of a server that did nothing, both after a clean stop;
``chronus_written.jsonl``
    the answers to ``FINAL_CHECKS`` of an influxd started on a meta dir that Chronus wrote by running the
    same scenario (users get the password hashes influxd made, so the files can be compared byte for byte).

Each server is a throw-away influxd in a temp dir on free loopback ports, always stopped and removed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from record_golden import InfluxServer  # noqa: E402

from chronus.meta import metadb  # noqa: E402
from chronus.meta.client import MetaClient  # noqa: E402
from chronus.meta.store import LocalMetaStore  # noqa: E402
from tests.golden.meta.scenario import (  # noqa: E402
    FINAL_CHECKS,
    HERE,
    canonical_answer,
    read_scenario,
    run_with_chronus,
)


def post_query(server: InfluxServer, q: str) -> tuple[int, str]:
    """POST /query; the status and the body exactly as sent."""
    request = urllib.request.Request(f"{server.url}/query", data=urllib.parse.urlencode({"q": q}).encode(),
                                     method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def post_write(server: InfluxServer, database: str, policy: str, timestamp: int) -> tuple[int, str]:
    """Write the one point ``m v=1 <timestamp>``; the status and body."""
    query = urllib.parse.urlencode({"db": database, "rp": policy})
    request = urllib.request.Request(f"{server.url}/write?{query}", data=f"m v=1 {timestamp}".encode(),
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def stop_keeping_meta(server: InfluxServer, target: Path) -> None:
    """Stop influxd cleanly, copy its meta.db to ``target``, then remove the server's files."""
    assert server.process is not None
    server.process.terminate()
    server.process.wait(timeout=15)
    shutil.copyfile(server.root / "meta" / "meta.db", target)
    server.stop()


def run_checks(server: InfluxServer) -> list[dict]:
    records = []
    for q in FINAL_CHECKS:
        status, body = post_query(server, q)
        records.append({"q": q, "status": status, "body": body})
    return records


def record_influxd_scenario(binary: str) -> list[dict]:
    steps = read_scenario()
    server = InfluxServer(binary=binary, auth_enabled=False)
    server.start()
    try:
        records = []
        for step in steps:
            if step.is_write:
                status, body = post_write(server, step.database, step.policy, step.timestamp)
            else:
                status, body = post_query(server, step.text)
            records.append({"step": step.text, "status": status, "body": body})
        write_jsonl(HERE / "scenario.jsonl", records)
        final = run_checks(server)
        write_jsonl(HERE / "influxd_final.jsonl", final)
        stop_keeping_meta(server, HERE / "influxd_scenario.meta.db")
    finally:
        server.stop()
    return final


def record_influxd_empty(binary: str) -> None:
    server = InfluxServer(binary=binary, auth_enabled=False)
    server.start()
    try:
        stop_keeping_meta(server, HERE / "influxd_empty.meta.db")
    finally:
        server.stop()


def record_chronus_written(binary: str) -> list[dict]:
    """Run the scenario on Chronus into a meta dir, start influxd on it and ask it FINAL_CHECKS."""
    golden = metadb.decode_data((HERE / "influxd_scenario.meta.db").read_bytes())
    hashes = {user.name: user.hash for user in golden.users}
    server = InfluxServer(binary=binary, auth_enabled=False)
    try:
        store = LocalMetaStore(server.root / "meta")
        store.open()
        run_with_chronus(MetaClient(store), read_scenario(), hashes)
        store.close()
        server.start()
        records = run_checks(server)
    finally:
        server.stop()
    write_jsonl(HERE / "chronus_written.jsonl", records)
    return records


def _answer(record: dict) -> tuple[int, object]:
    return record["status"], canonical_answer(record["q"], record["body"])


def write_jsonl(path: Path, records: list[dict]) -> None:
    lines = [json.dumps(r, sort_keys=True, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--influxd", default=os.environ.get("INFLUXD", "/usr/bin/influxd"))
    args = parser.parse_args(argv)
    record_influxd_empty(args.influxd)
    final = record_influxd_scenario(args.influxd)
    chronus = record_chronus_written(args.influxd)
    differing = [c["q"] for c, f in zip(chronus, final, strict=True) if _answer(c) != _answer(f)]
    print(f"tests/golden/meta: recorded; influxd on Chronus's meta.db differs on: {differing or 'nothing'}",
          file=sys.stderr)
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
