# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Go's unstable ``sort.Sort`` as influxd 1.6.7 runs it, to reproduce the order it leaves equal keys in.

The Debian ``influxd`` 1.6.7 is built with Go 1.19, whose ``sort.Sort`` is pattern-defeating quicksort
(insertion sort below 13 elements, median-of-three / Tukey ninther pivots, a deterministic xorshift to
break patterns after an unbalanced partition, heapsort past the bad-pivot limit). Where influxd's answer
depends on where equal keys end up (``mode()`` breaks ties by the order of points after sorting them by
value), only the same sequence of comparisons and swaps gives the same answer. This is that sequence,
written from the algorithm's description in Go's sources, over a key array with ``Less(i, j) = key[i] <
key[j]`` (NaN never less, as in Go) and a permutation swapped along with it.
"""

import numpy as np

cimport numpy as cnp
from libc.stdint cimport int64_t, uint64_t

cnp.import_array()

ctypedef fused key_t:
    int64_t
    uint64_t
    double


ctypedef struct TopKey:
    # a point as top()/bottom()'s reducers compare it (``top_rows_float``)
    double v
    int64_t t
    bint top


ctypedef fused sort_t:
    int64_t
    uint64_t
    double
    TopKey

cdef enum:
    UNKNOWN = 0
    INCREASING = 1
    DECREASING = 2


cdef inline bint _top_worse(TopKey a, TopKey b) noexcept nogil:
    """The reducers' ``cmp(a, b)``: ``a`` is the worse point (the heap keeps it at its root). Every
    comparison with a NaN is false, as in Go."""
    if a.v != b.v:
        return a.v < b.v if a.top else a.v > b.v
    return a.t > b.t


cdef inline bint _less(sort_t* k, Py_ssize_t i, Py_ssize_t j) noexcept nogil:
    if sort_t is TopKey:
        return _top_worse(k[j], k[i])  # sort.Sort(sort.Reverse(h)): the better point first
    else:
        return k[i] < k[j]


cdef inline void _swap(sort_t* k, int64_t* p, Py_ssize_t i, Py_ssize_t j) noexcept nogil:
    cdef sort_t t = k[i]
    cdef int64_t q = p[i]
    k[i] = k[j]
    k[j] = t
    p[i] = p[j]
    p[j] = q


cdef void _insertion(sort_t* k, int64_t* p, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    cdef Py_ssize_t i, j
    for i in range(a + 1, b):
        j = i
        while j > a and _less(k, j, j - 1):
            _swap(k, p, j, j - 1)
            j -= 1


cdef void _sift_down(sort_t* k, int64_t* p, Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t first) noexcept nogil:
    cdef Py_ssize_t root = lo, child
    while True:
        child = 2 * root + 1
        if child >= hi:
            return
        if child + 1 < hi and _less(k, first + child, first + child + 1):
            child += 1
        if not _less(k, first + root, first + child):
            return
        _swap(k, p, first + root, first + child)
        root = child


cdef void _heap_sort(sort_t* k, int64_t* p, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    cdef Py_ssize_t first = a, hi = b - a, i
    i = (hi - 1) // 2
    while i >= 0:
        _sift_down(k, p, i, hi, first)
        i -= 1
    i = hi - 1
    while i >= 0:
        _swap(k, p, first, first + i)
        _sift_down(k, p, 0, i, first)
        i -= 1


cdef Py_ssize_t _partition(sort_t* k, int64_t* p, Py_ssize_t a, Py_ssize_t b, Py_ssize_t pivot,
                           bint* already) noexcept nogil:
    _swap(k, p, a, pivot)
    cdef Py_ssize_t i = a + 1, j = b - 1
    while i <= j and _less(k, i, a):
        i += 1
    while i <= j and not _less(k, j, a):
        j -= 1
    if i > j:
        _swap(k, p, j, a)
        already[0] = True
        return j
    _swap(k, p, i, j)
    i += 1
    j -= 1
    while True:
        while i <= j and _less(k, i, a):
            i += 1
        while i <= j and not _less(k, j, a):
            j -= 1
        if i > j:
            break
        _swap(k, p, i, j)
        i += 1
        j -= 1
    _swap(k, p, j, a)
    already[0] = False
    return j


cdef Py_ssize_t _partition_equal(sort_t* k, int64_t* p, Py_ssize_t a, Py_ssize_t b,
                                 Py_ssize_t pivot) noexcept nogil:
    _swap(k, p, a, pivot)
    cdef Py_ssize_t i = a + 1, j = b - 1
    while True:
        while i <= j and not _less(k, a, i):
            i += 1
        while i <= j and _less(k, a, j):
            j -= 1
        if i > j:
            break
        _swap(k, p, i, j)
        i += 1
        j -= 1
    return i


cdef bint _partial_insertion(sort_t* k, int64_t* p, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    cdef Py_ssize_t i = a + 1, j, step
    for step in range(5):
        while i < b and not _less(k, i, i - 1):
            i += 1
        if i == b:
            return True
        if b - a < 50:
            return False
        _swap(k, p, i, i - 1)
        if i - a >= 2:
            j = i - 1
            while j >= 1:
                if not _less(k, j, j - 1):
                    break
                _swap(k, p, j, j - 1)
                j -= 1
        if b - i >= 2:
            j = i + 1
            while j < b:
                if not _less(k, j, j - 1):
                    break
                _swap(k, p, j, j - 1)
                j += 1
    return False


cdef inline int _bits_len(uint64_t x) noexcept nogil:
    cdef int n = 0
    while x:
        n += 1
        x >>= 1
    return n


cdef void _break_patterns(sort_t* k, int64_t* p, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    cdef Py_ssize_t length = b - a, idx, other
    cdef uint64_t random, modulus
    if length >= 8:
        random = <uint64_t>length
        modulus = (<uint64_t>1) << _bits_len(<uint64_t>length)
        idx = a + (length // 4) * 2 - 1
        while idx <= a + (length // 4) * 2 + 1:
            random ^= random << 13
            random ^= random >> 17
            random ^= random << 5
            other = <Py_ssize_t>(random & (modulus - 1))
            if other >= length:
                other -= length
            _swap(k, p, idx, a + other)
            idx += 1


cdef inline void _order2(sort_t* k, Py_ssize_t* x, Py_ssize_t* y, int* swaps) noexcept nogil:
    cdef Py_ssize_t t
    if _less(k, y[0], x[0]):
        swaps[0] += 1
        t = x[0]
        x[0] = y[0]
        y[0] = t


cdef inline Py_ssize_t _median(sort_t* k, Py_ssize_t a, Py_ssize_t b, Py_ssize_t c,
                               int* swaps) noexcept nogil:
    _order2(k, &a, &b, swaps)
    _order2(k, &b, &c, swaps)
    _order2(k, &a, &b, swaps)
    return b


cdef Py_ssize_t _choose_pivot(sort_t* k, Py_ssize_t a, Py_ssize_t b, int* hint) noexcept nogil:
    cdef Py_ssize_t l = b - a
    cdef int swaps = 0
    cdef Py_ssize_t i = a + l // 4 * 1, j = a + l // 4 * 2, m = a + l // 4 * 3
    if l >= 8:
        if l >= 50:
            i = _median(k, i - 1, i, i + 1, &swaps)
            j = _median(k, j - 1, j, j + 1, &swaps)
            m = _median(k, m - 1, m, m + 1, &swaps)
        j = _median(k, i, j, m, &swaps)
    if swaps == 0:
        hint[0] = INCREASING
    elif swaps == 12:
        hint[0] = DECREASING
    else:
        hint[0] = UNKNOWN
    return j


cdef void _reverse(sort_t* k, int64_t* p, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    cdef Py_ssize_t i = a, j = b - 1
    while i < j:
        _swap(k, p, i, j)
        i += 1
        j -= 1


cdef void _pdqsort(sort_t* k, int64_t* p, Py_ssize_t a, Py_ssize_t b, int limit) noexcept nogil:
    cdef bint was_balanced = True, was_partitioned = True, already = False
    cdef Py_ssize_t length, pivot, mid, left, right, threshold
    cdef int hint = UNKNOWN
    while True:
        length = b - a
        if length <= 12:
            _insertion(k, p, a, b)
            return
        if limit == 0:
            _heap_sort(k, p, a, b)
            return
        if not was_balanced:
            _break_patterns(k, p, a, b)
            limit -= 1
        pivot = _choose_pivot(k, a, b, &hint)
        if hint == DECREASING:
            _reverse(k, p, a, b)
            pivot = (b - 1) - (pivot - a)
            hint = INCREASING
        if was_balanced and was_partitioned and hint == INCREASING:
            if _partial_insertion(k, p, a, b):
                return
        if a > 0 and not _less(k, a - 1, pivot):
            mid = _partition_equal(k, p, a, b, pivot)
            a = mid
            continue
        mid = _partition(k, p, a, b, pivot, &already)
        was_partitioned = already
        left = mid - a
        right = b - mid
        threshold = length // 8
        if left < right:
            was_balanced = left >= threshold
            _pdqsort(k, p, a, mid, limit)
            a = mid + 1
        else:
            was_balanced = right >= threshold
            _pdqsort(k, p, mid + 1, b, limit)
            b = mid


cdef void _sort(sort_t* k, int64_t* p, Py_ssize_t n) noexcept nogil:
    if n <= 1:
        return
    _pdqsort(k, p, 0, n, _bits_len(<uint64_t>n))


def sort_order(keys):
    """Where Go 1.19's ``sort.Sort`` moves each element of ``keys`` (int64, uint64 or float64, sorted
    by ``<``): ``keys[sort_order(keys)]`` is the sorted array, equal keys in Go's order."""
    n = len(keys)
    perm = np.arange(n, dtype=np.int64)
    cdef int64_t[::1] pv = perm
    cdef int64_t[::1] ki
    cdef uint64_t[::1] ku
    cdef double[::1] kd
    if n <= 1:
        return perm
    if keys.dtype == np.int64:
        ki = np.array(keys, dtype=np.int64)
        with nogil:
            _sort(&ki[0], &pv[0], n)
    elif keys.dtype == np.uint64:
        ku = np.array(keys, dtype=np.uint64)
        with nogil:
            _sort(&ku[0], &pv[0], n)
    else:
        kd = np.array(keys, dtype=np.float64)
        with nogil:
            _sort(&kd[0], &pv[0], n)
    return perm


cdef Py_ssize_t _mode_pick(key_t* k, int64_t* p, const int64_t* times, Py_ssize_t n) noexcept nogil:
    # influxd's *ModeReduceSlice after sort.Sort(pointsByValue): scans the sorted points keeping the most
    # frequent value; a later run of equal count wins when its first point's time is not after the time
    # of the point where the current winner got its count; a run of one point never takes over.
    cdef Py_ssize_t i, most_row = p[0]
    cdef int64_t most_freq = 0, curr_freq = 0, most_time = times[p[0]], curr_time = times[p[0]]
    cdef key_t curr = k[0]
    for i in range(n):
        if k[i] != curr:
            curr_freq = 1
            curr = k[i]
            curr_time = times[p[i]]
            continue
        curr_freq += 1
        if most_freq > curr_freq or (most_freq == curr_freq and curr_time > most_time):
            continue
        most_freq = curr_freq
        most_time = times[p[i]]
        most_row = p[i]
    return most_row


def mode_rows(keys, const int64_t[::1] times, const int64_t[::1] starts):
    """The row influxd's ``mode()`` takes in every segment ``[starts[s], starts[s + 1])`` of points in the
    order its reducer receives them: the segment sorted as Go's ``sort.Sort`` does, then scanned."""
    cdef Py_ssize_t nseg = starts.shape[0], n = len(keys), s, lo, hi, i
    out = np.empty(nseg, np.int64)
    cdef int64_t[::1] res = out
    perm_arr = np.empty(max(n, 1), np.int64)
    cdef int64_t[::1] perm = perm_arr
    cdef int64_t[::1] ki
    cdef uint64_t[::1] ku
    cdef double[::1] kd
    kind = 0 if keys.dtype == np.int64 else (1 if keys.dtype == np.uint64 else 2)
    if kind == 0:
        ki = np.array(keys, dtype=np.int64)
    elif kind == 1:
        ku = np.array(keys, dtype=np.uint64)
    else:
        kd = np.array(keys, dtype=np.float64)
    with nogil:
        for s in range(nseg):
            lo = starts[s]
            hi = starts[s + 1] if s + 1 < nseg else n
            if hi - lo == 1:
                res[s] = lo
                continue
            for i in range(lo, hi):
                perm[i] = i
            if kind == 0:
                _sort(&ki[lo], &perm[lo], hi - lo)
                res[s] = _mode_pick(&ki[lo], &perm[lo], &times[0], hi - lo)
            elif kind == 1:
                _sort(&ku[lo], &perm[lo], hi - lo)
                res[s] = _mode_pick(&ku[lo], &perm[lo], &times[0], hi - lo)
            else:
                _sort(&kd[lo], &perm[lo], hi - lo)
                res[s] = _mode_pick(&kd[lo], &perm[lo], &times[0], hi - lo)
    return out


ctypedef fused point_t:
    int64_t  # a rank (``top_rows``)
    TopKey   # a float point compared as Go compares floats (``top_rows_float``)


cdef inline bint _worse(const point_t* k, const int64_t* h, Py_ssize_t i, Py_ssize_t j) noexcept nogil:
    """The reducers' ``cmp``: the heap's ``h[i]`` is the worse point."""
    if point_t is TopKey:
        return _top_worse(k[h[i]], k[h[j]])
    else:
        return k[h[i]] < k[h[j]]


cdef inline point_t _best_first(point_t a) noexcept nogil:
    """The key ``sort.Sort(sort.Reverse(h))`` orders the kept points by (``_less`` on it is ``cmp(j, i)``):
    a negated rank; a ``TopKey`` as it is (its ``_less`` reverses itself)."""
    if point_t is TopKey:
        return a
    else:
        return -a


cdef void _heap_up(const point_t* k, int64_t* h, Py_ssize_t j) noexcept nogil:
    # container/heap's up()
    cdef Py_ssize_t i
    cdef int64_t t
    while True:
        i = (j - 1) // 2
        if i == j or j <= 0 or not _worse(k, h, j, i):
            return
        t = h[i]
        h[i] = h[j]
        h[j] = t
        j = i


cdef bint _heap_down(const point_t* k, int64_t* h, Py_ssize_t i0, Py_ssize_t n) noexcept nogil:
    # container/heap's down(): whether the element moved
    cdef Py_ssize_t i = i0, j, j1, j2
    cdef int64_t t
    while True:
        j1 = 2 * i + 1
        if j1 >= n or j1 < 0:
            break
        j = j1
        j2 = j1 + 1
        if j2 < n and _worse(k, h, j2, j1):
            j = j2
        if not _worse(k, h, j, i):
            break
        t = h[i]
        h[i] = h[j]
        h[j] = t
        i = j
    return i > i0


cdef inline bint _root_worse(const point_t* k, int64_t root, Py_ssize_t i) noexcept nogil:
    """Whether the heap's root is worse than point ``i`` (only then does ``i`` take its place)."""
    if point_t is TopKey:
        return _top_worse(k[root], k[i])
    else:
        return k[root] < k[i]


cdef Py_ssize_t _top_segments(const point_t* k, const int64_t* times, const int64_t* starts, Py_ssize_t nseg,
                              Py_ssize_t n, Py_ssize_t keep, int64_t* h, point_t* sk, int64_t* p,
                              int64_t* res, int64_t* cnt) noexcept nogil:
    """``top_rows`` over ``n`` points compared by ``k``: the rows into ``res``, their number per segment
    into ``cnt``; returns how many rows in all (``h``, ``sk``, ``p``: room for ``keep`` entries)."""
    cdef Py_ssize_t s, lo, hi, i, m, j, total = 0
    cdef int64_t t
    for s in range(nseg):
        lo = starts[s]
        hi = starts[s + 1] if s + 1 < nseg else n
        m = 0
        for i in range(lo, hi):
            if m == keep:
                if not _root_worse(k, h[0], i):
                    continue
                h[0] = i
                if not _heap_down(k, h, 0, m):
                    _heap_up(k, h, 0)
            else:
                h[m] = i
                m += 1
                _heap_up(k, h, m - 1)
        # sort.Sort(sort.Reverse(h)), then sort.Stable by time (insertion sort: any stable sort agrees)
        for i in range(m):
            sk[i] = _best_first(k[h[i]])
            p[i] = h[i]
        if m > 1:
            _sort(sk, p, m)
        for i in range(1, m):
            j = i
            while j > 0 and times[p[j]] < times[p[j - 1]]:
                t = p[j]
                p[j] = p[j - 1]
                p[j - 1] = t
                j -= 1
        for i in range(m):
            res[total + i] = p[i]
        total += m
        cnt[s] = m
    return total


def top_rows(const int64_t[::1] rank, const int64_t[::1] times, const int64_t[::1] starts, Py_ssize_t keep):
    """The rows influxd's ``top()``/``bottom()`` reducers emit for every segment ``[starts[s],
    starts[s + 1])`` of points in the order the reducer receives them.

    ``rank`` orders the points as the reducer's ``cmp`` does (lower: the worse point, which the heap
    keeps at its root; equal: neither is worse). The reducer keeps ``keep`` points in a
    ``container/heap``, replacing the root by a point only when the root is worse; it emits them sorted
    best first by ``sort.Sort`` (Go's pdqsort; ties where it leaves them), and the reduce iterator
    then orders them by time with ``sort.Stable``. Returns the rows, segment after segment, and how many
    each segment gave.
    """
    cdef Py_ssize_t nseg = starts.shape[0], n = rank.shape[0], total
    out = np.empty(n, np.int64)
    counts = np.zeros(nseg, np.int64)
    if keep <= 0 or n == 0:
        return out[:0], counts
    cdef int64_t[::1] res = out
    cdef int64_t[::1] cnt = counts
    cdef int64_t[::1] h = np.empty(keep, np.int64)
    cdef int64_t[::1] sk = np.empty(keep, np.int64)
    cdef int64_t[::1] p = np.empty(keep, np.int64)
    with nogil:
        total = _top_segments(&rank[0], &times[0], &starts[0], nseg, n, keep, &h[0], &sk[0], &p[0],
                              &res[0], &cnt[0])
    return out[:total], counts


def top_rows_float(const double[::1] values, const int64_t[::1] times, const int64_t[::1] starts,
                   Py_ssize_t keep, bint top):
    """``top_rows`` over float values compared as influxd's float reducers compare them (``top``: top(),
    else bottom()): a NaN is never better nor worse than anything (every comparison with it is false),
    which no rank can express."""
    cdef Py_ssize_t nseg = starts.shape[0], n = values.shape[0], i, total
    out = np.empty(n, np.int64)
    counts = np.zeros(nseg, np.int64)
    if keep <= 0 or n == 0:
        return out[:0], counts
    layout = np.dtype([("v", np.float64), ("t", np.int64), ("top", np.intc)], align=True)  # TopKey
    cdef int64_t[::1] res = out
    cdef int64_t[::1] cnt = counts
    cdef TopKey[::1] k = np.empty(n, dtype=layout)
    cdef int64_t[::1] h = np.empty(keep, np.int64)
    cdef TopKey[::1] sk = np.empty(keep, dtype=layout)
    cdef int64_t[::1] p = np.empty(keep, np.int64)
    with nogil:
        for i in range(n):
            k[i].v = values[i]
            k[i].t = times[i]
            k[i].top = top
        total = _top_segments(&k[0], &times[0], &starts[0], nseg, n, keep, &h[0], &sk[0], &p[0],
                              &res[0], &cnt[0])
    return out[:total], counts
