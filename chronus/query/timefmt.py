"""Timestamps as InfluxDB prints them: Go's ``time.RFC3339Nano`` with trailing fractional zeros trimmed.

``2017-07-14T02:40:00Z``, ``2017-07-14T02:40:00.123456789Z``; with ``tz()`` the zone's offset
(``2017-07-13T21:40:00-05:00``), and ``Z`` whenever the offset is zero, as Go's ``Z07:00`` layout does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NS_PER_SECOND = 1_000_000_000


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _fraction(nanos: int) -> str:
    return "." + f"{nanos:09d}".rstrip("0") if nanos else ""


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset()
    if not offset:
        return "Z"
    seconds = int(offset.total_seconds())
    minutes = abs(seconds) // 60  # Go truncates toward zero: an LMT offset of -5:50:36 prints -05:50
    sign = "-" if seconds < 0 and minutes else "+"
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def format_time(ns: int, location: str | None = None) -> str:
    """One timestamp (nanoseconds since the epoch) as RFC3339Nano, in ``location`` (an IANA name) if given."""
    seconds, nanos = divmod(ns, _NS_PER_SECOND)
    moment = _EPOCH + timedelta(seconds=seconds)
    if location:
        moment = moment.astimezone(_zone(location))
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + _fraction(nanos) + _offset(moment)


def format_times(ns: npt.NDArray[np.int64], location: str | None = None) -> list[str]:
    """Many timestamps at once; the UTC case is vectorised with numpy."""
    if location:
        return [format_time(int(value), location) for value in ns]
    texts = np.datetime_as_string(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"), unit="ns")
    out = []
    for text in texts.tolist():
        whole, _, frac = text.partition(".")
        frac = frac.rstrip("0")
        out.append(f"{whole}.{frac}Z" if frac else whole + "Z")
    return out
