"""SHOW STATS and SHOW DIAGNOSTICS on a running server: influxd's row shapes, modules and filters.

The values are this process's (memory, uptime, the server's own settings), so the checks are on what influxd
guarantees: which modules exist, their columns, a statistic's tags, and that an unknown module answers an
empty result rather than an error.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest

from tests.integration.servers import ChronusProcess
from tests.integration.test_write_golden import _request


@pytest.fixture(scope="module")
def server():
    with ChronusProcess() as running:
        port = running.http_port
        assert _request(port, "POST", "/query?q=CREATE+DATABASE+d")[0] == 200
        assert _request(port, "POST", "/write?db=d", b"m,h=a v=1 1")[0] == 204
        yield running


def _series(server, q: str) -> list[dict]:
    status, body = _request(server.http_port, "GET", "/query?" + urllib.parse.urlencode({"q": q}))
    assert status == 200
    (result,) = json.loads(body)["results"]
    assert "error" not in result
    return result.get("series", [])


def test_diagnostics_modules_and_columns(server) -> None:
    rows = {row["name"]: row for row in _series(server, "SHOW DIAGNOSTICS")}
    assert list(rows) == sorted(rows)
    assert set(rows) == {"build", "config", "config-coordinator", "config-cqs", "config-data", "config-httpd",
                         "config-meta", "config-monitor", "config-precreator", "config-retention",
                         "config-subscriber", "network", "runtime", "system"}
    assert rows["build"]["columns"] == ["Branch", "Build Time", "Commit", "Version"]
    assert rows["build"]["values"] == [["unknown", "", "unknown", "1.6.7"]]
    assert rows["config-coordinator"]["values"] == [["0s", 0, 0, 0, 0, "0s", "10s"]]
    data = dict(zip(rows["config-data"]["columns"], rows["config-data"]["values"][0], strict=True))
    assert data["cache-snapshot-write-cold-duration"] == "10m0s"
    assert data["compact-full-write-cold-duration"] == "4h0m0s"
    assert data["cache-max-memory-size"] == 1 << 30
    assert rows["config-httpd"]["values"][0][1] == f"127.0.0.1:{server.http_port}"
    assert rows["system"]["columns"] == ["PID", "currentTime", "started", "uptime"]
    assert [row["name"] for row in _series(server, "SHOW DIAGNOSTICS FOR 'runtime'")] == ["runtime"]
    assert _series(server, "SHOW DIAGNOSTICS FOR 'nope'") == []


def test_stats_rows_and_filters(server) -> None:
    rows = _series(server, "SHOW STATS")
    assert rows[0]["name"] == "runtime" and "tags" not in rows[0]
    assert all(row["columns"] == sorted(row["columns"]) and len(row["values"]) == 1 for row in rows)
    (shard,) = _series(server, "SHOW STATS FOR 'shard'")
    assert shard["tags"]["database"] == "d" and shard["tags"]["retentionPolicy"] == "autogen"
    stats = dict(zip(shard["columns"], shard["values"][0], strict=True))
    assert stats["writePointsOk"] == 1 and stats["seriesCreate"] == 1
    (indexes,) = _series(server, "SHOW STATS FOR 'indexes'")
    assert indexes["columns"] == ["memoryBytes"] and indexes["values"][0][0] > 0
    assert _series(server, "SHOW STATS FOR 'nope'") == []
