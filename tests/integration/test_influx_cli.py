"""The real ``influx`` CLI (Debian influxdb-client) prints the same for Chronus as for influxd 1.6.7."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integration import cli_cases
from tests.integration.servers import ChronusProcess

INFLUX = shutil.which("influx", path="/usr/bin") or "/usr/bin/influx"
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "cli" / "answers.jsonl"
RECORDS = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]

pytestmark = pytest.mark.skipif(
    not Path(INFLUX).exists(), reason="the influx CLI (influxdb-client) is not installed"
)


@pytest.fixture(scope="module")
def outputs() -> list[dict]:
    with ChronusProcess() as server:
        answers = []
        for case in cli_cases.CASES:
            done = subprocess.run(
                [INFLUX, "-host", "127.0.0.1", "-port", str(server.http_port), *cli_cases.arguments(case)],
                capture_output=True,
                text=True,
                timeout=60,
                stdin=subprocess.DEVNULL,
            )
            answers.append(
                {
                    "stdout": cli_cases.normalise(done.stdout),
                    "stderr": cli_cases.normalise(done.stderr),
                    "exit": done.returncode,
                }
            )
        return answers


def test_golden_covers_every_case() -> None:
    assert [record["args"] for record in RECORDS] == cli_cases.CASES


@pytest.mark.parametrize("position", range(len(RECORDS)), ids=[" ".join(r["args"])[:70] for r in RECORDS])
def test_cli_prints_what_influxd_makes_it_print(outputs: list[dict], position: int) -> None:
    record, got = RECORDS[position], outputs[position]
    assert (got["exit"], got["stdout"], got["stderr"]) == (record["exit"], record["stdout"], record["stderr"])
