"""The retention service (``[retention]``): enforces retention-policy durations, as influxd's does.

Every ``check-interval`` it marks the shard groups whose end lies more than the policy's duration in the
past as deleted in the meta data (a soft delete: ``DeletedAt`` is set), removes the local shards of every
group marked deleted (also those a previous pass or another node marked but did not remove), and prunes
groups deleted long ago from the meta data. A failed step is logged and retried on the next pass.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from chronus.config.sections import RetentionConfig
from chronus.meta.client import MetaClient
from chronus.services.periodic import PeriodicService
from chronus.tsdb.store import Store

log = logging.getLogger(__name__)


@dataclass
class RetentionPass:
    """What one check did: the groups newly marked deleted and the local shards removed."""

    deleted_groups: list[tuple[str, str, int]] = field(default_factory=list)
    deleted_shards: list[int] = field(default_factory=list)
    retry_needed: bool = False


class RetentionService(PeriodicService):
    """Runs ``check()`` every ``config.check_interval`` on a thread between ``open`` and ``close``."""

    name = "retention"

    def __init__(
        self,
        config: RetentionConfig,
        meta: MetaClient,
        store: Store,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        super().__init__(config.enabled, config.check_interval, log)
        self.config = config
        self.meta = meta
        self.store = store
        self.clock = clock

    def open(self) -> None:
        super().open()
        if self.config.enabled:
            log.info("Starting retention policy enforcement service",
                     extra={"check_interval": self.config.check_interval})

    def run_once(self) -> None:
        self.check()

    def check(self) -> RetentionPass:
        """One deletion pass at the clock's current time."""
        result = RetentionPass()
        doomed = self._expire_groups(self.clock(), result)
        self._delete_local_shards(doomed, result)
        try:
            self.meta.prune_shard_groups()
        except Exception as err:
            log.info("Problem pruning shard groups", extra={"error": str(err)})
            result.retry_needed = True
        return result

    def _expire_groups(self, now: int, result: RetentionPass) -> dict[int, tuple[str, str]]:
        """Mark expired groups deleted; the shards of every deleted group, with their database and policy."""
        doomed: dict[int, tuple[str, str]] = {}
        for db in self.meta.databases():
            for rp in db.retention_policies:
                for group in rp.deleted_shard_groups():
                    doomed.update(dict.fromkeys((shard.id for shard in group.shards), (db.name, rp.name)))
                for group in rp.expired_shard_groups(now):
                    where = {"db": db.name, "rp": rp.name, "shard_group": group.id}
                    try:
                        self.meta.delete_shard_group(db.name, rp.name, group.id)
                    except Exception as err:
                        log.info("Failed to delete shard group", extra={**where, "error": str(err)})
                        result.retry_needed = True
                        continue
                    log.info("Deleted shard group", extra=where)
                    result.deleted_groups.append((db.name, rp.name, group.id))
                    doomed.update(dict.fromkeys((shard.id for shard in group.shards), (db.name, rp.name)))
        return doomed

    def _delete_local_shards(self, doomed: dict[int, tuple[str, str]], result: RetentionPass) -> None:
        for shard in sorted(self.store.shards(), key=lambda s: s.id):
            if shard.id not in doomed:
                continue
            database, policy = doomed[shard.id]
            where = {"db": database, "rp": policy, "shard": shard.id}
            try:
                self.store.delete_shard(shard.id)
            except Exception as err:
                log.info("Failed to delete shard", extra={**where, "error": str(err)})
                result.retry_needed = True
                continue
            log.info("Deleted shard", extra=where)
            result.deleted_shards.append(shard.id)
