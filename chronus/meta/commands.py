"""Commands: the only way meta data changes.

Each command is a small frozen dataclass holding plain values, and ``apply(data)`` carries it out on a
``Data`` (a private copy; see ``store.py``) by calling ``Data``'s rules. Commands never read the clock, draw
random numbers or look outside ``data``: the proposer puts ``now`` into the command. So the same commands
applied in the same order give the same state on every node, and a Raft log of them can be replayed.

``apply`` returns whether the state changed in a way that is committed (the meta index moves on and the
store persists); a command that raises ``MetaError`` changes nothing. These are the commit points of
InfluxDB's meta client (e.g. creating an existing database commits nothing, dropping an unknown shard
does), so ``meta.db`` indexes follow influxd's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chronus.meta import errors
from chronus.meta.data import Data, RetentionPolicySpec, RetentionPolicyUpdate
from chronus.meta.info import RetentionPolicyInfo


class Command:
    """Base of every command: ``apply`` changes ``data`` in place and says whether to commit."""

    def apply(self, data: Data) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class CreateDatabase(Command):
    """CREATE DATABASE without WITH: add the database and, when ``autogen``, its default policy."""

    name: str
    autogen: bool = True

    def apply(self, data: Data) -> bool:
        if data.database(self.name) is not None:
            return False
        data.create_database(self.name)
        if self.autogen:
            data.create_retention_policy(self.name, RetentionPolicyInfo(), make_default=True)
        return True


@dataclass(frozen=True)
class CreateDatabaseWithRetentionPolicy(Command):
    """CREATE DATABASE ... WITH: the database with ``spec`` as its default policy.

    Idempotent only if the database's default policy already is exactly ``spec``; any other existing
    policy of that name, or a different default, is a conflict.
    """

    name: str
    spec: RetentionPolicySpec

    def apply(self, data: Data) -> bool:
        self.spec.check_duration()
        data.create_database(self.name)
        db = data.database(self.name)
        assert db is not None
        rp = self.spec.new_retention_policy_info()
        if not db.retention_policies:
            data.create_retention_policy(self.name, rp, make_default=True)
        elif not self.spec.matches(db.retention_policy(rp.name)):
            raise errors.MetaError(errors.RETENTION_POLICY_CONFLICT)
        if db.default_retention_policy != rp.name:
            raise errors.MetaError(errors.RETENTION_POLICY_CONFLICT)
        return True


@dataclass(frozen=True)
class DropDatabase(Command):
    name: str

    def apply(self, data: Data) -> bool:
        data.drop_database(self.name)
        return True


@dataclass(frozen=True)
class CreateRetentionPolicy(Command):
    database: str
    spec: RetentionPolicySpec
    make_default: bool = False

    def apply(self, data: Data) -> bool:
        self.spec.check_duration()
        data.create_retention_policy(self.database, self.spec.new_retention_policy_info(), self.make_default)
        return True


@dataclass(frozen=True)
class DropRetentionPolicy(Command):
    database: str
    name: str

    def apply(self, data: Data) -> bool:
        data.drop_retention_policy(self.database, self.name)
        return True


@dataclass(frozen=True)
class UpdateRetentionPolicy(Command):
    database: str
    name: str
    update: RetentionPolicyUpdate
    make_default: bool = False

    def apply(self, data: Data) -> bool:
        data.update_retention_policy(self.database, self.name, self.update, self.make_default)
        return True


@dataclass(frozen=True)
class CreateShardGroup(Command):
    """Make sure a shard group takes points at ``timestamp`` (ns) in ``database.policy``."""

    database: str
    policy: str
    timestamp: int

    def apply(self, data: Data) -> bool:
        if data.shard_group_by_timestamp(self.database, self.policy, self.timestamp) is not None:
            return False
        data.create_shard_group(self.database, self.policy, self.timestamp)
        return True


@dataclass(frozen=True)
class DeleteShardGroup(Command):
    database: str
    policy: str
    group_id: int
    now: int

    def apply(self, data: Data) -> bool:
        data.delete_shard_group(self.database, self.policy, self.group_id, self.now)
        return True


@dataclass(frozen=True)
class DropShard(Command):
    shard_id: int
    now: int

    def apply(self, data: Data) -> bool:
        data.drop_shard(self.shard_id, self.now)
        return True


@dataclass(frozen=True)
class TruncateShardGroups(Command):
    timestamp: int

    def apply(self, data: Data) -> bool:
        data.truncate_shard_groups(self.timestamp)
        return True


@dataclass(frozen=True)
class PruneShardGroups(Command):
    now: int

    def apply(self, data: Data) -> bool:
        return data.prune_shard_groups(self.now)


@dataclass(frozen=True)
class PrecreateShardGroups(Command):
    start: int
    end: int

    def apply(self, data: Data) -> bool:
        return bool(data.precreate_shard_groups(self.start, self.end))


@dataclass(frozen=True)
class CreateContinuousQuery(Command):
    database: str
    name: str
    query: str

    def apply(self, data: Data) -> bool:
        data.create_continuous_query(self.database, self.name, self.query)
        return True


@dataclass(frozen=True)
class DropContinuousQuery(Command):
    database: str
    name: str

    def apply(self, data: Data) -> bool:
        data.drop_continuous_query(self.database, self.name)
        return True


@dataclass(frozen=True)
class CreateSubscription(Command):
    database: str
    policy: str
    name: str
    mode: str
    destinations: tuple[str, ...] = field(default_factory=tuple)

    def apply(self, data: Data) -> bool:
        data.create_subscription(self.database, self.policy, self.name, self.mode, list(self.destinations))
        return True


@dataclass(frozen=True)
class DropSubscription(Command):
    database: str
    policy: str
    name: str

    def apply(self, data: Data) -> bool:
        data.drop_subscription(self.database, self.policy, self.name)
        return True


@dataclass(frozen=True)
class CreateUser(Command):
    """Add a user; ``password_hash`` is computed by the proposer (bcrypt salts are random)."""

    name: str
    password_hash: str
    admin: bool = False

    def apply(self, data: Data) -> bool:
        data.create_user(self.name, self.password_hash, self.admin)
        return True


@dataclass(frozen=True)
class DropUser(Command):
    name: str

    def apply(self, data: Data) -> bool:
        data.drop_user(self.name)
        return True


@dataclass(frozen=True)
class UpdateUser(Command):
    name: str
    password_hash: str

    def apply(self, data: Data) -> bool:
        data.update_user(self.name, self.password_hash)
        return True


@dataclass(frozen=True)
class SetPrivilege(Command):
    username: str
    database: str
    privilege: int

    def apply(self, data: Data) -> bool:
        data.set_privilege(self.username, self.database, self.privilege)
        return True


@dataclass(frozen=True)
class SetAdminPrivilege(Command):
    username: str
    admin: bool

    def apply(self, data: Data) -> bool:
        data.set_admin_privilege(self.username, self.admin)
        return True


@dataclass(frozen=True)
class CreateDataNode(Command):
    http_addr: str
    tcp_addr: str

    def apply(self, data: Data) -> bool:
        data.create_data_node(self.http_addr, self.tcp_addr)
        return True


@dataclass(frozen=True)
class UpdateDataNode(Command):
    node_id: int
    http_addr: str
    tcp_addr: str

    def apply(self, data: Data) -> bool:
        data.update_data_node(self.node_id, self.http_addr, self.tcp_addr)
        return True


@dataclass(frozen=True)
class DeleteDataNode(Command):
    node_id: int

    def apply(self, data: Data) -> bool:
        data.delete_data_node(self.node_id)
        return True


@dataclass(frozen=True)
class CreateMetaNode(Command):
    http_addr: str
    tcp_addr: str

    def apply(self, data: Data) -> bool:
        data.create_meta_node(self.http_addr, self.tcp_addr)
        return True


@dataclass(frozen=True)
class DeleteMetaNode(Command):
    node_id: int

    def apply(self, data: Data) -> bool:
        data.delete_meta_node(self.node_id)
        return True


@dataclass(frozen=True)
class SetData(Command):
    """Replace everything (restore, or a follower catching up from a snapshot)."""

    data: Data

    def apply(self, data: Data) -> bool:
        replacement = self.data.clone()
        for name in data.__dataclass_fields__:
            setattr(data, name, getattr(replacement, name))
        return True
