"""Pure-Python WAL write-entry codec written from the format description; tests cross-check the Cython one.

Deliberately naive (struct per point, Python objects everywhere) so that it is obviously right.
"""

from __future__ import annotations

import struct

from chronus._ext.walcodec import CorruptEntryError
from chronus.tsdb.values import Values, ValueType

_NUMERIC_FORMATS = {ValueType.FLOAT: ">qd", ValueType.INTEGER: ">qq", ValueType.UNSIGNED: ">qQ"}


def encode_write(entries: dict[bytes, Values]) -> bytes:
    out = bytearray()
    for key, vals in entries.items():
        if len(vals) == 0:
            continue
        out += struct.pack(">BH", int(vals.type), len(key)) + key + struct.pack(">I", len(vals))
        for t, v in vals.to_pairs():
            if vals.type is ValueType.BOOLEAN:
                out += struct.pack(">qB", t, 1 if v else 0)
            elif vals.type is ValueType.STRING:
                out += struct.pack(">qI", t, len(v)) + v
            else:
                out += struct.pack(_NUMERIC_FORMATS[vals.type], t, v)
    return bytes(out)


def decode_write(payload: bytes) -> dict[bytes, Values]:
    result: dict[bytes, Values] = {}
    i, n = 0, len(payload)
    while i < n:
        vtype = payload[i]
        i += 1
        if i + 2 > n:
            raise CorruptEntryError()
        (klen,) = struct.unpack_from(">H", payload, i)
        i += 2
        if i + klen > n:
            raise CorruptEntryError()
        key = payload[i:i + klen]
        i += klen
        if i + 4 > n:
            raise CorruptEntryError()
        (count,) = struct.unpack_from(">I", payload, i)
        i += 4
        if count == 0 or count > n:
            raise CorruptEntryError()
        times, vals = [], []
        if vtype == ValueType.STRING:
            for _ in range(count):
                if i + 12 > n:
                    raise CorruptEntryError()
                t, slen = struct.unpack_from(">qI", payload, i)
                i += 12
                if i + slen > n:
                    raise CorruptEntryError()
                times.append(t)
                vals.append(payload[i:i + slen])
                i += slen
        elif vtype == ValueType.BOOLEAN:
            if i + 9 * count > n:
                raise CorruptEntryError()
            for _ in range(count):
                t, b = struct.unpack_from(">qB", payload, i)
                times.append(t)
                vals.append(b == 1)
                i += 9
        elif vtype in _NUMERIC_FORMATS:
            if i + 16 * count > n:
                raise CorruptEntryError()
            for _ in range(count):
                t, v = struct.unpack_from(_NUMERIC_FORMATS[ValueType(vtype)], payload, i)
                times.append(t)
                vals.append(v)
                i += 16
        else:
            raise CorruptEntryError(f"unsupported value type: {vtype:#x}")
        result[key] = Values(vtype, times, vals)
    return result
