"""Reading TSM1 files (influxd 1.6.7's ``tsdb/engine/tsm1/reader.go`` format; see ``writer.py``).

The file is memory-mapped. Opening checks the magic and version and parses the index once into flat
numpy arrays (one row per key: its type and first entry; one row per block: min/max time, offset, size),
so finding a key is a binary search over the sorted key list and finding its blocks in a time range is a
``searchsorted`` — the Python work is per key and per block, never per point. ``read`` decodes only the
blocks that overlap the range, checking each block's CRC first.

A file that does not open is refused with influxd's words (``can only read from tsm file``, ``init: file is
version ...``, ``mmapAccessor: ...``, ``indirectIndex: not enough data for ...``) as ``CorruptTSMError``.
"""

from __future__ import annotations

import bisect
import contextlib
import mmap
import os
import struct
import zlib

import numpy as np

from chronus.tsdb.tsm.block import VALUE_TYPES, decode_block
from chronus.tsdb.tsm.writer import FOOTER_SIZE, HEADER_SIZE, MAGIC, VERSION
from chronus.tsdb.values import MAX_TIME, MIN_TIME, Values, ValueType

_ENTRY_DTYPE = np.dtype([("min", ">i8"), ("max", ">i8"), ("offset", ">u8"), ("size", ">u4")])
_ENTRY_SIZE = _ENTRY_DTYPE.itemsize  # 28


class CorruptTSMError(ValueError):
    """A TSM file (or one of its blocks) that cannot be read; the text is influxd's where it has one."""


class TSMReader:
    """One open, read-only TSM file. Thread-safe for reads; ``close()`` once no read is running."""

    def __init__(self, path: str) -> None:
        self.path = path
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size < FOOTER_SIZE:
                raise CorruptTSMError("mmapAccessor: byte slice too small for indirectIndex")
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            self._parse(size)
        except BaseException:
            self._map.close()
            raise
        self.size = size

    def _parse(self, size: int) -> None:
        data = self._map
        if size < HEADER_SIZE or struct.unpack_from(">I", data, 0)[0] != MAGIC:
            raise CorruptTSMError("can only read from tsm file")
        version = data[4]
        if version != VERSION:
            raise CorruptTSMError(f"init: file is version {version:b}. expected {VERSION:b}")
        footer = size - FOOTER_SIZE
        (index_start,) = struct.unpack_from(">Q", data, footer)
        if index_start >= footer:
            raise CorruptTSMError("mmapAccessor: invalid indexStart")
        self.index_offset = index_start
        index = data[index_start:footer]
        keys: list[bytes] = []
        types = bytearray()
        counts: list[int] = []
        raw_entries = bytearray()
        i, end = 0, len(index)
        while i < end:
            if i + 2 >= end:
                raise CorruptTSMError("indirectIndex: not enough data for key length value")
            (key_len,) = struct.unpack_from(">H", index, i)
            key = index[i + 2:i + 2 + key_len]
            i += 3 + key_len
            if i + 2 >= end:
                raise CorruptTSMError("indirectIndex: not enough data for index entries count")
            (count,) = struct.unpack_from(">H", index, i)
            i += 2
            if i + count * _ENTRY_SIZE > end or count == 0:
                raise CorruptTSMError("indirectIndex: not enough data for max time")
            keys.append(key)
            types.append(index[i - 3])
            counts.append(count)
            raw_entries += index[i:i + count * _ENTRY_SIZE]
            i += count * _ENTRY_SIZE
        if any(b not in VALUE_TYPES for b in set(types)):
            raise CorruptTSMError(f"unknown block type in index: {sorted(set(types) - set(VALUE_TYPES))}")
        entries = np.frombuffer(bytes(raw_entries), dtype=_ENTRY_DTYPE)
        self._keys = keys
        self._types = bytes(types)
        self._first = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))
        self._mins = entries["min"].astype(np.int64)
        self._maxs = entries["max"].astype(np.int64)
        self._offsets = entries["offset"].astype(np.int64)
        self._sizes = entries["size"].astype(np.int64)
        if len(entries) and (
            int((self._offsets + self._sizes).max()) > index_start or int(self._offsets.min()) < HEADER_SIZE
            or int(self._sizes.min()) <= 4
        ):
            raise CorruptTSMError("indirectIndex: block outside the data section")

    # -- the index --------------------------------------------------------------------------------------

    def keys(self) -> list[bytes]:
        """Every key, sorted."""
        return list(self._keys)

    def key_count(self) -> int:
        return len(self._keys)

    def block_count(self) -> int:
        return len(self._mins)

    def _position(self, key: bytes) -> int:
        pos = bisect.bisect_left(self._keys, key)
        return pos if pos < len(self._keys) and self._keys[pos] == key else -1

    def contains(self, key: bytes) -> bool:
        return self._position(key) >= 0

    def type(self, key: bytes) -> ValueType | None:
        """The value type of ``key``'s blocks, or None if the file does not hold it."""
        pos = self._position(key)
        return None if pos < 0 else VALUE_TYPES[self._types[pos]]

    def key_types(self) -> list[tuple[bytes, ValueType]]:
        """``(key, value type)`` of every key, sorted: what a restart rebuilds the series index from."""
        return [(key, VALUE_TYPES[t]) for key, t in zip(self._keys, self._types, strict=True)]

    def entries(self, key: bytes) -> list[tuple[int, int, int, int]]:
        """``(min time, max time, offset, size)`` of each block of ``key``, in time order."""
        pos = self._position(key)
        if pos < 0:
            return []
        lo, hi = int(self._first[pos]), int(self._first[pos + 1])
        return list(zip(self._mins[lo:hi].tolist(), self._maxs[lo:hi].tolist(),
                        self._offsets[lo:hi].tolist(), self._sizes[lo:hi].tolist(), strict=True))

    def time_range(self) -> tuple[int, int]:
        """``(min, max)`` time over every block (``(MAX_TIME, MIN_TIME)`` for none)."""
        if not len(self._mins):
            return MAX_TIME, MIN_TIME
        return int(self._mins.min()), int(self._maxs.max())

    # -- blocks -----------------------------------------------------------------------------------------

    def block(self, offset: int, size: int) -> bytes:
        """The data of the block at ``offset`` (``size`` counting its CRC), its CRC checked."""
        raw = self._map[offset:offset + size]
        (stored,) = struct.unpack_from(">I", raw, 0)
        data = raw[4:]
        actual = zlib.crc32(data)
        if actual != stored:
            raise CorruptTSMError(
                f"tsm1: checksum mismatch in {self.path} at offset {offset}: "
                f"got {actual} but expected {stored}")
        return data

    def read(self, key: bytes, tmin: int = MIN_TIME, tmax: int = MAX_TIME) -> Values | None:
        """The points of ``key`` in ``[tmin, tmax]`` (sorted, unique), decoding only overlapping blocks."""
        pos = self._position(key)
        if pos < 0:
            return None
        lo, hi = int(self._first[pos]), int(self._first[pos + 1])
        # Blocks are in time order: skip those that end before tmin or start after tmax.
        maxs, mins = self._maxs[lo:hi], self._mins[lo:hi]
        wanted = np.flatnonzero((maxs >= tmin) & (mins <= tmax)) + lo
        if not len(wanted):
            return None
        parts = []
        for i in wanted.tolist():
            values = decode_block(self.block(int(self._offsets[i]), int(self._sizes[i])))
            parts.append(values)
        merged = Values.concat(parts).deduplicated()
        if tmin > merged.times[0] or tmax < merged.times[-1]:
            merged = merged.include(tmin, tmax)
        return merged if len(merged) else None

    def items(self) -> list[tuple[bytes, Values]]:
        """Every ``(key, points)``; for rewriting a small file (deletes) and for tests."""
        out = []
        for key in self._keys:
            values = self.read(key)
            if values is not None:
                out.append((key, values))
        return out

    def close(self) -> None:
        """Unmap the file (reads in flight must have finished)."""
        with contextlib.suppress(BufferError):  # a view is still out: released with the last reference
            self._map.close()
