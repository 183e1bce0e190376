"""Cutting a statement's output series into results the way influxd's emitter does.

Each series' rows go out in chunks of ``chunk_size`` (0: whole); every result but the last is ``partial``,
and a series split across results is ``partial`` in all but its last piece. A statement with no rows at all
still answers one empty result. Rows come as lists or, better, as a ``Frame`` (time and typed columns),
which stays arrays until the JSON encoder writes it. A series may arrive in pieces (a raw query streams its
points shard by shard): the pieces are cut into the same chunks one whole series would give.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from chronus.query.result import Frame, Result, Row

Rows = list[list[Any]] | Frame


def emit_series(series: Iterable[tuple], columns: list[str], chunk_size: int, location: str | None,
                time_values: bool = True) -> Iterator[Result]:
    """``series`` yields ``(name, tags, rows)``, or ``(name, tags, rows, last)`` where ``last`` False means
    the next item continues the same series; rows (lists or a ``Frame``) start with a nanosecond time
    (``time_values``; rows of a SHOW statement answered like a SELECT have none)."""
    size = chunk_size if chunk_size > 0 else 0
    pending: Row | None = None  # cut, not yet sent: whether it is partial depends on what comes next
    pending_series = -1
    emitted = False
    serial = 0  # which series a row belongs to
    buffered: list[Rows] = []  # rows of the current series not yet cut (fewer than ``size``)
    count = 0

    def cut(name: str, tags: Any, pieces: list[Rows]) -> Row:
        first = pieces[0]
        if isinstance(first, Frame):
            row = Row.from_frame(first, name=name, tags=dict(tags), columns=list(columns), location=location)
        else:
            row = Row(name=name, tags=dict(tags), columns=list(columns), values=list(first),
                      time_values=time_values, location=location)
        for piece in pieces[1:]:
            if isinstance(piece, Frame):
                row.extend(Row.from_frame(piece))
            else:
                row.extend(Row(values=list(piece), time_values=time_values))
        return row

    def send(row: Row) -> Iterator[Result]:
        nonlocal pending, pending_series, emitted
        if pending is not None:
            if pending_series == serial:
                pending.partial = True
            yield Result(series=[pending], partial=True)
            emitted = True
        pending, pending_series = row, serial

    for item in series:
        name, tags, rows = item[0], item[1], item[2]
        last = item[3] if len(item) > 3 else True
        n = len(rows)
        start = 0
        while size and count + (n - start) >= size:  # enough rows for a whole chunk
            end = start + size - count
            yield from send(cut(name, tags, [*buffered, _slice(rows, start, end)]))
            buffered, count, start = [], 0, end
        if start < n:
            buffered.append(_slice(rows, start, n) if start else rows)
            count += n - start
        if last:
            if buffered:
                yield from send(cut(name, tags, buffered))
            buffered, count = [], 0
            serial += 1
    if pending is not None:
        yield Result(series=[pending])
        emitted = True
    if not emitted:
        yield Result(series=[])


def _slice(rows: Rows, start: int, end: int) -> Rows:
    return rows.slice(start, end) if isinstance(rows, Frame) else rows[start:end]
