"""WHERE clauses of SELECT: literal folding and splitting off the time range, as InfluxQL does it.

``reduce`` folds literal arithmetic the way ``influxql.Reduce`` does (``now()`` becomes a time literal, date
strings next to times or durations become times, ``true AND x`` becomes ``x``); ``condition_expr`` is
``influxql.ConditionExpr``: it removes every ``time`` comparison (AND and OR alike: influxd intersects them
all) and returns the remaining condition with the [min, max] range, or influxd's error text.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from zoneinfo import ZoneInfo

from chronus.influxql import ast
from chronus.influxql.walk import walk

MIN_TIME = -(2**63) + 2
MAX_TIME = 2**63 - 2
NS = 1_000_000_000
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?\Z", re.ASCII)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z", re.ASCII)
_COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")


class ConditionError(Exception):
    """A condition influxd refuses; the text is influxd's."""


def _zone(location: str | None) -> _dt.tzinfo:
    return ZoneInfo(location) if location else _dt.UTC


def to_time_literal(text: str, location: str | None) -> int:
    """``StringLiteral.ToTimeLiteral``: ``2006-01-02 15:04:05.999999``, RFC3339Nano or a bare date, in ns."""
    match = _DATE_TIME.match(text)
    if match is None:
        date = _DATE.match(text)
        if date is None:
            raise ConditionError("invalid timestamp string")
        groups: tuple = (*date.groups(), "0", "0", "0", None, None)
    else:
        groups = match.groups()
        # the space form takes no zone and at most 6 fraction digits; RFC3339 needs the T and a zone
        if text[10] == " " and (groups[7] is not None or (groups[6] and len(groups[6]) > 6)):
            raise ConditionError("invalid timestamp string")
        if text[10] == "T" and groups[7] is None:
            raise ConditionError("invalid timestamp string")
    year, month, day, hour, minute, second = (int(g) for g in groups[:6])
    frac = int((groups[6] or "").ljust(9, "0") or 0)
    zone = groups[7]
    if zone is None:
        tz = _zone(location)
    elif zone == "Z":
        tz = _dt.UTC
    else:
        sign = 1 if zone[0] == "+" else -1
        tz = _dt.timezone(sign * _dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    try:
        moment = _dt.datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        raise ConditionError("invalid timestamp string") from None
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * NS + frac


def _lit_time(expr: ast.Expr, location: str | None) -> ast.TimeLiteral | None:
    if isinstance(expr, ast.StringLiteral):
        try:
            return ast.TimeLiteral(val=to_time_literal(expr.val, location))
        except ConditionError:
            return None
    return None


def _bool(value: bool) -> ast.BooleanLiteral:
    return ast.BooleanLiteral(val=bool(value))


def _compare(op: str, a, b) -> ast.BooleanLiteral | None:
    result = {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}.get(op)
    return None if result is None else _bool(result)


def _wrap_i64(value: int) -> int:
    return (value + 2**63) % 2**64 - 2**63


def reduce(expr: ast.Expr | None, now_ns: int | None, location: str | None = None) -> ast.Expr | None:
    """``influxql.Reduce`` with a ``NowValuer`` (``now_ns`` None: keep ``now()``); top parens dropped."""
    out = _reduce(expr, now_ns, location)
    if isinstance(out, ast.ParenExpr):
        return out.expr
    return out


def _reduce(expr: ast.Expr | None, now_ns: int | None, location: str | None) -> ast.Expr | None:
    if expr is None:
        return None
    if isinstance(expr, ast.BinaryExpr):
        return _reduce_binary(expr, now_ns, location)
    if isinstance(expr, ast.ParenExpr):
        inner = _reduce(expr.expr, now_ns, location)
        return ast.ParenExpr(expr=inner) if isinstance(inner, ast.BinaryExpr) else inner
    if isinstance(expr, ast.Call):
        if expr.name == "now" and now_ns is not None and not expr.args:
            return ast.TimeLiteral(val=now_ns)
        return ast.Call(name=expr.name, args=[_reduce(a, now_ns, location) for a in expr.args])
    if isinstance(expr, ast.VarRef):
        return ast.VarRef(val=expr.val, type=expr.type)
    return expr


def _reduce_binary(expr: ast.BinaryExpr, now_ns: int | None, location: str | None) -> ast.Expr:
    op = expr.op
    lhs = _reduce(expr.lhs, now_ns, location)
    rhs = _reduce(expr.rhs, now_ns, location)
    if op == "AND":
        if _is_bool(lhs, False) or _is_bool(rhs, False):
            return _bool(False)
        if _is_bool(lhs, True):
            return rhs
        if _is_bool(rhs, True):
            return lhs
    elif op == "OR":
        if _is_bool(lhs, True) or _is_bool(rhs, True):
            return _bool(True)
        if _is_bool(lhs, False):
            return rhs
        if _is_bool(rhs, False):
            return lhs
    folded = _fold(op, lhs, rhs, location)
    return folded if folded is not None else ast.BinaryExpr(op=op, lhs=lhs, rhs=rhs)


def _fold_unsigned(op: str, lhs: ast.UnsignedLiteral, rhs: ast.Expr, location: str | None) -> ast.Expr | None:
    """``reduceBinaryExprUnsignedLHS``: uint64 arithmetic (wrapping; / and % by 0 give 0), a float with a
    number, an integer cast to uint64 (a negative one first decides an ordering comparison)."""
    if isinstance(rhs, ast.NumberLiteral):
        return _fold(op, ast.NumberLiteral(val=float(lhs.val)), rhs, location)
    if isinstance(rhs, ast.IntegerLiteral):
        if rhs.val < 0 and op in ("<", "<=", ">", ">="):
            return _bool(op in (">", ">="))
        return _fold_unsigned(op, lhs, ast.UnsignedLiteral(val=rhs.val % 2**64), location)
    if not isinstance(rhs, ast.UnsignedLiteral):
        return None
    a, b = lhs.val, rhs.val
    if op in ("+", "-", "*"):
        return ast.UnsignedLiteral(val=(a + b if op == "+" else a - b if op == "-" else a * b) % 2**64)
    if op in ("/", "%"):
        return ast.UnsignedLiteral(val=0 if b == 0 else a // b if op == "/" else a % b)
    return _compare(op, a, b)


def _is_bool(expr: ast.Expr | None, value: bool) -> bool:
    return isinstance(expr, ast.BooleanLiteral) and expr.val is value


def _fold(op: str, lhs: ast.Expr, rhs: ast.Expr, location: str | None) -> ast.Expr | None:
    """One literal-op-literal step of Reduce; None when it stays a binary expression."""
    if isinstance(rhs, ast.NilLiteral) and isinstance(
            lhs, ast.BooleanLiteral | ast.DurationLiteral | ast.IntegerLiteral | ast.NumberLiteral
            | ast.TimeLiteral):
        return _bool(False)
    if isinstance(lhs, ast.BooleanLiteral):
        if isinstance(rhs, ast.BooleanLiteral):
            a, b = lhs.val, rhs.val
            value = {"=": a == b, "!=": a != b, "AND": a and b, "OR": a or b, "&": a and b, "|": a or b,
                     "^": a != b}.get(op)
            return None if value is None else _bool(value)
        return None
    if isinstance(lhs, ast.DurationLiteral):
        if isinstance(rhs, ast.DurationLiteral):
            if op in ("+", "-"):
                return ast.DurationLiteral(val=lhs.val + rhs.val if op == "+" else lhs.val - rhs.val)
            return _compare(op, lhs.val, rhs.val)
        if isinstance(rhs, ast.NumberLiteral | ast.IntegerLiteral):
            if op == "*":
                return ast.DurationLiteral(val=_wrap_i64(lhs.val * int(rhs.val)))
            if op == "/":
                div = int(rhs.val)
                return ast.DurationLiteral(val=0 if div == 0 else int(lhs.val / div))
            return None
        if isinstance(rhs, ast.TimeLiteral):
            return ast.TimeLiteral(val=rhs.val + lhs.val) if op == "+" else None
        if isinstance(rhs, ast.StringLiteral):
            t = _lit_time(rhs, location)
            return None if t is None else _fold(op, lhs, t, location)
        return None
    if isinstance(lhs, ast.IntegerLiteral):
        if isinstance(rhs, ast.NumberLiteral):
            return _fold(op, ast.NumberLiteral(val=float(lhs.val)), rhs, location)
        if isinstance(rhs, ast.IntegerLiteral):
            a, b = lhs.val, rhs.val
            if op in ("+", "-", "*"):
                value = a + b if op == "+" else a - b if op == "-" else a * b
                return ast.IntegerLiteral(val=_wrap_i64(value))
            if op == "/":
                return ast.NumberLiteral(val=0.0 if b == 0 else a / b)
            if op == "%":
                return ast.IntegerLiteral(val=0 if b == 0 else int(math.fmod(a, b)))
            if op in ("&", "|", "^"):
                return ast.IntegerLiteral(val=a & b if op == "&" else a | b if op == "|" else a ^ b)
            return _compare(op, a, b)
        if isinstance(rhs, ast.DurationLiteral):
            if op in ("+", "-"):
                return ast.TimeLiteral(val=lhs.val + rhs.val if op == "+" else lhs.val - rhs.val)
            return None
        if isinstance(rhs, ast.TimeLiteral):
            return _fold(op, ast.DurationLiteral(val=lhs.val), rhs, location)
        if isinstance(rhs, ast.StringLiteral):
            t = _lit_time(rhs, location)
            return None if t is None else _fold(op, ast.DurationLiteral(val=lhs.val), t, location)
        if isinstance(rhs, ast.UnsignedLiteral):
            if lhs.val < 0 and op in ("<", "<=", ">", ">="):  # no cast: a negative integer is the smaller
                return _bool(op in ("<", "<="))
            return _fold(op, ast.UnsignedLiteral(val=lhs.val % 2**64), rhs, location)
        return None
    if isinstance(lhs, ast.UnsignedLiteral):
        return _fold_unsigned(op, lhs, rhs, location)
    if isinstance(lhs, ast.NumberLiteral):
        if isinstance(rhs, ast.NumberLiteral | ast.IntegerLiteral | ast.UnsignedLiteral):
            a, b = lhs.val, float(rhs.val)
            if op == "+":
                return ast.NumberLiteral(val=a + b)
            if op == "-":
                return ast.NumberLiteral(val=a - b)
            if op == "*":
                return ast.NumberLiteral(val=a * b)
            if op == "/":
                return ast.NumberLiteral(val=0.0 if b == 0 else a / b)
            if op == "%":
                return ast.NumberLiteral(val=math.fmod(a, b) if b != 0 else math.nan)
            return _compare(op, a, b)
        return None
    if isinstance(lhs, ast.StringLiteral):
        if isinstance(rhs, ast.StringLiteral):
            if op in ("=", "!="):
                result = _bool(lhs.val == rhs.val if op == "=" else lhs.val != rhs.val)
                if lhs.is_time_literal() and rhs.is_time_literal():
                    a, b = _lit_time(lhs, location), _lit_time(rhs, location)
                    if a is not None and b is not None:
                        result = _fold(op, a, b, location) or result
                return result
            if op == "+":
                return ast.StringLiteral(val=lhs.val + rhs.val)
        if isinstance(rhs, ast.NilLiteral):
            return _bool(False) if op in ("=", "!=") else None
        if isinstance(rhs, ast.StringLiteral | ast.DurationLiteral | ast.TimeLiteral | ast.IntegerLiteral):
            t = _lit_time(lhs, location)
            return None if t is None else _fold(op, t, rhs, location)
        return None
    if isinstance(lhs, ast.TimeLiteral):
        if isinstance(rhs, ast.DurationLiteral | ast.IntegerLiteral):
            if op in ("+", "-"):
                return ast.TimeLiteral(val=lhs.val + rhs.val if op == "+" else lhs.val - rhs.val)
            return None
        if isinstance(rhs, ast.TimeLiteral):
            if op == "-":
                return ast.DurationLiteral(val=lhs.val - rhs.val)
            return _compare(op, lhs.val, rhs.val)
        if isinstance(rhs, ast.StringLiteral):
            t = _lit_time(rhs, location)
            return None if t is None else _fold(op, lhs, t, location)
        return None
    if isinstance(lhs, ast.NilLiteral) and op in ("=", "!="):
        return _bool(False)
    return None


def _format_rfc3339(ns: int) -> str:
    seconds = ns // NS
    return (_EPOCH + _dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _expr_go_type(expr: ast.Expr | None) -> str:
    return "<nil>" if expr is None else f"*influxql.{type(expr).__name__}"


def _time_range(op: str, rhs: ast.Expr, now_ns: int, location: str | None) -> tuple[int | None, int | None]:
    if isinstance(rhs, ast.StringLiteral) and rhs.is_time_literal():
        rhs = ast.TimeLiteral(val=to_time_literal(rhs.val, location))
    rhs = reduce(rhs, now_ns, location)
    if isinstance(rhs, ast.TimeLiteral):
        if rhs.val > MAX_TIME:
            raise ConditionError(f"time {_format_rfc3339(rhs.val)} overflows time literal")
        if rhs.val < MIN_TIME + 1:
            raise ConditionError(f"time {_format_rfc3339(rhs.val)} underflows time literal")
        value = rhs.val
    elif isinstance(rhs, ast.DurationLiteral | ast.IntegerLiteral):
        value = rhs.val
    elif isinstance(rhs, ast.NumberLiteral):
        value = int(rhs.val)
    else:
        raise ConditionError(f"invalid operation: time and {_expr_go_type(rhs)} are not compatible")
    if op == ">":
        return value + 1, None
    if op == ">=":
        return value, None
    if op == "<":
        return None, value - 1
    if op == "<=":
        return None, value
    if op == "=":
        return value, value
    raise ConditionError(f"invalid time comparison operator: {op}")


def _intersect(a: tuple, b: tuple) -> tuple:
    lo = a[0] if b[0] is None else b[0] if a[0] is None else max(a[0], b[0])
    hi = a[1] if b[1] is None else b[1] if a[1] is None else min(a[1], b[1])
    return lo, hi


_FLIP = {">": "<", "<": ">", ">=": "<=", "<=": ">="}


def _is_time(expr: ast.Expr | None) -> bool:
    return isinstance(expr, ast.VarRef) and expr.val.lower() == "time"


def condition_expr(cond: ast.Expr | None, now_ns: int, location: str | None = None
                   ) -> tuple[ast.Expr | None, int | None, int | None]:
    """The condition without time comparisons and the time range (None where unbounded).

    What is left must still be a condition: influxd runs ``ConditionExpr`` again over it when it builds
    the iterators, so a comparison-free term that reduced to a value (``WHERE now() - 1h``) is refused
    there with that value's text."""
    expr, rng = _condition(cond, now_ns, location)
    if isinstance(expr, ast.ParenExpr):
        expr = expr.expr
    if _is_bool(expr, True):
        expr = None
    if expr is not None and not isinstance(expr, ast.BinaryExpr | ast.BooleanLiteral):
        raise ConditionError(f"invalid condition expression: {expr}")
    return expr, rng[0], rng[1]


_ARITHMETIC = frozenset(("+", "-", "*", "/", "%", "&", "|", "^"))


def arithmetic_terms_true(expr: ast.Expr | None) -> ast.Expr | None:
    """The condition as the storage engine applies it to a measurement's series: its index walks AND / OR
    and parentheses and selects every series, with no filter left, for a term that is arithmetic rather
    than a comparison (``WHERE value + 1``, ``WHERE region * 2`` keep every point). A tag with a string
    stays (influxd keeps no series for ``WHERE host + 'x'``; seen on influxd, not derived)."""
    if isinstance(expr, ast.ParenExpr):
        inner = arithmetic_terms_true(expr.expr)
        return inner if isinstance(inner, ast.BooleanLiteral) else ast.ParenExpr(expr=inner)
    if isinstance(expr, ast.BinaryExpr):
        if expr.op in ("AND", "OR"):
            return ast.BinaryExpr(op=expr.op, lhs=arithmetic_terms_true(expr.lhs),
                                  rhs=arithmetic_terms_true(expr.rhs))
        if expr.op in _ARITHMETIC:
            nodes = list(walk(expr))
            tagged = any(isinstance(n, ast.VarRef) and n.type == ast.DataType.Tag for n in nodes)
            if not (tagged and any(isinstance(n, ast.StringLiteral) for n in nodes)):
                return _bool(True)
    return expr


def _condition(cond: ast.Expr | None, now_ns: int, location: str | None) -> tuple[ast.Expr | None, tuple]:
    if cond is None:
        return None, (None, None)
    if isinstance(cond, ast.BinaryExpr):
        if cond.op in ("AND", "OR"):
            lexpr, lrange = _condition(cond.lhs, now_ns, location)
            rexpr, rrange = _condition(cond.rhs, now_ns, location)
            rng = _intersect(lrange, rrange)
            if rexpr is None:
                return lexpr, rng
            if lexpr is None:
                return rexpr, rng
            return _reduce(ast.BinaryExpr(op=cond.op, lhs=lexpr, rhs=rexpr), None, location), rng
        if _is_time(cond.lhs):
            return None, _time_range(cond.op, cond.rhs, now_ns, location)
        if _is_time(cond.rhs):
            return None, _time_range(_FLIP.get(cond.op, cond.op), cond.lhs, now_ns, location)
        return _reduce(cond, now_ns, location), (None, None)
    if isinstance(cond, ast.ParenExpr):
        expr, rng = _condition(cond.expr, now_ns, location)
        if expr is None:
            return None, rng
        return _reduce(ast.ParenExpr(expr=expr), None, location), rng
    if isinstance(cond, ast.BooleanLiteral):
        return cond, (None, None)
    raise ConditionError(f"invalid condition expression: {cond}")
