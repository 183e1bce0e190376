"""WAL write-entry codec, the cache's write and read paths, and group-committed WAL writes."""

import shutil
import tempfile
import threading

import numpy as np
import snappy

from chronus._ext.walcodec import decode_write, encode_write
from chronus.tsdb.cache import Cache
from chronus.tsdb.values import Values
from chronus.tsdb.wal import WAL


def _batch(series: int, points: int) -> dict[bytes, Values]:
    """A write request: ``series`` keys with ``points`` float points each."""
    times = np.arange(points, dtype=np.int64) * 10_000_000_000 + 1_600_000_000_000_000_000
    rng = np.random.default_rng(1)
    return {f"cpu,host=server{i:05d},region=eu#!~#usage".encode(): Values.floats(times, rng.random(points))
            for i in range(series)}


class WriteEntryCodec:
    params = [[(5000, 1), (100, 1000)]]
    param_names = ["keys_x_points"]
    param_names = ["series_points"]

    def setup(self, shape: tuple[int, int]) -> None:
        self.entries = _batch(*shape)
        self.payload = encode_write(self.entries)
        self.compressed = snappy.compress(self.payload)

    def time_encode(self, shape: tuple[int, int]) -> None:
        encode_write(self.entries)

    def time_decode(self, shape: tuple[int, int]) -> None:
        decode_write(self.payload)

    def time_encode_and_compress(self, shape: tuple[int, int]) -> None:
        snappy.compress(encode_write(self.entries))


class CacheWrites:
    params = [[(5000, 1), (100, 1000)]]
    param_names = ["keys_x_points"]
    param_names = ["series_points"]

    def setup(self, shape: tuple[int, int]) -> None:
        self.batches = [_batch(*shape) for _ in range(3)]

    def time_write_three_batches_and_read_all(self, shape: tuple[int, int]) -> None:
        cache = Cache()
        for batch in self.batches:
            cache.write_multi(batch)
        keys = cache.keys()
        for key in keys:
            cache.values(key)


class GroupCommit:
    """8 threads x 20 writes of 100 points each into one WAL: one fsync per batch of waiting writers."""

    timeout = 120

    def setup(self) -> None:
        self.dir = tempfile.mkdtemp()
        self.batch = _batch(100, 1)

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def time_concurrent_writes(self) -> None:
        with WAL(self.dir) as wal:
            def writer() -> None:
                for _ in range(20):
                    wal.write(self.batch)

            threads = [threading.Thread(target=writer) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
