"""``meta.db``: the meta data on disk, exactly as InfluxDB 1.6.7 stores it.

The file is one protobuf ``Data`` message (``services/meta/internal/meta.proto``). The field numbers and types
below are that schema's; fields are written in number order, required ones always, optional ones when set,
as Go's generated code does, so influxd reads what Chronus writes and Chronus reads what influxd writes (a
file written by influxd and read back here re-encodes to the same bytes).

Saving is atomic like influxd's: write ``meta.dbtmp``, fsync, rename over ``meta.db``.
"""

from __future__ import annotations

import os
from pathlib import Path

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
from chronus.meta.protowire import (
    DecodeError,
    MessageWriter,
    as_int32,
    as_int64,
    iter_fields,
    unpack_varints,
)

META_FILE = "meta.db"
TEMP_SUFFIX = "tmp"  # influxd writes "meta.dbtmp"

# -- encoding -------------------------------------------------------------------------------------------

def encode_data(data: Data) -> bytes:
    """``data`` as the bytes of a ``meta.db`` file."""
    w = MessageWriter()
    w.varint(1, data.term)
    w.varint(2, data.index)
    w.varint(3, data.cluster_id)
    for node in data.legacy_nodes:
        w.bytes(4, _encode_node(node))
    for db in data.databases:
        w.bytes(5, _encode_database(db))
    for user in data.users:
        w.bytes(6, _encode_user(user))
    w.varint(7, data.max_node_id)
    w.varint(8, data.max_shard_group_id)
    w.varint(9, data.max_shard_id)
    for node in data.data_nodes:
        w.bytes(10, _encode_node(node))
    for node in data.meta_nodes:
        w.bytes(11, _encode_node(node))
    return w.getvalue()


def _encode_node(node: NodeInfo) -> bytes:
    w = MessageWriter()
    w.varint(1, node.id)
    w.string(2, node.host)
    w.string(3, node.tcp_host)
    return w.getvalue()


def _encode_database(db: DatabaseInfo) -> bytes:
    w = MessageWriter()
    w.string(1, db.name)
    w.string(2, db.default_retention_policy)
    for rp in db.retention_policies:
        w.bytes(3, _encode_retention_policy(rp))
    for cq in db.continuous_queries:
        cqw = MessageWriter()
        cqw.string(1, cq.name)
        cqw.string(2, cq.query)
        w.bytes(4, cqw.getvalue())
    return w.getvalue()


def _encode_retention_policy(rp: RetentionPolicyInfo) -> bytes:
    w = MessageWriter()
    w.string(1, rp.name)
    w.varint(2, rp.duration)
    w.varint(3, rp.shard_group_duration)
    w.varint(4, rp.replica_n & 0xFFFFFFFF)
    for group in rp.shard_groups:
        w.bytes(5, _encode_shard_group(group))
    for sub in rp.subscriptions:
        sw = MessageWriter()
        sw.string(1, sub.name)
        sw.string(2, sub.mode)
        for destination in sub.destinations:
            sw.string(3, destination)
        w.bytes(6, sw.getvalue())
    return w.getvalue()


def _encode_shard_group(group: ShardGroupInfo) -> bytes:
    w = MessageWriter()
    w.varint(1, group.id)
    w.varint(2, group.start_time)
    w.varint(3, group.end_time)
    w.varint(4, group.deleted_at)
    for shard in group.shards:
        sw = MessageWriter()
        sw.varint(1, shard.id)
        for owner in shard.owners:
            ow = MessageWriter()
            ow.varint(1, owner)
            sw.bytes(3, ow.getvalue())
        w.bytes(5, sw.getvalue())
    if group.truncated_at:
        w.varint(6, group.truncated_at)
    return w.getvalue()


def _encode_user(user: UserInfo) -> bytes:
    w = MessageWriter()
    w.string(1, user.name)
    w.string(2, user.hash)
    w.bool(3, user.admin)
    for database, privilege in user.privileges.items():
        pw = MessageWriter()
        pw.string(1, database)
        pw.varint(2, privilege)
        w.bytes(4, pw.getvalue())
    return w.getvalue()


# -- decoding -------------------------------------------------------------------------------------------

def decode_data(buf: bytes) -> Data:
    """The ``Data`` in the bytes of a ``meta.db`` file; unknown fields are skipped."""
    data = Data()
    for number, _, value in iter_fields(buf):
        if number == 1:
            data.term = _uint(value)
        elif number == 2:
            data.index = _uint(value)
        elif number == 3:
            data.cluster_id = _uint(value)
        elif number == 4:
            data.legacy_nodes.append(_decode_node(_message(value)))
        elif number == 5:
            data.databases.append(_decode_database(_message(value)))
        elif number == 6:
            data.users.append(_decode_user(_message(value)))
        elif number == 7:
            data.max_node_id = _uint(value)
        elif number == 8:
            data.max_shard_group_id = _uint(value)
        elif number == 9:
            data.max_shard_id = _uint(value)
        elif number == 10:
            data.data_nodes.append(_decode_node(_message(value)))
        elif number == 11:
            data.meta_nodes.append(_decode_node(_message(value)))
    return data


def _uint(value: int | bytes) -> int:
    if not isinstance(value, int):
        raise DecodeError("expected a varint field, found a length-delimited one")
    return value


def _message(value: int | bytes) -> bytes:
    if not isinstance(value, bytes):
        raise DecodeError("expected a length-delimited field, found a varint")
    return value


def _string(value: int | bytes) -> str:
    return _message(value).decode("utf-8", "surrogateescape")


def _decode_node(buf: bytes) -> NodeInfo:
    node = NodeInfo(id=0, host="")
    for number, _, value in iter_fields(buf):
        if number == 1:
            node.id = _uint(value)
        elif number == 2:
            node.host = _string(value)
        elif number == 3:
            node.tcp_host = _string(value)
    return node


def _decode_database(buf: bytes) -> DatabaseInfo:
    db = DatabaseInfo(name="")
    for number, _, value in iter_fields(buf):
        if number == 1:
            db.name = _string(value)
        elif number == 2:
            db.default_retention_policy = _string(value)
        elif number == 3:
            db.retention_policies.append(_decode_retention_policy(_message(value)))
        elif number == 4:
            db.continuous_queries.append(_decode_continuous_query(_message(value)))
    return db


def _decode_continuous_query(buf: bytes) -> ContinuousQueryInfo:
    cq = ContinuousQueryInfo(name="", query="")
    for number, _, value in iter_fields(buf):
        if number == 1:
            cq.name = _string(value)
        elif number == 2:
            cq.query = _string(value)
    return cq


def _decode_retention_policy(buf: bytes) -> RetentionPolicyInfo:
    rp = RetentionPolicyInfo(name="", replica_n=0)
    for number, _, value in iter_fields(buf):
        if number == 1:
            rp.name = _string(value)
        elif number == 2:
            rp.duration = as_int64(_uint(value))
        elif number == 3:
            rp.shard_group_duration = as_int64(_uint(value))
        elif number == 4:
            rp.replica_n = _uint(value) & 0xFFFFFFFF
        elif number == 5:
            rp.shard_groups.append(_decode_shard_group(_message(value)))
        elif number == 6:
            rp.subscriptions.append(_decode_subscription(_message(value)))
    return rp


def _decode_subscription(buf: bytes) -> SubscriptionInfo:
    sub = SubscriptionInfo(name="", mode="")
    for number, _, value in iter_fields(buf):
        if number == 1:
            sub.name = _string(value)
        elif number == 2:
            sub.mode = _string(value)
        elif number == 3:
            sub.destinations.append(_string(value))
    return sub


def _decode_shard_group(buf: bytes) -> ShardGroupInfo:
    group = ShardGroupInfo(id=0, start_time=0, end_time=0)
    for number, _, value in iter_fields(buf):
        if number == 1:
            group.id = _uint(value)
        elif number == 2:
            group.start_time = as_int64(_uint(value))
        elif number == 3:
            group.end_time = as_int64(_uint(value))
        elif number == 4:
            group.deleted_at = as_int64(_uint(value))
        elif number == 5:
            group.shards.append(_decode_shard(_message(value)))
        elif number == 6:
            group.truncated_at = as_int64(_uint(value))
    return group


def _decode_shard(buf: bytes) -> ShardInfo:
    shard = ShardInfo(id=0)
    legacy_owner_ids: list[int] = []
    for number, _, value in iter_fields(buf):
        if number == 1:
            shard.id = _uint(value)
        elif number == 2:  # deprecated OwnerIDs (plain or packed); they win over Owners, as in influxd
            legacy_owner_ids.extend(unpack_varints(value))
        elif number == 3:
            owner = 0
            for owner_number, _, owner_value in iter_fields(_message(value)):
                if owner_number == 1:
                    owner = _uint(owner_value)
            shard.owners.append(owner)
    if legacy_owner_ids:
        shard.owners = legacy_owner_ids
    return shard


def _decode_user(buf: bytes) -> UserInfo:
    user = UserInfo(name="", hash="")
    for number, _, value in iter_fields(buf):
        if number == 1:
            user.name = _string(value)
        elif number == 2:
            user.hash = _string(value)
        elif number == 3:
            user.admin = _uint(value) != 0
        elif number == 4:
            database, privilege = "", 0
            for p_number, _, p_value in iter_fields(_message(value)):
                if p_number == 1:
                    database = _string(p_value)
                elif p_number == 2:
                    privilege = as_int32(_uint(p_value))
            user.privileges[database] = privilege
    return user


# -- the file -------------------------------------------------------------------------------------------

def meta_path(meta_dir: str | os.PathLike[str]) -> Path:
    return Path(meta_dir) / META_FILE


def load(meta_dir: str | os.PathLike[str]) -> Data | None:
    """The ``Data`` saved in ``meta_dir``, or None when there is no ``meta.db`` yet."""
    try:
        buf = meta_path(meta_dir).read_bytes()
    except FileNotFoundError:
        return None
    return decode_data(buf)


def save(meta_dir: str | os.PathLike[str], data: Data) -> None:
    """Write ``data`` to ``meta_dir/meta.db`` atomically: a crash leaves the old file or the new one."""
    target = meta_path(meta_dir)
    temp = target.with_name(META_FILE + TEMP_SUFFIX)
    payload = encode_data(data)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, target)
