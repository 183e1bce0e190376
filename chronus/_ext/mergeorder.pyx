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


cdef Py_ssize_t _deliver(const _Keys* kp, const int64_t* offsets, int64_t* c, int64_t* h, Py_ssize_t* count,
                         int64_t* out, bint window, bint bounded, int64_t stop) noexcept nogil:
    # pops until the heap is empty (or, ``bounded``, its root's rank reaches ``stop``); returns how many
    # points went to ``out``, leaves the heap's size in ``count``
    cdef Py_ssize_t n = count[0], o = 0, item, last
    cdef const int64_t* r = kp.ranks
    cdef int64_t rank
    while n > 0:
        if bounded and r[c[h[0]]] >= stop:
            break
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
    count[0] = n
    return o


cdef _Keys _keys(const int64_t[::1] ranks, const int64_t[:, ::1] aux, bint descending) except *:
    cdef _Keys keys
    keys.ranks = &ranks[0]
    keys.aux = NULL
    keys.naux = 0
    keys.descending = descending
    if aux is not None and aux.shape[1] > 0:
        if aux.shape[0] != ranks.shape[0]:
            raise ValueError("aux needs one row per rank")
        keys.aux = &aux[0, 0]
        keys.naux = aux.shape[1]
    return keys


cdef Py_ssize_t _init_heap(const _Keys* kp, const int64_t[::1] offsets, int64_t* c, int64_t* h,
                           Py_ssize_t ninputs) noexcept nogil:
    # inputs without points are left out, the others kept in order, then heap.Init
    cdef Py_ssize_t n = 0, k
    for k in range(ninputs):
        if offsets[k + 1] > offsets[k]:
            h[n] = k
            n += 1
    k = n // 2 - 1
    while k >= 0:
        _down(kp, c, h, k, n)
        k -= 1
    return n


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
    if total == 0:
        return out_arr
    cur_arr = np.asarray(offsets[:ninputs], np.int64).copy()
    heap_arr = np.empty(ninputs, np.int64)
    cdef int64_t[::1] out = out_arr
    cdef int64_t[::1] cur = cur_arr
    cdef int64_t[::1] heap = heap_arr
    cdef _Keys keys = _keys(ranks, aux, descending)
    cdef Py_ssize_t n
    with nogil:
        n = _init_heap(&keys, offsets, &cur[0], &heap[0], ninputs)
        _deliver(&keys, &offsets[0], &cur[0], &heap[0], &n, &out[0], window, False, 0)
    return out_arr


def merge_order_until(const int64_t[::1] ranks, const int64_t[::1] offsets, const int64_t[:, ::1] aux,
                      bint descending, heap_in, int64_t stop):
    """The sorted merge of ``merge_order`` delivered in pieces: the points it delivers while its next
    point's rank is below ``stop``, as ``(indices, heap, consumed)``.

    ``heap_in`` is None at the start (heap.Init over the inputs with points) or the ``heap`` a previous
    call returned: the inputs in Go's heap array order, each of which must have a point here (its next
    undelivered one comes first). ``consumed[k]`` counts the points taken from input ``k``; what is left
    of each input starts its input in the next call. So a merge too big to hold is replayed slice by slice
    with the very ties the whole one gives, as long as each input holds its next point past ``stop``.
    """
    cdef Py_ssize_t ninputs = offsets.shape[0] - 1, k, n
    if ninputs < 0:
        raise ValueError("offsets needs at least one entry")
    cdef Py_ssize_t total = offsets[ninputs] - offsets[0]
    out_arr = np.empty(total, np.int64)
    cur_arr = np.asarray(offsets[:ninputs], np.int64).copy()
    heap_arr = np.empty(max(ninputs, 1), np.int64)
    cdef int64_t[::1] out = out_arr
    cdef int64_t[::1] cur = cur_arr
    cdef int64_t[::1] heap = heap_arr
    cdef const int64_t[::1] given
    cdef _Keys keys
    if total == 0:
        if heap_in is not None and len(heap_in):
            raise ValueError("every input in the heap needs its next point")
        return out_arr, np.zeros(0, np.int64), np.zeros(ninputs, np.int64)
    keys = _keys(ranks, aux, descending)
    if heap_in is None:
        with nogil:
            n = _init_heap(&keys, offsets, &cur[0], &heap[0], ninputs)
    else:
        given = np.ascontiguousarray(heap_in, np.int64)
        n = given.shape[0]
        if n > ninputs:
            raise ValueError("more heap items than inputs")
        for k in range(n):
            if given[k] < 0 or given[k] >= ninputs or offsets[given[k] + 1] <= offsets[given[k]]:
                raise ValueError("every input in the heap needs its next point")
            heap[k] = given[k]
    cdef Py_ssize_t o
    with nogil:
        o = _deliver(&keys, &offsets[0], &cur[0], &heap[0], &n, &out[0], False, True, stop)
    consumed = cur_arr - np.asarray(offsets[:ninputs], np.int64)
    return out_arr[:o], heap_arr[:n].copy(), consumed


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


def grouped_order(const int64_t[::1] keys, Py_ssize_t ngroups):
    """The indices of ``keys`` grouped by key, keeping their order within each group (a counting sort:
    two passes, where a stable argsort of millions of small numbers takes a second), and the groups'
    bounds: ``(order, starts)``, ``starts`` holding ``ngroups + 1`` offsets into ``order``. Every key must
    be in ``[0, ngroups)``."""
    cdef Py_ssize_t n = keys.shape[0], i
    cdef int64_t k
    for i in range(n):
        if keys[i] < 0 or keys[i] >= ngroups:
            raise ValueError(f"key {keys[i]} outside [0, {ngroups})")
    starts_arr = np.zeros(ngroups + 1, np.int64)
    order_arr = np.empty(n, np.int64)
    cdef int64_t[::1] starts = starts_arr
    cdef int64_t[::1] order = order_arr
    cdef int64_t[::1] fill
    with nogil:
        for i in range(n):
            starts[keys[i] + 1] += 1
        for i in range(ngroups):
            starts[i + 1] += starts[i]
    fill_arr = starts_arr[:ngroups].copy()
    fill = fill_arr
    with nogil:
        for i in range(n):
            k = keys[i]
            order[fill[k]] = i
            fill[k] += 1
    return order_arr, starts_arr
