"""One shard: its WAL, cache, field set and share of the database's series index.

A write runs influxd's shard checks (``time`` tag and field names, field types against what the shard holds,
new fields created in order), registers new series, makes the values durable in the WAL (group commit:
concurrent writers share an fsync) and then adds them to the cache, so a point is readable only once it is
safe. Reads hand out sorted, de-duplicated typed arrays per ``<series key>#!~#<field>``, merged from the
shard's TSM files (``tsm/filestore.py``) and the cache.

A background thread per shard checks every second, as influxd's cache compaction loop does, whether the cache
has grown past ``cache-snapshot-memory-size`` or gone cold for ``cache-snapshot-write-cold-duration``; then it
snapshots the cache into a new TSM file and removes the WAL segments the snapshot covered. Writes never wait
for it: the cache hands its contents over in one swap and keeps serving them until the file is readable.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass

import numpy as np

from chronus._ext import lineproto as _lp
from chronus._ext import serieskeys as _serieskeys
from chronus.models.points import (
    EMPTY,
    FIELD_KEY_SEPARATOR,
    PointBatch,
    unescape_measurement,
)
from chronus.tsdb.cache import Cache, CacheMaxMemorySizeExceededError
from chronus.tsdb.cache import FieldTypeConflictError as CacheTypeConflict
from chronus.tsdb.compaction import CompactionLimits, ShardCompactions
from chronus.tsdb.fields import (
    FIELDS_INDEX_FILE,
    FieldBatch,
    FieldsIndexError,
    FieldType,
    FieldTypeConflictError,
    MeasurementFieldSet,
    PartialWriteError,
    ValidationResult,
)
from chronus.tsdb.index import Series, ShardIndex
from chronus.tsdb.tsm.filestore import FileStore
from chronus.tsdb.values import Values, ValueType
from chronus.tsdb.wal import WAL

log = logging.getLogger(__name__)

MIN_TIME = -(2**63)
MAX_TIME = 2**63 - 1


class FieldSetSaveError(Exception):
    """The shard's field set could not be saved; influxd answers 500 with the text as it stands."""


class EngineError(Exception):
    """A write the engine refused as a whole; influxd answers 500 with ``engine: <text>``."""


@dataclass
class EngineOptions:
    """The ``[data]`` settings a shard needs."""

    wal_fsync_delay_ns: int = 0
    cache_max_memory_size: int = 1024 * 1024 * 1024
    cache_snapshot_memory_size: int = 25 * 1024 * 1024
    cache_snapshot_write_cold_duration_s: float = 600.0
    #: how often the snapshot thread looks at the cache (influxd: every second)
    snapshot_check_interval_s: float = 1.0
    #: ``compact-full-write-cold-duration``: no new file for this long plans a full compaction
    compact_full_write_cold_duration_s: float = 4 * 3600.0
    #: ``max-concurrent-compactions`` (0: half the cores); a store's shards share ``compaction_limits``
    max_concurrent_compactions: int = 0
    #: compaction write rate and burst in bytes/s (influxd 1.6.7: fixed 48 MB/s; 0: unlimited)
    compact_throughput: int = 48 * 1024 * 1024
    compact_throughput_burst: int = 48 * 1024 * 1024
    #: points per block a compaction writes (influxd's engine option, not a 1.6.7 config key)
    max_points_per_block: int = 1000
    #: how often the compaction loop plans (influxd: every second)
    compaction_check_interval_s: float = 1.0
    compactions_enabled: bool = True
    #: the store-wide compaction slots and rate limiter (a shard made alone gets its own)
    compaction_limits: CompactionLimits | None = None


def _first_unreadable_value(batch: PointBatch, keep: np.ndarray) -> str | None:
    """The error of the first kept field value the engine cannot store, in body order, as influxd words it.

    Two kinds exist (only where influxd's checking and reading passes split a line differently): a value it
    cannot parse, and a value of no known type (``unknown field type for <field>: <point>``).
    """
    kept_rows = np.repeat(keep, np.diff(batch.point_rows))
    empty = np.flatnonzero((batch.row_type == EMPTY) & kept_rows)
    problems = [problem for problem in batch.value_problems if keep[problem.point]]
    first_empty = int(empty[0]) if len(empty) else None
    if problems and (first_empty is None or problems[0].row < first_empty):
        return problems[0].message
    if first_empty is None:
        return None
    point = int(np.searchsorted(batch.point_rows, first_empty, side="right")) - 1
    field_name = _decode(batch.field_name(int(batch.row_field[first_empty])))
    return f"unknown field type for {field_name}: {batch.point_string(point)}"


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


class Shard:
    """A shard of ``database``/``retention_policy``, stored under ``path`` (TSM) and ``wal_path``."""

    def __init__(
        self,
        shard_id: int,
        database: str,
        retention_policy: str,
        path: str,
        wal_path: str,
        index: ShardIndex,
        options: EngineOptions | None = None,
    ) -> None:
        self.id = shard_id
        self.database = database
        self.retention_policy = retention_policy
        self.path = path
        self.wal_path = wal_path
        self.index = index
        self.options = options or EngineOptions()
        self.fields = MeasurementFieldSet(os.path.join(path, FIELDS_INDEX_FILE))
        self.cache = Cache(max_size=self.options.cache_max_memory_size)
        self.wal = WAL(wal_path, fsync_delay=self.options.wal_fsync_delay_ns / 1e9)
        self.files = FileStore(path)
        opts = self.options
        self.compactions = ShardCompactions(
            str(shard_id), self.files,
            opts.compaction_limits or CompactionLimits.create(
                opts.max_concurrent_compactions, opts.compact_throughput, opts.compact_throughput_burst),
            full_write_cold_duration_s=opts.compact_full_write_cold_duration_s,
            max_points_per_block=opts.max_points_per_block,
            check_interval_s=opts.compaction_check_interval_s,
        )
        # One snapshot or delete at a time (a delete must not race a snapshot's hand-off); writes never
        # take it.
        self._snapshot_lock = threading.Lock()
        self._stop_snapshots = threading.Event()
        self._snapshotter: threading.Thread | None = None
        # the snapshot loop's part of influxd's tsm1_engine values (cacheCompactionsActive stays 0 there)
        self.snapshot_stats = {"cacheCompactions": 0, "cacheCompactionsActive": 0, "cacheCompactionErr": 0,
                               "cacheCompactionDuration": 0}
        # Field checks and creation must see one batch at a time (influxd holds the shard's field lock).
        self._fields_lock = threading.Lock()
        self.stats = dict.fromkeys(
            (
                "writeReq",
                "writeReqOk",
                "writeReqErr",
                "writePointsOk",
                "writePointsDropped",
                "writePointsErr",
                "seriesCreate",
                "fieldsCreate",
            ),
            0,
        )

    # -- lifecycle ---------------------------------------------------------------------------------------

    def open(self) -> None:
        """Load fields.idx and the TSM files, replay the WAL into the cache, rebuild the index and add the
        fields of both to the field set (then saved, as influxd's ``LoadMetadataIndex``), and start the
        snapshot thread."""
        os.makedirs(self.path, exist_ok=True)
        self._load_fields()
        self.files.open()
        self.wal.open()
        self.cache.load(self.wal.replay())
        self._rebuild_index()
        try:
            self.fields.save()
        except FieldsIndexError as err:
            log.warning("error saving fields.idx", extra={"shard": self.id, "error": str(err)})
        self._stop_snapshots.clear()
        self._snapshotter = threading.Thread(
            target=self._run_snapshots, name=f"snapshot shard {self.id}", daemon=True)
        self._snapshotter.start()
        if self.options.compactions_enabled:
            self.compactions.start()

    def close(self) -> None:
        """Stop the snapshot thread (a snapshot under way finishes) and the compactions (running ones are
        aborted), then close the WAL and the files."""
        self._stop_snapshots.set()
        if self._snapshotter is not None:
            self._snapshotter.join()
            self._snapshotter = None
        self.compactions.stop()
        self.wal.close()
        self.files.close()

    def _load_fields(self) -> None:
        """The saved field set; an unreadable fields.idx is logged and rebuilt from the data (influxd)."""
        path = os.path.join(self.path, FIELDS_INDEX_FILE)
        try:
            self.fields = MeasurementFieldSet.load(path)
        except FieldsIndexError as err:
            log.warning(f"error opening fields.idx: {err}.  Rebuilding.", extra={"shard": self.id})
            self.fields = MeasurementFieldSet(path)

    def _rebuild_index(self) -> None:
        """Series and fields from the keys of the files (oldest first), then of the cache."""
        file_types = self.files.key_types()
        keys = sorted(file_types)
        types: list[ValueType | None] = [file_types[key] for key in keys]
        cache_keys = self.cache.keys()
        keys += cache_keys
        types += [self.cache.type(key) for key in cache_keys]
        # One C pass splits every key; only distinct series and (measurement, field, type) come back.
        series_keys, fields = _serieskeys.split_field_keys(keys, types)
        for measurement, field_name, vtype in fields:
            try:
                self.fields.create(measurement, field_name, FieldType(int(vtype)))
            except FieldTypeConflictError:
                continue  # a replayed conflict keeps the first type, as the cache does
        self.index.add_series(sorted(_decode(key) for key in series_keys))

    # -- writes ------------------------------------------------------------------------------------------

    def write(self, batch: PointBatch, points: np.ndarray) -> PartialWriteError | None:
        """Write the points of ``batch`` selected by the boolean mask ``points``, in influxd's order of steps.

        1. the series of every selected point without a ``time`` tag join the index (even when the field
           checks then drop the point, as in influxd);
        2. the field checks; new fields are created and the field set saved (a name that is not UTF-8 makes
           the save, and the write, fail with influxd's protobuf error: ``FieldSetSaveError``);
        3. the engine reads the values (a value it cannot read fails the whole write: ``EngineError``),
           writes the cache, then the WAL.

        Returns the partial-write error for points the field checks dropped (the rest are written), raises
        ``FieldTypeConflictError`` (fields.py) when one new field arrives with two types.
        """
        self.stats["writeReq"] += 1
        selected = np.flatnonzero(points)
        unique_series, series_index = np.unique(batch.point_series[selected], return_inverse=True)
        series = unique_series.astype(np.int32)
        raw_names, name_of_series, time_tag = _lp.series_names(
            batch.series_keys, batch.series_offsets, series
        )
        self._add_series(batch, series[~np.asarray(time_tag, dtype=bool)])
        with self._fields_lock:
            try:
                result = self._validate(batch, selected, series_index, raw_names, name_of_series, time_tag)
            except FieldTypeConflictError as err:
                self._note_field_names(err.created)
                raise
            self._note_field_names(result.created)
            if result.created:
                self.stats["fieldsCreate"] += len(result.created)
                try:
                    self.fields.save()
                except FieldsIndexError as err:
                    raise FieldSetSaveError(str(err)) from None
        keep = np.zeros(len(batch), dtype=bool)
        keep[selected[result.keep]] = True
        engine_error = _first_unreadable_value(batch, keep)
        if engine_error is not None:
            raise EngineError(engine_error)
        written = int(keep.sum())
        if written:
            self._write_values(batch, keep)
        self.stats["writeReqOk"] += 1
        self.stats["writePointsOk"] += written
        self.stats["writePointsDropped"] += result.dropped
        return result.error

    def _note_field_names(self, created: list[tuple[str, str, FieldType]]) -> None:
        """influxd's ``SetFieldName``: the index learns a measurement's fields as this process creates them
        (not those loaded at start), and WHERE terms on them then select every series of the measurement
        in SHOW SERIES / TAG KEYS / TAG VALUES."""
        for measurement, name, _kind in created:
            self.index.database.set_field_names(measurement, (name,))

    def _add_series(self, batch: PointBatch, series: np.ndarray) -> None:
        if not len(series):
            return
        before = self.index.series_count()
        self.index.add_series(_lp.decode_series_keys(batch.series_keys, batch.series_offsets, series))
        self.stats["seriesCreate"] += self.index.series_count() - before

    def _validate(
        self,
        batch: PointBatch,
        selected: np.ndarray,
        series_index: np.ndarray,
        raw_names: list,
        name_of_series: np.ndarray,
        time_tag: np.ndarray,
    ) -> ValidationResult:
        """The field checks of one attempt over the selected points (see ``fields.py``)."""
        # Distinct raw names can unescape to one name: number the names, first seen first.
        positions: dict[str, int] = {}
        raw_position = np.array(
            [positions.setdefault(_decode(unescape_measurement(raw)), len(positions)) for raw in raw_names],
            dtype=np.int64,
        )
        measurement_names = list(positions)
        measurement_of_series = raw_position[name_of_series]
        starts = batch.point_rows[selected]
        counts = batch.point_rows[selected + 1] - starts
        # The field rows of the selected points, in order: each point's rows starts..starts+count.
        rows = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
        field_batch = FieldBatch(
            measurement_names=measurement_names,
            field_names=[_decode(batch.field_name(f)) for f in range(len(batch.field_name_offsets) - 1)],
            point_measurement=measurement_of_series[series_index],
            row_point=np.repeat(np.arange(len(selected)), counts),
            row_field=batch.row_field[rows],
            row_type=batch.row_type[rows],
            point_has_time_tag=np.asarray(time_tag, dtype=bool)[series_index],
        )
        return self.fields.validate_and_create(field_batch)

    def _write_values(self, batch: PointBatch, keep: np.ndarray) -> None:
        groups = batch.grouped(keep)
        if not len(groups):
            return
        # The cache first, as influxd: a write it refuses (cache-max-memory-size) never reaches the WAL.
        # A point is acknowledged only after the WAL fsync below.
        try:
            self.cache.write_groups(groups)
        except CacheTypeConflict:
            pass  # a key keeps its first type; influxd's cache drops such values the same way
        except CacheMaxMemorySizeExceededError as err:
            raise EngineError(str(err)) from None
        self.wal.write_groups(groups)

    # -- snapshots ---------------------------------------------------------------------------------------

    def should_snapshot(self, now: float) -> bool:
        """influxd's rule: a non-empty cache past the snapshot size, or not written for the cold duration."""
        size = self.cache.size()
        if size == 0:
            return False
        if size > self.options.cache_snapshot_memory_size:
            return True
        return now - self.cache.last_write_time > self.options.cache_snapshot_write_cold_duration_s

    def snapshot(self) -> str | None:
        """Write the cache to a new TSM file, then drop it from memory and the WAL segments it came from.

        Crash-safe in this order: the WAL segment being written is closed, the cache swapped aside, the file
        written aside, fsynced and renamed, and only then are the covered segments removed. Returns the new
        file's path (None when the cache was empty).
        """
        with self._snapshot_lock:
            self.wal.close_segment()
            segments = self.wal.closed_segments()
            snap = self.cache.snapshot()
            started = time.monotonic()
            try:
                path = self.files.write_snapshot(snap.items())
            except BaseException:
                self.cache.clear_snapshot(False)
                raise
            self.cache.clear_snapshot(True)
            self.cache.update_compact_time(time.monotonic() - started)
            self.wal.remove(segments)
            return path

    def _run_snapshots(self) -> None:
        interval = self.options.snapshot_check_interval_s
        while not self._stop_snapshots.wait(interval):
            try:
                if not self.should_snapshot(time.time()):
                    continue
            except Exception as err:  # keep the loop alive
                log.info("Error writing snapshot", extra={"shard": self.id, "error": str(err)})
                continue
            started = time.perf_counter_ns()
            try:
                self.snapshot()
                self.snapshot_stats["cacheCompactions"] += 1
            except Exception as err:  # keep the loop alive; the next tick retries the kept snapshot
                log.info("Error writing snapshot", extra={"shard": self.id, "error": str(err)})
                self.snapshot_stats["cacheCompactionErr"] += 1
            self.snapshot_stats["cacheCompactionDuration"] += time.perf_counter_ns() - started

    # -- deletes -----------------------------------------------------------------------------------------

    def delete_series_range(self, series_keys: list[bytes], tmin: int, tmax: int) -> None:
        """Remove the points of whole series in [tmin, tmax] from the WAL's view, the cache and the files."""
        wanted = set(series_keys)
        # Compactions pause (running ones abort) so none drops a tombstone written meanwhile (influxd).
        with self.compactions.paused(), self._snapshot_lock:
            stored = set(self.cache.keys()) | self.files.keys()
            keys = sorted(key for key in stored if key.partition(FIELD_KEY_SEPARATOR)[0] in wanted)
            if not keys:
                return
            self.wal.delete_range(keys, tmin, tmax)
            self.cache.delete_range(keys, tmin, tmax)
            self.files.delete_range(keys, tmin, tmax)

    # -- reads -------------------------------------------------------------------------------------------

    def series_keys_held(self) -> set[bytes]:
        """The series keys this shard still has points for, in its cache or its TSM files."""
        keys = self.cache.all_keys() | self.files.keys()
        return {key.partition(FIELD_KEY_SEPARATOR)[0] for key in keys}

    def measurement_fields(self, measurement: str) -> dict[str, FieldType]:
        return self.fields.fields(measurement)

    def series(self, measurement: str, condition: object = None) -> list[Series]:
        """This shard's series of ``measurement`` whose tags match ``condition`` (an InfluxQL expression)."""
        return self.index.measurement_series(measurement, condition)  # type: ignore[arg-type]

    def read(
        self, series_key: str, field_name: str, tmin: int = MIN_TIME, tmax: int = MAX_TIME
    ) -> Values | None:
        """The points of one series field in [tmin, tmax], sorted by time, newest write winning.

        Later files win over earlier ones and the cache over every file. The cache is read first: a
        snapshot finishing meanwhile then shows its points twice (equal, merged away), never zero times.
        """
        key = _field_key(series_key, field_name)
        cached = self.cache.values(key, tmin, tmax)
        return _newest_wins(self.files.read(key, tmin, tmax), cached)

    def read_many(self, series_keys: list[str], field_name: str, tmins: np.ndarray, tmaxs: np.ndarray
                  ) -> list[Values | None]:
        """``read`` of one field of many series, each over its own range ``[tmins[i], tmaxs[i]]``: each TSM
        file decodes every series' blocks in one call."""
        keys = [_field_key(k, field_name) for k in series_keys]
        cached = self.cache.values_many(keys, tmins, tmaxs)
        per_file = [reader.read_many(keys, tmins, tmaxs) for reader in self.files.readers()]
        if not per_file:
            return cached
        if len(per_file) == 1 and not any(c is not None for c in cached):  # one file, nothing cached
            return per_file[0]
        return [_newest_wins([p for p in parts if p is not None], c)
                for *parts, c in zip(*per_file, cached, strict=True)]

    def blocks_in(self, series_key: str, field_name: str, tmin: int, tmax: int) -> int:
        """How many TSM blocks of the series' field overlap ``[tmin, tmax]`` (the cache left out): what
        reading the range decodes."""
        key = _field_key(series_key, field_name)
        return sum(r.blocks_in(key, tmin, tmax) for r in self.files.readers())

    def edge_times(self, series_key: str, field_name: str, tmin: int, tmax: int, first: bool, wanted: int = 0
                   ) -> np.ndarray:
        """Distinct times of some points ``read`` would return, found cheaply: the first (last unless
        ``first``) block in range of each TSM file. Lets a LIMIT read only up to the time where enough
        points are known to exist; the cache and partly deleted keys are left out (a subset is enough)."""
        return self.edge_times_many([series_key], field_name, tmin, tmax, first, wanted)[0]

    def edge_times_many(self, series_keys: list[str], field_name: str, tmin: int, tmax: int, first: bool,
                        wanted: int = 0) -> list[np.ndarray]:
        """``edge_times`` of one field of many series, each file's index searched once for all of them."""
        keys = [_field_key(k, field_name) for k in series_keys]
        per_file = [r.edge_times_many(keys, tmin, tmax, first, wanted) for r in self.files.readers()]
        out = []
        cached_types = self.cache.types_many(keys)
        for i, cached in enumerate(cached_types):
            types = {found[0][i] for found in per_file} - {None}
            if len(types) > 1 or (cached is not None and types and cached not in types):
                out.append(np.empty(0, np.int64))  # the type changed: ``read`` keeps only the newest type's
                continue
            parts = [t for found in per_file if (t := found[1][i]) is not None]
            if not parts:
                out.append(np.empty(0, np.int64))
            else:
                out.append(parts[0] if len(parts) == 1 else np.unique(np.concatenate(parts)))
        return out

    def reach(self, series_key: str, field_name: str, t: int, tmin: int, tmax: int, first: bool
              ) -> tuple[int, int]:
        """The range to read for every point of a series' field up to ``t`` (from ``t`` on unless
        ``first``) and its next point past ``t`` too: a LIMIT's merge meets that one while it takes the
        last points at ``t``, and ties between series follow the merge's state."""
        key = _field_key(series_key, field_name)
        ends = [e for r in self.files.readers() if (e := r.block_past(key, t, first)) is not None]
        if first:
            return tmin, min(max(min(ends, default=tmax), t), tmax)
        return max(min(max(ends, default=tmin), t), tmin), tmax

    def time_span(self) -> tuple[int, int]:
        """``(min, max)``: no point of the shard lies outside (``(MAX_TIME, MIN_TIME)`` when nothing does);
        lets a LIMIT skip shards it cannot need and an aggregate read shards a few at a time."""
        lo, hi = self.cache.time_range()
        for reader in self.files.readers():
            rmin, rmax = reader.time_range()
            lo, hi = min(lo, rmin), max(hi, rmax)
        return lo, hi

    def count(
        self, series_keys: list[str], field_name: str, tmin: int = MIN_TIME, tmax: int = MAX_TIME
    ) -> np.ndarray:
        """How many points ``read`` would return for each series' field in [tmin, tmax], without decoding
        values where that is exact: a key in one file (or in several whose time ranges are disjoint, of one
        type), with no deleted range and no overlapping blocks, is counted from the blocks' headers (only
        blocks cut by the range have their times decoded). Anything else -- the cache, overlaps,
        tombstones -- is counted by reading it."""
        counts, _ = self._count(series_keys, field_name, tmin, tmax, False)
        return counts

    def times(
        self, series_keys: list[str], field_name: str, tmin: int = MIN_TIME, tmax: int = MAX_TIME
    ) -> tuple[np.ndarray, np.ndarray]:
        """The times ``read`` would return for each series' field in [tmin, tmax], all series one after the
        other (series ``i``'s are ``times[bounds[i]:bounds[i + 1]]``), decoding only timestamps where
        ``count`` would count from headers: ``(times, bounds)``."""
        counts, parts = self._count(series_keys, field_name, tmin, tmax, True)
        bounds = np.concatenate(([0], np.cumsum(counts)))
        times = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        return times, bounds

    def _count(
        self, series_keys: list[str], field_name: str, tmin: int, tmax: int, with_times: bool
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        suffix = FIELD_KEY_SEPARATOR + field_name.encode("utf-8", "surrogateescape")
        keys = [key.encode("utf-8", "surrogateescape") + suffix for key in series_keys]
        n = len(keys)
        counts = np.zeros(n, dtype=np.int64)
        # The cache's keys before the files, as ``read``: a key a snapshot moves meanwhile is read whole.
        cached = self.cache.all_keys()
        readers = self.files.readers()
        per_file = [reader.count_keys(keys, tmin, tmax) for reader in readers]
        sources = np.zeros(n, dtype=np.int64)
        for found in per_file:
            sources += found.present
        in_cache = np.fromiter((key in cached for key in keys), dtype=bool, count=n) if cached else None
        single = sources == 1 if in_cache is None else (sources == 1) & ~in_cache
        exact = np.zeros(n, dtype=bool)
        for found in per_file:
            hit = single & found.present & found.counted
            counts[hit] = found.counts[hit]
            exact |= hit
        exact |= sources == 0 if in_cache is None else (sources == 0) & ~in_cache
        times: list[np.ndarray] = []
        slow = {}
        for k in np.flatnonzero(~exact).tolist():
            holding = [(f, r) for f, r in zip(per_file, readers, strict=True) if f.present[k]]
            if (in_cache is None or not in_cache[k]) and _disjoint([f for f, _ in holding], k):
                counts[k] = sum(int(f.counts[k]) for f, _ in holding)
                if with_times:
                    holding.sort(key=lambda fr: int(fr[0].kmin[k]))
                    slow[k] = np.concatenate([r.read_times(keys[k], tmin, tmax) for _, r in holding])
                continue
            values = self.read(series_keys[k], field_name, tmin, tmax)
            counts[k] = 0 if values is None else len(values)
            if with_times:
                slow[k] = np.empty(0, dtype=np.int64) if values is None else values.times
        if with_times:
            single_reader = {}
            for found, reader in zip(per_file, readers, strict=True):
                for k in np.flatnonzero(single & found.present & found.counted).tolist():
                    single_reader[k] = reader
            for k in range(n):
                if k in slow:
                    times.append(slow[k])
                elif k in single_reader and counts[k]:
                    times.append(single_reader[k].read_times(keys[k], tmin, tmax))
        return counts, times

    def statistics(self) -> dict[str, int]:
        return dict(self.stats)

    def engine_statistics(self) -> dict[str, int]:
        """influxd's ``tsm1_engine`` values: background snapshots and compactions per level."""
        return {**self.snapshot_stats, **self.compactions.statistics()}


def _disjoint(found: list, k: int) -> bool:
    """Whether the files holding key ``k`` counted it exactly, agree on its type and hold disjoint time
    ranges of it (then no point is in two files and the counts add up)."""
    if not all(f.counted[k] for f in found) or len({int(f.types[k]) for f in found}) != 1:
        return False
    spans = sorted((int(f.kmin[k]), int(f.kmax[k])) for f in found)
    return all(prev[1] < cur[0] for prev, cur in zip(spans, spans[1:], strict=False))


def _newest_wins(parts: list[Values], cached: Values | None) -> Values | None:
    """One series field's points from its files' parts (oldest file first) and the cache's: later files win
    over earlier ones and the cache over every file."""
    if not parts:
        return cached
    if cached is not None:
        parts.append(cached)
    if len(parts) == 1:
        return parts[0]
    newest_type = parts[-1].type  # a key deleted and rewritten with another type keeps only the new one
    kept = [p for p in parts if p.type is newest_type]
    if all(len(p) for p in kept) and all(int(a.times[-1]) < int(b.times[0])
                                         for a, b in zip(kept, kept[1:], strict=False)):
        return Values.concat(kept)  # each part sorted and unique, one after the other: nothing to merge
    return Values.concat(kept).deduplicated()


def _field_key(series_key: str, field_name: str) -> bytes:
    """The storage key of one field of a series (``<series key>#!~#<field>``)."""
    return series_key.encode("utf-8", "surrogateescape") + FIELD_KEY_SEPARATOR + field_name.encode(
        "utf-8", "surrogateescape")
