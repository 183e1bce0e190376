"""Record what the real ``influx`` CLI prints against influxd 1.6.7 for ``tests/integration/cli_cases.py``.

Usage (needs Debian's ``influxdb`` and ``influxdb-client``)::

    python tools/record_cli.py      # writes tests/golden/cli/answers.jsonl
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from record_golden import GOLDEN, InfluxServer  # noqa: E402

from tests.integration import cli_cases  # noqa: E402

INFLUX = "/usr/bin/influx"


def run_cli(port: int, case: list[str]) -> dict:
    done = subprocess.run(
        [INFLUX, "-host", "127.0.0.1", "-port", str(port), *cli_cases.arguments(case)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    return {
        "args": case,
        "stdout": cli_cases.normalise(done.stdout),
        "stderr": cli_cases.normalise(done.stderr),
        "exit": done.returncode,
    }


def main() -> int:
    with InfluxServer(auth_enabled=False) as server:
        records = [run_cli(server.http_port, case) for case in cli_cases.CASES]
    out = GOLDEN / "cli" / "answers.jsonl"
    with open(out, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} answers to {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
