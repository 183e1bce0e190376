"""Query management and EXPLAIN answered as influxd 1.6.7 answers them (tests/golden/queries/).

Every scenario of ``query_cases`` runs against its own Chronus process started with the scenario's
``[coordinator]`` settings; each answer must equal influxd's recorded one after ``query_cases.normalise``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration import query_cases as cases
from tests.integration.servers import ChronusProcess

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "queries" / "queries.jsonl"
RECORDS = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
SCENARIOS = {scenario.name: scenario for scenario in cases.SCENARIOS}


def _run(scenario: cases.Scenario) -> list[dict]:
    # the [coordinator] table goes after the [data] lines the test server template leaves open
    # influxd looks at the point limit once a second, and takes longer than that over the big data set;
    # Chronus may not, so its test server looks every 0.1 s (the small query still finishes well before)
    env = {"CHRONUS_POINT_LIMIT_INTERVAL": "0.1"} if scenario.name == "point-limit" else {}
    with ChronusProcess(data_extra=scenario.data + "\n[coordinator]\n" + scenario.coordinator,
                        env=env) as server:
        records = scenario.run(cases.Client(server.http_port))
    return [{"scenario": scenario.name, **record} for record in records]


@pytest.fixture(scope="module")
def answers() -> dict[str, list[dict]]:
    return {}


def _answers_of(cache: dict[str, list[dict]], name: str) -> list[dict]:
    if name not in cache:
        cache[name] = _run(SCENARIOS[name])
    return cache[name]


def test_every_scenario_is_recorded() -> None:
    assert sorted({r["scenario"] for r in RECORDS}) == sorted(SCENARIOS)


@pytest.mark.parametrize("position", range(len(RECORDS)),
                         ids=[f"{r['scenario']}-{r['step']}" for r in RECORDS])
def test_same_answer_as_influxd(answers: dict[str, list[dict]], position: int) -> None:
    record = RECORDS[position]
    ours = _answers_of(answers, record["scenario"])
    steps = [r for r in RECORDS if r["scenario"] == record["scenario"]]
    got = ours[steps.index(record)]
    assert got["step"] == record["step"] and got["q"] == record["q"]
    assert got["status"] == record["status"]
    assert cases.normalise(got) == cases.normalise(record), got["body"][:2000]


def test_a_closed_connection_stops_its_query() -> None:
    """influxd interrupts a query whose client went away; so does Chronus (here: a stream of a million
    one-point chunks, which would take minutes, leaves SHOW QUERIES soon after its reader hangs up)."""
    import socket
    import time
    import urllib.parse

    with ChronusProcess() as server:
        client = cases.Client(server.http_port)
        client.setup(f"CREATE DATABASE {cases.DB}")
        for batch in cases.big_batches():
            client.write(batch)
        form = urllib.parse.urlencode({"db": cases.DB, "q": "SELECT * FROM big", "chunked": "true",
                                       "chunk_size": "1"}).encode()
        sock = socket.create_connection(("127.0.0.1", server.http_port))
        try:
            head = ("POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    f"Content-Length: {len(form)}\r\n\r\n")
            sock.sendall(head.encode() + form)
            assert b"200 OK" in sock.recv(4096)
            running = json.loads(client.query("show", "SHOW QUERIES")["body"])
            assert [row[1] for row in running["results"][0]["series"][0]["values"]] == [
                "SELECT * FROM big", "SHOW QUERIES"]
        finally:
            sock.close()
        deadline = time.monotonic() + 30
        while True:
            listed = json.loads(client.query("show", "SHOW QUERIES")["body"])["results"][0]["series"][0]
            if [row[1] for row in listed["values"]] == ["SHOW QUERIES"]:
                break
            assert time.monotonic() < deadline, listed
            time.sleep(0.2)
