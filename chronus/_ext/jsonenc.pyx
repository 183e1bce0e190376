# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""A series' ``values`` array as Go's encoding/json writes it, straight from typed columns into bytes.

The rows of a query result are held column-wise (an int64 time array and one typed array plus validity
mask per output column). Building a Python list per row only to walk it again in ``gojson`` is what made
JSON the bottleneck of large raw results; here the text is written from the arrays in C.

With the GIL, string columns lend their UTF-8 pointers and float columns are checked for infinities (Go
refuses them); then, without the GIL, the rows are written: times (RFC3339Nano with trailing zeros
trimmed, in a zone's offset for ``tz()``, or integers after ``epoch``), integers, floats in Go's layout
(shortest round-trip digits by Ryu, the algorithm Go's strconv uses), escaped strings, booleans, nulls.
``encode_csv`` writes the same columns as influxd's CSV lines. ``chronus.http.gojson`` (with ``timefmt``)
and the CSV formatter's per-value path are the references this output must equal byte for byte
(tests/unit/test_jsonenc.py).
"""

cimport numpy as cnp
from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.math cimport fabs, floor, isinf, isnan, signbit
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy, memset

import numpy as np

cnp.import_array()


cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object text, Py_ssize_t *size) except NULL
    object PyUnicode_DecodeASCII(const char* data, Py_ssize_t size, const char* errors)


# column kinds, as chronus.query.vector spells them
DEF K_NULL = 0
DEF K_FLOAT = 1
DEF K_INTEGER = 2
DEF K_UNSIGNED = 3
DEF K_STRING = 4
DEF K_BOOLEAN = 5

DEF FLOAT_SLOT = 32  # the longest Go float text is 25 bytes ("-0.0000012345678901234567")
DEF PLAIN_FLOAT_SLOT = 340  # FormatFloat(v, 'f', -1, 64): up to 309 digits before the point
DEF EXACT_INT_LIMIT = 9007199254740992.0  # 2**53

cdef const char* HEX = b"0123456789abcdef"


cdef struct Buf:
    char* data
    Py_ssize_t size
    Py_ssize_t cap
    int failed


cdef inline int reserve(Buf* b, Py_ssize_t extra) noexcept nogil:
    cdef Py_ssize_t cap
    cdef char* grown
    if b.size + extra <= b.cap:
        return 0
    cap = b.cap * 2 if b.cap else 4096
    while cap < b.size + extra:
        cap *= 2
    grown = <char*>realloc(b.data, cap)
    if grown == NULL:
        b.failed = 1
        return -1
    b.data = grown
    b.cap = cap
    return 0


cdef inline void buf_init(Buf* b) noexcept nogil:
    b.data = NULL
    b.size = 0
    b.cap = 0
    b.failed = 0


cdef object buf_bytes(Buf* b):
    """The buffer's text as bytes (MemoryError if a write could not grow it); the caller frees it."""
    if b.failed:
        raise MemoryError()
    return PyBytes_FromStringAndSize(b.data, b.size)


cdef inline void put(Buf* b, const char* text, Py_ssize_t n) noexcept nogil:
    if reserve(b, n) == 0:
        memcpy(b.data + b.size, text, n)
        b.size += n


cdef inline void put_char(Buf* b, char c) noexcept nogil:
    if reserve(b, 1) == 0:
        b.data[b.size] = c
        b.size += 1


cdef inline void put_spaces(Buf* b, Py_ssize_t n) noexcept nogil:
    if reserve(b, n) == 0:
        memset(b.data + b.size, 32, n)
        b.size += n


cdef inline int write_uint(char* out, uint64_t value) noexcept nogil:
    """Decimal digits of ``value`` at ``out``; returns how many."""
    cdef char tmp[24]
    cdef int n = 0, i
    if value == 0:
        out[0] = 48
        return 1
    while value:
        tmp[n] = <char>(48 + value % 10)
        value //= 10
        n += 1
    for i in range(n):
        out[i] = tmp[n - 1 - i]
    return n


cdef inline int write_int(char* out, int64_t value) noexcept nogil:
    if value < 0:
        out[0] = 45
        return 1 + write_uint(out + 1, <uint64_t>0 - <uint64_t>value)
    return write_uint(out, <uint64_t>value)


cdef inline void put_int(Buf* b, int64_t value) noexcept nogil:
    if reserve(b, 24) == 0:
        b.size += write_int(b.data + b.size, value)


cdef inline void put_uint(Buf* b, uint64_t value) noexcept nogil:
    if reserve(b, 24) == 0:
        b.size += write_uint(b.data + b.size, value)


cdef inline void two(char* out, int value) noexcept nogil:
    out[0] = <char>(48 + value // 10)
    out[1] = <char>(48 + value % 10)


cdef inline void put_time(Buf* b, int64_t ns, int32_t offset) noexcept nogil:
    """RFC3339Nano, fraction without trailing zeros, ``Z`` or the zone's ``±hh:mm`` (Go's ``Z07:00``)."""
    cdef int64_t seconds = ns // 1000000000
    cdef int64_t nanos = ns % 1000000000
    cdef int64_t days, secs_of_day, z, era, doe, yoe, year, doy, mp, day, month
    cdef int zone, digits, i
    cdef char* out
    if nanos < 0:
        nanos += 1000000000
        seconds -= 1
    seconds += offset
    days = seconds // 86400
    secs_of_day = seconds % 86400
    if secs_of_day < 0:
        secs_of_day += 86400
        days -= 1
    # civil date from days since 1970-01-01 (proleptic Gregorian)
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    year = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    if month <= 2:
        year += 1
    if reserve(b, 40) != 0:
        return
    out = b.data + b.size
    out[0] = 34
    two(out + 1, <int>(year // 100))
    two(out + 3, <int>(year % 100))
    out[5] = 45
    two(out + 6, <int>month)
    out[8] = 45
    two(out + 9, <int>day)
    out[11] = 84
    two(out + 12, <int>(secs_of_day // 3600))
    out[14] = 58
    two(out + 15, <int>(secs_of_day // 60 % 60))
    out[17] = 58
    two(out + 18, <int>(secs_of_day % 60))
    b.size += 20
    out = b.data + b.size
    if nanos:
        out[0] = 46
        digits = 9
        while nanos % 10 == 0:
            nanos //= 10
            digits -= 1
        for i in range(digits, 0, -1):
            out[i] = <char>(48 + nanos % 10)
            nanos //= 10
        out += digits + 1
        b.size += digits + 1
    if offset == 0:
        out[0] = 90
        out[1] = 34
        b.size += 2
        return
    zone = offset // 60  # truncated toward zero, as Go divides
    if zone < 0:
        out[0] = 45
        zone = -zone
    else:
        out[0] = 43
    two(out + 1, zone // 60)
    out[3] = 58
    two(out + 4, zone % 60)
    out[6] = 34
    b.size += 7


cdef inline void put_string(Buf* b, const unsigned char* s, Py_ssize_t n) noexcept nogil:
    """A quoted JSON string from UTF-8 (surrogates, kept by ``surrogatepass``, become ``\\ufffd``)."""
    cdef Py_ssize_t i = 0, start = 0
    cdef unsigned char c
    put_char(b, 34)
    while i < n:
        c = s[i]
        if c >= 0x20 and c != 34 and c != 92 and c != 60 and c != 62 and c != 38 and c != 0xE2 and c != 0xED:
            i += 1
            continue
        if c == 0xE2:
            if i + 2 < n and s[i + 1] == 0x80 and (s[i + 2] == 0xA8 or s[i + 2] == 0xA9):
                put(b, <const char*>s + start, i - start)
                put(b, b"\\u202", 5)
                put_char(b, 56 if s[i + 2] == 0xA8 else 57)
                i += 3
                start = i
            else:
                i += 1
            continue
        if c == 0xED:
            if i + 1 < n and s[i + 1] >= 0xA0:
                put(b, <const char*>s + start, i - start)
                put(b, b"\\ufffd", 6)
                i += 3
                start = i
            else:
                i += 1
            continue
        put(b, <const char*>s + start, i - start)
        if c == 34:
            put(b, b'\\"', 2)
        elif c == 92:
            put(b, b"\\\\", 2)
        elif c == 10:
            put(b, b"\\n", 2)
        elif c == 13:
            put(b, b"\\r", 2)
        elif c == 9:
            put(b, b"\\t", 2)
        else:
            put(b, b"\\u00", 4)
            put_char(b, HEX[c >> 4])
            put_char(b, HEX[c & 15])
        i += 1
        start = i
    put(b, <const char*>s + start, n - start)
    put_char(b, 34)



# -- shortest round-trip digits (Ryu, Ulf Adams 2018: the algorithm Go's strconv uses for them) -----------

DEF POW5_INV_BITCOUNT = 125
DEF POW5_BITCOUNT = 125
DEF POW5_INV_COUNT = 342
DEF POW5_COUNT = 326

cdef uint64_t POW5_INV_SPLIT[POW5_INV_COUNT][2]
cdef uint64_t POW5_SPLIT[POW5_COUNT][2]


def _fill_tables() -> None:
    """The 125-bit multipliers 5^i and 2^k/5^q (low and high 64 bits), computed once with Python ints."""
    cdef int i
    mask = (1 << 64) - 1
    for i in range(POW5_COUNT):
        power = 5 ** int(i)
        shift = power.bit_length() - POW5_BITCOUNT
        value = power >> shift if shift >= 0 else power << -shift
        POW5_SPLIT[i][0] = value & mask
        POW5_SPLIT[i][1] = value >> 64
    for i in range(POW5_INV_COUNT):
        power = 5 ** int(i)
        value = (1 << (power.bit_length() - 1 + POW5_INV_BITCOUNT)) // power + 1
        POW5_INV_SPLIT[i][0] = value & mask
        POW5_INV_SPLIT[i][1] = value >> 64


_fill_tables()


cdef extern from *:
    """
    typedef unsigned __int128 jsonenc_u128;
    static inline uint64_t jsonenc_mul_shift(uint64_t m, const uint64_t* mul, int32_t j) {
        jsonenc_u128 b0 = (jsonenc_u128)m * mul[0];
        jsonenc_u128 b2 = (jsonenc_u128)m * mul[1];
        return (uint64_t)(((b0 >> 64) + b2) >> (j - 64));
    }
    """
    uint64_t mul_shift "jsonenc_mul_shift"(uint64_t m, const uint64_t* mul, int32_t j) noexcept nogil


cdef inline int32_t pow5bits(int32_t e) noexcept nogil:
    return <int32_t>(((<uint32_t>e * 1217359) >> 19) + 1)


cdef inline int32_t log10_pow2(int32_t e) noexcept nogil:
    return <int32_t>((<uint32_t>e * 78913) >> 18)


cdef inline int32_t log10_pow5(int32_t e) noexcept nogil:
    return <int32_t>((<uint32_t>e * 732923) >> 20)


cdef inline int multiple_of_pow5(uint64_t value, int32_t p) noexcept nogil:
    cdef int32_t count = 0
    while value % 5 == 0:
        value //= 5
        count += 1
    return count >= p


cdef inline int multiple_of_pow2(uint64_t value, int32_t p) noexcept nogil:
    return (value & ((<uint64_t>1 << p) - 1)) == 0


cdef inline uint64_t shortest(uint64_t ieee_mantissa, uint32_t ieee_exponent,
                              int32_t* exponent) noexcept nogil:
    """The shortest decimal ``output`` (x 10^``exponent``) that reads back as the double."""
    cdef int32_t e2, q, k, i, j, e10, removed = 0
    cdef uint64_t m2, mv, vr, vp, vm, vp_div10, vm_div10, vr_div10, vm_mod10, vr_mod10, output
    cdef uint32_t mm_shift
    cdef int accept_bounds, vm_trailing = 0, vr_trailing = 0, round_up = 0
    cdef uint8_t last_removed = 0
    if ieee_exponent == 0:
        e2 = 1 - 1023 - 52 - 2
        m2 = ieee_mantissa
    else:
        e2 = <int32_t>ieee_exponent - 1023 - 52 - 2
        m2 = (<uint64_t>1 << 52) | ieee_mantissa
    accept_bounds = (m2 & 1) == 0
    mv = 4 * m2
    mm_shift = 1 if (ieee_mantissa != 0 or ieee_exponent <= 1) else 0
    if e2 >= 0:
        q = log10_pow2(e2) - (1 if e2 > 3 else 0)
        e10 = q
        k = POW5_INV_BITCOUNT + pow5bits(q) - 1
        i = -e2 + q + k
        vr = mul_shift(4 * m2, POW5_INV_SPLIT[q], i)
        vp = mul_shift(4 * m2 + 2, POW5_INV_SPLIT[q], i)
        vm = mul_shift(4 * m2 - 1 - mm_shift, POW5_INV_SPLIT[q], i)
        if q <= 21:
            if mv % 5 == 0:
                vr_trailing = multiple_of_pow5(mv, q)
            elif accept_bounds:
                vm_trailing = multiple_of_pow5(mv - 1 - mm_shift, q)
            else:
                vp -= multiple_of_pow5(mv + 2, q)
    else:
        q = log10_pow5(-e2) - (1 if -e2 > 1 else 0)
        e10 = q + e2
        i = -e2 - q
        k = pow5bits(i) - POW5_BITCOUNT
        j = q - k
        vr = mul_shift(4 * m2, POW5_SPLIT[i], j)
        vp = mul_shift(4 * m2 + 2, POW5_SPLIT[i], j)
        vm = mul_shift(4 * m2 - 1 - mm_shift, POW5_SPLIT[i], j)
        if q <= 1:
            vr_trailing = 1
            if accept_bounds:
                vm_trailing = 1 if mm_shift == 1 else 0
            else:
                vp -= 1
        elif q < 63:
            vr_trailing = multiple_of_pow2(mv, q)
    if vm_trailing or vr_trailing:
        while True:
            vp_div10 = vp // 10
            vm_div10 = vm // 10
            if vp_div10 <= vm_div10:
                break
            vm_mod10 = vm % 10
            vr_div10 = vr // 10
            vr_mod10 = vr % 10
            vm_trailing = vm_trailing and vm_mod10 == 0
            vr_trailing = vr_trailing and last_removed == 0
            last_removed = <uint8_t>vr_mod10
            vr = vr_div10
            vp = vp_div10
            vm = vm_div10
            removed += 1
        if vm_trailing:
            while vm % 10 == 0:
                vr_mod10 = vr % 10
                vr_trailing = vr_trailing and last_removed == 0
                last_removed = <uint8_t>vr_mod10
                vr //= 10
                vp //= 10
                vm //= 10
                removed += 1
        if vr_trailing and last_removed == 5 and vr % 2 == 0:
            last_removed = 4  # exactly ...50..0: round half to even
        round_up = (vr == vm and (not accept_bounds or not vm_trailing)) or last_removed >= 5
        output = vr + (1 if round_up else 0)
    else:
        if vp // 100 > vm // 100:
            round_up = vr % 100 >= 50
            vr //= 100
            vp //= 100
            vm //= 100
            removed += 2
        while vp // 10 > vm // 10:
            round_up = vr % 10 >= 5
            vr //= 10
            vp //= 10
            vm //= 10
            removed += 1
        output = vr + (1 if (vr == vm or round_up) else 0)
    exponent[0] = e10 + removed
    return output


cdef extern from *:
    """
    static inline uint64_t jsonenc_bits(double v) { uint64_t b; memcpy(&b, &v, 8); return b; }
    """
    uint64_t double_bits "jsonenc_bits"(double v) noexcept nogil

cdef int format_float(double value, char* out, bint json=True) noexcept nogil:
    """Go's text of a finite float at ``out``; returns its length.

    ``json``: encoding/json's (exponent form below 1e-6 and from 1e21); else ``FormatFloat(v, 'f', -1,
    64)``, always positional (CSV), up to 330 bytes.
    """
    cdef double magnitude = fabs(value)
    cdef uint64_t bits, output
    cdef char digits[24]
    cdef int ndigits, exponent, n = 0, i, exp
    cdef int32_t e10 = 0
    if value == 0:
        if signbit(value):
            memcpy(out, b"-0", 2)
            return 2
        out[0] = 48
        return 1
    if magnitude < EXACT_INT_LIMIT and floor(magnitude) == magnitude:
        return write_int(out, <int64_t>value)
    bits = double_bits(magnitude)
    output = shortest(bits & ((<uint64_t>1 << 52) - 1), <uint32_t>(bits >> 52) & 0x7FF, &e10)
    ndigits = write_uint(digits, output)
    while ndigits > 1 and digits[ndigits - 1] == 48:
        ndigits -= 1
        e10 += 1
    exponent = ndigits + e10  # value = 0.DIGITS x 10^exponent
    if value < 0:
        out[n] = 45
        n += 1
    if json and (magnitude < 1e-6 or magnitude >= 1e21):
        out[n] = digits[0]
        n += 1
        if ndigits > 1:
            out[n] = 46
            n += 1
            memcpy(out + n, digits + 1, ndigits - 1)
            n += ndigits - 1
        exp = exponent - 1
        out[n] = 101
        n += 1
        if exp < 0:
            out[n] = 45
            n += 1
            n += write_uint(out + n, <uint64_t>(-exp))
        else:
            out[n] = 43
            n += 1
            if exp < 10:
                out[n] = 48
                n += 1
            n += write_uint(out + n, <uint64_t>exp)
        return n
    if exponent <= 0:
        memcpy(out + n, b"0.", 2)
        n += 2
        for i in range(-exponent):
            out[n] = 48
            n += 1
        memcpy(out + n, digits, ndigits)
        return n + ndigits
    if exponent >= ndigits:
        memcpy(out + n, digits, ndigits)
        n += ndigits
        for i in range(exponent - ndigits):
            out[n] = 48
            n += 1
        return n
    memcpy(out + n, digits, exponent)
    n += exponent
    out[n] = 46
    n += 1
    memcpy(out + n, digits + exponent, ndigits - exponent)
    return n + ndigits - exponent


def format_go_float(double value) -> bytes:
    """One float as Go's encoding/json prints it (the kernel of the float columns, exposed for tests)."""
    cdef char out[FLOAT_SLOT]
    if isnan(value) or isinf(value):
        name = "NaN" if isnan(value) else ("+Inf" if value > 0 else "-Inf")
        raise ValueError("json: unsupported value: " + name)
    return PyBytes_FromStringAndSize(out, format_float(value, out))


cdef struct Col:
    int kind
    const uint8_t* valid
    const double* floats
    const int64_t* ints
    const uint64_t* uints
    const uint8_t* bools
    const char** str_ptr
    Py_ssize_t* str_len
    uint8_t* str_raw  # a string column's cells that hold a number or boolean, already written (or NULL)


_KINDS = {None: K_NULL, "f": K_FLOAT, "i": K_INTEGER, "u": K_UNSIGNED, "s": K_STRING, "b": K_BOOLEAN}
_DTYPES = {K_FLOAT: np.float64, K_INTEGER: np.int64, K_UNSIGNED: np.uint64, K_BOOLEAN: np.bool_}


def encode_values(times, offsets, bint rfc3339, list columns, Py_ssize_t indent=-1) -> bytes:
    """The JSON array of rows ``[[time, v1, ...], ...]`` for one series.

    ``times``: int64 (nanoseconds when ``rfc3339``, else integers printed as they are, e.g. after
    ``epoch``); ``offsets``: int32 seconds east of UTC per row for ``tz()``, or None for UTC;
    ``columns``: ``(kind, values, valid)`` per output column, kind one of ``f i u s b`` or None (all null).
    ``indent`` < 0 writes compactly; otherwise the array is laid out as ``json.MarshalIndent(v, "", "    ")``
    lays it out at an indent of ``indent`` spaces. A string column holding something else than ``str``
    raises TypeError; an infinite float raises ValueError with Go's message.
    """
    cdef const int64_t[::1] t = np.ascontiguousarray(times, dtype=np.int64)
    cdef const int32_t[::1] offs
    cdef Py_ssize_t n = t.shape[0], ncols = len(columns), i, j, k
    cdef int has_offsets = offsets is not None
    cdef Col* cols = <Col*>malloc(sizeof(Col) * (ncols if ncols else 1))
    cdef Col* c
    cdef Buf buf
    cdef int32_t off = 0
    cdef Py_ssize_t inf_row = -1
    cdef double inf_value = 0
    if cols == NULL:
        raise MemoryError()
    memset(cols, 0, sizeof(Col) * (ncols if ncols else 1))
    buf_init(&buf)
    keep = []  # arrays (and bytes of strings with surrogates) whose memory the C pointers borrow
    try:
        if has_offsets:
            offs = np.ascontiguousarray(offsets, dtype=np.int32)
            if offs.shape[0] != n:
                raise ValueError("offsets and times differ in length")
        _columns(cols, columns, n, keep, "surrogatepass", True)
        with nogil:
            put_char(&buf, 91)
            for i in range(n):
                if i:
                    put_char(&buf, 44)
                if indent >= 0:
                    put_char(&buf, 10)
                    put_spaces(&buf, indent + 4)
                put_char(&buf, 91)
                for j in range(ncols + 1):
                    if j:
                        put_char(&buf, 44)
                    if indent >= 0:
                        put_char(&buf, 10)
                        put_spaces(&buf, indent + 8)
                    if j == 0:
                        if rfc3339:
                            if has_offsets:
                                off = offs[i]
                            put_time(&buf, t[i], off)
                        else:
                            put_int(&buf, t[i])
                        continue
                    c = &cols[j - 1]
                    if c.kind == K_NULL or not c.valid[i]:
                        put(&buf, b"null", 4)
                    elif c.kind == K_FLOAT:
                        if isnan(c.floats[i]):
                            put(&buf, b"null", 4)  # influxd serialises a NaN as null
                        elif isinf(c.floats[i]):  # the first one in row order, as Go's encoder meets it
                            inf_row = i
                            inf_value = c.floats[i]
                            break
                        elif reserve(&buf, FLOAT_SLOT) == 0:
                            buf.size += format_float(c.floats[i], buf.data + buf.size)
                    elif c.kind == K_INTEGER:
                        put_int(&buf, c.ints[i])
                    elif c.kind == K_UNSIGNED:
                        put_uint(&buf, c.uints[i])
                    elif c.kind == K_BOOLEAN:
                        if c.bools[i]:
                            put(&buf, b"true", 4)
                        else:
                            put(&buf, b"false", 5)
                    elif c.str_raw != NULL and c.str_raw[i]:
                        put(&buf, c.str_ptr[i], c.str_len[i])
                    else:
                        put_string(&buf, <const unsigned char*>c.str_ptr[i], c.str_len[i])
                if inf_row >= 0:
                    break
                if indent >= 0:
                    put_char(&buf, 10)
                    put_spaces(&buf, indent + 4)
                put_char(&buf, 93)
            if indent >= 0 and n:
                put_char(&buf, 10)
                put_spaces(&buf, indent)
            put_char(&buf, 93)
        if inf_row >= 0:
            raise ValueError("json: unsupported value: " + ("+Inf" if inf_value > 0 else "-Inf"))
        return buf_bytes(&buf)
    finally:
        for j in range(ncols):
            free(cols[j].str_ptr)
            free(cols[j].str_len)
            free(cols[j].str_raw)
        free(cols)
        free(buf.data)


cdef int _columns(Col* cols, list columns, Py_ssize_t n, list keep, str errors, bint json) except -1:
    """Point ``cols`` at the arrays of ``columns`` (kept alive in ``keep``); strings that are not valid
    UTF-8 are encoded with ``errors``; numbers in a string column are written for JSON or for CSV."""
    cdef Py_ssize_t j
    cdef Col* c
    for j in range(len(columns)):
        kind_name, values, valid = columns[j]
        c = &cols[j]
        c.kind = _KINDS[kind_name]
        if c.kind == K_NULL:
            continue
        valid_arr = np.ascontiguousarray(valid, dtype=np.bool_)
        if len(values) != n or len(valid_arr) != n:
            raise ValueError("columns and times differ in length")
        keep.append(valid_arr)
        c.valid = <const uint8_t*>cnp_data(valid_arr)
        if c.kind == K_STRING:
            _strings(c, values, valid_arr, n, keep, errors, json)
            continue
        arr = np.ascontiguousarray(values, dtype=_DTYPES[c.kind])
        keep.append(arr)
        if c.kind == K_FLOAT:
            c.floats = <const double*>cnp_data(arr)
        elif c.kind == K_INTEGER:
            c.ints = <const int64_t*>cnp_data(arr)
        elif c.kind == K_UNSIGNED:
            c.uints = <const uint64_t*>cnp_data(arr)
        else:
            c.bools = <const uint8_t*>cnp_data(arr)
    return 0


cdef char EMPTY[1]


cdef const void* cnp_data(arr) except NULL:
    """The first byte of a contiguous array (a static byte for an empty one); ``keep`` holds the array."""
    cdef cnp.ndarray a = arr
    if not cnp.PyArray_IS_C_CONTIGUOUS(a):
        raise ValueError("a contiguous array is needed")
    if cnp.PyArray_SIZE(a) == 0:
        return <const void*>EMPTY
    return <const void*>cnp.PyArray_DATA(a)


cdef bytes _scalar_text(object value, bint json):
    """A number or boolean as influxd writes it among a string column's values: Go's JSON (or, for CSV,
    ``FormatFloat(v, 'f', -1, 64)``) float text, integers in decimal, ``true``/``false``."""
    cdef char text[PLAIN_FLOAT_SLOT]
    cdef Py_ssize_t size
    if isinstance(value, (bool, np.bool_)):
        return b"true" if value else b"false"
    if isinstance(value, (int, np.integer)):
        return str(int(value)).encode()
    if isinstance(value, (float, np.floating)):
        if isnan(<double>value) or isinf(<double>value):
            raise ValueError("json: unsupported value: " + str(value))
        size = format_float(<double>value, text, json)
        return text[:size]
    raise TypeError(f"string column holds {type(value).__name__}")


cdef int _strings(Col* c, values, valid_arr, Py_ssize_t n, list keep, str errors, bint json) except -1:
    """UTF-8 pointers of every valid string (borrowed from the str objects, which ``values`` keeps alive).
    A cell holding a number or a boolean (influxd's fill(<number>) in a string field) is written as one,
    its text made here and marked in ``str_raw``."""
    cdef Py_ssize_t i, size
    cdef object text
    c.str_ptr = <const char**>malloc(sizeof(char*) * (n + 1))
    c.str_len = <Py_ssize_t*>malloc(sizeof(Py_ssize_t) * (n + 1))
    if c.str_ptr == NULL or c.str_len == NULL:
        raise MemoryError()
    objects = np.asarray(values, dtype=object)
    keep.append(objects)
    for i in range(n):
        c.str_ptr[i] = NULL
        c.str_len[i] = 0
        if not c.valid[i]:
            continue
        text = objects[i]
        if not isinstance(text, str):
            raw = _scalar_text(text, json)
            keep.append(raw)
            if c.str_raw == NULL:
                c.str_raw = <uint8_t*>calloc(n + 1, 1)
                if c.str_raw == NULL:
                    raise MemoryError()
            c.str_raw[i] = 1
            c.str_ptr[i] = <const char*>raw
            c.str_len[i] = len(raw)
            continue
        try:
            c.str_ptr[i] = PyUnicode_AsUTF8AndSize(text, &size)
        except UnicodeEncodeError:
            raw = (<str>text).encode("utf-8", errors)
            keep.append(raw)
            c.str_ptr[i] = <const char*>raw
            size = len(raw)
        c.str_len[i] = size
    return 0



cdef inline int go_space_start(const unsigned char* s, Py_ssize_t n) noexcept nogil:
    """Whether the first rune is a space by Go's ``unicode.IsSpace``."""
    cdef unsigned char c = s[0]
    if c == 32 or 9 <= c <= 13:
        return 1
    if n >= 2 and c == 0xC2 and (s[1] == 0x85 or s[1] == 0xA0):
        return 1
    if n >= 3:
        if c == 0xE1 and s[1] == 0x9A and s[2] == 0x80:
            return 1
        if c == 0xE2 and s[1] == 0x80 and (s[2] <= 0x8A or s[2] == 0xA8 or s[2] == 0xA9 or s[2] == 0xAF):
            return 1
        if c == 0xE2 and s[1] == 0x81 and s[2] == 0x9F:
            return 1
        if c == 0xE3 and s[1] == 0x80 and s[2] == 0x80:
            return 1
    return 0


cdef inline void put_csv_field(Buf* b, const unsigned char* s, Py_ssize_t n) noexcept nogil:
    """A field as Go's encoding/csv writes it: quoted (``"`` doubled) when it needs to be."""
    cdef Py_ssize_t i, start = 0
    cdef int quote = 0
    if n == 0:
        return
    if n == 2 and s[0] == 92 and s[1] == 46:
        quote = 1
    else:
        for i in range(n):
            if s[i] == 44 or s[i] == 34 or s[i] == 13 or s[i] == 10:
                quote = 1
                break
        if not quote:
            quote = go_space_start(s, n)
    if not quote:
        put(b, <const char*>s, n)
        return
    put_char(b, 34)
    for i in range(n):
        if s[i] == 34:
            put(b, <const char*>s + start, i + 1 - start)
            put_char(b, 34)
            start = i + 1
    put(b, <const char*>s + start, n - start)
    put_char(b, 34)


def encode_csv(bytes prefix, times, list columns) -> bytes:
    """CSV lines ``prefix`` + ``time,v1,...`` of one series, as influxd's CSV writer writes them.

    ``prefix`` is the already quoted ``name,tags,``; times are printed as the integers they are; floats
    positionally (``FormatFloat(v, 'f', -1, 64)``, infinities as ``+Inf``/``-Inf``), nulls and NaN as empty
    fields, strings quoted like Go's encoding/csv (strings that are not valid UTF-8 keep their bytes).
    """
    cdef const int64_t[::1] t = np.ascontiguousarray(times, dtype=np.int64)
    cdef Py_ssize_t n = t.shape[0], ncols = len(columns), i, j
    cdef Col* cols = <Col*>malloc(sizeof(Col) * (ncols if ncols else 1))
    cdef Col* c
    cdef Buf buf
    cdef const char* head = prefix
    cdef Py_ssize_t head_len = len(prefix)
    cdef double v
    if cols == NULL:
        raise MemoryError()
    memset(cols, 0, sizeof(Col) * (ncols if ncols else 1))
    buf_init(&buf)
    keep = []
    try:
        _columns(cols, columns, n, keep, "surrogateescape", False)
        with nogil:
            for i in range(n):
                put(&buf, head, head_len)
                put_int(&buf, t[i])
                for j in range(ncols):
                    put_char(&buf, 44)
                    c = &cols[j]
                    if c.kind == K_NULL or not c.valid[i]:
                        continue
                    if c.kind == K_FLOAT:
                        v = c.floats[i]
                        if isnan(v):
                            continue
                        if isinf(v):
                            put(&buf, b"+Inf" if v > 0 else b"-Inf", 4)
                        elif reserve(&buf, PLAIN_FLOAT_SLOT) == 0:
                            buf.size += format_float(v, buf.data + buf.size, False)
                    elif c.kind == K_INTEGER:
                        put_int(&buf, c.ints[i])
                    elif c.kind == K_UNSIGNED:
                        put_uint(&buf, c.uints[i])
                    elif c.kind == K_BOOLEAN:
                        if c.bools[i]:
                            put(&buf, b"true", 4)
                        else:
                            put(&buf, b"false", 5)
                    elif c.str_raw != NULL and c.str_raw[i]:
                        put(&buf, c.str_ptr[i], c.str_len[i])
                    else:
                        put_csv_field(&buf, <const unsigned char*>c.str_ptr[i], c.str_len[i])
                put_char(&buf, 10)
        return buf_bytes(&buf)
    finally:
        for j in range(ncols):
            free(cols[j].str_ptr)
            free(cols[j].str_len)
            free(cols[j].str_raw)
        free(cols)
        free(buf.data)


cdef inline void open_item(Buf* b, Py_ssize_t index, Py_ssize_t indent) noexcept nogil:
    if index:
        put_char(b, 44)
    if indent >= 0:
        put_char(b, 10)
        put_spaces(b, indent)


cdef int _put_text(Buf* b, str value) except -1:
    """``value`` as a JSON string (a lone surrogate, kept by ``surrogatepass``, becomes ``\\ufffd``)."""
    cdef Py_ssize_t size
    cdef const char* text
    try:
        text = PyUnicode_AsUTF8AndSize(value, &size)
        put_string(b, <const unsigned char*>text, size)
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogatepass")
        put_string(b, <const unsigned char*><const char*>raw, len(raw))
    return 0


def encode_rows(list rows, Py_ssize_t indent=-1):
    """A list of rows (lists) of Python scalars as ``gojson`` writes it, or None for any other value.

    What SHOW statements and other list-held results carry: ``str``, ``int`` (64-bit), ``float``,
    ``bool`` and None. Anything else (a numpy scalar, a nested container, a huge int) answers None and the
    caller encodes the rows in Python. ``indent`` as for ``encode_values``; NaN and infinities raise
    ValueError with Go's message.
    """
    cdef Buf buf
    cdef Py_ssize_t i, j, nrow, size
    cdef list row
    cdef object value
    cdef const char* text
    cdef char number[FLOAT_SLOT]
    cdef double v
    buf_init(&buf)
    try:
        put_char(&buf, 91)
        for i in range(len(rows)):
            if type(rows[i]) is not list:
                return None
            row = <list>rows[i]
            open_item(&buf, i, indent + 4 if indent >= 0 else -1)
            nrow = len(row)
            if nrow == 0:
                put(&buf, b"[]", 2)
                continue
            put_char(&buf, 91)
            for j in range(nrow):
                value = row[j]
                open_item(&buf, j, indent + 8 if indent >= 0 else -1)
                if value is None:
                    put(&buf, b"null", 4)
                elif value is True:
                    put(&buf, b"true", 4)
                elif value is False:
                    put(&buf, b"false", 5)
                elif type(value) is str:
                    _put_text(&buf, <str>value)
                elif type(value) is float:
                    v = value
                    if isnan(v) or isinf(v):
                        name = "NaN" if isnan(v) else ("+Inf" if v > 0 else "-Inf")
                        raise ValueError("json: unsupported value: " + name)
                    put(&buf, number, format_float(v, number))
                elif type(value) is int:
                    if -9223372036854775808 <= value <= 9223372036854775807:
                        put_int(&buf, <int64_t>value)
                    elif 0 <= value <= 18446744073709551615:
                        put_uint(&buf, <uint64_t>value)
                    else:
                        return None
                else:
                    return None
            if indent >= 0:
                put_char(&buf, 10)
                put_spaces(&buf, indent + 4)
            put_char(&buf, 93)
        if indent >= 0 and len(rows):
            put_char(&buf, 10)
            put_spaces(&buf, indent)
        put_char(&buf, 93)
        return buf_bytes(&buf)
    finally:
        free(buf.data)


def encode_row_head(str name, dict tags, list columns) -> bytes:
    """The opening of a row object as Go writes ``models.Row``: ``{`` then ``"name"``, ``"tags"`` (keys
    sorted) and ``"columns"``, each left out when empty (``omitempty``); the caller adds ``"values"``,
    ``"partial"`` and the closing brace. One call per series instead of a dict walked in Python."""
    cdef Buf buf
    cdef bint more = False
    cdef Py_ssize_t i
    buf_init(&buf)
    try:
        put_char(&buf, 123)
        if name:
            put(&buf, b'"name":', 7)
            _put_text(&buf, name)
            more = True
        if tags:
            if more:
                put_char(&buf, 44)
            put(&buf, b'"tags":{', 8)
            for i, key in enumerate(sorted(tags)):
                if i:
                    put_char(&buf, 44)
                _put_text(&buf, key)
                put_char(&buf, 58)
                _put_text(&buf, tags[key])
            put_char(&buf, 125)
            more = True
        if columns:
            if more:
                put_char(&buf, 44)
            put(&buf, b'"columns":[', 11)
            for i in range(len(columns)):
                if i:
                    put_char(&buf, 44)
                _put_text(&buf, columns[i])
            put_char(&buf, 93)
        return buf_bytes(&buf)
    finally:
        free(buf.data)


def rfc3339_texts(times, offsets=None) -> list:
    """RFC3339Nano texts of nanosecond times (``timefmt.format_times``' answer, written in C).

    ``offsets``: int32 seconds east of UTC per time (``tz()``), or None for UTC.
    """
    cdef const int64_t[::1] t = np.ascontiguousarray(times, dtype=np.int64)
    cdef const int32_t[::1] offs
    cdef Py_ssize_t n = t.shape[0], i
    cdef Buf buf
    cdef list out = [None] * n
    cdef int32_t off = 0
    cdef int has_offsets = offsets is not None
    if has_offsets:
        offs = np.ascontiguousarray(offsets, dtype=np.int32)
        if offs.shape[0] != n:
            raise ValueError("offsets and times differ in length")
    buf_init(&buf)
    try:
        for i in range(n):
            buf.size = 0
            if has_offsets:
                off = offs[i]
            put_time(&buf, t[i], off)
            if buf.failed:
                raise MemoryError()
            out[i] = PyUnicode_DecodeASCII(buf.data + 1, buf.size - 2, NULL)  # without the quotes
        return out
    finally:
        free(buf.data)
