"""Cutting a statement's output series into results the way influxd's emitter does.

Each series' rows go out in chunks of ``chunk_size`` (0: whole); every result but the last is ``partial``,
and a series split across results is ``partial`` in all but its last piece. A statement with no rows at all
still answers one empty result. Rows come as lists or, better, as a ``Frame`` (time and typed columns),
which stays arrays until the JSON encoder writes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from chronus.query.result import Frame, Result, Row


def emit_series(series: Iterable[tuple[str, Any, list[list[Any]] | Frame]], columns: list[str],
                chunk_size: int, location: str | None) -> Iterator[Result]:
    """``series`` yields ``(name, tags, rows)``; rows (lists or a ``Frame``) start with a nanosecond time."""
    size = chunk_size if chunk_size > 0 else 0
    pending: Row | None = None
    emitted = False
    for name, tags, rows in series:
        n = len(rows)
        start = 0
        while start < n:
            end = n if not size else min(n, start + size)
            if isinstance(rows, Frame):
                row = Row.from_frame(rows.slice(start, end), name=name, tags=dict(tags),
                                     columns=list(columns), location=location)
            else:
                row = Row(name=name, tags=dict(tags), columns=list(columns), values=rows[start:end],
                          time_values=True, location=location)
            if pending is not None:
                yield Result(series=[pending], partial=True)
                emitted = True
            if end < n:
                row.partial = True
            pending = row
            start = end
    if pending is not None:
        yield Result(series=[pending])
        emitted = True
    if not emitted:
        yield Result(series=[])
