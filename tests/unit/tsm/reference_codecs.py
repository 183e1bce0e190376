"""Pure-Python references of influxd 1.6.7's TSM block codecs, used ONLY by tests to cross-check the C ones.

Written for clarity, one value at a time, modelling influxd's encoders as they behave (not as our C is
organised): the timestamp encoder's simple8b stage is modelled as Go's streaming encoder with its 240-slot
buffer (flushes one word whenever the buffer is full), the integer encoder's as ``EncodeAll`` over the whole
rest of the input, so a test that the two agree with the C codecs also checks the C "window" shortcut.
"""

from __future__ import annotations

import struct

import snappy

MAX_S8B = (1 << 60) - 1
MASK64 = (1 << 64) - 1
FLOAT_SENTINEL = 0x7FF8000000000001
# (values per word, bits per value) for selectors 0..15
SELECTORS = [(240, 0), (120, 0), (60, 1), (30, 2), (20, 3), (15, 4), (12, 5), (10, 6), (8, 7), (7, 8),
             (6, 10), (5, 12), (4, 15), (3, 20), (2, 30), (1, 60)]


# -- primitives ---------------------------------------------------------------------------------------------
def uvarint(v: int) -> bytes:
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def read_uvarint(data: bytes, pos: int) -> tuple[int, int]:
    """``(value, position after it)``; ValueError when the data ends inside it."""
    shift = value = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated uvarint")
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def zigzag(v: int) -> int:
    return (v << 1) & MASK64 if v >= 0 else ((-v << 1) - 1) & MASK64


def unzigzag(u: int) -> int:
    return (u >> 1) if u & 1 == 0 else -((u + 1) >> 1)


def wrap64(v: int) -> int:
    """``v`` as a signed int64 (two's complement wrap-around)."""
    v &= MASK64
    return v - (1 << 64) if v >= 1 << 63 else v


def be64(v: int) -> bytes:
    return struct.pack(">Q", v & MASK64)


# -- simple8b -----------------------------------------------------------------------------------------------
def _can_pack(src: list[int], n: int, bits: int) -> bool:
    """Go's ``canPack``: for the 0-bit selectors EVERY value of ``src`` must be 1, not just the first n."""
    if len(src) < n:
        return False
    if bits == 0:
        return all(v == 1 for v in src)
    return all(v < (1 << bits) for v in src[:n])


def _encode_word(src: list[int]) -> tuple[int, int]:
    """One word from the front of ``src``: ``(word, values used)``."""
    for sel, (n, bits) in enumerate(SELECTORS):
        if _can_pack(src, n, bits):
            word = sel << 60
            if bits:
                for j, v in enumerate(src[:n]):
                    word |= v << (j * bits)
            return word, n
    raise ValueError("value out of bounds")


def s8b_encode_all(values: list[int]) -> list[int]:
    """``simple8b.EncodeAll`` (the integer encoder): each word looks at everything still to encode."""
    words, i = [], 0
    while i < len(values):
        word, used = _encode_word(values[i:])
        words.append(word)
        i += used
    return words


def s8b_encode_stream(values: list[int]) -> list[int]:
    """``simple8b.Encoder`` (the timestamp encoder): a 240-slot buffer, one word flushed each time it is
    full and another value arrives, the rest flushed at the end."""
    buf: list[int] = []
    words: list[int] = []
    for v in values:
        if len(buf) >= 240:
            word, used = _encode_word(buf)
            words.append(word)
            del buf[:used]
        buf.append(v)
    while buf:
        word, used = _encode_word(buf)
        words.append(word)
        del buf[:used]
    return words


def s8b_decode(words: list[int]) -> list[int]:
    out: list[int] = []
    for w in words:
        n, bits = SELECTORS[w >> 60]
        if bits == 0:
            out.extend([1] * n)
        else:
            out.extend((w >> (j * bits)) & ((1 << bits) - 1) for j in range(n))
    return out


def words_bytes(words: list[int]) -> bytes:
    return b"".join(be64(w) for w in words)


def bytes_words(data: bytes) -> list[int]:
    if len(data) % 8:
        raise ValueError("simple8b data is not whole words")
    return [struct.unpack_from(">Q", data, i)[0] for i in range(0, len(data), 8)]


# -- timestamps ---------------------------------------------------------------------------------------------
def encode_timestamps(times: list[int]) -> bytes:
    if not times:
        return b""
    deltas = [(b - a) & MASK64 for a, b in zip(times, times[1:], strict=False)]
    exp = 12
    for d in deltas:
        while exp > 0 and d % 10**exp:
            exp -= 1
    first = times[0] & MASK64
    if deltas and all(d == deltas[0] for d in deltas):
        return bytes([0x20 | exp]) + be64(first) + uvarint(deltas[0] // 10**exp) + uvarint(len(times))
    if deltas and max(deltas) > MAX_S8B:
        return b"\x00" + be64(first) + b"".join(be64(d) for d in deltas)
    scaled = [d // 10**exp for d in deltas]
    return bytes([0x10 | exp]) + be64(first) + words_bytes(s8b_encode_stream(scaled))


def decode_timestamps(data: bytes) -> list[int]:
    if not data:
        return []
    enc, exp = data[0] >> 4, data[0] & 0xF
    if enc == 0:
        out, acc = [], 0
        for i in range(1, len(data) - 7, 8):
            acc = (acc + struct.unpack_from(">Q", data, i)[0]) & MASK64
            out.append(wrap64(acc))
        return out
    first = struct.unpack_from(">Q", data, 1)[0]
    if enc == 2:
        delta, pos = read_uvarint(data, 9)
        count, _ = read_uvarint(data, pos)
        return [wrap64(first + i * delta * 10**exp) for i in range(count)]
    if enc == 1:
        out, acc = [wrap64(first)], first
        for d in s8b_decode(bytes_words(data[9:])):
            acc = (acc + d * 10**exp) & MASK64
            out.append(wrap64(acc))
        return out
    raise ValueError(f"unknown encoding: {enc}")


# -- integers -----------------------------------------------------------------------------------------------
def encode_integers(values: list[int]) -> bytes:
    """int64 values (unsigned ones as their int64 bit patterns)."""
    zz, prev = [], 0
    for v in values:
        zz.append(zigzag(wrap64(v - prev)))
        prev = v
    if len(zz) > 2 and all(z == zz[1] for z in zz[2:]):
        return b"\x20" + be64(zz[0]) + uvarint(zz[1]) + uvarint(len(zz) - 1)
    if not zz:
        return b""
    if max(zz) > MAX_S8B:
        return b"\x00" + b"".join(be64(z) for z in zz)
    return b"\x10" + be64(zz[0]) + words_bytes(s8b_encode_all(zz[1:]))


def decode_integers(data: bytes) -> list[int]:
    if not data:
        return []
    enc = data[0] >> 4
    if enc == 0:
        zz = [struct.unpack_from(">Q", data, i)[0] for i in range(1, len(data), 8)]
    elif enc == 1:
        zz = [struct.unpack_from(">Q", data, 1)[0], *s8b_decode(bytes_words(data[9:]))]
    elif enc == 2:
        first = unzigzag(struct.unpack_from(">Q", data, 1)[0])
        delta, pos = read_uvarint(data, 9)
        count, _ = read_uvarint(data, pos)
        return [wrap64(first + i * unzigzag(delta)) for i in range(count + 1)]
    else:
        raise ValueError(f"unknown encoding {enc}")
    out, acc = [], 0
    for z in zz:
        acc = wrap64(acc + unzigzag(z))
        out.append(acc)
    return out


# -- floats (Gorilla) ---------------------------------------------------------------------------------------
def float_bits(f: float) -> int:
    return struct.unpack(">Q", struct.pack(">d", f))[0]


def bits_float(u: int) -> float:
    return struct.unpack(">d", struct.pack(">Q", u))[0]


class _Bits:
    """An append-only bit string (most significant bit first)."""

    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def put(self, v: int, n: int) -> None:
        self.value = (self.value << n) | (v & ((1 << n) - 1))
        self.length += n

    def to_bytes(self) -> bytes:
        pad = -self.length % 8
        return ((self.value << pad).to_bytes((self.length + pad) // 8, "big")) if self.length else b""


def encode_floats(values: list[float]) -> bytes:
    bits = [float_bits(v) for v in values]
    if any(b & 0x7FFFFFFFFFFFFFFF > 0x7FF0000000000000 for b in bits):
        raise ValueError("unsupported value: NaN")
    out = _Bits()
    stream = [*bits, FLOAT_SENTINEL]
    out.put(stream[0], 64)
    lead_prev = trail_prev = None
    for prev, cur in zip(stream, stream[1:], strict=False):
        x = prev ^ cur
        if x == 0:
            out.put(0, 1)
            continue
        lead = (64 - x.bit_length()) % 32          # influxd keeps the count mod 32 (5 bits)
        trail = (x & -x).bit_length() - 1
        if lead_prev is not None and lead >= lead_prev and trail >= trail_prev:
            out.put(0b10, 2)
            out.put(x >> trail_prev, 64 - lead_prev - trail_prev)
        else:
            lead_prev, trail_prev = lead, trail
            sig = 64 - lead - trail
            out.put(0b11, 2)
            out.put(lead, 5)
            out.put(sig % 64, 6)
            out.put(x >> trail, sig)
    return b"\x10" + out.to_bytes()


def decode_floats(data: bytes) -> list[float]:
    if not data:
        return []
    bits = "".join(f"{b:08b}" for b in data[1:])
    pos = 0

    def take(n: int) -> int:
        nonlocal pos
        if pos + n > len(bits):
            raise ValueError("float stream ends early")
        pos += n
        return int(bits[pos - n:pos], 2)

    val = take(64)
    out: list[float] = []
    lead = trail = 0
    while val != FLOAT_SENTINEL:
        out.append(bits_float(val))
        if take(1) == 0:
            continue
        if take(1) == 1:
            lead = take(5)
            mbits = take(6) or 64
            trail = 64 - lead - mbits
        val ^= take(64 - lead - trail) << trail
    return out


# -- booleans -----------------------------------------------------------------------------------------------
def encode_booleans(values: list[bool]) -> bytes:
    packed = bytearray((len(values) + 7) // 8 or 1)   # influxd writes a padding byte even for none
    for i, v in enumerate(values):
        if v:
            packed[i // 8] |= 0x80 >> (i % 8)
    return b"\x10" + uvarint(len(values)) + bytes(packed)


def decode_booleans(data: bytes) -> list[bool]:
    if not data:
        return []
    count, pos = read_uvarint(data, 1)
    count = min(count, 8 * (len(data) - pos))
    return [bool(data[pos + i // 8] & (0x80 >> (i % 8))) for i in range(count)]


# -- snappy: golang/snappy's compressor (its output is what influxd's string blocks hold) --------------------
def _emit_literal(out: bytearray, lit: bytes) -> None:
    n = len(lit) - 1
    if n < 60:
        out.append(n << 2)
    elif n < 256:
        out += bytes([60 << 2, n])
    else:
        out += bytes([61 << 2, n & 0xFF, n >> 8])
    out += lit


def _emit_copy(out: bytearray, offset: int, length: int) -> None:
    while length >= 68:
        out += bytes([(63 << 2) | 2, offset & 0xFF, offset >> 8])
        length -= 64
    if length > 64:
        out += bytes([(59 << 2) | 2, offset & 0xFF, offset >> 8])
        length -= 60
    if length >= 12 or offset >= 2048:
        out += bytes([((length - 1) << 2) | 2, offset & 0xFF, offset >> 8])
    else:
        out += bytes([((offset >> 8) << 5) | ((length - 4) << 2) | 1, offset & 0xFF])


def _load32(src: bytes, i: int) -> int:
    return int.from_bytes(src[i:i + 4], "little")


def _snappy_block(out: bytearray, src: bytes) -> None:
    shift, size = 24, 256
    while size < 1 << 14 and size < len(src):
        size, shift = size * 2, shift - 1
    table = [0] * size

    def hash32(u: int) -> int:
        return ((u * 0x1E35A7BD) & 0xFFFFFFFF) >> shift

    s_limit = len(src) - 15
    next_emit, s = 0, 1
    next_hash = hash32(_load32(src, s))
    while True:
        skip, next_s = 32, s
        while True:
            s = next_s
            step = skip >> 5
            next_s, skip = s + step, skip + step
            if next_s > s_limit:
                if next_emit < len(src):
                    _emit_literal(out, src[next_emit:])
                return
            candidate = table[next_hash]
            table[next_hash] = s
            next_hash = hash32(_load32(src, next_s))
            if _load32(src, s) == _load32(src, candidate):
                break
        _emit_literal(out, src[next_emit:s])
        while True:
            base = s
            s += 4
            i = candidate + 4
            while s < len(src) and src[i] == src[s]:
                i, s = i + 1, s + 1
            _emit_copy(out, base - candidate, s - base)
            next_emit = s
            if s >= s_limit:
                if next_emit < len(src):
                    _emit_literal(out, src[next_emit:])
                return
            table[hash32(_load32(src, s - 1))] = s - 1
            h = hash32(_load32(src, s))
            candidate = table[h]
            table[h] = s
            if _load32(src, s) != _load32(src, candidate):
                next_hash = hash32(_load32(src, s + 1))
                s += 1
                break


def snappy_compress(src: bytes) -> bytes:
    out = bytearray(uvarint(len(src)))
    for start in range(0, len(src), 65536):
        chunk = src[start:start + 65536]
        if len(chunk) < 17:
            _emit_literal(out, chunk)
        else:
            _snappy_block(out, chunk)
    return bytes(out)


# -- strings ------------------------------------------------------------------------------------------------
def encode_strings(values: list[bytes]) -> bytes:
    return b"\x10" + snappy_compress(b"".join(uvarint(len(v)) + v for v in values))


def decode_strings(data: bytes) -> list[bytes]:
    if not data:
        return []
    raw = snappy.uncompress(data[1:])
    out, pos = [], 0
    while pos < len(raw):
        length, pos = read_uvarint(raw, pos)
        if pos + length > len(raw):
            raise ValueError("string runs past the data")
        out.append(raw[pos:pos + length])
        pos += length
    return out


# -- blocks -------------------------------------------------------------------------------------------------
BLOCK_TYPE = {1: 0, 2: 1, 3: 2, 4: 3, 5: 4}   # value type code -> block type byte


def encode_block(vtype: int, times: list[int], values: list) -> bytes:
    if vtype == 1:
        vb = encode_floats(values)
    elif vtype in (2, 5):
        vb = encode_integers([wrap64(v) for v in values])
    elif vtype == 3:
        vb = encode_booleans(values)
    else:
        vb = encode_strings(values)
    tb = encode_timestamps(times)
    return bytes([BLOCK_TYPE[vtype]]) + uvarint(len(tb)) + tb + vb


def decode_block(data: bytes) -> tuple[int, list[int], list]:
    btype = data[0]
    tlen, pos = read_uvarint(data, 1)
    times = decode_timestamps(data[pos:pos + tlen])
    vb = data[pos + tlen:]
    if btype == 0:
        values: list = decode_floats(vb)
    elif btype == 1:
        values = decode_integers(vb)
    elif btype == 4:
        values = [v & MASK64 for v in decode_integers(vb)]
    elif btype == 2:
        values = decode_booleans(vb)
    else:
        values = decode_strings(vb)
    n = min(len(times), len(values))
    return btype + 1, times[:n], values[:n]
