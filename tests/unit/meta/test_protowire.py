from __future__ import annotations

import pytest

from chronus.meta.protowire import (
    DecodeError,
    MessageWriter,
    as_int32,
    as_int64,
    encode_varint,
    iter_fields,
    unpack_varints,
)


@pytest.mark.parametrize(("value", "encoded"), [
    (0, b"\x00"), (1, b"\x01"), (127, b"\x7f"), (128, b"\x80\x01"), (300, b"\xac\x02"),
    (2**64 - 1, b"\xff" * 9 + b"\x01"),
    (-1, b"\xff" * 9 + b"\x01"),  # int64 -1 is sent as its 64-bit two's complement
    (-(2**63), b"\x80" * 9 + b"\x01"),
])
def test_encode_varint(value: int, encoded: bytes) -> None:
    assert encode_varint(value) == encoded


def test_signed_readings() -> None:
    assert as_int64(2**64 - 1) == -1
    assert as_int64(2**63 - 1) == 2**63 - 1
    assert as_int64(2**63) == -(2**63)
    assert as_int32(2**64 - 1) == -1
    assert as_int32(0x7FFFFFFF) == 2**31 - 1


def test_writer_and_reader_agree() -> None:
    w = MessageWriter()
    w.varint(1, 150)
    w.string(2, "testing")
    w.bool(3, True)
    w.varint(4, -3)
    w.bytes(15, b"")
    raw = w.getvalue()
    assert raw[:3] == b"\x08\x96\x01"  # the protobuf documentation's example field
    assert raw[3:12] == b"\x12\x07testing"
    fields = list(iter_fields(raw))
    assert fields == [(1, 0, 150), (2, 2, b"testing"), (3, 0, 1), (4, 0, 2**64 - 3), (15, 2, b"")]


def test_fixed_width_fields_are_read() -> None:
    raw = b"\x09" + (7).to_bytes(8, "little") + b"\x15" + (9).to_bytes(4, "little")
    assert list(iter_fields(raw)) == [(1, 1, 7), (2, 5, 9)]


def test_packed_and_plain_repeated_varints() -> None:
    assert unpack_varints(5) == [5]
    assert unpack_varints(b"\x01\xac\x02\x03") == [1, 300, 3]


@pytest.mark.parametrize(("raw", "message"), [
    (b"\x08", "unexpected end of data in a varint"),
    (b"\x08\x80", "unexpected end of data in a varint"),
    (b"\x12\x05abc", "field 2 runs past the end of the message"),
    (b"\x09\x01\x02", "field 1 runs past the end of the message"),
    (b"\x0b", "unsupported wire type 3 for field 1"),
    (b"\x00\x01", "illegal field number 0"),
    (b"\x08" + b"\xff" * 10 + b"\x01", "varint longer than 10 bytes"),
])
def test_malformed_input_is_refused(raw: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        list(iter_fields(raw))
