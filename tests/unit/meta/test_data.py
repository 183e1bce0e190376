"""The rules of the meta state machine, one by one."""

from __future__ import annotations

import re

import pytest

from chronus.meta.data import Data, RetentionPolicySpec, RetentionPolicyUpdate, valid_name
from chronus.meta.durations import DAY, HOUR, WEEK
from chronus.meta.errors import DatabaseNotFoundError, MetaError, RetentionPolicyNotFoundError
from chronus.meta.info import ALL_PRIVILEGES, READ_PRIVILEGE, WRITE_PRIVILEGE, RetentionPolicyInfo, UserInfo

T0 = 1577836800 * 10**9  # 2020-01-01T00:00:00Z, a Wednesday
MONDAY = 1577664000 * 10**9  # 2019-12-30T00:00:00Z


def data_with(*policies: RetentionPolicyInfo, database: str = "db") -> Data:
    data = Data()
    data.create_database(database)
    for rp in policies:
        data.create_retention_policy(database, rp, make_default=False)
    return data


def raises(message: str):
    return pytest.raises(MetaError, match=f"^{message}$")


@pytest.mark.parametrize(("name", "valid"), [
    ("db", True), ("with space", True), ("ünïcode", True), ("a.b", True), ("", False), (".", False),
    ("..", False), ("a/b", False), ("a\\b", False), ("tab\there", False), ("nl\n", False),
    ("nbsp\u00a0", False),
    ("\udcff", True),  # an invalid UTF-8 byte: Go reads it as U+FFFD, which is printable
])
def test_valid_name(name: str, valid: bool) -> None:
    assert valid_name(name) is valid


class TestDatabases:
    def test_create_is_idempotent_and_ordered(self) -> None:
        data = Data()
        for name in ("b", "a", "b"):
            data.create_database(name)
        assert [db.name for db in data.databases] == ["b", "a"]
        assert data.databases[0].retention_policies == []

    def test_name_rules(self) -> None:
        data = Data()
        with raises("database name required"):
            data.create_database("")
        with raises("name too long"):
            data.create_database("x" * 256)
        data.create_database("x" * 255)
        with raises("name too long"):
            data.create_database("é" * 128)  # 256 bytes of UTF-8

    def test_drop_removes_privileges_and_ignores_unknown(self) -> None:
        data = Data()
        data.create_database("a")
        data.create_database("b")
        data.users.append(UserInfo("u", "h", privileges={"a": READ_PRIVILEGE, "b": ALL_PRIVILEGES}))
        data.drop_database("nope")
        data.drop_database("a")
        assert [db.name for db in data.databases] == ["b"]
        assert data.users[0].privileges == {"b": ALL_PRIVILEGES}


class TestRetentionPolicies:
    def test_create_normalises_the_shard_duration(self) -> None:
        data = data_with(RetentionPolicyInfo("a", duration=3 * DAY), RetentionPolicyInfo("b", duration=0),
                         RetentionPolicyInfo("c", duration=HOUR, shard_group_duration=60 * 10**9))
        assert [rp.shard_group_duration for rp in data.databases[0].retention_policies] == [DAY, WEEK, HOUR]

    @pytest.mark.parametrize(("rp", "message"), [
        (RetentionPolicyInfo(""), "retention policy name required"),
        (RetentionPolicyInfo("x" * 256), "name too long"),
        (RetentionPolicyInfo("r", replica_n=0), "replication factor must be greater than 0"),
        (RetentionPolicyInfo("r", duration=HOUR, shard_group_duration=2 * HOUR),
         "retention policy duration must be greater than the shard duration"),
    ])
    def test_create_refuses(self, rp: RetentionPolicyInfo, message: str) -> None:
        with raises(message):
            data_with().create_retention_policy("db", rp, False)

    def test_create_on_a_missing_database(self) -> None:
        with pytest.raises(DatabaseNotFoundError, match="^database not found: nope$"):
            Data().create_retention_policy("nope", RetentionPolicyInfo("r"), False)

    def test_create_again(self) -> None:
        data = data_with(RetentionPolicyInfo("r", duration=HOUR))
        data.create_retention_policy("db", RetentionPolicyInfo("r", duration=HOUR), False)  # identical: fine
        with raises("retention policy already exists"):
            data.create_retention_policy("db", RetentionPolicyInfo("r", duration=2 * HOUR), False)
        with raises("retention policy conflicts with an existing policy"):
            data.create_retention_policy("db", RetentionPolicyInfo("r", duration=HOUR), True)
        assert len(data.databases[0].retention_policies) == 1

    def test_default_flag(self) -> None:
        data = data_with(RetentionPolicyInfo("a"))
        data.create_retention_policy("db", RetentionPolicyInfo("b"), True)
        assert data.databases[0].default_retention_policy == "b"
        data.create_retention_policy("db", RetentionPolicyInfo("b"), True)  # identical and default: fine

    def test_drop_keeps_the_default_name(self) -> None:
        data = Data()
        data.create_database("db")
        data.create_retention_policy("db", RetentionPolicyInfo("a"), True)
        data.drop_retention_policy("db", "a")
        data.drop_retention_policy("db", "a")
        data.drop_retention_policy("nope", "a")
        db = data.databases[0]
        assert (db.retention_policies, db.default_retention_policy) == ([], "a")
        assert db.retention_policy("") is None

    def test_update(self) -> None:
        data = data_with(RetentionPolicyInfo("r", duration=10 * DAY, shard_group_duration=DAY))
        forever = RetentionPolicyUpdate(duration=0, shard_group_duration=0)
        data.update_retention_policy("db", "r", forever, True)
        rp = data.databases[0].retention_policies[0]
        # The new shard duration is normalised against the new retention duration.
        assert (rp.duration, rp.shard_group_duration) == (0, WEEK)
        assert data.databases[0].default_retention_policy == "r"
        data.update_retention_policy("db", "r", RetentionPolicyUpdate(name="s", replica_n=3), False)
        assert (rp.name, rp.replica_n) == ("s", 3)

    @pytest.mark.parametrize(("update", "message"), [
        (RetentionPolicyUpdate(duration=HOUR - 1), "retention policy duration must be at least 1h0m0s"),
        (RetentionPolicyUpdate(duration=2 * HOUR),
         "retention policy duration must be greater than the shard duration"),
        (RetentionPolicyUpdate(duration=3 * DAY, shard_group_duration=4 * DAY),
         "retention policy duration must be greater than the shard duration"),
        (RetentionPolicyUpdate(shard_group_duration=11 * DAY),
         "retention policy duration must be greater than the shard duration"),
        (RetentionPolicyUpdate(name="other"), "retention policy name already exists"),
    ])
    def test_update_refuses(self, update: RetentionPolicyUpdate, message: str) -> None:
        data = data_with(RetentionPolicyInfo("r", duration=10 * DAY, shard_group_duration=DAY),
                         RetentionPolicyInfo("other"))
        before = data.clone()
        with raises(message):
            data.update_retention_policy("db", "r", update, False)
        assert data == before

    def test_update_accepts_a_shard_duration_up_to_the_duration(self) -> None:
        data = data_with(RetentionPolicyInfo("r", duration=10 * DAY, shard_group_duration=DAY))
        data.update_retention_policy("db", "r", RetentionPolicyUpdate(shard_group_duration=10 * DAY), False)
        data.update_retention_policy("db", "r", RetentionPolicyUpdate(duration=0), False)
        data.update_retention_policy("db", "r", RetentionPolicyUpdate(shard_group_duration=60 * 10**9), False)
        assert data.databases[0].retention_policies[0].shard_group_duration == HOUR

    def test_update_of_missing_things(self) -> None:
        data = data_with()
        with pytest.raises(RetentionPolicyNotFoundError, match="^retention policy not found: r$"):
            data.update_retention_policy("db", "r", RetentionPolicyUpdate(), False)
        with pytest.raises(DatabaseNotFoundError):
            data.update_retention_policy("nope", "r", RetentionPolicyUpdate(), False)


class TestSpec:
    def test_new_info_defaults(self) -> None:
        assert RetentionPolicySpec().new_retention_policy_info() == RetentionPolicyInfo(
            "autogen", replica_n=1, duration=0, shard_group_duration=WEEK)
        assert RetentionPolicySpec("x", 2, 3 * DAY, 0).new_retention_policy_info() == RetentionPolicyInfo(
            "x", replica_n=2, duration=3 * DAY, shard_group_duration=DAY)

    def test_matches(self) -> None:
        rp = RetentionPolicyInfo("r", replica_n=1, duration=3 * DAY, shard_group_duration=2 * HOUR)
        assert RetentionPolicySpec("r", 1, 3 * DAY, 2 * HOUR).matches(rp)
        assert RetentionPolicySpec(duration=3 * DAY, shard_group_duration=2 * HOUR).matches(rp)
        assert not RetentionPolicySpec(duration=3 * DAY).matches(rp)  # default shard duration would be 1d
        assert not RetentionPolicySpec("s", shard_group_duration=2 * HOUR).matches(rp)
        assert not RetentionPolicySpec(replica_n=2, shard_group_duration=2 * HOUR).matches(rp)
        assert not RetentionPolicySpec().matches(None)

    def test_duration_check(self) -> None:
        RetentionPolicySpec(duration=0).check_duration()
        RetentionPolicySpec(duration=HOUR).check_duration()
        with raises("retention policy duration must be at least 1h0m0s"):
            RetentionPolicySpec(duration=HOUR - 1).check_duration()


class TestShardGroups:
    def test_create_aligns_and_sorts(self) -> None:
        data = data_with(RetentionPolicyInfo("r"))
        second = data.create_shard_group("db", "r", T0 + WEEK)
        first = data.create_shard_group("db", "r", T0)
        again = data.create_shard_group("db", "r", T0 + 1)
        assert again is first
        assert (first.id, first.start_time, first.end_time, [s.id for s in first.shards]) == (
            2, MONDAY, MONDAY + WEEK, [2])
        assert second.start_time == MONDAY + WEEK
        assert [g.id for g in data.databases[0].retention_policies[0].shard_groups] == [2, 1]
        assert (data.max_shard_group_id, data.max_shard_id) == (2, 2)

    def test_lookups(self) -> None:
        data = data_with(RetentionPolicyInfo("r"))
        for t in (T0, T0 + WEEK, T0 + 2 * WEEK):
            data.create_shard_group("db", "r", t)
        data.delete_shard_group("db", "r", 2, now=5)
        assert [g.id for g in data.shard_groups("db", "r")] == [1, 3]
        assert [g.id for g in data.shard_groups_by_time_range("db", "r", T0 + WEEK, T0 + 3 * WEEK)] == [3]
        assert [g.id for g in data.shard_groups_by_time_range("db", "r", 0, MONDAY)] == [1]  # inclusive max
        assert data.shard_group_by_timestamp("db", "r", T0 + WEEK) is None
        with pytest.raises(RetentionPolicyNotFoundError):
            data.shard_groups("db", "nope")
        with pytest.raises(DatabaseNotFoundError):
            data.shard_groups("nope", "r")

    def test_a_deleted_group_is_replaced_by_a_new_one(self) -> None:
        data = data_with(RetentionPolicyInfo("r"))
        data.create_shard_group("db", "r", T0)
        data.delete_shard_group("db", "r", 1, now=7)
        group = data.create_shard_group("db", "r", T0)
        assert group.id == 2
        with raises("shard group not found"):
            data.delete_shard_group("db", "r", 9, now=7)

    def test_drop_shard_marks_an_emptied_group_deleted(self) -> None:
        data = data_with(RetentionPolicyInfo("r"))
        data.create_shard_group("db", "r", T0)
        data.drop_shard(99, now=5)
        data.drop_shard(1, now=5)
        group = data.databases[0].retention_policies[0].shard_groups[0]
        assert (group.shards, group.deleted_at) == ([], 5)

    def test_truncate(self) -> None:
        data = data_with(RetentionPolicyInfo("r", shard_group_duration=HOUR))
        for t in (0, HOUR, 2 * HOUR):
            data.create_shard_group("db", "r", t)
        data.truncate_shard_groups(HOUR + 5)
        groups = data.databases[0].retention_policies[0].shard_groups
        assert [g.truncated_at for g in groups] == [0, HOUR + 5, 2 * HOUR]
        # A truncated group takes no new points from the truncation time on: they get a new group.
        assert data.shard_group_by_timestamp("db", "r", HOUR + 4).id == 2
        assert data.shard_group_by_timestamp("db", "r", HOUR + 5) is None
        new = data.create_shard_group("db", "r", 2 * HOUR)
        assert new.id == 4
        # Ordering follows the effective end (truncation time), then the start.
        assert [g.id for g in groups] == [1, 2, 3, 4]
        data.truncate_shard_groups(HOUR + 10)  # already truncated earlier: kept
        assert groups[1].truncated_at == HOUR + 5

    def test_prune_forgets_groups_deleted_two_weeks_ago(self) -> None:
        data = data_with(RetentionPolicyInfo("r"))
        for t in (T0, T0 + WEEK):
            data.create_shard_group("db", "r", t)
        data.delete_shard_group("db", "r", 1, now=1000)
        data.delete_shard_group("db", "r", 2, now=2000)
        assert data.prune_shard_groups(now=1000 + 2 * WEEK) is False
        assert data.prune_shard_groups(now=1001 + 2 * WEEK) is True
        assert [g.id for g in data.databases[0].retention_policies[0].shard_groups] == [2]

    def test_precreate_the_next_group(self) -> None:
        data = data_with(RetentionPolicyInfo("r", shard_group_duration=HOUR), RetentionPolicyInfo("empty"))
        data.create_shard_group("db", "r", 0)
        assert data.precreate_shard_groups(HOUR, 2 * HOUR) == []  # ends at the lower bound: too old
        created = data.precreate_shard_groups(HOUR - 1, HOUR + 1)
        assert [(g.id, g.start_time) for g in created] == [(2, HOUR)]
        assert data.precreate_shard_groups(HOUR - 1, HOUR + 1) == []

    def test_expiry(self) -> None:
        rp = RetentionPolicyInfo("r", duration=HOUR, shard_group_duration=HOUR)
        data = data_with(rp)
        data.create_shard_group("db", "r", 0)
        rp = data.databases[0].retention_policies[0]
        assert rp.expired_shard_groups(2 * HOUR) == []
        assert [g.id for g in rp.expired_shard_groups(2 * HOUR + 1)] == [1]
        rp.duration = 0
        assert rp.expired_shard_groups(10**18) == []

    def test_shard_owner_and_ids(self) -> None:
        data = data_with(RetentionPolicyInfo("r"))
        data.create_shard_group("db", "r", T0)
        data.create_shard_group("db", "r", T0 + WEEK)
        owner = data.shard_owner(2)
        assert owner is not None and owner[:2] == ("db", "r") and owner[2].id == 2
        assert data.shard_owner(3) is None
        assert data.shard_ids() == [1, 2]

    def test_cluster_shards_and_owners(self) -> None:
        data = data_with(RetentionPolicyInfo("r2", replica_n=2), RetentionPolicyInfo("r1"))
        for i in range(1, 5):
            data.create_data_node(f"h{i}:8086", f"h{i}:8088")
        data.index = 1
        group = data.create_shard_group("db", "r2", T0)
        assert [(s.id, s.owners) for s in group.shards] == [(1, [2, 3]), (2, [4, 1])]
        single = data.create_shard_group("db", "r1", T0)
        assert [s.owners for s in single.shards] == [[2], [3], [4], [1]]
        assert single.shard_for(6).id == 5  # 6 % 4 shards -> the third (ids 3..6)
        data.delete_data_node(2)
        assert [s.owners for s in group.shards] == [[3], [4, 1]]


class TestNodes:
    def test_ids_survive_re_registration(self) -> None:
        data = Data()
        a = data.create_data_node("a:8086", "a:8088")
        b = data.create_data_node("b:8086", "b:8088")
        again = data.create_data_node("a2:8086", "a:8088")
        assert (a.id, b.id, again.id, again.host) == (1, 2, 1, "a2:8086")
        meta = data.create_meta_node("b:8091", "b:8088")
        assert meta.id == 2  # same machine as data node 2
        other = data.create_meta_node("m:8091", "m:8089")
        assert other.id == 3 and data.max_node_id == 3

    def test_unknown_nodes(self) -> None:
        data = Data()
        with raises("node not found"):
            data.delete_data_node(1)
        with raises("node not found"):
            data.update_data_node(1, "a", "b")
        with raises("node not found"):
            data.delete_meta_node(1)


class TestContinuousQueriesAndSubscriptions:
    def test_continuous_queries(self) -> None:
        data = data_with()
        data.create_continuous_query("db", "cq", "CREATE CONTINUOUS QUERY cq ON db BEGIN x END")
        data.create_continuous_query("db", "cq", "create continuous query cq on db begin x end")
        with raises("continuous query already exists"):
            data.create_continuous_query("db", "cq", "something else")
        with pytest.raises(DatabaseNotFoundError):
            data.create_continuous_query("nope", "cq", "q")
        data.drop_continuous_query("db", "other")
        data.drop_continuous_query("nope", "cq")
        assert len(data.databases[0].continuous_queries) == 1
        data.drop_continuous_query("db", "cq")
        assert data.databases[0].continuous_queries == []

    @pytest.mark.parametrize("url", ["udp://h:1", "http://h:8086", "HTTPS://[::1]:9", "http://u:p@h:1"])
    def test_valid_subscription_urls(self, url: str) -> None:
        data = data_with(RetentionPolicyInfo("r"))
        data.create_subscription("db", "r", "s", "ANY", [url])
        assert data.databases[0].retention_policies[0].subscriptions[0].destinations == [url]

    @pytest.mark.parametrize("url", ["tcp://h:1", "http://h", "http://h:", "h:1", "http://[::1]", "http://a:b:c"])
    def test_invalid_subscription_urls(self, url: str) -> None:
        with raises(re.escape(f"invalid subscription URL: {url}")):
            data_with(RetentionPolicyInfo("r")).create_subscription("db", "r", "s", "ANY", [url])

    def test_subscription_rules(self) -> None:
        data = data_with(RetentionPolicyInfo("r"))
        data.create_subscription("db", "r", "s", "ALL", ["udp://h:1"])
        with raises("subscription already exists"):
            data.create_subscription("db", "r", "s", "ALL", ["udp://h:1"])
        with pytest.raises(RetentionPolicyNotFoundError):
            data.create_subscription("db", "nope", "s", "ALL", [])
        with raises("subscription not found"):
            data.drop_subscription("db", "r", "other")
        data.drop_subscription("db", "r", "s")
        assert data.databases[0].retention_policies[0].subscriptions == []


class TestUsers:
    def test_lifecycle(self) -> None:
        data = data_with()
        data.create_user("a", "h1", admin=False)
        assert not data.admin_user_exists()
        with raises("user already exists"):
            data.create_user("a", "h2", admin=True)
        with raises("username required"):
            data.create_user("", "h", admin=False)
        data.set_admin_privilege("a", True)
        assert data.admin_user_exists()
        data.update_user("a", "h3")
        data.set_privilege("a", "db", WRITE_PRIVILEGE)
        assert data.user("a") == UserInfo("a", "h3", True, {"db": WRITE_PRIVILEGE})
        assert data.user_privileges("a") == {"db": WRITE_PRIVILEGE}
        with pytest.raises(DatabaseNotFoundError):
            data.set_privilege("a", "nope", READ_PRIVILEGE)
        data.drop_user("a")
        assert data.users == [] and not data.admin_user_exists()
        for action in (lambda: data.drop_user("a"), lambda: data.update_user("a", "h"),
                       lambda: data.set_privilege("a", "db", 1), lambda: data.set_admin_privilege("a", True),
                       lambda: data.user_privileges("a")):
            with raises("user not found"):
                action()

    def test_authorize_database(self) -> None:
        user = UserInfo("u", "h", privileges={"r": READ_PRIVILEGE, "a": ALL_PRIVILEGES})
        assert user.authorize_database(READ_PRIVILEGE, "r")
        assert not user.authorize_database(WRITE_PRIVILEGE, "r")
        assert user.authorize_database(WRITE_PRIVILEGE, "a")
        assert not user.authorize_database(READ_PRIVILEGE, "other")
        assert user.authorize_database(0, "other")
        assert UserInfo("admin", "h", admin=True).authorize_database(WRITE_PRIVILEGE, "any")
