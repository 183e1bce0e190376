"""Just enough of the TSM file format to pull the blocks out of influxd's golden files (tests only).

File: magic ``0x16D116D1`` (4, BE), version 1, blocks (CRC32 (4, BE) + block data), the index (per key: key
length (2), key, block type (1), entry count (2), then per block min time, max time, offset (8 each) and
size (4), the size counting the CRC), and an 8-byte footer holding the index offset.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

MAGIC = 0x16D116D1


@dataclass(frozen=True)
class BlockRef:
    key: bytes
    block_type: int
    min_time: int
    max_time: int
    data: bytes


def read_blocks(path: Path) -> list[BlockRef]:
    """Every block of a TSM file, in index order (keys sorted, blocks by time); checks CRCs."""
    raw = path.read_bytes()
    magic, version = struct.unpack_from(">IB", raw, 0)
    if magic != MAGIC or version != 1:
        raise ValueError(f"{path}: not a TSM1 file")
    (index_at,) = struct.unpack_from(">Q", raw, len(raw) - 8)
    pos, end = index_at, len(raw) - 8
    out = []
    while pos < end:
        (klen,) = struct.unpack_from(">H", raw, pos)
        key = raw[pos + 2:pos + 2 + klen]
        block_type, count = struct.unpack_from(">BH", raw, pos + 2 + klen)
        pos += 5 + klen
        for _ in range(count):
            tmin, tmax, offset, size = struct.unpack_from(">qqQI", raw, pos)
            pos += 28
            (crc,) = struct.unpack_from(">I", raw, offset)
            data = raw[offset + 4:offset + size]
            if zlib.crc32(data) != crc:
                raise ValueError(f"{path}: bad CRC for a block of {key!r}")
            out.append(BlockRef(key, block_type, tmin, tmax, data))
    return out
