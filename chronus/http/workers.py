"""The threads the HTTP handlers hand their slow work to (queries, writes, password checks).

A small query's answer takes a trip there and back; with ``concurrent.futures`` each trip builds a Future,
a lock, a condition and an asyncio wrapper chained to it (about 0.2 ms a trip here, half of it on the event
loop). These threads take work from one C queue and hand each result straight to the waiting asyncio
future, in about half the time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

_STOP = None
log = logging.getLogger("chronus.http")


class Workers:
    """Up to ``max_workers`` threads, started as work arrives, that run calls in arrival order."""

    def __init__(self, max_workers: int, thread_name_prefix: str = "worker") -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._max = max_workers
        self._prefix = thread_name_prefix
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()
        self._closed = False

    def run(self, func: Callable[..., Any], *args: Any) -> asyncio.Future:
        """``func(*args)`` on a worker; the future (of the running loop) gets its result or exception."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._put((func, args, loop, future))
        return future

    def submit(self, func: Callable[..., Any], *args: Any) -> None:
        """``func(*args)`` on a worker, nobody waiting for it (an exception is logged)."""
        self._put((func, args, None, None))

    def shutdown(self, wait: bool = True) -> None:
        """Let the threads finish what is queued, then stop them; no work is taken after this."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(_STOP)
        if wait:
            for thread in threads:
                thread.join()

    def _put(self, item: tuple) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new work after shutdown")
            if self._idle == 0 and len(self._threads) < self._max:
                thread = threading.Thread(target=self._work, name=f"{self._prefix}_{len(self._threads)}",
                                          daemon=True)
                self._threads.append(thread)
                thread.start()
            else:
                self._idle -= 1 if self._idle else 0
            self._queue.put(item)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            func, args, loop, future = item
            try:
                result, error = func(*args), None
            except BaseException as err:  # handed to the waiting coroutine, as an executor does
                result, error = None, err
                if future is None:
                    log.error("background work failed: %s: %s", type(err).__name__, err)
            with self._lock:  # idle before the waiter resumes: its next call finds this thread free
                self._idle += 1
            if future is not None:
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
                    loop.call_soon_threadsafe(_settle, future, result, error)
            del item, func, args, loop, future, result, error  # keep nothing alive while idle


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)
