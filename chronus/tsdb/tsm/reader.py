"""Reading TSM1 files (influxd 1.6.7's ``tsdb/engine/tsm1/reader.go`` format; see ``writer.py``).

The file is memory-mapped. Opening checks the magic and version and parses the index once into flat
numpy arrays (one row per key: its type and first entry; one row per block: min/max time, offset, size),
so finding a key is a binary search over the sorted key list and finding its blocks in a time range is a
``searchsorted`` — the Python work is per key and per block, never per point. ``read`` decodes only the
blocks that overlap the range, checking each block's CRC first.

Deletes are tombstones (``tombstone.py``): opening loads the file's ``.tombstone`` and applies it the way
influxd's index does (``indirectIndex.DeleteRange``): a key whose blocks a delete covers from its first to its
last time -- in one range, or in ranges that touch or overlap one after the other -- is gone from ``keys()``,
``key_types()``, ``contains()`` and ``type()``; other deleted ranges stay beside the key and ``read()`` cuts
them out of the decoded arrays (blocks wholly inside one are not decoded). ``entries()`` and ``time_range()``
stay the index's, as in influxd. ``delete_range`` appends to the tombstone file first and then updates the
in-memory view, which is one immutable state swapped whole, so reads never lock.

A file that does not open is refused with influxd's words (``can only read from tsm file``, ``init: file is
version ...``, ``mmapAccessor: ...``, ``indirectIndex: not enough data for ...``) as ``CorruptTSMError``.
"""

from __future__ import annotations

import bisect
import contextlib
import mmap
import os
import struct
import threading
import zlib
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import numpy as np

from chronus._ext.tsmindex import TSMIndexError, edge_blocks, parse_index
from chronus.tsdb.tsm.block import VALUE_TYPES, count_block_times, decode_block, decode_blocks, decode_keys
from chronus.tsdb.tsm.block import block_count as tsm_block_count
from chronus.tsdb.tsm.block import block_times as tsm_block_times
from chronus.tsdb.tsm.tombstone import TombstoneError, append_tombstones, read_tombstones, tombstone_path
from chronus.tsdb.tsm.writer import FOOTER_SIZE, HEADER_SIZE, MAGIC, VERSION
from chronus.tsdb.values import MAX_TIME, MIN_TIME, Values, ValueType

_ENTRY_DTYPE = np.dtype([("min", ">i8"), ("max", ">i8"), ("offset", ">u8"), ("size", ">u4")])
_ENTRY_SIZE = _ENTRY_DTYPE.itemsize  # 28


class CorruptTSMError(ValueError):
    """A TSM file (or one of its blocks) that cannot be read; the text is influxd's where it has one."""


class _Tombstones(NamedTuple):
    """What the tombstone hides: key positions deleted outright, and deleted ranges of the others."""

    #: one flag per key position (None while no key is deleted outright): a byte a key, not an object
    deleted: np.ndarray | None
    #: position -> deleted (min, max) ranges, sorted by (min, max)
    ranges: dict[int, list[tuple[int, int]]]
    #: positions still listed, ascending; None while nothing is deleted outright (every key)
    live: np.ndarray | None

    def gone(self, pos: int) -> bool:
        return self.deleted is not None and bool(self.deleted[pos])


class KeyCounts(NamedTuple):
    """``TSMReader.count_keys``: one entry per asked key."""

    present: np.ndarray  # bool: the file holds the key (not deleted outright)
    counted: np.ndarray  # bool: ``counts`` is exact (else the key must be read)
    counts: np.ndarray  # int64: points in the range
    kmin: np.ndarray  # int64: the key's first block's min time
    kmax: np.ndarray  # int64: the key's last block's max time
    types: np.ndarray  # uint8: the key's block type


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
        self._block_point_counts: np.ndarray | None = None  # see block_point_counts
        #: the file's tombstone (it may not exist): a compaction that replaces the file removes it too
        self.tombstone_path = tombstone_path(path)
        self._delete_lock = threading.Lock()
        try:
            self._load_tombstones()
        except BaseException:
            self._map.close()
            raise

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
        # One C pass (``_ext/tsmindex.pyx``); its errors are influxd's words.
        try:
            keys, types, first, mins, maxs, offsets, sizes = parse_index(data, index_start, footer)
        except TSMIndexError as err:
            raise CorruptTSMError(str(err)) from None
        if any(b not in VALUE_TYPES for b in set(types)):
            raise CorruptTSMError(f"unknown block type in index: {sorted(set(types) - set(VALUE_TYPES))}")
        self._keys = keys
        self._types = types
        self._first = first
        self._mins = mins
        self._maxs = maxs
        self._offsets = offsets
        self._sizes = sizes
        self._block_index = (offsets, sizes, mins, maxs)  # what ``decode_blocks`` reads
        # every query asks each shard's span (``time_range``): worked out once, the index never changes
        self._time_range = (int(mins.min()), int(maxs.max())) if len(mins) else (MAX_TIME, MIN_TIME)
        if len(mins) and (
            int((self._offsets + self._sizes).max()) > index_start or int(self._offsets.min()) < HEADER_SIZE
            or int(self._sizes.min()) <= 4
        ):
            raise CorruptTSMError("indirectIndex: block outside the data section")

    # -- the index --------------------------------------------------------------------------------------

    def keys(self) -> list[bytes]:
        """Every key not deleted outright, sorted."""
        keys, live = self._keys, self._tombstones.live
        return list(keys) if live is None else [keys[i] for i in live.tolist()]

    def key_count(self) -> int:
        return len(self._keys)

    def block_count(self) -> int:
        return len(self._mins)

    def _position(self, key: bytes) -> int:
        pos = bisect.bisect_left(self._keys, key)
        return pos if pos < len(self._keys) and self._keys[pos] == key else -1

    def _live_position(self, key: bytes) -> int:
        pos = self._position(key)
        return -1 if pos < 0 or self._tombstones.gone(pos) else pos

    def contains(self, key: bytes) -> bool:
        """Whether the file holds ``key`` (not deleted outright)."""
        return self._live_position(key) >= 0

    def type(self, key: bytes) -> ValueType | None:
        """The value type of ``key``'s blocks, or None if the file does not hold it."""
        pos = self._live_position(key)
        return None if pos < 0 else VALUE_TYPES[self._types[pos]]

    def key_types(self) -> list[tuple[bytes, ValueType]]:
        """``(key, value type)`` of every key not deleted outright, sorted: what a restart rebuilds the
        series index from."""
        keys, types, live = self._keys, self._types, self._tombstones.live
        if live is None:
            return [(key, VALUE_TYPES[t]) for key, t in zip(keys, types, strict=True)]
        return [(keys[i], VALUE_TYPES[types[i]]) for i in live.tolist()]

    def entries(self, key: bytes) -> list[tuple[int, int, int, int]]:
        """``(min time, max time, offset, size)`` of each block of ``key``, in time order, as the index has
        them: partly deleted blocks are listed whole (see ``tombstone_ranges``); a deleted key has none."""
        pos = self._live_position(key)
        if pos < 0:
            return []
        lo, hi = int(self._first[pos]), int(self._first[pos + 1])
        return list(zip(self._mins[lo:hi].tolist(), self._maxs[lo:hi].tolist(),
                        self._offsets[lo:hi].tolist(), self._sizes[lo:hi].tolist(), strict=True))

    def time_range(self) -> tuple[int, int]:
        """``(min, max)`` time over every block (``(MAX_TIME, MIN_TIME)`` for none); deletes leave it as it
        is, as influxd's index does."""
        return self._time_range

    # -- blocks -----------------------------------------------------------------------------------------

    def block_times(self, offset: int, size: int) -> np.ndarray:
        """The times of the block at ``offset`` (``size`` counting its CRC), its values left undecoded."""
        return tsm_block_times(self.block(offset, size))

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
        """The points of ``key`` in ``[tmin, tmax]`` (sorted, unique, tombstones applied), decoding only the
        blocks that overlap the range and are not wholly deleted."""
        state = self._tombstones
        pos = self._position(key)
        if pos < 0 or state.gone(pos):
            return None
        lo, hi = int(self._first[pos]), int(self._first[pos + 1])
        ranges = state.ranges.get(pos)
        if not ranges:  # (string blocks take the loop below)
            found = decode_blocks(self._map, self._block_index, lo, hi, tmin, tmax)
            if isinstance(found, int):  # a block's CRC does not match: ``block`` raises the error
                at = lo + int(np.flatnonzero(self._offsets[lo:hi] == found)[0])
                self.block(found, int(self._sizes[at]))
            if isinstance(found, tuple):
                merged, increasing = found
                if merged is not None and not increasing:  # overlapping blocks: the later one's point wins
                    merged = merged.deduplicated()
                return merged if merged is not None and len(merged) else None
        # Blocks are in time order: skip those that end before tmin or start after tmax.
        maxs, mins = self._maxs[lo:hi], self._mins[lo:hi]
        overlapping = (maxs >= tmin) & (mins <= tmax)
        if ranges:
            for rmin, rmax in ranges:
                overlapping &= ~((mins >= rmin) & (maxs <= rmax))
        wanted = np.flatnonzero(overlapping) + lo
        if not len(wanted):
            return None
        parts = []
        for i in wanted.tolist():
            values = decode_block(self.block(int(self._offsets[i]), int(self._sizes[i])))
            parts.append(values)
        merged = Values.concat(parts).deduplicated()
        if tmin > merged.times[0] or tmax < merged.times[-1]:
            merged = merged.include(tmin, tmax)
        if ranges and len(merged):
            merged = _cut(merged, ranges)
        return merged if len(merged) else None

    def _held(self, keys: list[bytes]) -> Iterator[tuple[int, int, bool]]:
        """``(index in keys, index position, whether deleted ranges cut it)`` of the keys the file holds
        (not deleted outright)."""
        state = self._tombstones
        for i, key in enumerate(keys):
            pos = self._position(key)
            if pos >= 0 and not state.gone(pos):
                yield i, pos, bool(state.ranges.get(pos))

    def read_many(self, keys: list[bytes], tmins: np.ndarray, tmaxs: np.ndarray) -> list[Values | None]:
        """``read(keys[i], tmins[i], tmaxs[i])`` for every key, their blocks decoded in one pass (a query over
        many series of a shard makes one call per file instead of one per series). Keys with deleted ranges,
        strings or another type than the first key's go through ``read``."""
        out: list[Values | None] = [None] * len(keys)
        batch: list[int] = []
        positions: list[int] = []
        for i, pos, ranged in self._held(keys):
            if ranged:
                out[i] = self.read(keys[i], int(tmins[i]), int(tmaxs[i]))
                continue
            batch.append(i)
            positions.append(pos)
        if not batch:
            return out
        at = np.array(positions, np.int64)
        picked = np.array(batch, np.int64)
        code, status, bounds, rising, times, vals, _ = decode_keys(
            self._map, *self._block_index, self._first[at], self._first[at + 1], tmins[picked], tmaxs[picked])
        vtype = ValueType(code) if code else None
        bounds_list = bounds.tolist()
        for j, (i, st, increasing) in enumerate(zip(batch, status.tolist(), rising.tolist(), strict=True)):
            if st:  # strings or another type; a block failing its CRC raises there
                out[i] = self.read(keys[i], int(tmins[i]), int(tmaxs[i]))
                continue
            lo, hi = bounds_list[j], bounds_list[j + 1]
            if hi > lo:
                found = Values.trusted(vtype, times[lo:hi], vals[lo:hi])  # type: ignore[arg-type]
                out[i] = found if increasing else found.deduplicated()
        return out

    def blocks_in(self, key: bytes, tmin: int, tmax: int) -> int:
        """How many of ``key``'s blocks overlap ``[tmin, tmax]``."""
        pos = self._position(key)
        if pos < 0 or self._tombstones.gone(pos):
            return 0
        lo, hi = int(self._first[pos]), int(self._first[pos + 1])
        return int(np.count_nonzero((self._maxs[lo:hi] >= tmin) & (self._mins[lo:hi] <= tmax)))

    def edge_times(self, key: bytes, tmin: int, tmax: int, first: bool, wanted: int = 0) -> np.ndarray | None:
        """Times of some of ``key``'s points in ``[tmin, tmax]`` from one block only: the first block
        overlapping the range (the last unless ``first``), its times decoded, or (``wanted`` times at most
        2) its first and last time from the index when it lies wholly in the range. Each is a point
        ``read`` returns, so a read can be bounded by them; None for a key with deleted ranges (not worth
        cutting here)."""
        return self.edge_times_many([key], tmin, tmax, first, wanted)[1][0]

    def edge_times_many(self, keys: list[bytes], tmin: int, tmax: int, first: bool, wanted: int = 0
                        ) -> tuple[list[ValueType | None], list[np.ndarray | None]]:
        """Per key its value type here (None when the file does not hold it) and ``edge_times``; the edge
        blocks of every key are found in one pass over the index."""
        types: list[ValueType | None] = [None] * len(keys)
        times: list[np.ndarray | None] = [None] * len(keys)
        picked: list[int] = []
        positions: list[int] = []
        for i, pos, ranged in self._held(keys):
            types[i] = VALUE_TYPES[self._types[pos]]
            if not ranged:
                picked.append(i)
                positions.append(pos)
        if not picked:
            return types, times
        at = np.array(positions, np.int64)
        rows = edge_blocks(self._mins, self._maxs, self._first[at], self._first[at + 1], tmin, tmax, first)
        mins, maxs = self._mins, self._maxs
        for i, row in zip(picked, rows.tolist(), strict=True):
            if row < 0:
                continue
            bmin, bmax = int(mins[row]), int(maxs[row])
            if 0 < wanted <= 2 and tmin <= bmin and bmax <= tmax:
                times[i] = np.array([bmin, bmax] if bmin < bmax else [bmin], np.int64)
                continue
            block = self.block_times(int(self._offsets[row]), int(self._sizes[row]))
            times[i] = block[(block >= tmin) & (block <= tmax)]
        return types, times

    def block_past(self, key: bytes, t: int, first: bool) -> int | None:
        """Where the first block of ``key`` holding a time after ``t`` ends (its max time; with ``first``
        false: the last block holding a time before ``t``, its min time): the key's next point past ``t``
        lies within. None if no block does; ``MAX_TIME`` (``MIN_TIME``) when deleted ranges could hide
        that point."""
        state = self._tombstones
        pos = self._position(key)
        if pos < 0 or state.gone(pos):
            return None
        if state.ranges.get(pos):
            return MAX_TIME if first else MIN_TIME
        lo, hi = int(self._first[pos]), int(self._first[pos + 1])
        if first:
            past = np.flatnonzero(self._maxs[lo:hi] > t)
            return int(self._maxs[lo + int(past[0])]) if len(past) else None
        past = np.flatnonzero(self._mins[lo:hi] < t)
        return int(self._mins[lo + int(past[-1])]) if len(past) else None

    def items(self) -> list[tuple[bytes, Values]]:
        """Every ``(key, points)`` with points left after the tombstones; for compactions and tests."""
        out = []
        keys, live = self._keys, self._tombstones.live
        for key in (keys if live is None else [keys[i] for i in live.tolist()]):
            values = self.read(key)
            if values is not None:
                out.append((key, values))
        return out

    # -- tombstones -------------------------------------------------------------------------------------

    def has_tombstones(self) -> bool:
        """Whether the tombstone file holds anything (influxd's ``HasTombstones``: a compaction is due)."""
        try:
            return os.path.getsize(self.tombstone_path) > 0
        except OSError:
            return False

    def tombstone_ranges(self, key: bytes) -> list[tuple[int, int]]:
        """The deleted ``(min, max)`` ranges of a key still listed (influxd's ``TombstoneRange``)."""
        pos = self._position(key)
        return list(self._tombstones.ranges.get(pos, ())) if pos >= 0 else []

    def delete_range(self, keys: Iterable[bytes], tmin: int, tmax: int) -> None:
        """Delete the points of ``keys`` in ``[tmin, tmax]``: one new entry per key the file holds appended to
        the tombstone file (made durable first), then the in-memory view updated (``TSMReader.DeleteRange``).

        Nothing is written when the keys or the range cannot be in the file.
        """
        wanted = sorted(set(keys))
        if not wanted:
            return
        with self._delete_lock:
            state = self._tombstones
            fmin, fmax = self.time_range()
            if tmin > fmax or tmax < fmin:
                return
            present = [key for key in wanted
                       if (pos := self._position(key)) >= 0 and not state.gone(pos)]
            if not present:
                return
            append_tombstones(self.tombstone_path, [(key, tmin, tmax) for key in present])
            self._tombstones = self._applied(state, present, tmin, tmax)

    def _load_tombstones(self) -> None:
        """Apply the tombstone file, batching consecutive entries of one range as influxd's reader does."""
        self._tombstones = _Tombstones(None, {}, None)
        try:
            entries = read_tombstones(self.tombstone_path)
        except (TombstoneError, OSError) as err:
            raise CorruptTSMError(f"init: read tombstones: {err}") from None
        state = self._tombstones
        batch: list[bytes] = []
        current = (0, 0)
        for key, tmin, tmax in entries:
            if batch and (tmin, tmax) != current:
                state = self._applied(state, sorted(batch), *current)
                batch = []
            current = (tmin, tmax)
            batch.append(key)
        if batch:
            state = self._applied(state, sorted(batch), *current)
        self._tombstones = state

    def _applied(self, state: _Tombstones, keys: list[bytes], tmin: int, tmax: int) -> _Tombstones:
        """``state`` after deleting ``[tmin, tmax]`` of ``keys`` (sorted), by influxd's index rules.

        The whole time range deletes the keys outright. Otherwise a delete outside the file's time range, or
        outside a key's first-to-last block time, is ignored; one that covers the key's blocks deletes the
        key; else the range joins the key's ranges, and the key goes when the sorted ranges, each touching or
        overlapping the one before it, together cover its blocks.
        """
        positions = np.array([self._position(key) for key in keys], dtype=np.int64)
        positions = positions[positions >= 0]
        if state.deleted is not None:
            positions = positions[~state.deleted[positions]]
        if tmin == MIN_TIME and tmax == MAX_TIME:
            return _with_deleted(state, set(positions.tolist()), state.ranges, len(self._keys))
        fmin, fmax = self.time_range()
        if tmin > fmax or tmax < fmin or not len(positions):
            return state
        positions = np.unique(positions)
        kmins = self._mins[self._first[positions]]
        kmaxs = self._maxs[self._first[positions + 1] - 1]
        touched = (kmins <= tmax) & (kmaxs >= tmin)
        whole = touched & (kmins >= tmin) & (kmaxs <= tmax)
        gone = set(positions[whole].tolist())
        partial = touched & ~whole
        if not partial.any():
            return _with_deleted(state, gone, state.ranges, len(self._keys)) if gone else state
        ranges = dict(state.ranges)
        for pos, kmin, kmax in zip(positions[partial].tolist(), kmins[partial].tolist(),
                                   kmaxs[partial].tolist(), strict=True):
            merged = sorted([*ranges.get(pos, ()), (tmin, tmax)])
            ranges[pos] = merged
            if len(merged) > 1 and _covers(merged, kmin, kmax):  # one range alone was not whole
                gone.add(pos)
        return _with_deleted(state, gone, ranges, len(self._keys))

    # -- counting without decoding values --------------------------------------------------------------

    def block_point_counts(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Points per block (index order; of blocks ``rows`` only when given), from the blocks' timestamp
        headers, without CRC checks or value decoding: what counts of whole blocks need. Each block is
        counted once per file (it never changes), when first asked for."""
        counts = self._block_point_counts
        if counts is None:
            counts = self._block_point_counts = np.full(len(self._offsets), -1, dtype=np.int64)
        wanted = np.arange(len(counts)) if rows is None else rows
        missing = wanted[counts[wanted] < 0]
        if len(missing):
            with memoryview(self._map) as view:
                for i in missing.tolist():
                    offset, size = int(self._offsets[i]), int(self._sizes[i])
                    counts[i] = tsm_block_count(view[offset + 4:offset + size])
        return counts[wanted]

    def count_keys(self, keys: list[bytes], tmin: int, tmax: int) -> KeyCounts:
        """Per key: whether the file holds it, whether its points in ``[tmin, tmax]`` were counted here
        (``counted``: no tombstone range on the key and its blocks do not overlap one another, so the count
        is exact; else read the key), that count, the key's first and last block time and block type.
        Only the keys' own blocks are looked at."""
        state = self._tombstones
        n = len(keys)
        positions = np.fromiter((self._position(key) for key in keys), dtype=np.int64, count=n)
        present = positions >= 0
        if state.deleted is not None:
            present[present] = ~state.deleted[positions[present]]
        pos = positions[present]
        lo, hi = self._first[pos], self._first[pos + 1]
        lengths = hi - lo  # every key in the index has a block
        starts = np.cumsum(lengths) - lengths  # each key's first row in ``rows``
        rows = np.repeat(lo - starts, lengths) + np.arange(int(lengths.sum()))  # the keys' blocks, in turn
        mins, maxs = self._mins[rows], self._maxs[rows]
        inside = (mins >= tmin) & (maxs <= tmax)
        partial = ~inside & (maxs >= tmin) & (mins <= tmax)
        overlap = np.zeros(len(rows), dtype=np.int64)  # 1 where a block overlaps the key's block before it
        overlap[1:] = mins[1:] <= maxs[:-1]
        overlap[starts] = 0
        points = np.zeros(len(rows), dtype=np.int64)
        points[inside] = self.block_point_counts(rows[inside])
        counts = np.zeros(n, dtype=np.int64)
        counted = np.zeros(n, dtype=bool)
        if len(pos):
            key_counts = np.add.reduceat(points, starts)
            key_counted = np.add.reduceat(overlap, starts) == 0
            cut = np.add.reduceat(partial.astype(np.int64), starts) > 0
        else:
            key_counts, key_counted, cut = (np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0, bool))
        if state.ranges:
            ranged = np.fromiter((p in state.ranges for p in pos.tolist()), dtype=bool, count=len(pos))
            key_counted &= ~ranged
        if len(pos):  # the blocks the range cuts: their times decoded and counted in one call
            cut_rows = partial & np.repeat(key_counted & cut, lengths)
            if cut_rows.any():
                found = count_block_times(self._map, self._offsets, self._sizes, rows[cut_rows], tmin, tmax)
                if isinstance(found, int):  # a block's CRC does not match: ``block`` raises the error
                    at = int(np.flatnonzero(self._offsets == found)[0])
                    self.block(found, int(self._sizes[at]))
                np.add.at(key_counts, np.repeat(np.arange(len(pos)), lengths)[cut_rows], found)
        counts[present] = key_counts
        counted[present] = key_counted
        kmin = np.zeros(n, dtype=np.int64)
        kmax = np.zeros(n, dtype=np.int64)
        types = np.zeros(n, dtype=np.uint8)
        if len(pos):
            kmin[present] = self._mins[lo]
            kmax[present] = self._maxs[hi - 1]
            types[present] = np.frombuffer(self._types, dtype=np.uint8)[pos]
        return KeyCounts(present, counted, counts, kmin, kmax, types)

    def read_times(self, key: bytes, tmin: int, tmax: int) -> np.ndarray:
        """The times ``read`` would return for a key ``count_keys`` counted (no deleted range, blocks not
        overlapping one another), decoding only the blocks' timestamps."""
        pos = self._live_position(key)
        if pos < 0:
            return np.empty(0, dtype=np.int64)
        lo, hi = int(self._first[pos]), int(self._first[pos + 1])
        wanted = np.flatnonzero((self._maxs[lo:hi] >= tmin) & (self._mins[lo:hi] <= tmax)) + lo
        parts = [self.block_times(int(self._offsets[b]), int(self._sizes[b])) for b in wanted.tolist()]
        if not parts:
            return np.empty(0, dtype=np.int64)
        times = parts[0] if len(parts) == 1 else np.concatenate(parts)
        if times[0] < tmin or times[-1] > tmax:
            lo, hi = np.searchsorted(times, tmin, side="left"), np.searchsorted(times, tmax, side="right")
            times = times[lo:hi]
        return times

    def close(self) -> None:
        """Unmap the file (reads in flight must have finished)."""
        with contextlib.suppress(BufferError):  # a view is still out: released with the last reference
            self._map.close()


def _covers(ranges: list[tuple[int, int]], kmin: int, kmax: int) -> bool:
    """influxd's test whether sorted deleted ranges remove a whole key: each range must touch or overlap
    the one just before it (not the union so far), and together they must span ``[kmin, kmax]``."""
    lo, hi = ranges[0]
    for (_, prev_max), (rmin, rmax) in zip(ranges, ranges[1:], strict=False):
        if prev_max != rmin - 1 and not prev_max >= rmin:
            return False
        lo, hi = min(lo, rmin), max(hi, rmax)
    return lo <= kmin and hi >= kmax


def _with_deleted(
    state: _Tombstones, gone: set[int], ranges: dict[int, list[tuple[int, int]]], key_count: int
) -> _Tombstones:
    fresh = [pos for pos in gone if not state.gone(pos)]
    if not fresh:
        return _Tombstones(state.deleted, ranges, state.live)
    deleted = np.zeros(key_count, dtype=bool) if state.deleted is None else state.deleted.copy()
    deleted[fresh] = True
    return _Tombstones(deleted, ranges, np.flatnonzero(~deleted))


def _cut(values: Values, ranges: list[tuple[int, int]]) -> Values:
    """``values`` (sorted, unique) without the points in any of ``ranges``: one search for all ranges."""
    bounds = np.array(ranges, dtype=np.int64)
    los = np.searchsorted(values.times, bounds[:, 0], side="left")
    his = np.searchsorted(values.times, bounds[:, 1], side="right")
    hit = his > los
    if not hit.any():
        return values
    keep = np.ones(len(values), dtype=bool)
    for lo, hi in zip(los[hit].tolist(), his[hit].tolist(), strict=True):
        keep[lo:hi] = False
    return values.take(np.flatnonzero(keep))
