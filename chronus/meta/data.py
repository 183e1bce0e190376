"""The meta state machine: every rule about databases, retention policies, shard groups, users, CQs,
subscriptions and nodes lives in ``Data``'s methods, worded after InfluxDB's ``services/meta/data.go``.

``Data`` is changed only by commands (``commands.py``) applied to a private copy (``clone``), and its methods
never read a clock or a random source: every time comes in as an argument. Replaying the same commands on
the same ``Data`` therefore gives the same ``Data`` on every node, which is what a Raft log needs.
"""

from __future__ import annotations

import unicodedata
import urllib.parse
from dataclasses import dataclass, field

from chronus.meta import errors
from chronus.meta.durations import (
    DEFAULT_REPLICA_N,
    DEFAULT_RETENTION_POLICY_NAME,
    MAX_NAME_LEN,
    MIN_RETENTION_POLICY_DURATION,
    SHARD_GROUP_DELETED_EXPIRATION,
    normalised_shard_group_duration,
    shard_group_bounds,
)
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


def valid_name(name: str) -> bool:
    """Whether ``name`` may name a database or retention policy (it becomes a directory on disk)."""
    return (name not in ("", ".", "..") and "/" not in name and "\\" not in name
            and all(_printable(ch) for ch in name))


def _printable(ch: str) -> bool:
    # Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. A lone
    # surrogate stands for an invalid UTF-8 byte, which Go reads as U+FFFD (printable).
    category = unicodedata.category(ch)
    return ch == " " or category[0] in "LMNPS" or category == "Cs"


def _name_too_long(name: str) -> bool:
    return len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_LEN


@dataclass(frozen=True)
class RetentionPolicySpec:
    """What a user asked for in CREATE RETENTION POLICY / CREATE DATABASE ... WITH; ``None`` = not given."""

    name: str = ""
    replica_n: int | None = None
    duration: int | None = None
    shard_group_duration: int = 0

    def new_retention_policy_info(self) -> RetentionPolicyInfo:
        """The policy this spec describes, defaults (``autogen``, 1 copy, forever) filled in."""
        duration = 0 if self.duration is None else self.duration
        return RetentionPolicyInfo(
            name=self.name or DEFAULT_RETENTION_POLICY_NAME,
            replica_n=DEFAULT_REPLICA_N if self.replica_n is None else self.replica_n,
            duration=duration,
            shard_group_duration=normalised_shard_group_duration(self.shard_group_duration, duration),
        )

    def matches(self, rp: RetentionPolicyInfo | None) -> bool:
        """Whether ``rp`` already is what this spec asks for (so creating it again is a no-op)."""
        if rp is None:
            return False
        if self.name and self.name != rp.name:
            return False
        if self.duration is not None and self.duration != rp.duration:
            return False
        if self.replica_n is not None and self.replica_n != rp.replica_n:
            return False
        wanted = normalised_shard_group_duration(self.shard_group_duration, rp.duration)
        return wanted == rp.shard_group_duration

    def check_duration(self) -> None:
        """Refuse a policy that keeps data for less than an hour (0 = forever is fine)."""
        if self.duration is not None and self.duration != 0 and self.duration < MIN_RETENTION_POLICY_DURATION:
            raise errors.MetaError(errors.RETENTION_POLICY_DURATION_TOO_LOW)


@dataclass(frozen=True)
class RetentionPolicyUpdate:
    """The fields ALTER RETENTION POLICY changes; ``None`` = leave as is."""

    name: str | None = None
    duration: int | None = None
    replica_n: int | None = None
    shard_group_duration: int | None = None


@dataclass
class Data:
    """All meta data of a node or cluster: the ``Data`` message of ``meta.proto``."""

    term: int = 0
    index: int = 0
    cluster_id: int = 0
    databases: list[DatabaseInfo] = field(default_factory=list)
    users: list[UserInfo] = field(default_factory=list)
    max_node_id: int = 0
    max_shard_group_id: int = 0
    max_shard_id: int = 0
    data_nodes: list[NodeInfo] = field(default_factory=list)
    meta_nodes: list[NodeInfo] = field(default_factory=list)
    # Field 4 of meta.proto (pre-0.10 nodes): kept only so a file that has it is written back unchanged.
    legacy_nodes: list[NodeInfo] = field(default_factory=list)

    def clone(self) -> Data:
        """A deep copy to change; the original stays valid for whoever reads it meanwhile."""
        return Data(self.term, self.index, self.cluster_id, [db.clone() for db in self.databases],
                    [user.clone() for user in self.users], self.max_node_id, self.max_shard_group_id,
                    self.max_shard_id, [n.clone() for n in self.data_nodes],
                    [n.clone() for n in self.meta_nodes], [n.clone() for n in self.legacy_nodes])

    # -- databases ------------------------------------------------------------------------------------

    def database(self, name: str) -> DatabaseInfo | None:
        return next((db for db in self.databases if db.name == name), None)

    def create_database(self, name: str) -> None:
        """Add an empty database; an existing one is left alone."""
        if not name:
            raise errors.MetaError(errors.DATABASE_NAME_REQUIRED)
        if _name_too_long(name):
            raise errors.MetaError(errors.NAME_TOO_LONG)
        if self.database(name) is None:
            self.databases.append(DatabaseInfo(name=name))

    def drop_database(self, name: str) -> None:
        """Remove a database and every user privilege on it; a missing one is not an error."""
        for i, db in enumerate(self.databases):
            if db.name == name:
                del self.databases[i]
                for user in self.users:
                    user.privileges.pop(name, None)
                return

    # -- retention policies ---------------------------------------------------------------------------

    def retention_policy(self, database: str, name: str) -> RetentionPolicyInfo | None:
        """The policy called exactly ``name`` (no default lookup); raises if the database is missing."""
        db = self.database(database)
        if db is None:
            raise errors.DatabaseNotFoundError(database)
        return next((rp for rp in db.retention_policies if rp.name == name), None)

    def _existing_retention_policy(self, database: str, name: str) -> RetentionPolicyInfo:
        rp = self.retention_policy(database, name)
        if rp is None:
            raise errors.RetentionPolicyNotFoundError(name)
        return rp

    def create_retention_policy(self, database: str, rp: RetentionPolicyInfo, make_default: bool) -> None:
        """Add ``rp`` (its shard duration normalised); re-creating an identical policy is a no-op."""
        if not rp.name:
            raise errors.MetaError(errors.RETENTION_POLICY_NAME_REQUIRED)
        if _name_too_long(rp.name):
            raise errors.MetaError(errors.NAME_TOO_LONG)
        if rp.replica_n < 1:
            raise errors.MetaError(errors.REPLICATION_FACTOR_TOO_LOW)
        rp.shard_group_duration = normalised_shard_group_duration(rp.shard_group_duration, rp.duration)
        if 0 < rp.duration < rp.shard_group_duration:
            raise errors.MetaError(errors.INCOMPATIBLE_DURATIONS)
        db = self.database(database)
        if db is None:
            raise errors.DatabaseNotFoundError(database)
        existing = db.retention_policy(rp.name)
        if existing is not None:
            if (existing.replica_n, existing.duration, existing.shard_group_duration) != (
                    rp.replica_n, rp.duration, rp.shard_group_duration):
                raise errors.MetaError(errors.RETENTION_POLICY_EXISTS)
            if make_default and db.default_retention_policy != rp.name:
                raise errors.MetaError(errors.RETENTION_POLICY_CONFLICT)
            return
        db.retention_policies.append(rp.clone())
        if make_default:
            db.default_retention_policy = rp.name

    def drop_retention_policy(self, database: str, name: str) -> None:
        """Remove a policy; a missing database or policy is not an error. The default name is kept."""
        db = self.database(database)
        if db is None:
            return
        for i, rp in enumerate(db.retention_policies):
            if rp.name == name:
                del db.retention_policies[i]
                return

    def update_retention_policy(self, database: str, name: str, update: RetentionPolicyUpdate,
                                make_default: bool) -> None:
        """ALTER RETENTION POLICY: check the new durations against each other, then apply."""
        db = self.database(database)
        if db is None:
            raise errors.DatabaseNotFoundError(database)
        rp = db.retention_policy(name)
        if rp is None:
            raise errors.RetentionPolicyNotFoundError(name)
        if update.name is not None and update.name != name and db.retention_policy(update.name) is not None:
            raise errors.MetaError(errors.RETENTION_POLICY_NAME_EXISTS)
        duration, sgd = update.duration, update.shard_group_duration
        if duration is not None and duration != 0 and duration < MIN_RETENTION_POLICY_DURATION:
            raise errors.MetaError(errors.RETENTION_POLICY_DURATION_TOO_LOW)
        # The new duration must cover the (new or current) shard duration, and a new shard duration must
        # fit the current duration; both compared before the shard duration is normalised.
        if duration is not None and duration > 0:
            too_short = duration < (sgd if sgd is not None else rp.shard_group_duration)
        else:
            too_short = duration is None and rp.duration > 0 and sgd is not None and rp.duration < sgd
        if too_short:
            raise errors.MetaError(errors.INCOMPATIBLE_DURATIONS)
        if update.name is not None:
            rp.name = update.name
        if duration is not None:
            rp.duration = duration
        if update.replica_n is not None:
            rp.replica_n = update.replica_n
        if sgd is not None:
            rp.shard_group_duration = normalised_shard_group_duration(sgd, rp.duration)
        if make_default:
            db.default_retention_policy = rp.name

    # -- shard groups and shards ----------------------------------------------------------------------

    def shard_groups(self, database: str, policy: str) -> list[ShardGroupInfo]:
        """The live shard groups of a policy, ordered by end time."""
        rp = self._existing_retention_policy(database, policy)
        return [g for g in rp.shard_groups if not g.deleted]

    def shard_groups_by_time_range(self, database: str, policy: str, tmin: int,
                                   tmax: int) -> list[ShardGroupInfo]:
        """The live shard groups of a policy that may hold data in ``[tmin, tmax]``."""
        rp = self._existing_retention_policy(database, policy)
        return [g for g in rp.shard_groups if not g.deleted and g.overlaps(tmin, tmax)]

    def shard_group_by_timestamp(self, database: str, policy: str, timestamp: int) -> ShardGroupInfo | None:
        return self._existing_retention_policy(database, policy).shard_group_by_timestamp(timestamp)

    def create_shard_group(self, database: str, policy: str, timestamp: int) -> ShardGroupInfo:
        """The group that takes a point at ``timestamp``, created (with its shards) if there is none yet."""
        rp = self._existing_retention_policy(database, policy)
        existing = rp.shard_group_by_timestamp(timestamp)
        if existing is not None:
            return existing
        self.max_shard_group_id += 1
        start, end = shard_group_bounds(timestamp, rp.shard_group_duration)
        group = ShardGroupInfo(id=self.max_shard_group_id, start_time=start, end_time=end,
                               shards=self._new_shards(rp.replica_n))
        rp.shard_groups.append(group)
        rp.shard_groups.sort(key=ShardGroupInfo.sort_key)
        return group

    def _new_shards(self, replica_n: int) -> list[ShardInfo]:
        """One shard without owners on a single node; on a cluster ``nodes / copies`` shards whose copies
        go round-robin over the data nodes, starting at a node picked by the log index."""
        nodes = self.data_nodes
        if not nodes:
            self.max_shard_id += 1
            return [ShardInfo(id=self.max_shard_id)]
        copies = max(1, min(replica_n, len(nodes)))
        next_node = self.index % len(nodes)
        shards = []
        for _ in range(len(nodes) // copies):
            self.max_shard_id += 1
            owners = []
            for _ in range(copies):
                owners.append(nodes[next_node % len(nodes)].id)
                next_node += 1
            shards.append(ShardInfo(id=self.max_shard_id, owners=owners))
        return shards

    def delete_shard_group(self, database: str, policy: str, group_id: int, now: int) -> None:
        """Mark a group deleted at ``now`` (its shards are then removed from disk by every owner)."""
        rp = self._existing_retention_policy(database, policy)
        for group in rp.shard_groups:
            if group.id == group_id:
                group.deleted_at = now
                return
        raise errors.MetaError(errors.SHARD_GROUP_NOT_FOUND)

    def drop_shard(self, shard_id: int, now: int) -> None:
        """Forget a shard; a group left without shards is marked deleted at ``now``. Unknown ids are fine
        (so the command can be re-run after a data node failed to delete its copy)."""
        for db in self.databases:
            for rp in db.retention_policies:
                for group in rp.shard_groups:
                    for i, shard in enumerate(group.shards):
                        if shard.id == shard_id:
                            del group.shards[i]
                            if not group.shards:
                                group.deleted_at = now
                            return

    def truncate_shard_groups(self, timestamp: int) -> None:
        """Close every group that could take points at or after ``timestamp`` (new groups start fresh)."""
        for db in self.databases:
            for rp in db.retention_policies:
                for group in rp.shard_groups:
                    if (timestamp >= group.end_time or group.deleted
                            or (group.truncated and group.truncated_at < timestamp)):
                        continue
                    group.truncated_at = group.start_time if timestamp <= group.start_time else timestamp

    def prune_shard_groups(self, now: int) -> bool:
        """Forget groups deleted more than two weeks before ``now``; returns whether any went."""
        expiration = now - SHARD_GROUP_DELETED_EXPIRATION
        changed = False
        for db in self.databases:
            for rp in db.retention_policies:
                kept = [g for g in rp.shard_groups if not g.deleted or g.deleted_at >= expiration]
                changed = changed or len(kept) != len(rp.shard_groups)
                rp.shard_groups = kept
        return changed

    def precreate_shard_groups(self, start: int, end: int) -> list[ShardGroupInfo]:
        """Create the next group of every policy whose last group ends within ``(start, end)``, so writes
        crossing into it need no meta change; returns the groups created."""
        created = []
        for db in self.databases:
            for rp in db.retention_policies:
                if not rp.shard_groups:
                    continue
                last = rp.shard_groups[-1]
                if last.deleted or not start < last.end_time < end:
                    continue
                following = last.end_time + 1
                if rp.shard_group_by_timestamp(following) is None:
                    created.append(self.create_shard_group(db.name, rp.name, following))
        return created

    def shard_owner(self, shard_id: int) -> tuple[str, str, ShardGroupInfo] | None:
        """(database, policy, live group) of a shard, or None."""
        for db in self.databases:
            for rp in db.retention_policies:
                for group in rp.shard_groups:
                    if not group.deleted and any(s.id == shard_id for s in group.shards):
                        return db.name, rp.name, group
        return None

    def shard_ids(self) -> list[int]:
        """Ids of every shard of every group (deleted ones too), sorted."""
        return sorted(s.id for db in self.databases for rp in db.retention_policies
                      for g in rp.shard_groups for s in g.shards)

    # -- continuous queries ---------------------------------------------------------------------------

    def create_continuous_query(self, database: str, name: str, query: str) -> None:
        """Add a CQ; the same name with the same text (ignoring case) again is a no-op."""
        db = self.database(database)
        if db is None:
            raise errors.DatabaseNotFoundError(database)
        for cq in db.continuous_queries:
            if cq.name == name:
                if cq.query.lower() == query.lower():
                    return
                raise errors.MetaError(errors.CONTINUOUS_QUERY_EXISTS)
        db.continuous_queries.append(ContinuousQueryInfo(name=name, query=query))

    def drop_continuous_query(self, database: str, name: str) -> None:
        """Remove a CQ; a missing database or CQ is not an error."""
        db = self.database(database)
        if db is not None:
            db.continuous_queries = [cq for cq in db.continuous_queries if cq.name != name]

    # -- subscriptions --------------------------------------------------------------------------------

    def create_subscription(self, database: str, policy: str, name: str, mode: str,
                            destinations: list[str]) -> None:
        for destination in destinations:
            if not _valid_subscription_url(destination):
                raise errors.invalid_subscription_url(destination)
        rp = self._existing_retention_policy(database, policy)
        if rp.subscription(name) is not None:
            raise errors.MetaError(errors.SUBSCRIPTION_EXISTS)
        rp.subscriptions.append(SubscriptionInfo(name=name, mode=mode, destinations=list(destinations)))

    def drop_subscription(self, database: str, policy: str, name: str) -> None:
        rp = self._existing_retention_policy(database, policy)
        for i, sub in enumerate(rp.subscriptions):
            if sub.name == name:
                del rp.subscriptions[i]
                return
        raise errors.MetaError(errors.SUBSCRIPTION_NOT_FOUND)

    # -- users ----------------------------------------------------------------------------------------

    def user(self, name: str) -> UserInfo | None:
        return next((u for u in self.users if u.name == name), None)

    def _existing_user(self, name: str) -> UserInfo:
        user = self.user(name)
        if user is None:
            raise errors.MetaError(errors.USER_NOT_FOUND)
        return user

    def create_user(self, name: str, password_hash: str, admin: bool) -> None:
        if not name:
            raise errors.MetaError(errors.USERNAME_REQUIRED)
        if self.user(name) is not None:
            raise errors.MetaError(errors.USER_EXISTS)
        self.users.append(UserInfo(name=name, hash=password_hash, admin=admin))

    def drop_user(self, name: str) -> None:
        self.users.remove(self._existing_user(name))

    def update_user(self, name: str, password_hash: str) -> None:
        self._existing_user(name).hash = password_hash

    def set_privilege(self, username: str, database: str, privilege: int) -> None:
        user = self._existing_user(username)
        if self.database(database) is None:
            raise errors.DatabaseNotFoundError(database)
        user.privileges[database] = privilege

    def set_admin_privilege(self, username: str, admin: bool) -> None:
        self._existing_user(username).admin = admin

    def admin_user_exists(self) -> bool:
        return any(u.admin for u in self.users)

    def user_privileges(self, username: str) -> dict[str, int]:
        return self._existing_user(username).privileges

    # -- cluster nodes --------------------------------------------------------------------------------

    def data_node(self, node_id: int) -> NodeInfo | None:
        return next((n for n in self.data_nodes if n.id == node_id), None)

    def create_data_node(self, http_addr: str, tcp_addr: str) -> NodeInfo:
        """Register a data node; one already known by its TCP address keeps its id (a restarted or
        re-added node must find its shards and hinted handoff again)."""
        for node in self.data_nodes:
            if node.tcp_host == tcp_addr:
                node.host = http_addr
                return node
        # A meta node on the same address is the same machine: share its id.
        same = next((n for n in self.meta_nodes if n.tcp_host == tcp_addr), None)
        node_id = same.id if same is not None else self._next_node_id()
        node = NodeInfo(id=node_id, host=http_addr, tcp_host=tcp_addr)
        self.data_nodes.append(node)
        self.data_nodes.sort(key=lambda n: n.id)
        return node

    def update_data_node(self, node_id: int, http_addr: str, tcp_addr: str) -> None:
        node = self.data_node(node_id)
        if node is None:
            raise errors.MetaError(errors.NODE_NOT_FOUND)
        node.host, node.tcp_host = http_addr, tcp_addr

    def delete_data_node(self, node_id: int) -> None:
        """Remove a data node and its ownership of every shard."""
        node = self.data_node(node_id)
        if node is None:
            raise errors.MetaError(errors.NODE_NOT_FOUND)
        self.data_nodes.remove(node)
        for db in self.databases:
            for rp in db.retention_policies:
                for group in rp.shard_groups:
                    for shard in group.shards:
                        shard.owners = [owner for owner in shard.owners if owner != node_id]

    def create_meta_node(self, http_addr: str, tcp_addr: str) -> NodeInfo:
        """Register a meta node; one already known by its TCP address keeps its id."""
        for node in self.meta_nodes:
            if node.tcp_host == tcp_addr:
                node.host = http_addr
                return node
        same = next((n for n in self.data_nodes if n.tcp_host == tcp_addr), None)
        node_id = same.id if same is not None else self._next_node_id()
        node = NodeInfo(id=node_id, host=http_addr, tcp_host=tcp_addr)
        self.meta_nodes.append(node)
        self.meta_nodes.sort(key=lambda n: n.id)
        return node

    def delete_meta_node(self, node_id: int) -> None:
        node = next((n for n in self.meta_nodes if n.id == node_id), None)
        if node is None:
            raise errors.MetaError(errors.NODE_NOT_FOUND)
        self.meta_nodes.remove(node)

    def _next_node_id(self) -> int:
        self.max_node_id += 1
        return self.max_node_id


def _valid_subscription_url(url: str) -> bool:
    """``udp://``, ``http://`` or ``https://`` with an explicit ``host:port``."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return False
    if parts.scheme.lower() not in ("udp", "http", "https"):
        return False
    host = parts.netloc.rpartition("@")[2]
    if host.startswith("["):
        closing = host.find("]")
        if closing < 0 or host[closing + 1:closing + 2] != ":":
            return False
        port = host[closing + 2:]
    else:
        if host.count(":") != 1:
            return False
        port = host.partition(":")[2]
    return port != ""
