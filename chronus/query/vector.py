"""InfluxQL expression evaluation over whole columns (numpy), with influxd's value rules.

A ``Column`` is one typed array plus a validity mask (a null is an absent value). Binary operators follow
``influxql.ValuerEval``: integers and floats mix as floats, division by zero gives 0, integer division gives a
float in SELECT fields (``IntegerFloatDivision``) but stays integer in WHERE, a missing value next to a
boolean counts as false, comparisons of incompatible types are false and other operators on them are null.
Evaluated once per series over all its points, never per point in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from chronus.influxql import ast
from chronus.tsdb.index import compile_regex

FLOAT, INTEGER, UNSIGNED, STRING, BOOLEAN = "f", "i", "u", "s", "b"
_DTYPES = {FLOAT: np.float64, INTEGER: np.int64, UNSIGNED: np.uint64, BOOLEAN: np.bool_, STRING: object}
_COMPARE = ("=", "!=", "<", "<=", ">", ">=")


@dataclass
class Column:
    """Values of one kind (``f i u s b``, or None: every row null) and which rows hold one."""

    kind: str | None
    values: np.ndarray
    valid: np.ndarray

    @classmethod
    def null(cls, n: int) -> Column:
        return cls(None, np.zeros(n, np.float64), np.zeros(n, bool))

    @classmethod
    def constant(cls, value: Any, n: int) -> Column:
        if value is None:
            return cls.null(n)
        kind = _kind_of(value)
        if kind == STRING:
            values = np.empty(n, object)
            values[:] = value
        else:
            values = np.full(n, value, dtype=_DTYPES[kind])
        return cls(kind, values, np.ones(n, bool))

    def take(self, index: Any) -> Column:
        """The rows ``index`` selects (a slice, a boolean mask or positions)."""
        return Column(self.kind, self.values[index], self.valid[index])

    @classmethod
    def concat(cls, parts: list[Column]) -> Column:
        """The parts one after the other; parts of mixed kinds or dtypes become objects (strings win). A lone
        part comes back as it is (no copy)."""
        if len(parts) == 1 and (parts[0].kind != STRING or parts[0].values.dtype == object):
            return parts[0]
        kinds = {p.kind for p in parts if p.kind is not None}
        kind = kinds.pop() if len(kinds) == 1 else (None if not kinds else STRING)
        if kind == STRING or len({p.values.dtype for p in parts}) > 1:
            values = np.concatenate([p.values.astype(object) for p in parts])
        else:
            values = np.concatenate([p.values for p in parts])
        return cls(kind, values, np.concatenate([p.valid for p in parts]))

    def to_list(self) -> list:
        """Python values with None for nulls (and for NaN floats, as influxd serialises them)."""
        if self.kind is None:
            return [None] * len(self.valid)
        valid = self.valid
        if self.kind == FLOAT:
            valid = valid & ~np.isnan(self.values)
        out = self.values.tolist()
        if not valid.all():
            for i in np.flatnonzero(~valid).tolist():
                out[i] = None
        return out


_ALL_VALID = np.ones(0, bool)


def all_valid(n: int) -> np.ndarray:
    """A validity mask of ``n`` rows, all set, shared and read-only (a column read from storage has no
    nulls: one allocation per read series was measurable over many series)."""
    global _ALL_VALID
    if n > len(_ALL_VALID):
        grown = np.ones(max(n, 2 * len(_ALL_VALID), 1 << 16), bool)
        grown.flags.writeable = False
        _ALL_VALID = grown
    return _ALL_VALID[:n]


def _kind_of(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return BOOLEAN
    if isinstance(value, np.unsignedinteger):  # an unsigned literal (``literal_value``)
        return UNSIGNED
    if isinstance(value, float | np.floating):
        return FLOAT
    if isinstance(value, int | np.integer):
        return INTEGER
    return STRING


def literal_value(expr: ast.Expr) -> Any:
    if isinstance(expr, ast.IntegerLiteral | ast.NumberLiteral | ast.BooleanLiteral | ast.StringLiteral):
        return expr.val
    if isinstance(expr, ast.UnsignedLiteral):
        return np.uint64(expr.val)
    return None  # durations, times, regexes: ValuerEval has no value for them


def evaluate(expr: ast.Expr | None, env: dict, n: int, in_condition: bool = False) -> Column:
    """The column ``expr`` gives over ``n`` rows; ``env`` maps ``(name, type)`` / ``name`` to columns.

    In a WHERE condition integer division stays integer and a missing value is never read as false (the
    engine hands typed nils to the condition); in SELECT fields both rules of ``ValuerEval`` apply.
    """
    if isinstance(expr, ast.ParenExpr):
        return evaluate(expr.expr, env, n, in_condition)
    if isinstance(expr, ast.VarRef):
        col = env.get((expr.val, expr.type))
        if col is None:
            col = env.get(expr.val)
        return col if col is not None else Column.null(n)
    if isinstance(expr, ast.BinaryExpr):
        lhs = evaluate(expr.lhs, env, n, in_condition)
        if expr.op in ("=~", "!~") and isinstance(expr.rhs, ast.RegexLiteral):
            return _regex(expr.op, lhs, expr.rhs.val, n)
        rhs = evaluate(expr.rhs, env, n, in_condition)
        return binary(expr.op, lhs, rhs, not in_condition, not in_condition)
    if isinstance(expr, ast.Call):
        return _math_call(expr, env, n, in_condition)
    if isinstance(expr, ast.UnsignedLiteral):
        return Column(UNSIGNED, np.full(n, expr.val, np.uint64), np.ones(n, bool))
    return Column.constant(literal_value(expr), n)


def _regex(op: str, lhs: Column, pattern: str, n: int) -> Column:
    out = np.zeros(n, bool)
    if lhs.kind == STRING:
        regex = compile_regex(pattern)
        rows = np.flatnonzero(lhs.valid)
        hits = np.fromiter((regex.search(v) is not None for v in lhs.values[rows]), bool, len(rows))
        out[rows] = hits if op == "=~" else ~hits
    return Column(BOOLEAN, out, np.ones(n, bool))


def _as_float(col: Column) -> np.ndarray:
    return col.values.astype(np.float64)


def binary(op: str, lhs: Column, rhs: Column, int_float_division: bool = True,
           nil_is_false: bool = True) -> Column:
    """``lhs op rhs`` row by row with ValuerEval's rules."""
    n = len(lhs.valid)
    lk, rk = lhs.kind, rhs.kind
    if not nil_is_false and op in _COMPARE and (lk is None or rk is None):
        return _incompatible(op, n)
    if not nil_is_false and lk == BOOLEAN and rk == BOOLEAN and op not in ("AND", "OR"):
        present = lhs.valid & rhs.valid
        lhs = Column(lk, lhs.values, present)
        rhs = Column(rk, rhs.values, present)
    # a missing value next to a boolean reads as false
    if lk == BOOLEAN and rk in (BOOLEAN, None) or rk == BOOLEAN and lk is None:
        lv = np.where(lhs.valid, lhs.values, False).astype(bool) if lk == BOOLEAN else np.zeros(n, bool)
        rv = np.where(rhs.valid, rhs.values, False).astype(bool) if rk == BOOLEAN else np.zeros(n, bool)
        present = lhs.valid | rhs.valid
        ops = {"AND": lambda: lv & rv, "OR": lambda: lv | rv, "&": lambda: lv & rv, "|": lambda: lv | rv,
               "^": lambda: lv != rv, "=": lambda: lv == rv, "!=": lambda: lv != rv}
        if op in ops:
            return Column(BOOLEAN, ops[op]() & present, np.ones(n, bool))
        return _incompatible(op, n)
    both = lhs.valid & rhs.valid
    numeric = (FLOAT, INTEGER, UNSIGNED)
    if lk in numeric and rk in numeric:
        if FLOAT in (lk, rk):
            return _float_op(op, _as_float(lhs), _as_float(rhs), both)
        if lk == INTEGER and rk == INTEGER:
            return _int_op(op, lhs.values, rhs.values, both, int_float_division)
        if lk != rk and int_float_division:
            return _incompatible(op, n)  # influxd answers null for an integer with an unsigned in fields
        return _uint_op(op, lhs, rhs, both)
    if lk == STRING and op in ("=", "!="):
        if rk != STRING:
            return Column(BOOLEAN, np.zeros(n, bool), np.ones(n, bool))
        eq = np.zeros(n, bool)
        rows = np.flatnonzero(both)
        eq[rows] = lhs.values[rows] == rhs.values[rows]
        result = eq if op == "=" else (~eq & both)
        return Column(BOOLEAN, result, np.ones(n, bool))
    return _incompatible(op, n)


def _incompatible(op: str, n: int) -> Column:
    if op in _COMPARE:
        return Column(BOOLEAN, np.zeros(n, bool), np.ones(n, bool))
    return Column.null(n)


def _compare(op: str, a: np.ndarray, b: np.ndarray, valid: np.ndarray) -> Column | None:
    fn = {"=": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal, ">": np.greater,
          ">=": np.greater_equal}.get(op)
    if fn is None:
        return None
    with np.errstate(invalid="ignore"):
        result = fn(a, b) & valid
    return Column(BOOLEAN, result, np.ones(len(valid), bool))


def _float_op(op: str, a: np.ndarray, b: np.ndarray, valid: np.ndarray) -> Column:
    cmp = _compare(op, a, b, valid)
    if cmp is not None:
        return cmp
    with np.errstate(all="ignore"):
        if op == "+":
            out = a + b
        elif op == "-":
            out = a - b
        elif op == "*":
            out = a * b
        elif op == "/":
            out = np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))
        elif op == "%":
            out = np.fmod(a, b)
        else:
            return Column.null(len(valid))
    return Column(FLOAT, out, valid)


def _int_op(op: str, a: np.ndarray, b: np.ndarray, valid: np.ndarray, int_float_division: bool) -> Column:
    cmp = _compare(op, a, b, valid)
    if cmp is not None:
        return cmp
    zero = b == 0
    safe = np.where(zero, 1, b)
    with np.errstate(all="ignore"):
        if op == "+":
            out = a + b
        elif op == "-":
            out = a - b
        elif op == "*":
            out = a * b
        elif op == "/":
            if int_float_division:
                return Column(FLOAT, np.where(zero, 0.0, a / safe), valid)
            quotient = np.abs(a) // np.abs(safe) * np.sign(a) * np.sign(safe)
            out = np.where(zero, 0, quotient)
        elif op == "%":
            out = np.where(zero, 0, np.fmod(a, safe))
        elif op == "&":
            out = a & b
        elif op == "|":
            out = a | b
        elif op == "^":
            out = a ^ b
        else:
            return Column.null(len(valid))
    return Column(INTEGER, out.astype(np.int64), valid)


def _uint_op(op: str, lhs: Column, rhs: Column, valid: np.ndarray) -> Column:
    a = lhs.values.astype(np.uint64)
    b = rhs.values.astype(np.uint64)
    if op in ("<", "<=", ">", ">=") and (lhs.kind == INTEGER or rhs.kind == INTEGER):
        signed = lhs.values if lhs.kind == INTEGER else rhs.values
        negative = signed < 0
        cmp = _compare(op, a, b, valid)
        neg_result = (op in ("<", "<=")) == (lhs.kind == INTEGER)
        cmp.values = np.where(negative & valid, neg_result, cmp.values)
        return cmp
    cmp = _compare(op, a, b, valid)
    if cmp is not None:
        return cmp
    zero = b == 0
    safe = np.where(zero, np.uint64(1), b)
    with np.errstate(all="ignore"):
        out = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
               "/": lambda: np.where(zero, np.uint64(0), a // safe),
               "%": lambda: np.where(zero, np.uint64(0), a % safe),
               "&": lambda: a & b, "|": lambda: a | b, "^": lambda: a ^ b}.get(op)
        if out is None:
            return Column.null(len(valid))
        return Column(UNSIGNED, out().astype(np.uint64), valid)


def _math_call(expr: ast.Call, env: dict, n: int, in_condition: bool) -> Column:
    from chronus.query import mathfunc
    return mathfunc.call(expr.name, [evaluate(a, env, n, in_condition) for a in expr.args], n)
