"""The shard precreation service against a real meta store: the next group appears ahead of time."""

from __future__ import annotations

from chronus.config.sections import PrecreatorConfig
from chronus.services.precreator import PrecreatorService
from tests.unit.services.conftest import DAY, HOUR, Node


def _starts(node: Node) -> list[int]:
    return [g.start_time for g in node.meta.retention_policy("db", "rp").shard_groups]


def test_next_group_is_created_within_the_advance_period(node: Node) -> None:
    node.create_database("db", duration=2 * DAY)  # 1-day groups, aligned on days
    node.write("db", f"cpu value=1 {node.clock.now}")
    service = PrecreatorService(PrecreatorConfig(), node.meta, clock=node.clock)

    service.precreate()  # the group ends a day from now: beyond the 30m advance period
    assert _starts(node) == [node.clock.now]

    node.clock.now += DAY - 20 * 60 * 10**9  # 20 minutes before the group ends
    service.precreate()
    assert _starts(node) == [100 * DAY, 101 * DAY]

    service.precreate()  # idempotent
    assert _starts(node) == [100 * DAY, 101 * DAY]


def test_advance_period_is_configurable(node: Node) -> None:
    node.create_database("db", duration=2 * DAY)
    node.write("db", f"cpu value=1 {node.clock.now}")
    config = PrecreatorConfig(advance_period=DAY + HOUR)
    PrecreatorService(config, node.meta, clock=node.clock).precreate()
    assert _starts(node) == [100 * DAY, 101 * DAY]


def test_open_and_close(node: Node) -> None:
    service = PrecreatorService(PrecreatorConfig(), node.meta, clock=node.clock)
    service.open()
    thread = service._thread
    assert thread is not None and thread.is_alive()
    service.close()
    assert not thread.is_alive()
    disabled = PrecreatorService(PrecreatorConfig(enabled=False), node.meta, clock=node.clock)
    disabled.open()
    assert disabled._thread is None
