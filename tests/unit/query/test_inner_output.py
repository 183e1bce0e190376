"""A subquery's output series: held whole when small, let go of as read when big, read again on demand."""

from __future__ import annotations

import numpy as np

from chronus.query.inner_output import InnerSeries, LazySeries, collect
from chronus.query.vector import FLOAT, Column


def series(name: str, host: str, start: int, n: int):
    times = np.arange(start, start + n, dtype=np.int64)
    return name, {"host": host}, times, [Column(FLOAT, times.astype(float) * 2, np.ones(n, bool))]


class Producer:
    """The inner query: ``runs`` successive outputs (the last one repeats), counting how often it ran."""

    def __init__(self, *runs: list, places: bool = False) -> None:
        self.runs = runs
        self.places = places
        self.count = 0

    def __call__(self, delivery: list):
        run = self.runs[min(self.count, len(self.runs) - 1)]
        self.count += 1
        for name, tags, times, columns in run:
            if self.places:
                delivery.append(times * 10)
            yield name, tags, times, columns


def with_time_column(produce: Producer):
    """The producer's series with a null ``time`` column first, as a subquery selecting time has."""
    def produced(delivery: list):
        for name, tags, times, columns in produce(delivery):
            yield name, tags, times, [Column.null(len(times)), *columns]
    return produced


OUTPUT = [series("cpu", "a", 0, 3), series("cpu", "b", 10, 2), series("mem", "a", 20, 4)]


def rows(data) -> tuple[list[int], list[float], list[int] | None]:
    times, columns, places = data
    return times.tolist(), columns[-1].values.tolist(), None if places is None else places.tolist()


def test_a_small_output_is_held_whole():
    produce = Producer(OUTPUT, places=True)
    out = collect(produce, lazy_rows=9)
    assert [type(s) for s in out] == [InnerSeries] * 3
    assert [(s.name, s.tags) for s in out] == [("cpu", {"host": "a"}), ("cpu", {"host": "b"}),
                                               ("mem", {"host": "a"})]
    assert rows(out[1].data()) == ([10, 11], [20.0, 22.0], [100, 110])
    assert rows(out[1].data()) == ([10, 11], [20.0, 22.0], [100, 110])
    assert produce.count == 1


def test_a_big_output_holds_the_series_within_the_limit_and_runs_again_for_the_rest():
    produce = Producer(OUTPUT)
    out = collect(with_time_column(produce), lazy_rows=5)  # 3 + 2 rows held, the third series' 4 not
    assert [type(s) for s in out] == [LazySeries] * 3
    output = out[0]._output
    assert sorted(output._held) == [0, 1]
    assert [len(s.data()[1]) for s in out[:2]] == [2, 2]  # the time column added
    assert (produce.count, output._held) == (1, {})
    times, columns, _ = out[2].data()
    assert (times.tolist(), len(columns), produce.count) == ([20, 21, 22, 23], 2, 2)
    assert output._held == {}  # the second run passed the held series: read, so not kept again


def test_out_of_order_reads_hold_the_series_a_run_passes():
    produce = Producer(OUTPUT, places=True)
    out = collect(produce, lazy_rows=0)
    assert sorted(out[0]._output._held) == [0]  # the first series held whatever its size, no other
    assert rows(out[2].data()) == ([20, 21, 22, 23], [40.0, 42.0, 44.0, 46.0], [200, 210, 220, 230])
    assert sorted(out[0]._output._held) == [0, 1]
    assert rows(out[0].data()) == ([0, 1, 2], [0.0, 2.0, 4.0], [0, 10, 20])
    assert rows(out[1].data()) == ([10, 11], [20.0, 22.0], [100, 110])
    assert (produce.count, out[0]._output._held) == (2, {})


def test_an_output_of_one_big_series_runs_once():
    produce = Producer([series("cpu", "a", 0, 5)])
    out = collect(produce, lazy_rows=2)
    assert [type(s) for s in out] == [LazySeries]
    assert rows(out[0].data())[0] == [0, 1, 2, 3, 4]
    assert (produce.count, out[0]._output._held) == (1, {})


def test_a_second_read_runs_the_inner_query_again_up_to_the_series():
    produce = Producer(OUTPUT, places=True)
    out = collect(produce, lazy_rows=3)  # the first series held
    first = [rows(s.data()) for s in out]
    assert produce.count == 2  # the others from one more run, in order
    assert rows(out[1].data()) == first[1]
    assert produce.count == 3
    assert rows(out[2].data()) == first[2]  # the new run goes on from where it stopped
    assert produce.count == 3
    assert rows(out[0].data()) == first[0]  # passed: one more run
    assert produce.count == 4
    assert rows(out[2].data()) == first[2]  # that run goes on, over series 1: read before, so not held
    assert (produce.count, out[0]._output._held) == (4, {})


def test_a_series_the_new_run_lacks_reads_as_empty_and_one_it_adds_is_dropped():
    later = [series("cpu", "a", 0, 3), series("cpu", "c", 5, 1), series("mem", "a", 20, 4)]
    produce = Producer(OUTPUT, later)
    out = collect(produce, lazy_rows=0)
    for s in out:
        s.data()
    times, columns, places = out[1].data()  # cpu,host=b: not in the new run
    assert (times.tolist(), len(columns), columns[0].kind, places) == ([], 1, None, None)
    assert rows(out[2].data()) == ([20, 21, 22, 23], [40.0, 42.0, 44.0, 46.0], None)


def test_places_are_kept_only_when_every_series_has_them():
    class OnePlaceShort(Producer):
        def __call__(self, delivery: list):
            for i, item in enumerate(super().__call__([])):
                if i:
                    delivery.append(item[2])
                yield item

    out = collect(OnePlaceShort(OUTPUT), lazy_rows=0)
    assert [s.data()[2] for s in out] == [None, None, None]
    out = collect(OnePlaceShort(OUTPUT), lazy_rows=99)
    assert [s.places for s in out] == [None, None, None]
