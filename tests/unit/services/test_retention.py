"""The retention service against a real meta store and shard store: what one check pass deletes."""

from __future__ import annotations

from chronus.config.sections import RetentionConfig
from chronus.services.retention import RetentionService
from tests.unit.services.conftest import DAY, HOUR, Node


def _service(node: Node) -> RetentionService:
    return RetentionService(RetentionConfig(), node.meta, node.store, clock=node.clock)


def _groups(node: Node, database: str) -> list[tuple[int, int, bool]]:
    rp = node.meta.retention_policy(database, "rp")
    assert rp is not None
    return [(g.id, g.start_time, g.deleted) for g in rp.shard_groups]


def test_expired_groups_are_soft_deleted_and_their_shards_removed(node: Node) -> None:
    node.create_database("db", duration=2 * DAY)  # 1-day shard groups
    old = node.clock.now
    node.write("db", f"cpu value=1 {old}")
    node.clock.now = now = old + 3 * DAY + HOUR
    node.write("db", f"cpu value=2 {now - HOUR}")
    assert node.shard_dirs("db") == [1, 2]

    result = _service(node).check()

    assert result.deleted_groups == [("db", "rp", 1)]
    assert result.deleted_shards == [1]
    assert not result.retry_needed
    assert [(gid, deleted) for gid, _, deleted in _groups(node, "db")] == [(1, True), (2, False)]
    assert node.meta.retention_policy("db", "rp").shard_groups[0].deleted_at == now
    assert [s.id for s in node.store.shards()] == [2]
    assert node.shard_dirs("db") == [2]
    assert not (node.root / "wal" / "db" / "rp" / "1").exists()


def test_a_group_expires_only_once_its_end_is_older_than_the_duration(node: Node) -> None:
    node.create_database("db", duration=2 * DAY)
    node.write("db", f"cpu value=1 {node.clock.now - HOUR}")
    end = node.meta.retention_policy("db", "rp").shard_groups[0].end_time
    service = _service(node)
    node.clock.now = end + 2 * DAY
    assert service.check().deleted_groups == []
    node.clock.now = end + 2 * DAY + 1
    assert service.check().deleted_groups == [("db", "rp", 1)]


def test_infinite_policies_keep_everything(node: Node) -> None:
    node.create_database("db")
    node.write("db", f"cpu value=1 {node.clock.now - 300 * DAY}")
    node.clock.now += 1000 * DAY
    result = _service(node).check()
    assert (result.deleted_groups, result.deleted_shards) == ([], [])
    assert node.shard_dirs("db") == [1]


def test_shards_of_groups_deleted_earlier_are_removed_from_disk(node: Node) -> None:
    node.create_database("db")
    node.write("db", f"cpu value=1 {node.clock.now}")
    node.meta.delete_shard_group("db", "rp", 1)  # another node (or a failed pass) marked it
    result = _service(node).check()
    assert result.deleted_groups == []
    assert result.deleted_shards == [1]
    assert node.shard_dirs("db") == []


def test_groups_deleted_long_ago_are_pruned_from_meta(node: Node) -> None:
    node.create_database("db", duration=2 * DAY)
    node.write("db", f"cpu value=1 {node.clock.now}")
    node.clock.now += 3 * DAY + 1
    service = _service(node)
    service.check()
    assert _groups(node, "db")[0][2] is True
    node.clock.now += 15 * DAY  # past the two weeks influxd keeps deleted groups in the meta data
    service.check()
    assert _groups(node, "db") == []


def test_disabled_service_starts_no_thread(node: Node) -> None:
    service = RetentionService(RetentionConfig(enabled=False), node.meta, node.store, clock=node.clock)
    service.open()
    assert service._thread is None
    service.close()


def test_open_and_close_run_and_stop_the_loop(node: Node) -> None:
    service = _service(node)
    service.open()
    assert service._thread is not None and service._thread.is_alive()
    thread = service._thread
    service.close()
    assert not thread.is_alive()
