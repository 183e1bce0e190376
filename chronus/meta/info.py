"""The records of the meta model, one per message of InfluxDB's ``meta.proto``.

``clone`` makes deep copies by hand: every command copies the whole state first, and a generic deep copy
of thousands of shard groups would make that the slowest step of a write that needs a new group.

They are plain mutable dataclasses; only ``Data`` (``data.py``) changes them, and only inside a command it
applies to a private copy, so a record a reader holds never changes under it. Times are ``int`` nanoseconds
since the epoch with ``0`` meaning "not set" (as ``meta.db`` stores them), durations ``int`` nanoseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chronus.meta.durations import DEFAULT_REPLICA_N, DEFAULT_RETENTION_POLICY_NAME

# influxql.Privilege values, as stored in UserPrivilege.Privilege.
NO_PRIVILEGES = 0
READ_PRIVILEGE = 1
WRITE_PRIVILEGE = 2
ALL_PRIVILEGES = 3

PRIVILEGE_NAMES = {
    NO_PRIVILEGES: "NO PRIVILEGES",
    READ_PRIVILEGE: "READ",
    WRITE_PRIVILEGE: "WRITE",
    ALL_PRIVILEGES: "ALL PRIVILEGES",
}


@dataclass
class NodeInfo:
    """A data or meta node of a cluster: its id, HTTP address and TCP (RPC / Raft) address."""

    id: int
    host: str
    tcp_host: str = ""

    def clone(self) -> NodeInfo:
        return NodeInfo(self.id, self.host, self.tcp_host)


@dataclass
class ShardInfo:
    """A shard and the ids of the data nodes holding a copy (none on a single OSS node)."""

    id: int
    owners: list[int] = field(default_factory=list)

    def clone(self) -> ShardInfo:
        return ShardInfo(self.id, list(self.owners))

    def owned_by(self, node_id: int) -> bool:
        return node_id in self.owners


@dataclass
class ShardGroupInfo:
    """The shards holding one ``[start_time, end_time)`` window of a retention policy.

    A group is soft-deleted (``deleted_at`` set) rather than removed, so every node can tell "dropped" from
    "never heard of"; ``truncated_at`` closes a group early to new writes.
    """

    id: int
    start_time: int
    end_time: int
    deleted_at: int = 0
    shards: list[ShardInfo] = field(default_factory=list)
    truncated_at: int = 0

    def clone(self) -> ShardGroupInfo:
        shards = [ShardInfo(shard.id, list(shard.owners)) for shard in self.shards]
        return ShardGroupInfo(self.id, self.start_time, self.end_time, self.deleted_at, shards,
                              self.truncated_at)

    @property
    def deleted(self) -> bool:
        return self.deleted_at != 0

    @property
    def truncated(self) -> bool:
        return self.truncated_at != 0

    def contains(self, timestamp: int) -> bool:
        return self.start_time <= timestamp < self.end_time

    def overlaps(self, tmin: int, tmax: int) -> bool:
        """Whether the group may hold data in ``[tmin, tmax]`` (both inclusive)."""
        return self.start_time <= tmax and self.end_time > tmin

    def accepts(self, timestamp: int) -> bool:
        """Whether a point at ``timestamp`` is written to this group."""
        return (self.contains(timestamp) and not self.deleted
                and (not self.truncated or timestamp < self.truncated_at))

    def sort_key(self) -> tuple[int, int]:
        """Groups are kept ordered by (effective end, start), the order the rest of InfluxDB relies on."""
        return (self.truncated_at if self.truncated else self.end_time, self.start_time)

    def shard_for(self, hash_value: int) -> ShardInfo:
        """The shard a series goes to, from the fnv64a hash of its key."""
        return self.shards[hash_value % len(self.shards)]


@dataclass
class SubscriptionInfo:
    """Where a retention policy's writes are copied to: ``ALL`` or ``ANY`` of the destinations."""

    name: str
    mode: str
    destinations: list[str] = field(default_factory=list)

    def clone(self) -> SubscriptionInfo:
        return SubscriptionInfo(self.name, self.mode, list(self.destinations))


@dataclass
class RetentionPolicyInfo:
    """How long a database keeps data, in which shard group windows, with how many copies."""

    name: str = DEFAULT_RETENTION_POLICY_NAME
    replica_n: int = DEFAULT_REPLICA_N
    duration: int = 0
    shard_group_duration: int = 0
    shard_groups: list[ShardGroupInfo] = field(default_factory=list)
    subscriptions: list[SubscriptionInfo] = field(default_factory=list)

    def clone(self) -> RetentionPolicyInfo:
        return RetentionPolicyInfo(self.name, self.replica_n, self.duration, self.shard_group_duration,
                                   [group.clone() for group in self.shard_groups],
                                   [sub.clone() for sub in self.subscriptions])

    def shard_group_by_timestamp(self, timestamp: int) -> ShardGroupInfo | None:
        """The live group a point at ``timestamp`` is written to, if one exists yet."""
        for group in self.shard_groups:
            if group.accepts(timestamp):
                return group
        return None

    def expired_shard_groups(self, now: int) -> list[ShardGroupInfo]:
        """Live groups whose data is older than the policy keeps (the retention service drops them)."""
        if self.duration == 0:
            return []
        return [g for g in self.shard_groups if not g.deleted and g.end_time + self.duration < now]

    def deleted_shard_groups(self) -> list[ShardGroupInfo]:
        return [g for g in self.shard_groups if g.deleted]

    def subscription(self, name: str) -> SubscriptionInfo | None:
        return next((s for s in self.subscriptions if s.name == name), None)


@dataclass
class ContinuousQueryInfo:
    """A continuous query: its name and its canonical ``CREATE CONTINUOUS QUERY`` text."""

    name: str
    query: str

    def clone(self) -> ContinuousQueryInfo:
        return ContinuousQueryInfo(self.name, self.query)


@dataclass
class DatabaseInfo:
    """A database, its retention policies (in creation order) and continuous queries."""

    name: str
    default_retention_policy: str = ""
    retention_policies: list[RetentionPolicyInfo] = field(default_factory=list)
    continuous_queries: list[ContinuousQueryInfo] = field(default_factory=list)

    def clone(self) -> DatabaseInfo:
        return DatabaseInfo(self.name, self.default_retention_policy,
                            [rp.clone() for rp in self.retention_policies],
                            [cq.clone() for cq in self.continuous_queries])

    def retention_policy(self, name: str) -> RetentionPolicyInfo | None:
        """The policy called ``name``; an empty name means the default policy."""
        if not name:
            name = self.default_retention_policy
            if not name:
                return None
        return next((rp for rp in self.retention_policies if rp.name == name), None)

    def shard_infos(self) -> list[ShardInfo]:
        """Every shard of the live shard groups of every policy."""
        return [shard for rp in self.retention_policies for group in rp.shard_groups
                if not group.deleted for shard in group.shards]


@dataclass
class UserInfo:
    """A user: bcrypt hash of the password, admin flag, and per-database privileges."""

    name: str
    hash: str
    admin: bool = False
    privileges: dict[str, int] = field(default_factory=dict)

    def clone(self) -> UserInfo:
        return UserInfo(self.name, self.hash, self.admin, dict(self.privileges))

    def authorize_database(self, privilege: int, database: str) -> bool:
        """Whether the user holds ``privilege`` on ``database`` (admins hold everything)."""
        if self.admin or privilege == NO_PRIVILEGES:
            return True
        granted = self.privileges.get(database)
        return granted is not None and granted in (privilege, ALL_PRIVILEGES)
