"""influxd 1.6.7's technical-analysis functions over one output series' points.

``exponential_moving_average``, ``double_exponential_moving_average``, ``triple_exponential_moving_average``,
``relative_strength_index``, ``triple_exponential_derivative``, ``kaufmans_efficiency_ratio``,
``kaufmans_adaptive_moving_average`` and ``chande_momentum_oscillator`` are stream transforms: the points
(raw values, or the non-null results of an inner aggregate per GROUP BY window) feed one indicator in the
query's order, and after every point the indicator's current value is emitted at that point's time once
more than the hold period of points went in. The arguments are ``(field, period[, hold[, warmup]])``; the
hold period defaults to the indicator's warm-up count (-1 asks for it too) and the warmup type is
``exponential`` (or ``simple``; ``chande_momentum_oscillator`` defaults to ``none``, its unsmoothed form).
The per-point state machines are the Cython kernels of ``chronus._ext.technical``.
"""

from __future__ import annotations

import numpy as np

from chronus._ext import technical as kernel
from chronus.query.executor import QueryPanic

_KINDS = {
    "exponential_moving_average": kernel.EMA,
    "double_exponential_moving_average": kernel.DEMA,
    "triple_exponential_moving_average": kernel.TEMA,
    "relative_strength_index": kernel.RSI,
    "triple_exponential_derivative": kernel.TRIX,
    "kaufmans_efficiency_ratio": kernel.KER,
    "kaufmans_adaptive_moving_average": kernel.KAMA,
    "chande_momentum_oscillator": kernel.CMO,
}
TECHNICAL = tuple(_KINDS)
# the words influxd's "unsupported ... iterator type" errors use
ITERATOR_NAMES = {name: name.replace("_", " ") for name in TECHNICAL}
_WARMUP = {"exponential": 0, "simple": 1}


def parameters(name: str, args: list) -> tuple[int, int, str]:
    """(period, hold, warmup) from the call's literal arguments after the field (compile checked them)."""
    period = int(args[0].val)
    hold = int(args[1].val) if len(args) >= 2 else -1
    default = "none" if name == "chande_momentum_oscillator" else "exponential"
    warmup = str(args[2].val) if len(args) >= 3 else default
    return period, hold, warmup


def apply(name: str, times: np.ndarray, values: np.ndarray, params: tuple[int, int, str]
          ) -> tuple[np.ndarray, np.ndarray]:
    """The indicator over points in stream order: the times and values it emits."""
    return Running(name, params).feed(times, values)


class Running:
    """One indicator over a stream fed in consecutive pieces (stream order), answering as the whole."""

    def __init__(self, name: str, params: tuple[int, int, str]) -> None:
        period, hold, warmup = params
        kind = _KINDS[name]
        if kind == kernel.CMO and warmup != "none":
            kind = kernel.CMOS
        warm = _WARMUP.get(warmup, 0)
        if hold == -1:
            hold = kernel.warm_count(kind, period, warm)
        self._kernel = kernel.Indicator(kind, period, hold, warm)

    def feed(self, times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The times and values the indicator emits at these points."""
        try:
            out, keep = self._kernel.feed(np.ascontiguousarray(values, np.float64))
        except IndexError as err:
            # influxd's reducer panics here (an empty ring); the executor reports the panic
            raise QueryPanic(f"runtime error: {err}") from None
        return times[keep], out[keep]
