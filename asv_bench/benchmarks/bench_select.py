"""SELECT (raw and aggregate) over the cache: points per second from shard to rows (JSON excluded)."""

import shutil
import tempfile

from chronus.cluster.points_writer import PointsWriter
from chronus.influxql import parse_query
from chronus.meta.client import MetaClient
from chronus.meta.store import LocalMetaStore
from chronus.query.select import SelectContext, execute_select
from chronus.tsdb.store import Store

NOW = 1_600_000_000_000_000_000
BASE_S = 1_514_764_800
POINTS = 200_000

QUERIES = {
    "raw": "SELECT value FROM b.autogen.cpu",
    "where_field": "SELECT value, count FROM b.autogen.cpu WHERE value > 10",
    "math_group_by_tag": "SELECT value * 2 FROM b.autogen.cpu GROUP BY host",
    "mean_1m_by_host": "SELECT mean(value) FROM b.autogen.cpu WHERE time >= '2018-01-01T00:00:00Z' AND "
    "time < '2018-01-04T00:00:00Z' GROUP BY time(1m), host",
    "max_count_10m": "SELECT max(value), count(count) FROM b.autogen.cpu "
    "WHERE time >= '2018-01-01T00:00:00Z' AND time < '2018-01-04T00:00:00Z' GROUP BY time(10m) fill(0)",
    "median_1h_by_host": "SELECT median(value) FROM b.autogen.cpu WHERE time >= '2018-01-01T00:00:00Z' AND "
    "time < '2018-01-04T00:00:00Z' GROUP BY time(1h), host",
}


class RawSelect:
    params = [list(QUERIES)]
    param_names = ["query"]
    timeout = 300

    def setup(self, name: str) -> None:
        self.root = tempfile.mkdtemp()
        self.meta_store = LocalMetaStore(self.root + "/meta")
        self.meta_store.open()
        self.meta = MetaClient(self.meta_store, clock=lambda: NOW)
        self.meta.create_database("b")
        self.store = Store(self.root + "/data", self.root + "/wal")
        self.store.open()
        writer = PointsWriter(self.meta, self.store, clock=lambda: NOW)
        for start in range(0, POINTS, 50_000):
            lines = (
                f"cpu,host=h{i % 10} value={i * 0.5},count={i}i {BASE_S + i}"
                for i in range(start, start + 50_000)
            )
            body = "\n".join(lines)
            writer.write_lines("b", "", "one", body.encode(), "s")
        self.statement = parse_query(QUERIES[name]).statements[0]

    def teardown(self, name: str) -> None:
        self.store.close()
        self.meta_store.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def _shards_for(self, database: str, policy: str, tmin: int, tmax: int) -> list:
        groups = self.meta.shard_groups_by_time_range(database, policy, tmin, tmax)
        return self.store.shards([shard.id for group in groups for shard in group.shards])

    def time_select(self, name: str) -> None:
        for _ in execute_select(self.statement, SelectContext(self._shards_for, now_ns=NOW)):
            pass
