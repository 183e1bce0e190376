"""influxd's ``httpd`` statistics: the requests of ``httpd_stats_cases`` give the counters influxd 1.6.7 gave.

The golden file is written by ``tools/record_httpd_stats.py``; durations are compared as "grew or not".
"""

from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest

from tests.integration import httpd_stats_cases as cases
from tests.integration.servers import ChronusProcess

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "http" / "httpd_stats.json"
RECORDED = json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("scenario", sorted(cases.SCENARIOS))
def test_httpd_statistics_like_influxd(scenario: str) -> None:
    auth, requests = cases.SCENARIOS[scenario]
    with ChronusProcess(http_extra="auth-enabled = true\n" if auth else "") as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=30)
        try:
            requests(conn)
            assert cases.httpd_values(conn) == RECORDED[scenario]
        finally:
            conn.close()
