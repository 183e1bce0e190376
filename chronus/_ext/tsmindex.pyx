# cython: language_level=3
"""Parse the index section of a TSM1 file (influxd 1.6.7's ``indirectIndex``) into flat arrays in one C pass.

The index is, per key in sorted order, ``key length (2, BE) | key | block type (1) | block count (2, BE)``
followed by ``min time (8) | max time (8) | offset (8) | size (4)`` (big endian) per block. ``parse_index``
returns what ``TSMReader`` searches: the keys (one bytes object each, the only Python objects made), the
block type per key, the first block row of each key (``first[i]:first[i + 1]`` are key i's rows) and the
per-block ``mins``, ``maxs``, ``offsets`` and ``sizes`` as int64 arrays.

A first pass walks the index without the GIL to validate it and count keys and blocks, a second one fills
the arrays. A malformed index raises ``TSMIndexError`` with influxd's words (``indirectIndex: not enough
data for ...``), checked in the same order the reader always has.
"""

import numpy as np

cimport numpy as cnp
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport int64_t, uint8_t, uint64_t

cnp.import_array()

DEF ENTRY_SIZE = 28


class TSMIndexError(ValueError):
    """A malformed TSM index; the text is influxd's."""


cdef inline uint64_t _be64(const uint8_t* p) noexcept nogil:
    return ((<uint64_t>p[0] << 56) | (<uint64_t>p[1] << 48) | (<uint64_t>p[2] << 40) | (<uint64_t>p[3] << 32)
            | (<uint64_t>p[4] << 24) | (<uint64_t>p[5] << 16) | (<uint64_t>p[6] << 8) | <uint64_t>p[7])


cdef inline unsigned int _be32(const uint8_t* p) noexcept nogil:
    return (<unsigned int>p[0] << 24) | (<unsigned int>p[1] << 16) | (<unsigned int>p[2] << 8) | p[3]


cdef inline unsigned int _be16(const uint8_t* p) noexcept nogil:
    return (<unsigned int>p[0] << 8) | p[1]


cdef int _scan(const uint8_t* index, Py_ssize_t end, Py_ssize_t* nkeys, Py_ssize_t* nblocks) noexcept nogil:
    """Count keys and blocks; 0 when the index is whole, else the code of the first problem."""
    cdef Py_ssize_t i = 0, key_len, count
    nkeys[0] = 0
    nblocks[0] = 0
    while i < end:
        if i + 2 >= end:
            return 1
        key_len = _be16(index + i)
        i += 3 + key_len
        if i + 2 >= end:
            return 2
        count = _be16(index + i)
        i += 2
        if i + count * ENTRY_SIZE > end or count == 0:
            return 3
        i += count * ENTRY_SIZE
        nkeys[0] += 1
        nblocks[0] += count
    return 0


_ERRORS = {
    1: "indirectIndex: not enough data for key length value",
    2: "indirectIndex: not enough data for index entries count",
    3: "indirectIndex: not enough data for max time",
}


def parse_index(buf, Py_ssize_t index_start, Py_ssize_t index_end):
    """``(keys, types, first, mins, maxs, offsets, sizes)`` of the index in ``buf[index_start:index_end]``."""
    cdef const uint8_t[::1] view = buf
    if index_start < 0 or index_end > view.shape[0] or index_start > index_end:
        raise TSMIndexError("mmapAccessor: invalid indexStart")
    cdef const uint8_t* index = &view[0] + index_start if view.shape[0] else NULL
    cdef Py_ssize_t end = index_end - index_start
    cdef Py_ssize_t nkeys, nblocks
    cdef int problem
    with nogil:
        problem = _scan(index, end, &nkeys, &nblocks)
    if problem:
        raise TSMIndexError(_ERRORS[problem])

    keys = [None] * nkeys
    types = PyBytes_FromStringAndSize(NULL, nkeys)
    cdef uint8_t* types_out = <uint8_t*>PyBytes_AS_STRING(types)
    cdef cnp.ndarray[int64_t, ndim=1] first = np.empty(nkeys + 1, dtype=np.int64)
    cdef cnp.ndarray[int64_t, ndim=1] mins = np.empty(nblocks, dtype=np.int64)
    cdef cnp.ndarray[int64_t, ndim=1] maxs = np.empty(nblocks, dtype=np.int64)
    cdef cnp.ndarray[int64_t, ndim=1] offsets = np.empty(nblocks, dtype=np.int64)
    cdef cnp.ndarray[int64_t, ndim=1] sizes = np.empty(nblocks, dtype=np.int64)
    cdef int64_t* f = <int64_t*>first.data
    cdef int64_t* mn = <int64_t*>mins.data
    cdef int64_t* mx = <int64_t*>maxs.data
    cdef int64_t* off = <int64_t*>offsets.data
    cdef int64_t* sz = <int64_t*>sizes.data
    cdef Py_ssize_t i = 0, k = 0, row = 0, key_len, count, j
    cdef const uint8_t* e
    while k < nkeys:
        key_len = _be16(index + i)
        keys[k] = PyBytes_FromStringAndSize(<const char*>(index + i + 2), key_len)
        types_out[k] = index[i + 2 + key_len]
        i += 3 + key_len
        count = _be16(index + i)
        i += 2
        f[k] = row
        e = index + i
        for j in range(count):
            mn[row] = <int64_t>_be64(e)
            mx[row] = <int64_t>_be64(e + 8)
            off[row] = <int64_t>_be64(e + 16)
            sz[row] = <int64_t>_be32(e + 24)
            e += ENTRY_SIZE
            row += 1
        i += count * ENTRY_SIZE
        k += 1
    f[nkeys] = row
    return keys, types, first, mins, maxs, offsets, sizes


def edge_blocks(const int64_t[::1] mins not None, const int64_t[::1] maxs not None,
                const int64_t[::1] firsts not None, const int64_t[::1] ends not None, int64_t tmin, int64_t tmax,
                bint first):
    """Per key (its index rows ``firsts[i]``..``ends[i] - 1``) the row of its first block overlapping
    ``[tmin, tmax]`` (its last unless ``first``), -1 when none does: where a query's first or last points
    of many series lie, found in one pass over the index instead of one numpy round per series."""
    cdef Py_ssize_t n = firsts.shape[0], i, b
    if ends.shape[0] != n:
        raise ValueError("edge_blocks: firsts and ends differ in length")
    found = np.full(n, -1, dtype=np.int64)
    cdef int64_t[::1] out = found
    with nogil:
        for i in range(n):
            if first:
                for b in range(firsts[i], ends[i]):
                    if maxs[b] >= tmin and mins[b] <= tmax:
                        out[i] = b
                        break
            else:
                for b in range(ends[i] - 1, firsts[i] - 1, -1):
                    if maxs[b] >= tmin and mins[b] <= tmax:
                        out[i] = b
                        break
    return found
