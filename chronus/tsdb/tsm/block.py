"""TSM1 blocks: one key's points (at most ``max-points-per-block``, 1000 by default) encoded as influxd does.

A block is ``block type (1) | uvarint length of the timestamp part | timestamps | values``. The codecs live in
``chronus._ext.tsmcodec`` (C, GIL released); this module maps them onto ``Values`` and names the block type
bytes, which differ from the WAL's value type codes (float is 0 in a block, 1 in the WAL).
"""

from __future__ import annotations

import mmap

import numpy as np
import numpy.typing as npt

from chronus._ext import tsmcodec
from chronus._ext.tsmcodec import CorruptBlockError
from chronus.tsdb.values import Values, ValueType

BytesLike = bytes | bytearray | memoryview

__all__ = [
    "BLOCK_TYPES",
    "VALUE_TYPES",
    "CorruptBlockError",
    "block_count",
    "block_time_range",
    "block_times",
    "block_type",
    "block_value_type",
    "decode_block",
    "decode_blocks",
    "decode_keys",
    "encode_block",
]

#: block type byte (``BlockFloat64`` ... in influxd's encoding.go) per value type
BLOCK_TYPES: dict[ValueType, int] = {
    ValueType.FLOAT: tsmcodec.BLOCK_FLOAT64,
    ValueType.INTEGER: tsmcodec.BLOCK_INTEGER,
    ValueType.BOOLEAN: tsmcodec.BLOCK_BOOLEAN,
    ValueType.STRING: tsmcodec.BLOCK_STRING,
    ValueType.UNSIGNED: tsmcodec.BLOCK_UNSIGNED,
}
#: value type per block type byte
VALUE_TYPES: dict[int, ValueType] = {b: t for t, b in BLOCK_TYPES.items()}


def encode_block(values: Values) -> bytes:
    """The block influxd would write for ``values`` (sorted, unique times; no NaN; not empty)."""
    return tsmcodec.encode_block(values.type, values.times, values.values)


def decode_block(data: BytesLike) -> Values:
    """The points of a block; raises ``CorruptBlockError`` (a ValueError) for bytes that do not decode."""
    code, times, vals = tsmcodec.decode_block(data)
    return Values.trusted(ValueType(code), times, vals)


def decode_blocks(buf: BytesLike | mmap.mmap, index: tuple[npt.NDArray[np.int64], ...], first: int, end: int,
                  tmin: int, tmax: int) -> tuple[Values | None, bool] | int | None:
    """One key's points in ``[tmin, tmax]`` from its index entries ``first``..``end - 1`` (``index``: the
    file's offsets, sizes, min and max times) and whether their times strictly increase throughout (None
    when no block overlaps); the offset of a block failing its CRC; None for string blocks (``decode_block``
    them one by one)."""
    found = tsmcodec.decode_blocks(buf, *index, first, end, tmin, tmax)
    if found is None or isinstance(found, int):
        return found
    code, times, vals, increasing = found
    if not code:
        return None, True
    return Values.trusted(ValueType(code), times, vals), increasing


def decode_keys(buf: BytesLike | mmap.mmap, offsets: npt.NDArray[np.int64], sizes: npt.NDArray[np.int64],
                mins: npt.NDArray[np.int64], maxs: npt.NDArray[np.int64], firsts: npt.NDArray[np.int64],
                ends: npt.NDArray[np.int64], tmins: npt.NDArray[np.int64], tmaxs: npt.NDArray[np.int64]
                ) -> tuple[int, npt.NDArray[np.int8], npt.NDArray[np.int64], npt.NDArray[np.bool_],
                           npt.NDArray[np.int64], npt.NDArray[np.generic], npt.NDArray[np.int64]]:
    """``decode_blocks`` of many keys in one call (``tsmcodec.decode_keys``): key ``i``'s index entries are
    ``firsts[i]``..``ends[i] - 1``, its range ``[tmins[i], tmaxs[i]]``."""
    return tsmcodec.decode_keys(buf, offsets, sizes, mins, maxs, np.ascontiguousarray(firsts, np.int64),
                                np.ascontiguousarray(ends, np.int64), np.ascontiguousarray(tmins, np.int64),
                                np.ascontiguousarray(tmaxs, np.int64))


def block_type(data: BytesLike) -> int:
    """The block type byte (0 float, 1 integer, 2 boolean, 3 string, 4 unsigned), as a TSM index stores it."""
    return tsmcodec.block_type(data)


def block_value_type(data: BytesLike) -> ValueType:
    """The value type of a block's points."""
    return VALUE_TYPES[tsmcodec.block_type(data)]


def block_count(data: BytesLike) -> int:
    """How many points a block holds, read from its timestamp part alone."""
    return tsmcodec.block_count(data)


def count_block_times(buf: BytesLike | mmap.mmap, offsets: npt.NDArray[np.int64],
                      sizes: npt.NDArray[np.int64], rows: npt.NDArray[np.int64], tmin: int, tmax: int
                      ) -> npt.NDArray[np.int64] | int:
    """Per block ``rows[i]`` of a file (``offsets``, ``sizes`` counting the CRC), how many of its times lie in
    ``[tmin, tmax]``, CRC checked and values undecoded; or the offset of a block failing its CRC."""
    return tsmcodec.count_block_times(buf, offsets, sizes, np.ascontiguousarray(rows, dtype=np.int64),
                                      tmin, tmax)


def block_times(data: BytesLike) -> npt.NDArray[np.int64]:
    """A block's times without decoding its values."""
    return tsmcodec.decode_block_times(data)


def block_time_range(data: BytesLike) -> tuple[int, int]:
    """``(min time, max time)`` of a block (its first and last time; blocks are sorted)."""
    times = tsmcodec.decode_block_times(data)
    if len(times) == 0:
        raise CorruptBlockError("block holds no timestamps")
    return int(times[0]), int(times[-1])
