"""Meta statements: result rows in influxd's shape, errors in its words, hooks in its order."""

from __future__ import annotations

from pathlib import Path

import pytest

from chronus.influxql import ast
from chronus.influxql.parser import parse_statement
from chronus.meta import commands, statements
from chronus.meta.client import MetaClient
from chronus.meta.data import RetentionPolicySpec
from chronus.meta.durations import DAY, HOUR
from chronus.meta.errors import DatabaseNotFoundError, MetaError
from chronus.meta.store import LocalMetaStore
from chronus.query.result import Row

T0 = 1577836800 * 10**9


@pytest.fixture
def client(tmp_path: Path) -> MetaClient:
    store = LocalMetaStore(tmp_path)
    store.open()
    return MetaClient(store, clock=lambda: 5)


def run(client: MetaClient, text: str, **kwargs: object) -> list[Row]:
    return statements.execute(parse_statement(text), client, **kwargs)


@pytest.mark.parametrize(("ns", "text"), [
    (0, "1970-01-01T00:00:00Z"), (-1, "1969-12-31T23:59:59Z"), (T0 + 999_999_999, "2020-01-01T00:00:00Z"),
    (2**63 - 1, "2262-04-11T23:47:16Z"), (2**63 - 1 + 2**63 - 1, "2554-07-21T23:34:33Z"),
    (-(2**63), "1677-09-21T00:12:43Z"),
])
def test_rfc3339_seconds(ns: int, text: str) -> None:
    assert statements.format_rfc3339_seconds(ns) == text


def test_show_on_an_empty_server(client: MetaClient) -> None:
    assert run(client, "SHOW DATABASES") == [Row(name="databases", columns=["name"])]
    assert run(client, "SHOW SHARDS") == []
    assert run(client, "SHOW SHARD GROUPS") == [
        Row(name="shard groups", columns=statements.SHOW_SHARD_GROUPS_COLUMNS)]
    assert run(client, "SHOW USERS") == [Row(columns=["user", "admin"])]
    assert run(client, "SHOW CONTINUOUS QUERIES") == []
    assert run(client, "SHOW SUBSCRIPTIONS") == []


def test_create_and_show(client: MetaClient) -> None:
    assert run(client, "CREATE DATABASE db WITH DURATION 3d SHARD DURATION 2h NAME short") == []
    run(client, "CREATE RETENTION POLICY forever ON db DURATION INF REPLICATION 2")
    run(client, "CREATE DATABASE other")
    assert run(client, "SHOW DATABASES") == [
        Row(name="databases", columns=["name"], values=[["db"], ["other"]])]
    assert run(client, "SHOW DATABASES", authorized=lambda name: name == "other") == [
        Row(name="databases", columns=["name"], values=[["other"]])]
    expected = [Row(columns=statements.SHOW_RETENTION_POLICIES_COLUMNS,
                    values=[["short", "72h0m0s", "2h0m0s", 1, True],
                            ["forever", "0s", "168h0m0s", 2, False]])]
    assert run(client, "SHOW RETENTION POLICIES ON db") == expected
    assert run(client, "SHOW RETENTION POLICIES", default_database="db") == expected


def test_shards_and_groups(client: MetaClient) -> None:
    run(client, "CREATE DATABASE db WITH DURATION 3d SHARD DURATION 2h NAME short")
    run(client, "CREATE DATABASE empty")
    client.create_shard_group("db", "short", T0 + 3 * HOUR)
    client.create_shard_group("db", "short", T0)
    assert run(client, "SHOW SHARDS") == [
        Row(name="db", columns=statements.SHOW_SHARDS_COLUMNS, values=[
            [2, "db", "short", 2, "2020-01-01T00:00:00Z", "2020-01-01T02:00:00Z", "2020-01-04T02:00:00Z", ""],
            [1, "db", "short", 1, "2020-01-01T02:00:00Z", "2020-01-01T04:00:00Z", "2020-01-04T04:00:00Z", ""],
        ]),
        Row(name="empty", columns=statements.SHOW_SHARDS_COLUMNS),
    ]
    run(client, "DROP SHARD 2")
    assert run(client, "SHOW SHARD GROUPS") == [Row(
        name="shard groups", columns=statements.SHOW_SHARD_GROUPS_COLUMNS,
        values=[[1, "db", "short", "2020-01-01T02:00:00Z", "2020-01-01T04:00:00Z", "2020-01-04T04:00:00Z"]])]


def test_owners_are_joined_with_commas(client: MetaClient) -> None:
    client.create_database("db")
    for host in ("a", "b"):
        client.backend.apply(commands.CreateDataNode(f"{host}:8086", f"{host}:8088"))
    client.create_retention_policy("db", RetentionPolicySpec("r2", 2, 0, 0))
    client.create_shard_group("db", "r2", T0)
    # Index 5 when the group is made (open, db, two nodes, rp): 5 % 2 -> copies start at the second node.
    assert run(client, "SHOW SHARDS")[0].values[0][-1] == "2,1"


@pytest.mark.parametrize(("text", "message"), [
    ('CREATE DATABASE "a/b"', "invalid name"),
    ('CREATE DATABASE db WITH NAME ".."', "invalid name"),
    ('CREATE RETENTION POLICY "." ON db DURATION 1h REPLICATION 1', "invalid name"),
    ("CREATE RETENTION POLICY r ON nope DURATION 1h REPLICATION 1", "database not found: nope"),
    ("ALTER RETENTION POLICY r ON db DURATION 1h", "retention policy not found: r"),
    ("SHOW RETENTION POLICIES", "database name required"),
    ("SHOW RETENTION POLICIES ON nope", "database not found: nope"),
    ("SHOW GRANTS FOR nobody", "user not found"),
    ("REVOKE READ ON db FROM nobody", "user not found"),
    ("DROP USER nobody", "user not found"),
    ("DROP SUBSCRIPTION s ON db.autogen", "subscription not found"),
    ("CREATE SUBSCRIPTION s ON db.nope DESTINATIONS ALL 'udp://h:1'", "retention policy not found: nope"),
    ("CREATE SUBSCRIPTION s ON db.autogen DESTINATIONS ALL 'udp://h'", "invalid subscription URL: udp://h"),
])
def test_errors(client: MetaClient, text: str, message: str) -> None:
    client.create_database("db")
    with pytest.raises(MetaError) as caught:
        run(client, text)
    assert str(caught.value) == message


def test_database_not_found_is_its_own_kind(client: MetaClient) -> None:
    with pytest.raises(DatabaseNotFoundError) as caught:
        run(client, "SHOW RETENTION POLICIES ON x")
    assert caught.value.name == "x"


def test_drops_of_missing_things_are_quiet_and_skip_local_deletion(client: MetaClient) -> None:
    called: list[object] = []
    assert statements.drop_database(client, "nope", called.append) == []
    client.create_database("db")
    assert statements.drop_retention_policy(client, "db", "nope", lambda *a: called.append(a)) == []
    assert statements.drop_retention_policy(client, "nope", "autogen", lambda *a: called.append(a)) == []
    assert called == []
    assert client.data.index == 2


def test_local_deletion_comes_first(client: MetaClient) -> None:
    client.create_database("db")
    client.create_shard_group("db", "autogen", T0)
    seen: list[tuple[object, ...]] = []

    def remember(*args: object) -> None:
        seen.append((*args, client.data.index))

    statements.drop_shard(client, 1, remember)
    statements.drop_retention_policy(client, "db", "autogen", remember)
    statements.drop_database(client, "db", remember)
    assert seen == [(1, 3), ("db", "autogen", 4), ("db", 5)]
    assert client.databases() == []


def test_alter_and_drop_retention_policy(client: MetaClient) -> None:
    client.create_database("db")
    run(client, "CREATE RETENTION POLICY r ON db DURATION 10d REPLICATION 1")
    run(client, "ALTER RETENTION POLICY r ON db DURATION 2d SHARD DURATION 1d REPLICATION 2 DEFAULT")
    rp = client.retention_policy("db", "")
    assert (rp.name, rp.duration, rp.shard_group_duration, rp.replica_n) == ("r", 2 * DAY, DAY, 2)
    run(client, "DROP RETENTION POLICY r ON db")
    assert [r.name for r in client.database("db").retention_policies] == ["autogen"]


def test_users_grants_and_revokes(client: MetaClient) -> None:
    client.create_database("db")
    client.create_database("db2")
    client.create_user("u", "hash", admin=False)
    run(client, "GRANT ALL ON db TO u")
    run(client, "GRANT WRITE ON db2 TO u")
    run(client, "REVOKE READ ON db FROM u")  # ALL minus READ leaves WRITE
    run(client, "REVOKE ALL ON db2 FROM u")
    assert run(client, "SHOW GRANTS FOR u") == [
        Row(columns=["database", "privilege"], values=[["db", "WRITE"], ["db2", "NO PRIVILEGES"]])]
    run(client, "GRANT ALL PRIVILEGES TO u")
    assert run(client, "SHOW USERS") == [Row(columns=["user", "admin"], values=[["u", True]])]
    run(client, "REVOKE ALL PRIVILEGES FROM u")
    run(client, "DROP USER u")
    assert client.users() == []


def test_continuous_queries_and_subscriptions(client: MetaClient) -> None:
    client.create_database("db")
    client.create_database("db2")
    statements.create_continuous_query(client, "db", "cq", "CREATE CONTINUOUS QUERY cq ON db BEGIN x END")
    assert run(client, "SHOW CONTINUOUS QUERIES") == [
        Row(name="db", columns=["name", "query"],
            values=[["cq", "CREATE CONTINUOUS QUERY cq ON db BEGIN x END"]]),
        Row(name="db2", columns=["name", "query"]),
    ]
    run(client, "DROP CONTINUOUS QUERY cq ON db")
    run(client, "CREATE SUBSCRIPTION s ON db2.autogen DESTINATIONS ANY 'udp://h:1', 'http://h:2'")
    assert run(client, "SHOW SUBSCRIPTIONS") == [
        Row(name="db2", columns=["retention_policy", "name", "mode", "destinations"],
            values=[["autogen", "s", "ANY", ["udp://h:1", "http://h:2"]]])]
    run(client, "DROP SUBSCRIPTION s ON db2.autogen")
    assert run(client, "SHOW SUBSCRIPTIONS") == []


def test_statements_that_are_not_meta_ones_are_refused(client: MetaClient) -> None:
    with pytest.raises(TypeError, match="not a meta statement: SelectStatement"):
        run(client, "SELECT * FROM m")
    with pytest.raises(TypeError, match="CreateUserStatement"):
        statements.execute(ast.CreateUserStatement(name="u", password="p"), client)
