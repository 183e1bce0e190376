# cython: language_level=3
"""FNV-1a hashes, as Go's ``hash/fnv`` computes them.

InfluxDB maps a point to a shard with ``fnv64a(series key) % shard count``; a cluster must agree with it bit
for bit, and a write batch hashes thousands of keys, so the loop runs in C without the GIL.
"""

import numpy as np

cimport numpy as cnp
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t

cnp.import_array()

cdef uint64_t OFFSET64 = 14695981039346656037ULL
cdef uint64_t PRIME64 = 1099511628211ULL
cdef uint32_t OFFSET32 = 2166136261U
cdef uint32_t PRIME32 = 16777619U


cdef inline uint64_t _fnv64a(const uint8_t* data, Py_ssize_t n) noexcept nogil:
    cdef uint64_t h = OFFSET64
    cdef Py_ssize_t i
    for i in range(n):
        h = (h ^ data[i]) * PRIME64
    return h


cdef inline uint32_t _fnv32a(const uint8_t* data, Py_ssize_t n) noexcept nogil:
    cdef uint32_t h = OFFSET32
    cdef Py_ssize_t i
    for i in range(n):
        h = (h ^ data[i]) * PRIME32
    return h


def fnv64a(const uint8_t[::1] data not None) -> int:
    """64-bit FNV-1a of ``data`` (any bytes-like object)."""
    cdef uint64_t h
    with nogil:
        h = _fnv64a(&data[0] if data.shape[0] else NULL, data.shape[0])
    return h


def fnv32a(const uint8_t[::1] data not None) -> int:
    """32-bit FNV-1a of ``data`` (any bytes-like object)."""
    cdef uint32_t h
    with nogil:
        h = _fnv32a(&data[0] if data.shape[0] else NULL, data.shape[0])
    return h


def fnv64a_spans(const uint8_t[::1] buf not None, const int64_t[::1] offsets not None):
    """Hash many keys laid end to end in ``buf``: key ``i`` is ``buf[offsets[i]:offsets[i + 1]]``.

    Returns a ``uint64`` array of ``len(offsets) - 1`` hashes. This is the batch form the write path uses:
    one buffer of series keys in, one array of hashes out, no Python object per key.
    """
    cdef Py_ssize_t count = offsets.shape[0] - 1 if offsets.shape[0] else 0
    cdef Py_ssize_t i, start, stop, size = buf.shape[0]
    out = np.empty(count, dtype=np.uint64)
    cdef uint64_t[::1] hashes = out
    for i in range(count):
        start = offsets[i]
        stop = offsets[i + 1]
        if start < 0 or stop < start or stop > size:
            raise ValueError(f"span {i} [{start}:{stop}] is outside a buffer of {size} bytes")
    with nogil:
        for i in range(count):
            start = offsets[i]
            stop = offsets[i + 1]
            hashes[i] = _fnv64a(&buf[start] if stop > start else NULL, stop - start)
    return out
