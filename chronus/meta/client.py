"""The meta client: the one object the rest of a node asks about databases, policies, shard groups and
users, and through which it changes them.

It reads the current ``Data`` of a backend and turns requests into commands for it. The backend is the
embedded ``LocalMetaStore`` on a single node; on a cluster it will be the Raft-replicated store of the meta
nodes, with the same two members (``data`` and ``apply``). Times that commands need (deletion stamps) are
taken here, from ``clock``, so the commands stay deterministic.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from chronus.meta import commands, errors
from chronus.meta.data import Data, RetentionPolicySpec, RetentionPolicyUpdate
from chronus.meta.info import DatabaseInfo, RetentionPolicyInfo, ShardGroupInfo, UserInfo


class MetaBackend(Protocol):
    """Where meta data lives: the current state and a way to change it."""

    @property
    def data(self) -> Data: ...

    def apply(self, command: commands.Command) -> bool: ...


class MetaClient:
    """Queries and changes of the meta data, with InfluxDB's client-side rules."""

    def __init__(self, backend: MetaBackend, *, retention_autocreate: bool = True,
                 clock: Callable[[], int] = time.time_ns) -> None:
        self.backend = backend
        self.retention_autocreate = retention_autocreate
        self.clock = clock

    @property
    def data(self) -> Data:
        return self.backend.data

    # -- databases and retention policies -------------------------------------------------------------

    def databases(self) -> list[DatabaseInfo]:
        return self.data.databases

    def database(self, name: str) -> DatabaseInfo | None:
        return self.data.database(name)

    def create_database(self, name: str) -> DatabaseInfo:
        """The database ``name``, created (with ``autogen`` if ``[meta] retention-autocreate``) if new."""
        existing = self.data.database(name)
        if existing is not None:
            return existing
        self.backend.apply(commands.CreateDatabase(name, autogen=self.retention_autocreate))
        return self._database(name)

    def create_database_with_retention_policy(self, name: str, spec: RetentionPolicySpec) -> DatabaseInfo:
        self.backend.apply(commands.CreateDatabaseWithRetentionPolicy(name, spec))
        return self._database(name)

    def drop_database(self, name: str) -> None:
        self.backend.apply(commands.DropDatabase(name))

    def retention_policy(self, database: str, name: str) -> RetentionPolicyInfo | None:
        """The policy ``name`` (empty: the default one) of an existing database."""
        db = self.data.database(database)
        if db is None:
            raise errors.DatabaseNotFoundError(database)
        return db.retention_policy(name)

    def create_retention_policy(self, database: str, spec: RetentionPolicySpec,
                                make_default: bool = False) -> RetentionPolicyInfo:
        self.backend.apply(commands.CreateRetentionPolicy(database, spec, make_default))
        rp = self.retention_policy(database, spec.new_retention_policy_info().name)
        assert rp is not None
        return rp

    def drop_retention_policy(self, database: str, name: str) -> None:
        self.backend.apply(commands.DropRetentionPolicy(database, name))

    def update_retention_policy(self, database: str, name: str, update: RetentionPolicyUpdate,
                                make_default: bool = False) -> None:
        self.backend.apply(commands.UpdateRetentionPolicy(database, name, update, make_default))

    def _database(self, name: str) -> DatabaseInfo:
        db = self.data.database(name)
        assert db is not None
        return db

    # -- shard groups ---------------------------------------------------------------------------------

    def shard_groups_by_time_range(self, database: str, policy: str, tmin: int,
                                   tmax: int) -> list[ShardGroupInfo]:
        return self.data.shard_groups_by_time_range(database, policy, tmin, tmax)

    def create_shard_group(self, database: str, policy: str, timestamp: int) -> ShardGroupInfo:
        """The shard group a point at ``timestamp`` goes to, created if there is none yet."""
        group = self.data.shard_group_by_timestamp(database, policy, timestamp)
        if group is not None:
            return group
        self.backend.apply(commands.CreateShardGroup(database, policy, timestamp))
        group = self.data.shard_group_by_timestamp(database, policy, timestamp)
        assert group is not None
        return group

    def delete_shard_group(self, database: str, policy: str, group_id: int) -> None:
        self.backend.apply(commands.DeleteShardGroup(database, policy, group_id, self.clock()))

    def drop_shard(self, shard_id: int) -> None:
        self.backend.apply(commands.DropShard(shard_id, self.clock()))

    def truncate_shard_groups(self, timestamp: int) -> None:
        self.backend.apply(commands.TruncateShardGroups(timestamp))

    def prune_shard_groups(self) -> None:
        self.backend.apply(commands.PruneShardGroups(self.clock()))

    def precreate_shard_groups(self, start: int, end: int) -> None:
        self.backend.apply(commands.PrecreateShardGroups(start, end))

    def shard_owner(self, shard_id: int) -> tuple[str, str, ShardGroupInfo] | None:
        return self.data.shard_owner(shard_id)

    def shard_ids(self) -> list[int]:
        return self.data.shard_ids()

    # -- continuous queries and subscriptions ---------------------------------------------------------

    def create_continuous_query(self, database: str, name: str, query: str) -> None:
        self.backend.apply(commands.CreateContinuousQuery(database, name, query))

    def drop_continuous_query(self, database: str, name: str) -> None:
        self.backend.apply(commands.DropContinuousQuery(database, name))

    def create_subscription(self, database: str, policy: str, name: str, mode: str,
                            destinations: list[str]) -> None:
        self.backend.apply(commands.CreateSubscription(database, policy, name, mode, tuple(destinations)))

    def drop_subscription(self, database: str, policy: str, name: str) -> None:
        self.backend.apply(commands.DropSubscription(database, policy, name))

    # -- users ----------------------------------------------------------------------------------------
    # Passwords are hashed (bcrypt) by the caller: the commands carry hashes only.

    def users(self) -> list[UserInfo]:
        return self.data.users

    def user(self, name: str) -> UserInfo | None:
        return self.data.user(name)

    def create_user(self, name: str, password_hash: str, admin: bool) -> None:
        self.backend.apply(commands.CreateUser(name, password_hash, admin))

    def update_user(self, name: str, password_hash: str) -> None:
        self.backend.apply(commands.UpdateUser(name, password_hash))

    def drop_user(self, name: str) -> None:
        self.backend.apply(commands.DropUser(name))

    def set_privilege(self, username: str, database: str, privilege: int) -> None:
        self.backend.apply(commands.SetPrivilege(username, database, privilege))

    def set_admin_privilege(self, username: str, admin: bool) -> None:
        self.backend.apply(commands.SetAdminPrivilege(username, admin))

    def user_privileges(self, username: str) -> dict[str, int]:
        return self.data.user_privileges(username)

    def admin_user_exists(self) -> bool:
        return self.data.admin_user_exists()
