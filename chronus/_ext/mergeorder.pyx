# cython: language_level=3
"""The order in which influxd's heap merge iterators deliver points, ties included.

influxd merges series, tag sets, shards and sources with Go's ``container/heap`` (query/iterator.gen.go:
the sorted merge iterator of raw queries, the window merge iterator of aggregates). Points whose keys tie
(same name, tags and time, or the same window) come out in an order fixed by the heap's sift-up and
sift-down, not by the input order. That order shows in raw rows sharing a timestamp and in the last bits
of float sums and means combined from several series. This module replays the heap exactly over integer
ranks (``rank[a] < rank[b]`` exactly when influxd's ``Less`` says a comes before b) and returns the
delivery order as indices; the caller applies it to its columns.
"""

import numpy as np

cimport numpy as cnp
from libc.stdint cimport int64_t

cnp.import_array()


cdef struct _Keys:
    const int64_t* ranks
    const int64_t* aux  # row-major, naux per point; -1: not a string (Go's type assertion fails)
    Py_ssize_t naux
    bint descending


cdef inline bint _less(const _Keys* k, const int64_t* cur, const int64_t* heap,
                       Py_ssize_t i, Py_ssize_t j) noexcept nogil:
    # the sorted merge heap's Less: name, tags and time (ranks), then the auxiliary values while both are
    # strings: a non-string on either side makes the points equal (Less false both ways)
    cdef int64_t a = cur[heap[i]], b = cur[heap[j]], x, y
    cdef Py_ssize_t c
    if k.ranks[a] != k.ranks[b]:
        return k.ranks[a] < k.ranks[b]
    for c in range(k.naux):
        x = k.aux[a * k.naux + c]
        y = k.aux[b * k.naux + c]
        if x < 0 or y < 0:
            return False
        if x != y:
            return x > y if k.descending else x < y
    return False


cdef inline void _swap(int64_t* heap, Py_ssize_t i, Py_ssize_t j) noexcept nogil:
    cdef int64_t t = heap[i]
    heap[i] = heap[j]
    heap[j] = t


cdef void _down(const _Keys* ranks, const int64_t* cur, int64_t* heap, Py_ssize_t i0,
                Py_ssize_t n) noexcept nogil:
    # container/heap down(): the smaller child (the left one on a tie) moves up while it is less
    cdef Py_ssize_t i = i0, j, j1, j2
    while True:
        j1 = 2 * i + 1
        if j1 >= n:
            break
        j = j1
        j2 = j1 + 1
        if j2 < n and _less(ranks, cur, heap, j2, j1):
            j = j2
        if not _less(ranks, cur, heap, j, i):
            break
        _swap(heap, i, j)
        i = j


cdef void _up(const _Keys* ranks, const int64_t* cur, int64_t* heap, Py_ssize_t j) noexcept nogil:
    # container/heap up(): moves up while strictly less than its parent
    cdef Py_ssize_t i
    while j > 0:
        i = (j - 1) // 2
        if not _less(ranks, cur, heap, j, i):
            break
        _swap(heap, i, j)
        j = i


def merge_order(const int64_t[::1] ranks, const int64_t[::1] offsets, bint window=False,
                const int64_t[:, ::1] aux=None, bint descending=False):
    """Indices into ``ranks`` in the order influxd's merge of the inputs delivers their points.

    Input ``k`` is ``ranks[offsets[k]:offsets[k + 1]]`` (already in the input's own order). ``window``
    False: the sorted merge iterator (pop one point, push the input back with its next point); True: the
    window merge iterator (keep reading the popped input while its points have the same rank, i.e. stay
    in the same name, tags and window). ``aux`` (sorted merge only): per point, the rank of each auxiliary
    value among its column's strings, -1 where it is not a string; compared after ``ranks`` as influxd
    compares them (greater first when ``descending``).
    """
    cdef Py_ssize_t ninputs = offsets.shape[0] - 1
    if ninputs < 0:
        ninputs = 0
    cdef Py_ssize_t total = offsets[ninputs] - offsets[0] if ninputs > 0 else 0
    out_arr = np.empty(total, np.int64)
    cur_arr = np.empty(max(ninputs, 1), np.int64)
    heap_arr = np.empty(max(ninputs, 1), np.int64)
    cdef int64_t[::1] out = out_arr
    cdef int64_t[::1] cur = cur_arr
    cdef int64_t[::1] heap = heap_arr
    cdef Py_ssize_t n = 0, k, o = 0, item, last
    cdef int64_t rank
    if total == 0:
        return out_arr
    cdef const int64_t* r = &ranks[0]
    cdef _Keys keys
    keys.ranks = r
    keys.aux = NULL
    keys.naux = 0
    keys.descending = descending
    if aux is not None and aux.shape[1] > 0:
        if aux.shape[0] != ranks.shape[0]:
            raise ValueError("aux needs one row per rank")
        keys.aux = &aux[0, 0]
        keys.naux = aux.shape[1]
    cdef const _Keys* kp = &keys
    cdef int64_t* c = &cur[0]
    cdef int64_t* h = &heap[0]
    with nogil:
        for k in range(ninputs):  # inputs without points are left out, the others kept in order
            if offsets[k + 1] > offsets[k]:
                c[k] = offsets[k]
                h[n] = k
                n += 1
        k = n // 2 - 1
        while k >= 0:  # heap.Init
            _down(kp, c, h, k, n)
            k -= 1
        while n > 0:
            # heap.Pop: swap the root with the last item, sift the new root down over n - 1 items
            _swap(h, 0, n - 1)
            _down(kp, c, h, 0, n - 1)
            item = h[n - 1]
            n -= 1
            last = offsets[item + 1]
            rank = r[c[item]]
            out[o] = c[item]
            o += 1
            c[item] += 1
            if window:
                while c[item] < last and r[c[item]] == rank:
                    out[o] = c[item]
                    o += 1
                    c[item] += 1
            if c[item] < last:  # heap.Push: append, sift up
                h[n] = item
                n += 1
                _up(kp, c, h, n - 1)
    return out_arr


def parallel_groups(Py_ssize_t ninputs, Py_ssize_t parallelism):
    """Bounds of the input groups influxd's parallel merge iterator makes (``len // parallelism`` each,
    the last one takes the rest): an int64 array of ``groups + 1`` offsets."""
    if ninputs <= 0:
        return np.zeros(1, np.int64)
    if parallelism > ninputs:
        parallelism = ninputs
    if parallelism < 1:
        parallelism = 1
    cdef Py_ssize_t size = ninputs // parallelism, i
    out = np.empty(parallelism + 1, np.int64)
    for i in range(parallelism):
        out[i] = i * size
    out[parallelism] = ninputs
    return out
