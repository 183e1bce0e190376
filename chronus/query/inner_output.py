"""A subquery's output series, let go of as the enclosing query reads them when they are big.

influxd streams a subquery's rows into the enclosing query. Chronus runs the inner query first and hands
its output on as whole series (``InnerSeries``). Past ``LAZY_ROWS`` rows in all the series are
``LazySeries``: the enclosing query takes each one's rows once (``LazyOutput.take``) and nothing else
keeps them, so the inner output and the enclosing query's copies of it are not both held whole. A series
read a second time runs the inner query again (deterministic for one statement: same now(), same
shards) up to it; a series only one of the runs has (a write in between) is dropped or read as empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from chronus.query.vector import Column

# past this many rows in all, a subquery's output series are let go of as they are read
LAZY_ROWS = 1_000_000

Produced = tuple[str, dict, np.ndarray, list[Column]]
Producer = Callable[[list], Iterator[Produced]]  # given the list its rows' places go to (``delivery``)
SeriesData = tuple[np.ndarray, list[Column], "np.ndarray | None"]


@dataclass
class InnerSeries:
    """One output series of an inner query: rows in the inner query's order."""

    name: str
    tags: dict
    times: np.ndarray
    columns: list[Column]
    # a raw subquery regrouped by the enclosing query: its rows' places in the engine's merge of their
    # enclosing tag set (``select._Plan.outer_heap``), which orders rows sharing a time
    places: np.ndarray | None = None

    def data(self) -> SeriesData:
        """The rows: times, columns, places."""
        return self.times, self.columns, self.places


class LazySeries(InnerSeries):
    """An output series whose rows ``LazyOutput`` produces when they are read (and then lets go of)."""

    def __init__(self, name: str, tags: dict, output: LazyOutput, index: int) -> None:
        super().__init__(name, tags, np.empty(0, np.int64), [])
        self._output = output
        self._index = index

    def data(self) -> SeriesData:
        return self._output.take(self._index)


def _key(name: str, tags: dict) -> tuple:
    return name, tuple(sorted(tags.items()))


class LazyOutput:
    """An inner query's output series handed out by their place in it: the first run's rows while held,
    else those of a new run of the inner query."""

    def __init__(self, produce: Producer, keys: list[tuple], width: int, placed: bool) -> None:
        self._produce = produce
        self._keys = keys
        self._index_of = {key: i for i, key in enumerate(keys)}
        self._width = width  # columns per series
        self._placed = placed  # each series comes with its rows' places (``delivery``)
        self._run: Iterator[tuple[int, SeriesData]] | None = None
        self._position = 0  # the place in the first run of the series the current run gives next
        self._held: dict[int, SeriesData] = {}
        self._taken: set[int] = set()

    def hold(self, rows: Iterable[SeriesData]) -> None:
        """The first run's rows of the series it kept (the first ones), in order: handed out (and let go
        of) as they are read."""
        self._held = dict(enumerate(rows))

    def take(self, index: int) -> SeriesData:
        """Series ``index``'s rows, produced (or held) now; nothing of it is kept."""
        if index in self._held:
            self._taken.add(index)
            return self._held.pop(index)
        if self._run is None or index < self._position:  # (the current run has passed it)
            self._run, self._position = self._rows(), 0
        for place, data in self._run:
            if place == index:
                self._taken.add(index)
                if place == len(self._keys) - 1:  # the last series: the run's own copies go now
                    self._run.close()
                    self._run = None
                return data
            if place not in self._taken and place not in self._held:
                self._held[place] = data
        self._run = None
        self._taken.add(index)
        return np.empty(0, np.int64), [Column.null(0) for _ in range(self._width)], None

    def _rows(self) -> Iterator[tuple[int, SeriesData]]:
        delivery: list = []
        for name, tags, times, columns in self._produce(delivery):
            places = delivery[-1] if self._placed and delivery else None
            delivery.clear()
            key = _key(name, tags)
            place = self._position
            if place >= len(self._keys) or self._keys[place] != key:
                place = self._index_of.get(key)
            if place is None:
                continue  # a series the first run did not have
            self._position = place + 1
            yield place, (times, columns, places)


def with_time_columns(columns: list[Column], n: int, time_columns: list) -> list[Column]:
    """A subquery's output columns with its explicit ``time`` fields (``time_columns``: their positions)
    put in as null columns (influxd's ``OmitTime`` makes them ordinary, always null, columns)."""
    if not time_columns:
        return columns
    columns = list(columns)
    for position, _ in time_columns:
        columns.insert(position, Column.null(n))
    return columns


def _own(values: np.ndarray) -> np.ndarray:
    return values.copy() if values.base is not None else values


def collect(produce: Producer, lazy_rows: float | None = None) -> list[InnerSeries]:
    """The inner query's output series: plain ``InnerSeries``, or ``LazySeries`` (each let go of once
    read) when they add up to more than ``lazy_rows`` rows (default ``LAZY_ROWS``). Then only the first
    series and those after it within that many rows are held from this first run; the run goes on for
    the names and tags of the others, whose rows a second run produces as they are read: the output is
    never held whole."""
    limit = LAZY_ROWS if lazy_rows is None else lazy_rows
    delivery: list = []
    keys: list[tuple[str, dict]] = []
    held: list[SeriesData] = []
    rows = placed = 0
    width = 0
    holding = True  # (the series so far are within the limit)
    for name, tags, times, columns in produce(delivery):
        where = None
        if delivery:
            where = delivery.pop()
            delivery.clear()
            placed += 1
        keys.append((name, tags))
        width = len(columns)
        rows += len(times)
        # the first series is held whatever its size: the enclosing query holds it whole when it reads
        # it anyway, and an output of one series then runs once
        holding = holding and (rows <= limit or not held)
        if holding:  # (own copies: a view would keep all of a bigger output alive)
            held.append((_own(times), [Column(c.kind, _own(c.values), _own(c.valid)) if c.kind is not None
                                       else c for c in columns], None if where is None else _own(where)))
    if placed != len(keys):  # places count only when every series has them
        held = [(times, columns, None) for times, columns, _ in held]
    if rows <= limit:
        return [InnerSeries(name, tags, *data) for (name, tags), data in zip(keys, held, strict=True)]
    output = LazyOutput(produce, [_key(name, tags) for name, tags in keys], width, placed == len(keys))
    output.hold(held)
    return [LazySeries(name, tags, output, i) for i, (name, tags) in enumerate(keys)]
