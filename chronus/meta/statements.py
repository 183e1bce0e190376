"""InfluxQL statements about databases, retention policies and shards, run against the meta client.

Each function takes the statement's values as plain Python values and returns the result rows in the shape
influxd sends (``chronus.query.result.Row``: name, columns, values), or raises ``MetaError`` whose text is
the statement's ``"error"``. Statements that also remove data on disk take ``delete_local``, called first
(as influxd deletes local data before the meta data), so the order lives here once.
``execute`` maps the parsed AST onto these functions.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from chronus.influxql import ast
from chronus.influxql.quoting import go_duration_string
from chronus.meta import errors
from chronus.meta.client import MetaClient
from chronus.meta.data import RetentionPolicySpec, RetentionPolicyUpdate, valid_name
from chronus.meta.info import ALL_PRIVILEGES, NO_PRIVILEGES, PRIVILEGE_NAMES
from chronus.query.result import GoInt, Row

SHOW_RETENTION_POLICIES_COLUMNS = ["name", "duration", "shardGroupDuration", "replicaN", "default"]
SHOW_SHARDS_COLUMNS = ["id", "database", "retention_policy", "shard_group", "start_time", "end_time",
                       "expiry_time", "owners"]
SHOW_SHARD_GROUPS_COLUMNS = ["id", "database", "retention_policy", "start_time", "end_time", "expiry_time"]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def format_rfc3339_seconds(ns: int) -> str:
    """A UTC time in Go's ``time.RFC3339`` layout (whole seconds, fraction dropped): SHOW SHARDS' times."""
    seconds = ns // 1_000_000_000
    return (_EPOCH + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_database(client: MetaClient, name: str, *, retention_policy_create: bool = False,
                    duration: int | None = None, replication: int | None = None,
                    retention_policy_name: str = "", shard_duration: int = 0) -> list[Row]:
    """CREATE DATABASE name [WITH [DURATION d] [REPLICATION n] [SHARD DURATION s] [NAME rp]]."""
    if not valid_name(name):
        raise errors.MetaError(errors.INVALID_NAME)
    if not retention_policy_create:
        client.create_database(name)
        return []
    if retention_policy_name and not valid_name(retention_policy_name):
        raise errors.MetaError(errors.INVALID_NAME)
    spec = RetentionPolicySpec(name=retention_policy_name, replica_n=replication, duration=duration,
                               shard_group_duration=shard_duration)
    client.create_database_with_retention_policy(name, spec)
    return []


def drop_database(client: MetaClient, name: str,
                  delete_local: Callable[[str], None] | None = None) -> list[Row]:
    """DROP DATABASE name: a database that does not exist is not an error."""
    if client.database(name) is None:
        return []
    if delete_local is not None:
        delete_local(name)
    client.drop_database(name)
    return []


def create_retention_policy(client: MetaClient, database: str, name: str, duration: int, replication: int,
                            shard_duration: int = 0, default: bool = False) -> list[Row]:
    """CREATE RETENTION POLICY name ON db DURATION d REPLICATION n [SHARD DURATION s] [DEFAULT]."""
    if not valid_name(name):
        raise errors.MetaError(errors.INVALID_NAME)
    spec = RetentionPolicySpec(name=name, replica_n=replication, duration=duration,
                               shard_group_duration=shard_duration)
    client.create_retention_policy(database, spec, default)
    return []


def alter_retention_policy(client: MetaClient, database: str, name: str, *, duration: int | None = None,
                           replication: int | None = None, shard_duration: int | None = None,
                           default: bool = False) -> list[Row]:
    """ALTER RETENTION POLICY name ON db [DURATION d] [REPLICATION n] [SHARD DURATION s] [DEFAULT]."""
    update = RetentionPolicyUpdate(duration=duration, replica_n=replication,
                                   shard_group_duration=shard_duration)
    client.update_retention_policy(database, name, update, default)
    return []


def drop_retention_policy(client: MetaClient, database: str, name: str,
                          delete_local: Callable[[str, str], None] | None = None) -> list[Row]:
    """DROP RETENTION POLICY name ON db: a missing database or policy is not an error."""
    db = client.database(database)
    if db is None or db.retention_policy(name) is None:
        return []
    if delete_local is not None:
        delete_local(database, name)
    client.drop_retention_policy(database, name)
    return []


def drop_shard(client: MetaClient, shard_id: int,
               delete_local: Callable[[int], None] | None = None) -> list[Row]:
    """DROP SHARD id: an unknown id is not an error."""
    if delete_local is not None:
        delete_local(shard_id)
    client.drop_shard(shard_id)
    return []


def show_databases(client: MetaClient, authorized: Callable[[str], bool] | None = None) -> list[Row]:
    """SHOW DATABASES, limited to the databases ``authorized(name)`` allows reading or writing."""
    values: list[list[Any]] = [[db.name] for db in client.databases()
                               if authorized is None or authorized(db.name)]
    return [Row(name="databases", columns=["name"], values=values)]


def show_retention_policies(client: MetaClient, database: str) -> list[Row]:
    """SHOW RETENTION POLICIES [ON db] (the executor fills in the query's default database)."""
    if not database:
        raise errors.MetaError(errors.DATABASE_NAME_REQUIRED)
    db = client.database(database)
    if db is None:
        raise errors.DatabaseNotFoundError(database)
    values: list[list[Any]] = [
        [rp.name, go_duration_string(rp.duration), go_duration_string(rp.shard_group_duration),
         GoInt(rp.replica_n), rp.name == db.default_retention_policy]
        for rp in db.retention_policies
    ]
    return [Row(columns=list(SHOW_RETENTION_POLICIES_COLUMNS), values=values)]


def show_shards(client: MetaClient) -> list[Row]:
    """SHOW SHARDS: one row per database (even without shards), live shard groups only."""
    rows = []
    for db in client.databases():
        values: list[list[Any]] = []
        for rp in db.retention_policies:
            for group in rp.shard_groups:
                if group.deleted:
                    continue
                start, end, expiry = _group_times(group.start_time, group.end_time, rp.duration)
                for shard in group.shards:
                    values.append([shard.id, db.name, rp.name, group.id, start, end, expiry,
                                   ",".join(str(owner) for owner in shard.owners)])
        rows.append(Row(name=db.name, columns=list(SHOW_SHARDS_COLUMNS), values=values))
    return rows


def show_shard_groups(client: MetaClient) -> list[Row]:
    """SHOW SHARD GROUPS: every live shard group of every database, in one row set."""
    values: list[list[Any]] = []
    for db in client.databases():
        for rp in db.retention_policies:
            for group in rp.shard_groups:
                if not group.deleted:
                    values.append([group.id, db.name, rp.name,
                                   *_group_times(group.start_time, group.end_time, rp.duration)])
    return [Row(name="shard groups", columns=list(SHOW_SHARD_GROUPS_COLUMNS), values=values)]


def grant(client: MetaClient, privilege: int, database: str, username: str) -> list[Row]:
    """GRANT READ|WRITE|ALL ON db TO user."""
    client.set_privilege(username, database, int(privilege))
    return []


def revoke(client: MetaClient, privilege: int, database: str, username: str) -> list[Row]:
    """REVOKE READ|WRITE|ALL ON db FROM user: clears those bits; the user keeps an entry for ``db``."""
    remaining = NO_PRIVILEGES
    if privilege != ALL_PRIVILEGES:
        user = client.user(username)
        if user is None:
            raise errors.MetaError(errors.USER_NOT_FOUND)
        remaining = user.privileges.get(database, NO_PRIVILEGES) & ~int(privilege)
    client.set_privilege(username, database, remaining)
    return []


def set_admin(client: MetaClient, username: str, admin: bool) -> list[Row]:
    """GRANT ALL PRIVILEGES TO user / REVOKE ALL PRIVILEGES FROM user."""
    client.set_admin_privilege(username, admin)
    return []


def drop_user(client: MetaClient, username: str) -> list[Row]:
    client.drop_user(username)
    return []


def create_continuous_query(client: MetaClient, database: str, name: str, query_text: str) -> list[Row]:
    """CREATE CONTINUOUS QUERY, stored under its canonical text (the executor checks its sources first)."""
    client.create_continuous_query(database, name, query_text)
    return []


def drop_continuous_query(client: MetaClient, database: str, name: str) -> list[Row]:
    client.drop_continuous_query(database, name)
    return []


def create_subscription(client: MetaClient, database: str, policy: str, name: str, mode: str,
                        destinations: list[str]) -> list[Row]:
    client.create_subscription(database, policy, name, mode, destinations)
    return []


def drop_subscription(client: MetaClient, database: str, policy: str, name: str) -> list[Row]:
    client.drop_subscription(database, policy, name)
    return []


def show_users(client: MetaClient) -> list[Row]:
    """SHOW USERS: name and admin flag of every user."""
    values: list[list[Any]] = [[user.name, user.admin] for user in client.users()]
    return [Row(columns=["user", "admin"], values=values)]


def show_grants(client: MetaClient, username: str) -> list[Row]:
    """SHOW GRANTS FOR user: the privilege on each database the user has an entry for."""
    values: list[list[Any]] = [[database, PRIVILEGE_NAMES.get(privilege, "")]
                               for database, privilege in client.user_privileges(username).items()]
    return [Row(columns=["database", "privilege"], values=values)]


def show_continuous_queries(client: MetaClient) -> list[Row]:
    """SHOW CONTINUOUS QUERIES: one row per database, even one without CQs."""
    return [Row(name=db.name, columns=["name", "query"],
                values=[[cq.name, cq.query] for cq in db.continuous_queries])
            for db in client.databases()]


def show_subscriptions(client: MetaClient) -> list[Row]:
    """SHOW SUBSCRIPTIONS: one row per database that has subscriptions."""
    rows = []
    for db in client.databases():
        values: list[list[Any]] = [[rp.name, sub.name, sub.mode, list(sub.destinations)]
                                   for rp in db.retention_policies for sub in rp.subscriptions]
        if values:
            rows.append(Row(name=db.name, columns=["retention_policy", "name", "mode", "destinations"],
                            values=values))
    return rows


def _group_times(start: int, end: int, rp_duration: int) -> tuple[str, str, str]:
    expiry = end + rp_duration
    return format_rfc3339_seconds(start), format_rfc3339_seconds(end), format_rfc3339_seconds(expiry)


def execute(statement: ast.Statement, client: MetaClient, *, default_database: str = "",
            authorized: Callable[[str], bool] | None = None) -> list[Row]:
    """Run a parsed meta statement; raises ``TypeError`` for one it does not handle (CREATE USER and SET
    PASSWORD need a password hash, CREATE CONTINUOUS QUERY a check of its sources: the executor's work)."""
    s: Any = statement
    if isinstance(s, ast.CreateDatabaseStatement):
        return create_database(client, s.name, retention_policy_create=s.retention_policy_create,
                               duration=s.retention_policy_duration,
                               replication=s.retention_policy_replication,
                               retention_policy_name=s.retention_policy_name,
                               shard_duration=s.retention_policy_shard_group_duration)
    if isinstance(s, ast.DropDatabaseStatement):
        return drop_database(client, s.name)
    if isinstance(s, ast.CreateRetentionPolicyStatement):
        return create_retention_policy(client, s.database, s.name, s.duration, s.replication,
                                       s.shard_group_duration, s.default)
    if isinstance(s, ast.AlterRetentionPolicyStatement):
        return alter_retention_policy(client, s.database, s.name, duration=s.duration,
                                      replication=s.replication, shard_duration=s.shard_group_duration,
                                      default=s.default)
    if isinstance(s, ast.DropRetentionPolicyStatement):
        return drop_retention_policy(client, s.database, s.name)
    if isinstance(s, ast.DropShardStatement):
        return drop_shard(client, s.id)
    if isinstance(s, ast.ShowDatabasesStatement):
        return show_databases(client, authorized)
    if isinstance(s, ast.ShowRetentionPoliciesStatement):
        return show_retention_policies(client, s.database or default_database)
    if isinstance(s, ast.ShowShardsStatement):
        return show_shards(client)
    if isinstance(s, ast.ShowShardGroupsStatement):
        return show_shard_groups(client)
    if isinstance(s, ast.GrantStatement):
        return grant(client, s.privilege, s.on, s.user)
    if isinstance(s, ast.RevokeStatement):
        return revoke(client, s.privilege, s.on, s.user)
    if isinstance(s, ast.GrantAdminStatement):
        return set_admin(client, s.user, True)
    if isinstance(s, ast.RevokeAdminStatement):
        return set_admin(client, s.user, False)
    if isinstance(s, ast.DropUserStatement):
        return drop_user(client, s.name)
    if isinstance(s, ast.DropContinuousQueryStatement):
        return drop_continuous_query(client, s.database, s.name)
    if isinstance(s, ast.CreateSubscriptionStatement):
        return create_subscription(client, s.database, s.retention_policy, s.name, s.mode, s.destinations)
    if isinstance(s, ast.DropSubscriptionStatement):
        return drop_subscription(client, s.database, s.retention_policy, s.name)
    if isinstance(s, ast.ShowUsersStatement):
        return show_users(client)
    if isinstance(s, ast.ShowGrantsForUserStatement):
        return show_grants(client, s.name)
    if isinstance(s, ast.ShowContinuousQueriesStatement):
        return show_continuous_queries(client)
    if isinstance(s, ast.ShowSubscriptionsStatement):
        return show_subscriptions(client)
    raise TypeError(f"not a meta statement: {type(statement).__name__}")
