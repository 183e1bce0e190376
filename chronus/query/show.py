"""SHOW MEASUREMENTS / SERIES / TAG KEYS / TAG VALUES / FIELD KEYS and the *CARDINALITY statements.

Answered from the series index (``chronus.tsdb.index``) and the shards' field sets, the way influxd 1.6.7
answers them (``coordinator/statement_executor.go``, ``query/statement_rewriter.go``, ``tsdb/store.go``):

* MEASUREMENTS, TAG KEYS, TAG VALUES and the estimated SERIES / MEASUREMENT CARDINALITY read the index
  directly. The sources become ``_name`` terms of the condition; TAG KEYS / VALUES pick shard groups of every
  retention policy by the condition's time range, but the ``inmem`` index is per database, so any
  overlapping shard means "the whole database".
* SERIES, FIELD KEYS and the EXACT cardinalities are SELECTs in influxd (over the ``_series`` /
  ``_fieldKeys`` system iterators, or ``count(distinct(_tagKey))``-style calls over each shard's series):
  they read the shards of one retention policy (the default one unless the source names another), LIMIT
  and OFFSET count rows *within* each output series, and ``count(_seriesKey)`` counts a series once per
  shard holding it.

``SHOW SERIES`` with a time condition reads point data in influxd; here it is approximated by the series
of the shards overlapping the time range (exact whenever shard groups, not points, decide it).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from chronus.influxql import ast
from chronus.influxql.walk import walk
from chronus.models.gosort import go_sorted, go_sorted_by
from chronus.query.condition import ConditionError as TimeConditionError
from chronus.query.condition import condition_expr
from chronus.query.result import Result, Row
from chronus.tsdb.fields import MeasurementFieldSet
from chronus.tsdb.index import (
    SYSTEM_NAMES,
    TAG_OPS,
    ConditionError,
    DatabaseIndex,
    ShardIndex,
    compile_regex,
)

ERR_DATABASE_NAME_REQUIRED = "database name required"
# The SHOW statements influxd rewrites into SELECTs (``query/statement_rewriter.go``): their sources take the
# ON database, and their rows reach the client as a SELECT's series do (the cardinality estimates excepted)
REWRITTEN_AS_SELECT = (ast.ShowFieldKeysStatement, ast.ShowSeriesStatement,
                       ast.ShowSeriesCardinalityStatement, ast.ShowMeasurementCardinalityStatement,
                       ast.ShowTagKeyCardinalityStatement, ast.ShowTagValuesCardinalityStatement,
                       ast.ShowFieldKeyCardinalityStatement)
MIN_TIME = -(2**63) + 2
MAX_TIME = 2**63 - 2
MATCH_ALL = ".+"


def database_not_found(name: str) -> str:
    return f"database not found: {name}"


@dataclass
class ShardView:
    """What the SHOW statements need of one shard: where it sits in time and policy, its index and fields."""

    id: int
    retention_policy: str
    start_ns: int
    end_ns: int
    index: ShardIndex
    fields: MeasurementFieldSet

    def overlaps(self, min_ns: int, max_ns: int) -> bool:
        """``ShardGroupInfo.Overlaps``: starts no later than ``max`` and ends after ``min``."""
        return self.start_ns <= max_ns and self.end_ns > min_ns


@dataclass
class DatabaseView:
    """A database as the SHOW statements see it; ``index`` is None until its first shard exists."""

    name: str
    default_retention_policy: str = "autogen"
    policies: frozenset[str] | None = None  # its retention policies' names (None: not checked)
    index: DatabaseIndex | None = None
    shards: list[ShardView] = field(default_factory=list)

    def policy_shards(self, policy: str) -> list[ShardView]:
        return [shard for shard in self.shards if shard.retention_policy == policy]


@dataclass
class ShowContext:
    """The databases (by name), the request's default database and the clock for ``now()``."""

    databases: Mapping[str, DatabaseView]
    default_database: str = ""
    now_ns: int = 0


def execute_show(stmt: ast.Statement, ctx: ShowContext) -> Result:
    """The result of one SHOW statement (statement id 0; the caller numbers it), errors included."""
    handler = _HANDLERS.get(type(stmt))
    if handler is None:
        raise TypeError(f"not a SHOW statement answered from the index: {type(stmt).__name__}")
    try:
        return handler(stmt, ctx)
    except _StatementError as err:
        return Result(error=str(err))
    except ConditionError as err:
        return Result(error=str(err))


class _StatementError(Exception):
    """A statement-level error whose text goes into the result."""


# -- shared helpers ------------------------------------------------------------------------------------------


def _page(items: list, offset: int, limit: int) -> list:
    """OFFSET then LIMIT, as the executor slices (0 means none)."""
    if offset > 0:
        items = items[offset:]
    if limit > 0:
        items = items[:limit]
    return items


def _statement_database(stmt_database: str, ctx: ShowContext) -> str:
    database = stmt_database or ctx.default_database
    if not database:
        raise _StatementError(ERR_DATABASE_NAME_REQUIRED)
    return database


def has_time_expr(expr: ast.Expr | None) -> bool:
    """``influxql.HasTimeExpr``: a comparison whose left side is ``time``, under AND / OR / parentheses."""
    if isinstance(expr, ast.ParenExpr):
        return has_time_expr(expr.expr)
    if isinstance(expr, ast.BinaryExpr):
        if expr.op in ("AND", "OR"):
            return has_time_expr(expr.lhs) or has_time_expr(expr.rhs)
        return isinstance(expr.lhs, ast.VarRef) and expr.lhs.val.lower() == "time"
    return False


def sources_condition(sources: list[ast.Source], cond: ast.Expr | None) -> ast.Expr | None:
    """``rewriteSourcesCondition``: OR of ``_name`` terms for the sources, AND-ed with ``cond``."""
    name_cond: ast.Expr | None = None
    for source in sources:
        if not isinstance(source, ast.Measurement):
            continue
        term: ast.Expr | None = None
        if source.regex is not None:
            regex = ast.RegexLiteral(val=source.regex.val)
            term = ast.BinaryExpr(op="=~", lhs=ast.VarRef(val="_name"), rhs=regex)
        elif source.name:
            term = ast.BinaryExpr(op="=", lhs=ast.VarRef(val="_name"), rhs=ast.StringLiteral(val=source.name))
        name_cond = term if name_cond is None else ast.BinaryExpr(op="OR", lhs=name_cond, rhs=term)
    if cond is not None and name_cond is not None:
        return ast.BinaryExpr(op="AND", lhs=ast.ParenExpr(expr=name_cond), rhs=ast.ParenExpr(expr=cond))
    return cond if cond is not None else name_cond


def prune(expr: ast.Expr | None, drop: Callable[[ast.BinaryExpr], bool]) -> ast.Expr | None:
    """``influxql.RewriteExpr`` with a function removing some comparisons: AND / OR with one side gone
    collapse to the other side, parentheses around nothing vanish."""
    if isinstance(expr, ast.ParenExpr):
        inner = prune(expr.expr, drop)
        if inner is None:
            return None
        return ast.ParenExpr(expr=inner) if isinstance(inner, ast.BinaryExpr) else inner
    if isinstance(expr, ast.BinaryExpr):
        if expr.op in ("AND", "OR"):
            lhs, rhs = prune(expr.lhs, drop), prune(expr.rhs, drop)
            if lhs is None or rhs is None:
                return lhs if rhs is None else rhs
            return ast.BinaryExpr(op=expr.op, lhs=lhs, rhs=rhs)
        return None if drop(expr) else expr
    return expr


def _is_tag_term(expr: ast.BinaryExpr) -> bool:
    return expr.op in TAG_OPS


def _not_name_term(expr: ast.BinaryExpr) -> bool:
    """Store.TagKeys/TagValues' measurement filter keeps only ``_name`` comparisons (and other operators)."""
    return _is_tag_term(expr) and not (isinstance(expr.lhs, ast.VarRef) and expr.lhs.val == "_name")


def _system_term(expr: ast.BinaryExpr) -> bool:
    """... and their series filter drops comparisons on system names (or with no variable on the left)."""
    return _is_tag_term(expr) and (not isinstance(expr.lhs, ast.VarRef) or expr.lhs.val in SYSTEM_NAMES)


def split_time(cond: ast.Expr | None, now_ns: int) -> tuple[ast.Expr | None, int, int]:
    """The condition without its ``time`` comparisons, and the [min, max] nanosecond range they give
    (``influxql.ConditionExpr``, whose refusals are the statement's error)."""
    try:
        rest, tmin, tmax = condition_expr(cond, now_ns)
    except TimeConditionError as err:
        raise _StatementError(str(err)) from None
    return rest, MIN_TIME if tmin is None else tmin, MAX_TIME if tmax is None else tmax


def _sorted_series(index: DatabaseIndex, ids: set[int]) -> list:
    """Series in ``CompareSeriesKeys`` order: measurement name, then the tags pair by pair."""
    return go_sorted_by((index.series_by_id[i] for i in ids), lambda s: (s.name, s.tags),
                        plain=lambda s: s.key.isascii())


# -- SHOW MEASUREMENTS ---------------------------------------------------------------------------------------


def show_measurements(stmt: ast.ShowMeasurementsStatement, ctx: ShowContext) -> Result:
    database = _statement_database(stmt.database, ctx)
    if has_time_expr(stmt.condition):
        raise _StatementError("SHOW MEASUREMENTS doesn't support time in WHERE clause")
    cond = sources_condition([stmt.source] if stmt.source is not None else [], stmt.condition)
    view = ctx.databases.get(database)
    if view is None or view.index is None:
        return Result()
    names = _page(view.index.measurement_names_by_expr(cond), stmt.offset, stmt.limit)
    if not names:
        return Result()
    return Result(series=[Row(name="measurements", columns=["name"], values=[[name] for name in names])])


# -- SHOW TAG KEYS / TAG VALUES ------------------------------------------------------------------------------


def _index_for_time_range(database: str, cond: ast.Expr | None,
                          ctx: ShowContext) -> tuple[DatabaseIndex | None, ast.Expr | None]:
    """The database index if any shard group (of any policy) overlaps the condition's time range."""
    view = ctx.databases.get(database)
    if view is None:
        raise _StatementError(database_not_found(database))
    rest, min_ns, max_ns = split_time(cond, ctx.now_ns)
    if view.index is None or not any(shard.overlaps(min_ns, max_ns) for shard in view.shards):
        return None, rest
    return view.index, rest


def show_tag_keys(stmt: ast.ShowTagKeysStatement, ctx: ShowContext) -> Result:
    database = _statement_database(stmt.database, ctx)
    cond = sources_condition(stmt.sources, stmt.condition)
    index, cond = _index_for_time_range(database, cond, ctx)
    if index is None:
        return Result()
    names = index.measurement_names_by_expr(prune(cond, _not_name_term))
    series_filter = prune(cond, _system_term)
    rows = []
    for name in names:
        key_set = index.tag_keys_by_expr(name, None)
        if not key_set:
            continue
        keys = go_sorted(key_set)
        if series_filter is not None:
            values = index.tag_values_by_expr(name, keys, series_filter)
            keys = [key for key, found in zip(keys, values, strict=True) if found]
        keys = _page(keys, stmt.offset, stmt.limit)
        if keys:
            rows.append(Row(name=name, columns=["tagKey"], values=[[key] for key in keys]))
    return Result(series=rows)


def tag_key_condition(op: str, tag_key_expr: ast.Expr | None) -> ast.Expr:
    """The ``_tagKey`` term of WITH KEY: ``IN (a, b)`` becomes ``_tagKey = 'a' OR _tagKey = 'b'``."""
    if isinstance(tag_key_expr, ast.ListLiteral):
        expr: ast.Expr | None = None
        for key in tag_key_expr.vals:
            term = ast.BinaryExpr(op="=", lhs=ast.VarRef(val="_tagKey"), rhs=ast.StringLiteral(val=key))
            expr = term if expr is None else ast.BinaryExpr(op="OR", lhs=expr, rhs=term)
        assert expr is not None
        return expr
    return ast.BinaryExpr(op=op, lhs=ast.VarRef(val="_tagKey"), rhs=tag_key_expr)


def _with_tag_key(stmt: ast.ShowTagValuesStatement | ast.ShowTagValuesCardinalityStatement) -> ast.Expr:
    key_term = tag_key_condition(stmt.op, stmt.tag_key_expr)
    if stmt.condition is None:
        return key_term
    return ast.BinaryExpr(op="AND", lhs=ast.ParenExpr(expr=stmt.condition), rhs=ast.ParenExpr(expr=key_term))


def show_tag_values(stmt: ast.ShowTagValuesStatement, ctx: ShowContext) -> Result:
    database = _statement_database(stmt.database, ctx)
    cond = sources_condition(stmt.sources, _with_tag_key(stmt))
    index, cond = _index_for_time_range(database, cond, ctx)
    if index is None:
        return Result()
    names = index.measurement_names_by_expr(prune(cond, _not_name_term))
    series_filter = prune(cond, _system_term)
    rows = []
    for name in names:
        key_set = index.tag_keys_by_expr(name, cond)
        if not key_set:
            continue
        keys = go_sorted(key_set)
        values = index.tag_values_by_expr(name, keys, series_filter)
        pairs = [[key, value] for key, found in zip(keys, values, strict=True) for value in found]
        pairs = _page(pairs, stmt.offset, stmt.limit)
        if pairs:
            rows.append(Row(name=name, columns=["key", "value"], values=pairs))
    return Result(series=rows)


# -- SELECT-shaped statements: sources, policies, shards -----------------------------------------------------


@dataclass
class _SourceShards:
    """One normalised source of a SELECT-shaped statement and the shards of its retention policy."""

    view: DatabaseView
    source: ast.Measurement
    shards: list[ShardView]


def _normalised_sources(sources: list[ast.Source], stmt_database: str, ctx: ShowContext,
                        default_all: bool) -> list[_SourceShards]:
    """Each measurement source with database and policy filled in (``NormalizeStatement``), and its shards."""
    measurements = [s for s in sources if isinstance(s, ast.Measurement)]
    if not measurements:
        regex = ast.RegexLiteral(val=MATCH_ALL) if default_all else None
        measurements = [ast.Measurement(database=stmt_database, regex=regex)]
    out = []
    for source in measurements:
        database = source.database or stmt_database or ctx.default_database
        if not database:
            raise _StatementError(ERR_DATABASE_NAME_REQUIRED)
        view = ctx.databases.get(database)
        if view is None:
            raise _StatementError(database_not_found(database))
        policy = source.retention_policy or view.default_retention_policy
        if view.policies is not None and policy not in view.policies:  # (the SELECT's shard mapping)
            raise _StatementError(f"retention policy not found: {policy}")
        out.append(_SourceShards(view, source, view.policy_shards(policy)))
    return out


def _expand_names(group: _SourceShards) -> list[str]:
    """The measurement names a source stands for (a regex expands against the database index)."""
    index = group.view.index
    if index is None or not group.shards:
        return []
    if group.source.regex is not None:
        regex = compile_regex(group.source.regex.val)
        return [name for name in index.measurement_names() if regex.search(name)]
    return [group.source.name] if index.measurement(group.source.name) is not None else []


# -- SHOW SERIES ---------------------------------------------------------------------------------------------


def show_series(stmt: ast.ShowSeriesStatement, ctx: ShowContext) -> Result:
    split_time(stmt.condition, ctx.now_ns)  # (a SELECT in influxd: its ConditionExpr refuses what it must)
    in_time = has_time_expr(stmt.condition)
    groups = _normalised_sources(stmt.sources, stmt.database, ctx, default_all=in_time)
    if in_time:
        return _show_series_in_time(stmt, groups, ctx)
    for node in walk(stmt.condition):
        if isinstance(node, ast.BinaryExpr) and node.op not in (*TAG_OPS, "AND", "OR"):
            raise _StatementError("invalid tag comparison operator")
    cond = sources_condition(stmt.sources, stmt.condition)
    keys: dict[str, None] = {}
    for group in groups:
        index = group.view.index
        if index is None or not group.shards:
            continue
        ids: set[int] = set()
        for name in index.measurement_names():
            ids |= index.series_ids_by_expr(name, cond)
        for series in _sorted_series(index, ids):
            keys.setdefault(series.display_key)
    values = _page([[key] for key in keys], stmt.offset, stmt.limit)
    return Result(series=[Row(columns=["key"], values=values)] if values else [])


def _show_series_in_time(stmt: ast.ShowSeriesStatement, groups: list[_SourceShards],
                         ctx: ShowContext) -> Result:
    """SHOW SERIES with a time condition: series of the shards overlapping the range (see module doc)."""
    cond, min_ns, max_ns = split_time(stmt.condition, ctx.now_ns)
    # influxd reads no field for the keys it lists: a comparison of a field name has nothing to hold
    cond = _field_terms_false(cond, _source_fields(groups), tags_only=False)
    found: dict[tuple, str] = {}
    for group in groups:
        index = group.view.index
        if index is None:
            continue
        for name in _expand_names(group):
            for shard in group.shards:
                if not shard.overlaps(min_ns, max_ns):
                    continue
                for series in shard.index.measurement_series(name, cond):
                    found.setdefault((series.name, series.tags), series.display_key)
    ordered = go_sorted_by(found, lambda k: k, plain=lambda k: found[k].isascii())
    values = _page([[found[k]] for k in ordered], stmt.offset, stmt.limit)
    return Result(series=[Row(columns=["key"], values=values)] if values else [])


# -- SHOW FIELD KEYS -----------------------------------------------------------------------------------------


def show_field_keys(stmt: ast.ShowFieldKeysStatement, ctx: ShowContext) -> Result:
    groups = _normalised_sources(stmt.sources, stmt.database, ctx, default_all=False)
    cond = sources_condition(stmt.sources, None)
    per_measurement: dict[str, set[tuple[str, str]]] = {}
    for group in groups:
        index = group.view.index
        if index is None:
            continue
        names = index.measurement_names_by_expr(cond)
        for shard in group.shards:
            for name in names:
                for key, kind in shard.fields.field_keys(name):
                    per_measurement.setdefault(name, set()).add((key, kind.type_name))
    rows = []
    for name in go_sorted(per_measurement):
        ordered = go_sorted_by(per_measurement[name], lambda pair: pair)
        pairs = _page([list(pair) for pair in ordered], stmt.offset, stmt.limit)
        if pairs:
            rows.append(Row(name=name, columns=["fieldKey", "fieldType"], values=pairs))
    return Result(series=rows)


# -- cardinality ---------------------------------------------------------------------------------------------


def _is_estimate(stmt: ast.Statement) -> bool:
    """``rewriteShow*CardinalityStatement``: only the bare, non-EXACT form is estimated."""
    return (not stmt.exact and not stmt.sources and stmt.condition is None and not stmt.dimensions
            and stmt.limit == 0 and stmt.offset == 0)


def _estimate_row(value: int) -> Result:
    return Result(series=[Row(columns=["cardinality estimation"], values=[[value]])])


def show_series_cardinality(stmt: ast.ShowSeriesCardinalityStatement, ctx: ShowContext) -> Result:
    if _is_estimate(stmt):
        database = _statement_database(stmt.database, ctx)
        view = ctx.databases.get(database)
        ids: set[int] = set()
        for shard in view.shards if view is not None else []:
            ids |= shard.index.series_ids
        return _estimate_row(len(ids))
    if has_time_expr(stmt.condition):
        raise _StatementError("SHOW SERIES EXACT CARDINALITY doesn't support time in WHERE clause")
    return _exact_count(stmt, ctx, "series")


def show_measurement_cardinality(stmt: ast.ShowMeasurementCardinalityStatement, ctx: ShowContext) -> Result:
    if _is_estimate(stmt):
        database = _statement_database(stmt.database, ctx)
        view = ctx.databases.get(database)
        index = view.index if view is not None else None
        return _estimate_row(index.measurement_cardinality_estimate() if index is not None else 0)
    if has_time_expr(stmt.condition):
        raise _StatementError("SHOW MEASUREMENT EXACT CARDINALITY doesn't support time in WHERE clause")
    return _exact_count(stmt, ctx, "measurement")


def show_tag_key_cardinality(stmt: ast.ShowTagKeyCardinalityStatement, ctx: ShowContext) -> Result:
    if has_time_expr(stmt.condition):
        raise _StatementError("SHOW TAG KEY EXACT CARDINALITY doesn't support time in WHERE clause")
    return _exact_count(stmt, ctx, "tag_key")


def show_tag_values_cardinality(stmt: ast.ShowTagValuesCardinalityStatement, ctx: ShowContext) -> Result:
    return _exact_count(stmt, ctx, "tag_value", condition=_with_tag_key(stmt))


def show_field_key_cardinality(stmt: ast.ShowFieldKeyCardinalityStatement, ctx: ShowContext) -> Result:
    if has_time_expr(stmt.condition):
        raise _StatementError("SHOW FIELD KEY CARDINALITY doesn't support time in WHERE clause")
    return _exact_count(stmt, ctx, "field_key")


def _exact_count(stmt: ast.Statement, ctx: ShowContext, kind: str,
                 condition: ast.Expr | None = None) -> Result:
    """``SELECT count(...)`` over each shard's series, grouped by measurement (and GROUP BY tags)."""
    cond = stmt.condition if condition is None else condition
    dims = [d.expr.val for d in stmt.dimensions if isinstance(d.expr, ast.VarRef)]
    groups = _normalised_sources(stmt.sources, stmt.database, ctx, default_all=True)
    series_cond = _field_terms_false(_tag_key_terms_true(cond), _source_fields(groups))
    counts: dict[tuple[str, tuple[str, ...]], int] = {}
    distinct: dict[tuple[str, tuple[str, ...]], set] = {}
    for group in groups:
        for name in _expand_names(group):
            for shard in group.shards:
                for series in shard.index.measurement_series(name, series_cond):
                    tags = tuple(series.tag(d) for d in dims)
                    out_name = "" if kind == "measurement" else name
                    slot = (out_name, tags)
                    if kind == "series":
                        counts[slot] = counts.get(slot, 0) + 1
                    elif kind == "measurement":
                        distinct.setdefault(slot, set()).add(name)
                    elif kind == "tag_key":
                        if series.tags:
                            distinct.setdefault(slot, set()).update(key for key, _ in series.tags)
                    elif kind == "tag_value":
                        values = _matching_tag_values(series, cond)
                        if values:
                            distinct.setdefault(slot, set()).update(values)
                    else:
                        keys = [key for key, _ in shard.fields.field_keys(name)]
                        if keys:
                            distinct.setdefault(slot, set()).update(keys)
    totals = counts if kind == "series" else {slot: len(items) for slot, items in distinct.items()}
    rows = []
    if stmt.offset > 0:
        totals = {}
    for (name, tags) in sorted(totals):
        row_tags = dict(zip(dims, tags, strict=True))
        rows.append(Row(name=name, tags=row_tags, columns=["count"], values=[[totals[(name, tags)]]]))
    return Result(series=rows)


def _tag_key_terms_true(expr: ast.Expr | None) -> ast.Expr | None:
    """The engine's series filter: comparisons involving ``_tagKey`` count as true."""
    if isinstance(expr, ast.ParenExpr):
        return ast.ParenExpr(expr=_tag_key_terms_true(expr.expr))
    if isinstance(expr, ast.BinaryExpr):
        for side in (expr.lhs, expr.rhs):
            if isinstance(side, ast.VarRef) and side.val == "_tagKey":
                return ast.BooleanLiteral(val=True)
        if expr.op in ("AND", "OR"):
            return ast.BinaryExpr(op=expr.op, lhs=_tag_key_terms_true(expr.lhs),
                                  rhs=_tag_key_terms_true(expr.rhs))
    return expr


def _source_fields(groups: list[_SourceShards]) -> set[str]:
    """The field names of the statement's measurements in its shards: the SELECT influxd rewrites the
    statement into types a name as a field when any of them has it as one, wherever it is a tag."""
    return {key for group in groups for name in _expand_names(group) for shard in group.shards
            for key, _ in shard.fields.field_keys(name)}


def _field_terms_false(expr: ast.Expr | None, fields: Collection[str], tags_only: bool = True
                       ) -> ast.Expr | None:
    """What influxd's count over series makes of comparisons that are not a tag against a string or regex
    (``value > 1``, ``host = 1``, or ``host = 'a'`` when some measurement has a field ``host``): its
    ``EvalBool`` over the series' tags finds no such value, so they are false there (``host = 'a' OR
    value > 1`` keeps the series of host a, ``AND`` none). Without ``tags_only``, only comparisons of a
    name in ``fields``."""
    if isinstance(expr, ast.ParenExpr):
        return ast.ParenExpr(expr=_field_terms_false(expr.expr, fields, tags_only))
    if not isinstance(expr, ast.BinaryExpr):
        return expr
    if expr.op in ("AND", "OR"):
        return ast.BinaryExpr(op=expr.op, lhs=_field_terms_false(expr.lhs, fields, tags_only),
                              rhs=_field_terms_false(expr.rhs, fields, tags_only))
    if isinstance(expr.lhs, ast.VarRef) and (expr.lhs.val in fields or tags_only and (
            expr.op not in TAG_OPS or not isinstance(expr.rhs, ast.StringLiteral | ast.RegexLiteral))):
        return ast.BooleanLiteral(val=False)
    return expr


def _matching_tag_values(series, cond: ast.Expr | None) -> list[str]:
    """``matchTagValues``: the series' tag values whose key satisfies the condition (with ``_tagKey`` set)."""
    if cond is None:
        return [value for _, value in series.tags]
    data = dict(series.tags)
    out = []
    for key, value in series.tags:
        data["_tagKey"] = key
        if _eval_bool(cond, data):
            out.append(value)
    return out


def _eval_bool(expr: ast.Expr | None, data: dict[str, str]) -> bool:
    """A tag-only ``influxql.EvalBool``: comparisons of a variable with a string or regex literal."""
    if isinstance(expr, ast.ParenExpr):
        return _eval_bool(expr.expr, data)
    if isinstance(expr, ast.BooleanLiteral):
        return expr.val
    if not isinstance(expr, ast.BinaryExpr):
        return False
    if expr.op == "AND":
        return _eval_bool(expr.lhs, data) and _eval_bool(expr.rhs, data)
    if expr.op == "OR":
        return _eval_bool(expr.lhs, data) or _eval_bool(expr.rhs, data)
    if not isinstance(expr.lhs, ast.VarRef) or expr.lhs.val not in data:
        return False
    value = data[expr.lhs.val]
    if isinstance(expr.rhs, ast.StringLiteral):
        return {"=": value == expr.rhs.val, "!=": value != expr.rhs.val}.get(expr.op, False)
    if isinstance(expr.rhs, ast.RegexLiteral):
        match = compile_regex(expr.rhs.val).search(value) is not None
        return {"=~": match, "!~": not match}.get(expr.op, False)
    return False


_HANDLERS: dict[type, Callable[..., Result]] = {
    ast.ShowMeasurementsStatement: show_measurements,
    ast.ShowSeriesStatement: show_series,
    ast.ShowTagKeysStatement: show_tag_keys,
    ast.ShowTagValuesStatement: show_tag_values,
    ast.ShowFieldKeysStatement: show_field_keys,
    ast.ShowSeriesCardinalityStatement: show_series_cardinality,
    ast.ShowMeasurementCardinalityStatement: show_measurement_cardinality,
    ast.ShowTagKeyCardinalityStatement: show_tag_key_cardinality,
    ast.ShowTagValuesCardinalityStatement: show_tag_values_cardinality,
    ast.ShowFieldKeyCardinalityStatement: show_field_key_cardinality,
}
