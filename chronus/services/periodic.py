"""A service that runs one pass every interval on a thread of its own, between ``open()`` and ``close()``."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod


class PeriodicService(ABC):
    """Subclasses set ``name`` and implement ``run_once()``; the first pass runs one interval after open,
    as influxd's tickers do, and a failing pass is logged and retried on the next interval."""

    name = "periodic"

    def __init__(self, enabled: bool, interval_ns: int, log: logging.Logger) -> None:
        self._enabled = enabled
        self._interval_s = interval_ns / 1e9
        self._log = log
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def open(self) -> None:
        if not self._enabled or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.run_once()
            except Exception:
                self._log.exception(f"{self.name} pass failed")

    @abstractmethod
    def run_once(self) -> None:
        """One pass of the service's work."""
