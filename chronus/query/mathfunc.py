"""The math functions of SELECT fields and conditions (``abs`` ... ``round``), as influxd's ``MathValuer``.

Each call runs over whole columns: floats and integers (and unsigned) are numbers, anything else gives null;
``abs``/``floor``/``ceil``/``round`` keep an integer as it is, the others answer floats. The transcendental
functions are Go's own algorithms (``chronus._ext.gomath``) so results match influxd to the last bit; NaN
shows as null and an infinity makes influxd's JSON encoder fail, exactly as it does there.
"""

from __future__ import annotations

import numpy as np

from chronus._ext import gomath
from chronus.query.vector import FLOAT, INTEGER, UNSIGNED, Column

MATH_FUNCTIONS = frozenset((
    "abs", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "exp", "log", "ln", "log2", "log10",
    "sqrt", "pow", "floor", "ceil", "round"))
_NUMERIC = (FLOAT, INTEGER, UNSIGNED)
_UNARY = {"sin": gomath.sin, "cos": gomath.cos, "tan": gomath.tan, "asin": gomath.asin, "acos": gomath.acos,
          "atan": gomath.atan, "exp": gomath.exp, "ln": gomath.ln, "log2": gomath.log2,
          "log10": gomath.log10, "sqrt": np.sqrt}


def arg_count(name: str) -> int:
    return 2 if name in ("atan2", "pow", "log") else 1


def go_round(x: np.ndarray) -> np.ndarray:
    """Go's ``round``: halves away from zero."""
    t = np.trunc(x)
    return np.where(np.abs(x - t) >= 0.5, t + np.copysign(1.0, x), t)


_KEEP_INTEGERS = {"abs": np.abs, "floor": np.floor, "ceil": np.ceil, "round": go_round}


def call(name: str, args: list[Column], n: int) -> Column:
    """``name(args...)`` row by row; rows where an argument is null or not a number give null."""
    if len(args) != arg_count(name) or any(a.kind not in _NUMERIC for a in args):
        return Column.null(n)
    arg0 = args[0]
    if name in _KEEP_INTEGERS:
        if arg0.kind != FLOAT:
            return arg0
        return Column(FLOAT, _KEEP_INTEGERS[name](arg0.values), arg0.valid)
    a = arg0.values.astype(np.float64)
    with np.errstate(all="ignore"):
        if name in _UNARY:
            return Column(FLOAT, _UNARY[name](a), arg0.valid)
        b = args[1].values.astype(np.float64)
        valid = arg0.valid & args[1].valid
        if name == "pow":
            return Column(FLOAT, gomath.pow(a, b), valid)
        if name == "atan2":
            return Column(FLOAT, gomath.atan2(a, b), valid)
        return Column(FLOAT, gomath.log(a, b), valid)
