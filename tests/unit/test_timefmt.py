import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chronus.query.timefmt import format_time, format_times

# Answers of influxd 1.6.7 to `SELECT * FROM t` and `... tz('America/Chicago')` over these timestamps.
CASES = [
    (-1_000_000_000, None, "1969-12-31T23:59:59Z"),
    (1_500_000_000_000_000_000, None, "2017-07-14T02:40:00Z"),
    (1_500_000_000_123_456_789, None, "2017-07-14T02:40:00.123456789Z"),
    (-1_000_000_000, "America/Chicago", "1969-12-31T17:59:59-06:00"),
    (1_500_000_000_000_000_000, "America/Chicago", "2017-07-13T21:40:00-05:00"),
    (1_500_000_000_123_456_789, "America/Chicago", "2017-07-13T21:40:00.123456789-05:00"),
    (1_500_000_000_500_000_000, None, "2017-07-14T02:40:00.5Z"),
    (0, "Europe/London", "1970-01-01T01:00:00+01:00"),
    (1_700_000_000_000_000_000, "Europe/London", "2023-11-14T22:13:20Z"),
    (1_700_000_000_000_000_000, "Asia/Kolkata", "2023-11-15T03:43:20+05:30"),
    (-1, None, "1969-12-31T23:59:59.999999999Z"),
]


@pytest.mark.parametrize(("ns", "zone", "expected"), CASES)
def test_format_time(ns: int, zone: str | None, expected: str) -> None:
    assert format_time(ns, zone) == expected


def test_format_times_matches_single() -> None:
    stamps = np.array([ns for ns, _, _ in CASES], dtype=np.int64)
    assert format_times(stamps) == [format_time(int(ns)) for ns in stamps]
    assert format_times(stamps, "America/Chicago") == [
        format_time(int(ns), "America/Chicago") for ns in stamps
    ]


@given(st.integers(min_value=-(2**63) + 2, max_value=2**63 - 1))
def test_vectorised_equals_scalar(ns: int) -> None:
    assert format_times(np.array([ns], dtype=np.int64)) == [format_time(ns)]
