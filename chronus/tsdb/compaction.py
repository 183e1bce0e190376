"""A shard's background TSM compactions, run as influxd 1.6.7's engine runs them (``tsm1/engine.go``).

Every second the loop asks the planner (``tsm/planner.py``) for level 1, 2 and 3 groups, a level-4 (full)
plan or else an optimize plan; the scheduler picks one level (queue depth times a per-level weight) and, if a
store-wide slot is free (``[data] max-concurrent-compactions``; 0 means half the cores, at least one, never
more than the cores), starts that group's compaction in its own thread. Plans not started are released, so the
next tick plans them again. Level 3 compactions are *fast* (blocks that overlap nothing are copied as they
are), the others re-pack blocks. Compactions write through a store-wide rate limiter (48 MB/s with a 48 MB
burst in 1.6.7; the ``INFLUXDB_DATA_COMPACTION_THROUGHPUT`` environment variable, set to anything, lifts it).

A compaction never blocks writes or queries: it reads the open files through their readers and swaps its
output in with ``FileStore.replace``. A delete pauses compactions (``paused()``): running ones are aborted
and new ones wait, as influxd disables level compactions while it writes tombstones, so a compaction never
drops a tombstone added after it read its files. Closing stops the loop and aborts running compactions.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from chronus.tsdb.tsm.compact import Compactor, RateLimiter
from chronus.tsdb.tsm.filestore import FileStore
from chronus.tsdb.tsm.planner import DefaultPlanner, Group, choose_level

log = logging.getLogger(__name__)

#: influxd 1.6.7's fixed compaction throughput and burst (``tsdb/store.go``)
DEFAULT_COMPACT_THROUGHPUT = 48 * 1024 * 1024
DEFAULT_COMPACT_THROUGHPUT_BURST = 48 * 1024 * 1024
THROUGHPUT_ENV = "INFLUXDB_DATA_COMPACTION_THROUGHPUT"


def compaction_concurrency(configured: int, cores: int | None = None) -> int:
    """``max-concurrent-compactions`` as influxd applies it: 0 is half the cores (at least 1); never more
    than the cores."""
    cores = cores or os.cpu_count() or 1
    limit = configured if configured > 0 else max(cores // 2, 1)
    return min(limit, cores)


@dataclass
class CompactionLimits:
    """What the compactions of all shards of a store share: the concurrency slots and the write rate."""

    max_concurrent: int
    limiter: RateLimiter | None
    _slots: threading.Semaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._slots = threading.Semaphore(self.max_concurrent)

    @classmethod
    def create(cls, max_concurrent_compactions: int = 0, throughput: int = DEFAULT_COMPACT_THROUGHPUT,
               burst: int = DEFAULT_COMPACT_THROUGHPUT_BURST) -> CompactionLimits:
        """The limits for ``[data]`` settings; the throughput limit is off when ``throughput`` is 0 or the
        environment variable influxd checks is set."""
        limited = throughput > 0 and not os.environ.get(THROUGHPUT_ENV)
        return cls(compaction_concurrency(max_concurrent_compactions),
                   RateLimiter(throughput, burst or throughput) if limited else None)

    def try_take(self) -> bool:
        return self._slots.acquire(blocking=False)

    def release(self) -> None:
        self._slots.release()


class ShardCompactions:
    """The compaction loop of one shard's ``FileStore``."""

    def __init__(
        self,
        name: str,
        files: FileStore,
        limits: CompactionLimits,
        *,
        full_write_cold_duration_s: float = 4 * 3600.0,
        max_points_per_block: int = 1000,
        check_interval_s: float = 1.0,
    ) -> None:
        self.name = name
        self.files = files
        self.limits = limits
        self.planner = DefaultPlanner(full_write_cold_duration_s)
        self.max_points_per_block = max_points_per_block
        self.check_interval = check_interval_s
        self._cond = threading.Condition()
        self._running = [0, 0, 0, 0]  # per level 1..4
        self._workers: set[threading.Thread] = set()
        self._paused = 0
        self._abort = threading.Event()  # set: running compactions stop and remove their output
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # per level 1..4 (4: full or optimize, both counted as full, as influxd 1.6.7 does): compactions
        # finished, failed, their wall time, and the groups the last plan queued
        self.stats = {"completed": [0, 0, 0, 0], "errors": [0, 0, 0, 0], "duration_ns": [0, 0, 0, 0],
                      "queued": [0, 0, 0, 0]}

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._abort.clear()
        self._thread = threading.Thread(target=self._loop, name=f"compact {self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the loop and abort running compactions; returns once none runs."""
        self._stop.set()
        self._abort.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._cond:
            workers = list(self._workers)
        for worker in workers:
            worker.join()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """No compaction runs inside: running ones are aborted and waited for, new ones do not start."""
        with self._cond:
            self._paused += 1
            self._abort.set()
            while sum(self._running):
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._paused -= 1
                if not self._paused and not self._stop.is_set():
                    self._abort.clear()

    def running(self) -> int:
        with self._cond:
            return sum(self._running)

    def statistics(self) -> dict[str, int]:
        """The compaction part of influxd's ``tsm1_engine`` values. influxd 1.6.7 counts an optimize
        compaction as a full one, and reports the level-4 plan's length as the optimize queue."""
        stats = self.stats
        with self._cond:
            running = list(self._running)
        out: dict[str, int] = {}
        for level in (1, 2, 3):
            prefix = f"tsmLevel{level}Compaction"
            out[prefix + "s"] = stats["completed"][level - 1]
            out[prefix + "sActive"] = running[level - 1]
            out[prefix + "Err"] = stats["errors"][level - 1]
            out[prefix + "Duration"] = stats["duration_ns"][level - 1]
            out[prefix + "Queue"] = stats["queued"][level - 1]
        full = {"s": stats["completed"][3], "sActive": running[3], "Err": stats["errors"][3],
                "Duration": stats["duration_ns"][3], "Queue": 0}
        optimize = {"s": 0, "sActive": 0, "Err": 0, "Duration": 0, "Queue": stats["queued"][3]}
        for kind, values in (("Optimize", optimize), ("Full", full)):
            for suffix, value in values.items():
                out[f"tsm{kind}Compaction{suffix}"] = value
        return out

    # -- planning ----------------------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.wait(self.check_interval):
            try:
                self.tick()
            except Exception as err:  # keep the loop alive; the next tick plans again
                log.info("Error planning compactions", extra={"shard": self.name, "error": str(err)})

    def plans(self) -> list[list[Group]]:
        """The groups planned per level 1..4 (acquired: release those not started)."""
        infos = self.files.file_infos()
        plans = [self.planner.plan_level(infos, level) for level in (1, 2, 3)]
        full = self.planner.plan(infos, self.files.last_modified())
        if not full:
            full = self.planner.plan_optimize(infos)
        plans.append(full)
        return plans

    def tick(self, wait: bool = False) -> int | None:
        """One round of the loop: plan, start at most one compaction; returns its level (or None).

        ``wait`` runs the compaction in this thread (tests and tools).
        """
        with self._cond:
            if self._paused or self._stop.is_set():
                return None
            running = list(self._running)
        plans = self.plans()
        self.stats["queued"] = [len(p) for p in plans]
        level = choose_level([len(p) for p in plans], running, self.limits.max_concurrent)
        started = None
        if level is not None and self.limits.try_take():
            group = plans[level - 1].pop(0)
            if self._begin(level):
                started = level
                if wait:
                    self._compact(level, group)
                else:
                    worker = threading.Thread(target=self._compact, args=(level, group),
                                              name=f"compact {self.name} L{level}", daemon=True)
                    with self._cond:
                        self._workers.add(worker)
                    worker.start()
            else:
                self.limits.release()
                self.planner.release([group])
        for groups in plans:
            self.planner.release(groups)
        return started

    def _begin(self, level: int) -> bool:
        with self._cond:
            if self._paused or self._stop.is_set():
                return False
            self._running[level - 1] += 1
            return True

    # -- compacting --------------------------------------------------------------------------------------

    def _compact(self, level: int, group: Group) -> None:
        started = time.monotonic()
        started_ns = time.perf_counter_ns()
        written: list[str] = []
        try:
            readers = [self.files.reader(path) for path in group]
            if any(r is None for r in readers):
                missing = [p for p, r in zip(group, readers, strict=True) if r is None]
                raise RuntimeError(f"bad plan: {missing}")
            compactor = Compactor(self.files.path, self.max_points_per_block, limiter=self.limits.limiter,
                                  stop=self._abort)
            written = compactor.compact(readers, fast=level == 3)  # type: ignore[arg-type]
            with self._cond:
                if self._abort.is_set():
                    raise _Aborted()
                self.files.replace(group, written)
                written = []
            self.stats["completed"][level - 1] += 1
            log.info("Finished compacting files", extra={
                "shard": self.name, "level": level, "files": len(group),
                "seconds": round(time.monotonic() - started, 3)})
        except Exception as err:  # logged; the files are planned again
            for path in written:
                with contextlib.suppress(OSError):
                    os.remove(path)
            if not self._abort.is_set():
                self.stats["errors"][level - 1] += 1
                log.info("Error compacting TSM files", extra={"shard": self.name, "error": str(err)})
        finally:
            self.stats["duration_ns"][level - 1] += time.perf_counter_ns() - started_ns
            self.planner.release([group])
            self.limits.release()
            with self._cond:
                self._running[level - 1] -= 1
                self._workers.discard(threading.current_thread())
                self._cond.notify_all()


class _Aborted(Exception):
    pass
