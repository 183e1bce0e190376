"""The shard write path per request: 5,000-point bodies (1,000 series x 5 fields), as the side-by-side
``bench/compare_write.py`` sends them.

``time_shard_write`` is one request's work after parsing (field checks, index, grouping, cache, WAL
encode + snappy + group commit with fsync); the others time the columnar steps alone.
"""

import shutil
import tempfile

import numpy as np

from chronus._ext.walcodec import encode_groups
from chronus.models import parse
from chronus.tsdb.cache import Cache
from chronus.tsdb.index import DatabaseIndex
from chronus.tsdb.shard import Shard

SERIES = 1_000
LINES_PER_BODY = 5_000


def cpu_body(step: int) -> bytes:
    """One body: 5 rounds over the series, each round 10 s later (``bench/compare_write.py``'s shape)."""
    out = []
    for n in range(step * LINES_PER_BODY, (step + 1) * LINES_PER_BODY):
        s = n % SERIES
        out.append(b"cpu,host=server%04d,region=region%d usage_user=%d.5,usage_system=%d.25,"
                   b"usage_idle=%d.125,usage_iowait=0.%d,count=%di %d"
                   % (s, s % 10, n % 97, n % 91, n % 83, n % 13, n % 1000,
                      1_700_000_000_000_000_000 + (n // SERIES) * 10_000_000_000))
    return b"\n".join(out)


class ShardWrite:
    timeout = 120

    def setup(self) -> None:
        self.dir = tempfile.mkdtemp()
        self.bodies = [cpu_body(step) for step in range(20)]
        self.batches = [parse(body, "n", 0) for body in self.bodies]
        self.keep = np.ones(LINES_PER_BODY, dtype=bool)
        self.groups = self.batches[0].grouped()
        self.shard = Shard(1, "bench", "autogen", f"{self.dir}/data", f"{self.dir}/wal",
                           DatabaseIndex("bench").shard(1))
        self.shard.open()
        self.shard.write(self.batches[0], self.keep)  # series and fields exist: the steady state
        self.next = 1

    def teardown(self) -> None:
        self.shard.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def time_shard_write(self) -> None:
        self.shard.write(self.batches[self.next % len(self.batches)], self.keep)
        self.next += 1

    def time_grouped(self) -> None:
        self.batches[0].grouped(self.keep)

    def time_wal_payload(self) -> None:
        g = self.groups
        encode_groups(g.keys, g.key_offsets, g.types, g.starts, g.times, g.bits, g.rows, g.string_data,
                      g.string_offsets)

    def time_cache_write_20_bodies(self) -> None:
        cache = Cache()
        for batch in self.batches:
            cache.write_groups(batch.grouped())
