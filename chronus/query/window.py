"""GROUP BY time windows as influxd cuts them (``IteratorOptions.Window``), over whole time arrays.

Windows start at multiples of the interval from the epoch, moved by the offset; with ``tz()`` the local
wall clock is truncated instead, and around a daylight-saving change the start and end move by the change
when it is smaller than the interval, exactly as influxd does. Zone offsets come from a transition table
found once per query over the data's time span, so every point costs numpy work, not a Python call.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np

from chronus.query.condition import MAX_TIME, MIN_TIME, NS

_DAY = 86_400


def _offset_s(location: ZoneInfo, seconds: int) -> int:
    moment = _dt.datetime.fromtimestamp(seconds, _dt.UTC).astimezone(location)
    delta = moment.utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


@dataclass
class _Zone:
    """Offsets of one location as sorted transition instants (seconds) and the offset from each."""

    location: ZoneInfo
    lo: int = 0
    hi: int = -1
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    offsets: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def _cover(self, lo: int, hi: int) -> None:
        """Find every transition in [lo, hi] seconds: daily samples, then bisection of each change."""
        lo = max(lo - _DAY, -(2**62) // NS)
        hi = min(hi + _DAY, (2**62) // NS)
        if self.lo <= lo and hi <= self.hi:
            return
        lo, hi = min(lo, self.lo), max(hi, self.hi)
        samples = list(range(lo, hi, _DAY)) + [hi]
        offsets = [_offset_s(self.location, s) for s in samples]
        starts, values = [samples[0]], [offsets[0]]
        for i in range(1, len(samples)):
            if offsets[i] == offsets[i - 1]:
                continue
            a, b = samples[i - 1], samples[i]
            while b - a > 1:
                mid = (a + b) // 2
                if _offset_s(self.location, mid) == offsets[i - 1]:
                    a = mid
                else:
                    b = mid
            starts.append(b)
            values.append(offsets[i])
        self.lo, self.hi = lo, hi
        self.starts = np.asarray(starts, np.int64)
        self.offsets = np.asarray(values, np.int64) * NS

    def at(self, ns: np.ndarray) -> np.ndarray:
        """Zone offsets (ns) at the instants ``ns`` (int64 array)."""
        if len(ns) == 0:
            return np.zeros(0, np.int64)
        secs = np.floor_divide(ns, NS)
        self._cover(int(secs.min()), int(secs.max()))
        idx = np.searchsorted(self.starts, secs, side="right") - 1
        return self.offsets[np.maximum(idx, 0)]


@dataclass
class Windows:
    """The interval, offset and location of a statement, with the query's [start, end] time range."""

    interval: int
    offset: int
    start: int
    end: int
    location: str | None = None
    _zone: _Zone | None = None
    # window() and fill_sequence() answers: every series of a statement asks the same ones
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.location:
            self._zone = _Zone(ZoneInfo(self.location))

    def zone(self, ns: np.ndarray) -> np.ndarray:
        return self._zone.at(ns) if self._zone is not None else np.zeros(len(ns), np.int64)

    def starts(self, times: np.ndarray) -> np.ndarray:
        """Window start of every time; the query start for every time without an interval."""
        times = np.asarray(times, np.int64)
        if not self.interval:
            return np.full(len(times), self.start, np.int64)
        if self._zone is None and len(times):
            # far from the int64 ends nothing wraps: the start alone, without the checks ``bounds`` makes
            margin = 2 * self.interval + abs(self.offset)
            if MIN_TIME + margin < int(times.min()) and int(times.max()) < MAX_TIME - margin:
                t = times - self.offset if self.offset else times
                start = t - np.mod(t, self.interval)
                return start + self.offset if self.offset else start
        return self.bounds(times)[0]

    def bounds(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(start, end) of the window of every time, ``Window`` vectorised."""
        duration = self.interval
        t = times.astype(np.int64) - self.offset
        zone = self.zone(t) if self._zone is not None else 0
        with np.errstate(over="ignore"):
            dt = np.mod(t + zone, duration)
            start = np.where(MIN_TIME + dt >= t, MIN_TIME, t - dt)
            if self._zone is not None:
                o = zone - self.zone(start)
                start = start + np.where((o != 0) & (np.abs(o) < duration), o, 0)
            start = start + self.offset
            rest = duration - dt
            end = np.where(MAX_TIME - rest <= t, MAX_TIME, t + rest)
            if self._zone is not None:
                end_off = self.zone(end)
                o = zone - end_off
                shift = (o != 0) & (np.abs(o) < duration)
                back = shift & (o < 0) & (self.zone(end + o) == end_off)
                end = end + np.where(shift & (o > 0) | back, o, 0)
            end = end + self.offset
        return start, end

    def window(self, t: int) -> tuple[int, int]:
        if not self.interval:
            return self.start, self.end + 1
        found = self._memo.get(("window", t))
        if found is None:
            start, end = self.bounds(np.array([t], np.int64))
            found = self._memo[("window", t)] = (int(start[0]), int(end[0]))
        return found

    def output_time(self, starts: np.ndarray) -> np.ndarray:
        """influxd reports the minimum time of an unbounded window as the epoch."""
        return np.where(starts == MIN_TIME, 0, starts)

    def fill_sequence(self, first: int, last: int, ascending: bool) -> np.ndarray:
        """Every window time the fill iterator walks from ``first`` to ``last`` inclusive (shared: never
        write into it)."""
        key = ("fill", first, last, ascending)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._fill_sequence(first, last, ascending)
            found.flags.writeable = False
        return found

    def _fill_sequence(self, first: int, last: int, ascending: bool) -> np.ndarray:
        step = self.interval if ascending else -self.interval
        if self._zone is None:
            if (ascending and first > last) or (not ascending and first < last):
                return np.zeros(0, np.int64)
            # (np.arange sizes a range through a double: past 2**53 ns, about 104 days, it can drop the last)
            count = (last - first) // step + 1
            return first + np.arange(count, dtype=np.int64) * step
        out = []
        t = first
        offset = int(self.zone(np.array([t], np.int64))[0])
        while (ascending and t <= last) or (not ascending and t >= last):
            out.append(t)
            t += step
            now = int(self.zone(np.array([t - 1], np.int64))[0])
            if now != offset:
                diff = offset - now
                if abs(diff) < self.interval:
                    t += diff
                offset = now
        return np.asarray(out, np.int64)
