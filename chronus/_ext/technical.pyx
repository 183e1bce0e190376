# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# distutils: extra_compile_args = -O3 -ffp-contract=off
"""Per-point kernels of influxd 1.6.7's technical-analysis functions and its Holt-Winters forecaster.

The answers must be bit-identical to influxd's, so every kernel keeps the state machine and the order of
floating-point operations of influxd's reducers (its vendored ``gota`` indicators and ``neldermead``
optimiser): one running state fed point by point, no contraction into fused multiply-adds (Go on amd64 never
fuses), and Go's ``math.Pow`` for integer exponents (successive squaring of the frexp mantissa). The
constant expressions Go folds exactly (KAMA's smoothing bounds) are rounded once, as Go's compiler does.
"""

import numpy as np

cimport numpy as cnp
from libc.math cimport NAN, INFINITY, isinf, isnan, frexp, pow as c_pow, fabs, sqrt
from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy

from fractions import Fraction

# the indicator kinds of ``indicator``
cdef enum:
    K_EMA = 0
    K_DEMA = 1
    K_TEMA = 2
    K_RSI = 3
    K_TRIX = 4
    K_KER = 5
    K_KAMA = 6
    K_CMO = 7
    K_CMOS = 8

# gota's warmup types
cdef enum:
    WARM_EMA = 0
    WARM_SMA = 1

# KAMA's 2/(2+1) - 2/(30+1) and 2/(30+1), folded exactly by Go's compiler then rounded once to float64
cdef double KAMA_SPAN = float(Fraction(2, 3) - Fraction(2, 31))
cdef double KAMA_SLOW = float(Fraction(2, 31))

EMA, DEMA, TEMA, RSI, TRIX, KER, KAMA, CMO, CMOS = range(9)


# -- Go's math.Pow (the integer-exponent path) and math.Ldexp ------------------------------------------------


cdef inline uint64_t _bits(double x) noexcept nogil:
    cdef uint64_t b
    memcpy(&b, &x, 8)
    return b


cdef inline double _from_bits(uint64_t b) noexcept nogil:
    cdef double x
    memcpy(&x, &b, 8)
    return x


cdef double go_ldexp(double frac, int64_t exp) noexcept nogil:
    """Go's math.Ldexp (a subnormal result rounds once; below 2**-1075 it is a signed zero)."""
    cdef double m = 1.0
    cdef uint64_t x
    if frac == 0 or isinf(frac) or isnan(frac):
        return frac
    if fabs(frac) < 2.2250738585072014e-308:
        frac *= 4503599627370496.0  # 1 << 52
        exp -= 52
    x = _bits(frac)
    exp += <int64_t>((x >> 52) & 0x7FF) - 1023
    if exp < -1075:
        return -0.0 if frac < 0 else 0.0
    if exp > 1023:
        return -INFINITY if frac < 0 else INFINITY
    if exp < -1022:
        exp += 53
        m = 1.0 / 9007199254740992.0  # 2**-53
    x &= ~(<uint64_t>0x7FF << 52)
    x |= <uint64_t>(exp + 1023) << 52
    return m * _from_bits(x)


cdef double go_pow(double x, double y) noexcept nogil:
    """Go's math.Pow; the exponents here are whole numbers, whose path is exact squaring of the mantissa."""
    cdef double yi, yf, a1, x1
    cdef int64_t ae, i
    cdef int xe_c
    cdef int64_t xe
    if y == 0 or x == 1:
        return 1.0
    if y == 1:
        return x
    if isnan(x) or isnan(y):
        return NAN
    if x == 0:
        if y < 0:
            if _odd_int(y):
                return INFINITY if _bits(x) >> 63 == 0 else -INFINITY
            return INFINITY
        if y > 0:
            if _odd_int(y):
                return x
            return 0.0
    if isinf(y):
        if x == -1:
            return 1.0
        if (fabs(x) < 1) == (y > 0):
            return 0.0
        return INFINITY
    if isinf(x):
        if x < 0:
            return go_pow(1 / x, -y)
        if y < 0:
            return 0.0
        if y > 0:
            return INFINITY
    if y == 0.5:
        return sqrt(x)
    if y == -0.5:
        return 1 / sqrt(x)
    yf = fabs(y)
    yi = <double><int64_t>yf if yf < 9.2e18 else yf
    yf = yf - yi
    if yf != 0:
        return c_pow(x, y)  # never reached by the callers here (whole exponents only)
    if yi >= 9223372036854775808.0:
        if x == -1:
            return 1.0
        if (fabs(x) < 1) == (y > 0):
            return 0.0
        return INFINITY
    a1 = 1.0
    ae = 0
    x1 = frexp(x, &xe_c)
    xe = xe_c
    i = <int64_t>yi
    while i != 0:
        if xe < -4096 or 4096 < xe:
            ae += xe
            break
        if i & 1 == 1:
            a1 *= x1
            ae += xe
        x1 *= x1
        xe <<= 1
        if x1 < 0.5:
            x1 += x1
            xe -= 1
        i >>= 1
    if y < 0:
        a1 = 1 / a1
        ae = -ae
    return go_ldexp(a1, ae)


cdef inline bint _odd_int(double y) noexcept nogil:
    cdef double a = fabs(y)
    if a >= 9007199254740992.0:
        return False
    cdef int64_t xi = <int64_t>a
    return <double>xi == a and (xi & 1) == 1


def pow_go(double x, double y) -> float:
    """Go's math.Pow for one pair (tests cross-check it against Python's exact integer powers)."""
    return go_pow(x, y)


# -- gota's indicators --------------------------------------------------------------------------------------


cdef struct Ema:
    int64_t period
    double last
    int64_t count
    double alpha
    int warm


cdef inline void ema_init(Ema *e, int64_t period, int warm) noexcept nogil:
    e.period = period
    e.last = 0.0
    e.count = 0
    e.alpha = 2 / <double>(period + 1)
    e.warm = warm


cdef inline bint ema_warmed(Ema *e) noexcept nogil:
    return e.count == e.period


cdef inline double ema_add(Ema *e, double v) noexcept nogil:
    cdef double avg, last, alpha
    if e.count == 0:
        avg = v
    else:
        last = e.last
        if not ema_warmed(e):
            if e.warm == WARM_SMA:
                avg = (last * <double>e.count + v) / <double>(e.count + 1)
            else:
                alpha = 2 / <double>(e.count + 2)
                avg = (v - last) * alpha + last
        else:
            avg = (v - last) * e.alpha + last
    e.last = avg
    if e.count < e.period:
        e.count += 1
    return avg


def warm_count(int kind, int64_t n, int warm) -> int:
    """gota's WarmCount: the default hold period of an indicator (points without output)."""
    if kind == K_EMA:
        return n - 1
    if kind == K_DEMA:
        return n - 1 if warm == WARM_EMA else 2 * (n - 1)
    if kind == K_TEMA:
        return n - 1 if warm == WARM_EMA else 3 * (n - 1)
    if kind == K_TRIX:
        return n if warm == WARM_EMA else 3 * (n - 1) + 1
    if kind == K_RSI or kind == K_CMOS:
        return n  # the up/down EMAs run over n + 1 points
    if kind == K_KER or kind == K_KAMA:
        return n
    return n - 1  # CMO's ring of n - 1 points


cdef class Indicator:
    """One indicator over one stream fed in consecutive pieces: its whole state (EMAs, rings, sums, the
    points seen) carries from piece to piece, so the pieces answer as the whole stream.

    A point is emitted once more than ``hold`` points went in (TRIX, KER and KAMA also drop infinities).
    """

    cdef int kind
    cdef int64_t hold
    cdef Py_ssize_t count_in  # points fed so far
    cdef Ema e1, e2, e3
    cdef double last, last_v, noise, sum_up, sum_down, kama_last
    cdef Py_ssize_t ring, idx
    cdef int64_t seen
    cdef double *prices
    cdef double *diffs
    cdef bint cmo_empty

    def __cinit__(self, int kind, int64_t n, int64_t hold, int warm):
        cdef Py_ssize_t i
        self.prices = NULL
        self.diffs = NULL
        self.kind = kind
        self.hold = hold
        self.count_in = 0
        self.last = 0.0
        self.last_v = 0.0
        self.noise = 0.0
        self.sum_up = 0.0
        self.sum_down = 0.0
        self.kama_last = 0.0
        self.idx = 0
        self.seen = 0
        self.ring = 0
        self.cmo_empty = kind == K_CMO and n - 1 == 0
        if kind == K_RSI or kind == K_CMOS:
            ema_init(&self.e1, n + 1, warm)
            self.e1.alpha = 1 / <double>n
            self.e2 = self.e1
        else:
            ema_init(&self.e1, n, warm)
            ema_init(&self.e2, n, warm)
            ema_init(&self.e3, n, warm)
        if kind == K_KER or kind == K_KAMA:
            self.ring = n
        elif kind == K_CMO:
            self.ring = n - 1
        if self.ring > 0:
            self.prices = <double *>malloc(self.ring * sizeof(double))
            self.diffs = <double *>malloc(self.ring * sizeof(double))
            if self.prices == NULL or self.diffs == NULL:
                raise MemoryError()
            for i in range(self.ring):
                self.prices[i] = 0.0
                self.diffs[i] = 0.0

    def __dealloc__(self):
        free(self.prices)
        free(self.diffs)

    def feed(self, cnp.float64_t[::1] values):
        """The indicator after each of these values and whether it is emitted: (values, mask).

        Raises IndexError for CMO with a period of 1 (influxd's reducer panics there: its ring is empty).
        """
        cdef Py_ssize_t count = values.shape[0]
        out = np.empty(count, np.float64)
        keep = np.zeros(count, np.bool_)
        cdef cnp.float64_t[::1] res = out
        cdef cnp.npy_bool[::1] emit = keep
        cdef int kind = self.kind
        cdef double v, a1, a2, a3, cur, up, down, diff, signal, sc, er, out_v
        cdef double last = self.last, last_v = self.last_v, noise = self.noise
        cdef double sum_up = self.sum_up, sum_down = self.sum_down, kama_last = self.kama_last
        cdef Py_ssize_t i, ring = self.ring, idx = self.idx, oldest, before = self.count_in
        cdef int64_t seen = self.seen, hold = self.hold
        cdef double *prices = self.prices
        cdef double *diffs = self.diffs
        cdef Ema e1 = self.e1, e2 = self.e2, e3 = self.e3
        cdef bint drop_inf = kind == K_TRIX or kind == K_KER or kind == K_KAMA
        if self.cmo_empty and count > 0:
            raise IndexError("index out of range [1] with length 0")
        with nogil:
            for i in range(count):
                v = values[i]
                if kind == K_EMA:
                    cur = ema_add(&e1, v)
                elif kind == K_DEMA:
                    a1 = ema_add(&e1, v)
                    if ema_warmed(&e1) or e1.warm == WARM_EMA:
                        a2 = ema_add(&e2, a1)
                    else:
                        a2 = a1
                    cur = 2 * a1 - a2
                elif kind == K_TEMA:
                    a1 = ema_add(&e1, v)
                    if ema_warmed(&e1) or e1.warm == WARM_EMA:
                        a2 = ema_add(&e2, a1)
                    else:
                        a2 = a1
                    if ema_warmed(&e2) or e2.warm == WARM_EMA:
                        a3 = ema_add(&e3, a2)
                    else:
                        a3 = a2
                    cur = 3 * a1 - 3 * a2 + a3
                elif kind == K_TRIX:
                    a1 = ema_add(&e1, v)
                    if ema_warmed(&e1) or e1.warm == WARM_EMA:
                        a1 = ema_add(&e2, a1)
                        if ema_warmed(&e2) or e2.warm == WARM_EMA:
                            a1 = ema_add(&e3, a1)
                    cur = ((a1 / last) - 1) * 100
                    last = a1
                elif kind == K_RSI or kind == K_CMOS:
                    up = 0.0
                    down = 0.0
                    if v > last_v:
                        up = v - last_v
                    elif v < last_v:
                        down = last_v - v
                    ema_add(&e1, up)
                    ema_add(&e2, down)
                    last_v = v
                    if kind == K_RSI:
                        cur = 100 - (100 / (1 + e1.last / e2.last))
                    else:
                        cur = 100.0 * ((e1.last - e2.last) / (e1.last + e2.last))
                elif kind == K_KER or kind == K_KAMA:
                    if kind == K_KAMA and seen != ring + 1:
                        kama_last = prices[idx]
                    oldest = idx + 1
                    if oldest >= ring:
                        oldest = 0
                    signal = fabs(v - prices[oldest])
                    diff = fabs(v - prices[idx])
                    noise -= diffs[oldest]
                    noise += diff
                    idx = oldest
                    prices[idx] = v
                    diffs[idx] = diff
                    if seen != ring + 1:
                        seen += 1
                    if signal == 0 or noise == 0:
                        er = 0.0
                    else:
                        er = signal / noise
                    if kind == K_KER:
                        cur = er
                    else:
                        sc = go_pow(er * KAMA_SPAN + KAMA_SLOW, 2)
                        kama_last = kama_last + sc * (v - kama_last)
                        cur = kama_last
                else:  # K_CMO
                    oldest = idx + 1
                    if oldest == ring:
                        oldest = 0
                    diff = 0.0
                    if seen != 0:
                        diff = v - prices[idx]
                        if diff > 0:
                            sum_up += diff
                        elif diff < 0:
                            sum_down -= diff
                    out_v = 0.0
                    if sum_up != 0 or sum_down != 0:
                        out_v = 100.0 * ((sum_up - sum_down) / (sum_up + sum_down))
                    if diffs[oldest] > 0:
                        sum_up -= diffs[oldest]
                    elif diffs[oldest] < 0:
                        sum_down += diffs[oldest]
                    prices[oldest] = v
                    diffs[oldest] = diff
                    idx = oldest
                    if seen != ring + 2:
                        seen += 1
                    cur = out_v
                res[i] = cur
                emit[i] = before + i + 1 > hold and not (drop_inf and isinf(cur))
        self.e1, self.e2, self.e3 = e1, e2, e3
        self.last, self.last_v, self.noise = last, last_v, noise
        self.sum_up, self.sum_down, self.kama_last = sum_up, sum_down, kama_last
        self.idx, self.seen = idx, seen
        self.count_in = before + count
        return out, keep


def indicator(cnp.float64_t[::1] values, int kind, int64_t n, int64_t hold, int warm):
    """The indicator ``kind`` over values in stream order; returns (value after each point, emitted mask)
    (``Indicator`` fed the whole stream at once)."""
    return Indicator(kind, n, hold, warm).feed(values)


# -- Holt-Winters ---------------------------------------------------------------------------------------------


cdef struct HW:
    double *y
    Py_ssize_t n_y
    int64_t m
    bint seasonal
    double *fc  # forecast buffer (n_y + h)


cdef inline void hw_constrain(double *x) noexcept nogil:
    cdef int k
    for k in range(4):
        if x[k] > 1:
            x[k] = 1
        if x[k] < 0:
            x[k] = 0


cdef void hw_forecast(HW *r, Py_ssize_t h, double *params, Py_ssize_t n_params) noexcept nogil:
    """influxd's forecast: constrains params[0:4] and runs the seasonal ring inside params[6:] in place."""
    cdef double y_t, phi, phi_h, l_t, b_t, s_t, stm = 1.0, stmh = 1.0, alpha, beta, gamma, l_new, b_new
    cdef double *seasonals = NULL
    cdef int64_t m = 0, so = 0, hm, t
    cdef Py_ssize_t total = r.n_y + h
    hw_constrain(params)
    y_t = r.y[0]
    phi = params[3]
    phi_h = phi
    l_t = params[4]
    b_t = params[5]
    if r.seasonal:
        seasonals = params + 6
        m = n_params - 6
        if m == 1:
            seasonals[0] = 1
        so = m - 1
    r.fc[0] = y_t
    for t in range(1, total):
        if r.seasonal:
            hm = t % m
            stm = seasonals[(t - m + so) % m]
            stmh = seasonals[(t - m + hm + so) % m]
        alpha = params[0]
        beta = params[1]
        gamma = params[2]
        l_new = alpha * (y_t / stm) + (1 - alpha) * (l_t + phi * b_t)
        b_new = beta * (l_new - l_t) + (1 - beta) * phi * b_t
        s_t = gamma * (y_t / (l_t + phi * b_t)) + (1 - gamma) * stm
        y_t = (l_new + phi_h * b_new) * stmh
        l_t = l_new
        b_t = b_new
        phi_h += go_pow(phi, <double>t)
        if r.seasonal:
            seasonals[(t + so) % m] = s_t
            so += 1
        r.fc[t] = y_t


cdef double hw_sse(HW *r, double *params, Py_ssize_t n_params) noexcept nogil:
    cdef double sse = 0.0, diff
    cdef Py_ssize_t i
    hw_forecast(r, 0, params, n_params)
    for i in range(r.n_y):
        if not isnan(r.y[i]):
            if isnan(r.fc[i]):
                return INFINITY
            diff = r.fc[i] - r.y[i]
            sse += diff * diff
    return sse


cdef double nelder_mead(HW *r, double *start, Py_ssize_t n, double epsilon, double scale, double *best,
                        double *work) noexcept nogil:
    """neldermead.Optimize over hw_sse (which rewrites the vertex it is given, as influxd's does)."""
    cdef double *v = work                 # (n + 1) x n vertices
    cdef double *f = work + (n + 1) * n   # n + 1 values
    cdef double *vr = f + (n + 1)
    cdef double *ve = vr + n
    cdef double *vc = ve + n
    cdef double *vm = vc + n
    cdef double pn, qn, cent, fr, fe, fc, fsum, favg, s, minimum
    cdef Py_ssize_t i, j, k, row, vg, vs, vh
    cdef int itr
    pn = scale * (sqrt(<double>(n + 1)) - 1 + <double>n) / (<double>n * sqrt(2.0))
    qn = scale * (sqrt(<double>(n + 1)) - 1) / (<double>n * sqrt(2.0))
    for i in range(n):
        v[i] = start[i]
    for i in range(1, n + 1):
        for j in range(n):
            if i - 1 == j:
                v[i * n + j] = pn + start[j]
            else:
                v[i * n + j] = qn + start[j]
    for j in range(n + 1):
        f[j] = hw_sse(r, v + j * n, n)
    for itr in range(1, 1001):
        vg = 0
        vs = 0
        for i in range(n + 1):
            if f[i] > f[vg]:
                vg = i
            if f[i] < f[vs]:
                vs = i
        vh = vs
        for i in range(n + 1):
            if f[i] > f[vh] and f[i] < f[vg]:
                vh = i
        for i in range(n):
            cent = 0.0
            for k in range(n + 1):
                if k != vg:
                    cent += v[k * n + i]
            vm[i] = cent / <double>n
        for i in range(n):
            vr[i] = vm[i] + 1.0 * (vm[i] - v[vg * n + i])
        fr = hw_sse(r, vr, n)
        if fr < f[vh] and fr >= f[vs]:
            for i in range(n):
                v[vg * n + i] = vr[i]
            f[vg] = fr
        if fr < f[vs]:
            for i in range(n):
                ve[i] = vm[i] + 2.0 * (vr[i] - vm[i])
            fe = hw_sse(r, ve, n)
            if fe < fr:
                for i in range(n):
                    v[vg * n + i] = ve[i]
                f[vg] = fe
            else:
                for i in range(n):
                    v[vg * n + i] = vr[i]
                f[vg] = fr
        if fr >= f[vh]:
            if fr < f[vg] and fr >= f[vh]:
                for i in range(n):
                    vc[i] = vm[i] + 0.5 * (vr[i] - vm[i])
            else:
                for i in range(n):
                    vc[i] = vm[i] - 0.5 * (vm[i] - v[vg * n + i])
            fc = hw_sse(r, vc, n)
            if fc < f[vg]:
                for i in range(n):
                    v[vg * n + i] = vc[i]
                f[vg] = fc
            else:
                for row in range(n + 1):
                    if row != vs:
                        for i in range(n):
                            v[row * n + i] = v[vs * n + i] + (v[row * n + i] - v[vs * n + i]) / 2.0
                f[vg] = hw_sse(r, v + vg * n, n)
                f[vh] = hw_sse(r, v + vh * n, n)
        fsum = 0.0
        for i in range(n + 1):
            fsum += f[i]
        favg = fsum / <double>(n + 1)
        s = 0.0
        for i in range(n + 1):
            s += go_pow(f[i] - favg, 2.0) / <double>n
        s = sqrt(s)
        if s < epsilon:
            break
    vs = 0
    for i in range(n + 1):
        if f[i] < f[vs]:
            vs = i
    for i in range(n):
        best[i] = v[vs * n + i]
    minimum = hw_sse(r, v + vs * n, n)
    return minimum


cdef inline int64_t _round_time(int64_t t, int64_t interval, int64_t half) noexcept nogil:
    cdef int64_t rem = t % interval
    if rem > half:
        return (t / interval + 1) * interval
    return (t / interval) * interval


def holt_winters(cnp.int64_t[::1] times, cnp.float64_t[::1] values, int64_t h, int64_t m, int64_t interval,
                 bint include_fit):
    """influxd's FloatHoltWintersReducer.Emit over one series' points (in stream order).

    Returns (times, values) of the forecast: the ``h`` points after the last one, or with ``include_fit``
    the fitted values from the first point on as well. Empty when influxd gives nothing (under two points,
    fewer than ``m`` with a season, a single or reversed time span).
    """
    cdef Py_ssize_t n_pts = times.shape[0], n_y, i, n_params, total
    cdef bint seasonal = m >= 2
    cdef int64_t half = interval / 2, start, stop, count, t, rounded
    cdef HW r
    cdef double l0 = 0.0, b0 = 0.0, alpha, beta, gamma, phi, sse, min_sse = INFINITY
    cdef double *params = NULL
    cdef double *cand = NULL
    cdef double *best = NULL
    cdef double *work = NULL
    cdef bint have_best = False
    empty = (np.zeros(0, np.int64), np.zeros(0, np.float64))
    if n_pts < 2 or (seasonal and n_pts < m) or h <= 0:
        return empty
    start = _round_time(times[0], interval, half)
    stop = _round_time(times[n_pts - 1], interval, half)
    count = (stop - start) / interval
    if count <= 0:
        return empty
    y_arr = np.empty(count + 1, np.float64)
    cdef cnp.float64_t[::1] y = y_arr
    y[0] = values[0]
    n_y = 1
    t = start
    for i in range(1, n_pts):
        rounded = _round_time(times[i], interval, half)
        if rounded <= t:
            continue
        t += interval
        while rounded != t:
            y[n_y] = NAN
            n_y += 1
            t += interval
        y[n_y] = values[i]
        n_y += 1
    if seasonal and n_y < m:
        raise IndexError(f"index out of range [{n_y}] with length {n_y}")
    if not seasonal and n_y < 2:
        raise IndexError("index out of range [1] with length 1")
    if seasonal:
        for i in range(m):
            if not isnan(y[i]):
                l0 += (1 / <double>m) * y[i]
        i = 0
        while i < m and m + i < n_y:
            if not isnan(y[i]) and not isnan(y[m + i]):
                b0 += 1 / <double>(m * m) * (y[m + i] - y[i])
            i += 1
    else:
        l0 += 0.5 * y[0]
        if not isnan(y[1]):
            b0 = 0.5 * (y[1] - y[0])
    n_params = 6 + (m if seasonal else 0)
    total = n_y + h
    fc_arr = np.empty(total, np.float64)
    cdef cnp.float64_t[::1] fc = fc_arr
    r.y = &y[0]
    r.n_y = n_y
    r.m = m
    r.seasonal = seasonal
    r.fc = &fc[0]
    params = <double *>malloc(n_params * sizeof(double))
    cand = <double *>malloc(n_params * sizeof(double))
    best = <double *>malloc(n_params * sizeof(double))
    work = <double *>malloc(((n_params + 1) * n_params + (n_params + 1) + 4 * n_params) * sizeof(double))
    if params == NULL or cand == NULL or best == NULL or work == NULL:
        free(params)
        free(cand)
        free(best)
        free(work)
        raise MemoryError()
    try:
        for i in range(n_params):
            params[i] = 0.0
        params[4] = l0
        params[5] = b0
        if seasonal:
            for i in range(m):
                params[6 + i] = y[i] / l0 if not isnan(y[i]) else 0.0
        with nogil:
            alpha = 0.3
            while alpha < 1.0:
                beta = 0.3
                while beta < 1.0:
                    gamma = 0.3
                    while gamma < 1.0:
                        phi = 0.3
                        while phi < 1.0:
                            params[0] = alpha
                            params[1] = beta
                            params[2] = gamma
                            params[3] = phi
                            sse = nelder_mead(&r, params, n_params, 1.0e-4, 1.0, cand, work)
                            if sse < min_sse or not have_best:
                                min_sse = sse
                                memcpy(best, cand, n_params * sizeof(double))
                                have_best = True
                            phi += 0.4
                        gamma += 0.4
                    beta += 0.4
                alpha += 0.4
            hw_forecast(&r, h, best, n_params)
    finally:
        free(params)
        free(cand)
        free(best)
        free(work)
    steps = np.arange(total, dtype=np.int64)
    if include_fit:
        out_t = times[0] + interval * steps
        keep = ~np.isnan(fc_arr)
        return out_t[keep], fc_arr[keep]
    tail = fc_arr[n_y:]
    out_t = times[n_pts - 1] + interval * (steps[:h] + 1)
    keep = ~np.isnan(tail)
    return out_t[keep], tail[keep]
