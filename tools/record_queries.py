"""Record how the real influxd 1.6.7 manages queries: SHOW QUERIES, KILL QUERY, the ``[coordinator]``
limits (query-timeout, max-concurrent-queries, max-select-point/series/buckets) and EXPLAIN [ANALYZE].

Usage (needs ``/usr/bin/influxd``; standard library only)::

    python tools/record_queries.py            # re-record tests/golden/queries/queries.jsonl

Each scenario of ``tests/integration/query_cases.py`` runs against a fresh influxd started with the
scenario's ``[coordinator]`` (and ``[data]``) settings; the answers are stored raw, one JSON line each, with
the scenario's name. The integration test replays the same scenarios against Chronus and compares both after
``query_cases.normalise``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

import record_golden  # noqa: E402
from record_golden import GOLDEN, InfluxServer  # noqa: E402

from tests.integration import query_cases as cases  # noqa: E402

OUT = GOLDEN / "queries" / "queries.jsonl"


@dataclass
class CoordinatorInflux(InfluxServer):
    """``InfluxServer`` with ``[coordinator]`` settings (auth off)."""

    coordinator: str = ""
    data: str = ""

    def start(self) -> None:
        saved = record_golden.CONFIG_TEMPLATE
        section = self.coordinator.replace("{", "{{").replace("}", "}}")
        data = self.data.replace("{", "{{").replace("}", "}}")
        last_data_line = "  trace-logging-enabled = false\n"
        record_golden.CONFIG_TEMPLATE = (saved.replace(last_data_line, last_data_line + data)
                                         + "\n[coordinator]\n" + section)
        try:
            super().start()
        finally:
            record_golden.CONFIG_TEMPLATE = saved


def main() -> int:
    records = []
    for scenario in cases.SCENARIOS:
        with CoordinatorInflux(auth_enabled=False, coordinator=scenario.coordinator,
                               data=scenario.data) as server:
            for record in scenario.run(cases.Client(server.http_port)):
                records.append({"scenario": scenario.name, **record})
        print(f"{scenario.name}: done", file=sys.stderr)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} answers to {OUT.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
