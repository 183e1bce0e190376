"""``holt_winters()`` and ``holt_winters_with_fit()``: influxd 1.6.7's damped Holt-Winters forecast.

Both run over the non-null results of their inner aggregate per GROUP BY window (after the statement's fill),
one forecast per output series: the points are placed on a grid of the GROUP BY interval (each time rounded
to the nearest multiple; a second point in a bucket is dropped, an empty bucket is a gap), starting values
come from the first season (or the first two points without one), and the smoothing parameters are fitted
by Nelder-Mead from a grid of 16 starting guesses, minimising the squared error of the fitted values. The
answer is ``h`` points after the last one (``holt_winters``) or, with ``_with_fit``, the fitted values from
the first point on as well. A season ``m`` below 2 means no season. Under ``ORDER BY time DESC`` the points
arrive newest first and influxd's grid is empty, so nothing is forecast. The optimiser and the recurrences
run in ``chronus._ext.technical`` with influxd's arithmetic order, so forecasts are bit-identical.
"""

from __future__ import annotations

import numpy as np

from chronus._ext import technical as kernel
from chronus.query import executor
from chronus.query.executor import QueryError

HOLT_WINTERS = ("holt_winters", "holt_winters_with_fit")


def parameters(args: list) -> tuple[int, int]:
    """(h, m): how many points to forecast and the season length, from the call's literal arguments."""
    return int(args[0].val), int(args[1].val)


def forecast(name: str, times: np.ndarray, values: np.ndarray, params: tuple[int, int], interval: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """The forecast (times, float values) of one series' points in stream order."""
    h, m = params
    if h > executor.MAX_SERIES_ROWS:
        raise QueryError(f"{name}() would forecast {h} points (at most {executor.MAX_SERIES_ROWS})")
    try:
        return kernel.holt_winters(np.ascontiguousarray(times, np.int64),
                                   np.ascontiguousarray(values, np.float64), h, m, interval,
                                   name == "holt_winters_with_fit")
    except IndexError as err:
        raise QueryError(f"runtime error: {err}") from None
