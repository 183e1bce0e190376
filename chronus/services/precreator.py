"""The shard precreation service (``[shard-precreation]``): creates the next shard groups ahead of time.

Every ``check-interval`` it asks the meta data to create, for each retention policy whose newest shard group
ends within ``advance-period`` from now, the group that follows, so the first writes of a new period find
their shards ready instead of waiting on a meta change (influxd's ``services/precreator``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from chronus.config.sections import PrecreatorConfig
from chronus.meta.client import MetaClient
from chronus.services.periodic import PeriodicService

log = logging.getLogger(__name__)


class PrecreatorService(PeriodicService):
    """Runs ``precreate()`` every ``config.check_interval`` on a thread between ``open`` and ``close``."""

    name = "shard-precreation"

    def __init__(
        self, config: PrecreatorConfig, meta: MetaClient, clock: Callable[[], int] = time.time_ns
    ) -> None:
        super().__init__(config.enabled, config.check_interval, log)
        self.config = config
        self.meta = meta
        self.clock = clock

    def open(self) -> None:
        super().open()
        if self.config.enabled:
            log.info("Starting precreation service", extra={"check_interval": self.config.check_interval,
                                                             "advance_period": self.config.advance_period})

    def run_once(self) -> None:
        self.precreate()

    def precreate(self) -> None:
        """Create the shard groups that start within ``advance-period`` of the clock's current time."""
        now = self.clock()
        self.meta.precreate_shard_groups(now, now + self.config.advance_period)
