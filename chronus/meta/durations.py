"""Time rules of the meta model: shard group durations, shard group boundaries, expiry.

All times are ``int`` nanoseconds since the Unix epoch (UTC) and all durations ``int`` nanoseconds, as
InfluxDB stores them in ``meta.db``; ``0`` as a retention policy duration means "keep forever".

Shard group start times are aligned the way Go's ``time.Time.Truncate`` aligns them: to multiples of the
duration counted from Go's zero time (0001-01-01T00:00:00Z), not from the Unix epoch. For 1h and 1d groups
that is the same thing; 7d groups start on Mondays (1970-01-01 was a Thursday), and any shard duration that
does not divide the 62135596800 s between the two epochs lands where influxd puts it only this way.
"""

from __future__ import annotations

HOUR = 3600 * 10**9
DAY = 24 * HOUR
WEEK = 7 * DAY

# Go's zero time (year 1) counted in nanoseconds before the Unix epoch.
GO_ZERO_TIME_OFFSET = 62_135_596_800 * 10**9

MIN_RETENTION_POLICY_DURATION = HOUR
# models.MaxNanoTime: the latest timestamp a point may carry; a group ending later ends at MaxNanoTime + 1.
MAX_NANO_TIME = 2**63 - 2
MIN_NANO_TIME = -(2**63) + 2

DEFAULT_RETENTION_POLICY_NAME = "autogen"
DEFAULT_REPLICA_N = 1
# Shard groups marked deleted are forgotten two weeks after their deletion.
SHARD_GROUP_DELETED_EXPIRATION = 2 * WEEK
MAX_NAME_LEN = 255


def default_shard_group_duration(rp_duration: int) -> int:
    """The shard group duration InfluxDB picks for a policy that keeps data for ``rp_duration``."""
    if rp_duration == 0 or rp_duration >= 180 * DAY:
        return WEEK
    if rp_duration >= 2 * DAY:
        return DAY
    return HOUR


def normalised_shard_group_duration(shard_group_duration: int, rp_duration: int) -> int:
    """The shard group duration actually stored: unset (0) means the default, too small means 1h."""
    if shard_group_duration == 0:
        return default_shard_group_duration(rp_duration)
    if shard_group_duration < MIN_RETENTION_POLICY_DURATION:
        return default_shard_group_duration(MIN_RETENTION_POLICY_DURATION)
    return shard_group_duration


def truncate(timestamp: int, duration: int) -> int:
    """``timestamp`` rounded down to a multiple of ``duration`` since Go's zero time (``Time.Truncate``)."""
    if duration <= 0:
        return timestamp
    return timestamp - (timestamp + GO_ZERO_TIME_OFFSET) % duration


def shard_group_bounds(timestamp: int, shard_group_duration: int) -> tuple[int, int]:
    """``[start, end)`` of the shard group that holds ``timestamp``; the end is capped at MaxNanoTime + 1."""
    start = truncate(timestamp, shard_group_duration)
    end = start + shard_group_duration
    if end > MAX_NANO_TIME:
        end = MAX_NANO_TIME + 1
    return start, end
