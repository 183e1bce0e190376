"""The in-memory cache of a shard: every point written since the last snapshot, per key, until it is in TSM.

Semantics are InfluxDB 1.6.7's (``tsdb/engine/tsm1/cache.go``):

* a key (``<series key>#!~#<field>``) holds one value type; a write of another type is refused with a field
  type conflict while the other keys of the same write still go in;
* writes append; duplicate times are resolved when the key is read, the newest write winning;
* the size is counted as InfluxDB counts it (16 bytes per numeric point, 9 per boolean, 8 + length per
  string, plus the key the first time it appears); a write that would push it past ``max_size``
  (``cache-max-memory-size``) is refused whole with ``cache-max-memory-size exceeded: (n/limit)``;
* a snapshot moves the whole store aside for the TSM writer; it stays readable (and counted) until
  ``clear_snapshot(True)``.

Each key's points live in a ``KeyBuffer`` (``chronus._ext.cachestore``): typed arrays with room to grow,
appended to without the GIL. A write request's values arrive as one batch's grouped columns
(``write_groups``, one call whatever the number of keys) or as ``Values`` per key (``write_multi``: the WAL
loader, tests); reads hand out views that later writes never change. Nothing builds a Python object per
numeric point.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from chronus._ext.cachestore import KeyBuffer, append_groups
from chronus.tsdb.values import MAX_TIME, MIN_TIME, POINT_SIZES, Values, ValueType
from chronus.tsdb.wal import DeleteEntry, DeleteRangeEntry, Entry, WriteEntry

if TYPE_CHECKING:
    import numpy as np

    from chronus.models.points import GroupedValues

KEY_FIELD_SEPARATOR = b"#!~#"


class CacheError(Exception):
    """Base of the errors the cache refuses writes with."""


class FieldTypeConflictError(CacheError):
    """A key already holds values of another type; the text is InfluxDB's partial-write reason."""

    def __init__(self, key: bytes, input_type: ValueType, existing_type: ValueType) -> None:
        self.key = key
        self.input_type = input_type
        self.existing_type = existing_type
        measurement, field = measurement_and_field(key)
        super().__init__(
            f'field type conflict: input field "{field.decode(errors="replace")}" on measurement '
            f'"{measurement.decode(errors="replace")}" is type {input_type.type_name}, '
            f"already exists as type {existing_type.type_name}"
        )


class CacheMaxMemorySizeExceededError(CacheError):
    """The write would take the cache past ``cache-max-memory-size``; numbers in bytes as influxd counts."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(f"cache-max-memory-size exceeded: ({size}/{limit})")


class SnapshotInProgressError(CacheError):
    def __init__(self) -> None:
        super().__init__("snapshot in progress")


def measurement_and_field(key: bytes) -> tuple[bytes, bytes]:
    """Unescaped measurement name and field name of a cache key (``m\\ x,t=1#!~#f`` -> ``m x``, ``f``)."""
    sep = key.find(KEY_FIELD_SEPARATOR)
    series, field = (key, b"") if sep < 0 else (key[:sep], key[sep + len(KEY_FIELD_SEPARATOR):])
    i, n = 0, len(series)
    while i < n and series[i] != 0x2C:  # ','
        i += 2 if series[i] == 0x5C else 1  # a backslash escapes the next byte
    name = series[:i]
    if b"\\" in name:
        name = name.replace(b"\\,", b",").replace(b"\\ ", b" ")
    return name, field


class Cache:
    """Points per key for one shard; thread-safe (one lock, taken once per call, never per point)."""

    def __init__(self, max_size: int = 0) -> None:
        self.max_size = max_size  # 0: unlimited
        self._store: dict[bytes, KeyBuffer] = {}
        self._size = 0  # live store, InfluxDB's counting
        self._snapshot: Cache | None = None
        self._snapshot_size = 0
        self._snapshotting = False
        self._snapshot_attempts = 0
        # the live store's points lie within [_lo, _hi] (writes widen it; deletes leave it wide)
        self._lo, self._hi = MAX_TIME, MIN_TIME
        self._lock = threading.RLock()
        self.last_write_time = 0.0
        self.last_snapshot = time.time()
        counters = ("cachedBytes", "WALCompactionTimeMs", "writeOk", "writeErr", "writeDropped")
        self._stats = dict.fromkeys(counters, 0)

    # -- writing
    def write(self, key: bytes, values: Values) -> None:
        """Add the points of one key; see ``write_multi``."""
        self.write_multi({key: values})

    def write_multi(self, values: Mapping[bytes, Values]) -> None:
        """Add the points of many keys at once, as one write request.

        Refused whole (``CacheMaxMemorySizeExceededError``) when it would exceed ``max_size``. A key whose
        type differs from what it holds is skipped and the others are written; ``FieldTypeConflictError`` is
        raised afterwards for the last such key.
        """
        with self._lock:
            sizes = [POINT_SIZES[v.type] * len(v.times) if v.type in POINT_SIZES else v.size()
                     for v in values.values()]
            added = sum(sizes)
            total = self._size + self._snapshot_size + added
            if self.max_size > 0 and total > self.max_size:
                self._stats["writeErr"] += 1
                raise CacheMaxMemorySizeExceededError(total, self.max_size)
            conflict: FieldTypeConflictError | None = None
            store = self._store
            for (key, vals), nbytes in zip(values.items(), sizes, strict=True):
                if not len(vals.times):
                    continue
                entry = store.get(key)
                if entry is None:
                    entry = store[key] = KeyBuffer(vals.type)
                    added += len(key)
                elif entry.vtype is not vals.type:
                    conflict = FieldTypeConflictError(key, vals.type, entry.vtype)
                    added -= nbytes
                    continue
                entry.append(vals, nbytes)
                self._widen(vals.times)
            self._finish_write(added, conflict)

    def write_groups(self, groups: GroupedValues) -> None:
        """``write_multi`` of a batch's grouped columns (``chronus.models.points.GroupedValues``): the
        write path's form, one call per request whatever the number of keys."""
        sizes = groups.cache_sizes()
        with self._lock:
            added = int(sizes.sum())
            total = self._size + self._snapshot_size + added
            if self.max_size > 0 and total > self.max_size:
                self._stats["writeErr"] += 1
                raise CacheMaxMemorySizeExceededError(total, self.max_size)
            new_key_bytes, skipped_bytes, conflicts = append_groups(
                self._store, groups.keys, groups.key_offsets, groups.types, groups.starts, groups.times,
                groups.bits, groups.rows, groups.string_data, groups.string_offsets, sizes)
            conflict = FieldTypeConflictError(*conflicts[-1]) if conflicts else None
            self._widen(groups.times)
            self._finish_write(added + new_key_bytes - skipped_bytes, conflict)

    def _widen(self, times) -> None:
        if len(times):
            self._lo = min(self._lo, int(times.min()))
            self._hi = max(self._hi, int(times.max()))

    def time_range(self) -> tuple[int, int]:
        """``(min, max)``: no point of the cache (live store and snapshot) lies outside; ``(MAX_TIME,
        MIN_TIME)`` when it holds none."""
        with self._lock:
            lo, hi = (self._lo, self._hi) if self._store else (MAX_TIME, MIN_TIME)
            if self._snapshot is not None and self._snapshot._store:
                snap_lo, snap_hi = self._snapshot.time_range()
                lo, hi = min(lo, snap_lo), max(hi, snap_hi)
            return lo, hi

    def _finish_write(self, added: int, conflict: FieldTypeConflictError | None) -> None:
        self._size += added
        self.last_write_time = time.time()
        self._stats["writeOk"] += 1
        if conflict is not None:
            self._stats["writeDropped"] += 1
            self._stats["writeErr"] += 1
            raise conflict

    def delete(self, keys: Iterable[bytes]) -> None:
        """Remove every point of ``keys``."""
        self.delete_range(keys, MIN_TIME, MAX_TIME)

    def delete_range(self, keys: Iterable[bytes], tmin: int, tmax: int) -> None:
        """Remove the points of ``keys`` with ``tmin <= time <= tmax``; a key left empty is removed.

        Like InfluxDB this touches the live store only: the engine keeps snapshots from running meanwhile.
        """
        with self._lock:
            for key in keys:
                entry = self._store.get(key)
                if entry is None:
                    continue
                before = entry.nbytes
                if tmin == MIN_TIME and tmax == MAX_TIME:
                    del self._store[key]
                    self._size -= before + len(key)
                    continue
                entry.exclude(tmin, tmax)
                if not entry.n:
                    del self._store[key]
                    self._size -= before + len(key)
                else:
                    self._size -= before - entry.nbytes

    def load(self, entries: Iterable[Entry]) -> None:
        """Replay WAL entries (as influxd's cache loader, with the size limit off while loading)."""
        limit, self.max_size = self.max_size, 0
        try:
            for entry in entries:
                if isinstance(entry, WriteEntry):
                    # On a conflict the other keys of the entry are in; the conflicting one cannot be.
                    with contextlib.suppress(FieldTypeConflictError):
                        self.write_multi(entry.values)
                elif isinstance(entry, DeleteRangeEntry):
                    self.delete_range(entry.keys, entry.min, entry.max)
                elif isinstance(entry, DeleteEntry):
                    self.delete(entry.keys)
        finally:
            self.max_size = limit

    # -- reading
    def values(self, key: bytes, tmin: int = MIN_TIME, tmax: int = MAX_TIME) -> Values | None:
        """Sorted, deduplicated points of ``key`` within ``[tmin, tmax]`` (snapshot and live), or None."""
        with self._lock:
            parts = []
            if self._snapshot is not None and (snap := self._snapshot._store.get(key)) is not None:
                snap.deduplicate()
                parts.append(snap.view())
            entry = self._store.get(key)
            if entry is not None:
                entry.deduplicate()
                if parts and parts[0].type is not entry.vtype:
                    parts.clear()  # the key was deleted and rewritten with another type since the snapshot
                parts.append(entry.view())
        if not parts:
            return None
        merged = Values.concat(parts).deduplicated() if len(parts) > 1 else parts[0]
        if tmin == MIN_TIME and tmax == MAX_TIME:
            return merged
        return merged.include(tmin, tmax)

    def values_many(self, keys: list[bytes], tmins: np.ndarray, tmaxs: np.ndarray) -> list[Values | None]:
        """``values(keys[i], tmins[i], tmaxs[i])`` of every key; an empty cache (a shard no longer written)
        answers at once instead of once per key."""
        if self.empty():
            return [None] * len(keys)
        return [self.values(key, int(lo), int(hi)) for key, lo, hi in zip(keys, tmins, tmaxs, strict=True)]

    def types_many(self, keys: list[bytes]) -> list[ValueType | None]:
        """``type`` of every key (at once when the cache is empty)."""
        if self.empty():
            return [None] * len(keys)
        return [self.type(key) for key in keys]

    def empty(self) -> bool:
        """Whether neither the live store nor a snapshot being written holds a key."""
        with self._lock:
            return not self._store and (self._snapshot is None or not self._snapshot._store)

    def type(self, key: bytes) -> ValueType | None:
        """The value type of ``key`` (live store first, then the snapshot), or None if it holds nothing."""
        with self._lock:
            entry = self._store.get(key)
            if entry is None and self._snapshot is not None:
                entry = self._snapshot._store.get(key)
            return entry.vtype if entry is not None else None

    def keys(self) -> list[bytes]:
        """Keys of the live store, sorted."""
        with self._lock:
            return sorted(self._store)

    def all_keys(self) -> set[bytes]:
        """Keys of the live store and of a snapshot being written: every key the cache still answers for."""
        with self._lock:
            keys = set(self._store)
            if self._snapshot is not None:
                keys.update(self._snapshot.all_keys())
            return keys

    def count(self) -> int:
        """Number of keys in the live store."""
        return len(self._store)

    def size(self) -> int:
        """Bytes held, live store plus the snapshot being written, as InfluxDB counts them."""
        return self._size + self._snapshot_size

    def items(self) -> Iterator[tuple[bytes, Values]]:
        """``(key, points)`` by sorted key, deduplicated: what a snapshot hands the TSM writer."""
        for key in self.keys():
            with self._lock:
                entry = self._store.get(key)
                if entry is None:
                    continue
                entry.deduplicate()
                vals = entry.view()
            yield key, vals

    # -- snapshots
    def snapshot(self) -> Cache:
        """Move the live store into the snapshot (a read-only Cache) and start an empty one.

        A snapshot left over from a failed attempt is returned again as it is, to be retried.
        """
        with self._lock:
            if self._snapshotting:
                raise SnapshotInProgressError()
            self._snapshotting = True
            self._snapshot_attempts += 1
            if self._snapshot is None:
                self._snapshot = Cache()
            if self._snapshot._size > 0:
                return self._snapshot
            self._snapshot._store, self._store = self._store, {}
            self._snapshot._lo, self._snapshot._hi = self._lo, self._hi
            self._lo, self._hi = MAX_TIME, MIN_TIME
            self._snapshot._size = self._size
            self._snapshot_size = self._size
            self._size = 0
            self.last_snapshot = time.time()
            self._stats["cachedBytes"] += self._snapshot_size
            return self._snapshot

    def deduplicate(self) -> None:
        """Sort every key now (the snapshot does this before it is written)."""
        with self._lock:
            for entry in self._store.values():
                entry.deduplicate()

    def clear_snapshot(self, success: bool) -> None:
        """End the snapshot; on success its points are gone from memory (they are in a TSM file now)."""
        with self._lock:
            self._snapshotting = False
            if success and self._snapshot is not None:
                self._snapshot_attempts = 0
                self._snapshot = Cache()
                self._snapshot_size = 0

    @property
    def snapshotting(self) -> bool:
        return self._snapshotting

    # -- statistics
    def update_compact_time(self, seconds: float) -> None:
        self._stats["WALCompactionTimeMs"] += int(seconds * 1000)

    def statistics(self) -> dict[str, int]:
        """The ``tsm1_cache`` measurement's values, as influxd names them."""
        return {
            "memBytes": self.size(),
            "diskBytes": self._snapshot_size,
            "snapshotCount": self._snapshot_attempts,
            "cacheAgeMs": int((time.time() - self.last_snapshot) * 1000),
            **self._stats,
        }
