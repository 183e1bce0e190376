"""Client sessions shaped like real users' (the ``influxdb`` Python client, Telegraf's HTTP writes), runnable
against any server URL: ``tools/record_clients.py`` records what influxd 1.6.7 answers, the integration test
compares Chronus's answers with that recording."""

from __future__ import annotations

import gzip
import http.client
import random
from collections.abc import Callable
from urllib.parse import urlencode

from influxdb import InfluxDBClient

BASE_NS = 1_500_000_000_000_000_000


def python_client(port: int) -> list:
    """The influxdb-python client: create a database, write points of every type, read them back."""
    client = InfluxDBClient(host="127.0.0.1", port=port, database="pyclient", timeout=30)
    seen: list = []
    client.create_database("pyclient")
    seen.append(sorted(db["name"] for db in client.get_list_database()))
    points = [
        {
            "measurement": "cpu_load",
            "tags": {"host": f"server{i % 3:02d}", "region": "us-west" if i % 2 else "eu-central"},
            "time": BASE_NS + i * 10_000_000_000,
            "fields": {"value": 0.5 + i, "count": i, "ok": i % 2 == 0, "note": f"n{i}"},
        }
        for i in range(30)
    ]
    seen.append(client.write_points(points, time_precision="n", batch_size=7))
    seen.append(
        client.write_points(['events,kind=deploy version="1.2" 1500000000000000000'], protocol="line")
    )
    seen.append(client.query("SHOW MEASUREMENTS").raw)
    seen.append(client.query("SHOW TAG VALUES FROM cpu_load WITH KEY = host").raw)
    seen.append(client.query("SELECT * FROM cpu_load WHERE host = 'server01'").raw)
    seen.append(client.query("SELECT value, note FROM cpu_load ORDER BY time DESC LIMIT 4", epoch="ms").raw)
    seen.append(client.query("SELECT * FROM events").raw)
    seen.append(client.query("SELECT * FROM cpu_load GROUP BY region LIMIT 2").raw)
    seen.append(list(client.query("SELECT value FROM cpu_load WHERE value > 25").get_points()))
    seen.append(client.query("SHOW SERIES").raw)
    client.drop_database("pyclient")
    seen.append(sorted(db["name"] for db in client.get_list_database()))
    client.close()
    return seen


def _request(port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> tuple:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def telegraf(port: int) -> list:
    """Telegraf's influxdb output: CREATE DATABASE first, then gzip batches of 1000 lines at ns precision."""
    rng = random.Random(7)
    agent = {"User-Agent": "Telegraf/1.8.3"}
    seen: list = [
        _request(port, "POST", "/query?" + urlencode({"q": 'CREATE DATABASE "telegraf"'}), headers=agent)
    ]
    for batch in range(3):
        lines = []
        for i in range(1000):
            n = batch * 1000 + i
            host = f"host{n % 50:03d}"
            lines.append(
                f"cpu,cpu=cpu-total,host={host} usage_idle={rng.uniform(0, 100):.6f},"
                f"usage_user={rng.uniform(0, 100):.6f},usage_iowait={rng.uniform(0, 5):.6f} "
                f"{BASE_NS + n * 1_000_000_000}"
            )
        body = gzip.compress(("\n".join(lines) + "\n").encode())
        headers = dict(agent, **{"Content-Encoding": "gzip", "Content-Type": "text/plain; charset=utf-8"})
        seen.append(_request(port, "POST", "/write?db=telegraf&precision=ns", body, headers))
    for q in (
        "SHOW SERIES CARDINALITY",
        "SELECT * FROM cpu WHERE host = 'host007' LIMIT 3",
        "SELECT usage_idle FROM cpu ORDER BY time DESC LIMIT 2",
        "SHOW FIELD KEYS",
    ):
        seen.append(_request(port, "GET", "/query?" + urlencode({"db": "telegraf", "q": q})))
    return seen


SCENARIOS: dict[str, Callable[[int], list]] = {"python_client": python_client, "telegraf": telegraf}
