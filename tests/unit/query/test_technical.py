"""The Cython kernels of the technical-analysis functions and Holt-Winters against pure-Python references.

The references below restate influxd's reducers (gota's indicators, the Holt-Winters reducer and its
Nelder-Mead optimiser, Go's ``math.Pow``) one Python float operation at a time, in influxd's order; the
kernels must agree with them bit for bit on random data (the goldens pin both to influxd itself).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from chronus._ext import technical as kernel
from chronus.query import predict, technical
from chronus.query.executor import QueryPanic

# -- references -------------------------------------------------------------------------------------------


def go_pow(x: float, y: float) -> float:
    """Go's math.Pow for whole exponents: squaring the frexp mantissa, powers of two kept aside."""
    if y == 0 or x == 1:
        return 1.0
    if y == 1:
        return x
    if math.isnan(x) or math.isnan(y):
        return math.nan
    if x == 0:
        return 0.0 if y > 0 and y % 2 == 0 else (x if y > 0 else math.inf)
    if math.isinf(x):
        return go_pow(1 / x, -y) if x < 0 else (0.0 if y < 0 else math.inf)
    a1, ae = 1.0, 0
    x1, xe = math.frexp(x)
    i = int(abs(y))
    while i:
        if i & 1:
            a1 *= x1
            ae += xe
        x1 *= x1
        xe <<= 1
        if x1 < 0.5:
            x1 += x1
            xe -= 1
        i >>= 1
    if y < 0:
        a1, ae = 1 / a1, -ae
    try:
        return math.ldexp(a1, ae)
    except OverflowError:
        return math.copysign(math.inf, a1)


class Ema:
    def __init__(self, period: int, warm: int) -> None:
        self.period, self.last, self.count, self.alpha, self.warm = period, 0.0, 0, 2 / (period + 1), warm

    def warmed(self) -> bool:
        return self.count == self.period

    def add(self, v: float) -> float:
        if self.count == 0:
            avg = v
        elif not self.warmed():
            if self.warm == 1:
                avg = (self.last * self.count + v) / (self.count + 1)
            else:
                avg = (v - self.last) * (2 / (self.count + 2)) + self.last
        else:
            avg = (v - self.last) * self.alpha + self.last
        self.last = avg
        self.count = min(self.count + 1, self.period)
        return avg


def _div(a: float, b: float) -> float:
    """IEEE division (Python raises on a zero divisor)."""
    return float(np.float64(a) / np.float64(b)) if b == 0 else a / b


def reference_indicator(name: str, values: list[float], n: int, warm: int) -> list[float]:
    """Each indicator's value after every point, as gota computes it."""
    out = []
    e1, e2, e3 = Ema(n, warm), Ema(n, warm), Ema(n, warm)
    if name in ("rsi", "cmos"):
        e1 = Ema(n + 1, warm)
        e1.alpha = 1 / n
        e2 = Ema(n + 1, warm)
        e2.alpha = 1 / n
    last = last_v = 0.0
    ring = n if name in ("ker", "kama") else n - 1
    prices, diffs = [0.0] * max(ring, 1), [0.0] * max(ring, 1)
    idx = seen = 0
    noise = sum_up = sum_down = kama = 0.0
    span, slow = float(Fraction(56, 93)), float(Fraction(2, 31))
    with np.errstate(all="ignore"):
        for v in values:
            if name == "ema":
                cur = e1.add(v)
            elif name in ("dema", "tema", "trix"):
                a = e1.add(v)
                b = e2.add(a) if e1.warmed() or warm == 0 else a
                if name == "dema":
                    cur = 2 * a - b
                else:
                    c = e3.add(b) if e2.warmed() or warm == 0 else b
                    if name == "tema":
                        cur = 3 * a - 3 * b + c
                    else:
                        cur = (_div(c, last) - 1) * 100
                        last = c
            elif name in ("rsi", "cmos"):
                up = v - last_v if v > last_v else 0.0
                down = last_v - v if v < last_v else 0.0
                e1.add(up)
                e2.add(down)
                last_v = v
                if name == "rsi":
                    cur = 100 - _div(100, 1 + _div(e1.last, e2.last))
                else:
                    cur = 100.0 * _div(e1.last - e2.last, e1.last + e2.last)
            elif name in ("ker", "kama"):
                if name == "kama" and seen != ring + 1:
                    kama = prices[idx]
                oldest = 0 if idx + 1 >= ring else idx + 1
                signal = abs(v - prices[oldest])
                diff = abs(v - prices[idx])
                noise -= diffs[oldest]
                noise += diff
                idx = oldest
                prices[idx], diffs[idx] = v, diff
                if seen != ring + 1:
                    seen += 1
                er = 0.0 if signal == 0 or noise == 0 else signal / noise
                if name == "ker":
                    cur = er
                else:
                    kama = kama + go_pow(er * span + slow, 2) * (v - kama)
                    cur = kama
            else:  # cmo
                oldest = 0 if idx + 1 == ring else idx + 1
                diff = 0.0
                if seen:
                    diff = v - prices[idx]
                    if diff > 0:
                        sum_up += diff
                    elif diff < 0:
                        sum_down -= diff
                cur = 100.0 * ((sum_up - sum_down) / (sum_up + sum_down)) if sum_up or sum_down else 0.0
                if diffs[oldest] > 0:
                    sum_up -= diffs[oldest]
                elif diffs[oldest] < 0:
                    sum_down += diffs[oldest]
                prices[oldest], diffs[oldest] = v, diff
                idx = oldest
                if seen != ring + 2:
                    seen += 1
            out.append(cur)
    return out


def reference_holt_winters(y: list[float], h: int, m: int) -> list[float]:
    """The forecast (fitted values, then h more) of a gridded series, Nelder-Mead fitted as influxd does."""
    seasonal = m >= 2

    def forecast(params: list[float], horizon: int) -> list[float]:
        for k in range(4):
            params[k] = min(max(params[k], 0.0), 1.0) if not math.isnan(params[k]) else params[k]
        y_t, phi = y[0], params[3]
        phi_h, l_t, b_t = phi, params[4], params[5]
        so = m - 1
        out = [y_t]
        stm = stmh = 1.0
        with np.errstate(all="ignore"):
            for t in range(1, len(y) + horizon):
                if seasonal:
                    stm = params[6 + (t - m + so) % m]
                    stmh = params[6 + (t - m + t % m + so) % m]
                alpha, beta, gamma = params[0], params[1], params[2]
                l_new = alpha * _div(y_t, stm) + (1 - alpha) * (l_t + phi * b_t)
                b_new = beta * (l_new - l_t) + (1 - beta) * phi * b_t
                s_t = gamma * _div(y_t, l_t + phi * b_t) + (1 - gamma) * stm
                y_t = (l_new + phi_h * b_new) * stmh
                l_t, b_t = l_new, b_new
                phi_h += go_pow(phi, float(t))
                if seasonal:
                    params[6 + (t + so) % m] = s_t
                    so += 1
                out.append(y_t)
        return out

    def sse(params: list[float]) -> float:
        total = 0.0
        for f, actual in zip(forecast(params, 0), y, strict=True):
            if not math.isnan(actual):
                if math.isnan(f):
                    return math.inf
                total += (f - actual) * (f - actual)
        return total

    def optimize(start: list[float]) -> tuple[float, list[float]]:
        n = len(start)
        pn = (math.sqrt(n + 1) - 1 + n) / (n * math.sqrt(2))
        qn = (math.sqrt(n + 1) - 1) / (n * math.sqrt(2))
        v = [list(start)]
        v += [[(pn if i - 1 == j else qn) + start[j] for j in range(n)] for i in range(1, n + 1)]
        f = [sse(x) for x in v]
        for _ in range(1000):
            vg = vs = 0
            for i in range(n + 1):
                vg = i if f[i] > f[vg] else vg
                vs = i if f[i] < f[vs] else vs
            vh = vs
            for i in range(n + 1):
                vh = i if f[vh] < f[i] < f[vg] else vh
            vm = []
            for i in range(n):
                cent = 0.0
                for k in range(n + 1):
                    if k != vg:
                        cent += v[k][i]
                vm.append(cent / n)
            vr = [vm[i] + 1.0 * (vm[i] - v[vg][i]) for i in range(n)]
            fr = sse(vr)
            if f[vs] <= fr < f[vh]:
                v[vg], f[vg] = list(vr), fr
            if fr < f[vs]:
                ve = [vm[i] + 2.0 * (vr[i] - vm[i]) for i in range(n)]
                fe = sse(ve)
                v[vg], f[vg] = (list(ve), fe) if fe < fr else (list(vr), fr)
            if fr >= f[vh]:
                if f[vh] <= fr < f[vg]:
                    vc = [vm[i] + 0.5 * (vr[i] - vm[i]) for i in range(n)]
                else:
                    vc = [vm[i] - 0.5 * (vm[i] - v[vg][i]) for i in range(n)]
                fc = sse(vc)
                if fc < f[vg]:
                    v[vg], f[vg] = list(vc), fc
                else:
                    for row in range(n + 1):
                        if row != vs:
                            v[row] = [v[vs][i] + (v[row][i] - v[vs][i]) / 2.0 for i in range(n)]
                    f[vg] = sse(v[vg])
                    f[vh] = sse(v[vh])
            fsum = 0.0
            for x in f:
                fsum += x
            favg = fsum / (n + 1)
            s = 0.0
            with np.errstate(invalid="ignore"):
                for x in f:
                    s += go_pow(float(np.float64(x) - np.float64(favg)), 2.0) / n
            if math.sqrt(s) < 1e-4:
                break
        vs = 0
        for i in range(n + 1):
            vs = i if f[i] < f[vs] else vs
        best = list(v[vs])
        return sse(v[vs]), best

    l0 = b0 = 0.0
    if seasonal:
        for i in range(m):
            if not math.isnan(y[i]):
                l0 += (1 / m) * y[i]
        for i in range(min(m, len(y) - m)):
            if not math.isnan(y[i]) and not math.isnan(y[m + i]):
                b0 += 1 / (m * m) * (y[m + i] - y[i])
    else:
        l0 += 0.5 * y[0]
        if not math.isnan(y[1]):
            b0 = 0.5 * (y[1] - y[0])
    season = [_div(x, l0) if not math.isnan(x) else 0.0 for x in y[:m]] if seasonal else []
    params = [0.0, 0.0, 0.0, 0.0, l0, b0, *season]
    best, min_sse = None, math.inf
    grid = []
    g = 0.3
    while g < 1.0:
        grid.append(g)
        g += 0.4
    for alpha in grid:
        for beta in grid:
            for gamma in grid:
                for phi in grid:
                    params[:4] = [alpha, beta, gamma, phi]
                    value, found = optimize(params)
                    if value < min_sse or best is None:
                        min_sse, best = value, found
    return forecast(best, h)


# -- tests ------------------------------------------------------------------------------------------------


def _bits(values) -> list[int]:
    return np.asarray(values, np.float64).view(np.uint64).tolist()


def test_go_pow_matches_the_squaring_reference() -> None:
    rng = np.random.default_rng(7)
    xs = np.concatenate([rng.uniform(-3, 3, 300), [0.0, -0.0, 1.0, -1.0, 0.5, 1e-300, 1e300]])
    for x in xs.tolist():
        for y in (0.0, 1.0, 2.0, 3.0, 7.0, 30.0, 101.0):
            got, want = kernel.pow_go(x, y), go_pow(x, y)
            assert got == want or (math.isnan(got) and math.isnan(want)), (x, y)
    # squaring the mantissa once is exact rounding: Pow(x, 2) is x*x in the normal range
    assert all(kernel.pow_go(x, 2.0) == x * x for x in xs.tolist() if abs(x) > 1e-150)


_KERNEL = {"ema": kernel.EMA, "dema": kernel.DEMA, "tema": kernel.TEMA, "rsi": kernel.RSI,
           "trix": kernel.TRIX, "ker": kernel.KER, "kama": kernel.KAMA, "cmo": kernel.CMO,
           "cmos": kernel.CMOS}


@pytest.mark.parametrize("name", sorted(_KERNEL))
@pytest.mark.parametrize("n", [1, 2, 3, 7])
@pytest.mark.parametrize("warm", [0, 1])
def test_indicator_kernel_matches_reference(name: str, n: int, warm: int) -> None:
    if name == "cmo" and n == 1:
        pytest.skip("influxd panics there (test_indicator_hold_periods_and_defaults)")
    rng = np.random.default_rng(n * 10 + warm)
    values = np.round(rng.normal(0, 5, 60), 2)
    values[10:14] = values[9]  # a flat stretch: zero differences
    out, keep = kernel.indicator(values, _KERNEL[name], n, 0, warm)
    want = reference_indicator(name, values.tolist(), n, warm)
    assert _bits(out) == _bits(want)
    assert keep.tolist() == [not math.isinf(v) or name not in ("trix", "ker", "kama") for v in want]


def test_indicator_hold_periods_and_defaults() -> None:
    values = np.arange(10, dtype=np.float64)
    times = np.arange(10, dtype=np.int64) * 10
    t, _ = technical.apply("exponential_moving_average", times, values, (3, -1, "exponential"))
    assert t.tolist() == times[2:].tolist()  # warm count n - 1
    t, _ = technical.apply("triple_exponential_moving_average", times, values, (3, -1, "simple"))
    assert t.tolist() == times[6:].tolist()  # 3 (n - 1) with simple warmup
    t, _ = technical.apply("triple_exponential_derivative", times, values, (2, -1, "exponential"))
    assert t.tolist() == times[2:].tolist()
    t, v = technical.apply("chande_momentum_oscillator", times, values, (3, 0, "none"))
    assert t.tolist() == times.tolist() and v.tolist() == [0.0] + [100.0] * 9
    t, v = technical.apply("kaufmans_efficiency_ratio", times, values, (4, -1, "none"))
    assert t.tolist() == times[4:].tolist() and v.tolist() == [1.0] * 6
    with pytest.raises(QueryPanic, match=r"index out of range \[1\] with length 0"):
        technical.apply("chande_momentum_oscillator", times, values, (1, -1, "none"))
    assert technical.apply("chande_momentum_oscillator", times[:0], values[:0], (1, -1, "none"))[0].size == 0


@pytest.mark.parametrize(("m", "h", "gaps"), [(0, 3, ()), (3, 4, ()), (4, 2, (5, 6)), (1, 2, (3,))])
def test_holt_winters_kernel_matches_reference(m: int, h: int, gaps: tuple[int, ...]) -> None:
    interval = 600
    k = np.array([i for i in range(11) if i not in gaps], np.int64)
    values = np.round(20 + np.sin(k * 1.3) * 3 + k * 0.4, 3)
    times = k * interval + (k % 3) * 7  # off the grid: rounded to the nearest interval
    t, v = predict.forecast("holt_winters_with_fit", times, values, (h, m), interval)
    y = [math.nan] * 11
    for i, x in zip(k.tolist(), values.tolist(), strict=True):
        y[i] = x
    want = reference_holt_winters(y, h, m)
    fitted = [(i, x) for i, x in enumerate(want) if not math.isnan(x)]
    assert t.tolist() == [int(times[0]) + interval * i for i, _ in fitted]
    assert _bits(v) == _bits([x for _, x in fitted])
    t2, v2 = predict.forecast("holt_winters", times, values, (h, m), interval)
    assert t2.tolist() == [int(times[-1]) + interval * (i + 1) for i in range(h)]
    assert _bits(v2) == _bits(want[11:])


def test_holt_winters_gives_nothing_where_influxd_does() -> None:
    times = np.array([0, 600, 1200], np.int64)
    values = np.array([1.0, 2.0, 3.0])
    assert predict.forecast("holt_winters", times[:1], values[:1], (3, 0), 600)[0].size == 0  # one point
    assert predict.forecast("holt_winters", times, values, (3, 4), 600)[0].size == 0  # shorter than m
    assert predict.forecast("holt_winters", times[::-1].copy(), values[::-1].copy(), (3, 0), 600)[0].size == 0
    assert predict.forecast("holt_winters", np.array([0, 100]), values[:2], (3, 0), 600)[0].size == 0
