# cython: language_level=3
"""The TSM1 block codecs, byte for byte as InfluxDB 1.6.7 writes them.

A block is ``block type (1) | uvarint length of the timestamp part | timestamps | values``; each part starts
with a byte whose high 4 bits name its encoding. Our encoders choose exactly the encoding influxd chooses
for the same input (including its quirks: the 240-value window of the timestamp simple8b encoder, the
"all remaining values are 1" test of the integer one, Gorilla's leading-zero count taken mod 32, Go's
snappy compressor), so a shard written by either server reads back and compacts identically in the other.

Snapshots, compactions and every query go through here block by block, so each loop is C without the GIL
over numpy arrays; strings are the one type that costs a Python object per value (``bytes``).
"""

from zlib import crc32 as _crc32

import numpy as np

cimport numpy as cnp
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_Check, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdint cimport int8_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memmove, memset

cnp.import_array()

cdef extern from *:
    """
    static inline int chronus_clz64(unsigned long long x) { return __builtin_clzll(x); }
    static inline int chronus_ctz64(unsigned long long x) { return __builtin_ctzll(x); }
    #include <string.h>
    /* Little-endian loads at any alignment (memcpy compiles to one mov; byte-swapped on big-endian hosts). */
    static inline unsigned int chronus_load32le(const unsigned char* p) {
        unsigned int v; memcpy(&v, p, 4);
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = __builtin_bswap32(v);
    #endif
        return v;
    }
    static inline unsigned long long chronus_load64le(const unsigned char* p) {
        unsigned long long v; memcpy(&v, p, 8);
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = __builtin_bswap64(v);
    #endif
        return v;
    }
    static inline unsigned long long chronus_load64be(const unsigned char* p) {
        unsigned long long v; memcpy(&v, p, 8);
    #if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
        v = __builtin_bswap64(v);
    #endif
        return v;
    }
    """
    int clz64 "chronus_clz64"(uint64_t x) nogil
    int ctz64 "chronus_ctz64"(uint64_t x) nogil
    uint32_t load32le "chronus_load32le"(const uint8_t* p) nogil
    uint64_t load64le "chronus_load64le"(const uint8_t* p) nogil
    uint64_t load64be "chronus_load64be"(const uint8_t* p) nogil


class CorruptBlockError(ValueError):
    """A block that does not decode (truncated, a bad header or length); the text says what InfluxDB says."""


# Block type bytes (``BlockFloat64`` ... in encoding.go) and our value type codes (values.py, WAL order).
BLOCK_FLOAT64 = 0
BLOCK_INTEGER = 1
BLOCK_BOOLEAN = 2
BLOCK_STRING = 3
BLOCK_UNSIGNED = 4

cdef enum:
    T_FLOAT = 1
    T_INTEGER = 2
    T_BOOLEAN = 3
    T_STRING = 4
    T_UNSIGNED = 5

cdef uint64_t S8B_MAX = (<uint64_t>1 << 60) - 1
cdef uint64_t FLOAT_SENTINEL = 0x7FF8000000000001ULL   # Go's math.NaN(): ends a Gorilla stream

# Error codes of the nogil helpers (returned as negative lengths).
cdef enum:
    E_SHORT = -1        # not enough data
    E_ENCODING = -2     # unknown encoding nibble
    E_VARINT = -3       # a bad uvarint
    E_CORRUPT = -4      # inconsistent content
    E_NAN = -5          # NaN given to the float encoder
    E_RANGE = -6        # simple8b value out of range

cdef uint64_t[16] POW10   # 10**0 .. 10**15: a header nibble can name any of them
POW10[:] = [10 ** k for k in range(16)]


# -- bytes helpers -----------------------------------------------------------------------------------------
cdef inline void put_be64(uint8_t* p, uint64_t v) noexcept nogil:
    cdef int k
    for k in range(8):
        p[k] = <uint8_t>(v >> (56 - 8 * k))


cdef inline uint64_t get_be64(const uint8_t* p) noexcept nogil:
    return ((<uint64_t>p[0] << 56) | (<uint64_t>p[1] << 48) | (<uint64_t>p[2] << 40) | (<uint64_t>p[3] << 32)
            | (<uint64_t>p[4] << 24) | (<uint64_t>p[5] << 16) | (<uint64_t>p[6] << 8) | <uint64_t>p[7])


cdef inline Py_ssize_t put_uvarint(uint8_t* p, uint64_t v) noexcept nogil:
    cdef Py_ssize_t i = 0
    while v >= 0x80:
        p[i] = <uint8_t>(v | 0x80)
        v >>= 7
        i += 1
    p[i] = <uint8_t>v
    return i + 1


cdef inline Py_ssize_t get_uvarint(const uint8_t* p, Py_ssize_t n, uint64_t* out) noexcept nogil:
    """Bytes read (> 0), or 0 when ``p`` ends inside the varint, or -1 on overflow (as Go's Uvarint)."""
    cdef uint64_t x = 0
    cdef unsigned int s = 0
    cdef Py_ssize_t i
    cdef uint8_t b
    for i in range(n):
        b = p[i]
        if b < 0x80:
            if i > 9 or (i == 9 and b > 1):
                return -1
            out[0] = x | (<uint64_t>b << s)
            return i + 1
        x |= <uint64_t>(b & 0x7F) << s
        s += 7
    return 0


cdef inline uint64_t zigzag(int64_t x) noexcept nogil:
    return (<uint64_t>x << 1) ^ <uint64_t>(x >> 63)


cdef inline uint64_t unzigzag(uint64_t v) noexcept nogil:
    """As a uint64 bit pattern, so callers add in wrapping unsigned arithmetic."""
    return (v >> 1) ^ (0 - (v & 1))


# -- simple8b ------------------------------------------------------------------------------------------------
# Selectors 2..15 in increasing count order: (values per word, bits per value, selector).
cdef int[14] PACK_N
cdef int[14] PACK_BITS
cdef int[14] PACK_SEL
PACK_N[:] = [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 30, 60]
PACK_BITS[:] = [60, 30, 20, 15, 12, 10, 8, 7, 6, 5, 4, 3, 2, 1]
PACK_SEL[:] = [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2]
cdef int[16] SEL_N
cdef int[16] SEL_BITS
SEL_N[:] = [240, 120, 60, 30, 20, 15, 12, 10, 8, 7, 6, 5, 4, 3, 2, 1]
SEL_BITS[:] = [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 30, 60]


cdef Py_ssize_t s8b_encode(const uint64_t* src, Py_ssize_t n, uint8_t* out, Py_ssize_t window) noexcept nogil:
    """Pack ``src`` into big-endian simple8b words; returns bytes written or E_RANGE.

    ``window`` is how many pending values the run-of-ones selectors (0: 240 ones, 1: 120 ones) look at:
    Go's ``EncodeAll`` (integers) demands that every remaining value is 1 (``window`` 0 = unbounded), its
    streaming ``Encoder`` (timestamps) only the next 240. The other selectors take the largest count whose
    values all fit.
    """
    cdef Py_ssize_t i = 0, end, rem, ones_end = 0, k, c, chosen, j, w = 0
    cdef uint64_t m, word
    cdef int bits
    while i < n:
        end = n if window == 0 or n - i <= window else i + window
        rem = end - i
        if rem >= 120:
            if ones_end < i:
                ones_end = i
            while ones_end < end and src[ones_end] == 1:
                ones_end += 1
            if ones_end >= end:
                if rem >= 240:
                    put_be64(out + 8 * w, 0)
                    i += 240
                else:
                    put_be64(out + 8 * w, <uint64_t>1 << 60)
                    i += 120
                w += 1
                continue
        m = 0
        k = 0
        chosen = -1
        for c in range(14):
            if PACK_N[c] > rem:
                break
            while k < PACK_N[c]:
                m |= src[i + k]
                k += 1
            if (m >> PACK_BITS[c]) != 0:
                break
            chosen = c
        if chosen < 0:
            return E_RANGE
        bits = PACK_BITS[chosen]
        word = <uint64_t>PACK_SEL[chosen] << 60
        for j in range(PACK_N[chosen]):
            word |= src[i + j] << (j * bits)
        put_be64(out + 8 * w, word)
        i += PACK_N[chosen]
        w += 1
    return 8 * w


cdef Py_ssize_t s8b_count(const uint8_t* p, Py_ssize_t nbytes) noexcept nogil:
    """Values held by ``nbytes`` of simple8b words, or E_CORRUPT when it is not a whole number of words."""
    cdef Py_ssize_t count = 0, i
    if nbytes % 8:
        return E_CORRUPT
    for i in range(0, nbytes, 8):
        count += SEL_N[p[i] >> 4]
    return count


cdef Py_ssize_t s8b_decode(const uint8_t* p, Py_ssize_t nwords, uint64_t* dst, Py_ssize_t cap) noexcept nogil:
    """Unpack ``nwords`` words into ``dst`` (room for ``cap`` values, extras dropped); returns values out."""
    cdef Py_ssize_t w, j, n, o = 0
    cdef uint64_t v, mask
    cdef int sel, bits
    for w in range(nwords):
        if o >= cap:
            break
        v = get_be64(p + 8 * w)
        sel = <int>(v >> 60)
        n = SEL_N[sel]
        if n > cap - o:
            n = cap - o
        if sel < 2:
            for j in range(n):
                dst[o + j] = 1
        else:
            bits = SEL_BITS[sel]
            mask = (<uint64_t>1 << bits) - 1
            for j in range(n):
                dst[o + j] = v & mask
                v >>= bits
        o += n
    return o


# -- timestamps -------------------------------------------------------------------------------------------
cdef Py_ssize_t ts_encode(const int64_t* ts, Py_ssize_t n, uint8_t* out, uint64_t* scratch) noexcept nogil:
    """Encode ``n`` times (room: 8n + 32 bytes in ``out``, n values in ``scratch``); returns bytes written.

    Deltas, the largest power of 10 (up to 1e12) dividing them all, then RLE when they are all equal, raw
    when one exceeds 2^60 - 1 (checked before dividing, as influxd does), else simple8b of delta / divisor.
    A single time keeps the initial divisor 1e12, so its header byte is 0x1C.
    """
    cdef Py_ssize_t i, k, w
    cdef uint64_t d, mx = 0, first_delta
    cdef int e = 12
    cdef bint rle = True
    if n == 0:
        return 0
    for i in range(1, n):
        d = <uint64_t>ts[i] - <uint64_t>ts[i - 1]
        scratch[i] = d
        if d > mx:
            mx = d
        while e > 0 and d % POW10[e] != 0:
            e -= 1
    if n > 1:
        first_delta = scratch[1]
        for i in range(2, n):
            if scratch[i] != first_delta:
                rle = False
                break
        if rle:
            out[0] = <uint8_t>(0x20 | e)
            put_be64(out + 1, <uint64_t>ts[0])
            k = 9 + put_uvarint(out + 9, first_delta / POW10[e])
            return k + put_uvarint(out + k, <uint64_t>n)
    if mx > S8B_MAX:
        out[0] = 0x00
        put_be64(out + 1, <uint64_t>ts[0])
        for i in range(1, n):
            put_be64(out + 1 + 8 * i, scratch[i])
        return 1 + 8 * n
    if e > 0:
        for i in range(1, n):
            scratch[i] = scratch[i] / POW10[e]
    out[0] = <uint8_t>(0x10 | e)
    put_be64(out + 1, <uint64_t>ts[0])
    w = s8b_encode(scratch + 1, n - 1, out + 9, 240)
    return 9 + w


cdef Py_ssize_t ts_count(const uint8_t* p, Py_ssize_t n) noexcept nogil:
    """Times in an encoded timestamp part (``CountTimestamps``), or a negative error code."""
    cdef int enc
    cdef uint64_t v, count
    cdef Py_ssize_t k, c
    if n == 0:
        return 0
    enc = p[0] >> 4
    if enc == 0:
        return (n - 1) // 8
    if enc == 2:
        if n < 9:
            return E_SHORT
        k = get_uvarint(p + 9, n - 9, &v)
        if k <= 0:
            return E_VARINT
        c = get_uvarint(p + 9 + k, n - 9 - k, &count)
        if c <= 0:
            return E_VARINT
        if count > <uint64_t>0x7FFFFFFFFFFF:
            return E_CORRUPT
        return <Py_ssize_t>count
    if enc == 1:
        if n < 9:
            return E_SHORT
        c = s8b_count(p + 9, n - 9)
        return c + 1 if c >= 0 else c
    return E_ENCODING


cdef Py_ssize_t ts_decode(const uint8_t* p, Py_ssize_t n, int64_t* out, Py_ssize_t cap) noexcept nogil:
    """Decode at most ``cap`` times into ``out``; returns how many, or a negative error code."""
    cdef int enc
    cdef uint64_t first, delta, acc, count, mul
    cdef Py_ssize_t i, k, c, m
    cdef uint64_t* u = <uint64_t*>out
    if n == 0 or cap == 0:
        return 0
    enc = p[0] >> 4
    if enc == 0:
        m = (n - 1) // 8
        if m > cap:
            m = cap
        acc = 0
        for i in range(m):
            acc += get_be64(p + 1 + 8 * i)
            u[i] = acc
        return m
    if n < 9:
        return E_SHORT
    mul = POW10[p[0] & 0xF]
    first = get_be64(p + 1)
    if enc == 2:
        k = get_uvarint(p + 9, n - 9, &delta)
        if k <= 0:
            return E_VARINT
        c = get_uvarint(p + 9 + k, n - 9 - k, &count)
        if c <= 0:
            return E_VARINT
        m = <Py_ssize_t>count if count < <uint64_t>cap else cap
        delta *= mul
        acc = first
        for i in range(m):
            u[i] = acc
            acc += delta
        return m
    if enc == 1:
        if (n - 9) % 8:
            return E_CORRUPT
        u[0] = first
        m = 1 + s8b_decode(p + 9, (n - 9) // 8, u + 1, cap - 1)
        acc = first
        for i in range(1, m):
            acc += u[i] * mul
            u[i] = acc
        return m
    return E_ENCODING


# -- integers (and unsigned, as their int64 bit patterns) -------------------------------------------------
cdef Py_ssize_t int_encode(const int64_t* v, Py_ssize_t n, uint8_t* out, uint64_t* zz) noexcept nogil:
    """Zigzag deltas (the first against 0), then RLE when all deltas after the first are equal and there are
    more than 2 values, raw when one zigzag value exceeds 2^60 - 1, else the first raw + simple8b (room:
    8n + 32 bytes in ``out``, n values in ``zz``)."""
    cdef Py_ssize_t i, k
    cdef uint64_t prev = 0, mx = 0
    cdef bint rle = True
    if n == 0:
        return 0
    for i in range(n):
        zz[i] = zigzag(<int64_t>(<uint64_t>v[i] - prev))
        prev = <uint64_t>v[i]
        if zz[i] > mx:
            mx = zz[i]
    if n > 2:
        for i in range(2, n):
            if zz[i] != zz[1]:
                rle = False
                break
        if rle:
            out[0] = 0x20
            put_be64(out + 1, zz[0])
            k = 9 + put_uvarint(out + 9, zz[1])
            return k + put_uvarint(out + k, <uint64_t>(n - 1))
    if mx > S8B_MAX:
        out[0] = 0x00
        for i in range(n):
            put_be64(out + 1 + 8 * i, zz[i])
        return 1 + 8 * n
    out[0] = 0x10
    put_be64(out + 1, zz[0])
    return 9 + s8b_encode(zz + 1, n - 1, out + 9, 0)


cdef Py_ssize_t int_count(const uint8_t* p, Py_ssize_t n) noexcept nogil:
    cdef uint64_t v, count
    cdef Py_ssize_t k, c
    if n == 0:
        return 0
    enc = p[0] >> 4
    if enc == 0:
        return (n - 1) // 8
    if n < 9:
        return E_SHORT
    if enc == 1:
        c = s8b_count(p + 9, n - 9)
        return c + 1 if c >= 0 else c
    if enc == 2:
        k = get_uvarint(p + 9, n - 9, &v)
        if k <= 0:
            return E_VARINT
        c = get_uvarint(p + 9 + k, n - 9 - k, &count)
        if c <= 0:
            return E_VARINT
        if count >= <uint64_t>0x7FFFFFFFFFFF:
            return E_CORRUPT
        return <Py_ssize_t>count + 1
    return E_ENCODING


cdef Py_ssize_t int_decode(const uint8_t* p, Py_ssize_t n, int64_t* out, Py_ssize_t cap) noexcept nogil:
    """Decode at most ``cap`` integers (int64 bit patterns) into ``out``; how many, or an error code."""
    cdef int enc
    cdef uint64_t first, delta, count, acc
    cdef Py_ssize_t i, k, c, m
    cdef uint64_t* u = <uint64_t*>out
    if n == 0 or cap == 0:
        return 0
    enc = p[0] >> 4
    if enc == 0:
        if (n - 1) % 8:
            return E_SHORT
        m = (n - 1) // 8
        if m > cap:
            m = cap
        acc = 0
        for i in range(m):
            acc += unzigzag(get_be64(p + 1 + 8 * i))
            u[i] = acc
        return m
    if enc > 2:
        return E_ENCODING
    if n < 9:
        return E_SHORT
    first = get_be64(p + 1)
    if enc == 2:
        k = get_uvarint(p + 9, n - 9, &delta)
        if k <= 0:
            return E_VARINT
        c = get_uvarint(p + 9 + k, n - 9 - k, &count)
        if c <= 0:
            return E_VARINT
        m = cap if count >= <uint64_t>cap else <Py_ssize_t>count + 1
        delta = unzigzag(delta)
        acc = unzigzag(first)
        for i in range(m):
            u[i] = acc
            acc += delta
        return m
    if (n - 9) % 8:
        return E_SHORT
    u[0] = first
    m = 1 + s8b_decode(p + 9, (n - 9) // 8, u + 1, cap - 1)
    acc = 0
    for i in range(m):
        acc += unzigzag(u[i])
        u[i] = acc
    return m


# -- floats (Gorilla XOR) -----------------------------------------------------------------------------------
cdef struct BitWriter:
    uint8_t* p       # next whole byte goes here
    uint64_t acc     # pending bits, right-aligned
    int fill         # how many


cdef inline void bw_put(BitWriter* w, uint64_t v, int nbits) noexcept nogil:
    """Append the low ``nbits`` (0..32) bits of ``v``, most significant first."""
    if nbits == 0:
        return
    w.acc = (w.acc << nbits) | (v & ((<uint64_t>1 << nbits) - 1))
    w.fill += nbits
    while w.fill >= 8:
        w.fill -= 8
        w.p[0] = <uint8_t>(w.acc >> w.fill)
        w.p += 1


cdef inline void bw_put64(BitWriter* w, uint64_t v, int nbits) noexcept nogil:
    """Append the low ``nbits`` (0..64) bits of ``v``."""
    if nbits > 32:
        bw_put(w, v >> 32, nbits - 32)
        bw_put(w, v, 32)
    else:
        bw_put(w, v, nbits)


cdef inline void gorilla_step(BitWriter* w, uint64_t x, int* lead_prev, int* trail_prev) noexcept nogil:
    """One value after the first: ``x`` is its XOR with the previous one."""
    cdef int lead, trail, sig
    if x == 0:
        bw_put(w, 0, 1)
        return
    # influxd masks the leading-zero count to 5 bits (so 32..63 wrap to 0..31): odd but part of the format.
    lead = clz64(x) & 0x1F
    trail = ctz64(x)
    if lead_prev[0] >= 0 and lead >= lead_prev[0] and trail >= trail_prev[0]:
        bw_put(w, 0b10, 2)
        bw_put64(w, x >> trail_prev[0], 64 - lead_prev[0] - trail_prev[0])
    else:
        lead_prev[0] = lead
        trail_prev[0] = trail
        sig = 64 - lead - trail
        bw_put(w, (<uint64_t>0b11 << 11) | (<uint64_t>lead << 6) | <uint64_t>(sig & 0x3F), 13)
        bw_put64(w, x >> trail, sig)


cdef Py_ssize_t float_encode(const uint64_t* bits, Py_ssize_t n, uint8_t* out) noexcept nogil:
    """Gorilla-encode ``n`` float64 bit patterns (room: 10n + 32 bytes); E_NAN when one is a NaN."""
    cdef BitWriter w
    cdef Py_ssize_t i
    cdef uint64_t prev
    cdef int lead = -1, trail = 0
    out[0] = 0x10
    w.p = out + 1
    w.acc = 0
    w.fill = 0
    for i in range(n):
        if (bits[i] & 0x7FFFFFFFFFFFFFFFULL) > 0x7FF0000000000000ULL:
            return E_NAN
    if n == 0:
        bw_put64(&w, FLOAT_SENTINEL, 64)
    else:
        bw_put64(&w, bits[0], 64)
        prev = bits[0]
        for i in range(1, n):
            gorilla_step(&w, bits[i] ^ prev, &lead, &trail)
            prev = bits[i]
        gorilla_step(&w, FLOAT_SENTINEL ^ prev, &lead, &trail)
    if w.fill:
        w.p[0] = <uint8_t>(w.acc << (8 - w.fill))
        w.p += 1
    return w.p - out


cdef struct BitReader:
    const uint8_t* p
    const uint8_t* end
    uint64_t buf     # left-aligned bits
    int avail


cdef inline void br_fill(BitReader* r) noexcept nogil:
    """Top up to at least 57 bits while the data lasts. With 8 bytes left, one load: the bits of a byte
    that does not fit whole are ORed in early and again, identically, by the next refill."""
    cdef int k
    if r.end - r.p >= 8:
        r.buf |= load64be(r.p) >> r.avail
        k = (63 - r.avail) >> 3
        r.p += k
        r.avail += 8 * k
        return
    while r.avail <= 56 and r.p < r.end:
        r.buf |= <uint64_t>r.p[0] << (56 - r.avail)
        r.avail += 8
        r.p += 1


cdef inline int br_read(BitReader* r, int nbits, uint64_t* out) noexcept nogil:
    """Read ``nbits`` (1..64) bits; -1 when the data ends first."""
    cdef uint64_t v
    cdef int rest
    if nbits > 56:
        rest = nbits - 32
        if br_read(r, 32, &v) < 0 or br_read(r, rest, out) < 0:
            return -1
        out[0] |= v << rest
        return 0
    if r.avail < nbits:
        br_fill(r)
        if r.avail < nbits:
            return -1
    out[0] = r.buf >> (64 - nbits)
    r.buf <<= nbits
    r.avail -= nbits
    return 0


cdef Py_ssize_t float_decode(const uint8_t* p, Py_ssize_t n, uint64_t* out, Py_ssize_t cap) noexcept nogil:
    """Decode up to ``cap`` float64 bit patterns, stopping at the NaN sentinel; count or an error code."""
    cdef BitReader r
    cdef uint64_t val, b, bits
    cdef int lead = 0, trail = 0, mbits
    cdef Py_ssize_t o = 0
    if n == 0 or cap == 0:
        return 0
    r.p = p + 1
    r.end = p + n
    r.buf = 0
    r.avail = 0
    if br_read(&r, 64, &val) < 0:
        return E_SHORT
    if val == FLOAT_SENTINEL:
        return 0
    out[0] = val
    o = 1
    while o < cap:
        # the control bits and an 11-bit header peeked at once: one refill check per value, not three
        if r.avail < 13:
            br_fill(&r)
        if r.avail < 1:
            return E_SHORT
        if not (r.buf >> 63):  # "0": the value repeats
            r.buf <<= 1
            r.avail -= 1
        else:
            if r.avail < 2:
                return E_SHORT
            if r.buf >> 62 == 3:  # "11": new leading zeros and meaningful bit count follow
                if r.avail < 13:
                    return E_SHORT
                b = (r.buf >> 51) & 0x7FF
                r.buf <<= 13
                r.avail -= 13
                lead = <int>(b >> 6)
                mbits = <int>(b & 0x3F)
                if mbits == 0:
                    mbits = 64
                if lead + mbits > 64:
                    return E_CORRUPT
                trail = 64 - lead - mbits
            else:  # "10": the previous block of meaningful bits
                r.buf <<= 2
                r.avail -= 2
            mbits = 64 - lead - trail
            if br_read(&r, mbits, &bits) < 0:
                return E_SHORT
            val ^= bits << trail
            if val == FLOAT_SENTINEL:
                break
        out[o] = val
        o += 1
    return o


# -- booleans ------------------------------------------------------------------------------------------------
cdef Py_ssize_t bool_encode(const uint8_t* v, Py_ssize_t n, uint8_t* out) noexcept nogil:
    """Header, uvarint count, then the bits most significant first (room: n / 8 + 16 bytes)."""
    cdef Py_ssize_t i, k
    cdef uint8_t byte
    out[0] = 0x10
    k = 1 + put_uvarint(out + 1, <uint64_t>n)
    if n == 0:
        out[k] = 0   # influxd's encoder flushes a padding byte even when it holds no bits
        return k + 1
    for i in range(0, n - 7, 8):
        out[k] = ((v[i] != 0) << 7 | (v[i + 1] != 0) << 6 | (v[i + 2] != 0) << 5 | (v[i + 3] != 0) << 4
                  | (v[i + 4] != 0) << 3 | (v[i + 5] != 0) << 2 | (v[i + 6] != 0) << 1 | (v[i + 7] != 0))
        k += 1
    if n % 8:
        byte = 0
        for i in range(n - n % 8, n):
            byte |= (v[i] != 0) << (7 - i % 8)
        out[k] = byte
        k += 1
    return k


cdef Py_ssize_t bool_count(const uint8_t* p, Py_ssize_t n) noexcept nogil:
    cdef uint64_t count
    cdef Py_ssize_t k
    if n == 0:
        return 0
    k = get_uvarint(p + 1, n - 1, &count)
    if k <= 0:
        return E_VARINT
    if count > <uint64_t>(8 * (n - 1 - k)):
        return 8 * (n - 1 - k)  # a truncated block: influxd reads what is there
    return <Py_ssize_t>count


cdef Py_ssize_t bool_decode(const uint8_t* p, Py_ssize_t n, uint8_t* out, Py_ssize_t cap) noexcept nogil:
    cdef Py_ssize_t m, k, i
    cdef uint64_t count
    if n == 0:
        return 0
    k = get_uvarint(p + 1, n - 1, &count)
    if k <= 0:
        return E_VARINT
    m = bool_count(p, n)
    if m > cap:
        m = cap
    p += 1 + k
    for i in range(m):
        out[i] = (p[i >> 3] >> (7 - (i & 7))) & 1
    return m


# -- snappy (block format; the compressor is golang/snappy's, so compressed bytes equal influxd's) -----------
cdef Py_ssize_t snappy_max_len(Py_ssize_t n) noexcept nogil:
    return 32 + n + n // 6


cdef inline uint32_t load32(const uint8_t* p, Py_ssize_t i) noexcept nogil:
    return load32le(p + i)


cdef inline Py_ssize_t extend_match(const uint8_t* src, Py_ssize_t i, Py_ssize_t s,
                                    Py_ssize_t n) noexcept nogil:
    """The end of the match of ``src[i:]`` against ``src[s:]`` (i < s), eight bytes per step."""
    cdef uint64_t x
    while s + 8 <= n:
        x = load64le(src + i) ^ load64le(src + s)
        if x:
            return s + (ctz64(x) >> 3)
        i += 8
        s += 8
    while s < n and src[i] == src[s]:
        i += 1
        s += 1
    return s


cdef inline uint32_t snappy_hash(uint32_t u, uint32_t shift) noexcept nogil:
    return (u * 0x1e35a7bd) >> shift


cdef Py_ssize_t emit_literal(uint8_t* dst, const uint8_t* lit, Py_ssize_t length) noexcept nogil:
    cdef Py_ssize_t i, m = length - 1
    if m < 60:
        dst[0] = <uint8_t>(m << 2)
        i = 1
    elif m < 256:
        dst[0] = 60 << 2
        dst[1] = <uint8_t>m
        i = 2
    else:
        dst[0] = 61 << 2
        dst[1] = <uint8_t>m
        dst[2] = <uint8_t>(m >> 8)
        i = 3
    memcpy(dst + i, lit, length)
    return i + length


cdef Py_ssize_t emit_copy(uint8_t* dst, Py_ssize_t offset, Py_ssize_t length) noexcept nogil:
    cdef Py_ssize_t i = 0
    while length >= 68:
        dst[i] = (63 << 2) | 2
        dst[i + 1] = <uint8_t>offset
        dst[i + 2] = <uint8_t>(offset >> 8)
        i += 3
        length -= 64
    if length > 64:
        dst[i] = (59 << 2) | 2
        dst[i + 1] = <uint8_t>offset
        dst[i + 2] = <uint8_t>(offset >> 8)
        i += 3
        length -= 60
    if length >= 12 or offset >= 2048:
        dst[i] = <uint8_t>(((length - 1) << 2) | 2)
        dst[i + 1] = <uint8_t>offset
        dst[i + 2] = <uint8_t>(offset >> 8)
        return i + 3
    dst[i] = <uint8_t>(((offset >> 8) << 5) | ((length - 4) << 2) | 1)
    dst[i + 1] = <uint8_t>offset
    return i + 2


cdef Py_ssize_t snappy_block(uint8_t* dst, const uint8_t* src, Py_ssize_t n, uint16_t* table) noexcept nogil:
    """golang/snappy's ``encodeBlock`` for 17 <= n <= 65536 bytes: same hash, table size, skipping, emits."""
    cdef uint32_t shift = 24
    cdef Py_ssize_t table_size = 256, s_limit = n - 15, next_emit = 0, s = 1, next_s, candidate, base, d = 0
    cdef Py_ssize_t skip, step, i
    cdef uint32_t next_hash, h
    cdef uint64_t x
    while table_size < 16384 and table_size < n:
        table_size *= 2
        shift -= 1
    memset(table, 0, table_size * sizeof(uint16_t))
    next_hash = snappy_hash(load32(src, s), shift)
    while True:
        skip = 32
        next_s = s
        while True:
            s = next_s
            step = skip >> 5
            next_s = s + step
            skip += step
            if next_s > s_limit:
                if next_emit < n:
                    d += emit_literal(dst + d, src + next_emit, n - next_emit)
                return d
            candidate = table[next_hash]
            table[next_hash] = <uint16_t>s
            next_hash = snappy_hash(load32(src, next_s), shift)
            if load32(src, s) == load32(src, candidate):
                break
        d += emit_literal(dst + d, src + next_emit, s - next_emit)
        while True:
            base = s
            s = extend_match(src, candidate + 4, s + 4, n)
            d += emit_copy(dst + d, base - candidate, s - base)
            next_emit = s
            if s >= s_limit:
                if next_emit < n:
                    d += emit_literal(dst + d, src + next_emit, n - next_emit)
                return d
            x = load64le(src + s - 1)
            h = snappy_hash(<uint32_t>x, shift)
            table[h] = <uint16_t>(s - 1)
            h = snappy_hash(<uint32_t>(x >> 8), shift)
            candidate = table[h]
            table[h] = <uint16_t>s
            if <uint32_t>(x >> 8) != load32(src, candidate):
                next_hash = snappy_hash(<uint32_t>(x >> 16), shift)
                s += 1
                break


cdef Py_ssize_t snappy_encode(const uint8_t* src, Py_ssize_t n, uint8_t* dst) noexcept nogil:
    """Go's ``snappy.Encode``: uvarint length, then 64 KiB chunks (room: ``snappy_max_len(n)``)."""
    cdef uint16_t[16384] table
    cdef Py_ssize_t d, chunk
    d = put_uvarint(dst, <uint64_t>n)
    while n > 0:
        chunk = n if n <= 65536 else 65536
        if chunk < 17:
            d += emit_literal(dst + d, src, chunk)
        else:
            d += snappy_block(dst + d, src, chunk, table)
        src += chunk
        n -= chunk
    return d


cdef Py_ssize_t snappy_decoded_len(const uint8_t* src, Py_ssize_t n) noexcept nogil:
    cdef uint64_t v
    cdef Py_ssize_t k = get_uvarint(src, n, &v)
    if k <= 0 or v > 0xFFFFFFFFULL:
        return E_CORRUPT
    # A copy op of 2..5 bytes makes at most 64 bytes, so no valid input expands more than 32 times.
    if v > <uint64_t>(32 * n):
        return E_CORRUPT
    return <Py_ssize_t>v


cdef Py_ssize_t snappy_decode(const uint8_t* src, Py_ssize_t n, uint8_t* dst, Py_ssize_t dlen) noexcept nogil:
    """Decode a snappy block whose decoded length is ``dlen``; returns dlen or E_CORRUPT."""
    cdef uint64_t v
    cdef Py_ssize_t s, d = 0, length, offset, i, x
    cdef uint8_t tag
    s = get_uvarint(src, n, &v)
    if s <= 0:
        return E_CORRUPT
    while s < n:
        tag = src[s]
        if (tag & 3) == 0:
            x = tag >> 2
            if x < 60:
                s += 1
            elif x == 60:
                if s + 2 > n:
                    return E_CORRUPT
                x = src[s + 1]
                s += 2
            elif x == 61:
                if s + 3 > n:
                    return E_CORRUPT
                x = src[s + 1] | (<Py_ssize_t>src[s + 2] << 8)
                s += 3
            elif x == 62:
                if s + 4 > n:
                    return E_CORRUPT
                x = src[s + 1] | (<Py_ssize_t>src[s + 2] << 8) | (<Py_ssize_t>src[s + 3] << 16)
                s += 4
            else:
                if s + 5 > n:
                    return E_CORRUPT
                x = (src[s + 1] | (<Py_ssize_t>src[s + 2] << 8) | (<Py_ssize_t>src[s + 3] << 16)
                     | (<Py_ssize_t>src[s + 4] << 24))
                s += 5
            length = x + 1
            if length > dlen - d or length > n - s:
                return E_CORRUPT
            memcpy(dst + d, src + s, length)
            d += length
            s += length
            continue
        if (tag & 3) == 1:
            if s + 2 > n:
                return E_CORRUPT
            length = 4 + ((tag >> 2) & 7)
            offset = ((<Py_ssize_t>tag & 0xE0) << 3) | src[s + 1]
            s += 2
        elif (tag & 3) == 2:
            if s + 3 > n:
                return E_CORRUPT
            length = 1 + (tag >> 2)
            offset = src[s + 1] | (<Py_ssize_t>src[s + 2] << 8)
            s += 3
        else:
            if s + 5 > n:
                return E_CORRUPT
            length = 1 + (tag >> 2)
            offset = (src[s + 1] | (<Py_ssize_t>src[s + 2] << 8) | (<Py_ssize_t>src[s + 3] << 16)
                      | (<Py_ssize_t>src[s + 4] << 24))
            s += 5
        if offset <= 0 or offset > d or length > dlen - d:
            return E_CORRUPT
        if offset >= length:
            memcpy(dst + d, dst + d - offset, length)
        else:
            for i in range(length):
                dst[d + i] = dst[d + i - offset]
        d += length
    if d != dlen:
        return E_CORRUPT
    return d


# -- strings ------------------------------------------------------------------------------------------------
cdef Py_ssize_t str_parse(const uint8_t* p, Py_ssize_t n, int64_t* starts, int64_t* lengths,
                          Py_ssize_t cap) noexcept nogil:
    """Split decompressed string data (uvarint length + bytes, repeated) into at most ``cap`` spans."""
    cdef Py_ssize_t i = 0, o = 0, k
    cdef uint64_t length
    while i < n and o < cap:
        k = get_uvarint(p + i, n - i, &length)
        if k <= 0:
            return E_VARINT
        if length > <uint64_t>(n - i - k):
            return E_SHORT
        starts[o] = i + k
        lengths[o] = <int64_t>length
        i += k + <Py_ssize_t>length
        o += 1
    return o


cdef object _decode_strings(const uint8_t* p, Py_ssize_t n, Py_ssize_t cap):
    """Strings of an encoded string part (at most ``cap``; -1: all) as a list of bytes."""
    cdef Py_ssize_t dlen, got, i
    cdef uint8_t* raw
    cdef int64_t* spans
    cdef list out = []
    if n == 0 or cap == 0:
        return out
    dlen = snappy_decoded_len(p + 1, n - 1)
    if dlen < 0:
        raise CorruptBlockError("failed to decode string block: snappy: corrupt input")
    if cap < 0:
        cap = dlen + 1
    raw = <uint8_t*>malloc(dlen + 1)
    spans = <int64_t*>malloc(2 * sizeof(int64_t) * (cap if cap <= dlen + 1 else dlen + 1))
    if raw == NULL or spans == NULL:
        free(raw)
        free(spans)
        raise MemoryError()
    try:
        if cap > dlen + 1:
            cap = dlen + 1   # each string costs at least its one-byte length
        with nogil:
            got = snappy_decode(p + 1, n - 1, raw, dlen)
            if got >= 0:
                got = str_parse(raw, dlen, spans, spans + cap, cap)
        if got == E_CORRUPT:
            raise CorruptBlockError("failed to decode string block: snappy: corrupt input")
        if got == E_VARINT:
            raise CorruptBlockError("StringDecoder: invalid encoded string length")
        if got < 0:
            raise CorruptBlockError("StringDecoder: not enough data to represent encoded string")
        for i in range(got):
            out.append(PyBytes_FromStringAndSize(<char*>raw + spans[i], spans[cap + i]))
    finally:
        free(raw)
        free(spans)
    return out


cdef object _encode_strings_into(object values, Py_ssize_t n, uint8_t** out_buf, Py_ssize_t* out_len):
    """Compress ``values`` (bytes) as a string part into a fresh malloc'd buffer; caller frees it."""
    cdef tuple items = tuple(values)
    cdef Py_ssize_t i, total = 0, k, length
    cdef const char** ptrs
    cdef Py_ssize_t* lens
    cdef uint8_t* raw
    cdef uint8_t* dst
    if len(items) != n:
        raise ValueError(f"{len(items)} strings for {n} times")
    ptrs = <const char**>malloc(sizeof(char*) * (n + 1))
    lens = <Py_ssize_t*>malloc(sizeof(Py_ssize_t) * (n + 1))
    if ptrs == NULL or lens == NULL:
        free(ptrs)
        free(lens)
        raise MemoryError()
    try:
        for i in range(n):
            obj = items[i]
            if not PyBytes_Check(obj):
                raise TypeError(f"string values must be bytes, not {type(obj).__name__}")
            ptrs[i] = PyBytes_AS_STRING(obj)
            lens[i] = PyBytes_GET_SIZE(obj)
            total += lens[i] + 10
        raw = <uint8_t*>malloc(total + 1)
        dst = <uint8_t*>malloc(1 + snappy_max_len(total))
        if raw == NULL or dst == NULL:
            free(raw)
            free(dst)
            raise MemoryError()
        with nogil:
            k = 0
            for i in range(n):
                length = lens[i]
                k += put_uvarint(raw + k, <uint64_t>length)
                memcpy(raw + k, ptrs[i], length)
                k += length
            dst[0] = 0x10
            out_len[0] = 1 + snappy_encode(raw, k, dst + 1)
        free(raw)
        out_buf[0] = dst
    finally:
        free(ptrs)
        free(lens)
    return items   # keeps the bytes alive until the caller is done (they are in ``values`` anyway)


# -- errors --------------------------------------------------------------------------------------------------
cdef int _check(Py_ssize_t code, str what) except -1:
    if code >= 0:
        return 0
    if code == E_NAN:
        raise ValueError("unsupported value: NaN")
    if code == E_ENCODING:
        raise CorruptBlockError(f"{what}: unknown encoding")
    if code == E_VARINT:
        raise CorruptBlockError(f"{what}: invalid varint")
    if code == E_SHORT:
        raise CorruptBlockError(f"{what}: not enough data")
    if code == E_RANGE:
        raise ValueError("value out of bounds")
    raise CorruptBlockError(f"{what}: corrupt data")


# -- Python API: single codecs -------------------------------------------------------------------------------
def encode_timestamps(const int64_t[::1] times not None) -> bytes:
    """The timestamp part of a block for ``times`` (b"" when empty)."""
    cdef Py_ssize_t n = times.shape[0], k
    cdef uint8_t* out = <uint8_t*>malloc(8 * n + 32)
    cdef uint64_t* scratch = <uint64_t*>malloc(8 * n + 8)
    if out == NULL or scratch == NULL:
        free(out)
        free(scratch)
        raise MemoryError()
    try:
        with nogil:
            k = ts_encode(&times[0] if n else NULL, n, out, scratch)
        return PyBytes_FromStringAndSize(<char*>out, k)
    finally:
        free(out)
        free(scratch)


def count_timestamps(const uint8_t[::1] data not None) -> int:
    """How many times a timestamp part holds, without decoding it."""
    cdef Py_ssize_t n = data.shape[0], c
    with nogil:
        c = ts_count(&data[0] if n else NULL, n)
    _check(c, "TimeDecoder")
    return c


def decode_timestamps(const uint8_t[::1] data not None):
    """The int64 times of a timestamp part."""
    cdef Py_ssize_t n = data.shape[0], c
    cdef const uint8_t* p = &data[0] if n else NULL
    with nogil:
        c = ts_count(p, n)
    _check(c, "TimeDecoder")
    out = np.empty(c, dtype=np.int64)
    cdef int64_t[::1] o = out
    with nogil:
        c = ts_decode(p, n, &o[0] if c else NULL, c)
    _check(c, "TimeDecoder")
    return out[:c] if c < o.shape[0] else out


def encode_integers(const int64_t[::1] values not None) -> bytes:
    """The value part of an integer block (unsigned values: pass their int64 view)."""
    cdef Py_ssize_t n = values.shape[0], k
    cdef uint8_t* out = <uint8_t*>malloc(8 * n + 32)
    cdef uint64_t* scratch = <uint64_t*>malloc(8 * n + 8)
    if out == NULL or scratch == NULL:
        free(out)
        free(scratch)
        raise MemoryError()
    try:
        with nogil:
            k = int_encode(&values[0] if n else NULL, n, out, scratch)
        return PyBytes_FromStringAndSize(<char*>out, k)
    finally:
        free(out)
        free(scratch)


def decode_integers(const uint8_t[::1] data not None):
    """The int64 values of an integer value part (view as uint64 for unsigned blocks)."""
    cdef Py_ssize_t n = data.shape[0], c
    cdef const uint8_t* p = &data[0] if n else NULL
    with nogil:
        c = int_count(p, n)
    _check(c, "IntegerDecoder")
    out = np.empty(c, dtype=np.int64)
    cdef int64_t[::1] o = out
    with nogil:
        c = int_decode(p, n, &o[0] if c else NULL, c)
    _check(c, "IntegerDecoder")
    return out[:c] if c < o.shape[0] else out


def encode_floats(const double[::1] values not None) -> bytes:
    """The Gorilla value part of a float block; ValueError on NaN (influxd refuses them too)."""
    cdef Py_ssize_t n = values.shape[0], k
    cdef uint8_t* out = <uint8_t*>malloc(10 * n + 32)
    if out == NULL:
        raise MemoryError()
    try:
        with nogil:
            k = float_encode(<const uint64_t*>&values[0] if n else NULL, n, out)
        _check(k, "FloatEncoder")
        return PyBytes_FromStringAndSize(<char*>out, k)
    finally:
        free(out)


def decode_floats(const uint8_t[::1] data not None):
    """The float64 values of a Gorilla value part (up to its end-of-stream marker)."""
    cdef Py_ssize_t n = data.shape[0], c
    cdef Py_ssize_t cap = 8 * n + 1 if n else 0   # every value after the first costs at least one bit
    out = np.empty(cap, dtype=np.float64)
    cdef double[::1] o = out
    with nogil:
        c = float_decode(&data[0] if n else NULL, n, <uint64_t*>&o[0] if cap else NULL, cap)
    _check(c, "FloatDecoder")
    return out[:c].copy()


def encode_booleans(values) -> bytes:
    """The bit-packed value part of a boolean block (a bool or uint8 array)."""
    if isinstance(values, np.ndarray) and values.dtype == np.bool_:
        values = values.view(np.uint8)
    cdef const uint8_t[::1] v = values
    cdef Py_ssize_t n = v.shape[0], k
    cdef uint8_t* out = <uint8_t*>malloc(n // 8 + 16)
    if out == NULL:
        raise MemoryError()
    try:
        with nogil:
            k = bool_encode(&v[0] if n else NULL, n, out)
        return PyBytes_FromStringAndSize(<char*>out, k)
    finally:
        free(out)


def decode_booleans(const uint8_t[::1] data not None):
    """The bool values of a boolean value part."""
    cdef Py_ssize_t n = data.shape[0], c
    cdef const uint8_t* p = &data[0] if n else NULL
    with nogil:
        c = bool_count(p, n)
    _check(c, "BooleanDecoder")
    out = np.empty(c, dtype=np.bool_)
    cdef uint8_t[::1] o = out.view(np.uint8)
    with nogil:
        c = bool_decode(p, n, &o[0] if c else NULL, c)
    _check(c, "BooleanDecoder")
    return out


def encode_strings(values) -> bytes:
    """The snappy value part of a string block for a sequence of bytes."""
    cdef uint8_t* buf = NULL
    cdef Py_ssize_t k = 0
    keep = _encode_strings_into(values, len(values), &buf, &k)
    try:
        return PyBytes_FromStringAndSize(<char*>buf, k)
    finally:
        free(buf)
        del keep


def decode_strings(const uint8_t[::1] data not None) -> list:
    """The values of a string value part as a list of bytes."""
    cdef Py_ssize_t n = data.shape[0]
    return _decode_strings(&data[0] if n else NULL, n, -1)


def snappy_compress(const uint8_t[::1] data not None) -> bytes:
    """A snappy block exactly as Go's ``snappy.Encode`` makes it."""
    cdef Py_ssize_t n = data.shape[0], k
    cdef uint8_t* out = <uint8_t*>malloc(snappy_max_len(n))
    if out == NULL:
        raise MemoryError()
    try:
        with nogil:
            k = snappy_encode(&data[0] if n else NULL, n, out)
        return PyBytes_FromStringAndSize(<char*>out, k)
    finally:
        free(out)


def snappy_uncompress(const uint8_t[::1] data not None) -> bytes:
    """Decode a snappy block (any conforming compressor's)."""
    cdef Py_ssize_t n = data.shape[0], dlen, got
    cdef const uint8_t* p = &data[0] if n else NULL
    dlen = snappy_decoded_len(p, n)
    if dlen < 0:
        raise CorruptBlockError("snappy: corrupt input")
    out = PyBytes_FromStringAndSize(NULL, dlen)
    cdef uint8_t* o = <uint8_t*>PyBytes_AS_STRING(out)
    with nogil:
        got = snappy_decode(p, n, o, dlen)
    if got < 0:
        raise CorruptBlockError("snappy: corrupt input")
    return out


def simple8b_encode(const uint64_t[::1] values not None, Py_ssize_t window=0) -> bytes:
    """Big-endian simple8b words for ``values`` (each < 2^60); ``window`` as in the timestamp encoder (240)
    or 0 for the integer encoder's ``EncodeAll``."""
    cdef Py_ssize_t n = values.shape[0], k
    cdef uint8_t* out = <uint8_t*>malloc(8 * n + 8)
    if out == NULL:
        raise MemoryError()
    try:
        with nogil:
            k = s8b_encode(&values[0] if n else NULL, n, out, window)
        _check(k, "simple8b")
        return PyBytes_FromStringAndSize(<char*>out, k)
    finally:
        free(out)


def simple8b_decode(const uint8_t[::1] data not None):
    """The uint64 values of simple8b words."""
    cdef Py_ssize_t n = data.shape[0], c
    cdef const uint8_t* p = &data[0] if n else NULL
    c = s8b_count(p, n)
    _check(c, "simple8b")
    out = np.empty(c, dtype=np.uint64)
    cdef uint64_t[::1] o = out
    with nogil:
        c = s8b_decode(p, n // 8, &o[0] if c else NULL, c)
    return out


# -- Python API: whole blocks -------------------------------------------------------------------------------
cdef int _block_parts(const uint8_t* p, Py_ssize_t n, Py_ssize_t* ts_start, Py_ssize_t* ts_len) except -1:
    cdef uint64_t length
    cdef Py_ssize_t k
    if n <= 1:
        raise CorruptBlockError(f"decode of short block: got {n}, exp 1")
    if p[0] > 4:
        raise CorruptBlockError(f"unknown block type: {p[0]}")
    k = get_uvarint(p + 1, n - 1, &length)
    if k <= 0:
        raise CorruptBlockError("unpackBlock: unable to read timestamp block length")
    if length > <uint64_t>(n - 1 - k):
        raise CorruptBlockError("unpackBlock: not enough data for timestamp")
    ts_start[0] = 1 + k
    ts_len[0] = <Py_ssize_t>length
    return 0


def block_type(const uint8_t[::1] data not None) -> int:
    """The block type byte (0 float, 1 integer, 2 boolean, 3 string, 4 unsigned)."""
    if data.shape[0] == 0:
        raise CorruptBlockError("decode of short block: got 0, exp 1")
    if data[0] > 4:
        raise CorruptBlockError(f"unknown block type: {data[0]}")
    return data[0]


def block_count(const uint8_t[::1] data not None) -> int:
    """Points in a block (from its timestamp part alone, as influxd's ``BlockCount``)."""
    cdef Py_ssize_t start, length, c
    _block_parts(&data[0] if data.shape[0] else NULL, data.shape[0], &start, &length)
    c = ts_count(&data[start], length)
    _check(c, "TimeDecoder")
    return c


def decode_block_times(const uint8_t[::1] data not None):
    """Only the int64 times of a block (for time ranges and counts without decoding the values)."""
    cdef Py_ssize_t start, length
    _block_parts(&data[0] if data.shape[0] else NULL, data.shape[0], &start, &length)
    return decode_timestamps(data[start:start + length])


def encode_block(int vtype, const int64_t[::1] times not None, values) -> bytes:
    """A whole block: ``vtype`` is the value type code (1 float, 2 integer, 3 boolean, 4 string, 5 unsigned),
    ``values`` a matching numpy array (bool as uint8 view, unsigned as int64 view) or a sequence of bytes."""
    cdef Py_ssize_t n = times.shape[0], tlen = 0, vlen = 0, k, cap
    cdef uint8_t* tbuf = NULL
    cdef uint8_t* out = NULL
    cdef uint8_t* sbuf = NULL
    cdef uint64_t* scratch = NULL
    cdef const int64_t[::1] ivals
    cdef const double[::1] fvals
    cdef const uint8_t[::1] bvals
    cdef int btype
    keep = None
    if isinstance(values, np.ndarray) and (values.dtype == np.bool_ or values.dtype == np.uint64):
        values = values.view(np.uint8 if values.dtype == np.bool_ else np.int64)
    if n == 0:
        raise ValueError("unable to encode block type")   # influxd panics with this text on an empty block
    if vtype == T_FLOAT:
        fvals = values
        if fvals.shape[0] != n:
            raise ValueError(f"{fvals.shape[0]} values for {n} times")
        cap = 10 * n + 32
        btype = 0
    elif vtype == T_INTEGER or vtype == T_UNSIGNED:
        ivals = values
        if ivals.shape[0] != n:
            raise ValueError(f"{ivals.shape[0]} values for {n} times")
        cap = 8 * n + 32
        btype = 1 if vtype == T_INTEGER else 4
    elif vtype == T_BOOLEAN:
        bvals = values
        if bvals.shape[0] != n:
            raise ValueError(f"{bvals.shape[0]} values for {n} times")
        cap = n // 8 + 16
        btype = 2
    elif vtype == T_STRING:
        keep = _encode_strings_into(values, n, &sbuf, &vlen)
        cap = vlen
        btype = 3
    else:
        raise ValueError(f"unsupported value type: {vtype}")
    try:
        tbuf = <uint8_t*>malloc(8 * n + 32)
        scratch = <uint64_t*>malloc(8 * n + 8)
        out = <uint8_t*>malloc(8 * n + 32 + 11 + cap)
        if tbuf == NULL or scratch == NULL or out == NULL:
            raise MemoryError()
        with nogil:
            tlen = ts_encode(&times[0], n, tbuf, scratch)
            out[0] = <uint8_t>btype
            k = 1 + put_uvarint(out + 1, <uint64_t>tlen)
            memcpy(out + k, tbuf, tlen)
            k += tlen
            if vtype == T_FLOAT:
                vlen = float_encode(<const uint64_t*>&fvals[0], n, out + k)
            elif vtype == T_BOOLEAN:
                vlen = bool_encode(&bvals[0], n, out + k)
            elif vtype == T_STRING:
                memcpy(out + k, sbuf, vlen)
            else:
                vlen = int_encode(&ivals[0], n, out + k, scratch)
        _check(vlen, "encode")
        return PyBytes_FromStringAndSize(<char*>out, k + vlen)
    finally:
        free(tbuf)
        free(scratch)
        free(out)
        free(sbuf)
        del keep


cdef object _value_array(int btype, Py_ssize_t n):
    """Room for ``n`` values of a non-string block type (unsigned as int64: viewed as uint64 after)."""
    if btype == 0:
        return np.empty(n, dtype=np.float64)
    if btype == 2:
        return np.empty(n, dtype=np.bool_)
    return np.empty(n, dtype=np.int64)


cdef Py_ssize_t _decode_into(const uint8_t* p, Py_ssize_t start, Py_ssize_t tlen, Py_ssize_t size, int btype,
                             Py_ssize_t count, int64_t* times, void* values, Py_ssize_t* nv) noexcept nogil:
    """One block's ``count`` times and its values (not strings) written at ``times`` and ``values``:
    how many times were decoded (or an error code); ``nv``: how many values (or an error code)."""
    cdef Py_ssize_t vstart = start + tlen, nt
    nt = ts_decode(p + start, tlen, times if count else NULL, count)
    nv[0] = 0
    if nt >= 0:
        if btype == 0:
            nv[0] = float_decode(p + vstart, size - vstart, <uint64_t*>values if count else NULL, nt)
        elif btype == 2:
            nv[0] = bool_decode(p + vstart, size - vstart, <uint8_t*>values if count else NULL, nt)
        elif btype == 1 or btype == 4:
            nv[0] = int_decode(p + vstart, size - vstart, <int64_t*>values if count else NULL, nt)
    return nt


cdef int _check_values(Py_ssize_t nv, int btype) except -1:
    return _check(nv, "FloatDecoder" if btype == 0 else "BooleanDecoder" if btype == 2 else "IntegerDecoder")


def decode_block(const uint8_t[::1] data not None):
    """``(value type code, times, values)`` of a block; values as in ``Values`` (bytes list for strings).

    As influxd, the point count comes from the timestamps and stops early if the values run out.
    """
    cdef Py_ssize_t n = data.shape[0], start, tlen, count, nt = 0, nv = 0
    cdef const uint8_t* p = &data[0] if n else NULL
    cdef int btype
    cdef void* out = NULL
    _block_parts(p, n, &start, &tlen)
    btype = p[0]
    with nogil:
        count = ts_count(p + start, tlen)
    _check(count, "TimeDecoder")
    times = np.empty(count, dtype=np.int64)
    cdef int64_t[::1] t = times
    vals = None if btype == 3 else _value_array(btype, count)
    if vals is not None and count:
        out = <void*>cnp.PyArray_DATA(vals)
    with nogil:
        nt = _decode_into(p, start, tlen, n, btype, count, &t[0] if count else NULL, out, &nv)
    _check(nt, "TimeDecoder")
    if btype == 3:
        vals = _decode_strings(p + start + tlen, n - start - tlen, nt)
        nv = len(vals)
    else:
        _check_values(nv, btype)
    if btype == 4:
        vals = vals.view(np.uint64)
    if nv < count:
        times = times[:nv].copy()
        vals = vals[:nv] if btype == 3 else vals[:nv].copy()
    return btype + 1, times, vals


cdef bint _crc_matches(const uint8_t[::1] data, object view, int64_t offset, int64_t size) except -1:
    """Whether the block at ``offset`` (``size`` counting its 4-byte CRC) holds the CRC of its data; a block
    reaching outside the file is an error."""
    cdef const uint8_t* p
    cdef uint32_t stored
    if offset < 0 or size < 4 or offset + size > data.shape[0]:
        raise CorruptBlockError("block outside the file")
    p = &data[offset]
    stored = (<uint32_t>p[0] << 24) | (<uint32_t>p[1] << 16) | (<uint32_t>p[2] << 8) | p[3]
    return _crc32(view[offset + 4:offset + size]) == stored


cdef int _scan_key(const uint8_t[::1] data, object view, const int64_t[::1] offsets,
                   const int64_t[::1] sizes, const int64_t[::1] mins, const int64_t[::1] maxs,
                   Py_ssize_t first, Py_ssize_t end, int64_t tmin, int64_t tmax, int* btype,
                   int64_t* picked, Py_ssize_t* npicked, Py_ssize_t* total, int64_t* bad) except -1:
    """Find one key's blocks overlapping ``[tmin, tmax]`` (of ``first``..``end - 1``), check their CRCs
    and count their points: appended to ``picked`` / added to ``total``. 0 when done; 1 when they hold
    strings or a type other than ``btype`` (set by the first block when -1); 2 when a block's CRC does
    not match (its offset in ``bad``). On 1 and 2 nothing is appended or added."""
    cdef Py_ssize_t b, start, tlen, count, size, found = 0, points = 0
    cdef const uint8_t* p
    cdef int kind = btype[0]
    for b in range(first, end):
        if maxs[b] < tmin or mins[b] > tmax:
            continue
        size = sizes[b] - 4
        if not _crc_matches(data, view, offsets[b], sizes[b]):
            bad[0] = offsets[b]
            return 2
        p = &data[offsets[b] + 4]
        _block_parts(p, size, &start, &tlen)
        if kind == -1:
            kind = p[0]
        if p[0] != kind or kind == 3:
            return 1
        count = ts_count(p + start, tlen)
        _check(count, "TimeDecoder")
        picked[npicked[0] + found] = b
        found += 1
        points += count
    npicked[0] += found
    total[0] += points
    btype[0] = kind
    return 0


cdef Py_ssize_t _decode_picked(const uint8_t[::1] data, const int64_t[::1] offsets, const int64_t[::1] sizes,
                               const int64_t* picked, Py_ssize_t n, int btype, int64_t tmin, int64_t tmax,
                               int64_t* t, uint8_t* out, Py_ssize_t pos, bint* increasing) except -1:
    """Decode blocks ``picked[:n]`` (checked by ``_scan_key``) one after the other from ``pos`` on, each cut
    to ``[tmin, tmax]``; the position after them. ``increasing`` is cleared when a block's first kept time
    is not past the one before it (the caller then deduplicates)."""
    cdef Py_ssize_t i, b, size, start, tlen, count, nt, nv, lo, hi, key_start = pos
    cdef Py_ssize_t width = 8 if btype != 2 else 1
    cdef const uint8_t* p
    for i in range(n):
        b = picked[i]
        size = sizes[b] - 4
        p = &data[offsets[b] + 4]
        _block_parts(p, size, &start, &tlen)
        with nogil:
            count = ts_count(p + start, tlen)
            nt = _decode_into(p, start, tlen, size, btype, count, t + pos if count else NULL,
                              out + pos * width, &nv)
        _check(nt, "TimeDecoder")
        _check_values(nv, btype)
        with nogil:
            # the block's times ascend: keep its run inside [tmin, tmax], moved down to ``pos``
            lo = 0
            while lo < nv and t[pos + lo] < tmin:
                lo += 1
            hi = nv
            while hi > lo and t[pos + hi - 1] > tmax:
                hi -= 1
            if lo and hi > lo:
                memmove(t + pos, t + pos + lo, (hi - lo) * 8)
                memmove(out + pos * width, out + (pos + lo) * width, (hi - lo) * width)
            if hi > lo:
                if pos > key_start and t[pos] <= t[pos - 1]:
                    increasing[0] = False
                pos += hi - lo
    return pos


def decode_blocks(buf not None, const int64_t[::1] offsets not None, const int64_t[::1] sizes not None,
                  const int64_t[::1] mins not None, const int64_t[::1] maxs not None, Py_ssize_t first,
                  Py_ssize_t end, int64_t tmin, int64_t tmax):
    """One key's points in ``[tmin, tmax]`` from a TSM file ``buf``: of its blocks ``first``..``end - 1``
    (index entries ``offsets``, ``sizes`` counting the 4-byte CRC, ``mins``, ``maxs``) those overlapping
    the range, CRC checked, decoded one after the other into one pair of arrays and each cut to the range.

    Returns ``(value type code, times, values, increasing)`` (``increasing``: the times also strictly
    increase from block to block, else the caller deduplicates; code 0 when no block overlaps), an
    ``int`` (the offset of a block whose CRC does not match), or None when the blocks hold strings (one
    Python object per value: ``decode_block`` reads those) or differ in type.

    One call per key and file instead of a Python round per block: a query over many small series reads
    each one's few blocks here."""
    cdef const uint8_t[::1] data = buf
    cdef int btype = -1, status
    cdef bint increasing = True
    cdef Py_ssize_t npicked = 0, total = 0, pos
    cdef int64_t bad = 0
    picked_arr = np.empty(max(end - first, 0), dtype=np.int64)
    cdef int64_t[::1] picked = picked_arr
    view = memoryview(buf)
    try:
        status = _scan_key(data, view, offsets, sizes, mins, maxs, first, end, tmin, tmax, &btype,
                           &picked[0] if end > first else NULL, &npicked, &total, &bad)
    finally:
        view.release()
    if status == 2:
        return int(bad)
    if status == 1:
        return None
    if btype == -1:
        return 0, None, None, True
    times = np.empty(total, dtype=np.int64)
    vals = _value_array(btype, total)
    pos = _decode_picked(data, offsets, sizes, &picked[0], npicked, btype, tmin, tmax,
                         <int64_t*>cnp.PyArray_DATA(times), <uint8_t*>cnp.PyArray_DATA(vals), 0, &increasing)
    if btype == 4:
        vals = vals.view(np.uint64)
    if pos < total:
        times = times[:pos].copy()
        vals = vals[:pos].copy()
    return btype + 1, times, vals, increasing


def decode_keys(buf not None, const int64_t[::1] offsets not None, const int64_t[::1] sizes not None,
                const int64_t[::1] mins not None, const int64_t[::1] maxs not None,
                const int64_t[::1] firsts not None, const int64_t[::1] ends not None,
                const int64_t[::1] tmins not None, const int64_t[::1] tmaxs not None):
    """``decode_blocks`` for many keys at once: key ``i``'s blocks are ``firsts[i]``..``ends[i] - 1`` and its
    range ``[tmins[i], tmaxs[i]]``. Their points go one key after the other into one pair of arrays of the
    first decoded key's type.

    Returns ``(value type code, status, bounds, increasing, times, values, bad)``: per key its ``status``
    (0 decoded: its points are ``bounds[i]:bounds[i + 1]``, none when no block overlaps; 1 strings or
    another type: read it with ``decode_blocks``; 2 a block's CRC does not match, at offset ``bad[i]``) and
    whether its times strictly increase; code 0 when no key has a point.

    A query over many series of a shard reads each file in one call instead of one per series."""
    cdef const uint8_t[::1] data = buf
    cdef Py_ssize_t n = firsts.shape[0], i, blocks = 0, npicked = 0, total = 0, pos = 0, before
    cdef int btype = -1
    cdef bint increasing
    if ends.shape[0] != n or tmins.shape[0] != n or tmaxs.shape[0] != n:
        raise ValueError("decode_keys: firsts, ends, tmins and tmaxs differ in length")
    for i in range(n):
        blocks += max(ends[i] - firsts[i], 0)
    picked_arr = np.empty(blocks, dtype=np.int64)
    starts_arr = np.zeros(n + 1, dtype=np.int64)  # each key's first row in ``picked``
    status_arr = np.zeros(n, dtype=np.int8)
    bad_arr = np.zeros(n, dtype=np.int64)
    cdef int64_t[::1] picked = picked_arr, starts = starts_arr, bad = bad_arr
    cdef int8_t[::1] status = status_arr
    cdef int64_t* picked_at = &picked[0] if blocks else NULL
    view = memoryview(buf)
    try:
        for i in range(n):
            starts[i] = npicked
            status[i] = _scan_key(data, view, offsets, sizes, mins, maxs, firsts[i], ends[i], tmins[i],
                                  tmaxs[i], &btype, picked_at, &npicked, &total, &bad[i])
        starts[n] = npicked
    finally:
        view.release()
    bounds_arr = np.zeros(n + 1, dtype=np.int64)
    increasing_arr = np.ones(n, dtype=np.bool_)
    cdef int64_t[::1] bounds = bounds_arr
    cdef uint8_t[::1] rising = increasing_arr.view(np.uint8)
    times = np.empty(total, dtype=np.int64)
    vals = _value_array(btype if btype >= 0 else 0, total)
    cdef int64_t* t = <int64_t*>cnp.PyArray_DATA(times)
    cdef uint8_t* out = <uint8_t*>cnp.PyArray_DATA(vals)
    for i in range(n):
        bounds[i] = pos
        if status[i] == 0 and starts[i + 1] > starts[i]:
            increasing = True
            before = pos
            pos = _decode_picked(data, offsets, sizes, picked_at + starts[i], starts[i + 1] - starts[i], btype,
                                 tmins[i], tmaxs[i], t, out, pos, &increasing)
            rising[i] = increasing
    bounds[n] = pos
    if btype == 4:
        vals = vals.view(np.uint64)
    return (btype + 1 if btype >= 0 else 0), status_arr, bounds_arr, increasing_arr, times, vals, bad_arr


def count_block_times(buf not None, const int64_t[::1] offsets not None, const int64_t[::1] sizes not None,
                      const int64_t[::1] rows not None, int64_t tmin, int64_t tmax):
    """How many times of each block ``rows[i]`` (index entries ``offsets``, ``sizes`` counting the 4-byte
    CRC) lie in ``[tmin, tmax]``, CRC checked, values left undecoded: what a count needs of the blocks a
    range cuts. Returns the counts, or an ``int``: the offset of a block whose CRC does not match.

    One call for every cut block of a shard's keys instead of a Python round (CRC, decode, two
    searchsorted) per block."""
    cdef const uint8_t[::1] data = buf
    cdef Py_ssize_t n = rows.shape[0], i, b, size, start, tlen, count, nt, lo, hi, cap = 0
    cdef const uint8_t* p
    cdef int64_t* scratch = NULL
    counts_arr = np.zeros(n, dtype=np.int64)
    cdef int64_t[::1] counts = counts_arr
    view = memoryview(buf)
    try:
        for i in range(n):
            b = rows[i]
            size = sizes[b] - 4
            if not _crc_matches(data, view, offsets[b], sizes[b]):
                return int(offsets[b])
            p = &data[offsets[b] + 4]
            _block_parts(p, size, &start, &tlen)
            count = ts_count(p + start, tlen)
            _check(count, "TimeDecoder")
            if count > cap:
                free(scratch)
                cap = count
                scratch = <int64_t*>malloc(8 * cap + 8)
                if scratch == NULL:
                    raise MemoryError()
            with nogil:
                nt = ts_decode(p + start, tlen, scratch, count)
            _check(nt, "TimeDecoder")
            with nogil:  # the block's times ascend
                lo = 0
                while lo < nt and scratch[lo] < tmin:
                    lo += 1
                hi = nt
                while hi > lo and scratch[hi - 1] > tmax:
                    hi -= 1
            counts[i] = hi - lo
    finally:
        free(scratch)
        view.release()
    return counts_arr
