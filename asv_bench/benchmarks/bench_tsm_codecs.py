"""TSM1 block codecs, one 1000-point block (influxd's default ``max-points-per-block``) at a time.

Each ``time_*`` handles one block; the ``track_*_mb_s`` twins report throughput in MB/s of raw input (8 bytes
per time or numeric value, 1 per boolean, the bytes of each string), the unit the snapshot and compaction
budgets are planned in. Shapes: regular (RLE) and jittered times, metric-like floats (2 decimals), random
floats, small and counter-like integers, booleans, log-line strings.
"""

import time

import numpy as np
import snappy

from chronus._ext import tsmcodec
from chronus.tsdb.tsm.block import decode_block, encode_block
from chronus.tsdb.values import Values

N = 1000
BASE = 1_600_000_000_000_000_000


def _data() -> dict[str, tuple[str, object]]:
    """name -> (codec, input) for every per-codec case."""
    rng = np.random.default_rng(42)
    regular = BASE + np.arange(N, dtype=np.int64) * 10_000_000_000
    jitter = BASE + np.cumsum(rng.integers(900_000_000, 1_100_000_000, N)).astype(np.int64)
    words = [b"GET", b"POST", b"/api/v1/items", b"/health", b"200", b"404", b"ok", b"user=alice"]
    lines = [b" ".join(rng.choice(words, 5)) + b" id=%d" % i for i in range(N)]
    return {
        "times_regular": ("timestamps", regular),
        "times_jitter": ("timestamps", jitter),
        "floats_metric": ("floats", np.round(rng.normal(50, 10, N), 2)),
        "floats_random": ("floats", rng.random(N)),
        "ints_small": ("integers", rng.integers(0, 1000, N).astype(np.int64)),
        "ints_counter": ("integers", np.cumsum(rng.integers(0, 50, N)).astype(np.int64)),
        "booleans": ("booleans", (rng.random(N) < 0.3).astype(np.uint8)),
        "strings": ("strings", lines),
    }


def _raw_size(codec: str, values: object) -> int:
    if codec == "strings":
        return sum(map(len, values))
    return len(values) * (1 if codec == "booleans" else 8)


_ENCODE = {"timestamps": tsmcodec.encode_timestamps, "floats": tsmcodec.encode_floats,
           "integers": tsmcodec.encode_integers, "booleans": tsmcodec.encode_booleans,
           "strings": tsmcodec.encode_strings}
_DECODE = {"timestamps": tsmcodec.decode_timestamps, "floats": tsmcodec.decode_floats,
           "integers": tsmcodec.decode_integers, "booleans": tsmcodec.decode_booleans,
           "strings": tsmcodec.decode_strings}


def _mb_s(fn, arg, size: int) -> float:
    """Best-of-5 throughput of ``fn(arg)`` in MB/s (1e6 bytes)."""
    best = float("inf")
    for _ in range(5):
        reps, start = 0, time.perf_counter()
        while reps < 20 or time.perf_counter() - start < 0.05:
            fn(arg)
            reps += 1
        best = min(best, (time.perf_counter() - start) / reps)
    return size / best / 1e6


class Codecs:
    params = [list(_data())]
    param_names = ["case"]

    def setup(self, case: str) -> None:
        self.codec, self.values = _data()[case]
        self.encoded = _ENCODE[self.codec](self.values)
        self.size = _raw_size(self.codec, self.values)

    def time_encode(self, case: str) -> None:
        _ENCODE[self.codec](self.values)

    def time_decode(self, case: str) -> None:
        _DECODE[self.codec](self.encoded)

    def track_encode_mb_s(self, case: str) -> float:
        return _mb_s(_ENCODE[self.codec], self.values, self.size)

    def track_decode_mb_s(self, case: str) -> float:
        return _mb_s(_DECODE[self.codec], self.encoded, self.size)

    def track_compression_ratio(self, case: str) -> float:
        return self.size / len(self.encoded)

    track_encode_mb_s.unit = "MB/s"
    track_decode_mb_s.unit = "MB/s"
    track_compression_ratio.unit = "x"


class Blocks:
    """Whole blocks through the Python face (``Values`` in and out), as snapshots and queries use them."""

    params = [["float", "integer", "boolean", "string"]]
    param_names = ["type"]

    def setup(self, kind: str) -> None:
        data = _data()
        times = data["times_jitter"][1]
        self.values = {
            "float": lambda: Values.floats(times, data["floats_metric"][1]),
            "integer": lambda: Values.integers(times, data["ints_counter"][1]),
            "boolean": lambda: Values.booleans(times, data["booleans"][1].astype(bool)),
            "string": lambda: Values.strings(times, data["strings"][1]),
        }[kind]()
        self.block = encode_block(self.values)
        self.size = 8 * N + _raw_size({"float": "floats", "integer": "integers", "boolean": "booleans",
                                       "string": "strings"}[kind], data[{"float": "floats_metric",
                                       "integer": "ints_counter", "boolean": "booleans",
                                       "string": "strings"}[kind]][1])

    def time_encode_block(self, kind: str) -> None:
        encode_block(self.values)

    def time_decode_block(self, kind: str) -> None:
        decode_block(self.block)

    def track_encode_block_mb_s(self, kind: str) -> float:
        return _mb_s(encode_block, self.values, self.size)

    def track_decode_block_mb_s(self, kind: str) -> float:
        return _mb_s(decode_block, self.block, self.size)

    track_encode_block_mb_s.unit = "MB/s"
    track_decode_block_mb_s.unit = "MB/s"


class Snappy:
    """Our Go-compatible snappy (needed for influxd's exact bytes, GIL released) against python-snappy."""

    def setup(self) -> None:
        lines = _data()["strings"][1]
        self.raw = b"".join(bytes([len(s)]) + s for s in lines)
        self.packed = tsmcodec.snappy_compress(self.raw)

    def time_compress_go_compatible(self) -> None:
        tsmcodec.snappy_compress(self.raw)

    def time_compress_python_snappy(self) -> None:
        snappy.compress(self.raw)

    def time_uncompress_ours(self) -> None:
        tsmcodec.snappy_uncompress(self.packed)

    def time_uncompress_python_snappy(self) -> None:
        snappy.uncompress(self.packed)
