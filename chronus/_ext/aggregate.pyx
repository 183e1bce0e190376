# cython: language_level=3
"""Sequential per-window kernels whose floating-point result depends on the order of the points.

influxd's ``stddev`` keeps a running mean and ``integral`` streams trapezoids across window ends; both
are order-sensitive, so numpy's pairwise reductions would differ in the last bits. These loops follow the
same order (points sorted by window, then time) in C without the GIL.
"""

import numpy as np

cimport numpy as cnp
from libc.math cimport isnan, sqrt, NAN
from libc.stdint cimport int64_t, uint64_t

cnp.import_array()

cdef int64_t MIN_TIME = -9223372036854775806  # influxql.MinTime


def segment_stddev(const double[::1] values, const int64_t[::1] starts):
    """Sample standard deviation of every segment (NaN below two points), running mean first."""
    cdef Py_ssize_t nseg = starts.shape[0], n = values.shape[0], s, i, lo, hi
    cdef double mean, variance, d
    cdef long count
    out = np.empty(nseg, np.float64)
    cdef double[::1] res = out
    with nogil:
        for s in range(nseg):
            lo = starts[s]
            hi = starts[s + 1] if s + 1 < nseg else n
            if hi - lo < 2:
                res[s] = NAN
                continue
            mean = 0.0
            count = 0
            for i in range(lo, hi):
                if isnan(values[i]):
                    continue
                count += 1
                mean += (values[i] - mean) / <double>count
            variance = 0.0
            for i in range(lo, hi):
                if isnan(values[i]):
                    continue
                d = values[i] - mean
                variance += d * d
            res[s] = sqrt(variance / <double>(count - 1))
    return out


def integral(const int64_t[::1] times, const double[::1] values, const int64_t[::1] win_start,
             const int64_t[::1] win_end, int64_t unit, bint interval, bint ascending, bint integer=False):
    """influxd's ``integral`` reducer over points in stream order: (window times, areas).

    ``integer``: influxd's Integer/UnsignedIntegralReducer, which differs from the float one: it always
    checks the window end (without an interval its window is the query's range), a window starting at
    MinTime reports 0, and after interpolating at a window end it keeps the previous point's value and
    uses the interpolated value in place of the new point's for the first trapezoid of the next window.
    """
    cdef Py_ssize_t n = times.shape[0], i, k = 0
    out_t = np.empty(n + 1, np.int64)
    out_v = np.empty(n + 1, np.float64)
    cdef int64_t[::1] ot = out_t
    cdef double[::1] ov = out_v
    cdef int64_t prev_t = 0, ws = 0, we = 0, t
    cdef double prev_v = 0.0, total = 0.0, v, value, elapsed, m
    cdef bint have = False
    with nogil:
        for i in range(n):
            t = times[i]
            v = values[i]
            if not have:
                have = True
                prev_t = t
                prev_v = v
                if interval or integer:
                    if ascending:
                        ws = win_start[i]
                        we = win_end[i]
                    else:
                        we = win_start[i]
                        ws = win_end[i]
                    if integer and ws == MIN_TIME:
                        ws = 0
                continue
            if prev_t == t:
                prev_v = v
                continue
            if (interval or integer) and ((ascending and t >= we) or (not ascending and t <= we)):
                if prev_t != we:
                    m = (v - prev_v) / <double>(t - prev_t)
                    value = m * <double>(we - prev_t) + prev_v
                    elapsed = <double>(we - prev_t) / <double>unit
                    total += 0.5 * (value + prev_v) * elapsed
                    if integer:
                        v = value
                    else:
                        prev_v = value
                    prev_t = we
                ot[k] = ws
                ov[k] = total
                k += 1
                if ascending:
                    ws = win_start[i]
                    we = win_end[i]
                else:
                    we = win_start[i]
                    ws = win_end[i]
                total = 0.0
            elapsed = <double>(t - prev_t) / <double>unit
            total += 0.5 * (v + prev_v) * elapsed
            prev_t = t
            prev_v = values[i]
        if have and prev_t != ws:
            ot[k] = ws
            ov[k] = total
            k += 1
    return out_t[:k], out_v[:k]


def segment_sum(const double[::1] values, const int64_t[::1] starts, double first=0.0):
    """Sum of every segment, left to right (influxd's order; numpy may sum pairwise); the first segment's
    sum starts from ``first`` (a sum carried from rows before these)."""
    cdef Py_ssize_t nseg = starts.shape[0], n = values.shape[0], s, i, hi
    cdef double total
    out = np.empty(nseg, np.float64)
    cdef double[::1] res = out
    with nogil:
        for s in range(nseg):
            hi = starts[s + 1] if s + 1 < nseg else n
            total = first if s == 0 else 0.0
            for i in range(starts[s], hi):
                total += values[i]
            res[s] = total
    return out


ctypedef fused key_t:
    double
    int64_t
    uint64_t


cdef inline int _prefer(key_t a, key_t b, bint descending) noexcept nogil:
    """-1 when ``a`` ranks before ``b``, 1 after, 0 tied; NaN ranks after every number (numpy's sort)."""
    cdef bint a_nan = a != a, b_nan = b != b
    if a_nan or b_nan:
        return 0 if (a_nan and b_nan) else (1 if a_nan else -1)
    if a == b:
        return 0
    if descending:
        return -1 if a > b else 1
    return -1 if a < b else 1


cdef inline int _prefer_time(int64_t a, int64_t b, bint descending) noexcept nogil:
    if a == b:
        return 0
    if descending:
        return -1 if a > b else 1
    return -1 if a < b else 1


def segment_select(int mode, const int64_t[::1] win, const key_t[::1] keys, const int64_t[::1] times,
                   const int64_t[::1] position):
    """The row ``max`` (mode 0), ``min`` (1), ``first`` (2; 3 for booleans) or ``last`` (4) keeps in every
    run of equal ``win``: one pass instead of a four-key sort.

    max/min rank by value then the earliest time; first/last by time then the larger value (the smaller for
    booleans' first); full ties go to the lowest ``position``. Returns the rows and whether any window had
    a full tie (so that a caller can leave ``position`` unknown until one happens).
    """
    cdef Py_ssize_t n = win.shape[0], i, best, k = 0
    cdef int c
    cdef bint tied = False, any_tied = False
    out = np.empty(n, np.int64)
    cdef int64_t[::1] res = out
    if n == 0:
        return out, False
    with nogil:
        best = 0
        for i in range(1, n + 1):
            if i == n or win[i] != win[best]:
                res[k] = best
                k += 1
                best = i
                any_tied = any_tied or tied
                tied = False
                continue
            if mode <= 1:
                c = _prefer(keys[i], keys[best], mode == 0)
                if c == 0:
                    c = _prefer_time(times[i], times[best], False)
            else:
                c = _prefer_time(times[i], times[best], mode == 4)
                if c == 0:
                    c = _prefer(keys[i], keys[best], mode != 3)
            if c == 0:
                tied = True
                c = -1 if position[i] < position[best] else 1
            elif c < 0:
                tied = False
            if c < 0:
                best = i
    return out[:k], any_tied
