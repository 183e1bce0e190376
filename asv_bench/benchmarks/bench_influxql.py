"""InfluxQL parser throughput: statements parsed per second over a mixed workload.

``track_statements_per_second`` reports the rate directly; ``time_parse_mix`` lets asv compare commits.
"""

import time

from chronus.influxql import parse_query

STATEMENTS = [
    "SELECT mean(usage_idle) FROM telegraf.autogen.cpu WHERE time > now() - 1h AND cpu = 'cpu-total' "
    "GROUP BY time(1m), host fill(null)",
    "SELECT max(value), min(value) FROM disk WHERE region =~ /us-.*/ GROUP BY time(10m), region LIMIT 100",
    'SELECT "used_percent" * 2 + 1 AS x FROM "mem" WHERE "host" = \'a\' ORDER BY time DESC LIMIT 10000',
    "SELECT * FROM cpu WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-02T00:00:00Z'",
    "SHOW TAG VALUES FROM cpu WITH KEY = host WHERE region = 'eu'",
    "CREATE CONTINUOUS QUERY cq ON db RESAMPLE EVERY 1m FOR 10m BEGIN SELECT mean(v) INTO db.rp.m "
    "FROM cpu GROUP BY time(1m), * END",
    "SELECT derivative(mean(bytes_recv), 1s) FROM net WHERE time > now() - 6h GROUP BY time(30s), interface",
    "SHOW MEASUREMENTS WITH MEASUREMENT =~ /cpu.*/ LIMIT 10",
]
QUERY_TEXT = ";".join(STATEMENTS)


class ParseMix:
    def time_parse_mix(self) -> None:
        parse_query(QUERY_TEXT)

    def track_statements_per_second(self) -> float:
        rounds = 50
        start = time.perf_counter()
        for _ in range(rounds):
            parse_query(QUERY_TEXT)
        return rounds * len(STATEMENTS) / (time.perf_counter() - start)

    track_statements_per_second.unit = "statements/s"
