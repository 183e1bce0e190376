"""Opening a store after a restart: TSM index parse, series index and field set rebuilt from the files'
keys, WAL replayed into the cache.

Two data sets of compare_write's shape (5 fields per series): 10,000 series whose points are all in TSM
files, and 2,000 series whose last points are still only in the WAL (replayed on open).
"""

import os

from chronus.tsdb.store import Store

from .bench_scan import write_dataset


def _wal_dataset(root: str) -> None:
    """TSM files, then more points written and left in the WAL (the store closed without a snapshot)."""
    from chronus.cluster.points_writer import PointsWriter
    from chronus.meta.client import MetaClient
    from chronus.meta.store import LocalMetaStore

    from .bench_scan import BASE_NS, NOW

    write_dataset(root, points=100_000, series=2_000)
    meta_store = LocalMetaStore(root + "/meta")
    meta_store.open()
    meta = MetaClient(meta_store, clock=lambda: NOW)
    store = Store(root + "/data", root + "/wal")
    store.open()
    writer = PointsWriter(meta, store, clock=lambda: NOW)
    body = "\n".join(f"cpu,host=server{s % 2000:05d},region=region{s % 10} usage_user={s}.5,count={s}i "
                     f"{BASE_NS + 10**12 + (s // 2000) * 10**10}" for s in range(100_000))
    writer.write_lines("bench", "", "one", body.encode(), "n")
    store.close()
    meta_store.close()


class OpenStore:
    params = [["tsm_10k_series", "wal_2k_series"]]
    param_names = ["data"]
    timeout = 600

    def setup_cache(self) -> dict[str, str]:
        # asv runs setup_cache in a directory it removes afterwards
        tsm = os.path.abspath("restart-tsm")
        write_dataset(tsm, points=500_000, series=10_000)
        wal = os.path.abspath("restart-wal")
        _wal_dataset(wal)
        return {"tsm_10k_series": tsm, "wal_2k_series": wal}

    def time_open(self, roots: dict[str, str], data: str) -> None:
        store = Store(roots[data] + "/data", roots[data] + "/wal")
        store.open()
        store.close()
