"""The shards of this node, laid out on disk as influxd lays them out, and one series index per database.

``data/<db>/<rp>/<shard id>`` holds a shard's TSM files, ``wal/<db>/<rp>/<shard id>`` its WAL segments. On
open every shard found on disk is opened (WAL replayed into the cache) and the database indexes are rebuilt
from what the shards hold, as influxd's in-memory index is.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from chronus.influxql import ast
from chronus.tsdb.compaction import CompactionLimits
from chronus.tsdb.index import DatabaseIndex
from chronus.tsdb.shard import MAX_TIME, MIN_TIME, EngineOptions, Shard

log = logging.getLogger(__name__)


FIELDS_IN_DELETE = "fields not supported in WHERE clause during deletion"

#: influxd 1.6's per-database series file (``data/<db>/_series/<partition>/<segment>``); it sits beside the
#: retention policy directories but is not one, so opening a directory influxd wrote must skip it.
SERIES_FILE_DIRECTORY = "_series"


class DeleteError(Exception):
    """A delete a shard refused; the text is influxd's (``shard <id>: <reason>``)."""


class Store:
    """Every local shard, by id; shards are created on first write and removed with their meta data."""

    def __init__(self, data_dir: str, wal_dir: str, options: EngineOptions | None = None) -> None:
        self.data_dir = data_dir
        self.wal_dir = wal_dir
        options = options or EngineOptions()
        if options.compaction_limits is None:  # one set of compaction slots and one rate for every shard
            limits = CompactionLimits.create(options.max_concurrent_compactions, options.compact_throughput,
                                             options.compact_throughput_burst)
            options = dataclasses.replace(options, compaction_limits=limits)
        self.options = options
        self._shards: dict[int, Shard] = {}
        self._indexes: dict[str, DatabaseIndex] = {}
        self._lock = threading.RLock()

    # -- lifecycle ---------------------------------------------------------------------------------------

    def open(self) -> None:
        os.makedirs(self.data_dir, exist_ok=True)
        os.makedirs(self.wal_dir, exist_ok=True)
        found = list(self._shards_on_disk())
        # Shards replay their WALs in parallel: the codec and numpy work release the GIL.
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
            shards = list(pool.map(lambda spec: self._open_shard(*spec), found))
        for shard in shards:
            self._shards[shard.id] = shard
        log.info("opened store", extra={"shards": len(shards)})

    def close(self) -> None:
        with self._lock:
            shards = list(self._shards.values())
            self._shards.clear()
        for shard in shards:
            shard.close()

    def _shards_on_disk(self):
        for database in sorted(_subdirs(self.data_dir) | _subdirs(self.wal_dir)):
            for policy in sorted(
                _subdirs(os.path.join(self.data_dir, database))
                | _subdirs(os.path.join(self.wal_dir, database))
            ):
                if policy == SERIES_FILE_DIRECTORY:
                    continue
                ids = _subdirs(os.path.join(self.data_dir, database, policy)) | _subdirs(
                    os.path.join(self.wal_dir, database, policy)
                )
                for name in sorted(ids):
                    if name.isdigit():
                        yield database, policy, int(name)

    def _open_shard(self, database: str, policy: str, shard_id: int) -> Shard:
        shard = Shard(
            shard_id,
            database,
            policy,
            os.path.join(self.data_dir, database, policy, str(shard_id)),
            os.path.join(self.wal_dir, database, policy, str(shard_id)),
            self.database_index(database).shard(shard_id),
            self.options,
        )
        shard.open()
        return shard

    # -- shards ------------------------------------------------------------------------------------------

    def database_index(self, database: str) -> DatabaseIndex:
        with self._lock:
            index = self._indexes.get(database)
            if index is None:
                index = self._indexes[database] = DatabaseIndex(database)
            return index

    def has_database_index(self, database: str) -> bool:
        return database in self._indexes

    def index_memory(self) -> int:
        """Bytes the in-memory series indexes hold in their series objects and keys (``SHOW STATS FOR
        'indexes'``): measured object by object, so an administrator's question, not a hot path."""
        with self._lock:
            indexes = list(self._indexes.values())
        return sum(sys.getsizeof(series) + sys.getsizeof(series.key)
                   for index in indexes for series in list(index.series_by_id.values()))

    def shard(self, shard_id: int) -> Shard | None:
        return self._shards.get(shard_id)

    def shards(self, shard_ids: list[int] | None = None) -> list[Shard]:
        if shard_ids is None:
            return list(self._shards.values())
        return [self._shards[i] for i in shard_ids if i in self._shards]

    def create_shard(self, database: str, policy: str, shard_id: int) -> Shard:
        """The shard ``shard_id``, created and opened if this node does not hold it yet."""
        with self._lock:
            shard = self._shards.get(shard_id)
            if shard is None:
                shard = self._open_shard(database, policy, shard_id)
                self._shards[shard_id] = shard
            return shard

    # -- deletes -----------------------------------------------------------------------------------------

    def delete_shard(self, shard_id: int) -> None:
        with self._lock:
            shard = self._shards.pop(shard_id, None)
        if shard is None:
            return
        shard.close()
        index = self._indexes.get(shard.database)
        if index is not None:
            index.remove_shard(shard_id)
        shutil.rmtree(shard.path, ignore_errors=True)
        shutil.rmtree(shard.wal_path, ignore_errors=True)

    def delete_retention_policy(self, database: str, policy: str) -> None:
        for shard in [s for s in self.shards() if s.database == database and s.retention_policy == policy]:
            self.delete_shard(shard.id)
        shutil.rmtree(os.path.join(self.data_dir, database, policy), ignore_errors=True)
        shutil.rmtree(os.path.join(self.wal_dir, database, policy), ignore_errors=True)

    def delete_database(self, database: str) -> None:
        for shard in [s for s in self.shards() if s.database == database]:
            self.delete_shard(shard.id)
        with self._lock:
            self._indexes.pop(database, None)
        shutil.rmtree(os.path.join(self.data_dir, database), ignore_errors=True)
        shutil.rmtree(os.path.join(self.wal_dir, database), ignore_errors=True)

    def delete_series(
        self, database: str, names: list[str] | None, condition: ast.Expr | None, tmin: int, tmax: int
    ) -> None:
        """Remove the points in [tmin, tmax] of the series of ``names`` (all measurements when None) that
        match the tag ``condition``, in every shard of ``database`` (``DELETE`` / ``DROP SERIES``).

        A series leaves a shard's share of the index once that shard holds no point of it, and the index
        once no shard holds it (influxd's inmem index). A condition on a field of a selected series is
        refused per shard; as influxd, the error names the shard, and every shard is still tried.
        """
        index = self._indexes.get(database)
        if index is None:
            return  # nothing was ever written to the database
        error: DeleteError | None = None
        for shard in sorted(self._database_shards(database), key=lambda s: s.id):
            try:
                for name in sorted(names if names is not None else index.measurement_names()):
                    ids, filtered = index.series_ids_for_delete(name, condition, shard.fields.fields(name))
                    if filtered:
                        raise DeleteError(FIELDS_IN_DELETE)
                    _delete_from_shard(shard, index, ids, tmin, tmax)
            except DeleteError as err:
                error = DeleteError(f"shard {shard.id}: {err}")
        if error is not None:
            raise error

    def delete_measurement(self, database: str, name: str) -> None:
        """``DROP MEASUREMENT``: every point and series of ``name``; each shard then forgets the
        measurement's fields unless it still holds a key starting with the (escaped) name, as influxd."""
        index = self._indexes.get(database)
        prefix = _escape_measurement(name).encode("utf-8", "surrogateescape")
        for shard in sorted(self._database_shards(database), key=lambda s: s.id):
            if index is not None:
                _delete_from_shard(shard, index, index.series_ids_by_expr(name, None), MIN_TIME, MAX_TIME)
            held = (*shard.cache.keys(), *shard.files.keys())
            if not any(key.startswith(prefix) for key in held):
                shard.fields.delete_measurement(name)
            shard.fields.save()  # fields.idx follows, as influxd saves after every DROP MEASUREMENT

    def _database_shards(self, database: str) -> list[Shard]:
        return [shard for shard in self.shards() if shard.database == database]

    def statistics(self) -> list[tuple[Shard, dict[str, int]]]:
        return [(shard, shard.statistics()) for shard in self.shards()]


def _delete_from_shard(shard: Shard, index: DatabaseIndex, ids: set[int], tmin: int, tmax: int) -> None:
    """Delete the points of series ``ids`` in [tmin, tmax] from ``shard``; drop those it no longer holds."""
    if not ids:
        return
    series = [index.series_by_id[i] for i in sorted(ids) if i in index.series_by_id]
    keys = [s.key.encode("utf-8", "surrogateescape") for s in series]
    shard.delete_series_range(keys, tmin, tmax)
    held = _series_keys_held(shard)
    emptied = [s.id for s, key in zip(series, keys, strict=True) if key not in held]
    index.drop_series_from_shard(shard.id, emptied)


def _series_keys_held(shard: Shard) -> set[bytes]:
    """The series keys ``shard`` still has points for (cache and TSM files)."""
    return shard.series_keys_held()


def _escape_measurement(name: str) -> str:
    """``models.EscapeMeasurement``: commas and spaces get a backslash."""
    return name.replace(",", "\\,").replace(" ", "\\ ")


def _subdirs(path: str) -> set[str]:
    try:
        return {entry.name for entry in os.scandir(path) if entry.is_dir()}
    except FileNotFoundError:
        return set()
