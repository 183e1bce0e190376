"""The result model of a query, shaped as InfluxDB's ``query.Result`` / ``models.Row`` serialise.

Executors produce ``Result`` objects; the HTTP layer turns them into JSON (or CSV / msgpack). ``to_json_obj``
builds dicts in Go's struct field order with Go's ``omitempty`` rules, so ``gojson.dumps`` of them is
byte-identical to influxd's body. SELECT's rows can stay column-wise (``Frame``) up to the encoder, which
then writes them in C (``FrameValues``, ``chronus._ext.jsonenc``) instead of walking a list per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from chronus._ext.jsonenc import encode_values, rfc3339_texts
from chronus.query.vector import BOOLEAN, FLOAT, INTEGER, STRING, UNSIGNED, Column

WARNING_LEVEL = "warning"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_KIND_DTYPES = {FLOAT: np.dtype(np.float64), INTEGER: np.dtype(np.int64), UNSIGNED: np.dtype(np.uint64),
                BOOLEAN: np.dtype(np.bool_), STRING: np.dtype(object)}

EPOCH_DIVISORS = {
    "u": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}


@dataclass
class Message:
    """An informational message attached to a statement's result (e.g. the GET-write deprecation warning)."""

    level: str
    text: str

    def to_json_obj(self) -> dict[str, Any]:
        return {"level": self.level, "text": self.text}


def read_only_warning(statement_text: str) -> Message:
    """The warning influxd attaches when a statement that writes arrives in a GET request."""
    return Message(
        WARNING_LEVEL,
        f"deprecated use of '{statement_text}' in a read only context, please use a POST request instead",
    )


@dataclass
class Frame:
    """Rows held column-wise: int64 nanosecond times and one ``Column`` per output column after ``time``.

    This is how SELECT produces rows; keeping them as arrays up to the encoder spares a Python list per row
    (the JSON encoder writes straight from the arrays, see ``chronus._ext.jsonenc``).
    """

    times: np.ndarray
    columns: list[Column]

    def __len__(self) -> int:
        return len(self.times)

    def slice(self, start: int, end: int) -> Frame:
        """Rows ``start:end`` as views of the same arrays."""
        return Frame(self.times[start:end],
                     [c.take(slice(start, end)) for c in self.columns])

    def typed(self) -> bool:
        """Whether every column's array has its kind's own dtype (what the Cython encoders read)."""
        return self.times.dtype == np.int64 and all(
            c.kind is None or c.values.dtype == _KIND_DTYPES[c.kind] for c in self.columns)

    def to_rows(self) -> list[list[Any]]:
        """The rows as Python lists (time first, None for nulls and NaN floats)."""
        outputs = [c.to_list() for c in self.columns]
        return [list(r) for r in zip(self.times.tolist(), *outputs, strict=True)]

    @staticmethod
    def concat(frames: list[Frame]) -> Frame | None:
        """One frame of consecutive pieces of a series, or None when a column changes kind between them."""
        if len(frames) == 1:
            return frames[0]
        columns = []
        for parts in zip(*(f.columns for f in frames), strict=True):
            kinds = {p.kind for p in parts}
            if len(kinds) > 1 or len({p.values.dtype for p in parts}) > 1:
                return None
            columns.append(Column(parts[0].kind, np.concatenate([p.values for p in parts]),
                                  np.concatenate([p.valid for p in parts])))
        return Frame(np.concatenate([f.times for f in frames]), columns)


class Row:
    """One series of a result: its name, tags, column names and rows of values.

    When ``time_values`` is set, the first value of every row is a timestamp in integer nanoseconds, which
    each output format renders its own way (RFC3339Nano text in JSON, in ``location`` for ``tz()``; an
    integer in CSV; a time extension in msgpack), like Go's ``time.Time`` values in ``models.Row``.

    The rows are either ``values`` (lists) or, as SELECT makes them, frames (``Row.from_frame``) that stay
    arrays for the JSON encoder; reading ``values`` turns frames into lists once. ``extend``, ``truncate``
    and ``row_count`` work on both without that conversion.
    """

    def __init__(self, name: str = "", tags: dict[str, str] | None = None, columns: list[str] | None = None,
                 values: list[list[Any]] | None = None, partial: bool = False, time_values: bool = False,
                 location: str | None = None) -> None:
        self.name = name
        self.tags = tags if tags is not None else {}
        self.columns = columns if columns is not None else []
        self._values: list[list[Any]] = values if values is not None else []
        self._frames: list[Frame] = []
        self.partial = partial
        self.time_values = time_values
        self.location = location

    @classmethod
    def from_frame(cls, frame: Frame, name: str = "", tags: dict[str, str] | None = None,
                   columns: list[str] | None = None, location: str | None = None) -> Row:
        """A row whose values are ``frame`` (times are nanoseconds, ``time_values`` is set)."""
        row = cls(name=name, tags=tags, columns=columns, time_values=True, location=location)
        row._frames = [frame] if len(frame) else []
        return row

    @property
    def values(self) -> list[list[Any]]:
        if self._frames:
            self._values = self._values + [row for frame in self._frames for row in frame.to_rows()]
            self._frames = []
        return self._values

    @values.setter
    def values(self, values: list[list[Any]]) -> None:
        self._values = values
        self._frames = []

    @property
    def frame(self) -> Frame | None:
        """All rows as one frame, or None when some are lists (or the pieces cannot be joined)."""
        if not self._frames or self._values:
            return None
        joined = Frame.concat(self._frames)
        if joined is not None:
            self._frames = [joined]
        return joined

    def row_count(self) -> int:
        return len(self._values) + sum(len(f) for f in self._frames)

    def truncate(self, count: int) -> None:
        """Keep the first ``count`` rows."""
        if count >= self.row_count():
            return
        if self._frames and not self._values:
            frame = self.frame
            if frame is not None:
                self._frames = [frame.slice(0, count)] if count else []
                return
        self.values = self.values[:count]

    def extend(self, other: Row) -> None:
        """Append ``other``'s rows (the next piece of the same series); frames stay frames."""
        if other._frames and not other._values and not self._values and self.time_values == other.time_values:
            self._frames.extend(other._frames)
            return
        self.values.extend(other.values)

    def same_series(self, other: Row) -> bool:
        return self.name == other.name and self.tags == other.tags

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Row):
            return NotImplemented
        return (self.name, self.tags, self.columns, self.values, self.partial, self.time_values,
                self.location) == (other.name, other.tags, other.columns, other.values, other.partial,
                                   other.time_values, other.location)

    def __repr__(self) -> str:
        return (f"Row(name={self.name!r}, tags={self.tags!r}, columns={self.columns!r}, "
                f"values=<{self.row_count()} rows>, partial={self.partial!r}, "
                f"time_values={self.time_values!r}, location={self.location!r})")

    def to_json_obj(self) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        if self.name:
            obj["name"] = self.name
        if self.tags:
            obj["tags"] = {key: self.tags[key] for key in sorted(self.tags)}
        if self.columns:
            obj["columns"] = self.columns
        if self.row_count():
            obj["values"] = self.json_values()
        if self.partial:
            obj["partial"] = True
        return obj

    def json_values(self) -> FrameValues | list[list[Any]]:
        """The rows as ``gojson`` writes them: the frame itself when it has one (written in C), else
        lists with RFC3339 times."""
        frame = self.frame
        if frame is not None and frame.typed():
            return FrameValues(frame, self.time_values, self.location)
        return self._json_values()

    def _json_values(self) -> list[list[Any]]:
        if not self.time_values:
            return self.values
        stamps = np.fromiter((row[0] for row in self.values), np.int64, len(self.values))
        texts = rfc3339_texts(stamps, utc_offsets(stamps, self.location) if self.location else None)
        return [[text, *row[1:]] for text, row in zip(texts, self.values, strict=True)]

    def convert_to_epoch(self, epoch: str) -> None:
        """Turn timestamps into integers in ``epoch`` units (``u``, ``ms``, ``s``, ``m``, ``h``; else ns).

        Go divides with truncation toward zero, so negative times round up, not down.
        """
        if not self.time_values:
            return
        divisor = EPOCH_DIVISORS.get(epoch, 1)
        if divisor != 1:
            for row in self._values:
                quotient = abs(row[0]) // divisor
                row[0] = quotient if row[0] >= 0 else -quotient
            self._frames = [Frame(epoch_times(f.times, divisor), f.columns) for f in self._frames]
        self.time_values = False


def epoch_times(times: np.ndarray, divisor: int) -> np.ndarray:
    """``times`` divided by ``divisor`` with truncation toward zero, as Go divides."""
    quotient = np.abs(times) // divisor
    return np.where(times < 0, -quotient, quotient)


@dataclass
class FrameValues:
    """The ``values`` of a row held as a frame, written by the JSON encoder straight from the arrays.

    ``gojson`` calls ``encode_json``; the row's values as lists through ``gojson`` (with ``timefmt``'s
    times) are the reference it is tested against.
    """

    frame: Frame
    time_values: bool
    location: str | None

    def encode_json(self, indent: int) -> bytes:
        """The JSON array (``indent`` < 0: compact; else ``MarshalIndent`` layout at that many spaces)."""
        frame = self.frame
        offsets = None
        if self.time_values and self.location:
            offsets = utc_offsets(frame.times, self.location)
        columns = [(c.kind, c.values, c.valid) for c in frame.columns]
        return encode_values(frame.times, offsets, self.time_values, columns, indent)


def utc_offsets(times: np.ndarray, location: str) -> np.ndarray:
    """Seconds east of UTC of ``location`` at each time (int32), looked up once per distinct second."""
    seconds = np.floor_divide(times, 1_000_000_000)
    unique, inverse = np.unique(seconds, return_inverse=True)
    zone = ZoneInfo(location)
    lookup = np.fromiter(
        (int((_EPOCH + timedelta(seconds=s)).astimezone(zone).utcoffset().total_seconds())
         for s in unique.tolist()),
        np.int32, len(unique))
    return lookup[inverse.reshape(-1)]


class GoInt(int):
    """An integer influxd holds as Go's ``int`` (``replicaN``, diagnostics' counts and sizes), not int64:
    JSON writes it as any number, but influxd's CSV writer has no case for it and leaves the cell as it
    was (the column's name in a first row, else the row before's value)."""


@dataclass
class Result:
    """The outcome of one statement; ``error`` holds the text of a statement-level error."""

    statement_id: int = 0
    series: list[Row] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    partial: bool = False
    error: str | None = None
    #: more results of the statement follow although this one is not ``partial`` (influxd sends SHOW TAG
    #: KEYS / VALUES one whole result per measurement); never written out
    continued: bool = False

    def to_json_obj(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"statement_id": self.statement_id}
        if self.series:
            obj["series"] = [row.to_json_obj() for row in self.series]
        if self.messages:
            obj["messages"] = [message.to_json_obj() for message in self.messages]
        if self.partial:
            obj["partial"] = True
        if self.error:
            obj["error"] = self.error
        return obj


def response_obj(results: list[Result], error: str | None = None) -> dict[str, Any]:
    """The top-level body ``{"results": [...], "error": ...}`` (Go omits an empty list and an empty error)."""
    obj: dict[str, Any] = {}
    if results:
        obj["results"] = [result.to_json_obj() for result in results]
    if error:
        obj["error"] = error
    return obj
