"""The result model of a query, shaped as InfluxDB's ``query.Result`` / ``models.Row`` serialise.

Executors produce ``Result`` objects; the HTTP layer turns them into JSON (or CSV / msgpack). ``to_json_obj``
builds dicts in Go's struct field order with Go's ``omitempty`` rules, so ``gojson.dumps`` of them is
byte-identical to influxd's body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chronus.query.timefmt import format_times

WARNING_LEVEL = "warning"

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
class Row:
    """One series of a result: its name, tags, column names and rows of values.

    When ``time_values`` is set, the first value of every row is a timestamp in integer nanoseconds, which
    each output format renders its own way (RFC3339Nano text in JSON, in ``location`` for ``tz()``; an
    integer in CSV; a time extension in msgpack), like Go's ``time.Time`` values in ``models.Row``.
    """

    name: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    values: list[list[Any]] = field(default_factory=list)
    partial: bool = False
    time_values: bool = False
    location: str | None = None

    def same_series(self, other: Row) -> bool:
        return self.name == other.name and self.tags == other.tags

    def to_json_obj(self) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        if self.name:
            obj["name"] = self.name
        if self.tags:
            obj["tags"] = {key: self.tags[key] for key in sorted(self.tags)}
        if self.columns:
            obj["columns"] = self.columns
        if self.values:
            obj["values"] = self._json_values()
        if self.partial:
            obj["partial"] = True
        return obj

    def _json_values(self) -> list[list[Any]]:
        if not self.time_values:
            return self.values
        stamps = np.fromiter((row[0] for row in self.values), np.int64, len(self.values))
        texts = format_times(stamps, self.location)
        return [[text, *row[1:]] for text, row in zip(texts, self.values, strict=True)]

    def convert_to_epoch(self, epoch: str) -> None:
        """Turn timestamps into integers in ``epoch`` units (``u``, ``ms``, ``s``, ``m``, ``h``; else ns).

        Go divides with truncation toward zero, so negative times round up, not down.
        """
        if not self.time_values:
            return
        divisor = EPOCH_DIVISORS.get(epoch, 1)
        if divisor != 1:
            for row in self.values:
                quotient = abs(row[0]) // divisor
                row[0] = quotient if row[0] >= 0 else -quotient
        self.time_values = False


@dataclass
class Result:
    """The outcome of one statement; ``error`` holds the text of a statement-level error."""

    statement_id: int = 0
    series: list[Row] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    partial: bool = False
    error: str | None = None

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
