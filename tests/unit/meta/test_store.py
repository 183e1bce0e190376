"""The embedded store (commit, persistence, reload) and the client's rules on top of it."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from chronus.meta import commands, metadb
from chronus.meta.client import MetaClient
from chronus.meta.data import Data, RetentionPolicySpec, RetentionPolicyUpdate
from chronus.meta.durations import DAY, HOUR, WEEK
from chronus.meta.errors import DatabaseNotFoundError, MetaError
from chronus.meta.store import LocalMetaStore

T0 = 1577836800 * 10**9
NOW = 1_700_000_000 * 10**9


@pytest.fixture
def store(tmp_path: Path) -> LocalMetaStore:
    s = LocalMetaStore(tmp_path / "meta")
    s.open()
    return s


@pytest.fixture
def client(store: LocalMetaStore) -> MetaClient:
    return MetaClient(store, clock=lambda: NOW)


def on_disk(store: LocalMetaStore) -> Data:
    loaded = metadb.load(store.meta_dir)
    assert loaded is not None
    return loaded


class TestStore:
    def test_a_fresh_store_writes_index_1_with_a_cluster_id(self, store: LocalMetaStore) -> None:
        assert store.data.index == 1
        assert 0 <= store.data.cluster_id < 2**63
        assert on_disk(store) == store.data

    def test_commit_numbers_saves_and_publishes(self, store: LocalMetaStore) -> None:
        before = store.data
        seen: list[int] = []
        store.add_listener(lambda data: seen.append(data.index))
        assert store.apply(commands.CreateDatabase("db")) is True
        assert before.databases == [] and before.index == 1  # what a reader held did not change
        assert store.data.index == 2 and seen == [2]
        assert on_disk(store) == store.data

    def test_a_failing_command_changes_nothing(self, store: LocalMetaStore) -> None:
        store.apply(commands.CreateDatabase("db"))
        raw = metadb.meta_path(store.meta_dir).read_bytes()
        state = store.data
        with pytest.raises(MetaError, match="retention policy conflicts with an existing policy"):
            store.apply(commands.CreateDatabaseWithRetentionPolicy("db", RetentionPolicySpec(duration=DAY)))
        assert store.data is state
        assert metadb.meta_path(store.meta_dir).read_bytes() == raw

    def test_a_half_done_command_is_not_kept(self, store: LocalMetaStore) -> None:
        """CREATE DATABASE ... WITH creates the database, then fails on the policy: no database either."""
        spec = RetentionPolicySpec(duration=HOUR, shard_group_duration=2 * HOUR)
        with pytest.raises(MetaError, match="must be greater than the shard duration"):
            store.apply(commands.CreateDatabaseWithRetentionPolicy("db", spec))
        assert store.data.databases == [] and store.data.index == 1

    def test_no_op_commands_do_not_commit(self, store: LocalMetaStore) -> None:
        store.apply(commands.CreateDatabase("db"))
        assert store.apply(commands.CreateDatabase("db")) is False
        assert store.apply(commands.CreateShardGroup("db", "autogen", T0)) is True
        assert store.apply(commands.CreateShardGroup("db", "autogen", T0 + 1)) is False
        assert store.apply(commands.PruneShardGroups(NOW)) is False
        assert store.data.index == 3

    def test_reopen_loads_the_saved_state(self, store: LocalMetaStore) -> None:
        store.apply(commands.CreateDatabase("db"))
        again = LocalMetaStore(store.meta_dir)
        again.open()
        assert again.data == store.data
        assert metadb.meta_path(store.meta_dir).read_bytes() == metadb.encode_data(store.data)

    def test_apply_needs_an_open_store(self, tmp_path: Path) -> None:
        with pytest.raises(RuntimeError, match="meta store is not open"):
            LocalMetaStore(tmp_path).apply(commands.CreateDatabase("db"))


def test_replaying_the_same_commands_gives_the_same_state() -> None:
    """What a Raft log needs: commands carry every input (times included) and survive pickling."""
    log = [
        commands.CreateDatabase("db"),
        commands.CreateRetentionPolicy("db", RetentionPolicySpec("r", 1, 3 * DAY, 0), make_default=True),
        commands.CreateDataNode("a:8086", "a:8088"),
        commands.CreateShardGroup("db", "r", T0),
        commands.UpdateRetentionPolicy("db", "r", RetentionPolicyUpdate(duration=WEEK)),
        commands.DeleteShardGroup("db", "r", 1, NOW),
        commands.CreateUser("u", "$2a$hash", admin=True),
        commands.SetPrivilege("u", "db", 3),
        commands.CreateSubscription("db", "r", "s", "ALL", ("udp://h:1",)),
        commands.CreateContinuousQuery("db", "cq", "CREATE CONTINUOUS QUERY cq ON db BEGIN x END"),
        commands.DropShard(2, NOW),
        commands.TruncateShardGroups(T0),
    ]
    replicas = [Data(), Data()]
    for command in log:
        shipped = pickle.loads(pickle.dumps(command))
        for replica, copy_of_command in zip(replicas, (command, shipped), strict=True):
            if copy_of_command.apply(replica):
                replica.index += 1
    assert replicas[0] == replicas[1]
    assert replicas[0].index == len(log)


def test_set_data_replaces_everything() -> None:
    target = Data(index=4)
    target.create_database("old")
    source = Data(index=9, cluster_id=3)
    source.create_database("new")
    assert commands.SetData(source).apply(target) is True
    assert target == source and target.databases is not source.databases


class TestClient:
    def test_create_database_with_and_without_autogen(self, store: LocalMetaStore) -> None:
        db = MetaClient(store).create_database("a")
        assert db.default_retention_policy == "autogen"
        assert [rp.name for rp in db.retention_policies] == ["autogen"]
        bare = MetaClient(store, retention_autocreate=False).create_database("b")
        assert (bare.default_retention_policy, bare.retention_policies) == ("", [])

    def test_create_database_with_retention_policy(self, client: MetaClient) -> None:
        spec = RetentionPolicySpec(name="short", duration=3 * DAY, shard_group_duration=2 * HOUR)
        db = client.create_database_with_retention_policy("db", spec)
        assert db.default_retention_policy == "short"
        assert client.create_database_with_retention_policy("db", spec).name == "db"
        with pytest.raises(MetaError, match="retention policy duration must be at least 1h0m0s"):
            client.create_database_with_retention_policy("db2", RetentionPolicySpec(duration=HOUR - 1))

    def test_with_on_a_database_without_policies_creates_the_default(self, store: LocalMetaStore) -> None:
        MetaClient(store, retention_autocreate=False).create_database("db")
        db = MetaClient(store).create_database_with_retention_policy("db", RetentionPolicySpec(duration=DAY))
        assert db.default_retention_policy == "autogen"
        assert db.retention_policies[0].shard_group_duration == HOUR

    def test_with_a_non_default_existing_policy_conflicts(self, client: MetaClient) -> None:
        client.create_database("db")
        client.create_retention_policy("db", RetentionPolicySpec("other", 1, 2 * DAY, 0))
        with pytest.raises(MetaError, match="retention policy conflicts with an existing policy"):
            client.create_database_with_retention_policy("db", RetentionPolicySpec("other", 1, 2 * DAY, 0))

    def test_retention_policy_lookup(self, client: MetaClient) -> None:
        client.create_database("db")
        rp = client.create_retention_policy("db", RetentionPolicySpec("r", 1, 0, 0))
        assert rp.name == "r" and rp.shard_group_duration == WEEK
        assert client.retention_policy("db", "").name == "autogen"
        assert client.retention_policy("db", "nope") is None
        with pytest.raises(DatabaseNotFoundError):
            client.retention_policy("nope", "")

    def test_shard_groups(self, client: MetaClient) -> None:
        client.create_database("db")
        group = client.create_shard_group("db", "autogen", T0)
        assert client.create_shard_group("db", "autogen", T0 + 5).id == group.id
        assert [g.id for g in client.shard_groups_by_time_range("db", "autogen", T0, T0)] == [group.id]
        client.delete_shard_group("db", "autogen", group.id)
        deleted = client.data.database("db").retention_policies[0].shard_groups[0]
        assert deleted.deleted_at == NOW
        client.create_shard_group("db", "autogen", T0)
        client.drop_shard(2)
        assert client.shard_ids() == [1]
        client.prune_shard_groups()
        assert client.shard_ids() == [1]

    def test_users(self, client: MetaClient) -> None:
        client.create_database("db")
        client.create_user("u", "hash", admin=False)
        client.set_privilege("u", "db", 1)
        client.set_admin_privilege("u", True)
        assert client.admin_user_exists()
        assert client.user_privileges("u") == {"db": 1}
        client.drop_user("u")
        assert client.users() == []
