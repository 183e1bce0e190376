"""The transform kernels and Go's math functions against point-by-point references of influxd's reducers.

``transform.apply`` and ``chronus._ext.gomath`` work over whole arrays; the references below walk the points
one at a time the way influxd's stream reducers and Go's ``math`` package do, in plain Python floats (exact
IEEE doubles, no fused operations except an exact ``fma`` built from fractions).
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import numpy as np
import pytest

from chronus._ext import gomath
from chronus._ext.transform import moving_average_float
from chronus.query import transform as tf
from chronus.query.vector import FLOAT, INTEGER

SECOND = 1_000_000_000


def _reference(name: str, times: list[int], values: list, ascending: bool, unit: int, window: int):
    """influxd's reducers: one point in, at most one point out."""
    out_t, out_v = [], []
    prev = curr = None
    buf: list = []
    total = 0
    for t, v in zip(times, values, strict=True):
        if name in ("derivative", "non_negative_derivative", "difference", "non_negative_difference"):
            if curr is not None and curr[0] == t:
                continue
            prev, curr = curr, (t, v)
            if prev is None:
                continue
            diff = curr[1] - prev[1]
            if name.endswith("derivative"):
                elapsed = curr[0] - prev[0]
                elapsed = elapsed if ascending else -elapsed
                if name == "non_negative_derivative" and diff < 0:
                    continue
                out_t.append(t)
                out_v.append(float(diff) / (float(elapsed) / float(unit)))
            elif not (name == "non_negative_difference" and diff < 0):
                out_t.append(t)
                out_v.append(diff)
        elif name == "moving_average":
            if len(buf) == window:
                total -= buf.pop(0)
            buf.append(v)
            total += v
            if len(buf) == window:
                out_t.append(t)
                out_v.append(total / window)
        elif name == "cumulative_sum":
            total += v
            out_t.append(t)
            out_v.append(total)
        elif name == "elapsed":
            prev, curr = curr, t
            if prev is not None:
                out_t.append(t)
                out_v.append(int((curr - prev) / unit) if abs(curr - prev) < 2**52 else (curr - prev) // unit)
    return out_t, out_v


def _series(rng: random.Random, kind: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    times = np.cumsum([rng.choice((0, 1, 7, 60)) * SECOND for _ in range(n)]).astype(np.int64)
    if kind == FLOAT:
        values = np.array([round(rng.uniform(-100, 100), rng.randint(0, 6)) for _ in range(n)], np.float64)
    else:
        values = np.array([rng.randint(-1000, 1000) for _ in range(n)], np.int64)
    return times, values


@pytest.mark.parametrize("name", tf.CORE)
@pytest.mark.parametrize("kind", [FLOAT, INTEGER])
@pytest.mark.parametrize("ascending", [True, False])
def test_transform_matches_reducers(name: str, kind: str, ascending: bool) -> None:
    rng = random.Random(f"{name}{kind}{ascending}")
    for n in (0, 1, 2, 3, 50):
        times, values = _series(rng, kind, n)
        if not ascending:
            times, values = times[::-1], values[::-1]
        unit = SECOND if name != "elapsed" else 7 * SECOND
        t, col = tf.apply(name, times, values, kind, ascending, unit, 3)
        want_t, want_v = _reference(name, times.tolist(), values.tolist(), ascending, unit, 3)
        assert t.tolist() == want_t
        assert col.valid.all()
        assert col.kind == tf.result_kind(name, kind)
        assert col.values.tolist() == want_v


def test_moving_average_keeps_the_running_sum_rounding() -> None:
    values = np.array([0.1, 0.2, 0.3, 1e16, 1.0, 2.0, 3.0])
    running, out = 0.0, []
    for i, v in enumerate(values.tolist()):
        if i >= 2:
            running -= values[i - 2]
        running += v
        if i >= 1:
            out.append(running / 2)
    assert moving_average_float(values, 2).tolist() == out



def _cuts(rng: random.Random, times: np.ndarray) -> list[int]:
    """Random piece boundaries that never split the points of one time."""
    starts = [i for i in range(1, len(times)) if times[i] != times[i - 1]]
    return sorted(rng.sample(starts, rng.randint(0, len(starts)))) if starts else []


@pytest.mark.parametrize("name", tf.CONTINUABLE)
@pytest.mark.parametrize("kind", [FLOAT, INTEGER])
@pytest.mark.parametrize("ascending", [True, False])
def test_continued_pieces_answer_as_the_whole_stream(name: str, kind: str, ascending: bool) -> None:
    """``Continued`` fed a stream in random pieces gives exactly ``apply`` over the whole stream (values
    whose float sums depend on the order; ties in time; windows and periods longer than a piece)."""
    rng = random.Random(f"{name}{kind}{ascending}")
    params = (3, -1, "exponential") if name in tf.technical.TECHNICAL else ()
    for n in (0, 1, 2, 5, 60, 400):
        times, values = _series(rng, kind, n)
        if kind == FLOAT:
            values = values * np.array([10.0 ** rng.randint(-8, 12) for _ in range(n)])
        if not ascending:
            times, values = times[::-1], values[::-1]
        unit = SECOND if name != "elapsed" else 7 * SECOND
        window = rng.choice((1, 3, 20))
        whole_t, whole = tf.apply(name, times, values, kind, ascending, unit, window, params)
        state = tf.Continued(name, kind, ascending, unit, window, params)
        got_t, got_v = [], []
        edges = [0, *_cuts(rng, times), n]
        for a, b in zip(edges, edges[1:], strict=False):
            t, col = state.feed(times[a:b], values[a:b])
            assert col.kind == whole.kind
            got_t += t.tolist()
            got_v += col.values.tolist()
        assert got_t == whole_t.tolist()
        floats = whole.values.dtype.kind == "f"
        assert np.array_equal(np.array(got_v, whole.values.dtype), whole.values, equal_nan=floats)


# -- Go's math, in plain Python --------------------------------------------------------------------------

_PI4 = (7.85398125648498535156e-1, 3.77489470793079817668e-8, 2.69515142907905952645e-15)
_SIN = (1.58962301576546568060e-10, -2.50507477628578072866e-8, 2.75573136213857245213e-6,
        -1.98412698295895385996e-4, 8.33333333332211858878e-3, -1.66666666666666307295e-1)
_COS = (-1.13585365213876817300e-11, 2.08757008419747316778e-9, -2.75573141792967388112e-7,
        2.48015872888517045348e-5, -1.38888888888730564116e-3, 4.16666666666665929218e-2)
_FOUR_OVER_PI = float.fromhex("0x1.45f306dc9c883p+0")


def _poly(coeffs, z):
    acc = coeffs[0] * z
    for c in coeffs[1:-1]:
        acc = (acc + c) * z
    return acc + coeffs[-1]


def _go_sin(x: float) -> float:
    if x == 0 or math.isnan(x):
        return x
    sign = x < 0
    x = abs(x)
    j = int(x * _FOUR_OVER_PI)
    y = float(j)
    if j & 1:
        j, y = j + 1, y + 1
    j &= 7
    z = ((x - y * _PI4[0]) - y * _PI4[1]) - y * _PI4[2]
    if j > 3:
        sign, j = not sign, j - 4
    zz = z * z
    r = 1.0 - 0.5 * zz + zz * zz * _poly(_COS, zz) if j in (1, 2) else z + z * zz * _poly(_SIN, zz)
    return -r if sign else r


def _go_log(x: float) -> float:
    if x == 0:
        return -math.inf
    if x < 0:
        return math.nan
    f1, k = math.frexp(x)
    if f1 <= 7.07106781186547524401e-01:
        f1, k = f1 * 2, k - 1
    f, k = f1 - 1, float(k)
    s = f / (2 + f)
    s2 = s * s
    s4 = s2 * s2
    t1 = s2 * (((1.479819860511658591e-01 * s4 + 1.818357216161805012e-01) * s4 + 2.857142874366239149e-01)
               * s4 + 6.666666666666735130e-01)
    t2 = s4 * ((1.531383769920937332e-01 * s4 + 2.222219843214978396e-01) * s4 + 3.999999999940941908e-01)
    hfsq = 0.5 * f * f
    return k * 6.93147180369123816490e-01 - ((hfsq - (s * (hfsq + t1 + t2) + k * 1.90821492927058770002e-10))
                                             - f)


def _fma(a: float, b: float, c: float) -> float:
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def _go_exp(x: float) -> float:
    if x > 7.09782712893384e+02:
        return math.inf
    e = round(x * 1.4426950408889634073599246810018920)
    t = float(e)
    x = _fma(-0.69314718055966295651160180568695068359375, t, x)
    x = _fma(-0.28235290563031577122588448175013436025525412068e-12, t, x) * 0.0625
    p = 2.4801587301587301587e-5
    for c in (1.9841269841269841270e-4, 1.3888888888888888889e-3, 8.3333333333333333333e-3,
              4.1666666666666666667e-2, 1.6666666666666666667e-1, 0.5, 1.0):
        p = _fma(p, x, c)
    x = p * x
    for _ in range(3):
        x = x * (x + 2.0)
    x = _fma(x, x + 2.0, 1.0)
    return math.ldexp(x, e) if e + 0x3FF > 0 else x * 2.0 ** (e + 0x3FE - 1023) * 2.0 ** -1022


_SAMPLES = [-700.0, -20.5, -3.0, -2.0, -1.0, -0.5, -1e-3, 0.0, 1e-9, 0.1, 0.25, 0.5, 0.7, 0.99, 1.0, 2.5,
            10.0, 123.456, 700.0, 1e6, 3e8]


def test_gomath_matches_the_go_algorithms() -> None:
    rng = random.Random(7)
    xs = _SAMPLES + [rng.uniform(-50, 50) for _ in range(500)] + [rng.uniform(1e-6, 1e6) for _ in range(500)]
    arr = np.array(xs)
    assert gomath.sin(arr).tolist() == [_go_sin(x) for x in xs]
    positive = arr[arr > 0]
    assert gomath.ln(positive).tolist() == [_go_log(x) for x in positive.tolist()]
    assert gomath.log10(positive).tolist() == [_go_log(x) * float.fromhex("0x1.bcb7b1526e50ep-2")
                                               for x in positive.tolist()]
    assert gomath.exp(arr).tolist() == [_go_exp(x) for x in xs]


def _go_pow(x: float, y: float) -> float:
    """Go 1.19's ``math.Pow`` for finite x > 0 (the special cases are checked apart): the fraction of y
    through Exp(yf * Log(x)), the integer part by squaring Frexp's mantissa, powers of two kept apart."""
    if y == 0 or x == 1:
        return 1.0
    if y == 1:
        return x
    if y == 0.5:
        return math.sqrt(x)
    if y == -0.5:
        return 1 / math.sqrt(x)
    yf, yi = math.modf(abs(y))
    a1, ae = 1.0, 0
    if yf:
        if yf > 0.5:
            yf, yi = yf - 1, yi + 1
        a1 = _go_exp(yf * _go_log(x))
    x1, xe = math.frexp(x)
    i = int(yi)
    while i:
        if i & 1:
            a1, ae = a1 * x1, ae + xe
        x1, xe = x1 * x1, xe * 2
        if x1 < 0.5:
            x1, xe = x1 + x1, xe - 1
        i >>= 1
    if y < 0:
        a1, ae = 1 / a1, -ae
    return math.ldexp(a1, ae)


def test_gomath_pow_matches_go() -> None:
    """Not the C library's correctly rounded pow: 99**22 is 8.016305895390458e+43 in Go (and influxd)."""
    rng = random.Random(11)
    xs = [rng.lognormvariate(0, 4) for _ in range(2000)] + [99.0, 10.0, 1e-7, 1.25]
    ys = [float(rng.randint(-40, 40)) if rng.random() < 0.5 else rng.uniform(-20, 20) for _ in range(2000)]
    ys += [22.0, -3.0, 2.5, 0.3]
    got = gomath.pow(np.array(xs), np.array(ys)).tolist()
    assert got == [_go_pow(x, y) for x, y in zip(xs, ys, strict=True)]
    assert got[2000] == 8.016305895390458e+43
    xs = [0.0, -0.0, -0.0, 0.0, -8.0, -2.0, math.inf, -math.inf, -math.inf, -1.0, 0.5]
    ys = [-1.0, -3.0, 3.0, 2.0, 1 / 3, 3.0, -2.0, 3.0, -2.0, math.inf, -math.inf]
    special = gomath.pow(np.array(xs), np.array(ys))
    assert special[:4].tolist() == [math.inf, -math.inf, -0.0, 0.0]
    assert math.copysign(1, special[2]) == -1.0 and math.isnan(special[4])
    assert special[5:].tolist() == [-8.0, 0.0, -math.inf, 0.0, 1.0, math.inf]


def test_gomath_edges() -> None:
    """Go's special cases: NaN in, NaN out; log of 0 and of negatives; exp over- and underflow."""
    assert gomath.ln(np.array([0.0]))[0] == -math.inf
    assert math.isnan(gomath.ln(np.array([-1.0]))[0])
    assert gomath.exp(np.array([800.0, -800.0, -math.inf])).tolist() == [math.inf, 0.0, 0.0]
    assert math.isnan(gomath.asin(np.array([1.5]))[0])
    assert gomath.atan2(np.array([0.0, 1.0, -1.0]), np.array([-1.0, 0.0, -math.inf])).tolist() == [
        math.pi, math.pi / 2, -math.pi]
    assert gomath.sin(np.array([-2.0]))[0] == -0.9092974268256816  # influxd's answer; libm says ...817
