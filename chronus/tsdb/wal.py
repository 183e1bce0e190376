"""The TSM1 write-ahead log, in InfluxDB 1.6.7's on-disk format (``tsdb/engine/tsm1/wal.go``).

A shard's WAL is a directory of segment files ``_00001.wal``, ``_00002.wal`` ... Each segment is a sequence of
entries ``type (1 byte) | length (4 bytes, big-endian) | snappy block`` where the type is 1 write, 2 delete,
3 delete-range. A segment is rolled once it has grown past ``segment_size`` (10 MB), checked before each
entry.
Because the format is InfluxDB's own, a data directory moves between influxd and Chronus in both directions.

Group commit: callers encode and compress their entry in their own thread, then hand it to one writer thread
per WAL, which appends everything queued with one write and one fsync and only then acknowledges each caller
(after waiting ``fsync_delay`` first when configured, as ``[data] wal-fsync-delay``). Many concurrent writes
therefore cost one fsync, not one each.

Replay reads every segment in order; an entry that cannot be read (torn by a crash, or garbage) ends its
segment: the file is truncated to the last good entry, as influxd's cache loader does, and replay goes on with
the next segment.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

import snappy

from chronus._ext.walcodec import CorruptEntryError, decode_write, encode_groups, encode_write
from chronus.tsdb.values import Values

if TYPE_CHECKING:
    from chronus.models.points import GroupedValues

__all__ = [
    "DEFAULT_SEGMENT_SIZE",
    "CorruptEntryError",
    "DeleteEntry",
    "DeleteRangeEntry",
    "EntryType",
    "SegmentReader",
    "WAL",
    "WALClosedError",
    "WriteEntry",
    "decode_entry",
    "encode_entry",
    "segment_file_names",
    "segment_id",
]

log = logging.getLogger(__name__)

DEFAULT_SEGMENT_SIZE = 10 * 1024 * 1024
SEGMENT_PREFIX = "_"
SEGMENT_EXTENSION = "wal"
HEADER = struct.Struct(">BI")
_RANGE_BOUNDS = struct.Struct(">qq")
_KEY_LENGTH = struct.Struct(">I")


class EntryType(IntEnum):
    WRITE = 1
    DELETE = 2
    DELETE_RANGE = 3


class WALClosedError(RuntimeError):
    """Writing to a WAL that is closed (InfluxDB's ``ErrWALClosed``)."""

    def __init__(self) -> None:
        super().__init__("WAL closed")


@dataclass
class WriteEntry:
    """Points of many keys (``<series key>#!~#<field>``), as one request wrote them."""

    values: dict[bytes, Values]
    type = EntryType.WRITE


@dataclass
class DeleteEntry:
    """Keys whose every point is deleted. influxd 1.6.7 never writes it but reads it, so Chronus does too."""

    keys: list[bytes]
    type = EntryType.DELETE


@dataclass
class DeleteRangeEntry:
    """Points of ``keys`` with ``min <= time <= max`` deleted (DROP SERIES / DELETE / DROP MEASUREMENT)."""

    keys: list[bytes]
    min: int
    max: int
    type = EntryType.DELETE_RANGE


Entry = WriteEntry | DeleteEntry | DeleteRangeEntry


# -- entry payloads
def encode_entry(entry: Entry) -> bytes:
    """The uncompressed payload of ``entry``."""
    if isinstance(entry, WriteEntry):
        return encode_write(entry.values)
    if isinstance(entry, DeleteEntry):
        return b"\n".join(entry.keys)
    if isinstance(entry, DeleteRangeEntry):
        parts = [_RANGE_BOUNDS.pack(entry.min, entry.max)]
        for key in entry.keys:
            parts.append(_KEY_LENGTH.pack(len(key)))
            parts.append(key)
        return b"".join(parts)
    raise TypeError(f"not a WAL entry: {entry!r}")


def decode_entry(entry_type: int, payload: bytes) -> Entry:
    """The entry of ``entry_type`` in ``payload``; ``CorruptEntryError`` where influxd would refuse it."""
    if entry_type == EntryType.WRITE:
        return WriteEntry(decode_write(payload))
    if entry_type == EntryType.DELETE:
        return DeleteEntry(payload.split(b"\n") if payload else [])
    if entry_type == EntryType.DELETE_RANGE:
        return _decode_delete_range(payload)
    raise CorruptEntryError(f"unknown wal entry type: {entry_type}")


def _decode_delete_range(payload: bytes) -> DeleteRangeEntry:
    if len(payload) < 16:
        raise CorruptEntryError()
    tmin, tmax = _RANGE_BOUNDS.unpack_from(payload)
    keys, i, n = [], 16, len(payload)
    while i < n:
        if i + 4 > n:
            raise CorruptEntryError()
        (size,) = _KEY_LENGTH.unpack_from(payload, i)
        i += 4
        if i + size > n:
            raise CorruptEntryError()
        keys.append(payload[i:i + size])
        i += size
    return DeleteRangeEntry(keys, tmin, tmax)


def frame(entry_type: int, compressed: bytes) -> bytes:
    """An entry as it sits in a segment: header then the snappy block."""
    return HEADER.pack(entry_type, len(compressed)) + compressed


# -- segment files
def segment_file_names(directory: str) -> list[str]:
    """Paths of the segment files in ``directory``, sorted by name (by id, while ids have 5 digits)."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    suffix = f".{SEGMENT_EXTENSION}"
    names = [n for n in names if n.startswith(SEGMENT_PREFIX) and n.endswith(suffix)]
    return sorted(os.path.join(directory, n) for n in names)


def segment_id(path: str) -> int:
    """The id in a segment file name (``_00042.wal`` -> 42)."""
    name = os.path.basename(path)
    parts = name.split(".")
    if len(parts) != 2:
        raise ValueError(f"file {path} has wrong name format to have an id")
    digits = parts[0][1:]
    if not digits.isdigit() or not digits.isascii() or int(digits) >= 1 << 32:
        raise ValueError(f"file {path} has wrong name format to have an id")
    return int(digits)


def segment_file_name(directory: str, seg_id: int) -> str:
    return os.path.join(directory, f"{SEGMENT_PREFIX}{seg_id:05d}.{SEGMENT_EXTENSION}")


class SegmentReader:
    """Entries of one segment's bytes, in order, stopping at the first entry influxd could not read.

    After iterating, ``valid_size`` is the length of the readable prefix and ``error`` says why reading
    stopped early (``None`` when the whole segment was read).
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.valid_size = 0
        self.error: Exception | None = None

    def __iter__(self) -> Iterator[Entry]:
        data, pos, end = self.data, 0, len(self.data)
        while pos < end:
            try:
                if pos + HEADER.size > end:
                    raise CorruptEntryError("unexpected EOF")
                entry_type, length = HEADER.unpack_from(data, pos)
                stop = pos + HEADER.size + length
                if stop > end:
                    raise CorruptEntryError("unexpected EOF")
                if length == 0:
                    raise CorruptEntryError("snappy: corrupt input")
                try:
                    payload = snappy.uncompress(data[pos + HEADER.size:stop])
                except snappy.UncompressError as err:
                    raise CorruptEntryError("snappy: corrupt input") from err
                entry = decode_entry(entry_type, payload)
            except CorruptEntryError as err:
                self.error = err
                return
            pos = self.valid_size = stop
            yield entry


# -- the WAL
@dataclass
class _Pending:
    entry_type: int
    compressed: bytes
    future: Future = field(default_factory=Future)


class WAL:
    """The write-ahead log of one shard, in directory ``path``.

    Use: ``open()``, ``replay()`` into the cache, then ``write`` / ``delete_range`` from any thread;
    ``close()`` at the end. Every write returns (or resolves its future to) the id of the segment that holds
    it, once the entry is on disk and fsynced.
    """

    def __init__(self, path: str, *, fsync_delay: float = 0.0,
                 segment_size: int = DEFAULT_SEGMENT_SIZE) -> None:
        self.path = path
        self.fsync_delay = fsync_delay
        self.segment_size = segment_size
        self.last_write_time = 0.0
        self.write_ok = 0
        self.write_err = 0
        self._old_bytes = 0
        self._current_id = 0
        self._current_path: str | None = None
        self._fd: int | None = None
        self._size = 0
        self._queue: deque[_Pending] = deque()
        self._wakeup = threading.Condition()
        self._file_lock = threading.Lock()  # writer thread, close_segment and remove take turns on the files
        self._closed = True
        self._thread: threading.Thread | None = None

    # -- lifecycle
    def open(self) -> None:
        """Create the directory if needed and continue the last segment (an empty last segment is removed)."""
        if self._thread is not None:
            return
        os.makedirs(self.path, exist_ok=True)
        segments = segment_file_names(self.path)
        if segments:
            last = segments[-1]
            self._current_id = segment_id(last)
            if os.path.getsize(last) == 0:
                os.remove(last)
                segments.pop()
            else:
                self._current_path = last
        self.last_write_time = max((os.stat(p).st_mtime for p in segments), default=0.0)
        self._old_bytes = sum(os.path.getsize(p) for p in segments if p != self._current_path)
        with self._wakeup:
            self._closed = False
        self._thread = threading.Thread(target=self._run_writer, name=f"wal-writer {self.path}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Write and fsync what is queued, then close the files; later writes raise ``WALClosedError``."""
        with self._wakeup:
            if self._closed:
                return
            self._closed = True
            self._wakeup.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._file_lock:
            self._close_fd()

    def __enter__(self) -> WAL:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- writing
    def submit(self, entry: Entry) -> Future:
        """Queue ``entry``; the future resolves to its segment id once it is durable (or to the error)."""
        return self._submit(int(entry.type), encode_entry(entry))

    def _submit(self, entry_type: int, payload: bytes) -> Future:
        pending = _Pending(entry_type, snappy.compress(payload))
        with self._wakeup:
            if self._closed:
                raise WALClosedError()
            self._queue.append(pending)
            self._wakeup.notify()
        return pending.future

    def write(self, values: Mapping[bytes, Values]) -> int:
        """Append the points of ``values`` (key -> ``Values``); returns the segment id once fsynced."""
        return self.submit(WriteEntry(dict(values))).result()

    def write_groups(self, groups: GroupedValues) -> int:
        """``write`` of a batch's grouped columns (``chronus.models.points.GroupedValues``), encoded from
        the columns in one call; returns the segment id once fsynced."""
        payload = encode_groups(groups.keys, groups.key_offsets, groups.types, groups.starts, groups.times,
                                groups.bits, groups.rows, groups.string_data, groups.string_offsets)
        return self._submit(EntryType.WRITE, payload).result()

    def delete(self, keys: Iterable[bytes]) -> int:
        """Log that every point of ``keys`` is deleted (no entry, and 0, for no keys)."""
        keys = list(keys)
        return self.submit(DeleteEntry(keys)).result() if keys else 0

    def delete_range(self, keys: Iterable[bytes], tmin: int, tmax: int) -> int:
        """Log that the points of ``keys`` with ``tmin <= time <= tmax`` are deleted (0 for no keys)."""
        keys = list(keys)
        return self.submit(DeleteRangeEntry(keys, tmin, tmax)).result() if keys else 0

    # -- replay and segments (used by the cache loader and snapshots)
    def replay(self) -> Iterator[Entry]:
        """Every entry of every segment in order; truncates a segment at its first unreadable entry."""
        for path in segment_file_names(self.path):
            with open(path, "rb") as f:
                data = f.read()
            reader = SegmentReader(data)
            yield from reader
            if reader.error is not None:
                log.info("File corrupt",
                         extra={"path": path, "pos": reader.valid_size, "error": str(reader.error)})
                with self._file_lock:
                    os.truncate(path, reader.valid_size)
                    if path == self._current_path:
                        self._size = reader.valid_size

    def segments(self) -> list[str]:
        """All segment files, oldest first."""
        return segment_file_names(self.path)

    def closed_segments(self) -> list[str]:
        """Segment files other than the one being written, oldest first (a snapshot may remove these)."""
        with self._file_lock:
            current = self._current_path
        return [p for p in segment_file_names(self.path) if p != current]

    def close_segment(self) -> None:
        """Start a new segment unless the current one is still empty (done before a snapshot)."""
        with self._file_lock:
            if self._current_path is None or self._current_size() > 0:
                self._roll()

    def remove(self, paths: Iterable[str]) -> None:
        """Delete segment files (closed ones, after their data reached a TSM file)."""
        with self._file_lock:
            for path in paths:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)
            self._old_bytes = sum(os.path.getsize(p) for p in segment_file_names(self.path)
                                  if p != self._current_path)

    @property
    def current_segment_id(self) -> int:
        return self._current_id

    def disk_size_bytes(self) -> int:
        return self._old_bytes + self._current_size()

    def statistics(self) -> dict[str, int]:
        """The ``tsm1_wal`` measurement's values, as influxd names them."""
        return {
            "oldSegmentsDiskBytes": self._old_bytes,
            "currentSegmentDiskBytes": self._current_size(),
            "writeOk": self.write_ok,
            "writeErr": self.write_err,
        }

    # -- the writer thread
    def _run_writer(self) -> None:
        while True:
            with self._wakeup:
                while not self._queue and not self._closed:
                    self._wakeup.wait()
                if not self._queue:
                    return
            if self.fsync_delay > 0:
                self._gather_for(self.fsync_delay)
            with self._wakeup:
                batch = list(self._queue)
                self._queue.clear()
            with self._file_lock:
                try:
                    self._commit(batch)
                except BaseException as err:  # never leave a writer waiting on a future nobody resolves
                    for pending in batch:
                        if not pending.future.done():
                            pending.future.set_exception(err)

    def _gather_for(self, delay: float) -> None:
        """Let more writers join this fsync, for at most ``delay`` seconds (wal-fsync-delay)."""
        deadline = time.monotonic() + delay
        with self._wakeup:
            while not self._closed and (left := deadline - time.monotonic()) > 0:
                self._wakeup.wait(left)

    def _commit(self, batch: list[_Pending]) -> None:
        """Append ``batch`` (rolling segments as needed), fsync once, then resolve every future."""
        done: list[tuple[_Pending, int]] = []
        chunk: list[bytes] = []
        segment_base = -1  # size of the segment being appended to before this batch touched it
        try:
            if self._fd is None and self._current_path is not None:
                self._open_fd(self._current_path)  # continue the segment open() found
            for pending in batch:
                if self._fd is None or self._size > self.segment_size:
                    self._flush(chunk)
                    self._roll()
                    segment_base = -1
                if segment_base < 0:
                    segment_base = self._size
                chunk.append(HEADER.pack(pending.entry_type, len(pending.compressed)))
                chunk.append(pending.compressed)
                self._size += HEADER.size + len(pending.compressed)
                done.append((pending, self._current_id))
            self._flush(chunk)
            os.fsync(self._fd)
        except OSError as err:
            self.write_err += len(batch)
            self._cut_back(segment_base)
            for pending in batch:
                pending.future.set_exception(OSError(err.errno, f"error writing WAL entry: {err.strerror}"))
            return
        self.last_write_time = time.time()
        self.write_ok += len(batch)
        for pending, seg_id in done:
            pending.future.set_result(seg_id)

    def _flush(self, chunk: list[bytes]) -> None:
        if not chunk:
            return
        data = memoryview(b"".join(chunk))
        chunk.clear()
        while data:
            written = os.write(self._fd, data)
            data = data[written:]

    def _roll(self) -> None:
        """Close the current segment (after an fsync) and start the next id."""
        if self._fd is not None:
            os.fsync(self._fd)
            self._close_fd()
        self._current_id += 1
        self._current_path = segment_file_name(self.path, self._current_id)
        self._open_fd(self._current_path)
        dir_fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the new name itself must survive a crash
        finally:
            os.close(dir_fd)
        self._old_bytes = sum(os.path.getsize(p) for p in segment_file_names(self.path)
                              if p != self._current_path)

    def _open_fd(self, path: str) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o666)
        self._size = os.fstat(self._fd).st_size

    def _close_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _current_size(self) -> int:
        if self._fd is not None:
            return self._size
        if self._current_path is not None:
            try:
                return os.path.getsize(self._current_path)
            except FileNotFoundError:
                return 0
        return 0

    def _cut_back(self, size: int) -> None:
        """After a failed write, drop the partial tail so entries appended later stay readable on replay."""
        if self._fd is None or size < 0:
            return
        try:
            os.ftruncate(self._fd, size)
            self._size = size
        except OSError:
            self._size = os.fstat(self._fd).st_size
