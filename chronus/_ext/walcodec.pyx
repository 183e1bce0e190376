# cython: language_level=3
"""Encode and decode the payload of a TSM1 WAL write entry, byte for byte as InfluxDB 1.6.7 lays it out.

Payload: for each key, ``type (1) | key length (2, BE) | key | count (4, BE)`` then ``count`` points of
``time (8, BE) | value``; the value is 8 big-endian bytes for float / integer / unsigned, one byte for a
boolean (only ``1`` reads as true), ``length (4, BE) | bytes`` for a string.

Every write request goes through here (encode) and every restart replays through here (decode), so the
per-point loops are C without the GIL; Python runs once per key. Decoding refuses exactly the payloads
InfluxDB's ``UnmarshalBinary`` refuses, because a refused entry is where replay truncates a segment.
"""

import numpy as np

cimport numpy as cnp
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from libc.stdint cimport int64_t, uint8_t, uint64_t
from libc.string cimport memcpy

from chronus.tsdb.values import Values, ValueType

cnp.import_array()

cdef enum:
    T_FLOAT = 1
    T_INTEGER = 2
    T_BOOLEAN = 3
    T_STRING = 4
    T_UNSIGNED = 5

cdef object _VALUE_TYPES = {int(t): t for t in ValueType}
cdef object _FLOAT = ValueType.FLOAT
cdef object _INTEGER = ValueType.INTEGER
cdef object _BOOLEAN = ValueType.BOOLEAN
cdef object _STRING = ValueType.STRING
cdef object _UNSIGNED = ValueType.UNSIGNED
cdef object _trusted = Values.trusted


class CorruptEntryError(ValueError):
    """A WAL entry InfluxDB would refuse to read; replay truncates the segment where it starts."""

    def __init__(self, message: str = "corrupted WAL entry") -> None:
        super().__init__(message)


cdef struct KeyRecord:
    int vtype
    Py_ssize_t count
    const uint8_t* times     # count native-order int64 times
    const uint8_t* values    # count native 8-byte values or count bools; NULL for strings
    uint8_t* out             # encode: where this key's points go; decode: where they are read from


# -- byte order helpers (GCC turns these into one load/store + bswap) -----------------------------------------
cdef inline uint64_t load_be64(const uint8_t* p) noexcept nogil:
    return ((<uint64_t>p[0] << 56) | (<uint64_t>p[1] << 48) | (<uint64_t>p[2] << 40) | (<uint64_t>p[3] << 32)
            | (<uint64_t>p[4] << 24) | (<uint64_t>p[5] << 16) | (<uint64_t>p[6] << 8) | <uint64_t>p[7])


cdef inline Py_ssize_t load_be32(const uint8_t* p) noexcept nogil:
    return ((<Py_ssize_t>p[0] << 24) | (<Py_ssize_t>p[1] << 16) | (<Py_ssize_t>p[2] << 8) | <Py_ssize_t>p[3])


cdef inline void store_be64(uint8_t* p, uint64_t v) noexcept nogil:
    p[0] = <uint8_t>(v >> 56)
    p[1] = <uint8_t>(v >> 48)
    p[2] = <uint8_t>(v >> 40)
    p[3] = <uint8_t>(v >> 32)
    p[4] = <uint8_t>(v >> 24)
    p[5] = <uint8_t>(v >> 16)
    p[6] = <uint8_t>(v >> 8)
    p[7] = <uint8_t>v


cdef inline void store_be32(uint8_t* p, Py_ssize_t v) noexcept nogil:
    p[0] = <uint8_t>(v >> 24)
    p[1] = <uint8_t>(v >> 16)
    p[2] = <uint8_t>(v >> 8)
    p[3] = <uint8_t>v


cdef inline uint64_t native64(const uint8_t* p) noexcept nogil:
    cdef uint64_t v
    memcpy(&v, p, 8)
    return v


cdef inline void store_native64(uint8_t* p, uint64_t v) noexcept nogil:
    memcpy(p, &v, 8)


# -- encode ---------------------------------------------------------------------------------------------------
cdef int _numpy_type(int vtype):
    if vtype == T_FLOAT:
        return cnp.NPY_FLOAT64
    if vtype == T_INTEGER:
        return cnp.NPY_INT64
    if vtype == T_UNSIGNED:
        return cnp.NPY_UINT64
    return cnp.NPY_BOOL


cdef dict _DTYPE_NAMES = {cnp.NPY_FLOAT64: "float64", cnp.NPY_INT64: "int64", cnp.NPY_UINT64: "uint64",
                          cnp.NPY_BOOL: "bool"}


cdef const uint8_t* _array_data(object arr, int npy_type, Py_ssize_t count, str what) except NULL:
    """Data pointer of a C-contiguous 1-d array of ``npy_type`` and length ``count`` (checked, not trusted)."""
    if not isinstance(arr, cnp.ndarray):
        raise TypeError(f"{what} must be a numpy array")
    cdef cnp.ndarray a = <cnp.ndarray>arr
    if cnp.PyArray_TYPE(a) != npy_type or cnp.PyArray_NDIM(a) != 1 or not cnp.PyArray_IS_C_CONTIGUOUS(a):
        raise TypeError(f"{what} must be a contiguous 1-d {_DTYPE_NAMES[npy_type]} array")
    if cnp.PyArray_DIM(a, 0) != count:
        raise ValueError(f"{what} has {cnp.PyArray_DIM(a, 0)} elements, expected {count}")
    if count == 0:
        return <const uint8_t*>"" # never read
    return <const uint8_t*>cnp.PyArray_DATA(a)


def encode_write(entries) -> bytes:
    """The write-entry payload for ``entries``: a mapping of key (bytes) to ``Values``, in iteration order.

    Keys without points are left out: InfluxDB reads a count of 0 as a corrupt entry.
    """
    # (key, times array, values array or tuple of strings): holds every buffer the C pointers point into.
    cdef list items = []
    cdef Py_ssize_t nkeys, i, j, size = 0, klen, count, slen
    cdef int vtype
    cdef bytes key, payload
    cdef tuple strings
    cdef uint8_t* out
    cdef uint8_t* p
    cdef KeyRecord* r
    cdef KeyRecord* recs
    for key_obj, vals in entries.items():
        if len(vals.times):
            items.append([key_obj, vals.type, vals.times, vals.values])
    nkeys = len(items)
    recs = <KeyRecord*>PyMem_Malloc(max(nkeys, 1) * sizeof(KeyRecord))
    if recs == NULL:
        raise MemoryError()
    try:
        for i in range(nkeys):
            item = items[i]
            if not isinstance(item[0], bytes):
                raise TypeError(f"WAL keys must be bytes, not {type(item[0]).__name__}")
            klen = PyBytes_GET_SIZE(item[0])
            if klen > 0xFFFF:
                raise ValueError(f"key of {klen} bytes does not fit a WAL entry (max 65535)")
            vtype = item[1]
            count = len(item[2])
            if count > 0xFFFFFFFF:
                raise ValueError(f"{count} points do not fit one WAL key")
            r = &recs[i]
            r.vtype = vtype
            r.count = count
            r.times = _array_data(item[2], cnp.NPY_INT64, count, "times")
            size += 7 + klen
            if vtype == T_STRING:
                strings = tuple(item[3])   # a frozen copy: the list cannot change under the second pass
                item[3] = strings
                if len(strings) != count:
                    raise ValueError(f"values has {len(strings)} elements, expected {count}")
                r.values = NULL
                size += 12 * count
                for obj in strings:
                    if not isinstance(obj, bytes):
                        raise TypeError(f"string values must be bytes, not {type(obj).__name__}")
                    slen = PyBytes_GET_SIZE(obj)
                    if slen > 0xFFFFFFFF:
                        raise ValueError(f"string of {slen} bytes does not fit a WAL entry")
                    size += slen
            elif vtype == T_FLOAT or vtype == T_INTEGER or vtype == T_UNSIGNED:
                r.values = _array_data(item[3], _numpy_type(vtype), count, "values")
                size += 16 * count
            elif vtype == T_BOOLEAN:
                r.values = _array_data(item[3], cnp.NPY_BOOL, count, "values")
                size += 9 * count
            else:
                raise ValueError(f"unsupported value type: {vtype}")

        payload = PyBytes_FromStringAndSize(NULL, size)
        out = <uint8_t*>PyBytes_AS_STRING(payload)
        p = out
        # Key headers and string points need the Python objects; numeric points are copied below, GIL-free.
        for i in range(nkeys):
            key = items[i][0]
            r = &recs[i]
            klen = PyBytes_GET_SIZE(key)
            p[0] = <uint8_t>r.vtype
            p[1] = <uint8_t>(klen >> 8)
            p[2] = <uint8_t>klen
            memcpy(p + 3, PyBytes_AS_STRING(key), klen)
            store_be32(p + 3 + klen, r.count)
            p += 7 + klen
            r.out = p
            if r.vtype == T_STRING:
                strings = items[i][3]
                for j in range(r.count):
                    obj = strings[j]
                    slen = PyBytes_GET_SIZE(obj)
                    store_be64(p, native64(r.times + 8 * j))
                    store_be32(p + 8, slen)
                    memcpy(p + 12, PyBytes_AS_STRING(obj), slen)
                    p += 12 + slen
            elif r.vtype == T_BOOLEAN:
                p += 9 * r.count
            else:
                p += 16 * r.count
        with nogil:
            for i in range(nkeys):
                r = &recs[i]
                p = r.out
                if r.vtype == T_BOOLEAN:
                    for j in range(r.count):
                        store_be64(p, native64(r.times + 8 * j))
                        p[8] = 1 if r.values[j] else 0
                        p += 9
                elif r.vtype != T_STRING:
                    for j in range(r.count):
                        store_be64(p, native64(r.times + 8 * j))
                        store_be64(p + 8, native64(r.values + 8 * j))
                        p += 16
        return payload
    finally:
        PyMem_Free(recs)


def encode_groups(const uint8_t[::1] keys not None, const int64_t[::1] key_offsets not None,
                  const uint8_t[::1] types not None, const int64_t[::1] starts not None,
                  const int64_t[::1] times not None, const uint64_t[::1] bits not None,
                  const int64_t[::1] rows not None, const uint8_t[::1] string_data not None,
                  const int64_t[::1] string_offsets not None) -> bytes:
    """The write-entry payload of a batch's grouped columns (``chronus.models.points.GroupedValues``).

    The same bytes ``encode_write`` makes of the groups as a mapping, without a Python object per key:
    one pass sizes the payload, one fills it, both without the GIL.
    """
    cdef Py_ssize_t ngroups = types.shape[0], nvalues = times.shape[0], nstrings = string_offsets.shape[0]
    cdef Py_ssize_t g, j, lo, hi, klen, size = 0, slen, row
    cdef int vtype
    cdef bytes payload
    cdef uint8_t* p
    cdef const uint8_t* kp = &keys[0] if keys.shape[0] else <const uint8_t*>b""
    cdef const uint8_t* sp = &string_data[0] if string_data.shape[0] else <const uint8_t*>b""
    if key_offsets.shape[0] != ngroups + 1 or starts.shape[0] != ngroups + 1:
        raise ValueError("key_offsets and starts need one entry more than types")
    if bits.shape[0] != nvalues or rows.shape[0] != nvalues:
        raise ValueError("times, bits and rows differ in length")
    if ngroups and (starts[0] != 0 or starts[ngroups] != nvalues or key_offsets[0] < 0
                    or key_offsets[ngroups] > keys.shape[0]):
        raise ValueError("starts and key_offsets must cover the values and keys")
    for g in range(ngroups):
        vtype = types[g]
        klen = key_offsets[g + 1] - key_offsets[g]
        lo = starts[g]
        hi = starts[g + 1]
        if klen < 0 or hi <= lo:
            raise ValueError(f"group {g} has no points or a negative key length")
        if klen > 0xFFFF:
            raise ValueError(f"key of {klen} bytes does not fit a WAL entry (max 65535)")
        if hi - lo > 0xFFFFFFFF:
            raise ValueError(f"{hi - lo} points do not fit one WAL key")
        size += 7 + klen
        if vtype == T_FLOAT or vtype == T_INTEGER or vtype == T_UNSIGNED:
            size += 16 * (hi - lo)
        elif vtype == T_BOOLEAN:
            size += 9 * (hi - lo)
        elif vtype == T_STRING:
            size += 12 * (hi - lo)
            for j in range(lo, hi):
                row = rows[j]
                if row < 0 or row + 1 >= nstrings:
                    raise ValueError(f"row {row} has no string offsets")
                slen = string_offsets[row + 1] - string_offsets[row]
                if slen < 0 or string_offsets[row + 1] > string_data.shape[0] or slen > 0xFFFFFFFF:
                    raise ValueError(f"string of row {row} is outside the string data")
                size += slen
        else:
            raise ValueError(f"unsupported value type: {vtype}")
    payload = PyBytes_FromStringAndSize(NULL, size)
    p = <uint8_t*>PyBytes_AS_STRING(payload)
    with nogil:
        for g in range(ngroups):
            vtype = types[g]
            klen = key_offsets[g + 1] - key_offsets[g]
            lo = starts[g]
            hi = starts[g + 1]
            p[0] = <uint8_t>vtype
            p[1] = <uint8_t>(klen >> 8)
            p[2] = <uint8_t>klen
            memcpy(p + 3, kp + key_offsets[g], klen)
            store_be32(p + 3 + klen, hi - lo)
            p += 7 + klen
            if vtype == T_BOOLEAN:
                for j in range(lo, hi):
                    store_be64(p, <uint64_t>times[j])
                    p[8] = 1 if bits[j] else 0
                    p += 9
            elif vtype == T_STRING:
                for j in range(lo, hi):
                    row = rows[j]
                    slen = string_offsets[row + 1] - string_offsets[row]
                    store_be64(p, <uint64_t>times[j])
                    store_be32(p + 8, slen)
                    memcpy(p + 12, sp + string_offsets[row], slen)
                    p += 12 + slen
            else:
                for j in range(lo, hi):
                    store_be64(p, <uint64_t>times[j])
                    store_be64(p + 8, bits[j])
                    p += 16
    return payload


# -- decode ---------------------------------------------------------------------------------------------------
cdef inline cnp.ndarray _new_array(Py_ssize_t count, int npy_type):
    cdef cnp.npy_intp dims[1]
    dims[0] = count
    return cnp.PyArray_EMPTY(1, dims, npy_type, 0)


def decode_write(const uint8_t[::1] payload not None) -> dict:
    """Key -> ``Values`` of a write-entry payload; a later duplicate key replaces an earlier one.

    Raises ``CorruptEntryError`` for every payload InfluxDB 1.6.7 would refuse.
    """
    cdef Py_ssize_t size = payload.shape[0], i = 0, klen, count, j, slen, nrecs = 0, cap = 16
    cdef const uint8_t* b = &payload[0] if size else <const uint8_t*>""
    cdef int vtype
    cdef dict result = {}
    cdef list alive = []   # every array a record points into, even when a duplicate key replaces it
    cdef list strings
    cdef cnp.ndarray times, vals
    cdef int64_t* tp
    cdef KeyRecord* recs = <KeyRecord*>PyMem_Malloc(cap * sizeof(KeyRecord))
    cdef KeyRecord* grown
    cdef KeyRecord* r
    cdef uint8_t* dst
    cdef const uint8_t* src
    if recs == NULL:
        raise MemoryError()
    try:
        while i < size:
            vtype = b[i]
            i += 1
            if i + 2 > size:
                raise CorruptEntryError()
            klen = (<Py_ssize_t>b[i] << 8) | b[i + 1]
            i += 2
            if i + klen > size:
                raise CorruptEntryError()
            key = PyBytes_FromStringAndSize(<const char*>(b + i), klen)
            i += klen
            if i + 4 > size:
                raise CorruptEntryError()
            count = load_be32(b + i)
            i += 4
            if count <= 0 or count > size:
                raise CorruptEntryError()
            if vtype == T_STRING:
                times = _new_array(count, cnp.NPY_INT64)
                tp = <int64_t*>cnp.PyArray_DATA(times)
                strings = []
                for j in range(count):
                    if i + 12 > size:
                        raise CorruptEntryError()
                    tp[j] = <int64_t>load_be64(b + i)
                    slen = load_be32(b + i + 8)
                    i += 12
                    if i + slen > size:
                        raise CorruptEntryError()
                    strings.append(PyBytes_FromStringAndSize(<const char*>(b + i), slen))
                    i += slen
                result[key] = _trusted(_STRING, times, strings)
                continue
            if vtype == T_BOOLEAN:
                if i + 9 * count > size:
                    raise CorruptEntryError()
            elif vtype == T_FLOAT or vtype == T_INTEGER or vtype == T_UNSIGNED:
                if i + 16 * count > size:
                    raise CorruptEntryError()
            else:
                raise CorruptEntryError(f"unsupported value type: {vtype:#x}")
            times = _new_array(count, cnp.NPY_INT64)
            vals = _new_array(count, _numpy_type(vtype))
            result[key] = _trusted(_VALUE_TYPES[vtype], times, vals)
            alive.append(times)
            alive.append(vals)
            if nrecs == cap:
                cap *= 2
                grown = <KeyRecord*>PyMem_Realloc(recs, cap * sizeof(KeyRecord))
                if grown == NULL:
                    raise MemoryError()
                recs = grown
            r = &recs[nrecs]
            nrecs += 1
            r.vtype = vtype
            r.count = count
            r.times = <const uint8_t*>cnp.PyArray_DATA(times)
            r.values = <const uint8_t*>cnp.PyArray_DATA(vals)
            r.out = <uint8_t*>(b + i)   # the source points of this key, for the GIL-free pass
            i += (9 if vtype == T_BOOLEAN else 16) * count

        with nogil:
            for j in range(nrecs):
                r = &recs[j]
                src = r.out
                dst = <uint8_t*>r.times
                if r.vtype == T_BOOLEAN:
                    for i in range(r.count):
                        store_native64(dst + 8 * i, load_be64(src))
                        (<uint8_t*>r.values)[i] = 1 if src[8] == 1 else 0
                        src += 9
                else:
                    for i in range(r.count):
                        store_native64(dst + 8 * i, load_be64(src))
                        store_native64(<uint8_t*>r.values + 8 * i, load_be64(src + 8))
                        src += 16
        return result
    finally:
        PyMem_Free(recs)
