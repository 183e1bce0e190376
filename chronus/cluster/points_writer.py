"""From a ``/write`` body to shards: influxd's ``coordinator.PointsWriter`` for this node.

The body is parsed once into a columnar batch; each point is mapped to the shard group covering its time
(created in the meta data when missing) and to the group's shard by FNV-1a of its series key; points older
than the retention policy are dropped. Each shard then writes its points (created locally on first use,
and written a second time on failure, as influxd retries once). Errors are worded and ranked as influxd's
handler words and ranks them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from chronus._ext.fnv import fnv64a_spans
from chronus.errors import WriteError
from chronus.meta.client import MetaClient
from chronus.meta.errors import MetaError
from chronus.models.points import PointBatch, parse
from chronus.tsdb.fields import FieldTypeConflictError, PartialWriteError
from chronus.tsdb.shard import EngineError, FieldSetSaveError
from chronus.tsdb.store import Store

CONSISTENCY_LEVELS = ("any", "one", "quorum", "all")
MIN_NANO_TIME = -(2**63) + 2


class PointsWriter:
    """Writes parsed points to the shards of this node."""

    def __init__(self, meta: MetaClient, store: Store, clock: Callable[[], int] = time.time_ns) -> None:
        self.meta = meta
        self.store = store
        self.clock = clock
        # (influxd's write statistic; subWriteOk/subWriteDrop count copies to subscriptions and writeTimeout
        # shard writes over write-timeout: neither happens in this writer, so they stay 0)
        counters = ("req", "pointReq", "pointReqLocal", "writeOk", "writeError", "writeDrop", "subWriteOk",
                    "subWriteDrop", "writeTimeout")
        self.stats = dict.fromkeys(counters, 0)

    def database_exists(self, name: str) -> bool:
        return self.meta.database(name) is not None

    def write_lines(
        self, database: str, retention_policy: str, consistency: str, body: bytes, precision: str
    ) -> int:
        """Parse and write a body: how many points it held; raises ``WriteError`` with influxd's status and
        text when refused (with ``points`` set once points were handed to the writer)."""
        batch = parse(body, precision, self.clock())
        if batch.errors and len(batch) == 0:
            raise WriteError(batch.error_text(), 400)
        if consistency and consistency.lower() not in CONSISTENCY_LEVELS:
            raise WriteError("invalid consistency level", 400)
        error = self.write_batch(database, retention_policy, batch)
        if error is None and batch.errors:
            error = WriteError(str(PartialWriteError(batch.error_text(), 0)), 400, dropped=0)
        if error is not None:
            error.points = len(batch)
            raise error
        return len(batch)

    def write_batch(self, database: str, retention_policy: str, batch: PointBatch) -> WriteError | None:
        """Write every point of ``batch``; the refusal (if any) to answer with, as influxd ranks them."""
        self.stats["req"] += 1
        self.stats["pointReq"] += len(batch)
        try:
            if not retention_policy:
                db = self.meta.database(database)
                if db is None:
                    return WriteError(f"database not found: {database}", 500)
                retention_policy = db.default_retention_policy
            if len(batch) == 0:  # nothing to map, but influxd still looks the policy up
                if self.meta.retention_policy(database, retention_policy) is None:
                    raise MetaError(f"retention policy not found: {retention_policy}")
                return None
            mapping = self._map_shards(database, retention_policy, batch)
        except MetaError as err:
            return WriteError(str(err), 500)
        shard_of_point, dropped, shards = mapping
        error: WriteError | None = None
        if dropped:
            self.stats["writeDrop"] += dropped
            reason = "points beyond retention policy"
            error = WriteError(str(PartialWriteError(reason, dropped)), 400, dropped)
        # influxd writes every shard (at once) and answers the first failure: a shard refusing its points
        # does not keep the others' out
        first_failure: WriteError | None = None
        for position, shard_id in enumerate(shards):
            failure = self._write_to_shard(
                database, retention_policy, shard_id, batch, shard_of_point == position
            )
            if first_failure is None:
                first_failure = failure
        return first_failure if first_failure is not None else error

    def _map_shards(
        self, database: str, retention_policy: str, batch: PointBatch
    ) -> tuple[np.ndarray, int, list[int]]:
        """Per point the position of its shard in the returned shard ids (-1: beyond retention)."""
        rp = self.meta.retention_policy(database, retention_policy)
        if rp is None:
            raise MetaError(f"retention policy not found: {retention_policy}")
        times = batch.point_time
        oldest = self.clock() - rp.duration if rp.duration > 0 else MIN_NANO_TIME
        in_retention = times >= oldest
        shard_of_point = np.full(len(batch), -1, dtype=np.int64)
        shard_ids: list[int] = []
        hashes = fnv64a_spans(batch.series_keys, batch.series_offsets)[batch.point_series]
        # One meta look-up (or creation) per shard group, not per point: take the first point (in the body's
        # order, as influxd's MapShards does, so that new groups get their ids in that order) not yet
        # covered, get its group, assign every point the group covers, repeat.
        pending = np.flatnonzero(in_retention)
        while len(pending):
            group = self.meta.create_shard_group(database, retention_policy, int(times[pending[0]]))
            end = group.truncated_at or group.end_time
            pending_times = times[pending]
            covered = (pending_times >= group.start_time) & (pending_times < end)
            if not covered.any():
                break  # the meta data answered a group that does not cover the point: leave it dropped
            members = pending[covered]
            pending = pending[~covered]
            shard_index = (hashes[members] % np.uint64(len(group.shards))).astype(np.int64)
            for k, shard in enumerate(group.shards):
                chosen = members[shard_index == k]
                if len(chosen):
                    shard_of_point[chosen] = len(shard_ids)
                    shard_ids.append(shard.id)
        dropped = int((shard_of_point < 0).sum())
        return shard_of_point, dropped, shard_ids

    def _write_to_shard(
        self, database: str, retention_policy: str, shard_id: int, batch: PointBatch, points: np.ndarray
    ) -> WriteError | None:
        self.stats["pointReqLocal"] += int(points.sum())
        last: Exception | None = None
        # influxd tries a shard write twice, but a shard it first has to create costs the first try.
        attempts = 2 if self.store.shard(shard_id) is not None else 1
        for _attempt in range(attempts):
            shard = self.store.create_shard(database, retention_policy, shard_id)
            try:
                partial = shard.write(batch, points)
            except FieldTypeConflictError as err:
                last = err
                continue
            except EngineError as err:
                last = WriteError(f"engine: {err}", 500)
                continue
            except FieldSetSaveError as err:
                last = WriteError(str(err), 500)
                continue
            if partial is not None:
                self.stats["writeError"] += 1
                return WriteError(str(partial), 400, partial.dropped)
            self.stats["writeOk"] += 1
            return None
        self.stats["writeError"] += 1
        if isinstance(last, WriteError):
            return last
        return WriteError(str(last), 400)
