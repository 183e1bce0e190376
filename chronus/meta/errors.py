"""Errors the meta store reports, worded exactly as InfluxDB 1.6.7 words them.

``str(err)`` is the text a user sees in a statement's ``"error"`` field. Two kinds carry the missing name so
callers (the write path answers 404 for an unknown database) can tell them apart without parsing text.
"""

from __future__ import annotations


class MetaError(Exception):
    """A meta data operation was refused; the message is InfluxDB's."""


class DatabaseNotFoundError(MetaError):
    """The named database does not exist."""

    def __init__(self, name: str) -> None:
        super().__init__(f"database not found: {name}")
        self.name = name


class RetentionPolicyNotFoundError(MetaError):
    """The named retention policy does not exist on the database."""

    def __init__(self, name: str) -> None:
        super().__init__(f"retention policy not found: {name}")
        self.name = name


DATABASE_NAME_REQUIRED = "database name required"
NAME_TOO_LONG = "name too long"
INVALID_NAME = "invalid name"

RETENTION_POLICY_EXISTS = "retention policy already exists"
RETENTION_POLICY_REQUIRED = "retention policy required"
RETENTION_POLICY_NAME_REQUIRED = "retention policy name required"
RETENTION_POLICY_NAME_EXISTS = "retention policy name already exists"
RETENTION_POLICY_DURATION_TOO_LOW = "retention policy duration must be at least 1h0m0s"
RETENTION_POLICY_CONFLICT = "retention policy conflicts with an existing policy"
INCOMPATIBLE_DURATIONS = "retention policy duration must be greater than the shard duration"
REPLICATION_FACTOR_TOO_LOW = "replication factor must be greater than 0"

SHARD_GROUP_EXISTS = "shard group already exists"
SHARD_GROUP_NOT_FOUND = "shard group not found"

CONTINUOUS_QUERY_EXISTS = "continuous query already exists"

SUBSCRIPTION_EXISTS = "subscription already exists"
SUBSCRIPTION_NOT_FOUND = "subscription not found"

USER_EXISTS = "user already exists"
USER_NOT_FOUND = "user not found"
USERNAME_REQUIRED = "username required"
AUTHENTICATION_FAILED = "authentication failed"

NODE_NOT_FOUND = "node not found"
NODE_EXISTS = "node already exists"


def invalid_subscription_url(url: str) -> MetaError:
    """A subscription destination that is not ``udp|http|https://host:port``."""
    return MetaError(f"invalid subscription URL: {url}")
