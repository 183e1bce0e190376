"""The protocol buffers wire format (proto2), just what ``meta.db`` needs: varints and length-delimited
fields, written in field-number order as Go's generated marshallers write them.

Hand-written rather than generated: the meta messages are few and fixed (InfluxDB 1.x never changes them),
this keeps Chronus free of a protobuf runtime and code generation, and it gives byte-for-byte control over
the output so a ``meta.db`` Chronus writes is the very file influxd would write.
"""

from __future__ import annotations

from collections.abc import Iterator

VARINT = 0
FIXED64 = 1
LENGTH_DELIMITED = 2
FIXED32 = 5

_UINT64_MASK = (1 << 64) - 1


class DecodeError(ValueError):
    """The bytes are not a valid protobuf message."""


def encode_varint(value: int) -> bytes:
    """Base-128 varint of ``value`` taken modulo 2**64 (negative int64/int32 take ten bytes, as in Go)."""
    value &= _UINT64_MASK
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def as_int64(value: int) -> int:
    """A decoded varint read as a signed 64-bit integer."""
    value &= _UINT64_MASK
    return value - (1 << 64) if value >= 1 << 63 else value


def as_int32(value: int) -> int:
    """A decoded varint read as a signed 32-bit integer (the low 32 bits, as Go truncates)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


class MessageWriter:
    """Builds one message; call the field methods in field-number order."""

    def __init__(self) -> None:
        self._out = bytearray()

    def varint(self, number: int, value: int) -> None:
        """A uint64 / int64 / uint32 / int32 field."""
        self._out += encode_varint(number << 3 | VARINT)
        self._out += encode_varint(value)

    def bool(self, number: int, value: bool) -> None:
        self.varint(number, 1 if value else 0)

    def bytes(self, number: int, value: bytes) -> None:
        """A length-delimited field: bytes or an embedded message."""
        self._out += encode_varint(number << 3 | LENGTH_DELIMITED)
        self._out += encode_varint(len(value))
        self._out += value

    def string(self, number: int, value: str) -> None:
        self.bytes(number, value.encode("utf-8", "surrogateescape"))

    def getvalue(self) -> bytes:
        return bytes(self._out)


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= len(buf):
            raise DecodeError("unexpected end of data in a varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & _UINT64_MASK, pos
        shift += 7
        if shift >= 70:
            raise DecodeError("varint longer than 10 bytes")


def iter_fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield ``(field number, wire type, value)`` of each field: an int for varint and fixed fields,
    ``bytes`` for length-delimited ones. Unknown fields are the caller's to skip."""
    pos = 0
    end = len(buf)
    while pos < end:
        key, pos = _read_varint(buf, pos)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise DecodeError("illegal field number 0")
        value: int | bytes
        if wire_type == VARINT:
            value, pos = _read_varint(buf, pos)
        elif wire_type == LENGTH_DELIMITED:
            length, pos = _read_varint(buf, pos)
            if pos + length > end:
                raise DecodeError(f"field {number} runs past the end of the message")
            value = bytes(buf[pos:pos + length])
            pos += length
        elif wire_type == FIXED64:
            if pos + 8 > end:
                raise DecodeError(f"field {number} runs past the end of the message")
            value = int.from_bytes(buf[pos:pos + 8], "little")
            pos += 8
        elif wire_type == FIXED32:
            if pos + 4 > end:
                raise DecodeError(f"field {number} runs past the end of the message")
            value = int.from_bytes(buf[pos:pos + 4], "little")
            pos += 4
        else:
            raise DecodeError(f"unsupported wire type {wire_type} for field {number}")
        yield number, wire_type, value


def unpack_varints(value: int | bytes) -> list[int]:
    """A repeated varint field element: one value, or a packed run of them."""
    if isinstance(value, int):
        return [value]
    out = []
    pos = 0
    while pos < len(value):
        item, pos = _read_varint(value, pos)
        out.append(item)
    return out
