# cython: language_level=3, boundscheck=False, wraparound=False
"""Running kernels of the transform functions whose float rounding depends on the order of operations.

influxd's moving_average keeps one running float sum (subtract the value leaving the window, add the one
entering), so its results carry that sequence's rounding; a vectorised cumsum difference would not.
"""

import numpy as np

cimport numpy as cnp


def moving_average_float(cnp.float64_t[::1] values, Py_ssize_t n):
    """Mean of every full window of ``n`` values, the running sum updated point by point (len - n + 1)."""
    cdef Py_ssize_t count = values.shape[0]
    cdef Py_ssize_t size = count - n + 1 if count >= n else 0
    out = np.empty(size, np.float64)
    cdef cnp.float64_t[::1] res = out
    cdef double total = 0.0
    cdef Py_ssize_t i
    with nogil:
        for i in range(count):
            if i >= n:
                total -= values[i - n]
            total += values[i]
            if i >= n - 1:
                res[i - n + 1] = total / <double>n
    return out
