"""The C index parse against a plain Python reading of the same bytes: equal arrays for whole indexes, the
same influxd error for cut or corrupted ones."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronus._ext.tsmindex import TSMIndexError, parse_index
from chronus.tsdb.tsm.writer import FOOTER_SIZE, encode_tsm
from chronus.tsdb.values import Values

ENTRY = np.dtype([("min", ">i8"), ("max", ">i8"), ("offset", ">u8"), ("size", ">u4")])


def reference(data: bytes, start: int, end: int):
    """The index read entry by entry in Python (the reader's former loop)."""
    index = data[start:end]
    keys, types, counts, raw = [], bytearray(), [], bytearray()
    i, n = 0, len(index)
    while i < n:
        if i + 2 >= n:
            raise TSMIndexError("indirectIndex: not enough data for key length value")
        (key_len,) = struct.unpack_from(">H", index, i)
        key = index[i + 2:i + 2 + key_len]
        i += 3 + key_len
        if i + 2 >= n:
            raise TSMIndexError("indirectIndex: not enough data for index entries count")
        (count,) = struct.unpack_from(">H", index, i)
        i += 2
        if i + count * ENTRY.itemsize > n or count == 0:
            raise TSMIndexError("indirectIndex: not enough data for max time")
        keys.append(key)
        types.append(index[i - 3])
        counts.append(count)
        raw += index[i:i + count * ENTRY.itemsize]
        i += count * ENTRY.itemsize
    entries = np.frombuffer(bytes(raw), dtype=ENTRY)
    first = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))
    return (keys, bytes(types), first, entries["min"].astype(np.int64), entries["max"].astype(np.int64),
            entries["offset"].astype(np.int64), entries["size"].astype(np.int64))


def outcome(fn, *args):
    try:
        return fn(*args)
    except TSMIndexError as err:
        return str(err)


def same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    arrays_equal = all(np.array_equal(x, y) for x, y in zip(a[2:], b[2:], strict=True))
    return a[0] == b[0] and a[1] == b[1] and arrays_equal


def tsm_file(spec) -> tuple[bytes, int, int]:
    items = []
    for i, (n, kind) in enumerate(spec):
        times = np.arange(n, dtype=np.int64) * 7 - 3
        key = b"m,t=%03d#!~#f" % i
        values = Values.floats(times, times * 0.5) if kind else Values.strings(times, [b"x"] * n)
        items.append((key, values))
    data = encode_tsm(items, 4)
    (start,) = struct.unpack_from(">Q", data, len(data) - FOOTER_SIZE)
    return data, start, len(data) - FOOTER_SIZE


specs = st.lists(st.tuples(st.integers(1, 30), st.booleans()), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(spec=specs)
def test_whole_indexes_parse_to_the_same_arrays(spec):
    data, start, end = tsm_file(spec)
    got = parse_index(data, start, end)
    assert same(got, reference(data, start, end))
    assert got[2][-1] == len(got[3]) == sum(-(-n // 4) for n, _ in spec)


@settings(max_examples=300, deadline=None)
@given(spec=specs, cut=st.integers(0, 400),
       flips=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), max_size=3))
def test_cut_or_corrupted_indexes_fail_the_same_way(spec, cut, flips):
    data, start, end = tsm_file(spec)
    buf = bytearray(data)
    for pos, value in flips:
        buf[start + pos % (end - start)] = value
    end = max(start, end - cut)
    assert same(outcome(parse_index, bytes(buf), start, end), outcome(reference, bytes(buf), start, end))


def test_messages():
    data, start, end = tsm_file([(3, True)])
    with pytest.raises(TSMIndexError, match="^indirectIndex: not enough data for key length value$"):
        parse_index(data[:start] + b"\x00\x05", start, start + 2)
    with pytest.raises(TSMIndexError, match="^indirectIndex: not enough data for max time$"):
        parse_index(data, start, end - 1)
    with pytest.raises(TSMIndexError, match="^mmapAccessor: invalid indexStart$"):
        parse_index(data, start, len(data) + 1)
    assert parse_index(data, start, start)[0] == []
