"""SELECT INTO over HTTP against a real Chronus process.

The points go through the node's points writer, so they are durable like ``/write`` (still there after a
restart), and the answer is influxd's ``written`` row.
"""

from __future__ import annotations

import urllib.parse
import urllib.request

import pytest

from tests.integration.servers import ChronusProcess


@pytest.fixture
def server():
    with ChronusProcess() as process:  # stops it and removes its directory
        yield process


def _query(server: ChronusProcess, text: str) -> str:
    data = urllib.parse.urlencode({"q": text, "db": "d"}).encode()
    with urllib.request.urlopen(f"{server.url}/query", data, timeout=30) as resp:
        return resp.read().decode()


def test_into_points_survive_a_restart(server: ChronusProcess) -> None:
    _query(server, "CREATE DATABASE d")
    body = b"cpu,host=a v=1 10\ncpu,host=b v=3 20\ncpu,host=a v=5 30\n"
    request = urllib.request.Request(f"{server.url}/write?db=d&precision=s", body, method="POST")
    with urllib.request.urlopen(request, timeout=30) as resp:
        assert resp.status == 204
    assert _query(server, "SELECT max(v) INTO cpu_max FROM (SELECT v FROM cpu) GROUP BY host") == (
        '{"results":[{"statement_id":0,"series":[{"name":"result","columns":["time","written"],'
        '"values":[["1970-01-01T00:00:00Z",2]]}]}]}\n')
    server.restart()
    assert _query(server, "SELECT * FROM cpu_max GROUP BY *") == (
        '{"results":[{"statement_id":0,"series":[{"name":"cpu_max","tags":{"host":"a"},"columns":["time","max"],'
        '"values":[["1970-01-01T00:00:30Z",5]]},{"name":"cpu_max","tags":{"host":"b"},"columns":["time","max"],'
        '"values":[["1970-01-01T00:00:20Z",3]]}]}]}\n')
