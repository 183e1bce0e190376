"""``[http]`` limits on connections and writes, as influxd enforces them.

``max-connection-limit``: influxd wraps its listener so that a connection accepted beyond the limit is closed
at once (a plain TCP close, before any TLS handshake or answer); a slot is free again when a connection
closes, idle keep-alive connections included.

``max-concurrent-write-limit`` / ``max-enqueued-write-limit`` / ``enqueued-write-timeout``: influxd's write
throttler. It admits a ``/write`` once its headers are read, before the body, so a slowly sent body holds
its slot. With a concurrency limit of 0 nothing is throttled. A positive enqueued limit caps the writes
running plus waiting at ``concurrent + enqueued`` (beyond: 503 ``request throttled, queue full`` at once);
a waiting write gives up after the timeout counted from its arrival (503 ``request throttled, exceeds
timeout``); a timeout of 0 waits for ever. Waiting writes are admitted in arrival order.

Everything here runs on the IOLoop thread, so plain counters need no lock.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any

import tornado.httpserver
import tornado.iostream

QUEUE_FULL = "request throttled, queue full"
EXCEEDS_TIMEOUT = "request throttled, exceeds timeout"


class Throttled(Exception):
    """A write refused by the throttler: a 503 with ``str()`` as Go's ``http.Error`` text."""


class WriteSlot:
    """One admitted write; ``release()`` (idempotent) hands the slot on when the request ends."""

    def __init__(self, throttler: WriteThrottler) -> None:
        self._throttler: WriteThrottler | None = throttler

    def release(self) -> None:
        throttler, self._throttler = self._throttler, None
        if throttler is not None:
            throttler._release()


class WriteThrottler:
    """Admits at most ``concurrent`` writes at a time and keeps the rest waiting, within limits."""

    def __init__(self, concurrent: int, enqueued: int, timeout_s: float) -> None:
        self.concurrent = max(concurrent, 0)
        self.enqueued = max(enqueued, 0)
        self.timeout_s = timeout_s
        self.running = 0
        self.in_system = 0  # running + waiting, counted only when the queue is capped
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def enabled(self) -> bool:
        return self.concurrent > 0

    async def admit(self) -> WriteSlot | None:
        """Wait for a slot (None when throttling is off); raise ``Throttled`` when refused."""
        if not self.enabled:
            return None
        capped = self.enqueued > 0
        if capped:
            if self.in_system >= self.concurrent + self.enqueued:
                raise Throttled(QUEUE_FULL)
            self.in_system += 1
        try:
            if self.running < self.concurrent:
                self.running += 1
            else:
                await self._wait()
        except BaseException:
            if capped:
                self.in_system -= 1
            raise
        return WriteSlot(self)

    async def _wait(self) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            if self.timeout_s > 0:
                await asyncio.wait_for(asyncio.shield(waiter), self.timeout_s)
            else:
                await waiter
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():
                return  # the slot arrived together with the deadline: take it
            waiter.cancel()
            raise Throttled(EXCEEDS_TIMEOUT) from None
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._hand_on()  # given a slot nobody will use
            else:
                waiter.cancel()
            raise

    def _release(self) -> None:
        if self.enqueued > 0:
            self.in_system -= 1
        self._hand_on()

    def _hand_on(self) -> None:
        """The slot of a finished write goes to the longest waiting one, or back to the pool."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.running -= 1


class LimitedHTTPServer(tornado.httpserver.HTTPServer):
    """Tornado's HTTP server with influxd's ``max-connection-limit`` (0: no limit)."""

    def initialize(self, *args: Any, max_connections: int = 0, **kwargs: Any) -> None:  # type: ignore[override]
        super().initialize(*args, **kwargs)
        self.max_connections = max_connections
        # influxd's Go server never times out an idle keep-alive connection (Tornado closes one after an
        # hour by default, and arms a timer for every request's headers to do it)
        self.conn_params.header_timeout = None

    def handle_stream(self, stream: tornado.iostream.IOStream, address: tuple) -> None:
        # ``_connections`` holds every connection Tornado still serves, idle keep-alive ones included.
        if self.max_connections > 0 and len(self._connections) >= self.max_connections:
            stream.close()
            return
        super().handle_stream(stream, address)
