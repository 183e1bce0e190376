"""Request ids: version-1 UUIDs as influxd's handler gives each request, made without ``uuid.uuid1``.

``uuid.uuid1`` asks libuuid for every id (about 18 us here, a sizeable part of a small query's time on the
event loop); these ids take the same layout from the clock, a clock sequence and a random node drawn once.
"""

from __future__ import annotations

import os
import threading
import time

_GREGORIAN_OFFSET = 0x01B21DD213814000  # 100 ns intervals from 1582-10-15 to 1970-01-01


class RequestIds:
    """Version-1 UUID strings, each one's time later than the one before (the clock going back included)."""

    def __init__(self) -> None:
        seed = int.from_bytes(os.urandom(8), "big")
        self._node = (seed & 0xFFFFFFFFFFFF) | 0x010000000000  # multicast bit: not a real MAC (RFC 4122 4.5)
        self._clock_seq = ((seed >> 48) & 0x3FFF) | 0x8000  # the RFC 4122 variant bits
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        stamp = time.time_ns() // 100 + _GREGORIAN_OFFSET
        with self._lock:
            if stamp <= self._last:
                stamp = self._last + 1
            self._last = stamp
        time_hi = 0x1000 | (stamp >> 48) & 0x0FFF  # the version nibble: 1
        return (f"{stamp & 0xFFFFFFFF:08x}-{(stamp >> 32) & 0xFFFF:04x}-{time_hi:04x}-"
                f"{self._clock_seq:04x}-{self._node:012x}")


request_ids = RequestIds()
