# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# distutils: extra_compile_args = -O3 -ffp-contract=off
"""Go's math functions, bit for bit, over whole float64 arrays.

influxd's SELECT math functions call Go's ``math`` package, whose results can differ from the C library's in
the last bit (sin, cos, tan, atan, asin, acos, atan2 and log2/log10 are Cephes/FreeBSD polynomials in pure
Go; log and exp are amd64 assembly, exp taking its fused multiply-add path on CPUs with FMA). Answers must
match byte for byte, so these kernels evaluate the same polynomials with the same operation order (no
contraction into FMA except where Go's assembly uses one). Arguments of trig functions at or beyond 2**29
(where Go switches to Payne-Hanek reduction) fall back to the C library.
"""

import numpy as np

cimport numpy as cnp
from libc.math cimport copysign, fabs, fma, frexp, isinf, isnan, modf, nearbyint, sqrt
from libc.math cimport sin as c_sin, cos as c_cos, tan as c_tan
from libc.stdint cimport int64_t, uint64_t

cdef double NAN = float("nan")
cdef double INF = float("inf")
cdef double PI = float.fromhex("0x1.921fb54442d18p+1")
cdef double PI_2 = float.fromhex("0x1.921fb54442d18p+0")
cdef double PI_4 = float.fromhex("0x1.921fb54442d18p-1")
cdef double PI3_4 = float.fromhex("0x1.2d97c7f3321d2p+1")
cdef double FOUR_OVER_PI = float.fromhex("0x1.45f306dc9c883p+0")
cdef double INV_LN10 = float.fromhex("0x1.bcb7b1526e50ep-2")
cdef double INV_LN2 = float.fromhex("0x1.71547652b82fep+0")
cdef double PI4A = 7.85398125648498535156e-1
cdef double PI4B = 3.77489470793079817668e-8
cdef double PI4C = 2.69515142907905952645e-15
cdef double REDUCE_THRESHOLD = 536870912.0  # 1 << 29

cdef double S0 = 1.58962301576546568060e-10, S1 = -2.50507477628578072866e-8
cdef double S2 = 2.75573136213857245213e-6, S3 = -1.98412698295895385996e-4
cdef double S4 = 8.33333333332211858878e-3, S5 = -1.66666666666666307295e-1
cdef double C0 = -1.13585365213876817300e-11, C1 = 2.08757008419747316778e-9
cdef double C2 = -2.75573141792967388112e-7, C3 = 2.48015872888517045348e-5
cdef double C4 = -1.38888888888730564116e-3, C5 = 4.16666666666665929218e-2


cdef inline double _sin_poly(double z, double zz) noexcept nogil:
    return z + z * zz * ((((((S0 * zz) + S1) * zz + S2) * zz + S3) * zz + S4) * zz + S5)


cdef inline double _cos_poly(double zz) noexcept nogil:
    return 1.0 - 0.5 * zz + zz * zz * ((((((C0 * zz) + C1) * zz + C2) * zz + C3) * zz + C4) * zz + C5)


cdef inline double _octant(double x, uint64_t *j) noexcept nogil:
    """Cody-Waite reduction of x >= 0 to the octant j (even) and the remainder z."""
    cdef uint64_t q = <uint64_t>(x * FOUR_OVER_PI)
    cdef double y = <double>q
    if q & 1:
        q += 1
        y += 1
    j[0] = q
    return ((x - y * PI4A) - y * PI4B) - y * PI4C


cdef double go_sin(double x) noexcept nogil:
    cdef bint sign = False
    cdef uint64_t j
    cdef double z, zz, y
    if x == 0 or isnan(x):
        return x
    if isinf(x):
        return NAN
    if x < 0:
        x = -x
        sign = True
    if x >= REDUCE_THRESHOLD:
        y = c_sin(x)
        return -y if sign else y
    z = _octant(x, &j)
    j &= 7
    if j > 3:
        sign = not sign
        j -= 4
    zz = z * z
    y = _cos_poly(zz) if (j == 1 or j == 2) else _sin_poly(z, zz)
    return -y if sign else y


cdef double go_cos(double x) noexcept nogil:
    cdef bint sign = False
    cdef uint64_t j
    cdef double z, zz, y
    if isnan(x) or isinf(x):
        return NAN
    x = fabs(x)
    if x >= REDUCE_THRESHOLD:
        return c_cos(x)
    z = _octant(x, &j)
    j &= 7
    if j > 3:
        j -= 4
        sign = not sign
    if j > 1:
        sign = not sign
    zz = z * z
    y = _sin_poly(z, zz) if (j == 1 or j == 2) else _cos_poly(zz)
    return -y if sign else y


cdef double go_tan(double x) noexcept nogil:
    cdef bint sign = False
    cdef uint64_t j
    cdef double z, zz, y
    if x == 0 or isnan(x):
        return x
    if isinf(x):
        return NAN
    if x < 0:
        x = -x
        sign = True
    if x >= REDUCE_THRESHOLD:
        y = c_tan(x)
        return -y if sign else y
    z = _octant(x, &j)
    zz = z * z
    if zz > 1e-14:
        y = z + z * (zz * (((-1.30936939181383777646e4 * zz) + 1.15351664838587416140e6) * zz
                           + -1.79565251976484877988e7)
                     / ((((zz + 1.36812963470692954678e4) * zz + -1.32089234440210967447e6) * zz
                         + 2.50083801823357915839e7) * zz + -5.38695755929454629881e7))
    else:
        y = z
    if j & 2 == 2:
        y = -1 / y
    return -y if sign else y


cdef inline double _xatan(double x) noexcept nogil:
    cdef double z = x * x
    z = z * ((((-8.750608600031904122785e-01 * z + -1.615753718733365076637e+01) * z
                + -7.500855792314704667340e+01) * z + -1.228866684490136173410e+02) * z
             + -6.485021904942025371773e+01) / (((((z + 2.485846490142306297962e+01) * z
                                                   + 1.650270098316988542046e+02) * z
                                                  + 4.328810604912902668951e+02) * z
                                                 + 4.853903996359136964868e+02) * z
                                                + 1.945506571482613964425e+02)
    return x * z + x


cdef inline double _satan(double x) noexcept nogil:
    cdef double morebits = 6.123233995736765886130e-17
    if x <= 0.66:
        return _xatan(x)
    if x > 2.41421356237309504880:
        return PI_2 - _xatan(1 / x) + morebits
    return PI_4 + _xatan((x - 1) / (x + 1)) + 0.5 * morebits


cdef double go_atan(double x) noexcept nogil:
    if x == 0:
        return x
    if x > 0:
        return _satan(x)
    return -_satan(-x)


cdef double go_asin(double x) noexcept nogil:
    cdef bint sign = False
    cdef double temp
    if x == 0:
        return x
    if x < 0:
        x = -x
        sign = True
    if x > 1:
        return NAN
    temp = sqrt(1 - x * x)
    if x > 0.7:
        temp = PI_2 - _satan(temp / x)
    else:
        temp = _satan(x / temp)
    return -temp if sign else temp


cdef double go_acos(double x) noexcept nogil:
    return PI_2 - go_asin(x)


cdef inline double _copysign(double v, double s) noexcept nogil:
    cdef double a = fabs(v)
    cdef double probe = s
    cdef uint64_t bits = (<uint64_t *>&probe)[0]
    return -a if (bits >> 63) else a


cdef double go_atan2(double y, double x) noexcept nogil:
    cdef double q
    cdef double probe = x
    if isnan(y) or isnan(x):
        return NAN
    if y == 0:
        if x >= 0 and not ((<uint64_t *>&probe)[0] >> 63):
            return _copysign(0, y)
        return _copysign(PI, y)
    if x == 0:
        return _copysign(PI_2, y)
    if isinf(x):
        if x > 0:
            return _copysign(PI_4, y) if isinf(y) else _copysign(0, y)
        return _copysign(PI3_4, y) if isinf(y) else _copysign(PI, y)
    if isinf(y):
        return _copysign(PI_2, y)
    q = go_atan(y / x)
    if x < 0:
        if q <= 0:
            return q + PI
        return q - PI
    return q


cdef double go_log(double x) noexcept nogil:
    """The amd64 assembly: mantissa and exponent from the bits, then the FreeBSD polynomial."""
    cdef double probe = x
    cdef uint64_t bits = (<uint64_t *>&probe)[0]
    cdef uint64_t mbits
    cdef double f1, f, k, s, s2, s4, t1, t2, r, hfsq
    if bits & ~(<uint64_t>1 << 63) == 0:
        return -INF
    if bits >> 63:
        return NAN
    if bits >= <uint64_t>0x7FF0000000000000:
        return x
    mbits = (bits & <uint64_t>0x000FFFFFFFFFFFFF) | <uint64_t>0x3FE0000000000000
    f1 = (<double *>&mbits)[0]
    k = <double>(<int64_t>((bits >> 52) & 0x7FF) - 0x3FE)
    if f1 <= 7.07106781186547524401e-01:
        k = k - 1.0
        f1 = f1 * 2.0
    else:
        f1 = f1 * 1.0
    f = f1 - 1.0
    s = f / (2.0 + f)
    s2 = s * s
    s4 = s2 * s2
    t1 = s2 * (((1.479819860511658591e-01 * s4 + 1.818357216161805012e-01) * s4
                + 2.857142874366239149e-01) * s4 + 6.666666666666735130e-01)
    t2 = s4 * ((1.531383769920937332e-01 * s4 + 2.222219843214978396e-01) * s4 + 3.999999999940941908e-01)
    r = t1 + t2
    hfsq = 0.5 * f * f
    return k * 6.93147180369123816490e-01 - ((hfsq - (s * (hfsq + r) + k * 1.90821492927058770002e-10)) - f)


cdef double go_log2(double x) noexcept nogil:
    cdef int e
    cdef double frac = frexp(x, &e)
    if frac == 0.5:
        return <double>(e - 1)
    return go_log(frac) * INV_LN2 + <double>e


cdef double go_log10(double x) noexcept nogil:
    return go_log(x) * INV_LN10


cdef double go_exp(double x) noexcept nogil:
    """The amd64 assembly's FMA path (influxd took it on the recording CPU)."""
    cdef double probe = x
    cdef uint64_t bits = (<uint64_t *>&probe)[0]
    cdef double t, p, scale
    cdef int64_t e
    cdef uint64_t sbits
    if bits & ~(<uint64_t>1 << 63) >= <uint64_t>0x7FF0000000000000:
        if x == -INF:
            return 0.0
        return x
    if x > 7.09782712893384e+02:
        return INF
    t = x * 1.4426950408889634073599246810018920
    if t < -2147483648.0 or t > 2147483647.0:
        e = -2147483648
    else:
        e = <int64_t>nearbyint(t)
    t = <double>e
    x = fma(-0.69314718055966295651160180568695068359375, t, x)
    x = fma(-0.28235290563031577122588448175013436025525412068e-12, t, x)
    x = x * 0.0625
    p = 2.4801587301587301587e-5
    p = fma(p, x, 1.9841269841269841270e-4)
    p = fma(p, x, 1.3888888888888888889e-3)
    p = fma(p, x, 8.3333333333333333333e-3)
    p = fma(p, x, 4.1666666666666666667e-2)
    p = fma(p, x, 1.6666666666666666667e-1)
    p = fma(p, x, 0.5)
    p = fma(p, x, 1.0)
    x = p * x
    p = x + 2.0
    x = x * p
    p = x + 2.0
    x = x * p
    p = x + 2.0
    x = x * p
    p = x + 2.0
    x = fma(x, p, 1.0)
    e += 0x3FF
    if e <= 0:
        if e < -52:
            return 0.0
        sbits = <uint64_t>(e + 0x3FE) << 52
        scale = (<double *>&sbits)[0]
        x = x * scale
        e = 1
    elif e >= 0x7FF:
        return INF
    sbits = <uint64_t>e << 52
    scale = (<double *>&sbits)[0]
    return x * scale


cdef bint _is_odd_int(double x) noexcept nogil:
    cdef double xi
    if fabs(x) >= 9007199254740992.0:  # 1 << 53
        return False
    return modf(x, &xi) == 0.0 and (<int64_t>xi) & 1 == 1


cdef double go_ldexp(double frac, int64_t e) noexcept nogil:
    """Go's ``Ldexp``: normalise, add the exponent, round once through 2**-53 for subnormal results."""
    cdef double probe, m = 1.0
    cdef uint64_t bits
    cdef int fe
    if frac == 0.0 or isinf(frac) or isnan(frac):
        return frac
    if fabs(frac) < 2.2250738585072014e-308:  # subnormal: scaled into the normal range first
        frac = frac * 4503599627370496.0  # 1 << 52
        e -= 52
    probe = frac
    bits = (<uint64_t *>&probe)[0]
    e += <int64_t>((bits >> 52) & 0x7FF) - 1023
    if e < -1075:
        return copysign(0.0, frac)
    if e > 1023:
        return -INF if frac < 0 else INF
    if e < -1022:
        e += 53
        m = 1.0 / 9007199254740992.0
    bits &= ~(<uint64_t>0x7FF << 52)
    bits |= <uint64_t>(e + 1023) << 52
    return m * (<double *>&bits)[0]


cdef double go_pow(double x, double y) noexcept nogil:
    """Go 1.19's ``math.Pow`` (pure Go on amd64): x**frac(y) through Exp(yf * Log(x)), x**int(y) by repeated
    squaring of Frexp's mantissa with the powers of two kept apart, then ``Ldexp``."""
    cdef double yi, yf, a1, x1
    cdef int64_t ae = 0, xe, i
    cdef int fe
    if y == 0.0 or x == 1.0:
        return 1.0
    if y == 1.0:
        return x
    if isnan(x) or isnan(y):
        return NAN
    if x == 0.0:
        if y < 0:
            return copysign(INF, x) if _is_odd_int(y) else INF
        if y > 0:
            return x if _is_odd_int(y) else 0.0
    if isinf(y):
        if x == -1.0:
            return 1.0
        if (fabs(x) < 1.0) == (y > 0):
            return 0.0
        return INF
    if isinf(x):
        if x < 0:
            return go_pow(1.0 / x, -y)
        if y < 0:
            return 0.0
        if y > 0:
            return INF
    if y == 0.5:
        return sqrt(x)
    if y == -0.5:
        return 1.0 / sqrt(x)
    yf = modf(fabs(y), &yi)
    if yf != 0.0 and x < 0:
        return NAN
    if yi >= 9223372036854775808.0:  # 1 << 63
        if x == -1.0:
            return 1.0
        if (fabs(x) < 1.0) == (y > 0):
            return 0.0
        return INF
    a1 = 1.0
    if yf != 0.0:
        if yf > 0.5:
            yf = yf - 1.0
            yi = yi + 1.0
        a1 = go_exp(yf * go_log(x))
    x1 = frexp(x, &fe)
    xe = fe
    i = <int64_t>yi
    while i != 0:
        if xe < -4096 or xe > 4096:
            ae += xe
            break
        if i & 1 == 1:
            a1 = a1 * x1
            ae += xe
        x1 = x1 * x1
        xe <<= 1
        if x1 < 0.5:
            x1 = x1 + x1
            xe -= 1
        i >>= 1
    if y < 0:
        a1 = 1.0 / a1
        ae = -ae
    return go_ldexp(a1, ae)


ctypedef double (*unary_fn)(double) noexcept nogil


cdef object _map(unary_fn fn, values):
    cdef cnp.float64_t[::1] src = np.ascontiguousarray(values, np.float64)
    cdef Py_ssize_t n = src.shape[0], i
    out = np.empty(n, np.float64)
    cdef cnp.float64_t[::1] dst = out
    with nogil:
        for i in range(n):
            dst[i] = fn(src[i])
    return out


def sin(values):
    return _map(go_sin, values)


def cos(values):
    return _map(go_cos, values)


def tan(values):
    return _map(go_tan, values)


def asin(values):
    return _map(go_asin, values)


def acos(values):
    return _map(go_acos, values)


def atan(values):
    return _map(go_atan, values)


def ln(values):
    return _map(go_log, values)


def log2(values):
    return _map(go_log2, values)


def log10(values):
    return _map(go_log10, values)


def exp(values):
    return _map(go_exp, values)


ctypedef double (*binary_fn)(double, double) noexcept nogil


cdef object _map2(binary_fn fn, first, second):
    cdef cnp.float64_t[::1] a = np.ascontiguousarray(first, np.float64)
    cdef cnp.float64_t[::1] b = np.ascontiguousarray(second, np.float64)
    cdef Py_ssize_t n = a.shape[0], i
    out = np.empty(n, np.float64)
    cdef cnp.float64_t[::1] dst = out
    with nogil:
        for i in range(n):
            dst[i] = fn(a[i], b[i])
    return out


cdef double _go_log_base(double x, double base) noexcept nogil:
    return go_log(x) / go_log(base)


def atan2(ys, xs):
    return _map2(go_atan2, ys, xs)


def log(xs, bases):
    """Go's ``Log(x) / Log(b)``."""
    return _map2(_go_log_base, xs, bases)


def pow(xs, ys):
    """Go's ``Pow(x, y)`` row by row."""
    return _map2(go_pow, xs, ys)
