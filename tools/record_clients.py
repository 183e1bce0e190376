"""Record influxd 1.6.7's answers to the client sessions of ``tests/integration/client_scenarios.py``.

Usage (needs ``/usr/bin/influxd`` and the ``influxdb`` Python package)::

    python tools/record_clients.py      # writes tests/golden/clients/<scenario>.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from record_golden import GOLDEN, InfluxServer  # noqa: E402

from tests.integration.client_scenarios import SCENARIOS  # noqa: E402


def main() -> int:
    out_dir = GOLDEN / "clients"
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, scenario in SCENARIOS.items():
        with InfluxServer(auth_enabled=False) as server:
            seen = scenario(server.http_port)
        (out_dir / f"{name}.json").write_text(json.dumps(seen, indent=1, ensure_ascii=False) + "\n")
        print(f"recorded {name}: {len(seen)} answers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
