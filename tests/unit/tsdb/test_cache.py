import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronus.tsdb.cache import (
    Cache,
    CacheMaxMemorySizeExceededError,
    FieldTypeConflictError,
    SnapshotInProgressError,
    measurement_and_field,
)
from chronus.tsdb.values import MAX_TIME, MIN_TIME, Values, ValueType
from chronus.tsdb.wal import DeleteEntry, DeleteRangeEntry, WriteEntry
from tests.unit.tsdb.strategies import small_times, value_types, values_of

K = b"cpu,host=a#!~#value"


def pairs(cache: Cache, key: bytes, tmin: int = MIN_TIME, tmax: int = MAX_TIME) -> list | None:
    vals = cache.values(key, tmin, tmax)
    return None if vals is None else vals.to_pairs()


def test_values_are_sorted_and_the_newest_write_wins() -> None:
    c = Cache()
    c.write(K, Values.floats([3, 1], [3.0, 1.0]))
    c.write(K, Values.floats([2, 3], [2.0, 33.0]))
    assert pairs(c, K) == [(1, 1.0), (2, 2.0), (3, 33.0)]
    assert pairs(c, K, 2, 2) == [(2, 2.0)]
    assert pairs(c, b"nope") is None
    assert c.type(K) is ValueType.FLOAT and c.type(b"nope") is None


def test_many_keys_at_once_answer_as_one_by_one() -> None:
    import numpy as np

    c = Cache()
    other = b"cpu,host=b#!~#value"
    keys, lo, hi = [K, other, b"nope"], np.array([1, 0, 0], np.int64), np.array([2, 9, 9], np.int64)
    assert c.empty() and c.values_many(keys, lo, hi) == [None] * 3 and c.types_many(keys) == [None] * 3
    c.write(K, Values.floats([1, 2, 3], [1.0, 2.0, 3.0]))
    c.write(other, Values.integers([5], [7]))
    assert not c.empty()
    found = c.values_many(keys, lo, hi)
    assert [None if v is None else v.to_pairs() for v in found] == [[(1, 1.0), (2, 2.0)], [(5, 7)], None]
    assert c.types_many(keys) == [ValueType.FLOAT, ValueType.INTEGER, None]
    c.snapshot()  # the points move to the snapshot being written: still the cache's
    assert not c.empty()
    assert [None if v is None else v.to_pairs() for v in c.values_many(keys, lo, hi)][1] == [(5, 7)]
    c.clear_snapshot(True)
    assert c.empty() and c.values_many(keys, lo, hi) == [None] * 3


def test_arrays_handed_out_do_not_change_with_later_writes() -> None:
    c = Cache()
    c.write(K, Values.integers([1, 2], [1, 2]))
    before = c.values(K)
    c.write(K, Values.integers([2, 0], [20, 0]))
    c.delete_range([K], 1, 1)
    assert before.to_pairs() == [(1, 1), (2, 2)]
    assert pairs(c, K) == [(0, 0), (2, 20)]


def test_size_is_counted_like_influxd() -> None:
    """The sequence influxd 1.6.7 answered with 'cache-max-memory-size exceeded: (103/100)'."""
    c = Cache(max_size=100)
    c.write_multi({b"m#!~#f": Values.floats([1], [1.0])})
    c.write_multi({b"m#!~#f": Values.floats([1], [2.0]), b"m#!~#g": Values.floats([1], [3.0])})
    c.write_multi({b"m#!~#f": Values.floats([2], [2.0]), b"m#!~#g": Values.floats([2], [3.0])})
    assert c.size() == 92
    exceeded = r"^cache-max-memory-size exceeded: \(103/100\)$"
    with pytest.raises(CacheMaxMemorySizeExceededError, match=exceeded):
        c.write_multi({b"m#!~#s": Values.strings([3], [b"abc"])})
    assert c.size() == 92 and c.type(b"m#!~#s") is None


def test_type_conflict_keeps_the_other_keys() -> None:
    c = Cache()
    c.write(b"m\\ x,t=1#!~#f y", Values.floats([1], [1.0]))
    with pytest.raises(FieldTypeConflictError) as err:
        c.write_multi({b"m\\ x,t=1#!~#f y": Values.booleans([2], [True]),
                       b"m\\ x,t=1#!~#g": Values.integers([2], [5])})
    assert str(err.value) == ('field type conflict: input field "f y" on measurement "m x" is type boolean, '
                              "already exists as type float")
    assert pairs(c, b"m\\ x,t=1#!~#g") == [(2, 5)]
    assert pairs(c, b"m\\ x,t=1#!~#f y") == [(1, 1.0)]
    assert c.size() == 16 + 15 + 16 + 13
    assert c.statistics()["writeErr"] == 1 and c.statistics()["writeDropped"] == 1


def test_measurement_and_field_unescape_the_name() -> None:
    assert measurement_and_field(b"m\\,x\\ y,t\\=k=v\\,w#!~#f,y") == (b"m,x y", b"f,y")
    assert measurement_and_field(b"cpu#!~#v") == (b"cpu", b"v")
    assert measurement_and_field(b"a\\\\,b=c#!~#v") == (b"a\\\\", b"v")


def test_delete_and_delete_range_adjust_the_size() -> None:
    c = Cache()
    c.write_multi({K: Values.floats([1, 2, 3, 3], [1.0, 2.0, 3.0, 4.0]),
                   b"s#!~#x": Values.strings([1], [b"ab"])})
    assert c.size() == 64 + len(K) + 10 + 6
    c.delete_range([K], 2, 2)
    # deduplicating the 4 stored points to 3 and removing one leaves 2: InfluxDB counts both drops
    assert pairs(c, K) == [(1, 1.0), (3, 4.0)]
    assert c.size() == 32 + len(K) + 16
    c.delete_range([K], 0, 10)
    assert pairs(c, K) is None and c.size() == 16 and c.keys() == [b"s#!~#x"]
    c.delete([b"s#!~#x", b"absent"])
    assert c.size() == 0 and c.count() == 0


def test_snapshot_hand_off() -> None:
    c = Cache(max_size=1000)
    c.write(K, Values.floats([1, 2], [1.0, 2.0]))
    c.write(b"a#!~#b", Values.booleans([5, 4], [True, False]))
    size = c.size()
    snap = c.snapshot()
    with pytest.raises(SnapshotInProgressError, match="^snapshot in progress$"):
        c.snapshot()
    assert c.keys() == [] and c.size() == size and snap.size() == size
    c.write(K, Values.floats([2, 3], [20.0, 3.0]))
    assert pairs(c, K) == [(1, 1.0), (2, 20.0), (3, 3.0)]  # the live write wins over the snapshot
    assert c.type(b"a#!~#b") is ValueType.BOOLEAN
    assert [(k, v.to_pairs()) for k, v in snap.items()] == [(b"a#!~#b", [(4, False), (5, True)]),
                                                            (K, [(1, 1.0), (2, 2.0)])]
    c.clear_snapshot(False)
    assert c.snapshot() is snap  # a failed snapshot is retried as it is
    c.clear_snapshot(True)
    assert c.size() == 32 + len(K)
    assert pairs(c, K) == [(2, 20.0), (3, 3.0)] and c.type(b"a#!~#b") is None
    assert c.statistics()["cachedBytes"] == size


def test_snapshot_counts_against_the_limit() -> None:
    c = Cache(max_size=60)
    c.write(b"k", Values.floats([1, 2], [1.0, 2.0]))  # 33
    c.snapshot()
    with pytest.raises(CacheMaxMemorySizeExceededError, match=r"\(65/60\)"):
        c.write(b"k", Values.floats([3, 4], [1.0, 2.0]))


def test_load_replays_wal_entries_without_the_limit() -> None:
    c = Cache(max_size=10)
    c.load([
        WriteEntry({K: Values.floats([1, 2], [1.0, 2.0]), b"x#!~#y": Values.integers([1], [1])}),
        DeleteRangeEntry([K], 2, 2),
        WriteEntry({b"x#!~#y": Values.strings([1], [b"s"]), b"z#!~#z": Values.booleans([7], [True])}),
        DeleteEntry([b"x#!~#y"]),
    ])
    assert c.max_size == 10
    assert pairs(c, K) == [(1, 1.0)] and pairs(c, b"x#!~#y") is None and pairs(c, b"z#!~#z") == [(7, True)]


ops = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.sampled_from([b"a", b"b", b"c"]),
                  value_types.flatmap(lambda t: values_of(t, small_times, max_size=6))),
        st.tuples(st.just("delete_range"), st.sampled_from([b"a", b"b", b"c"]), small_times, small_times),
        st.tuples(st.just("read"), st.sampled_from([b"a", b"b", b"c"])),
        st.tuples(st.just("snapshot")),
        st.tuples(st.just("clear")),
    ),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(ops)
def test_matches_a_dict_model(operations: list) -> None:
    """Writes, range deletes, snapshots and reads in any order agree with a plain dict of dicts."""
    cache = Cache()
    live: dict[bytes, tuple[ValueType, dict]] = {}
    snap: dict[bytes, tuple[ValueType, dict]] = {}
    for op in operations:
        if op[0] == "write":
            _, key, vals = op
            held = live.get(key)  # like InfluxDB, only the live store decides conflicts
            if held is not None and held[0] is not vals.type:
                with pytest.raises(FieldTypeConflictError):
                    cache.write(key, vals)
                continue
            cache.write(key, vals)
            vtype, points = live.setdefault(key, (vals.type, {}))
            points.update(vals.to_pairs())
        elif op[0] == "delete_range":
            _, key, lo, hi = op
            cache.delete_range([key], lo, hi)
            if key in live:
                points = live[key][1]
                for t in [t for t in points if lo <= t <= hi]:
                    del points[t]
                if not points:
                    del live[key]
        elif op[0] == "snapshot":
            if cache.snapshotting:
                continue
            cache.snapshot()
            if not snap:
                snap, live = live, {}
        elif op[0] == "clear" and cache.snapshotting:
            cache.clear_snapshot(True)
            snap = {}
        for key in (b"a", b"b", b"c"):
            merged: dict = {}
            if key in snap and (key not in live or live[key][0] is snap[key][0]):
                merged.update(snap[key][1])
            if key in live:
                merged.update(live[key][1])
            got = cache.values(key)
            if not merged:
                assert got is None
            else:
                assert got is not None
                assert _same_pairs(got.to_pairs(), sorted(merged.items(), key=lambda p: p[0]))
    assert cache.keys() == sorted(live)


def _same_pairs(a: list, b: list) -> bool:
    """Equal (time, value) lists, where NaN equals NaN."""
    return len(a) == len(b) and all(x[0] == y[0] and (x[1] == y[1] or (x[1] != x[1] and y[1] != y[1]))
                                    for x, y in zip(a, b, strict=True))


def test_time_range_covers_the_live_store_and_the_snapshot() -> None:
    cache = Cache()
    assert cache.time_range() == (MAX_TIME, MIN_TIME)
    cache.write(b"cpu,host=a#!~#v", Values.floats([30, 10], [1.0, 2.0]))
    cache.write(b"cpu,host=b#!~#v", Values.floats([20], [3.0]))
    assert cache.time_range() == (10, 30)
    snap = cache.snapshot()
    cache.write(b"cpu,host=a#!~#v", Values.floats([50], [4.0]))
    assert snap.time_range() == (10, 30)
    assert cache.time_range() == (10, 50)
    cache.clear_snapshot(True)
    assert cache.time_range() == (50, 50)
    cache.delete([b"cpu,host=a#!~#v"])
    assert cache.time_range() == (MAX_TIME, MIN_TIME)
