"""Merging TSM files into new ones, as influxd 1.6.7's compactor does (``tsm1/compact.go``).

A compaction reads a group of files (oldest first) key by key in key order and writes each key's points once:
sorted, one point per time, the newest file's point winning where times repeat, in blocks of
``max-points-per-block`` (1000). It streams: per key it holds only the index entries of its blocks and the
decoded points of the blocks that overlap the one being merged. A sweep over the key's blocks in time order
decodes a block only when it must (it overlaps another, it is not full, or it carries deletions); a full block
that overlaps nothing is copied as it is, CRC checked, without decoding (a *fast* compaction, influxd's for
level 3, copies every block that overlaps nothing).

Where files disagree on a key's type, the newest file's type wins and blocks of other types are dropped, as
reads do. Deletions are honoured through the reader: keys deleted whole are not listed, and the blocks of a
key with deleted ranges are read through ``TSMReader.read``, which cuts them out (never copied raw). A
compaction that leaves nothing writes no file.

Output files are the group's highest generation at the next sequences (``planner.output_name``), written as
``<name>.tsm.tmp`` (created exclusively: a clash means another compaction owns the name), fsynced, and left
for ``FileStore.replace`` to rename into place. A file is closed and the next sequence started past 2 GB
(``maxTSMFileSize``) or at 65535 blocks of one key. Writes are paced by a shared ``RateLimiter`` (influxd
limits compactions to 48 MB/s unless ``INFLUXDB_DATA_COMPACTION_THROUGHPUT`` is set).
"""

from __future__ import annotations

import contextlib
import heapq
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from chronus.tsdb.tsm.block import VALUE_TYPES, block_count, decode_block, encode_block
from chronus.tsdb.tsm.filestore import format_file_name
from chronus.tsdb.tsm.planner import MAX_TSM_FILE_SIZE, output_name
from chronus.tsdb.tsm.reader import TSMReader
from chronus.tsdb.tsm.writer import (
    FOOTER_SIZE,
    HEADER_SIZE,
    INDEX_ENTRY,
    MAX_INDEX_ENTRIES,
    MAX_POINTS_PER_BLOCK,
    TMP_EXTENSION,
    TSMWriter,
    fsync_dir,
)
from chronus.tsdb.values import Values, ValueType

INDEX_ENTRY_SIZE = INDEX_ENTRY.size


class CompactionAborted(Exception):
    """The compaction was stopped (the shard is closing); its partial files are removed."""

    def __str__(self) -> str:
        return "compaction aborted"


class CompactionInProgress(Exception):
    """An output name is taken by another compaction's temporary file (influxd's errCompactionInProgress)."""

    def __str__(self) -> str:
        return f"compaction in progress: {self.args[0]}" if self.args else "compaction in progress"


class RateLimiter:
    """A token bucket over bytes written, shared by every compaction of a store (``limiter.Rate``)."""

    def __init__(self, rate: int, burst: int) -> None:
        self.rate = float(rate)
        self.burst = float(max(burst, 1))
        self._tokens = self.burst
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def wait(self, n: int, stop: threading.Event | None = None) -> None:
        """Block until ``n`` bytes may be written (large writes borrow against the future)."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= n
            delay = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if delay > 0:
            if stop is None:
                time.sleep(delay)
            else:
                stop.wait(delay)


@dataclass
class _Block:
    min: int
    max: int
    rank: int  # later file / later block: higher; the higher rank wins on equal times
    reader: TSMReader
    offset: int
    size: int
    tombstoned: bool


class _Output:
    """The files one compaction writes, rolled over at the size and block limits."""

    def __init__(self, directory: str, generation: int, sequence: int, max_points: int, max_size: int,
                 limiter: RateLimiter | None, stop: threading.Event | None) -> None:
        self.directory = directory
        self.generation = generation
        self.sequence = sequence
        self.max_points = max_points
        self.max_size = max_size
        self.limiter = limiter
        self.stop = stop
        self.done: list[str] = []
        self._file = None
        self._writer: TSMWriter | None = None
        self._path = ""
        self._size = 0
        self._blocks = 0
        self._key: bytes | None = None
        self._key_blocks = 0

    def _open(self) -> None:
        name = format_file_name(self.generation, self.sequence)
        final = os.path.join(self.directory, name)
        path = final + TMP_EXTENSION
        if os.path.exists(final):
            raise CompactionInProgress(f"{final} exists")
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError as err:
            raise CompactionInProgress(str(err)) from None
        self._file = os.fdopen(fd, "wb", buffering=1 << 20)
        self._writer = TSMWriter(self._file, self.max_points)
        self._path = path
        self._size = HEADER_SIZE + FOOTER_SIZE
        self._blocks = 0
        self._key = None
        self._key_blocks = 0
        self.sequence += 1

    def write_block(self, key: bytes, min_time: int, max_time: int, block: bytes) -> None:
        if self._writer is not None and key == self._key and self._key_blocks >= MAX_INDEX_ENTRIES:
            self._finish()  # influxd's ErrMaxBlocksExceeded: the key goes on in the next file
        if self._writer is None:
            self._open()
        assert self._writer is not None
        self._writer.write_block(key, min_time, max_time, block)
        if key != self._key:
            self._key, self._key_blocks = key, 0
            self._size += 2 + len(key) + 3  # its index header; influxd's Size() counts the index too
        self._key_blocks += 1
        self._blocks += 1
        written = 4 + len(block)
        self._size += written + INDEX_ENTRY_SIZE
        if self.limiter is not None:
            self.limiter.wait(written, self.stop)
        if self._size > self.max_size:
            self._finish()

    def _finish(self) -> None:
        writer, out = self._writer, self._file
        self._writer = self._file = None
        assert writer is not None and out is not None
        try:
            writer.close()
            out.flush()
            os.fsync(out.fileno())
        finally:
            out.close()
        self.done.append(self._path)

    def close(self) -> list[str]:
        """Finish the current file; the ``.tmp`` paths written, each whole and fsynced."""
        if self._writer is not None:
            self._finish()
        if self.done:
            fsync_dir(self.directory)
        return self.done

    def abort(self) -> None:
        """Remove every file written so far (the compaction failed or was stopped)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            with contextlib.suppress(OSError):
                os.remove(self._path)
            self._writer = self._file = None
        for path in self.done:
            with contextlib.suppress(OSError):
                os.remove(path)
        self.done = []


class Compactor:
    """Merges a group of TSM files of one shard directory into new files of the next sequence."""

    def __init__(
        self,
        directory: str,
        max_points_per_block: int = MAX_POINTS_PER_BLOCK,
        max_file_size: int = MAX_TSM_FILE_SIZE,
        limiter: RateLimiter | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.directory = directory
        self.max_points = max_points_per_block if max_points_per_block > 0 else MAX_POINTS_PER_BLOCK
        self.max_file_size = max_file_size
        self.limiter = limiter
        self.stop = stop

    def compact(self, readers: Sequence[TSMReader], fast: bool = False) -> list[str]:
        """Merge ``readers`` (oldest first) into new ``.tsm.tmp`` files; returns their paths, in order.

        An empty list means nothing is left (every point was deleted). On error or abort nothing is left
        behind.
        """
        if not readers:
            return []
        generation, sequence = output_name([r.path for r in readers])
        out = _Output(self.directory, generation, sequence, self.max_points, self.max_file_size,
                      self.limiter, self.stop)
        try:
            merger = _KeyMerger(readers, self.max_points, fast)
            for key in merger.merged_keys():
                if self.stop is not None and self.stop.is_set():
                    raise CompactionAborted()
                for min_time, max_time, block in merger.blocks(key):
                    out.write_block(key, min_time, max_time, block)
            return out.close()
        except BaseException:
            out.abort()
            raise


class _KeyMerger:
    """The merged blocks of each key of a set of readers."""

    def __init__(self, readers: Sequence[TSMReader], max_points: int, fast: bool) -> None:
        self.readers = list(readers)
        self.max_points = max_points
        self.fast = fast
        self.tombstoned = [r.has_tombstones() for r in self.readers]

    def merged_keys(self) -> Iterator[bytes]:
        last = None
        for key in heapq.merge(*(r.keys() for r in self.readers)):
            if key != last:
                last = key
                yield key

    def _sources(self, key: bytes) -> tuple[ValueType | None, list[_Block]]:
        holders = [i for i, r in enumerate(self.readers) if r.contains(key)]
        if not holders:
            return None, []
        vtype = self.readers[holders[-1]].type(key)
        blocks = []
        for i in holders:
            reader = self.readers[i]
            if reader.type(key) is not vtype:
                continue
            # A key with deleted ranges is read through the reader, which cuts them out.
            cut = self.tombstoned[i] and bool(reader.tombstone_ranges(key))
            for j, (bmin, bmax, offset, size) in enumerate(reader.entries(key)):
                blocks.append(_Block(bmin, bmax, (i << 16) + j, reader, offset, size, cut))
        blocks.sort(key=lambda b: (b.min, b.rank))
        return vtype, blocks

    def _decode(self, key: bytes, b: _Block) -> Values | None:
        if b.tombstoned:
            return b.reader.read(key, b.min, b.max)
        values = decode_block(b.reader.block(b.offset, b.size))
        return values.deduplicated() if len(values) else None

    def blocks(self, key: bytes) -> Iterator[tuple[int, int, bytes]]:
        """``(min time, max time, encoded block)`` of ``key``'s merged points, in time order."""
        vtype, sources = self._sources(key)
        if vtype is None or not sources:
            return
        chunker = _Chunker(vtype, self.max_points)
        pending: Values | None = None  # decoded, not yet final; sorted, unique
        ranks = np.empty(0, np.int64)
        n = len(sources)
        for i, b in enumerate(sources):
            # Points before this block's first time can no longer change: pass them on.
            if pending is not None:
                cut = int(np.searchsorted(pending.times, b.min, side="left"))
                if cut:
                    yield from chunker.add(pending.take(slice(0, cut)))
                    pending, ranks = pending.take(slice(cut, len(pending))), ranks[cut:]
                    if not len(pending):
                        pending = None
            alone = pending is None and not b.tombstoned and (i + 1 == n or sources[i + 1].min > b.max)
            if alone:
                raw = b.reader.block(b.offset, b.size)
                copy = VALUE_TYPES.get(raw[0]) is vtype and (
                    self.fast or (chunker.empty() and block_count(raw) >= self.max_points))
                if copy:
                    yield from chunker.flush()
                    yield b.min, b.max, raw
                    continue
                values = decode_block(raw).deduplicated()
                if len(values) and values.type is vtype:
                    yield from chunker.add(values)  # nothing later starts before its end: final as it is
                continue
            values = self._decode(key, b)
            if values is None or not len(values) or values.type is not vtype:
                continue
            new_ranks = np.full(len(values), b.rank, np.int64)
            if pending is None:
                pending, ranks = values, new_ranks
            else:
                pending, ranks = _merge(pending, ranks, values, new_ranks)
        if pending is not None:
            yield from chunker.add(pending)
        yield from chunker.flush()


def _merge(a: Values, a_ranks: np.ndarray, b: Values, b_ranks: np.ndarray) -> tuple[Values, np.ndarray]:
    """The union of two sorted, unique point sets; on equal times the higher rank's point."""
    both = Values.concat([a, b])
    times = both.times
    ranks = np.concatenate((a_ranks, b_ranks))
    order = np.lexsort((ranks, times))
    sorted_times = times[order]
    last = np.empty(len(order), dtype=bool)
    np.not_equal(sorted_times[1:], sorted_times[:-1], out=last[:-1])
    last[-1] = True
    keep = order[last]
    return both.take(keep), ranks[keep]


class _Chunker:
    """Cuts a key's final points into blocks of exactly ``size`` points (the last may be shorter)."""

    def __init__(self, vtype: ValueType, size: int) -> None:
        self.vtype = vtype
        self.size = size
        self.parts: list[Values] = []
        self.count = 0

    def empty(self) -> bool:
        return self.count == 0

    def add(self, values: Values) -> Iterator[tuple[int, int, bytes]]:
        self.parts.append(values)
        self.count += len(values)
        if self.count < self.size:
            return
        merged = Values.concat(self.parts)
        full = (self.count // self.size) * self.size
        for start in range(0, full, self.size):
            yield _encode(merged.take(slice(start, start + self.size)))
        rest = merged.take(slice(full, self.count))
        self.parts = [rest] if len(rest) else []
        self.count = len(rest)

    def flush(self) -> Iterator[tuple[int, int, bytes]]:
        if self.count:
            merged = Values.concat(self.parts)
            self.parts, self.count = [], 0
            yield _encode(merged)


def _encode(values: Values) -> tuple[int, int, bytes]:
    return int(values.times[0]), int(values.times[-1]), encode_block(values)

