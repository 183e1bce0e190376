"""``TSMReader.count_keys``: counts from block headers agree with what ``read`` returns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chronus.tsdb.tsm.reader import CorruptTSMError, TSMReader
from chronus.tsdb.tsm.writer import write_tsm_file
from chronus.tsdb.values import MAX_TIME, MIN_TIME, Values, ValueType


def _file(tmp_path: Path) -> TSMReader:
    items = [
        (b"cpu,host=a#!~#v", Values(ValueType.FLOAT, np.arange(0, 250, 1), np.arange(250) * 0.5)),
        (b"cpu,host=b#!~#v", Values(ValueType.INTEGER, np.arange(100, 110), np.arange(10))),
        (b"cpu,host=c#!~#s", Values(ValueType.STRING, [5, 7], [b"x", b"y"])),
    ]
    path = str(tmp_path / "000000001-000000001.tsm")
    write_tsm_file(path, items, max_points_per_block=100)  # host=a: 3 blocks
    return TSMReader(path)


def _read_len(reader: TSMReader, key: bytes, tmin: int, tmax: int) -> int:
    values = reader.read(key, tmin, tmax)
    return 0 if values is None else len(values)


def test_counts_match_reads_for_every_range(tmp_path: Path) -> None:
    reader = _file(tmp_path)
    keys = [b"cpu,host=a#!~#v", b"cpu,host=b#!~#v", b"cpu,host=c#!~#s", b"cpu,host=z#!~#v"]
    assert reader.block_point_counts().tolist() == [100, 100, 50, 10, 2]
    ranges = [(MIN_TIME, MAX_TIME), (0, 99), (50, 149), (99, 100), (105, 105), (6, 6), (249, 10**9), (-5, -1)]
    for tmin, tmax in ranges:
        found = reader.count_keys(keys, tmin, tmax)
        assert found.present.tolist() == [True, True, True, False]
        assert found.counted.tolist() == [True, True, True, False]
        expected = [_read_len(reader, key, tmin, tmax) for key in keys[:3]]
        assert found.counts[:3].tolist() == expected, (tmin, tmax)
    found = reader.count_keys(keys, MIN_TIME, MAX_TIME)
    assert found.counts.tolist() == [250, 10, 2, 0]
    assert found.kmin[:3].tolist() == [0, 100, 5] and found.kmax[:3].tolist() == [249, 109, 7]
    assert found.types[:3].tolist() == [0, 1, 3]
    reader.close()


def test_tombstoned_keys_are_left_to_reads(tmp_path: Path) -> None:
    reader = _file(tmp_path)
    reader.delete_range([b"cpu,host=a#!~#v"], 10, 19)
    reader.delete_range([b"cpu,host=b#!~#v"], MIN_TIME, MAX_TIME)
    keys = [b"cpu,host=a#!~#v", b"cpu,host=b#!~#v", b"cpu,host=c#!~#s"]
    found = reader.count_keys(keys, MIN_TIME, MAX_TIME)
    assert found.present.tolist() == [True, False, True]
    assert found.counted.tolist() == [False, False, True]
    assert found.counts[2] == 2
    reader.close()


def test_only_the_asked_keys_blocks_are_looked_at(tmp_path: Path) -> None:
    """A count of one series costs its own blocks, not the file's (whose other headers stay unread)."""
    reader = _file(tmp_path)
    found = reader.count_keys([b"cpu,host=b#!~#v", b"cpu,host=zz#!~#v"], MIN_TIME, MAX_TIME)
    assert found.counts.tolist() == [10, 0]
    assert reader._block_point_counts.tolist() == [-1, -1, -1, 10, -1]
    found = reader.count_keys([b"cpu,host=a#!~#v"], 50, 149)  # blocks cut by the range are decoded
    assert found.counts.tolist() == [100]
    assert reader._block_point_counts.tolist() == [-1, -1, -1, 10, -1]
    assert reader.block_point_counts().tolist() == [100, 100, 50, 10, 2]
    assert reader.count_keys([], MIN_TIME, MAX_TIME).counts.tolist() == []
    reader.close()


def test_a_cut_block_failing_its_crc_is_an_error(tmp_path: Path) -> None:
    """The blocks a range cuts have their times decoded, so their CRC is checked as ``read`` checks it."""
    reader = _file(tmp_path)
    offset = int(reader._offsets[1])  # host=a's second block, times 100..199
    path = reader.path
    reader.close()
    with open(path, "r+b") as f:
        f.seek(offset + 20)
        byte = f.read(1)
        f.seek(offset + 20)
        f.write(bytes([byte[0] ^ 0xFF]))
    reader = TSMReader(path)
    assert reader.count_keys([b"cpu,host=a#!~#v"], 0, 199).counts.tolist() == [200]  # whole blocks: headers
    with pytest.raises(CorruptTSMError, match=f"checksum mismatch in .* at offset {offset}"):
        reader.count_keys([b"cpu,host=a#!~#v"], 150, 160)
    reader.close()


def test_many_cut_blocks_counted_at_once(tmp_path: Path) -> None:
    """Every key's cut blocks go to one call: the counts per key add up over its blocks."""
    rng = np.random.default_rng(7)
    items = []
    for k in range(40):
        times = np.unique(rng.integers(0, 5000, size=int(rng.integers(1, 400))))
        items.append((b"m,k=%03d#!~#v" % k, Values(ValueType.FLOAT, times, times * 0.25)))
    path = str(tmp_path / "000000001-000000001.tsm")
    write_tsm_file(path, items, max_points_per_block=37)
    reader = TSMReader(path)
    keys = [key for key, _ in items]
    for tmin, tmax in [(100, 4000), (2500, 2500), (-10, 3), (4990, 10**9), (1234, 3456)]:
        found = reader.count_keys(keys, tmin, tmax)
        expected = [int(np.count_nonzero((v.times >= tmin) & (v.times <= tmax))) for _, v in items]
        assert found.counts.tolist() == expected, (tmin, tmax)
        assert found.counted.all()
    reader.close()
