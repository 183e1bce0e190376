"""The columnar write path agrees with the per-key path it replaced: grouping, WAL payload, cache.

A batch's values go to the WAL codec and the cache as flat columns (``PointBatch.grouped``); these tests
hold them equal to a plain-Python grouping of the same batch, to ``encode_write`` of that grouping, and to
``Cache.write_multi`` of it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronus._ext import lineproto as _lp
from chronus._ext import walcodec
from chronus.models.points import EMPTY, PointBatch, parse, split_series_key
from chronus.tsdb.cache import Cache, CacheMaxMemorySizeExceededError, FieldTypeConflictError
from chronus.tsdb.values import Values, ValueType

NOW = 1_700_000_000_000_000_000

MEASUREMENTS = ["cpu", "m\\ x", "m\\,y", 'q\\"z', "m\\=w"]
TAGS = ["", ",host=a", ",host=b,dc=x", ",time=1", ",a\\ b=c", ",ti\\me=2"]
FIELDS = ["a", "b", "c\\ d", "time"]
VALUES = ["1.5", "-2", "3i", "-4i", "t", "FALSE", '"s"', '""', '"x\\"y"', "NaN", "1e3"]


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    key = draw(st.sampled_from(MEASUREMENTS)) + draw(st.sampled_from(TAGS))
    fields = draw(st.lists(st.tuples(st.sampled_from(FIELDS), st.sampled_from(VALUES)), min_size=1,
                           max_size=3))
    text = f"{key} {','.join(f'{f}={v}' for f, v in fields)} {draw(st.integers(0, 6))}"
    return text.encode()


bodies = st.lists(lines(), min_size=0, max_size=12).map(b"\n".join)


def reference_groups(batch: PointBatch, keep: np.ndarray | None) -> list[tuple[bytes, int, Values]]:
    """Per pair in pair order: its rows of kept points, in body order, of the pair's first type."""
    bad = {int(r) for r in batch._value_error_rows[:, 0]} if len(batch._value_error_rows) else set()
    rows: dict[int, list[int]] = {}
    first: dict[int, int] = {}
    for point in range(len(batch)):
        if keep is not None and not keep[point]:
            continue
        for row in range(int(batch.point_rows[point]), int(batch.point_rows[point + 1])):
            kind, pair = int(batch.row_type[row]), int(batch.row_pair[row])
            if kind == EMPTY or row in bad or first.setdefault(pair, kind) != kind:
                continue
            rows.setdefault(pair, []).append(row)
    out = []
    for pair in sorted(rows):
        kind = first[pair]
        times = [int(batch.point_time[np.searchsorted(batch.point_rows, r, side="right") - 1])
                 for r in rows[pair]]
        values = [batch.row_value(r) for r in rows[pair]]
        out.append((batch.series_field_key(pair), kind, Values(kind, times, values)))
    return out


def _keep(batch: PointBatch, data: st.DataObject) -> np.ndarray | None:
    if not len(batch) or data.draw(st.booleans()):
        return None
    return np.array(data.draw(st.lists(st.booleans(), min_size=len(batch), max_size=len(batch))))


def _as_mapping(batch: PointBatch, keep: np.ndarray | None) -> dict[bytes, Values]:
    return {g.key: Values(g.type, g.times, g.values) for g in batch.groups(keep)}


def _encode(groups) -> bytes:
    return walcodec.encode_groups(groups.keys, groups.key_offsets, groups.types, groups.starts, groups.times,
                                  groups.bits, groups.rows, groups.string_data, groups.string_offsets)


@settings(max_examples=400, deadline=None)
@given(bodies, st.data())
def test_grouped_columns_match_a_plain_grouping(body: bytes, data: st.DataObject) -> None:
    batch = parse(body, "n", NOW)
    keep = _keep(batch, data)
    expected = reference_groups(batch, keep)
    got = batch.groups(keep)
    assert [(g.key, g.type) for g in got] == [(key, kind) for key, kind, _ in expected]
    for group, (_, kind, vals) in zip(got, expected, strict=True):
        assert Values(kind, group.times, group.values) == vals


@settings(max_examples=400, deadline=None)
@given(bodies, st.data())
def test_wal_payload_from_columns_is_encode_write_of_the_groups(body: bytes, data: st.DataObject) -> None:
    batch = parse(body, "n", NOW)
    keep = _keep(batch, data)
    payload = _encode(batch.grouped(keep))
    assert payload == walcodec.encode_write(_as_mapping(batch, keep))
    assert walcodec.decode_write(payload) == _as_mapping(batch, keep)


@settings(max_examples=300, deadline=None)
@given(st.lists(bodies, max_size=5), st.integers(0, 3))
def test_cache_write_groups_is_write_multi(batches: list[bytes], snapshot_at: int) -> None:
    columnar, per_key = Cache(), Cache()
    for n, body in enumerate(batches):
        if n == snapshot_at:
            columnar.snapshot()
            per_key.snapshot()
        batch = parse(body, "n", NOW)
        errors = []
        writes = ((columnar.write_groups, batch.grouped()), (per_key.write_multi, _as_mapping(batch, None)))
        for write, arg in writes:
            try:
                write(arg)
                errors.append(None)
            except FieldTypeConflictError as err:
                errors.append(str(err))
        assert errors[0] == errors[1]
        assert columnar.size() == per_key.size()
        keys = per_key.keys()
        assert columnar.keys() == keys
        for key in keys:
            assert columnar.values(key) == per_key.values(key)
            assert columnar.values(key, 1, 3) == per_key.values(key, 1, 3)


def test_cache_write_groups_counts_and_refuses_like_write_multi() -> None:
    batch = parse(b'm,h=a f=1,s="abc" 1\nm,h=a f=2,b=t 2', "n", NOW)
    cache = Cache()
    cache.write_groups(batch.grouped())
    key_bytes = sum(len(k) for k in (b"m,h=a#!~#f", b"m,h=a#!~#s", b"m,h=a#!~#b"))
    assert cache.size() == 2 * 16 + (8 + 3) + 9 + key_bytes
    with pytest.raises(CacheMaxMemorySizeExceededError):
        Cache(max_size=40).write_groups(batch.grouped())
    with pytest.raises(FieldTypeConflictError, match='input field "f" on measurement "m" is type integer'):
        cache.write_groups(parse(b"m,h=a f=3i 3\nm,h=a b=f 4", "n", NOW).grouped())
    assert cache.values(b"m,h=a#!~#b") == Values.booleans([2, 4], [True, False])
    assert cache.values(b"m,h=a#!~#f") == Values.floats([1, 2], [1.0, 2.0])


def test_views_do_not_change_with_later_columnar_writes() -> None:
    cache = Cache()
    cache.write_groups(parse(b"m f=1 5\nm f=2 6", "n", NOW).grouped())
    held = cache.values(b"m#!~#f")
    for step in range(50):
        cache.write_groups(parse(f"m f={step} {3 + step % 7}".encode(), "n", NOW).grouped())
    assert held == Values.floats([5, 6], [1.0, 2.0])
    assert cache.values(b"m#!~#f").times.tolist() == list(range(3, 10))


@settings(max_examples=300, deadline=None)
@given(bodies)
def test_series_names_and_time_tags_match_split_series_key(body: bytes) -> None:
    batch = parse(body, "n", NOW)
    which = np.arange(batch.series_count, dtype=np.int32)[::-1].copy()
    names, name_of, time_tag = _lp.series_names(batch.series_keys, batch.series_offsets, which)
    keys = _lp.decode_series_keys(batch.series_keys, batch.series_offsets, which)
    assert len(set(names)) == len(names)
    for i, series in enumerate(which.tolist()):
        raw = batch.series_key(series)
        name, tags = split_series_key(raw)
        assert split_series_key(names[name_of[i]])[0] == name
        assert bool(time_tag[i]) == any(key == b"time" for key, _ in tags)
        assert keys[i] == raw.decode("utf-8", "surrogateescape")


def test_decode_series_keys_keeps_invalid_utf8() -> None:
    batch = parse(b"m,t=\xff v=1 1", "n", NOW)
    assert _lp.decode_series_keys(batch.series_keys, batch.series_offsets, np.zeros(1, np.int32)) == [
        "m,t=\udcff"]


def test_key_buffer_types() -> None:
    batch = parse(b"m i=2i,b=true,f=1.5,s=\"x\" 7", "n", NOW)
    cache = Cache()
    cache.write_groups(batch.grouped())
    for field, vtype in [(b"i", ValueType.INTEGER), (b"b", ValueType.BOOLEAN), (b"f", ValueType.FLOAT),
                         (b"s", ValueType.STRING)]:
        assert cache.type(b"m#!~#" + field) is vtype
    assert cache.values(b"m#!~#s") == Values.strings([7], [b"x"])


def test_unsigned_columns() -> None:
    """The parser (as influxd 1.6.7's) never makes unsigned values, but the columns carry them."""
    from chronus.models.points import GroupedValues

    bits = np.array([0, (1 << 64) - 1], dtype=np.uint64)
    groups = GroupedValues(b"m#!~#u", np.array([0, 6]), np.zeros(1, np.int32), np.array([5], np.uint8),
                           np.array([0, 2]), np.arange(2), np.array([1, 2]), bits, b"", np.zeros(3, np.int64))
    expected = Values.unsigneds([1, 2], [0, (1 << 64) - 1])
    assert _encode(groups) == walcodec.encode_write({b"m#!~#u": expected})
    cache = Cache()
    cache.write_groups(groups)
    assert cache.values(b"m#!~#u") == expected and cache.size() == 32 + 6
