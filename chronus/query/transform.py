"""Transform functions over one output series' points, as influxd 1.6.7's stream reducers compute them.

``derivative``, ``non_negative_derivative``, ``difference``, ``non_negative_difference``, ``moving_average``,
``cumulative_sum`` and ``elapsed`` each turn the points of one series (raw values, or the non-null results
of an inner aggregate per GROUP BY window) into new points, in the query's order: under ``ORDER BY time
DESC`` the points arrive newest first and each reducer sees them that way (a difference is then the older
value minus the newer one). Every function is numpy over the whole series; only moving_average's running
float sum needs the Cython kernel, to keep influxd's rounding. The technical-analysis indicators
(``technical.py``) and the Holt-Winters forecasts (``predict.py``) are dispatched from here as well.
"""

from __future__ import annotations

import numpy as np

from chronus._ext.transform import MovingAverage, moving_average_float
from chronus.query import predict, technical
from chronus.query.vector import BOOLEAN, FLOAT, INTEGER, STRING, UNSIGNED, Column

# the technical-analysis indicators (technical.py) and the Holt-Winters forecasts (predict.py) are stream
# transforms too; their extra arguments ride in ``params``
CORE = ("derivative", "non_negative_derivative", "difference", "non_negative_difference", "moving_average",
        "cumulative_sum", "elapsed")  # computed in this module
TRANSFORMS = (*CORE, *technical.TECHNICAL, *predict.HOLT_WINTERS)
# over an aggregate these read one window more than the query's range (cumulative_sum and the forecasts,
# which read their inner aggregate over the query's own windows, do not)
# the transforms ``Continued`` runs over a stream in pieces (a forecast needs its whole series)
CONTINUABLE = (*CORE, *technical.TECHNICAL)
EXTENDED = tuple(name for name in TRANSFORMS if name != "cumulative_sum" and name not in predict.HOLT_WINTERS)
_NUMERIC = (FLOAT, INTEGER, UNSIGNED)
_ANY = (FLOAT, INTEGER, UNSIGNED, STRING, BOOLEAN)
# the words influxd's "unsupported ... iterator type" errors use
ITERATOR_NAMES = {"derivative": "derivative", "non_negative_derivative": "derivative",
                  "difference": "difference", "non_negative_difference": "difference",
                  "moving_average": "moving average", "cumulative_sum": "cumulative sum",
                  "elapsed": "elapsed", **technical.ITERATOR_NAMES,
                  # influxd's holt_winters error names the elapsed iterator (a copy-paste in its source)
                  "holt_winters": "elapsed", "holt_winters_with_fit": "elapsed"}


def supported_kinds(name: str) -> tuple[str, ...]:
    """Input kinds the transform accepts (elapsed only looks at times; Holt-Winters no unsigned)."""
    if name in predict.HOLT_WINTERS:
        return (FLOAT, INTEGER)
    return _ANY if name == "elapsed" else _NUMERIC


def parameters(name: str, args: list) -> tuple:
    """The literal arguments after the field of a technical-analysis or Holt-Winters call (else ())."""
    if name in technical.TECHNICAL:
        return technical.parameters(name, args[1:])
    if name in predict.HOLT_WINTERS:
        return predict.parameters(args[1:])
    return ()


def result_kind(name: str, kind: str) -> str:
    """The kind a transform gives from its input's kind."""
    if name in ("derivative", "non_negative_derivative", "moving_average", *technical.TECHNICAL,
                *predict.HOLT_WINTERS):
        return FLOAT
    if name == "elapsed":
        return INTEGER
    return kind


def _advancing(times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points that move the stream on: of several points at one time only the first counts."""
    repeated = times[1:] == times[:-1]
    if not repeated.any():
        return times, values
    keep = np.concatenate(([True], ~repeated))
    return times[keep], values[keep]


def _go_div(a: np.ndarray, b: int) -> np.ndarray:
    """Go's integer division (truncates toward zero)."""
    q = np.abs(a) // abs(b)
    return np.where((a < 0) != (b < 0), -q, q)


def apply(name: str, times: np.ndarray, values: np.ndarray, kind: str, ascending: bool, unit: int = 0,
          window: int = 0, params: tuple = ()) -> tuple[np.ndarray, Column]:
    """The transform ``name`` over points in stream order; ``unit`` for derivative/elapsed (ns) and the
    Holt-Winters grid (the GROUP BY interval), ``window`` for moving_average, ``params`` (``parameters()``)
    for the indicators and forecasts. Returns the output times and values, in the same order."""
    if name in technical.TECHNICAL:
        t, v = technical.apply(name, times, values, params)
        return t, _column(FLOAT, v)
    if name in predict.HOLT_WINTERS:
        t, v = predict.forecast(name, times, values, params, unit)
        return t, _column(FLOAT, v)
    if name in ("derivative", "non_negative_derivative"):
        t, v = _advancing(times, values)
        if v.dtype == np.uint64:
            a, b = v[1:], v[:-1]
            diff = np.where(a >= b, (a - b).astype(np.float64), -((b - a).astype(np.float64)))
        elif kind == INTEGER:
            with np.errstate(over="ignore"):
                diff = (v[1:] - v[:-1]).astype(np.float64)
        else:
            diff = v[1:] - v[:-1]
        elapsed = t[1:] - t[:-1]
        if not ascending:
            elapsed = -elapsed
        with np.errstate(all="ignore"):
            out = diff / (elapsed.astype(np.float64) / float(unit))
        rows = ~(diff < 0) if name == "non_negative_derivative" else slice(None)
        return t[1:][rows], _column(FLOAT, out[rows])
    if name in ("difference", "non_negative_difference"):
        t, v = _advancing(times, values)
        with np.errstate(over="ignore"):
            out = v[1:] - v[:-1]
        if name == "non_negative_difference":
            rows = v[1:] >= v[:-1] if kind == UNSIGNED else ~(out < 0)
            return t[1:][rows], _column(kind, out[rows])
        return t[1:], _column(kind, out)
    if name == "moving_average":
        n = window
        if len(values) < n:
            return times[:0], _column(FLOAT, np.zeros(0, np.float64))
        if kind == FLOAT:
            out = moving_average_float(np.ascontiguousarray(values, np.float64), n)
        else:
            with np.errstate(over="ignore"):
                sums = np.cumsum(values)
                window_sums = sums[n - 1:].copy()
                window_sums[1:] -= sums[:-n]
            out = window_sums.astype(np.float64) / float(n)
        return times[n - 1:], _column(FLOAT, out)
    if name == "cumulative_sum":
        with np.errstate(over="ignore"):
            return times, _column(kind, np.cumsum(values))
    if name == "elapsed":
        return times[1:], _column(INTEGER, _go_div(times[1:] - times[:-1], unit))
    raise ValueError(f"not a transform: {name}")


def _column(kind: str, values: np.ndarray) -> Column:
    return Column(kind, values, np.ones(len(values), bool))


def _joined(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two runs of values one after the other (objects when their types differ, as a series' are)."""
    if a.dtype != b.dtype:
        return np.concatenate([a.astype(object), b.astype(object)])
    return np.concatenate([a, b])


class Continued:
    """One transform (``CONTINUABLE``) over a stream fed in consecutive pieces in stream order, each
    holding every point of its times: ``feed`` gives what ``apply`` over the whole stream gives at the
    piece's points, so a long stream is never held at once.

    What carries from piece to piece is the reducer's state: moving_average's running float sum and
    window, cumulative_sum's sum, an indicator's whole state. The others run again over the points the
    next answers depend on (those at the stream's last time; moving_average's last n - 1 values when they
    are integers, whose window sums are exact) and drop what those gave on their own."""

    def __init__(self, name: str, kind: str, ascending: bool, unit: int = 0, window: int = 0,
                 params: tuple = ()) -> None:
        if name not in CONTINUABLE:
            raise ValueError(f"not a transform over pieces: {name}")
        self.name, self.kind, self.ascending = name, kind, ascending
        self.unit, self.window, self.params = unit, window, params
        self._held: tuple[np.ndarray, np.ndarray] | None = None
        self._sum: np.ndarray | None = None
        self._running: MovingAverage | technical.Running | None = None
        if name in technical.TECHNICAL:
            self._running = technical.Running(name, params)
        elif name == "moving_average" and kind == FLOAT:
            self._running = MovingAverage(window)

    def feed(self, times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, Column]:
        """The transform's output at this piece's points: times and values."""
        if isinstance(self._running, technical.Running):
            t, v = self._running.feed(times, values)
            return t, _column(FLOAT, v)
        if isinstance(self._running, MovingAverage):  # a mean at each of the piece's last points
            out = self._running.feed(np.ascontiguousarray(values, np.float64))
            return times[len(times) - len(out):], _column(FLOAT, out)
        if self.name == "cumulative_sum":
            with np.errstate(over="ignore"):
                out = np.cumsum(values if self._sum is None else _joined(self._sum, values))
            if self._sum is not None:
                out = out[1:]
            if len(out):
                self._sum = out[-1:]
            return times, _column(self.kind, out)
        return self._again(times, values)

    def _again(self, times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, Column]:
        drop = 0
        if self._held is not None:
            held_times, held_values = self._held
            drop = len(self._apply(held_times, held_values)[0])
            times, values = np.concatenate([held_times, times]), _joined(held_values, values)
        if self.name == "moving_average":
            keep = max(0, len(times) - (self.window - 1))
        else:
            keep = len(times) - int(np.count_nonzero(times == times[-1])) if len(times) else 0
        self._held = (times[keep:], values[keep:])
        t, col = self._apply(times, values)
        return (t[drop:], col.take(slice(drop, None))) if drop else (t, col)

    def _apply(self, times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, Column]:
        return apply(self.name, times, values, self.kind, self.ascending, self.unit, self.window, self.params)
