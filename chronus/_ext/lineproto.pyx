# cython: language_level=3
# distutils: language = c++
"""Line protocol parser: a whole ``/write`` body in, columnar arrays out, as influxd 1.6.7 parses it.

influxd checks a line in several passes (split lines, scan the key, check the fields, walk them, scan the
time) and later reads the fields again with a slightly different splitter; where those passes disagree the
server's answer depends on both, so this parser keeps the same passes, each a tight C loop over the body
with the GIL released. Nothing per point becomes a Python object: points, field values, series keys and
field names land in C++ vectors that become numpy arrays / bytes once per body. Series keys, field names
and (series, field) pairs are interned on the way, so the write path can group values per
``<series key>#!~#<field>`` without hashing anything in Python.

``tests/unit/lineproto_reference.py`` states the same rules in plain Python; tests hold the two equal.
"""

import numpy as np

cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memchr, memcmp, memcpy
from libcpp.vector cimport vector
from cpython.unicode cimport PyUnicode_DecodeUTF8

cnp.import_array()


cdef extern from "<locale.h>" nogil:
    ctypedef struct __locale_struct:
        pass
    ctypedef __locale_struct* locale_t
    int LC_ALL_MASK
    locale_t newlocale(int category_mask, const char* locale, locale_t base)

cdef extern from "<stdlib.h>" nogil:
    double strtod_l(const char* nptr, char** endptr, locale_t loc)

cdef extern from "<math.h>" nogil:
    bint isinf(double x)

cdef extern from *:
    """
    static inline int chronus_mul_overflow(long long a, long long b, long long *out) {
        return __builtin_mul_overflow(a, b, out);
    }
    """
    bint chronus_mul_overflow(long long a, long long b, long long* out) nogil

# The "C" locale, so that strtod reads '.' as the decimal point whatever the process locale is.
cdef locale_t C_LOCALE = newlocale(LC_ALL_MASK, "C", <locale_t>NULL)

# Value types, numbered as InfluxDB's WAL numbers them; EMPTY is a field with no value (models.Empty).
EMPTY = 0
FLOAT = 1
INTEGER = 2
BOOLEAN = 3
STRING = 4
UNSIGNED = 5

cdef enum:
    T_EMPTY = 0
    T_FLOAT = 1
    T_INTEGER = 2
    T_BOOLEAN = 3
    T_STRING = 4
    T_UNSIGNED = 5
    MAX_KEY_LENGTH = 65535

cdef int64_t MIN_NANO_TIME = -9223372036854775806
cdef int64_t MAX_NANO_TIME = 9223372036854775806

# Error codes of a rejected line; chronus.models.points words them.
cdef enum:
    E_MISSING_MEASUREMENT = 1
    E_MISSING_FIELDS = 2
    E_MISSING_TAG_KEY = 3
    E_MISSING_TAG_VALUE = 4
    E_INVALID_TAG_FORMAT = 5
    E_DUPLICATE_TAGS = 6
    E_MAX_KEY_LENGTH = 7
    E_MISSING_FIELD_KEY = 8
    E_MISSING_FIELD_VALUE = 9
    E_INVALID_NUMBER = 10
    E_INVALID_FLOAT = 11
    E_INTEGER_RANGE = 12
    E_INVALID_BOOLEAN = 13
    E_UNBALANCED_QUOTES = 14
    E_INVALID_FIELD_FORMAT = 15
    E_INVALID_VALUE = 16
    E_BAD_TIMESTAMP = 17
    E_TIMESTAMP_SYNTAX = 18
    E_TIMESTAMP_RANGE = 19
    E_TIME_RANGE = 20
    E_INVALID_POINT = 21

# The fixed reasons (influxd's words); the others quote part of the line and are worded by chronus.models.points.
ERROR_REASONS = {
    E_MISSING_MEASUREMENT: "missing measurement",
    E_MISSING_FIELDS: "missing fields",
    E_MISSING_TAG_KEY: "missing tag key",
    E_MISSING_TAG_VALUE: "missing tag value",
    E_INVALID_TAG_FORMAT: "invalid tag format",
    E_DUPLICATE_TAGS: "duplicate tags",
    E_MISSING_FIELD_KEY: "missing field key",
    E_MISSING_FIELD_VALUE: "missing field value",
    E_INVALID_NUMBER: "invalid number",
    E_INVALID_FLOAT: "invalid float",
    E_INVALID_BOOLEAN: "invalid boolean",
    E_UNBALANCED_QUOTES: "unbalanced quotes",
    E_INVALID_FIELD_FORMAT: "invalid field format",
    E_BAD_TIMESTAMP: "bad timestamp",
    E_TIME_RANGE: "time outside range -9223372036854775806 - 9223372036854775806",
    E_INVALID_POINT: "point is invalid",
}
ERROR_MAX_KEY_LENGTH = E_MAX_KEY_LENGTH
ERROR_INTEGER_RANGE = E_INTEGER_RANGE
ERROR_INVALID_VALUE = E_INVALID_VALUE
ERROR_TIMESTAMP_SYNTAX = E_TIMESTAMP_SYNTAX
ERROR_TIMESTAMP_RANGE = E_TIMESTAMP_RANGE

# Flags of a value the storage engine could not read (only reachable where influxd's passes disagree).
cdef enum:
    V_BAD_SYNTAX = 1
    V_OUT_OF_RANGE = 2
    V_LONE_QUOTE = 3

VALUE_BAD_SYNTAX = V_BAD_SYNTAX
VALUE_OUT_OF_RANGE = V_OUT_OF_RANGE
VALUE_LONE_QUOTE = V_LONE_QUOTE

cdef double POW10[23]
POW10[:] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
            1e18, 1e19, 1e20, 1e21, 1e22]


cdef struct TagSpan:
    Py_ssize_t start      # first byte of the tag key
    Py_ssize_t key_end    # the '=' after the key
    Py_ssize_t end        # the ',' or ' ' after the value


cdef struct FieldSpan:
    Py_ssize_t key_start
    Py_ssize_t key_end
    Py_ssize_t value_end  # the value starts at key_end + 1


cdef struct LineError:
    Py_ssize_t line_start
    Py_ssize_t line_end
    int code
    Py_ssize_t aux_start  # a span of the body quoted in the message (key, number)
    Py_ssize_t aux_end
    int64_t aux_number


cdef struct ValueError_:
    int64_t row
    int kind
    Py_ssize_t start      # the raw value in the body
    Py_ssize_t end


cdef inline uint64_t _hash_bytes(const uint8_t* p, Py_ssize_t n) noexcept nogil:
    """A fast multiplicative hash, 8 bytes a step; only the in-batch hash tables use it."""
    cdef uint64_t h = 0x9E3779B97F4A7C15ULL ^ <uint64_t>n
    cdef uint64_t w
    while n >= 8:
        memcpy(&w, p, 8)
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL
        h ^= h >> 29
        p += 8
        n -= 8
    w = 0
    if n > 0:
        memcpy(&w, p, n)
        h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL
    h ^= h >> 32
    return h


cdef inline uint64_t _hash_u64(uint64_t x) noexcept nogil:
    x = (x ^ (x >> 33)) * 0xFF51AFD7ED558CCDULL
    x = (x ^ (x >> 33)) * 0xC4CEB9FE1A85EC53ULL
    return x ^ (x >> 33)


cdef class _ByteInterner:
    """Distinct byte strings laid end to end, each with a dense id (first seen, first numbered)."""

    cdef vector[uint8_t] data
    cdef vector[int64_t] offsets
    cdef vector[uint64_t] hashes
    cdef vector[int32_t] slots
    cdef uint64_t mask

    def __cinit__(self):
        self.offsets.push_back(0)
        self.slots.assign(256, -1)
        self.mask = 255

    cdef void reserve(self, size_t count, size_t size) noexcept nogil:
        """Make room for ``count`` strings of ``size`` bytes in all without growing on the way."""
        cdef uint64_t slots = 256
        while slots < 2 * count + 2:
            slots *= 2
        self.slots.assign(slots, -1)
        self.mask = slots - 1
        self.data.reserve(size)
        self.offsets.reserve(count + 1)
        self.hashes.reserve(count)

    cdef void _grow(self) noexcept nogil:
        cdef uint64_t size = (self.mask + 1) * 2
        cdef int32_t ident
        cdef uint64_t slot
        self.slots.assign(size, -1)
        self.mask = size - 1
        for ident in range(<int32_t>self.hashes.size()):
            slot = self.hashes[ident] & self.mask
            while self.slots[slot] >= 0:
                slot = (slot + 1) & self.mask
            self.slots[slot] = ident

    cdef int32_t intern(self, const uint8_t* p, Py_ssize_t n) noexcept nogil:
        cdef uint64_t h = _hash_bytes(p, n)
        cdef uint64_t slot = h & self.mask
        cdef int32_t ident
        cdef int64_t start
        while True:
            ident = self.slots[slot]
            if ident < 0:
                break
            if self.hashes[ident] == h:
                start = self.offsets[ident]
                if self.offsets[ident + 1] - start == n and (
                        n == 0 or memcmp(&self.data[start], p, n) == 0):
                    return ident
            slot = (slot + 1) & self.mask
        ident = <int32_t>self.hashes.size()
        self.slots[slot] = ident
        self.hashes.push_back(h)
        if n:
            self.data.insert(self.data.end(), p, p + n)
        self.offsets.push_back(<int64_t>self.data.size())
        if <uint64_t>self.hashes.size() * 2 > self.mask:
            self._grow()
        return ident

    cdef object to_bytes(self):
        if self.data.size() == 0:
            return b""
        return (<char*>&self.data[0])[:self.data.size()]

    cdef object offsets_array(self):
        out = np.empty(self.offsets.size(), dtype=np.int64)
        cdef int64_t[::1] view = out
        memcpy(&view[0], &self.offsets[0], self.offsets.size() * sizeof(int64_t))
        return out


cdef class _PairInterner:
    """Dense ids for (series id, field id) pairs: the ``<series key>#!~#<field>`` keys of a batch."""

    cdef vector[uint64_t] keys
    cdef vector[int32_t] slots
    cdef uint64_t mask

    def __cinit__(self):
        self.slots.assign(1024, -1)
        self.mask = 1023

    cdef void reserve(self, size_t count) noexcept nogil:
        cdef uint64_t slots = 1024
        while slots < 2 * count + 2:
            slots *= 2
        self.slots.assign(slots, -1)
        self.mask = slots - 1
        self.keys.reserve(count)

    cdef void _grow(self) noexcept nogil:
        cdef uint64_t size = (self.mask + 1) * 2
        cdef int32_t ident
        cdef uint64_t slot
        self.slots.assign(size, -1)
        self.mask = size - 1
        for ident in range(<int32_t>self.keys.size()):
            slot = _hash_u64(self.keys[ident]) & self.mask
            while self.slots[slot] >= 0:
                slot = (slot + 1) & self.mask
            self.slots[slot] = ident

    cdef int32_t intern(self, int32_t series, int32_t field) noexcept nogil:
        cdef uint64_t key = (<uint64_t><uint32_t>series << 32) | <uint32_t>field
        cdef uint64_t slot = _hash_u64(key) & self.mask
        cdef int32_t ident
        while True:
            ident = self.slots[slot]
            if ident < 0:
                break
            if self.keys[ident] == key:
                return ident
            slot = (slot + 1) & self.mask
        ident = <int32_t>self.keys.size()
        self.slots[slot] = ident
        self.keys.push_back(key)
        if <uint64_t>self.keys.size() * 2 > self.mask:
            self._grow()
        return ident


# ---------------------------------------------------------------------------------------------------------
# Scanning helpers: b is the body, [i, n) the part of it that belongs to the current line.

cdef inline bint _is_ws(uint8_t c) noexcept nogil:
    return c == b' ' or c == b'\t' or c == 0


cdef inline bint _is_digit(uint8_t c) noexcept nogil:
    return b'0' <= c <= b'9'


cdef Py_ssize_t _line_end(const uint8_t* b, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    """The newline ending the line that starts at i (or n); a newline inside a quoted value is kept."""
    cdef const uint8_t* nl = <const uint8_t*>memchr(b + i, b'\n', n - i)
    cdef Py_ssize_t stop = (nl - b) if nl != NULL else n
    if memchr(b + i, b'"', stop - i) == NULL and memchr(b + i, b'\\', stop - i) == NULL:
        return stop
    cdef bint quoted = False, in_fields = False
    cdef Py_ssize_t equals = 0, commas = 0
    cdef uint8_t c
    while i < n:
        c = b[i]
        if c == b'\\' and i + 2 < n:
            i += 2
            continue
        if c == b' ':
            in_fields = True
        if in_fields:
            if not quoted and c == b'=':
                equals += 1
                i += 1
                continue
            if not quoted and c == b',':
                commas += 1
                i += 1
                continue
            if c == b'"' and equals > commas:
                quoted = not quoted
                i += 1
                continue
        if c == b'\n' and not quoted:
            break
        i += 1
    return i


cdef Py_ssize_t _scan_to_equals(const uint8_t* b, Py_ssize_t i, Py_ssize_t first,
                                Py_ssize_t n) noexcept nogil:
    """First '=' at or after i not preceded by a backslash; a '=' at ``first`` always counts."""
    while i < n:
        if b[i] == b'=' and (i == first or b[i - 1] != b'\\'):
            return i
        i += 1
    return i


cdef Py_ssize_t _scan_field_value(const uint8_t* b, Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    cdef bint quoted = False
    cdef uint8_t c
    while i < n:
        c = b[i]
        if c == b'\\' and i + 1 < n and (b[i + 1] == b'"' or b[i + 1] == b'\\'):
            i += 2
            continue
        if c == b'"':
            quoted = not quoted
        elif c == b',' and not quoted:
            break
        i += 1
    return i


cdef int _parse_int64(const uint8_t* p, Py_ssize_t n, int64_t* out) noexcept nogil:
    """strconv.ParseInt(s, 10, 64): 0 ok, V_BAD_SYNTAX, or V_OUT_OF_RANGE."""
    cdef Py_ssize_t i = 0
    cdef bint negative = False
    cdef uint64_t acc = 0, limit
    cdef bint overflow = False
    if n > 0 and (p[0] == b'-' or p[0] == b'+'):
        negative = p[0] == b'-'
        i = 1
    if i == n:
        return V_BAD_SYNTAX
    limit = 9223372036854775808ULL if negative else 9223372036854775807ULL
    while i < n:
        if not _is_digit(p[i]):
            return V_BAD_SYNTAX
        if not overflow:
            if acc > (limit - (p[i] - 48)) // 10:
                overflow = True
            else:
                acc = acc * 10 + (p[i] - 48)
        i += 1
    if overflow:
        return V_OUT_OF_RANGE
    out[0] = -<int64_t>acc if negative else <int64_t>acc
    return 0


cdef int _parse_uint64(const uint8_t* p, Py_ssize_t n, uint64_t* out) noexcept nogil:
    """strconv.ParseUint(s, 10, 64): 0 ok, V_BAD_SYNTAX, or V_OUT_OF_RANGE."""
    cdef Py_ssize_t i = 0
    cdef uint64_t acc = 0
    cdef bint overflow = False
    if n == 0:
        return V_BAD_SYNTAX
    for i in range(n):
        if not _is_digit(p[i]):
            return V_BAD_SYNTAX
        if not overflow:
            if acc > (18446744073709551615ULL - (p[i] - 48)) // 10:
                overflow = True
            else:
                acc = acc * 10 + (p[i] - 48)
    if overflow:
        return V_OUT_OF_RANGE
    out[0] = acc
    return 0


cdef int _parse_float(const uint8_t* p, Py_ssize_t n, double* out) noexcept nogil:
    """strconv.ParseFloat(s, 64) for decimal text: 0 ok, V_BAD_SYNTAX, or V_OUT_OF_RANGE (overflow).

    Short mantissas with small exponents are exact in double arithmetic (one correctly rounded multiply or
    divide); everything else goes to the C library's correctly rounded strtod.
    """
    cdef Py_ssize_t i = 0, digits = 0, frac_digits = 0, exp_start
    cdef bint negative = False, seen_point = False, big = False, exp_negative = False
    cdef uint64_t mantissa = 0
    cdef int64_t exponent = 0
    cdef double value
    cdef char small[64]
    cdef vector[char] large
    cdef char* text
    cdef char* end
    if i < n and (p[i] == b'-' or p[i] == b'+'):
        negative = p[i] == b'-'
        i += 1
    while i < n:
        if _is_digit(p[i]):
            digits += 1
            if seen_point:
                frac_digits += 1
            if mantissa < 100000000000000000ULL:
                mantissa = mantissa * 10 + (p[i] - 48)
            else:
                big = True
        elif p[i] == b'.' and not seen_point:
            seen_point = True
        else:
            break
        i += 1
    if digits == 0:
        return V_BAD_SYNTAX
    if i < n:
        if p[i] != b'e' and p[i] != b'E':
            return V_BAD_SYNTAX
        i += 1
        if i < n and (p[i] == b'-' or p[i] == b'+'):
            exp_negative = p[i] == b'-'
            i += 1
        exp_start = i
        while i < n and _is_digit(p[i]):
            if exponent < 100000:
                exponent = exponent * 10 + (p[i] - 48)
            i += 1
        if i == exp_start or i != n:
            return V_BAD_SYNTAX
        if exp_negative:
            exponent = -exponent
    exponent -= frac_digits
    if not big and mantissa <= 9007199254740992ULL and -22 <= exponent <= 22:
        value = <double>mantissa
        if exponent >= 0:
            value = value * POW10[exponent]
        else:
            value = value / POW10[-exponent]
        out[0] = -value if negative else value
        return 0
    if n < 63:
        memcpy(small, p, n)
        small[n] = 0
        text = small
    else:
        large.resize(n + 1)
        memcpy(&large[0], p, n)
        large[n] = 0
        text = &large[0]
    value = strtod_l(text, &end, C_LOCALE)
    if end != text + n:
        return V_BAD_SYNTAX
    if isinf(value):
        return V_OUT_OF_RANGE
    out[0] = value
    return 0


cdef class _Parser:
    """One body's worth of parse state; ``parse()`` builds a PointBatch from it."""

    cdef const uint8_t* b
    cdef Py_ssize_t n
    cdef int64_t multiplier
    cdef int64_t default_time

    cdef _ByteInterner series
    cdef _ByteInterner field_names
    cdef _PairInterner pairs

    cdef vector[int32_t] point_series
    cdef vector[int64_t] point_time
    cdef vector[int64_t] point_rows        # row offsets, len = points + 1
    cdef vector[int64_t] point_fields      # [start, end) of the raw field section in the body, per point

    cdef vector[int32_t] row_field
    cdef vector[int32_t] row_pair
    cdef vector[uint8_t] row_type
    cdef vector[double] row_float
    cdef vector[int64_t] row_int
    cdef vector[int64_t] str_offsets       # per row; non-strings get an empty span
    cdef vector[uint8_t] str_data

    cdef vector[LineError] errors
    cdef vector[ValueError_] value_errors

    cdef vector[TagSpan] tags
    cdef vector[FieldSpan] spans
    cdef vector[uint8_t] scratch

    def __cinit__(self):
        self.series = _ByteInterner()
        self.field_names = _ByteInterner()
        self.pairs = _PairInterner()
        self.point_rows.push_back(0)
        self.str_offsets.push_back(0)

    cdef void reserve(self) noexcept nogil:
        """Size every column from a quick count of lines and '=' so that nothing regrows while parsing."""
        cdef const uint8_t* b = self.b
        cdef Py_ssize_t i, n = self.n
        cdef size_t lines = 1, equals = 0
        for i in range(n):
            lines += b[i] == b'\n'
            equals += b[i] == b'='
        self.point_series.reserve(lines)
        self.point_time.reserve(lines)
        self.point_rows.reserve(lines + 1)
        self.point_fields.reserve(2 * lines)
        self.row_field.reserve(equals)
        self.row_pair.reserve(equals)
        self.row_type.reserve(equals)
        self.row_float.reserve(equals)
        self.row_int.reserve(equals)
        self.str_offsets.reserve(equals + 1)
        self.series.reserve(lines, n // 4)
        self.field_names.reserve(64, 1024)
        self.pairs.reserve(equals)

    cdef void run(self) noexcept nogil:
        cdef const uint8_t* b = self.b
        cdef Py_ssize_t n = self.n
        cdef Py_ssize_t pos = 0, end, start
        cdef LineError err
        self.reserve()
        while pos < n:
            end = _line_end(b, pos, n)
            start = pos
            pos = end + 1
            while start < end and _is_ws(b[start]):
                start += 1
            if start >= end or b[start] == b'#':
                continue
            if b[end - 1] == b'\n':
                end -= 1
            err.code = 0
            err.aux_start = 0
            err.aux_end = 0
            err.aux_number = 0
            self.parse_point(start, end, &err)
            if err.code:
                err.line_start = start
                err.line_end = end
                self.errors.push_back(err)

    cdef void parse_point(self, Py_ssize_t start, Py_ssize_t n, LineError* err) noexcept nogil:
        cdef const uint8_t* b = self.b
        cdef Py_ssize_t key_end, measurement_end, fields_start, fields_end, i, time_start
        cdef const uint8_t* key
        cdef Py_ssize_t key_len
        cdef int64_t stamp, when
        cdef long long product
        cdef int status
        self.tags.clear()
        err.code = self.scan_key(start, n, &key_end, &measurement_end)
        if err.code:
            return
        key_len = key_end - start
        if key_len > MAX_KEY_LENGTH:
            err.code = E_MAX_KEY_LENGTH
            err.aux_number = key_len
            return
        err.code = self.scan_fields(start, key_end, n, &fields_start, &fields_end, err)
        if err.code:
            return
        if fields_end == fields_start:
            err.code = E_MISSING_FIELDS
            return
        err.code = self.split_fields(fields_start, fields_end, key_len, err)
        if err.code:
            return
        # the timestamp
        i = fields_end
        while i < n and _is_ws(b[i]):
            i += 1
        time_start = i
        while i < n and b[i] != b'\n' and b[i] != b' ':
            if not _is_digit(b[i]) and not (i == time_start and b[i] == b'-'):
                err.code = E_BAD_TIMESTAMP
                return
            i += 1
        if i == time_start:
            when = self.default_time
        else:
            status = _parse_int64(b + time_start, i - time_start, &stamp)
            if status:
                err.code = E_TIMESTAMP_SYNTAX if status == V_BAD_SYNTAX else E_TIMESTAMP_RANGE
                err.aux_start = time_start
                err.aux_end = i
                return
            if self.multiplier != 1:
                if stamp == MIN_NANO_TIME or chronus_mul_overflow(stamp, self.multiplier, &product):
                    err.code = E_TIME_RANGE
                    return
                when = product
            else:
                when = stamp
            if when < MIN_NANO_TIME or when > MAX_NANO_TIME:
                err.code = E_TIME_RANGE
                return
            while i < n:
                if b[i] != b' ':
                    err.code = E_INVALID_POINT
                    return
                i += 1
        # the point is good: intern its key, then read its fields as the storage engine reads them
        if self.tags.size() and not self.tags_sorted(start, measurement_end, key_end):
            key = &self.scratch[0]
        else:
            key = b + start
        self.point_series.push_back(self.series.intern(key, key_len))
        self.point_time.push_back(when)
        self.point_fields.push_back(fields_start)
        self.point_fields.push_back(fields_end)
        self.emit_rows()
        self.point_rows.push_back(<int64_t>self.row_type.size())

    cdef int scan_key(self, Py_ssize_t i, Py_ssize_t n, Py_ssize_t* key_end,
                      Py_ssize_t* measurement_end) noexcept nogil:
        """Measurement and tags up to the space before the fields; fills self.tags."""
        cdef const uint8_t* b = self.b
        cdef TagSpan tag
        cdef uint8_t c
        if i >= n or b[i] == b',':
            return E_MISSING_MEASUREMENT
        while True:
            i += 1
            if i >= n:
                return E_MISSING_FIELDS
            if b[i - 1] == b'\\':
                continue
            if b[i] == b',':
                break
            if b[i] == b' ':
                key_end[0] = i
                measurement_end[0] = i
                return 0
        measurement_end[0] = i
        i += 1
        while True:
            tag.start = i
            if i >= n or b[i] == b' ' or b[i] == b',' or b[i] == b'=':
                return E_MISSING_TAG_KEY
            while True:
                i += 1
                if i >= n:
                    return E_MISSING_TAG_VALUE
                c = b[i]
                if b[i - 1] == b'\\':
                    continue
                if c == b' ' or c == b',':
                    return E_MISSING_TAG_VALUE
                if c == b'=':
                    break
            tag.key_end = i
            i += 1
            if i >= n or b[i] == b',' or b[i] == b' ':
                return E_MISSING_TAG_VALUE
            while True:
                i += 1
                if i >= n:
                    return E_MISSING_FIELDS
                if b[i - 1] == b'\\':
                    continue
                c = b[i]
                if c == b'=':
                    return E_INVALID_TAG_FORMAT
                if c == b',' or c == b' ':
                    break
            tag.end = i
            self.tags.push_back(tag)
            if b[i] == b' ':
                key_end[0] = i
                return self.check_duplicate_tags()
            i += 1

    cdef int _compare_tag_keys(self, const TagSpan* x, const TagSpan* y) noexcept nogil:
        cdef Py_ssize_t nx = x.key_end - x.start, ny = y.key_end - y.start
        cdef int c = memcmp(self.b + x.start, self.b + y.start, nx if nx < ny else ny)
        if c:
            return c
        return (nx > ny) - (nx < ny)

    cdef int check_duplicate_tags(self) noexcept nogil:
        cdef size_t j, count = self.tags.size()
        cdef TagSpan moving
        cdef Py_ssize_t k
        cdef bint ordered = True
        cdef int c
        for j in range(1, count):
            c = self._compare_tag_keys(&self.tags[j - 1], &self.tags[j])
            if c == 0:
                return E_DUPLICATE_TAGS
            if c > 0:
                ordered = False
                break
        if ordered:
            return 0
        # stable insertion sort by key (what influxd does), then look at neighbours again
        for j in range(1, count):
            moving = self.tags[j]
            k = <Py_ssize_t>j - 1
            while k >= 0 and self._compare_tag_keys(&moving, &self.tags[k]) < 0:
                self.tags[k + 1] = self.tags[k]
                k -= 1
            self.tags[k + 1] = moving
        for j in range(1, count):
            if self._compare_tag_keys(&self.tags[j - 1], &self.tags[j]) == 0:
                return E_DUPLICATE_TAGS
        return 0

    cdef bint tags_sorted(self, Py_ssize_t start, Py_ssize_t measurement_end,
                          Py_ssize_t key_end) noexcept nogil:
        """True when the tags were in order already; otherwise writes the sorted key to self.scratch."""
        cdef size_t j
        cdef Py_ssize_t pos, width
        cdef bint in_order = True
        for j in range(1, self.tags.size()):
            if self.tags[j].start <= self.tags[j - 1].start:
                in_order = False
                break
        if in_order:
            return True
        self.scratch.resize(key_end - start)
        pos = measurement_end - start
        memcpy(&self.scratch[0], self.b + start, pos)
        for j in range(self.tags.size()):
            self.scratch[pos] = b','
            pos += 1
            width = self.tags[j].end - self.tags[j].start
            memcpy(&self.scratch[pos], self.b + self.tags[j].start, width)
            pos += width
        return False

    cdef int scan_fields(self, Py_ssize_t start, Py_ssize_t i, Py_ssize_t n, Py_ssize_t* fields_start,
                         Py_ssize_t* fields_end, LineError* err) noexcept nogil:
        """influxd's check of the field section: keys, values, quotes, and the count of '=' and ','."""
        cdef const uint8_t* b = self.b
        cdef bint quoted = False
        cdef Py_ssize_t equals = 0, commas = 0
        cdef uint8_t c, nxt
        cdef int code
        while i < n and _is_ws(b[i]):
            i += 1
        fields_start[0] = i
        while i < n:
            c = b[i]
            if c == b'\\' and i + 1 < n:
                i += 2
                continue
            if c == b'"' and equals > commas:
                quoted = not quoted
                i += 1
                continue
            if c == b'=' and not quoted:
                equals += 1
                if (b[i - 1] == b' ' or b[i - 1] == b',') and b[i - 2] != b'\\':
                    return E_MISSING_FIELD_KEY
                if i + 1 >= n or b[i + 1] == b',' or b[i + 1] == b' ':
                    return E_MISSING_FIELD_VALUE
                nxt = b[i + 1]
                if _is_digit(nxt) or nxt == b'.' or nxt == b'-' or nxt == b'N' or nxt == b'n':
                    code = self.scan_number(i + 1, n, &i, err)
                    if code:
                        return code
                    continue
                if nxt != b'"':
                    code = _scan_boolean(b, i + 1, n, &i)
                    if code:
                        return code
                    continue
            elif c == b',' and not quoted:
                commas += 1
            elif c == b' ' and not quoted:
                break
            i += 1
        fields_end[0] = i
        if quoted:
            return E_UNBALANCED_QUOTES
        if equals == 0 or commas != equals - 1:
            return E_INVALID_FIELD_FORMAT
        return 0

    cdef int scan_number(self, Py_ssize_t i, Py_ssize_t n, Py_ssize_t* end, LineError* err) noexcept nogil:
        cdef const uint8_t* b = self.b
        cdef Py_ssize_t start = i, digits
        cdef bint is_int = False, is_unsigned = False, decimal = False, scientific = False
        cdef uint8_t c
        cdef int64_t ignored_int
        cdef double ignored_float
        if b[i] == b'-':
            i += 1
            if i == n:
                end[0] = i
                return E_INVALID_NUMBER
        while i < n:
            c = b[i]
            if c == b',' or c == b' ':
                break
            if c == b'i' and i > start and not (is_int or is_unsigned):
                is_int = True
                i += 1
                continue
            if c == b'u' and i > start and not (is_int or is_unsigned):
                is_unsigned = True
                i += 1
                continue
            if c == b'.':
                if decimal:
                    return E_INVALID_NUMBER
                decimal = True
            if i > start and (c == b'e' or c == b'E'):
                scientific = True
                i += 1
                continue
            if (c == b'+' or c == b'-') and (b[i - 1] == b'e' or b[i - 1] == b'E'):
                i += 1
                continue
            if not _is_digit(c) and c != b'.':
                return E_INVALID_NUMBER
            i += 1
        end[0] = i
        if (is_int or is_unsigned) and (decimal or scientific):
            return E_INVALID_NUMBER
        digits = i - start - is_int - decimal - (b[start] == b'-')
        if digits == 0:
            return E_INVALID_NUMBER
        if is_int:
            if b[i - 1] != b'i':
                return E_INVALID_NUMBER
            if i - 1 - start >= 19 and _parse_int64(b + start, i - 1 - start, &ignored_int):
                err.aux_start = start
                err.aux_end = i - 1
                return E_INTEGER_RANGE
        elif is_unsigned:
            return E_INVALID_NUMBER     # unsigned support is compiled out of release builds
        elif scientific or i - start >= 25:
            if _parse_float(b + start, i - start, &ignored_float):
                return E_INVALID_FLOAT
        return 0

    cdef int split_fields(self, Py_ssize_t fields_start, Py_ssize_t fields_end, Py_ssize_t key_len,
                          LineError* err) noexcept nogil:
        """Split fields the way the storage engine does; check each has a value and fits the key limit."""
        cdef const uint8_t* b = self.b
        cdef Py_ssize_t i = fields_start, eq, size
        cdef FieldSpan span
        self.spans.clear()
        while i < fields_end:
            eq = _scan_to_equals(b, i, i, fields_end)
            if eq + 1 >= fields_end:
                err.aux_start = i
                err.aux_end = eq
                return E_INVALID_VALUE
            size = key_len + 4 + (eq - i)
            if size > MAX_KEY_LENGTH:
                err.aux_number = size
                return E_MAX_KEY_LENGTH
            span.key_start = i
            span.key_end = eq
            span.value_end = _scan_field_value(b, eq + 1, fields_end)
            self.spans.push_back(span)
            i = span.value_end + 1
        return 0

    cdef void emit_rows(self) noexcept nogil:
        cdef const uint8_t* b = self.b
        cdef int32_t series = self.point_series.back()
        cdef int32_t field
        cdef size_t j
        cdef Py_ssize_t ks, ke, vs, ve, k
        cdef uint8_t first, last, kind
        cdef int status
        cdef double fvalue
        cdef int64_t ivalue
        cdef uint64_t uvalue
        cdef ValueError_ bad
        for j in range(self.spans.size()):
            ks = self.spans[j].key_start
            ke = self.spans[j].key_end
            vs = ke + 1
            ve = self.spans[j].value_end
            # field key: drop a backslash before , " space =
            if memchr(b + ks, b'\\', ke - ks) == NULL:
                field = self.field_names.intern(b + ks, ke - ks)
            else:
                self.scratch.clear()
                k = ks
                while k < ke:
                    if b[k] == b'\\' and k + 1 < ke and (b[k + 1] == b',' or b[k + 1] == b'"'
                                                         or b[k + 1] == b' ' or b[k + 1] == b'='):
                        k += 1
                    self.scratch.push_back(b[k])
                    k += 1
                field = self.field_names.intern(self.scratch.data(), self.scratch.size())
            self.row_field.push_back(field)
            self.row_pair.push_back(self.pairs.intern(series, field))
            fvalue = 0.0
            ivalue = 0
            status = 0
            if ve == vs:
                kind = T_EMPTY
            else:
                first = b[vs]
                last = b[ve - 1]
                if first == b'"':
                    kind = T_STRING
                    if ve - vs < 2:
                        status = V_LONE_QUOTE
                    else:
                        k = vs + 1
                        while k < ve - 1:
                            if b[k] == b'\\' and k + 1 < ve - 1 and (b[k + 1] == b'"' or b[k + 1] == b'\\'):
                                k += 1
                            self.str_data.push_back(b[k])
                            k += 1
                elif _is_digit(first) or first == b'-' or first == b'.' or first == b'n' or first == b'N' \
                        or first == b'i' or first == b'I' or first == b'u':
                    if last == b'i':
                        kind = T_INTEGER
                        status = _parse_int64(b + vs, ve - 1 - vs, &ivalue)
                    elif last == b'u':
                        kind = T_UNSIGNED
                        status = _parse_uint64(b + vs, ve - 1 - vs, &uvalue)
                        ivalue = <int64_t>uvalue
                    else:
                        kind = T_FLOAT
                        status = _parse_float(b + vs, ve - vs, &fvalue)
                else:
                    kind = T_BOOLEAN
                    status = _read_bool(b + vs, ve - vs, &ivalue)
            if status:
                bad.row = <int64_t>self.row_type.size()
                bad.kind = status
                bad.start = vs
                bad.end = ve
                self.value_errors.push_back(bad)
            self.row_type.push_back(kind)
            self.row_float.push_back(fvalue)
            self.row_int.push_back(ivalue)
            self.str_offsets.push_back(<int64_t>self.str_data.size())


cdef int _scan_boolean(const uint8_t* b, Py_ssize_t i, Py_ssize_t n, Py_ssize_t* end) noexcept nogil:
    cdef Py_ssize_t start = i, size
    cdef uint8_t c = b[i]
    if c != b't' and c != b'f' and c != b'T' and c != b'F':
        end[0] = i
        return E_INVALID_BOOLEAN
    i += 1
    while i < n and b[i] != b',' and b[i] != b' ':
        i += 1
    end[0] = i
    size = i - start
    if size == 1:
        return 0
    if size == 4 and (memcmp(b + start, b"true", 4) == 0 or memcmp(b + start, b"True", 4) == 0
                      or memcmp(b + start, b"TRUE", 4) == 0):
        return 0
    if size == 5 and (memcmp(b + start, b"false", 5) == 0 or memcmp(b + start, b"False", 5) == 0
                      or memcmp(b + start, b"FALSE", 5) == 0):
        return 0
    return E_INVALID_BOOLEAN


cdef int _read_bool(const uint8_t* p, Py_ssize_t n, int64_t* out) noexcept nogil:
    """strconv.ParseBool."""
    if n == 1:
        if p[0] == b'1' or p[0] == b't' or p[0] == b'T':
            out[0] = 1
            return 0
        if p[0] == b'0' or p[0] == b'f' or p[0] == b'F':
            out[0] = 0
            return 0
    elif n == 4:
        if memcmp(p, b"true", 4) == 0 or memcmp(p, b"True", 4) == 0 or memcmp(p, b"TRUE", 4) == 0:
            out[0] = 1
            return 0
    elif n == 5:
        if memcmp(p, b"false", 5) == 0 or memcmp(p, b"False", 5) == 0 or memcmp(p, b"FALSE", 5) == 0:
            out[0] = 0
            return 0
    return V_BAD_SYNTAX


PRECISION_MULTIPLIERS = {"u": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000,
                         "h": 3_600_000_000_000}


cdef object _copy_i64(vector[int64_t]& v):
    out = np.empty(v.size(), dtype=np.int64)
    if v.size():
        memcpy(cnp.PyArray_DATA(out), v.data(), v.size() * sizeof(int64_t))
    return out


cdef object _copy_i32(vector[int32_t]& v):
    out = np.empty(v.size(), dtype=np.int32)
    if v.size():
        memcpy(cnp.PyArray_DATA(out), v.data(), v.size() * sizeof(int32_t))
    return out


cdef object _copy_f64(vector[double]& v):
    out = np.empty(v.size(), dtype=np.float64)
    if v.size():
        memcpy(cnp.PyArray_DATA(out), v.data(), v.size() * sizeof(double))
    return out


cdef object _copy_u8(vector[uint8_t]& v):
    out = np.empty(v.size(), dtype=np.uint8)
    if v.size():
        memcpy(cnp.PyArray_DATA(out), v.data(), v.size())
    return out


def parse_columns(const uint8_t[::1] body not None, str precision, int64_t now_ns) -> dict:
    """Parse a whole body; returns the columns chronus.models.points.PointBatch is built from.

    Points with no timestamp get ``now_ns`` truncated to the precision (an unknown precision means
    nanoseconds, as in influxd 1.6). Bad lines are reported as (line start, line end, error code, aux
    start, aux end, aux number) rows, in order; the good points of the body are kept.
    """
    cdef _Parser parser = _Parser()
    cdef int64_t multiplier = PRECISION_MULTIPLIERS.get(precision, 1)
    parser.n = body.shape[0]
    parser.b = &body[0] if parser.n else <const uint8_t*>b""
    parser.multiplier = multiplier
    parser.default_time = now_ns - (now_ns % multiplier + multiplier) % multiplier
    with nogil:
        parser.run()

    cdef size_t j
    cdef LineError* e
    errors = np.empty((parser.errors.size(), 6), dtype=np.int64)
    cdef int64_t[:, ::1] ev = errors
    for j in range(parser.errors.size()):
        e = &parser.errors[j]
        ev[j, 0] = e.line_start
        ev[j, 1] = e.line_end
        ev[j, 2] = e.code
        ev[j, 3] = e.aux_start
        ev[j, 4] = e.aux_end
        ev[j, 5] = e.aux_number
    value_errors = np.empty((parser.value_errors.size(), 4), dtype=np.int64)
    cdef int64_t[:, ::1] vv = value_errors
    for j in range(parser.value_errors.size()):
        vv[j, 0] = parser.value_errors[j].row
        vv[j, 1] = parser.value_errors[j].kind
        vv[j, 2] = parser.value_errors[j].start
        vv[j, 3] = parser.value_errors[j].end
    pair_keys = np.empty(parser.pairs.keys.size(), dtype=np.uint64)
    if parser.pairs.keys.size():
        memcpy(cnp.PyArray_DATA(pair_keys), parser.pairs.keys.data(),
               parser.pairs.keys.size() * sizeof(uint64_t))
    return {
        "series_keys": parser.series.to_bytes(),
        "series_offsets": parser.series.offsets_array(),
        "field_names": parser.field_names.to_bytes(),
        "field_name_offsets": parser.field_names.offsets_array(),
        "point_series": _copy_i32(parser.point_series),
        "point_time": _copy_i64(parser.point_time),
        "point_rows": _copy_i64(parser.point_rows),
        "point_fields": _copy_i64(parser.point_fields).reshape(-1, 2),
        "row_field": _copy_i32(parser.row_field),
        "row_pair": _copy_i32(parser.row_pair),
        "row_type": _copy_u8(parser.row_type),
        "row_float": _copy_f64(parser.row_float),
        "row_int": _copy_i64(parser.row_int),
        "string_offsets": _copy_i64(parser.str_offsets),
        "string_data": bytes(_copy_u8(parser.str_data)),
        "pair_series": (pair_keys >> np.uint64(32)).astype(np.int32),
        "pair_field": (pair_keys & np.uint64(0xFFFFFFFF)).astype(np.int32),
        "errors": errors,
        "value_errors": value_errors,
    }


def join_pair_keys(const uint8_t[::1] series_keys not None, const int64_t[::1] series_offsets not None,
                   const uint8_t[::1] field_names not None, const int64_t[::1] field_offsets not None,
                   const int32_t[::1] pair_series not None, const int32_t[::1] pair_field not None):
    """``<series key>#!~#<field>`` of every pair, laid end to end: returns (bytes, int64 offsets)."""
    cdef Py_ssize_t pairs = pair_series.shape[0], p, s, f, total = 0, pos = 0, width
    cdef Py_ssize_t nseries = series_offsets.shape[0] - 1, nfields = field_offsets.shape[0] - 1
    if pair_field.shape[0] != pairs:
        raise ValueError("pair_series and pair_field differ in length")
    for p in range(pairs):
        s = pair_series[p]
        f = pair_field[p]
        if not (0 <= s < nseries and 0 <= f < nfields):
            raise ValueError(f"pair {p} names series {s} / field {f}, outside the tables")
        total += series_offsets[s + 1] - series_offsets[s] + 4 + field_offsets[f + 1] - field_offsets[f]
    out = np.empty(total, dtype=np.uint8)
    offsets = np.empty(pairs + 1, dtype=np.int64)
    cdef uint8_t[::1] ov = out
    cdef int64_t[::1] offv = offsets
    with nogil:
        offv[0] = 0
        for p in range(pairs):
            s = pair_series[p]
            f = pair_field[p]
            width = series_offsets[s + 1] - series_offsets[s]
            if width:
                memcpy(&ov[pos], &series_keys[series_offsets[s]], width)
            pos += width
            memcpy(&ov[pos], b"#!~#", 4)
            pos += 4
            width = field_offsets[f + 1] - field_offsets[f]
            if width:
                memcpy(&ov[pos], &field_names[field_offsets[f]], width)
            pos += width
            offv[p + 1] = pos
    return out.tobytes(), offsets


def group_values(const int32_t[::1] row_pair not None, Py_ssize_t pair_count,
                 const uint8_t[::1] keep not None, const int64_t[::1] point_rows not None,
                 const int64_t[::1] point_time not None, const uint8_t[::1] row_type not None,
                 const double[::1] row_float not None, const int64_t[::1] row_int not None):
    """The kept rows per (series, field) pair, as flat columns the WAL codec and the cache take whole.

    A row is left out where ``keep`` is 0 and where its type differs from the first kept row of its pair
    (the storage engine keeps one type per series field). Returns ``(group_pair, group_type, starts, rows,
    times, bits)``: the pairs that kept rows (in pair order), their type, and per group ``g`` the rows
    ``starts[g]:starts[g + 1]`` of the flat columns in body order: batch row, time, and the value as 64
    bits (float bits; integers, unsigned and booleans as integers).
    """
    cdef Py_ssize_t nrows = row_pair.shape[0], npoints = point_time.shape[0], r, p, g, i, n
    cdef Py_ssize_t ngroups = 0
    cdef int64_t pos
    if keep.shape[0] != nrows or row_type.shape[0] != nrows or row_float.shape[0] != nrows \
            or row_int.shape[0] != nrows:
        raise ValueError("keep, row_type, row_float and row_int must have one entry per row")
    if point_rows.shape[0] != npoints + 1 or (npoints and point_rows[npoints] != nrows):
        raise ValueError("point_rows must bound the rows of every point")
    for r in range(nrows):
        if row_pair[r] < 0 or row_pair[r] >= pair_count:
            raise ValueError(f"row {r} names pair {row_pair[r]}, outside 0..{pair_count - 1}")
    cdef vector[uint8_t] first_type
    cdef vector[int64_t] fill
    cdef vector[uint8_t] kept
    first_type.assign(pair_count, 0)
    fill.assign(pair_count + 1, 0)
    kept.assign(nrows, 0)
    with nogil:
        for r in range(nrows):
            if keep[r] and row_type[r] != T_EMPTY:
                p = row_pair[r]
                if first_type[p] == 0:
                    first_type[p] = row_type[r]
                if row_type[r] == first_type[p]:
                    kept[r] = 1
                    fill[p + 1] += 1
        for p in range(pair_count):
            if fill[p + 1]:
                ngroups += 1
            fill[p + 1] += fill[p]
    n = fill[pair_count]
    group_pair = np.empty(ngroups, dtype=np.int32)
    group_type = np.empty(ngroups, dtype=np.uint8)
    starts = np.empty(ngroups + 1, dtype=np.int64)
    rows = np.empty(n, dtype=np.int64)
    times = np.empty(n, dtype=np.int64)
    bits = np.empty(n, dtype=np.uint64)
    cdef int32_t[::1] gp = group_pair
    cdef uint8_t[::1] gt = group_type
    cdef int64_t[::1] gs = starts
    cdef int64_t[::1] rv = rows
    cdef int64_t[::1] tv = times
    cdef uint64_t[::1] bv = bits
    cdef uint64_t word
    with nogil:
        g = 0
        gs[0] = 0
        for p in range(pair_count):
            if fill[p + 1] > fill[p]:
                gp[g] = <int32_t>p
                gt[g] = first_type[p]
                gs[g + 1] = fill[p + 1]
                g += 1
        for i in range(npoints):
            for r in range(point_rows[i], point_rows[i + 1]):
                if kept[r]:
                    p = row_pair[r]
                    pos = fill[p]
                    fill[p] += 1
                    rv[pos] = r
                    tv[pos] = point_time[i]
                    if row_type[r] == T_FLOAT:
                        memcpy(&word, &row_float[r], 8)
                    else:
                        word = <uint64_t>row_int[r]
                    bv[pos] = word
    return group_pair, group_type, starts, rows, times, bits


def series_names(const uint8_t[::1] series_keys not None, const int64_t[::1] series_offsets not None,
                 const int32_t[::1] which not None):
    """Measurement and ``time`` tag of the series ``which``, for the shard's field checks.

    Returns ``(names, name_of, time_tag)``: the distinct raw (still escaped) measurement names in order of
    first appearance, the index of each series' name, and whether it has a tag key ``time``. Separators
    are found as ``models.points.split_series_key`` finds them (a byte not preceded by a backslash).
    """
    cdef Py_ssize_t count = which.shape[0], nseries = series_offsets.shape[0] - 1, i, j, start, end, k
    cdef Py_ssize_t tag_start, eq
    cdef const uint8_t* b = &series_keys[0] if series_keys.shape[0] else <const uint8_t*>b""
    for i in range(count):
        if which[i] < 0 or which[i] >= nseries:
            raise ValueError(f"series {which[i]} outside 0..{nseries - 1}")
    cdef _ByteInterner names = _ByteInterner()
    name_of = np.empty(count, dtype=np.int32)
    time_tag = np.zeros(count, dtype=np.bool_)
    cdef int32_t[::1] nv = name_of
    cdef uint8_t[::1] tt = time_tag.view(np.uint8)
    with nogil:
        for i in range(count):
            start = series_offsets[which[i]]
            end = series_offsets[which[i] + 1]
            j = start
            while j < end and not (b[j] == b',' and (j == start or b[j - 1] != b'\\')):
                j += 1
            nv[i] = names.intern(b + start, j - start)
            while j < end:   # j is at an unescaped ',' opening a tag
                tag_start = j + 1
                k = tag_start
                while k < end and not (b[k] == b',' and b[k - 1] != b'\\'):
                    k += 1
                eq = tag_start
                while eq < k and not (b[eq] == b'=' and (eq == tag_start or b[eq - 1] != b'\\')):
                    eq += 1
                # Unescaping can only turn a key into "time" when it already is "time" (see the caller).
                if eq - tag_start == 4 and memcmp(b + tag_start, b"time", 4) == 0:
                    tt[i] = 1
                j = k
    data = names.to_bytes()
    cdef list out = []
    for i in range(<Py_ssize_t>names.offsets.size() - 1):
        out.append(data[names.offsets[i]:names.offsets[i + 1]])
    return out, name_of, time_tag


def decode_series_keys(const uint8_t[::1] series_keys not None, const int64_t[::1] series_offsets not None,
                       const int32_t[::1] which not None):
    """The series keys ``which`` as ``str`` (UTF-8, invalid bytes as surrogate escapes): the index's keys."""
    cdef Py_ssize_t count = which.shape[0], nseries = series_offsets.shape[0] - 1, i, start
    cdef const char* b = <const char*>&series_keys[0] if series_keys.shape[0] else <const char*>b""
    cdef list out = []
    for i in range(count):
        if which[i] < 0 or which[i] >= nseries:
            raise ValueError(f"series {which[i]} outside 0..{nseries - 1}")
        start = series_offsets[which[i]]
        out.append(PyUnicode_DecodeUTF8(b + start, series_offsets[which[i] + 1] - start, "surrogateescape"))
    return out
