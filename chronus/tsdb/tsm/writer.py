"""Writing TSM1 files byte for byte as influxd 1.6.7 does (``tsdb/engine/tsm1/writer.go``).

A file is ``magic 0x16D116D1 (4, BE) | version 1 (1)``, then the blocks (each ``CRC32 of the block (4, BE) |
block``), then the index — per key in sorted order ``key length (2) | key | block type (1) | block count (2)``
followed by ``min time | max time | offset | size`` (8 + 8 + 8 + 4, the size counting the CRC) per block —
and an 8-byte footer holding the offset of the index. Keys must arrive sorted and a key's blocks in time
order, as influxd's writer demands; a key's points are cut into blocks of at most ``max_points_per_block``.

Files are written to ``<name>.tmp``, fsynced and renamed into place (``write_tsm_file``), so a crash leaves
either no file or a whole one.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import zlib
from collections.abc import Iterable
from typing import BinaryIO

from chronus.tsdb.tsm.block import block_type, encode_block
from chronus.tsdb.values import Values

MAGIC = 0x16D116D1
VERSION = 1
HEADER = struct.pack(">IB", MAGIC, VERSION)
HEADER_SIZE = len(HEADER)
FOOTER_SIZE = 8
INDEX_ENTRY = struct.Struct(">qqQI")  # min time, max time, offset, size
MAX_POINTS_PER_BLOCK = 1000
MAX_KEY_LENGTH = (1 << 16) - 1
MAX_INDEX_ENTRIES = (1 << 16) - 1
TMP_EXTENSION = ".tmp"


class TSMWriteError(Exception):
    """A file influxd's writer would refuse to write; the text is influxd's."""


class TSMWriter:
    """Streams blocks to ``out`` and the index at ``close()``; ``out`` stays open (the caller owns it)."""

    def __init__(self, out: BinaryIO, max_points_per_block: int = MAX_POINTS_PER_BLOCK) -> None:
        self._out = out
        self._max_points = max_points_per_block
        self._offset = 0
        self._index = bytearray()
        self._key: bytes | None = None
        self._key_type = 0
        self._entries = bytearray()
        self._entry_count = 0
        self._closed = False

    def write(self, key: bytes, values: Values) -> None:
        """Add the points of ``key`` (sorted, unique times) as blocks of at most ``max_points_per_block``."""
        n = len(values)
        for start in range(0, n, self._max_points):
            part = values if n <= self._max_points else values.take(slice(start, start + self._max_points))
            self.write_block(key, int(part.times[0]), int(part.times[-1]), encode_block(part))

    def write_block(self, key: bytes, min_time: int, max_time: int, block: bytes) -> None:
        """Add one already-encoded block of ``key`` spanning ``[min_time, max_time]``."""
        if self._closed:
            raise TSMWriteError("tsm file closed")
        if len(key) > MAX_KEY_LENGTH:
            raise TSMWriteError("max key length exceeded")
        if self._key != key:
            if self._key is not None and key < self._key:
                raise TSMWriteError(f"keys must be added in sorted order: {key!r} < {self._key!r}")
            self._finish_key()
            self._key, self._key_type = key, block_type(block)
        elif self._entry_count >= MAX_INDEX_ENTRIES:
            raise TSMWriteError("max blocks exceeded")
        if self._offset == 0:
            self._out.write(HEADER)
            self._offset = HEADER_SIZE
        self._out.write(struct.pack(">I", zlib.crc32(block)))
        self._out.write(block)
        size = 4 + len(block)
        self._entries += INDEX_ENTRY.pack(min_time, max_time, self._offset, size)
        self._entry_count += 1
        self._offset += size

    def _finish_key(self) -> None:
        if self._key is None:
            return
        key = self._key
        self._index += struct.pack(">H", len(key)) + key
        self._index += struct.pack(">BH", self._key_type, self._entry_count)
        self._index += self._entries
        self._entries = bytearray()
        self._entry_count = 0

    def close(self) -> int:
        """Write the index and footer; returns the file size. A file without blocks is refused."""
        if self._closed:
            raise TSMWriteError("tsm file closed")
        self._finish_key()
        self._closed = True
        if self._offset == 0:
            raise TSMWriteError("no values written")
        index_offset = self._offset
        self._out.write(self._index)
        self._out.write(struct.pack(">Q", index_offset))
        return index_offset + len(self._index) + FOOTER_SIZE


def encode_tsm(
    items: Iterable[tuple[bytes, Values]], max_points_per_block: int = MAX_POINTS_PER_BLOCK
) -> bytes:
    """The bytes of a TSM file holding ``items`` (sorted keys); for tests and small files."""
    buf = io.BytesIO()
    writer = TSMWriter(buf, max_points_per_block)
    for key, values in items:
        if len(values):
            writer.write(key, values)
    writer.close()
    return buf.getvalue()


def write_tsm_file(
    path: str, items: Iterable[tuple[bytes, Values]], max_points_per_block: int = MAX_POINTS_PER_BLOCK
) -> int:
    """Write ``items`` (key, points; keys sorted) as the TSM file ``path``, crash-safely; returns its size.

    The file appears under its name only once it is whole and fsynced (``path.tmp`` then a rename, and the
    directory fsynced), so a reader or a restart never sees half a file.
    """
    tmp = path + TMP_EXTENSION
    try:
        with open(tmp, "wb") as out:
            writer = TSMWriter(out, max_points_per_block)
            for key, values in items:
                if len(values):
                    writer.write(key, values)
            size = writer.close()
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    fsync_dir(os.path.dirname(path) or ".")
    return size


def fsync_dir(path: str) -> None:
    """Make a rename in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
