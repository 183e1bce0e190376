import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chronus._ext import walcodec
from chronus._ext.walcodec import CorruptEntryError
from chronus.tsdb.values import Values
from tests.unit.tsdb import walcodec_reference as reference
from tests.unit.tsdb.strategies import write_entries


def test_layout_of_every_type() -> None:
    entries = {
        b"f": Values.floats([1], [1.5]),
        b"i": Values.integers([-1], [-2]),
        b"b": Values.booleans([2, 3], [True, False]),
        b"s": Values.strings([4], [b"hey"]),
        b"u": Values.unsigneds([5], [(1 << 64) - 1]),
    }
    expected = (
        b"\x01\x00\x01f\x00\x00\x00\x01" + struct.pack(">qd", 1, 1.5)
        + b"\x02\x00\x01i\x00\x00\x00\x01" + b"\xff" * 8 + struct.pack(">q", -2)
        + b"\x03\x00\x01b\x00\x00\x00\x02" + struct.pack(">qBqB", 2, 1, 3, 0)
        + b"\x04\x00\x01s\x00\x00\x00\x01" + struct.pack(">qI", 4, 3) + b"hey"
        + b"\x05\x00\x01u\x00\x00\x00\x01" + struct.pack(">q", 5) + b"\xff" * 8
    )
    assert walcodec.encode_write(entries) == expected
    decoded = walcodec.decode_write(expected)
    assert list(decoded) == list(entries)
    for key, vals in entries.items():
        assert decoded[key] == vals


def test_keys_without_points_are_left_out() -> None:
    assert walcodec.encode_write({b"k": Values.empty(1)}) == b""
    assert walcodec.decode_write(b"") == {}


def test_only_one_reads_as_true() -> None:
    payload = b"\x03\x00\x01b\x00\x00\x00\x03" + struct.pack(">qBqBqB", 1, 1, 2, 2, 3, 0)
    assert walcodec.decode_write(payload)[b"b"].values.tolist() == [True, False, False]


def test_later_duplicate_key_wins() -> None:
    payload = walcodec.encode_write({b"k": Values.floats([1], [1.0])}) + walcodec.encode_write(
        {b"k": Values.integers([2], [5])})
    assert walcodec.decode_write(payload) == {b"k": Values.integers([2], [5])}


@pytest.mark.parametrize(
    "payload",
    [
        b"\x01",  # no key length
        b"\x01\x00\x05ab",  # key runs past the end
        b"\x01\x00\x01k\x00\x00",  # no count
        b"\x01\x00\x01k\x00\x00\x00\x00",  # zero points
        b"\x01\x00\x01k\x00\x00\x00\x01" + b"\x00" * 15,  # point cut short
        b"\x03\x00\x01k\x00\x00\x00\x02" + b"\x00" * 17,
        b"\x04\x00\x01k\x00\x00\x00\x01" + b"\x00" * 11,
        b"\x04\x00\x01k\x00\x00\x00\x01" + b"\x00" * 8 + b"\x00\x00\x00\x02a",
        b"\x07\x00\x01k\x00\x00\x00\x01" + b"\x00" * 16,  # unknown value type
        b"\x01\x00\x01k\xff\xff\xff\xff",  # count larger than the payload
    ],
)
def test_refuses_what_influxd_refuses(payload: bytes) -> None:
    with pytest.raises(CorruptEntryError):
        walcodec.decode_write(payload)
    with pytest.raises(CorruptEntryError):
        reference.decode_write(payload)


def test_corrupt_error_text() -> None:
    assert str(CorruptEntryError()) == "corrupted WAL entry"
    with pytest.raises(CorruptEntryError, match="unsupported value type: 0x7"):
        walcodec.decode_write(b"\x07\x00\x01k\x00\x00\x00\x01" + b"\x00" * 16)


def test_encode_rejects_bad_input() -> None:
    with pytest.raises(TypeError, match="keys must be bytes"):
        walcodec.encode_write({"k": Values.floats([1], [1.0])})
    with pytest.raises(ValueError, match="max 65535"):
        walcodec.encode_write({b"k" * 65536: Values.floats([1], [1.0])})
    bad = Values.floats([1], [1.0])
    bad.values = np.array([1], dtype=np.int32)
    with pytest.raises(TypeError, match="contiguous 1-d float64"):
        walcodec.encode_write({b"k": bad})
    bad = Values.strings([1], [b"a"])
    bad.values = ["a"]
    with pytest.raises(TypeError, match="must be bytes"):
        walcodec.encode_write({b"k": bad})


def test_encode_accepts_non_contiguous_source_only_through_values() -> None:
    times = np.arange(10, dtype=np.int64)[::2]
    v = Values.integers(times, np.arange(5))
    assert walcodec.decode_write(walcodec.encode_write({b"k": v}))[b"k"] == v


@given(write_entries)
def test_cython_matches_reference(entries: dict[bytes, Values]) -> None:
    payload = walcodec.encode_write(entries)
    assert payload == reference.encode_write(entries)
    decoded = walcodec.decode_write(payload)
    assert decoded == reference.decode_write(payload)
    assert decoded == {k: v for k, v in entries.items() if len(v)}


@given(write_entries, st.data())
def test_cut_or_damaged_payloads_get_the_same_verdict(entries: dict[bytes, Values],
                                                      data: st.DataObject) -> None:
    payload = bytearray(walcodec.encode_write(entries))
    if payload:
        cut = data.draw(st.integers(0, len(payload)))
        payload = payload[:cut]
    if payload and data.draw(st.booleans()):
        pos = data.draw(st.integers(0, len(payload) - 1))
        payload[pos] = data.draw(st.integers(0, 255))
    try:
        expected = reference.decode_write(bytes(payload))
    except CorruptEntryError:
        with pytest.raises(CorruptEntryError):
            walcodec.decode_write(bytes(payload))
    else:
        assert walcodec.decode_write(bytes(payload)) == expected


@given(st.binary(max_size=64))
def test_random_bytes_get_the_same_verdict(payload: bytes) -> None:
    try:
        expected = reference.decode_write(payload)
    except CorruptEntryError:
        with pytest.raises(CorruptEntryError):
            walcodec.decode_write(payload)
    else:
        assert walcodec.decode_write(payload) == expected
