# cython: language_level=3, boundscheck=False, wraparound=False
"""Running kernels of the transform functions whose float rounding depends on the order of operations.

influxd's moving_average keeps one running float sum (subtract the value leaving the window, add the one
entering), so its results carry that sequence's rounding; a vectorised cumsum difference would not.
"""

import numpy as np

cimport numpy as cnp


cdef class MovingAverage:
    """moving_average's float kernel over one stream fed in consecutive pieces: the running sum and the
    window's last ``n`` values carry from piece to piece, so the pieces answer as the whole stream."""

    cdef Py_ssize_t n
    cdef Py_ssize_t seen  # points of the stream fed so far
    cdef double total
    cdef double[::1] ring  # the last n values, the value of stream point s at s % n

    def __init__(self, Py_ssize_t n):
        if n < 1:
            raise ValueError("moving_average needs a window of at least 1")
        self.n = n
        self.seen = 0
        self.total = 0.0
        self.ring = np.zeros(n, np.float64)

    def feed(self, cnp.float64_t[::1] values):
        """Mean of every full window ending at one of these values (the first n - 1 of the stream have
        none)."""
        cdef Py_ssize_t count = values.shape[0]
        cdef Py_ssize_t n = self.n
        cdef Py_ssize_t first = n - 1 - self.seen if self.seen < n - 1 else 0
        cdef Py_ssize_t size = count - first if count > first else 0
        out = np.empty(size, np.float64)
        cdef cnp.float64_t[::1] res = out
        cdef double[::1] ring = self.ring
        cdef double total = self.total
        cdef Py_ssize_t i, s = self.seen, slot
        with nogil:
            for i in range(count):
                slot = s % n
                if s >= n:
                    total -= ring[slot]
                total += values[i]
                ring[slot] = values[i]
                if s >= n - 1:
                    res[i - first] = total / <double>n
                s += 1
        self.total = total
        self.seen = s
        return out


def moving_average_float(cnp.float64_t[::1] values, Py_ssize_t n):
    """Mean of every full window of ``n`` values, the running sum updated point by point (len - n + 1)."""
    return MovingAverage(n).feed(values)
