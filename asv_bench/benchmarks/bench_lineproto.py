"""Line-protocol parsing of /write bodies: 5,000-line bodies of the classic cpu measurement.

``track_lines_per_second`` reports the throughput the issue asks for (lines/s on one core, 1,000,000 points
in 5,000-line bodies); influxd's Go parser does roughly 1-2M lines/s/core on a quiet machine.
"""

import time

from chronus._ext.lineproto import parse_columns
from chronus.models import parse

LINES_PER_BODY = 5_000
BODIES = 200


def cpu_body(first: int, lines: int = LINES_PER_BODY) -> bytes:
    out = []
    for i in range(first, first + lines):
        out.append(b"cpu,host=server%04d,region=us usage_user=%d.5,usage_system=%d.25,usage_idle=9%d.125,"
                   b"usage_iowait=0.%d,count=%di %d"
                   % (i % 10_000, i % 100, i % 50, i % 10, i % 7, i, 1_600_000_000_000_000_000 + i * 10**9))
    return b"\n".join(out) + b"\n"


class ParseBody:
    def setup(self) -> None:
        self.body = cpu_body(0)
        self.bad = self.body.replace(b"usage_idle=9", b"usage_idle=x9", 500)
        self.batch = parse(self.body, "n", 0)

    def time_parse_columns_5000_lines(self) -> None:
        parse_columns(self.body, "n", 0)

    def time_parse_batch_5000_lines(self) -> None:
        parse(self.body, "n", 0)

    def time_parse_with_500_bad_lines(self) -> None:
        assert len(parse(self.bad, "n", 0).errors) == 500

    def time_group_order(self) -> None:
        self.batch.group_order()

    def time_groups(self) -> None:
        self.batch.groups()


class Throughput:
    timeout = 300

    def setup(self) -> None:
        self.bodies = [cpu_body(k * LINES_PER_BODY) for k in range(BODIES)]

    def track_lines_per_second(self) -> float:
        start = time.perf_counter()
        for body in self.bodies:
            parse(body, "n", 0)
        return LINES_PER_BODY * BODIES / (time.perf_counter() - start)

    track_lines_per_second.unit = "lines/s"
