"""FNV-1a over a batch of series keys, the shard-mapping hash of the write path."""

import numpy as np

from chronus._ext.fnv import fnv64a_spans


class FnvSpans:
    def setup(self) -> None:
        keys = [f"cpu,host=server{i:05d},region=eu-west-{i % 7}".encode() for i in range(100_000)]
        self.buf = b"".join(keys)
        self.offsets = np.cumsum([0] + [len(k) for k in keys], dtype=np.int64)

    def time_hash_100k_keys(self) -> None:
        fnv64a_spans(self.buf, self.offsets)
