"""influxd 1.6.7's ``[http]`` limits, CORS, ``/debug/*`` and HTTPS answers (tests/golden/http/limits.jsonl),
replayed scenario by scenario against a Chronus server with the same settings."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration import http_limits_cases as cases
from tests.integration import http_replay
from tests.integration.servers import ChronusProcess

RECORDS = http_replay.load("limits.jsonl")
BY_NAME = {scenario.name: scenario for scenario in cases.SCENARIOS}


class HTTPSChronus(ChronusProcess):
    """``ChronusProcess`` over HTTPS (its start-up ping trusts the certificate through ``SSL_CERT_FILE``)."""

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.http_port}"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.fixture(scope="module")
def answers(certificate: tuple[Path, Path]) -> Iterator[dict[str, list[dict]]]:
    """Every scenario run once against its own Chronus server; answers by scenario name."""
    cert, key = certificate
    got: dict[str, list[dict]] = {}

    def run(scenario: cases.Scenario) -> list[dict]:
        extra = cases.http_settings(scenario, str(cert), str(key))
        if not scenario.https:
            with ChronusProcess(http_extra=extra) as server:
                return scenario.run(cases.Client(server.http_port))
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SSL_CERT_FILE", str(cert))
            with HTTPSChronus(http_extra=extra) as server:
                return scenario.run(cases.Client(server.http_port, cases.client_tls_context()))

    class Lazy(dict):
        def __missing__(self, name: str) -> list[dict]:
            self[name] = run(BY_NAME[name])
            return self[name]

    got = Lazy()
    yield got


def comparable(record: dict) -> dict:
    """What must agree: status, body, headers (framing, version and volatile values aside; Go lists the
    methods of a 405 in random order)."""
    out = {k: v for k, v in record.items() if k in ("step", "outcome", "status", "body", "body_base64",
                                                    "body_gunzipped", "version", "status_line")}
    if "headers" in record:
        headers = http_replay.comparable_headers(record["headers"])
        if "allow" in headers:
            headers["allow"] = sorted(headers["allow"].split(", "))
        out["headers"] = headers
        out["volatile_headers"] = record["volatile_headers"]
    return out


def _ids() -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for record in RECORDS:
        request = record.get("request", {})
        method, path = request.get("method", ""), request.get("path", "")
        label = f"{record['scenario']}: {record['step']} {method} {path}"
        label = label[:140]
        seen[label] = seen.get(label, 0) + 1
        ids.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return ids


@pytest.mark.parametrize("position", range(len(RECORDS)), ids=_ids())
def test_same_answer_as_influxd(answers: dict[str, list[dict]], position: int) -> None:
    record = RECORDS[position]
    scenario = record["scenario"]
    index = sum(1 for r in RECORDS[:position] if r["scenario"] == scenario)
    got = answers[scenario]
    assert len(got) == sum(1 for r in RECORDS if r["scenario"] == scenario)
    assert comparable(got[index]) == comparable(record)
    if http_replay.VERSION_HEADER in record.get("headers", {}):
        assert got[index]["headers"][http_replay.VERSION_HEADER] == "1.6.7"


def test_pprof_pages_describe_the_python_process(answers: dict[str, list[dict]]) -> None:
    """Bodies influxd fills from the Go runtime: Chronus's are the Python process's own."""
    client_records = {r["request"]["path"]: r for r in answers["debug_routes"] if r["step"] == "pprof"}
    assert set(client_records) == {"/debug/pprof/", "/debug/pprof", "/debug/pprof/goroutine?debug=1",
                                   "/debug/pprof/goroutine?debug=2", "/debug/pprof/cmdline",
                                   "/debug/pprof/all"}
    for record in client_records.values():
        assert record["status"] == 200 and record["body_ignored"]


def test_pprof_bodies() -> None:
    """What Chronus serves where influxd serves Go runtime profiles."""
    with ChronusProcess() as server:
        client = cases.Client(server.http_port)
        cases.send(client, "setup", "POST", "/query?q=CREATE+DATABASE+d")
        cases.send(client, "setup", "POST", "/write?db=d", body=b"m v=1 1\n")

        def get(path: str) -> tuple[int, bytes]:
            conn = client.connection()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                return resp.status, resp.read()
            finally:
                conn.close()

        status, page = get("/debug/pprof/")
        assert status == 200 and b"<a href='goroutine?debug=1'>goroutine</a>" in page
        status, cmdline = get("/debug/pprof/cmdline")
        assert status == 200
        assert cmdline.split(b"\x00")[-3:] == [b"run", b"-config", str(server.config_path).encode()]
        status, stacks = get("/debug/pprof/goroutine?debug=2")
        assert status == 200 and b"thread MainThread (" in stacks
        status, profile = get("/debug/pprof/profile?seconds=1")
        assert status == 200 and profile.startswith(b"cpu profile: ") and b" samples over 1s\n" in profile
        assert get("/debug/pprof/symbol") == (200, b"num_symbols: 0\n")
        assert get("/debug/pprof/heap") == (404, b"Unknown profile\n")
        status, archive = get("/debug/pprof/all")
        assert status == 200
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            files = {member.name: tar.extractfile(member).read().decode() for member in tar.getmembers()}
        assert sorted(files) == ["diagnostics.txt", "goroutine.txt", "shards.txt", "stats.txt"]
        assert files["goroutine.txt"].startswith("goroutine profile: total ")
        assert files["shards.txt"].startswith("id\tdatabase\tretention_policy\tshard_group\tstart_time\t")
        assert "\td\t" in files["shards.txt"]


def test_debug_requests_json_shape() -> None:
    """The recorded /debug/requests bodies are the JSON object influxd writes by hand."""
    bodies = [r["body"] for r in RECORDS if r.get("request", {}).get("path", "").startswith("/debug/requests")
              and r["status"] == 200]
    assert '{\n"127.0.0.1": {"writes":2,"queries":2}\n}\n' in bodies
    assert '{\n"admin:127.0.0.1": {"writes":2,"queries":1}\n}\n' in bodies
    assert all(json.loads(body) is not None for body in bodies)
