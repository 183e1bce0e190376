"""Record influxd 1.6.7's ``httpd`` statistics after the requests of ``httpd_stats_cases.py`` (tests).

Usage (needs ``/usr/bin/influxd``)::

    python tools/record_httpd_stats.py      # writes tests/golden/http/httpd_stats.json

Each scenario gets a fresh influxd (auth on or off as it says), runs its requests over one keep-alive
connection, then reads ``/debug/vars``.
"""

from __future__ import annotations

import http.client
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from record_golden import GOLDEN, InfluxServer  # noqa: E402

from tests.integration import httpd_stats_cases as cases  # noqa: E402

OUT = GOLDEN / "http" / "httpd_stats.json"


def main() -> int:
    recorded = {}
    for name, (auth, requests) in cases.SCENARIOS.items():
        with InfluxServer(auth_enabled=auth) as server:
            conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=30)
            requests(conn)
            recorded[name] = cases.httpd_values(conn)
            conn.close()
    OUT.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    print(f"{OUT.relative_to(REPO)}: {len(recorded)} scenarios", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
