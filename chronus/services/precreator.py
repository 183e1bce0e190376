"""The shard precreation service (``[shard-precreation]``): creates the next shard groups ahead of time.

Every ``check-interval`` it asks the meta data to create, for each retention policy whose newest shard group
ends within ``advance-period`` from now, the group that follows, so the first writes of a new period find
their shards ready instead of waiting on a meta change (influxd's ``services/precreator``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from chronus.config.sections import PrecreatorConfig
from chronus.meta.client import MetaClient

log = logging.getLogger(__name__)


class PrecreatorService:
    """Runs ``precreate()`` every ``config.check_interval`` on a thread between ``open`` and ``close``."""

    def __init__(
        self, config: PrecreatorConfig, meta: MetaClient, clock: Callable[[], int] = time.time_ns
    ) -> None:
        self.config = config
        self.meta = meta
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def open(self) -> None:
        if not self.config.enabled or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="shard-precreation", daemon=True)
        self._thread.start()
        log.info("Starting precreation service", extra={"check_interval": self.config.check_interval,
                                                         "advance_period": self.config.advance_period})

    def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join()
        log.info("Terminating precreation service")

    def _run(self) -> None:
        while not self._stop.wait(self.config.check_interval / 1e9):
            try:
                self.precreate()
            except Exception as err:  # logged and retried on the next interval, as influxd does
                log.info("Failed to precreate shards", extra={"error": str(err)})

    def precreate(self) -> None:
        """Create the shard groups that start within ``advance-period`` of the clock's current time."""
        now = self.clock()
        self.meta.precreate_shard_groups(now, now + self.config.advance_period)
