"""The TSM reader: influxd's own file read to the exact points, range reads decoding only the blocks they
need, and broken files refused with influxd's words."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from chronus._ext import tsmcodec
from chronus.tsdb.tsm.reader import CorruptTSMError, TSMReader
from chronus.tsdb.tsm.writer import encode_tsm
from chronus.tsdb.values import Values, ValueType
from tests.unit.tsm.test_golden import GOLDEN, expected_points

EXPECTED = expected_points()


@pytest.fixture(scope="module")
def golden():
    reader = TSMReader(str(GOLDEN / "influxd.tsm"))
    yield reader
    reader.close()


def test_reads_influxds_file_to_the_exact_points(golden):
    assert golden.keys() == sorted(EXPECTED)
    assert golden.key_count() == 47
    assert golden.block_count() == 52
    for key, values in EXPECTED.items():
        assert golden.read(key) == values, key
        assert golden.type(key) is values.type


def test_index_entries_and_types(golden):
    assert golden.entries(b"f_many#!~#v")[0][:2] == (1599782400000000000, 1599782400000000000 + 999 * 10**9)
    assert len(golden.entries(b"i_many#!~#v")) == 3
    assert dict(golden.key_types())[b"s_words#!~#v"] is ValueType.STRING
    assert golden.read(b"nope") is None
    assert golden.type(b"nope") is None
    assert golden.entries(b"nope") == []
    assert golden.time_range()[0] == 1599782400000000000


def test_range_reads_decode_only_blocks_in_range(golden, monkeypatch):
    key = b"i_many#!~#v"  # 2100 points in blocks of 1000, 1000, 100
    start = int(EXPECTED[key].times[0])
    decoded = []
    real = tsmcodec._crc32

    def counting(data):  # every block decoded has its CRC checked first, once
        decoded.append(len(data))
        return real(data)

    monkeypatch.setattr(tsmcodec, "_crc32", counting)
    for lo, hi, blocks in [(0, 0, 1), (1000, 1000, 1), (999, 1000, 2), (1500, 2099, 2), (2050, 10**6, 1)]:
        decoded.clear()
        got = golden.read(key, start + lo * 10**9, start + hi * 10**9)
        assert got == EXPECTED[key].include(start + lo * 10**9, start + hi * 10**9)
        assert len(decoded) == blocks
    decoded.clear()
    assert golden.read(key, 0, start - 1) is None
    assert decoded == []


def test_range_between_points_of_one_block_is_none(golden):
    key = b"ts_1#!~#v"
    start = int(EXPECTED[key].times[0])
    assert golden.read(key, start + 10**9 + 1, start + 2 * 10**9 - 1) is None


def _file(tmp_path, data: bytes) -> str:
    path = tmp_path / "000000001-000000001.tsm"
    path.write_bytes(data)
    return str(path)


GOOD = encode_tsm([(b"cpu#!~#v", Values.floats(np.arange(5), np.arange(5, dtype=float)))])


@pytest.mark.parametrize("data, message", [
    (b"", "mmapAccessor: byte slice too small for indirectIndex"),
    (b"\x00" * 7, "mmapAccessor: byte slice too small for indirectIndex"),
    (b"\x00" + GOOD[1:], "can only read from tsm file"),
    (GOOD[:4] + b"\x02" + GOOD[5:], "init: file is version 10. expected 1"),
    (GOOD[:-8] + struct.pack(">Q", len(GOOD) - 8), "mmapAccessor: invalid indexStart"),
    (GOOD[:-8] + struct.pack(">Q", len(GOOD) - 10), "indirectIndex: not enough data for key length value"),
])
def test_broken_files_are_refused_with_influxds_words(tmp_path, data, message):
    with pytest.raises(CorruptTSMError) as err:
        TSMReader(_file(tmp_path, data))
    assert str(err.value) == message


def test_truncated_index_is_refused(tmp_path):
    (index_at,) = struct.unpack(">Q", GOOD[-8:])
    cut = GOOD[:len(GOOD) - 8 - 10] + struct.pack(">Q", index_at)
    with pytest.raises(CorruptTSMError, match="indirectIndex: not enough data"):
        TSMReader(_file(tmp_path, cut))


def test_block_with_bad_crc_is_refused(tmp_path):
    data = bytearray(GOOD)
    data[12] ^= 0xFF  # inside the block data
    reader = TSMReader(_file(tmp_path, bytes(data)))
    with pytest.raises(CorruptTSMError, match="checksum mismatch"):
        reader.read(b"cpu#!~#v")
    (stored,) = struct.unpack_from(">I", GOOD, 5)
    assert stored == zlib.crc32(GOOD[9:struct.unpack(">Q", GOOD[-8:])[0]])
    reader.close()


def _blocks_file(blocks: list[Values]) -> tuple[bytes, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``blocks`` encoded one after the other, each behind its CRC, and their index entries."""
    from chronus.tsdb.tsm.block import encode_block

    data, offsets, sizes = bytearray(b"head"), [], []
    for values in blocks:
        block = encode_block(values)
        offsets.append(len(data))
        sizes.append(len(block) + 4)
        data += struct.pack(">I", zlib.crc32(block)) + block
    mins = [int(v.times[0]) for v in blocks]
    maxs = [int(v.times[-1]) for v in blocks]
    return bytes(data), *(np.array(x, np.int64) for x in (offsets, sizes, mins, maxs))


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("vtype", [ValueType.FLOAT, ValueType.INTEGER, ValueType.BOOLEAN, ValueType.UNSIGNED])
def test_decode_blocks_is_the_blocks_decoded_one_by_one(seed: int, vtype: ValueType) -> None:
    """``decode_blocks`` (one call per key) answers as decoding each overlapping block, concatenating,
    deduplicating (later block wins) and cutting to the range: blocks that overlap in time, ranges inside a
    block's gap, ranges past every block."""
    from chronus.tsdb.tsm.block import decode_blocks

    rng = np.random.default_rng(seed)
    blocks, start = [], 0
    for _ in range(int(rng.integers(1, 6))):
        start += int(rng.integers(-30, 40))  # a negative step makes blocks overlap in time
        times = np.unique(start + rng.integers(0, 60, int(rng.integers(1, 30)))).astype(np.int64)
        raw = rng.integers(-5, 5, len(times))
        values = {ValueType.FLOAT: raw * 0.5, ValueType.INTEGER: raw.astype(np.int64),
                  ValueType.BOOLEAN: raw > 0, ValueType.UNSIGNED: np.abs(raw).astype(np.uint64)}[vtype]
        blocks.append(Values(vtype, times, values))
        start = int(times[-1])
    data, offsets, sizes, mins, maxs = _blocks_file(blocks)
    for _ in range(10):
        tmin = int(rng.integers(-40, start + 10))
        tmax = tmin + int(rng.integers(0, 80))
        overlapping = [v for v in blocks if int(v.times[-1]) >= tmin and int(v.times[0]) <= tmax]
        want = Values.concat(overlapping).deduplicated().include(tmin, tmax) if overlapping else None
        found = decode_blocks(data, (offsets, sizes, mins, maxs), 0, len(blocks), tmin, tmax)
        got, increasing = found
        if got is not None and not increasing:
            got = got.deduplicated()
        if want is None or not len(want):
            assert got is None or not len(got)
        else:
            assert got == want
            assert got.times.dtype == np.int64 and got.values.dtype == want.values.dtype


def test_decode_blocks_leaves_strings_and_bad_crcs_to_the_caller() -> None:
    from chronus.tsdb.tsm.block import decode_blocks

    strings = Values(ValueType.STRING, np.array([1, 2], np.int64), [b"a", b"b"])
    data, *index = _blocks_file([strings])
    assert decode_blocks(data, tuple(index), 0, 1, 0, 10) is None
    floats = Values(ValueType.FLOAT, np.array([1, 2], np.int64), np.array([1.0, 2.0]))
    data, *index = _blocks_file([floats, floats])
    broken = bytearray(data)
    broken[int(index[0][1]) + 6] ^= 0xFF  # inside the second block
    assert decode_blocks(bytes(broken), tuple(index), 0, 2, 0, 10) == int(index[0][1])
    assert decode_blocks(data, tuple(index), 0, 2, 3, 10) == (None, True)  # no block in range


def test_edge_times_from_the_index_only_when_two_are_wanted(golden) -> None:
    """A LIMIT needs many of a block's times (all decoded); first()/last() two, which the index gives
    when the edge block lies wholly in the range."""
    key = b"i_many#!~#v"  # 2100 points in blocks of 1000, 1000, 100
    times = EXPECTED[key].times
    start, end = int(times[0]), int(times[-1])
    assert golden.edge_times(key, start, end, True).tolist() == times[:1000].tolist()
    assert golden.edge_times(key, start, end, True, 2).tolist() == [start, int(times[999])]
    assert golden.edge_times(key, start, end, False, 2).tolist() == [int(times[2000]), end]
    # the edge block reaches past the range: its times are decoded and cut
    assert golden.edge_times(key, start + 1, end, True, 2).tolist() == times[1:1000].tolist()


@pytest.mark.parametrize("seed", range(12))
def test_decode_keys_is_decode_blocks_per_key(seed: int) -> None:
    """Many keys in one call answer as ``decode_blocks`` per key, each over its own range: keys of another
    type than the first decoded one, strings and blocks failing their CRC are left to the caller (status)."""
    from chronus.tsdb.tsm.block import decode_blocks, decode_keys

    rng = np.random.default_rng(seed)
    blocks, firsts, ends = [], [], []
    kinds = [ValueType.FLOAT, ValueType.FLOAT, ValueType.INTEGER, ValueType.STRING, ValueType.FLOAT]
    for k in range(8):
        vtype = kinds[int(rng.integers(0, len(kinds)))] if k > 1 else ValueType.FLOAT
        firsts.append(len(blocks))
        start = int(rng.integers(0, 50))
        for _ in range(int(rng.integers(0, 4))):  # a key may have no block at all
            start += int(rng.integers(-20, 40))
            times = np.unique(start + rng.integers(0, 60, int(rng.integers(1, 25)))).astype(np.int64)
            raw = rng.integers(-5, 5, len(times))
            values = ([str(v).encode() for v in raw] if vtype is ValueType.STRING
                      else raw * 0.25 if vtype is ValueType.FLOAT else raw.astype(np.int64))
            blocks.append(Values(vtype, times, values))
            start = int(times[-1])
        ends.append(len(blocks))
    if not blocks:
        return
    data, offsets, sizes, mins, maxs = _blocks_file(blocks)
    broken = bytearray(data)
    tmins = rng.integers(-10, 100, len(firsts)).astype(np.int64)
    tmaxs = tmins + rng.integers(0, 200, len(firsts)).astype(np.int64)
    if seed % 3 == 0 and ends[1] > firsts[1]:
        broken[int(offsets[firsts[1]]) + 6] ^= 0xFF  # the second key's first block fails its CRC
        tmins[1], tmaxs[1] = -100, 10**6
    code, status, bounds, rising, times, vals, bad = decode_keys(
        bytes(broken), offsets, sizes, mins, maxs, np.array(firsts), np.array(ends), tmins, tmaxs)
    for i in range(len(firsts)):
        one = decode_blocks(bytes(broken), (offsets, sizes, mins, maxs), firsts[i], ends[i], int(tmins[i]),
                            int(tmaxs[i]))
        if isinstance(one, int):  # (status 1: another type met first, and the caller's read fails)
            assert (status[i], bad[i]) in ((2, one), (1, 0))
            continue
        if one is None or (status[i] == 1 and one[0] is not None):
            assert status[i] == 1  # strings, or another type than the batch's
            continue
        assert status[i] == 0
        got_times, got_vals = times[bounds[i]:bounds[i + 1]], vals[bounds[i]:bounds[i + 1]]
        values, increasing = one
        if values is None:
            assert len(got_times) == 0
            continue
        assert ValueType(code) is values.type
        assert bool(rising[i]) == increasing
        assert got_times.tolist() == values.times.tolist()
        assert got_vals.tolist() == values.values.tolist()


def test_read_many_and_edge_times_many_answer_as_one_key_at_a_time(golden) -> None:
    keys = [*golden.keys(), b"absent#!~#v"]
    times = EXPECTED[b"i_many#!~#v"].times
    start, end = int(times[0]), int(times[-1])
    for lo, hi in [(start, end), (start + 500 * 10**9, start + 1500 * 10**9), (0, 1), (start, start)]:
        tmins = np.full(len(keys), lo, np.int64)
        tmaxs = np.full(len(keys), hi, np.int64)
        many = golden.read_many(keys, tmins, tmaxs)
        assert many == [golden.read(key, lo, hi) for key in keys]
        for first in (True, False):
            for wanted in (0, 2):
                types, edges = golden.edge_times_many(keys, lo, hi, first, wanted)
                assert types == [golden.type(key) for key in keys]
                for key, found in zip(keys, edges, strict=True):
                    one = golden.edge_times(key, lo, hi, first, wanted)
                    assert (found is None and one is None) or found.tolist() == one.tolist()
    # each key over its own range
    tmins = np.array([start + i * 10**9 for i in range(len(keys))], np.int64)
    tmaxs = tmins + 700 * 10**9
    many = golden.read_many(keys, tmins, tmaxs)
    assert many == [golden.read(key, int(a), int(b)) for key, a, b in zip(keys, tmins, tmaxs, strict=True)]
    assert sum(v is not None for v in many) > 20
