"""Compile-time checks of a SELECT, worded as influxd 1.6.7's ``query/compile.go`` words them.

``compile_select`` validates the statement before any shard is touched: the WHERE clause (time range split
off), GROUP BY dimensions, every field and function call, and the mutual compatibility of the fields. The
result records what later stages need (time range, direction, interval, the function calls found), so the
aggregate engine of a later issue can slot in behind the same checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chronus.influxql import ast
from chronus.query.condition import MAX_TIME, MIN_TIME, ConditionError, condition_expr, reduce
from chronus.query.mathfunc import MATH_FUNCTIONS, arg_count

__all__ = ["MATH_FUNCTIONS", "CompileError", "Compiled", "compile_select", "go_type"]

_SELECTORS = ("max", "min", "first", "last")
_AGGREGATES = ("count", "sum", "mean", "median", "mode", "stddev", "spread")
_EMA_LIKE = ("exponential_moving_average", "double_exponential_moving_average",
             "triple_exponential_moving_average", "relative_strength_index", "triple_exponential_derivative")


class CompileError(Exception):
    """A statement influxd refuses at compile time; the text is influxd's."""


def go_type(expr: ast.Expr | None) -> str:
    """Go's ``%T`` of an AST node."""
    return "<nil>" if expr is None else f"*influxql.{type(expr).__name__}"


def _go_duration(ns: int) -> str:
    from chronus.influxql.quoting import format_duration
    return format_duration(ns)


@dataclass
class Compiled:
    """What compiling found: condition, time range, order, interval, calls, the time column's name."""

    condition: ast.Expr | None = None
    tmin: int = MIN_TIME
    tmax: int = MAX_TIME
    ascending: bool = True
    interval: int = 0
    calls: list[ast.Call] = field(default_factory=list)
    only_selectors: bool = True
    has_distinct: bool = False
    top_bottom: str = ""
    has_aux: bool = False
    time_name: str = "time"
    fields: list[ast.Field] = field(default_factory=list)
    extra_intervals: int = 0
    limit: int = 0
    fill: ast.FillOption = ast.FillOption.NullFill
    inherited_interval: bool = False  # the interval came from an enclosing query (subqueries)
    subqueries: list[Compiled] = field(default_factory=list)  # one per SubQuery source, in order

    @property
    def is_raw(self) -> bool:
        return not self.calls

    @property
    def window_interval(self) -> int:
        """The interval the iterators make windows of: a negative GROUP BY time() passes compilation as an
        interval (the upper bound is now(), transforms are allowed) but influxd's iterator options take it
        as none (``newIteratorOptionsStmt``), so every point falls in one window."""
        return max(self.interval, 0)


def compile_select(stmt: ast.SelectStatement, now_ns: int, parent: Compiled | None = None) -> Compiled:
    """Validate ``stmt`` (not modified) and return what was learned; raises CompileError.

    ``parent`` is the compiled enclosing query of a subquery: the subquery takes its direction, the
    intersection of both time ranges and, when it has none, its GROUP BY interval (``compiledStatement.
    subquery``). Subqueries are compiled after their query's own fields, as influxd orders the errors.
    """
    c = Compiled(ascending=not stmt.sort_fields or stmt.sort_fields[0].ascending, limit=stmt.limit)
    try:
        cond, tmin, tmax = condition_expr(stmt.condition, now_ns, stmt.location)
    except ConditionError as err:
        raise CompileError(str(err)) from None
    _validate_condition(cond)
    c.condition = cond
    _compile_dimensions(c, stmt, now_ns)
    c.tmin = MIN_TIME if tmin is None else tmin
    if tmax is None:
        tmax = now_ns if c.interval else MAX_TIME
    c.tmax = tmax
    c.fill = stmt.fill
    if parent is not None:
        if stmt.sort_fields and c.ascending != parent.ascending:
            raise CompileError("subqueries must be ordered in the same direction as the query itself")
        c.ascending = parent.ascending
        c.tmin, c.tmax = max(c.tmin, parent.tmin), min(c.tmax, parent.tmax)
        if c.interval and c.fill == ast.FillOption.NullFill:
            c.fill = ast.FillOption.NoFill
        if not c.interval and parent.interval:
            c.interval = parent.interval
            c.inherited_interval = True
    for f in stmt.fields:
        if isinstance(f.expr, ast.VarRef) and f.expr.val == "time":
            if f.alias:
                c.time_name = f.alias
            continue
        expr = reduce(f.expr, None)
        compiled_field = ast.Field(expr=expr, alias=f.alias)
        c.fields.append(compiled_field)
        _FieldCompiler(c).expr(expr)
    _validate_fields(c, stmt)
    for source in stmt.sources:
        if isinstance(source, ast.SubQuery):
            c.subqueries.append(compile_select(source.statement, now_ns, c))
    return c


def _validate_condition(expr: ast.Expr | None) -> None:
    if isinstance(expr, ast.BinaryExpr):
        _validate_condition(expr.lhs)
        _validate_condition(expr.rhs)
    elif isinstance(expr, ast.Call):
        if expr.name not in MATH_FUNCTIONS:
            raise CompileError(f"invalid function call in condition: {expr}")
        nargs = 2 if expr.name in ("atan2", "pow") else 1
        if len(expr.args) != nargs:
            raise CompileError(
                f"invalid number of arguments for {expr.name}, expected {nargs}, got {len(expr.args)}")
        for arg in expr.args:
            _validate_condition(arg)


def _compile_dimensions(c: Compiled, stmt: ast.SelectStatement, now_ns: int) -> None:
    for d in stmt.dimensions:
        expr = reduce(d.expr, None)
        if isinstance(expr, ast.VarRef):
            if expr.val.lower() == "time":
                raise CompileError("time() is a function and expects at least one argument")
        elif isinstance(expr, ast.Call):
            if expr.name != "time":
                raise CompileError("only time() calls allowed in dimensions")
            if not 1 <= len(expr.args) <= 2:
                raise CompileError("time dimension expected 1 or 2 arguments")
            if not isinstance(expr.args[0], ast.DurationLiteral):
                raise CompileError("time dimension must have duration argument")
            if c.interval:
                raise CompileError("multiple time dimensions not allowed")
            c.interval = expr.args[0].val
            if len(expr.args) == 2:
                offset = expr.args[1]
                if isinstance(offset, ast.Call):
                    if offset.name != "now":
                        raise CompileError("time dimension offset function must be now()")
                    if offset.args:
                        raise CompileError("time dimension offset now() function requires no arguments")
                elif isinstance(offset, ast.StringLiteral):
                    if not offset.is_time_literal():
                        raise CompileError("time dimension offset must be duration or now()")
                elif not isinstance(offset, ast.DurationLiteral | ast.TimeLiteral):
                    raise CompileError("time dimension offset must be duration or now()")
        elif not isinstance(expr, ast.Wildcard | ast.RegexLiteral):
            raise CompileError("only time and tag dimensions allowed")
        d.expr = expr  # reduced, as influxd leaves it: ``GROUP BY (host)`` groups by the tag host


def _validate_fields(c: Compiled, stmt: ast.SelectStatement) -> None:
    if not c.fields:
        raise CompileError("at least 1 non-time field must be queried")
    if len(c.calls) > 1 and c.top_bottom:
        raise CompileError(f"selector function {c.top_bottom}() cannot be combined with other functions")
    if not c.calls:
        if c.fill == ast.FillOption.NoFill:
            raise CompileError("fill(none) must be used with a function")
        if c.fill == ast.FillOption.LinearFill:
            raise CompileError("fill(linear) must be used with a function")
        if c.interval and not c.inherited_interval:
            raise CompileError("GROUP BY requires at least one aggregate function")
    if c.has_distinct and (len(c.calls) != 1 or c.has_aux):
        raise CompileError("aggregate function distinct() cannot be combined with other functions or fields")
    if c.has_aux:
        if not c.only_selectors:
            raise CompileError("mixing aggregate and non-aggregate queries is not supported")
        if len(c.calls) > 1:
            raise CompileError("mixing multiple selector functions with tags or fields is not supported")


class _FieldCompiler:
    """``compiledField``: walks one field's expression; wildcards are allowed until a binary expression."""

    def __init__(self, c: Compiled) -> None:
        self.c = c
        self.allow_wildcard = True

    def expr(self, expr: ast.Expr | None) -> None:
        c = self.c
        if isinstance(expr, ast.VarRef):
            c.has_aux = True
        elif isinstance(expr, ast.Wildcard):
            c.has_aux = True
            if not self.allow_wildcard:
                raise CompileError("unable to use wildcard in a binary expression")
        elif isinstance(expr, ast.RegexLiteral):
            if not self.allow_wildcard:
                raise CompileError("unable to use regex in a binary expression")
            c.has_aux = True
        elif isinstance(expr, ast.Call):
            if expr.name in MATH_FUNCTIONS:
                self.math(expr)
                return
            c.calls.append(expr)
            self.call(expr)
        elif isinstance(expr, ast.Distinct):
            call = ast.Call(name="distinct", args=[ast.VarRef(val=expr.val)])
            c.calls.append(call)
            self.distinct(call.args, nested=False)
        elif isinstance(expr, ast.BinaryExpr):
            self.allow_wildcard = False
            lhs_lit = isinstance(expr.lhs, ast.Literal)
            rhs_lit = isinstance(expr.rhs, ast.Literal)
            if lhs_lit and rhs_lit:
                raise CompileError("cannot perform a binary expression on two literals")
            if lhs_lit:
                self.expr(expr.rhs)
            elif rhs_lit:
                self.expr(expr.lhs)
            else:
                self.expr(expr.lhs)
                self.expr(expr.rhs)
        elif isinstance(expr, ast.ParenExpr):
            self.expr(expr.expr)
        elif isinstance(expr, ast.Literal):
            raise CompileError("field must contain at least one variable")
        else:
            raise CompileError("unimplemented")

    def nested(self, expr: ast.Expr) -> None:
        if isinstance(expr, ast.Call) and expr.name == "distinct":
            self.distinct(expr.args, nested=True)
        elif isinstance(expr, ast.Distinct):
            self.distinct([ast.VarRef(val=expr.val)], nested=True)
        else:
            self.expr(expr)

    def symbol(self, name: str, arg: ast.Expr) -> None:
        if isinstance(arg, ast.VarRef):
            return
        if isinstance(arg, ast.Wildcard):
            if not self.allow_wildcard:
                raise CompileError(f"unsupported expression with wildcard: {name}()")
            self.c.only_selectors = False
            return
        if isinstance(arg, ast.RegexLiteral):
            if not self.allow_wildcard:
                raise CompileError(f"unsupported expression with regex field: {name}()")
            self.c.only_selectors = False
            return
        raise CompileError(f"expected field argument in {name}()")

    def math(self, expr: ast.Call) -> None:
        nargs = arg_count(expr.name)
        if len(expr.args) != nargs:
            raise CompileError(
                f"invalid number of arguments for {expr.name}, expected {nargs}, got {len(expr.args)}")
        if all(isinstance(arg, ast.Literal) for arg in expr.args):
            # influxd's Reduce evaluates a math call over literals into a literal before compiling
            raise CompileError("field must contain at least one variable")
        for arg in expr.args:
            if not isinstance(arg, ast.Literal):
                self.expr(arg)

    def distinct(self, args: list[ast.Expr], nested: bool) -> None:
        if not args:
            raise CompileError("distinct function requires at least one argument")
        if len(args) != 1:
            raise CompileError("distinct function can only have one argument")
        if not isinstance(args[0], ast.VarRef):
            raise CompileError("expected field argument in distinct()")
        if not nested:
            self.c.has_distinct = True
        self.c.only_selectors = False

    def _extra(self, n: int) -> None:
        self.c.only_selectors = False
        self.c.extra_intervals = max(self.c.extra_intervals, n)

    def _transform_arg(self, name: str, arg0: ast.Expr, nested: bool = True) -> None:
        if isinstance(arg0, ast.Call):
            if not self.c.interval:
                raise CompileError(f"{name} aggregate requires a GROUP BY interval")
            if nested:
                self.nested(arg0)
            else:
                self.expr(arg0)
            return
        if self.c.interval and not self.c.inherited_interval:
            raise CompileError(f"aggregate function required inside the call to {name}")
        self.symbol(name, arg0)

    def _duration_arg(self, name: str, args: list[ast.Expr], message: str) -> None:
        if len(args) > 2 or len(args) < 1:
            raise CompileError(
                f"invalid number of arguments for {name}, expected at least 1 but no more than 2, "
                f"got {len(args)}")
        if len(args) == 2:
            arg1 = args[1]
            if not isinstance(arg1, ast.DurationLiteral):
                raise CompileError(message.format(go_type(arg1)))
            if arg1.val <= 0:
                raise CompileError(f"duration argument must be positive, got {_go_duration(arg1.val)}")

    def _period(self, name: str, args: list[ast.Expr], lo: int, hi: int) -> int:
        if not lo <= len(args) <= hi:
            raise CompileError(
                f"invalid number of arguments for {name}, expected at least {lo} but no more than {hi}, "
                f"got {len(args)}")
        arg1 = args[1]
        if not isinstance(arg1, ast.IntegerLiteral):
            raise CompileError(f"{name} period must be an integer")
        if arg1.val < 1:
            raise CompileError(f"{name} period must be greater than or equal to 1")
        if len(args) >= 3:
            arg2 = args[2]
            if not isinstance(arg2, ast.IntegerLiteral):
                raise CompileError(f"{name} hold period must be an integer")
            if name == "triple_exponential_derivative" and arg2.val < 1 and arg2.val != -1:
                raise CompileError(f"{name} hold period must be greater than or equal to 1")
            if arg2.val < 0 and arg2.val != -1:
                raise CompileError(f"{name} hold period must be greater than or equal to 0")
        return arg1.val

    def call(self, expr: ast.Call) -> None:
        name, args, c = expr.name, expr.args, self.c
        if name == "percentile":
            if len(args) != 2:
                raise CompileError(f"invalid number of arguments for percentile, expected 2, got {len(args)}")
            if not isinstance(args[1], ast.IntegerLiteral | ast.NumberLiteral):
                raise CompileError("expected float argument in percentile()")
            self.symbol("percentile", args[0])
        elif name == "sample":
            if len(args) != 2:
                raise CompileError(f"invalid number of arguments for sample, expected 2, got {len(args)}")
            if not isinstance(args[1], ast.IntegerLiteral):
                raise CompileError("expected integer argument in sample()")
            if args[1].val <= 0:
                raise CompileError(f"sample window must be greater than 1, got {args[1].val}")
            self.symbol("sample", args[0])
        elif name == "distinct":
            self.distinct(args, nested=False)
        elif name in ("top", "bottom"):
            self.top_bottom(expr)
        elif name in ("derivative", "non_negative_derivative", "elapsed"):
            self._duration_arg(name, args, f"second argument to {name} must be a duration, got {{}}")
            self._extra(1)
            self._transform_arg(name, args[0])
        elif name in ("difference", "non_negative_difference", "cumulative_sum"):
            if len(args) != 1:
                raise CompileError(f"invalid number of arguments for {name}, expected 1, got {len(args)}")
            self._extra(1)
            self._transform_arg(name, args[0])
        elif name == "moving_average":
            if len(args) != 2:
                raise CompileError(
                    f"invalid number of arguments for moving_average, expected 2, got {len(args)}")
            if not isinstance(args[1], ast.IntegerLiteral):
                raise CompileError(
                    f"second argument for moving_average must be an integer, got {go_type(args[1])}")
            if args[1].val <= 1:
                raise CompileError(f"moving_average window must be greater than 1, got {args[1].val}")
            self._extra(args[1].val)
            self._transform_arg(name, args[0])
        elif name in _EMA_LIKE:
            period = self._period(name, args, 2, 4)
            if len(args) >= 4:
                if not isinstance(args[3], ast.StringLiteral):
                    raise CompileError(f"{name} warmup type must be a string")
                if args[3].val not in ("exponential", "simple"):
                    raise CompileError(f"{name} warmup type must be one of: 'exponential' 'simple'")
            self._extra(period)
            self._transform_arg(name, args[0], nested=False)
        elif name in ("kaufmans_efficiency_ratio", "kaufmans_adaptive_moving_average"):
            period = self._period(name, args, 2, 3)
            self._extra(period)
            self._transform_arg(name, args[0], nested=False)
        elif name == "chande_momentum_oscillator":
            period = self._period(name, args, 2, 4)
            self._extra(period)
            if len(args) >= 4:
                if not isinstance(args[3], ast.StringLiteral):
                    raise CompileError(f"{name} warmup type must be a string")
                if args[3].val not in ("none", "exponential", "simple"):
                    raise CompileError(f"{name} warmup type must be one of: 'none' 'exponential' 'simple'")
            self._transform_arg(name, args[0], nested=False)
        elif name == "integral":
            if len(args) > 2 or len(args) < 1:
                raise CompileError(
                    f"invalid number of arguments for integral, expected at least 1 but no more than 2, "
                    f"got {len(args)}")
            if len(args) == 2:
                if not isinstance(args[1], ast.DurationLiteral):
                    raise CompileError("second argument must be a duration")
                if args[1].val <= 0:
                    raise CompileError(f"duration argument must be positive, got {_go_duration(args[1].val)}")
            c.only_selectors = False
            self.symbol("integral", args[0])
        elif name in ("holt_winters", "holt_winters_with_fit"):
            if len(args) != 3:
                raise CompileError(f"invalid number of arguments for {name}, expected 3, got {len(args)}")
            if not isinstance(args[1], ast.IntegerLiteral):
                raise CompileError(f"expected integer argument as second arg in {name}")
            if args[1].val <= 0:
                raise CompileError(f"second arg to {name} must be greater than 0, got {args[1].val}")
            if not isinstance(args[2], ast.IntegerLiteral):
                raise CompileError(f"expected integer argument as third arg in {name}")
            if args[2].val < 0:
                raise CompileError(f"third arg to {name} cannot be negative, got {args[2].val}")
            c.only_selectors = False
            if not isinstance(args[0], ast.Call):
                raise CompileError(f"must use aggregate function with {name}")
            if not c.interval:
                raise CompileError(f"{name} aggregate requires a GROUP BY interval")
            self.nested(args[0])
        else:
            if name in _AGGREGATES:
                c.only_selectors = False
            elif name not in _SELECTORS:
                raise CompileError(f"undefined function {name}()")
            if len(args) != 1:
                raise CompileError(f"invalid number of arguments for {name}, expected 1, got {len(args)}")
            if name == "count":
                arg0 = args[0]
                if isinstance(arg0, ast.Call) and arg0.name == "distinct":
                    self.distinct(arg0.args, nested=True)
                    return
                if isinstance(arg0, ast.Distinct):
                    self.distinct([ast.VarRef(val=arg0.val)], nested=True)
                    return
            self.symbol(name, args[0])

    def top_bottom(self, call: ast.Call) -> None:
        c, name, args = self.c, call.name, call.args
        if c.top_bottom:
            raise CompileError(f"selector function {c.top_bottom}() cannot be combined with other functions")
        if len(args) < 2:
            raise CompileError(
                f"invalid number of arguments for {name}, expected at least 2, got {len(args)}")
        limit = args[-1]
        if not isinstance(limit, ast.IntegerLiteral):
            raise CompileError(f"expected integer as last argument in {name}(), found {limit}")
        if limit.val <= 0:
            raise CompileError(f"limit ({limit.val}) in {name} function must be at least 1")
        if 0 < c.limit < limit.val:
            raise CompileError(
                f"limit ({limit.val}) in {name} function can not be larger than the LIMIT ({c.limit}) in the "
                "select statement")
        if not isinstance(args[0], ast.VarRef):
            raise CompileError(f"expected first argument to be a field in {name}(), found {args[0]}")
        for arg in args[1:-1]:
            if not isinstance(arg, ast.VarRef):
                raise CompileError(f"only fields or tags are allowed in {name}(), found {arg}")
            c.has_aux = True
        c.top_bottom = name
