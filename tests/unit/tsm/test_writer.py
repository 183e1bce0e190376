"""The TSM writer against influxd 1.6.7: from the points influxd snapshotted (``tools/record_tsm.py``) it
writes influxd's file byte for byte; and it refuses what influxd's writer refuses."""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct

import numpy as np
import pytest

from chronus.tsdb.tsm.reader import TSMReader
from chronus.tsdb.tsm.writer import TSMWriteError, TSMWriter, encode_tsm, write_tsm_file
from chronus.tsdb.values import Values, ValueType
from tests.unit.tsm.test_golden import GOLDEN, expected_points


def test_writes_influxds_file_byte_for_byte():
    golden = (GOLDEN / "influxd.tsm").read_bytes()
    assert encode_tsm(sorted(expected_points().items())) == golden


def test_layout_header_blocks_index_footer():
    values = Values.floats(np.arange(2500), np.arange(2500, dtype=float))
    data = encode_tsm([(b"cpu#!~#v", values)])
    assert data[:5] == bytes.fromhex("16d116d101")
    (index_at,) = struct.unpack(">Q", data[-8:])
    key_len, = struct.unpack_from(">H", data, index_at)
    assert data[index_at + 2:index_at + 2 + key_len] == b"cpu#!~#v"
    block_type, count = struct.unpack_from(">BH", data, index_at + 2 + key_len)
    assert (block_type, count) == (0, 3)
    entries = [struct.unpack_from(">qqQI", data, index_at + 5 + key_len + 28 * i) for i in range(3)]
    assert [(e[0], e[1]) for e in entries] == [(0, 999), (1000, 1999), (2000, 2499)]
    assert entries[0][2] == 5
    assert entries[1][2] == entries[0][2] + entries[0][3]
    assert index_at == entries[2][2] + entries[2][3]
    assert len(data) == index_at + 5 + key_len + 3 * 28 + 8


def test_max_points_per_block_is_respected():
    values = Values.integers(np.arange(10), np.arange(10))
    data = encode_tsm([(b"k", values)], max_points_per_block=4)
    (index_at,) = struct.unpack(">Q", data[-8:])
    assert struct.unpack_from(">BH", data, index_at + 3)[1] == 3


def test_refuses_what_influxd_refuses():
    out = io.BytesIO()
    writer = TSMWriter(out)
    writer.write(b"b", Values.floats([1], [1.0]))
    with pytest.raises(TSMWriteError, match="keys must be added in sorted order"):
        writer.write(b"a", Values.floats([1], [1.0]))
    with pytest.raises(TSMWriteError, match="^max key length exceeded$"):
        writer.write(b"x" * 65536, Values.floats([1], [1.0]))
    with pytest.raises(TSMWriteError, match="^no values written$"):
        TSMWriter(io.BytesIO()).close()


def test_write_tsm_file_is_whole_and_leaves_no_temp(tmp_path):
    path = str(tmp_path / "000000001-000000001.tsm")
    items = sorted(expected_points().items())
    size = write_tsm_file(path, items)
    assert os.listdir(tmp_path) == ["000000001-000000001.tsm"]
    assert size == os.path.getsize(path) == len((GOLDEN / "influxd.tsm").read_bytes())
    reader = TSMReader(path)
    assert reader.items() == items
    reader.close()


def test_failed_write_leaves_nothing(tmp_path):
    path = str(tmp_path / "000000001-000000001.tsm")
    with pytest.raises(TSMWriteError):
        write_tsm_file(path, [(b"b", Values.floats([1], [1.0])), (b"a", Values.floats([1], [1.0]))])
    assert os.listdir(tmp_path) == []


def test_influxd_reads_our_file_to_the_exact_points():
    """``tools/record_tsm_interop.py``: influxd 1.6.7 served ``SELECT *`` from a file our writer wrote."""
    interop = json.loads((GOLDEN / "interop.json").read_text())
    ours = encode_tsm(sorted(expected_points().items()))
    assert hashlib.sha256(ours).hexdigest() == interop["sha256"]
    expected = expected_points()
    assert sorted(interop["select"]) == sorted(k.split(b"#!~#")[0].decode() for k in expected)
    for key, values in expected.items():
        measurement = key.split(b"#!~#")[0].decode()
        (result,) = interop["select"][measurement]["results"]
        (series,) = result["series"]
        assert series["columns"] == ["time", "v"]
        got_times = [row[0] for row in series["values"]]
        got_values = [row[1] for row in series["values"]]
        assert got_times == values.times.tolist(), key
        if values.type is ValueType.STRING:
            assert [v.encode() for v in got_values] == values.values, key
        elif values.type is ValueType.FLOAT:
            assert [float(v) for v in got_values] == values.values.tolist(), key
        else:
            assert got_values == values.values.tolist(), key
    (fields,) = interop["show_field_keys"]["results"]
    types = {s["name"]: s["values"] for s in fields["series"]}
    assert types["i_many"] == [["v", "integer"]] and types["s_words"] == [["v", "string"]]
