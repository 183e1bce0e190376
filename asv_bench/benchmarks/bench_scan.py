"""Whole-measurement scans after a restart (TSM files only, nothing cached): count(*), count(field) -- which
``query/fastcount.py`` answers from block headers -- and mean over GROUP BY time(1m), which reads values.

The data set is the one ``bench/compare_write.py`` writes (``cpu``, 5 fields, one point per series every
10 s), 200,000 points over 1,000 series, snapshotted and written to TSM before the timed restart.
"""

import os

from chronus.cluster.points_writer import PointsWriter
from chronus.influxql import parse_query
from chronus.meta.client import MetaClient
from chronus.meta.store import LocalMetaStore
from chronus.query.select import SelectContext, execute_select
from chronus.tsdb.store import Store

NOW = 1_800_000_000_000_000_000
BASE_NS = 1_700_000_000_000_000_000
POINTS = 200_000
SERIES = 1_000

QUERIES = {
    "count_star": "SELECT count(*) FROM bench.autogen.cpu",
    "count_field": "SELECT count(usage_user) FROM bench.autogen.cpu",
    "count_by_host": "SELECT count(usage_user) FROM bench.autogen.cpu GROUP BY host",
    "mean_1m": "SELECT mean(usage_user) FROM bench.autogen.cpu WHERE time >= 1700000000000000000 AND "
    "time < 1700002000000000000 GROUP BY time(1m)",
}


def write_dataset(root: str, points: int = POINTS, series: int = SERIES) -> None:
    """``points`` lines of compare_write's shape into ``root``, then every shard snapshotted to TSM."""
    os.makedirs(root, exist_ok=True)
    meta_store = LocalMetaStore(root + "/meta")
    meta_store.open()
    meta = MetaClient(meta_store, clock=lambda: NOW)
    meta.create_database("bench")
    store = Store(root + "/data", root + "/wal")
    store.open()
    writer = PointsWriter(meta, store, clock=lambda: NOW)
    tags = [f"cpu,host=server{s:05d},region=region{s % 10} " for s in range(series)]
    for first in range(0, points, 50_000):
        body = "\n".join(
            f"{tags[n % series]}usage_user={(n % 997) / 10:.1f},usage_system={(n % 991) / 10:.1f},"
            f"usage_idle={(n % 983) / 10:.1f},usage_iowait={(n % 13) / 10:.1f},count={n % 1000}i "
            f"{BASE_NS + (n // series) * 10_000_000_000}"
            for n in range(first, min(first + 50_000, points)))
        writer.write_lines("bench", "", "one", body.encode(), "n")
    for shard in store.shards():
        shard.snapshot()
    store.close()
    meta_store.close()


class ScanAfterRestart:
    params = [list(QUERIES)]
    param_names = ["query"]
    timeout = 300

    def setup_cache(self) -> str:
        root = os.path.abspath("scan-data")  # asv runs setup_cache in a directory it removes
        write_dataset(root)
        return root

    def setup(self, root: str, name: str) -> None:
        self.meta_store = LocalMetaStore(root + "/meta")
        self.meta_store.open()
        self.meta = MetaClient(self.meta_store, clock=lambda: NOW)
        self.store = Store(root + "/data", root + "/wal")
        self.store.open()
        self.statement = parse_query(QUERIES[name]).statements[0]

    def teardown(self, root: str, name: str) -> None:
        self.store.close()
        self.meta_store.close()

    def _shards_for(self, database: str, policy: str, tmin: int, tmax: int) -> list:
        groups = self.meta.shard_groups_by_time_range(database, policy, tmin, tmax)
        return self.store.shards([shard.id for group in groups for shard in group.shards])

    def time_scan(self, root: str, name: str) -> None:
        for _ in execute_select(self.statement, SelectContext(self._shards_for, now_ns=NOW)):
            pass
