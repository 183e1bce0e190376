from __future__ import annotations

import os
from pathlib import Path

import pytest

from chronus.meta import metadb
from chronus.meta.data import Data
from chronus.meta.info import (
    ContinuousQueryInfo,
    DatabaseInfo,
    NodeInfo,
    RetentionPolicyInfo,
    ShardGroupInfo,
    ShardInfo,
    SubscriptionInfo,
    UserInfo,
)
from chronus.meta.protowire import DecodeError, MessageWriter


def full_data() -> Data:
    """One of every record, with values that exercise negative times, owners, truncation and nodes."""
    group = ShardGroupInfo(id=7, start_time=-3 * 86400 * 10**9, end_time=4 * 86400 * 10**9,
                           deleted_at=1_700_000_000_123_456_789, truncated_at=10**9,
                           shards=[ShardInfo(id=8, owners=[1, 2]), ShardInfo(id=9)])
    rp = RetentionPolicyInfo(name="rp", replica_n=2, duration=3600 * 10**9, shard_group_duration=3600 * 10**9,
                             shard_groups=[group],
                             subscriptions=[SubscriptionInfo("s", "ANY", ["udp://h:1", "http://h:2"])])
    db = DatabaseInfo(name="db", default_retention_policy="rp", retention_policies=[rp],
                      continuous_queries=[ContinuousQueryInfo("cq", "CREATE CONTINUOUS QUERY ...")])
    user = UserInfo(name="u", hash="$2a$10$x", admin=True, privileges={"db": 1, "other": 3})
    return Data(term=2, index=9, cluster_id=2**63 - 5, databases=[db, DatabaseInfo(name="empty")],
                users=[user], max_node_id=3, max_shard_group_id=7, max_shard_id=9,
                data_nodes=[NodeInfo(1, "h1:8086", "h1:8088"), NodeInfo(2, "h2:8086", "h2:8088")],
                meta_nodes=[NodeInfo(3, "m:8091", "m:8089")], legacy_nodes=[NodeInfo(4, "old:8086")])


def test_every_record_round_trips() -> None:
    data = full_data()
    assert metadb.decode_data(metadb.encode_data(data)) == data


def test_exact_bytes_of_a_small_file() -> None:
    """Field order and presence as Go's generated marshaller: required fields always, even when 0."""
    data = Data(index=1, cluster_id=5, databases=[DatabaseInfo(
        name="d", default_retention_policy="autogen",
        retention_policies=[RetentionPolicyInfo(name="autogen", shard_group_duration=1, shard_groups=[
            ShardGroupInfo(id=1, start_time=-1, end_time=2, shards=[ShardInfo(id=1)])])])])
    group = b"\x08\x01" + b"\x10" + b"\xff" * 9 + b"\x01" + b"\x18\x02" + b"\x20\x00" + b"\x2a\x02\x08\x01"
    rp = b"\x0a\x07autogen" + b"\x10\x00" + b"\x18\x01" + b"\x20\x01" + b"\x2a" + bytes([len(group)]) + group
    db = b"\x0a\x01d" + b"\x12\x07autogen" + b"\x1a" + bytes([len(rp)]) + rp
    expected = (b"\x08\x00\x10\x01\x18\x05" + b"\x2a" + bytes([len(db)]) + db
                + b"\x38\x00\x40\x00\x48\x00")
    assert metadb.encode_data(data) == expected


def test_truncated_at_is_written_only_when_set() -> None:
    plain = ShardGroupInfo(id=1, start_time=0, end_time=1)
    data = Data(databases=[DatabaseInfo("d", retention_policies=[RetentionPolicyInfo(shard_groups=[plain])])])
    without = metadb.encode_data(data)
    plain.truncated_at = 5
    with_truncation = metadb.encode_data(data)
    # One more field (tag 0x30, value 5) in the group, so each enclosing length grows by two as well.
    assert len(with_truncation) == len(without) + 2
    assert b"\x30\x05" in with_truncation and b"\x30\x05" not in without
    assert metadb.decode_data(with_truncation) == data


def test_deprecated_owner_ids_are_read_as_owners() -> None:
    shard = MessageWriter()
    shard.varint(1, 4)
    shard.varint(2, 10)
    shard.varint(2, 11)
    group = MessageWriter()
    group.varint(1, 1)
    group.bytes(5, shard.getvalue())
    rp = MessageWriter()
    rp.string(1, "rp")
    rp.bytes(5, group.getvalue())
    db = MessageWriter()
    db.string(1, "db")
    db.bytes(3, rp.getvalue())
    top = MessageWriter()
    top.bytes(5, db.getvalue())
    group_read = metadb.decode_data(top.getvalue()).databases[0].retention_policies[0].shard_groups[0]
    assert group_read.shards == [ShardInfo(id=4, owners=[10, 11])]


def test_unknown_fields_are_skipped() -> None:
    w = MessageWriter()
    w.varint(2, 42)
    w.string(99, "from the future")
    w.varint(100, 1)
    assert metadb.decode_data(w.getvalue()) == Data(index=42)


@pytest.mark.parametrize("raw", [b"\x2a\x05\x0a", b"\x10", b"\x12\x01x"])
def test_corrupt_files_are_refused(raw: bytes) -> None:
    with pytest.raises(DecodeError):
        metadb.decode_data(raw)


def test_load_of_an_empty_dir_is_none(tmp_path: Path) -> None:
    assert metadb.load(tmp_path) is None


def test_save_then_load(tmp_path: Path) -> None:
    data = full_data()
    metadb.save(tmp_path, data)
    assert sorted(os.listdir(tmp_path)) == ["meta.db"]
    assert metadb.load(tmp_path) == data
    data.index = 10
    metadb.save(tmp_path, data)
    assert metadb.load(tmp_path) == data
    assert sorted(os.listdir(tmp_path)) == ["meta.db"]


def test_a_stale_temp_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "meta.dbtmp").write_bytes(b"garbage from a crash")
    metadb.save(tmp_path, Data(index=3))
    assert sorted(os.listdir(tmp_path)) == ["meta.db"]
    assert metadb.load(tmp_path) == Data(index=3)


def test_clone_is_deep_and_equal() -> None:
    data = full_data()
    copy = data.clone()
    assert copy == data
    group = copy.databases[0].retention_policies[0].shard_groups[0]
    group.shards[0].owners.append(9)
    copy.users[0].privileges["x"] = 1
    copy.databases[0].retention_policies[0].subscriptions[0].destinations.append("udp://x:1")
    copy.data_nodes[0].host = "moved"
    assert data == full_data()
