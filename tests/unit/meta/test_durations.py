from __future__ import annotations

import pytest

from chronus.meta.durations import (
    DAY,
    HOUR,
    MAX_NANO_TIME,
    WEEK,
    default_shard_group_duration,
    normalised_shard_group_duration,
    shard_group_bounds,
    truncate,
)

SECOND = 10**9


@pytest.mark.parametrize(("rp_duration", "expected"), [
    (0, WEEK), (180 * DAY, WEEK), (365 * DAY, WEEK), (180 * DAY - 1, DAY), (2 * DAY, DAY),
    (2 * DAY - 1, HOUR), (HOUR, HOUR), (1, HOUR),
])
def test_default_shard_group_duration(rp_duration: int, expected: int) -> None:
    assert default_shard_group_duration(rp_duration) == expected


@pytest.mark.parametrize(("sgd", "rp_duration", "expected"), [
    (0, 0, WEEK), (0, 3 * DAY, DAY), (30 * 60 * SECOND, 0, HOUR), (HOUR - 1, 100 * DAY, HOUR),
    (HOUR, 0, HOUR), (5 * HOUR, 0, 5 * HOUR), (2 * WEEK, HOUR, 2 * WEEK),
])
def test_normalised_shard_group_duration(sgd: int, rp_duration: int, expected: int) -> None:
    assert normalised_shard_group_duration(sgd, rp_duration) == expected


@pytest.mark.parametrize(("timestamp", "duration", "expected"), [
    # 7 days: aligned on Go's zero time, so groups start on Mondays (2019-12-30, 1969-12-29).
    (1577836800 * SECOND, WEEK, 1577664000 * SECOND),
    (0, WEEK, -3 * DAY),
    (-1, WEEK, -3 * DAY),
    (4 * DAY, WEEK, 4 * DAY),
    (4 * DAY - 1, WEEK, -3 * DAY),
    # Hours and days: the same as epoch alignment.
    (1577836800 * SECOND + 1, HOUR, 1577836800 * SECOND),
    (-1, HOUR, -HOUR),
    (1577836800 * SECOND + 5, DAY, 1577836800 * SECOND),
    # An odd duration: 5h and 3d do not divide the 62135596800 s between year 1 and 1970.
    (1577836800 * SECOND, 5 * HOUR, 1577833200 * SECOND),
    (0, 5 * HOUR, -3 * HOUR),
    (4102446600 * SECOND, 3 * DAY, 4102444800 * SECOND),
    # Not a positive duration: unchanged, as Go's Truncate.
    (123, 0, 123),
])
def test_truncate_like_go(timestamp: int, duration: int, expected: int) -> None:
    assert truncate(timestamp, duration) == expected


def test_shard_group_bounds() -> None:
    assert shard_group_bounds(1577836800 * SECOND, WEEK) == (1577664000 * SECOND, 1578268800 * SECOND)


def test_shard_group_end_is_capped_after_the_last_representable_time() -> None:
    start, end = shard_group_bounds(MAX_NANO_TIME, WEEK)
    assert start == truncate(MAX_NANO_TIME, WEEK)
    assert start + WEEK > MAX_NANO_TIME
    assert end == MAX_NANO_TIME + 1 == 2**63 - 1
