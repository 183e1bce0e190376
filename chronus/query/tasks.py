"""Running queries, as influxd's ``query.TaskManager`` tracks them: SHOW QUERIES, KILL QUERY and the limits.

Every query a client sends (all its statements together) is attached as one ``QueryTask`` with the next
query id (ids start at 1 and are never reused while the server runs), its text as the *parsed* query prints
(statements joined by ``;\\n``, before normalisation) and the request's database. It is detached when its
results are finished (or abandoned).

Nothing here stops a thread: a task is *interrupted* by setting a flag and an error, and the SELECT
pipeline calls ``check()`` at safe points (between shards, series and result chunks), which raises the
task's ``QueryError``. The errors are influxd's:

- KILL QUERY: ``query interrupted`` (and the task shows ``killed`` until it detaches; a second KILL says
  ``already killed``; an unknown id ``no such query id: N``);
- ``[coordinator] query-timeout``: ``query-timeout limit exceeded``;
- the client closing its connection: ``query interrupted`` (nobody reads it);
- ``max-select-point``: influxd checks the points a SELECT has read once a second (its point-limit
  monitor), so a query answered within the first second is never refused; the error keeps influxd's
  spelling, ``max-select-point limit exceeed: (N/LIMIT)``;
- ``max-concurrent-queries``: refused before the query starts, ``max-concurrent-queries limit
  exceeded(N, LIMIT)``.

One daemon thread (the watchdog) runs the timed work of every task: timeouts, the point-limit ticks and the
``log-queries-after`` slow-query warning.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from chronus.influxql.quoting import go_duration_string
from chronus.query.executor import QueryError
from chronus.query.result import Row

log = logging.getLogger("chronus.query")

QUERY_INTERRUPTED = "query interrupted"
QUERY_TIMEOUT = "query-timeout limit exceeded"
ALREADY_KILLED = "already killed"
ENGINE_SHUTDOWN = "query engine shutdown"
# influxd's DefaultStatsInterval: how often the point limit is looked at (1 s). A query that finishes between
# two looks is never refused, so whether a big SELECT is refused depends on how fast the server is; tests set
# CHRONUS_POINT_LIMIT_INTERVAL (seconds) to look sooner and make the outcome independent of speed.
POINT_LIMIT_INTERVAL_S = float(os.environ.get("CHRONUS_POINT_LIMIT_INTERVAL", "1.0"))

SHOW_QUERIES_COLUMNS = ["qid", "query", "database", "duration", "status"]

_SECOND, _MILLISECOND, _MICROSECOND = 1_000_000_000, 1_000_000, 1_000


def no_such_query(qid: int) -> str:
    return f"no such query id: {qid}"


def max_concurrent_queries_exceeded(running: int, limit: int) -> str:
    return f"max-concurrent-queries limit exceeded({running}, {limit})"


def max_select_point_exceeded(points: int, limit: int) -> str:
    return f"max-select-point limit exceeed: ({points}/{limit})"  # sic: influxd's spelling


def shown_duration(ns: int) -> str:
    """SHOW QUERIES' duration: truncated to whole seconds, milliseconds or microseconds, Go-formatted."""
    for unit in (_SECOND, _MILLISECOND, _MICROSECOND):
        if ns >= unit:
            ns -= ns % unit
            break
    return go_duration_string(ns)


@dataclass(frozen=True)
class SelectLimits:
    """``[coordinator] max-select-point / max-select-series / max-select-buckets`` (0: no limit)."""

    max_select_point: int = 0
    max_select_series: int = 0
    max_select_buckets: int = 0


NO_LIMITS = SelectLimits()


class QueryTask:
    """One running query: what SHOW QUERIES lists and the interruption flag the pipeline checks."""

    def __init__(self, qid: int, query: str, database: str, started_ns: int) -> None:
        self.qid = qid
        self.query = query
        self.database = database
        self.started_ns = started_ns
        self.killed = False
        self.error: str | None = None
        self.points = 0  # points read by the current SELECT (the point-limit monitor's counter)
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._abort: threading.Event | None = None
        self.manager: QueryManager | None = None

    @property
    def status(self) -> str:
        return "killed" if self.interrupted else "running"  # a client gone counts as a kill, as in influxd

    def watch(self, abort: threading.Event | None) -> None:
        """Also stop when ``abort`` is set (the HTTP handler sets it when its client goes away)."""
        self._abort = abort

    def kill(self) -> None:
        """KILL QUERY: interrupt, or QueryError ``already killed``."""
        with self._lock:
            if self.killed:
                raise QueryError(ALREADY_KILLED)
            self.killed = True
            self._closing.set()

    def interrupt(self, error: str) -> None:
        """Stop the query with ``error`` (first error wins; a killed task keeps its reason)."""
        with self._lock:
            if self.killed:
                return
            self.error = error
            self.killed = True
            self._closing.set()

    @property
    def interrupted(self) -> bool:
        if self._closing.is_set():
            return True
        if self._abort is not None and self._abort.is_set():
            self.interrupt(QUERY_INTERRUPTED)
            return True
        return False

    def check(self) -> None:
        """Raise the task's QueryError when it has been interrupted; called at the pipeline's safe points."""
        if self.interrupted:
            raise QueryError(self.error or QUERY_INTERRUPTED)

    @property
    def limits(self) -> SelectLimits:
        return self.manager.limits if self.manager is not None else NO_LIMITS

    def monitor_points(self, limit: int) -> Callable[[], None]:
        """Start a SELECT's point-limit monitor (nothing without a limit or a manager); returns its stop."""
        self.points = 0
        if limit <= 0 or self.manager is None:
            return _nothing
        return self.manager.monitor_points(self, limit)

    def count_points(self, n: int) -> None:
        """Points read from storage by the running SELECT (looked at by the point-limit monitor)."""
        self.points += n


def _nothing() -> None:
    return None


def detached_task() -> QueryTask:
    """A task no manager tracks (statements run outside a query: tests, continuous queries)."""
    return QueryTask(0, "", "", 0)


@dataclass(order=True)
class _Timer:
    when: float
    seq: int
    action: Callable[[], float | None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class _Watchdog:
    """One thread running timed actions; an action may return a delay to run again after it."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._heap: list[_Timer] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def schedule(self, delay_s: float, action: Callable[[], float | None]) -> _Timer:
        timer = _Timer(self.clock() + delay_s, next(self._seq), action)
        with self._cond:
            if self._closed:
                return timer
            heapq.heappush(self._heap, timer)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="query-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()
        return timer

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (not self._heap or self._heap[0].when > self.clock()):
                    if self._heap and self._heap[0].cancelled:
                        heapq.heappop(self._heap)
                        continue
                    timeout = None if not self._heap else max(0.0, self._heap[0].when - self.clock())
                    self._cond.wait(timeout)
                if self._closed:
                    return
                timer = heapq.heappop(self._heap)
            if timer.cancelled:
                continue
            try:
                again = timer.action()
            except Exception:  # a broken action must not stop every other query's timers
                log.exception("query watchdog action failed")
                continue
            if again is not None and not timer.cancelled:
                timer.when = self.clock() + again
                with self._cond:
                    if not self._closed:
                        heapq.heappush(self._heap, timer)


class QueryManager:
    """The node's running queries (influxd's TaskManager): ids, SHOW QUERIES, KILL QUERY, limits."""

    def __init__(self, query_timeout_ns: int = 0, log_queries_after_ns: int = 0,
                 max_concurrent_queries: int = 0, limits: SelectLimits = NO_LIMITS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.query_timeout_ns = query_timeout_ns
        self.log_queries_after_ns = log_queries_after_ns
        self.max_concurrent_queries = max_concurrent_queries
        self.clock = clock
        self._queries: dict[int, QueryTask] = {}
        self._timers: dict[int, list[_Timer]] = {}
        self._executed = self._finished = self._duration_ns = 0  # influxd's queryExecutor statistics
        self._next_id = 1
        self._lock = threading.Lock()
        self._shutdown = False
        self._watchdog = _Watchdog(clock)

    def _now_ns(self) -> int:
        return int(self.clock() * 1e9)

    def attach(self, query: str, database: str, abort: threading.Event | None = None) -> QueryTask:
        """Register a query about to run; QueryError when the engine is shut or too many queries run."""
        with self._lock:
            if self._shutdown:
                raise QueryError(ENGINE_SHUTDOWN)
            running = len(self._queries)
            if self.max_concurrent_queries > 0 and running >= self.max_concurrent_queries:
                raise QueryError(max_concurrent_queries_exceeded(running, self.max_concurrent_queries))
            task = QueryTask(self._next_id, query, database, self._now_ns())
            task.manager = self
            self._next_id += 1
            self._queries[task.qid] = task
            self._executed += 1
        task.watch(abort)
        timers = []
        if self.query_timeout_ns:
            timers.append(self._watchdog.schedule(self.query_timeout_ns / 1e9,
                                                  lambda: task.interrupt(QUERY_TIMEOUT)))
        if self.log_queries_after_ns:
            threshold = go_duration_string(self.log_queries_after_ns)

            def warn() -> None:
                log.warning(f"Detected slow query: {task.query} (qid: {task.qid}, database: {task.database}, "
                            f"threshold: {threshold})")
            timers.append(self._watchdog.schedule(self.log_queries_after_ns / 1e9, warn))
        if timers:
            with self._lock:
                self._timers[task.qid] = timers
        return task

    def detach(self, task: QueryTask) -> None:
        """The query is over: forget it (a later KILL QUERY of its id says ``no such query id``)."""
        with self._lock:
            if self._queries.pop(task.qid, None) is not None:
                self._finished += 1
                self._duration_ns += self._now_ns() - task.started_ns
            timers = self._timers.pop(task.qid, [])
        for timer in timers:
            timer.cancel()
        task.interrupt(QUERY_INTERRUPTED)  # anything still reading for it stops

    def statistics(self) -> dict[str, int]:
        """influxd's ``queryExecutor`` statistic: queries running, started and ended, their total time."""
        with self._lock:
            return {"queriesActive": len(self._queries), "queriesExecuted": self._executed,
                    "queriesFinished": self._finished, "queryDurationNs": self._duration_ns,
                    "recoveredPanics": 0}

    def kill(self, qid: int) -> None:
        """KILL QUERY ``qid``."""
        with self._lock:
            task = self._queries.get(qid)
        if task is None:
            raise QueryError(no_such_query(qid))
        task.kill()

    def monitor_points(self, task: QueryTask, limit: int) -> Callable[[], None]:
        """Start the point-limit monitor of one SELECT; returns the function that stops it."""
        task.points = 0
        if limit <= 0:
            return _nothing

        def tick() -> float | None:
            points = task.points
            if points >= limit:
                task.interrupt(max_select_point_exceeded(points, limit))
                return None
            return POINT_LIMIT_INTERVAL_S
        timer = self._watchdog.schedule(POINT_LIMIT_INTERVAL_S, tick)
        return timer.cancel

    def running(self) -> list[QueryTask]:
        with self._lock:
            return [self._queries[qid] for qid in sorted(self._queries)]

    def show_queries(self) -> Row:
        """SHOW QUERIES' one row (influxd lists them in Go map order, that is any order; here by id)."""
        now = self._now_ns()
        values = [[task.qid, task.query, task.database, shown_duration(max(0, now - task.started_ns)),
                   task.status] for task in self.running()]
        return Row(columns=list(SHOW_QUERIES_COLUMNS), values=values)

    def close(self) -> None:
        """Interrupt every running query and refuse new ones (server shutdown)."""
        with self._lock:
            self._shutdown = True
            tasks = list(self._queries.values())
            self._queries.clear()
            self._timers.clear()
        for task in tasks:
            task.interrupt(ENGINE_SHUTDOWN)
        self._watchdog.close()
