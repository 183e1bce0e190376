"""Raw SELECT statements, answered as influxd 1.6.7 answers them.

The pipeline mirrors influxd's: compile (``compile.py``: errors, time range, direction) -> map shards per
``db.rp`` source -> give every variable its type from the shards' fields and the index's tag keys and expand
wildcards -> per shard, per measurement: series selected by the tag part of the condition, grouped into tag
sets (GROUP BY), SLIMIT/SOFFSET over the tag sets, the field part of the condition filtering points, and
LIMIT/OFFSET per tag set -> merge of every shard's tag sets into output series (ordered by name, then tags;
both reversed for ``ORDER BY time DESC``), LIMIT/OFFSET again -> field expressions evaluated over whole
columns -> rows emitted in chunks of ``chunk_size`` like influxd's emitter (``partial`` flags included).
Under a LIMIT the shards are read in the query's time order and a shard no output series can still take
points from is skipped (``_read_limited``), as influxd's lazy iterators never reach it.

Two steps: ``prepare_select`` (compile, map sources, type and expand fields) and ``select_series`` (output
series as columns: times and one ``Column`` per output column), emitted as rows by ``execute_select``. A
subquery source (``subquery.py``) is a prepared inner statement whose output series stand in for shard
series (its readers serve ``tag_sets``/``read_series`` like ``_Reader``); SELECT INTO (``into.py``) writes
the output series back as points instead of answering them.

Per point work is numpy over each series' arrays; Python runs per statement, shard, series and chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from chronus._ext.mergeorder import grouped_order
from chronus.influxql import ast
from chronus.models.gosort import go_sorted, go_sorted_by
from chronus.query import mergeorder
from chronus.query.compile import MATH_FUNCTIONS, CompileError, compile_select
from chronus.query.condition import MAX_TIME, MIN_TIME, arithmetic_terms_true, reduce
from chronus.query.emitter import emit_series
from chronus.query.executor import QueryError
from chronus.query.result import Frame, Result
from chronus.query.tasks import QueryTask, detached_task
from chronus.query.vector import (
    BOOLEAN,
    FLOAT,
    INTEGER,
    STRING,
    UNSIGNED,
    Column,
    all_valid,
    binary,
    evaluate,
)
from chronus.tsdb.fields import FieldType
from chronus.tsdb.index import compile_regex

DT = ast.DataType
_FIELD_TYPES = {FieldType.FLOAT: DT.Float, FieldType.INTEGER: DT.Integer, FieldType.BOOLEAN: DT.Boolean,
                FieldType.STRING: DT.String, FieldType.UNSIGNED: DT.Unsigned}
_KIND_OF_TYPE = {DT.Float: FLOAT, DT.Integer: INTEGER, DT.Unsigned: UNSIGNED, DT.String: STRING,
                 DT.Boolean: BOOLEAN}
_NUMERIC = (DT.Float, DT.Integer, DT.Unsigned)
_TAG_TERM_OPS = ("=", "!=", "<", "<=", ">", ">=", "=~", "!~")


@dataclass
class SelectContext:
    """What a SELECT needs from the node: the shards of a ``db.rp`` over a time range, the clock, limits."""

    shards_for: Callable[[str, str, int, int], list]
    now_ns: int = 0
    chunk_size: int = 10_000
    chunked: bool = False
    max_select_point: int = 0
    max_select_series: int = 0
    max_select_buckets: int = 0
    task: QueryTask = field(default_factory=detached_task)  # checked between shards and series; counts points
    # SELECT INTO: writes a line-protocol body (precision n) to ``database``, ``retention_policy``
    write_points: Callable[[str, str, bytes], None] | None = None
    read_only: bool = False  # INTO on a read-only node answers with influxd's warning
    # EXPLAIN: influxd maps the shards once for the whole statement, over the outermost statement's time
    # range, subqueries' sources included; None: each (sub)query's own range (they read no more)
    shard_range: tuple[int, int] | None = None


def less_than(a: DT, b: DT) -> bool:
    """``DataType.LessThan``: ``b`` has precedence over ``a`` (float > integer > unsigned > string > ...)."""
    if a == DT.Unknown:
        return True
    if a == DT.Unsigned:
        return b != DT.Unknown and b <= DT.Integer
    if b == DT.Unsigned:
        return a >= DT.String
    return b != DT.Unknown and b < a


# -- shard mapping ---------------------------------------------------------------------------------------


@dataclass
class _Source:
    """One measurement source with its shards and the measurement names it stands for."""

    measurement: ast.Measurement
    shards: list
    names: list[str] = field(default_factory=list)


def _names_in(shards: list, m: ast.Measurement) -> list[str]:
    found: set[str] = set()
    for shard in shards:
        index = shard.index.database
        if m.regex is not None:
            regex = compile_regex(m.regex.val)
            found.update(name for name in index.measurement_names() if regex.search(name))
        elif index.measurement(m.name) is not None:
            found.add(m.name)
    return go_sorted(found)


def _map_type(source: _Source, name_field: str) -> DT:
    if not isinstance(source, _Source):
        return source.map_type(name_field)
    if name_field in ("_name", "_tagKey", "_tagValue", "_seriesKey"):
        return DT.String
    typ = DT.Unknown
    for name in source.names if source.measurement.regex is not None else [source.measurement.name]:
        for shard in source.shards:
            index = shard.index.database
            measurement = index.measurement(name)
            if measurement is None:
                continue
            found = DT.Unknown
            ftype = shard.measurement_fields(name).get(name_field)
            if ftype is not None:
                found = _FIELD_TYPES[FieldType(ftype)]
            elif name_field in measurement.tag_index:
                found = DT.Tag
            if less_than(typ, found):
                typ = found
    return typ


def _var_type(sources: list[_Source], name: str) -> DT:
    typ = DT.Unknown
    for source in sources:
        found = _map_type(source, name)
        if less_than(typ, found):
            typ = found
    return typ


def _field_dimensions(sources: list[_Source]) -> tuple[dict[str, DT], set[str]]:
    fields: dict[str, DT] = {}
    dims: set[str] = set()
    for source in sources:
        if not isinstance(source, _Source):
            sub_fields, sub_dims = source.field_dimensions()
            for fname, typ in sub_fields.items():
                if less_than(fields.get(fname, DT.Unknown), typ):
                    fields[fname] = typ
            dims.update(sub_dims)
            continue
        for name in source.names:
            for shard in source.shards:
                measurement = shard.index.database.measurement(name)
                if measurement is None:
                    continue
                for fname, ftype in shard.measurement_fields(name).items():
                    typ = _FIELD_TYPES[FieldType(ftype)]
                    if less_than(fields.get(fname, DT.Unknown), typ):
                        fields[fname] = typ
                dims.update(measurement.tag_index)
    return fields, dims


# -- rewriting fields --------------------------------------------------------------------------------------


def set_types(expr: ast.Expr | None, sources: list[_Source]) -> None:
    from chronus.influxql.walk import walk
    for node in walk(expr):
        if isinstance(node, ast.VarRef) and node.type in (DT.Unknown, DT.AnyField):
            typ = _var_type(sources, node.val)
            if typ == DT.Tag and node.type == DT.AnyField:
                continue
            node.type = typ


def _contains(expr: ast.Expr | None, kinds: tuple) -> bool:
    from chronus.influxql.walk import walk
    return any(isinstance(node, kinds) for node in walk(expr))


def _rewrite_fields(fields: list[ast.Field], dimensions: list[ast.Dimension], sources: list[_Source]
                    ) -> tuple[list[ast.Field], list[str]]:
    """Types on every variable, wildcards and regexes expanded (``RewriteFields``); the GROUP BY tags."""
    for f in fields:
        set_types(f.expr, sources)
    has_field_wildcard = any(_contains(f.expr, (ast.Wildcard, ast.RegexLiteral)) for f in fields)
    has_dim_wildcard = any(isinstance(d.expr, ast.Wildcard | ast.RegexLiteral) for d in dimensions)
    dim_names = [d.expr.val for d in dimensions if isinstance(d.expr, ast.VarRef)]
    if not has_field_wildcard and not has_dim_wildcard:
        return fields, dim_names
    field_set, dim_set = _field_dimensions(sources)
    if not has_dim_wildcard:
        for name in dim_names:
            dim_set.discard(name)
    refs = [(name, typ) for name, typ in field_set.items()]
    if refs and not has_dim_wildcard:
        refs.extend((name, DT.Tag) for name in dim_set)
        dim_set = set()
    refs = go_sorted_by(refs, lambda ref: (ref[0], int(ref[1])))
    if has_field_wildcard:
        out: list[ast.Field] = []
        for f in fields:
            expr = f.expr
            if isinstance(expr, ast.Wildcard):
                kind = expr.type.upper()
                for name, typ in refs:
                    if (kind == "FIELD" and typ == DT.Tag) or (kind == "TAG" and typ != DT.Tag):
                        continue
                    out.append(ast.Field(expr=ast.VarRef(val=name, type=typ)))
            elif isinstance(expr, ast.RegexLiteral):
                regex = compile_regex(expr.val)
                out.extend(ast.Field(expr=ast.VarRef(val=name, type=typ)) for name, typ in refs
                           if regex.search(name))
            elif isinstance(expr, ast.Call):
                out.extend(_expand_call(f, expr, refs))
            elif isinstance(expr, ast.BinaryExpr) and _contains(expr, (ast.Wildcard,)):
                raise QueryError(f"unsupported expression with wildcard: {expr}")
            elif isinstance(expr, ast.BinaryExpr) and _contains(expr, (ast.RegexLiteral,)):
                raise QueryError(f"unsupported expression with regex field: {expr}")
            else:
                out.append(f)
        fields = out
    if has_dim_wildcard:
        names: list[str] = []
        for d in dimensions:
            if isinstance(d.expr, ast.Wildcard):
                names.extend(go_sorted(dim_set))
            elif isinstance(d.expr, ast.RegexLiteral):
                regex = compile_regex(d.expr.val)
                names.extend(name for name in go_sorted(dim_set) if regex.search(name))
            elif isinstance(d.expr, ast.VarRef):
                names.append(d.expr.val)
        dim_names = names
    return fields, dim_names


_WILDCARD_TYPES = {
    "count": (DT.String, DT.Boolean), "first": (DT.String, DT.Boolean), "last": (DT.String, DT.Boolean),
    "distinct": (DT.String, DT.Boolean), "elapsed": (DT.String, DT.Boolean), "mode": (DT.String, DT.Boolean),
    "sample": (DT.String, DT.Boolean), "min": (DT.Boolean,), "max": (DT.Boolean,),
}


def _expand_call(f: ast.Field, expr: ast.Call, refs: list[tuple[str, DT]]) -> list[ast.Field]:
    """``mean(*)`` / ``max(/re/)``: one call per field of a type the function takes, named ``mean_f``."""
    import copy
    call = expr
    while call.args and isinstance(call.args[0], ast.Call):
        call = call.args[0]
    if not call.args or not isinstance(call.args[0], ast.Wildcard | ast.RegexLiteral):
        return [f]
    arg = call.args[0]
    if isinstance(arg, ast.Wildcard) and arg.type.upper() == "TAG":
        raise QueryError(f"unable to use tag wildcard in {call.name}()")
    regex = compile_regex(arg.val) if isinstance(arg, ast.RegexLiteral) else None
    supported = {DT.Float, DT.Integer, DT.Unsigned, *_WILDCARD_TYPES.get(call.name, ())}
    if call.name in ("holt_winters", "holt_winters_with_fit"):
        supported.discard(DT.Unsigned)
    out = []
    for name, typ in refs:
        if typ == DT.Tag or typ not in supported or (regex is not None and not regex.search(name)):
            continue
        call.args[0] = ast.VarRef(val=name, type=typ)
        out.append(ast.Field(expr=copy.deepcopy(expr), alias=f"{f.name()}_{name}"))
    call.args[0] = arg
    return out


_ZERO = {DT.Float: 0.0, DT.Integer: 0, DT.Unsigned: np.uint64(0), DT.String: "", DT.Boolean: False,
         DT.Tag: "", DT.Time: 0, DT.Duration: 0}


def _eval_type(expr: ast.Expr | None, field_mapper: bool = False) -> DT:
    """``TypeValuerEval.EvalType`` for raw fields; raises QueryError with influxd's type errors.

    ``field_mapper``: with the type mapper influxd gives a subquery's fields to the query around it
    (``query.FieldMapper``), which lacks the math functions' types: ``sqrt(i)`` is an integer there, and
    the enclosing query reads its values as integers."""
    if isinstance(expr, ast.ParenExpr):
        return _eval_type(expr.expr, field_mapper)
    if isinstance(expr, ast.VarRef):
        return expr.type if expr.type != DT.AnyField else DT.Unknown
    if isinstance(expr, ast.NumberLiteral):
        return DT.Float
    if isinstance(expr, ast.IntegerLiteral):
        return DT.Integer
    if isinstance(expr, ast.UnsignedLiteral):
        return DT.Unsigned
    if isinstance(expr, ast.StringLiteral):
        return DT.String
    if isinstance(expr, ast.BooleanLiteral):
        return DT.Boolean
    if isinstance(expr, ast.Call):
        types = [_eval_type(arg, field_mapper) for arg in expr.args]
        from chronus.query.aggregate import call_type
        # influxd's FunctionTypeMapper answers first and gives an unknown function its argument's type:
        # only for an argument of unknown type does the MathTypeMapper after it make a math call a float
        typ = call_type(expr.name, types[0] if types else DT.Unknown)
        if typ == DT.Unknown and expr.name in MATH_FUNCTIONS and not field_mapper:
            return DT.Float
        return typ
    if not isinstance(expr, ast.BinaryExpr):
        return DT.Unknown
    lhs, rhs = _eval_type(expr.lhs, field_mapper), _eval_type(expr.rhs, field_mapper)
    if (lhs, rhs) in ((DT.Unsigned, DT.Integer), (DT.Integer, DT.Unsigned)):
        int_side, uns_side = (expr.rhs, expr.lhs) if lhs == DT.Unsigned else (expr.lhs, expr.rhs)
        if isinstance(uns_side, ast.Literal):
            raise QueryError(f"type error: {expr}: cannot use {expr.op} with an integer and unsigned literal")
        if not isinstance(int_side, ast.Literal):
            raise QueryError(f"type error: {expr}: cannot use {expr.op} between an integer and unsigned, "
                             "an explicit cast is required")
    if lhs == DT.Unknown:
        return rhs
    if rhs == DT.Unknown:
        return lhs
    if field_mapper and expr.op == "/" and lhs == rhs and lhs in (DT.Integer, DT.Unsigned):
        return lhs  # the type check divides without IntegerFloatDivision: i / 2 is an integer there
    a = Column.constant(_ZERO.get(lhs), 1)
    b = Column.constant(_ZERO.get(rhs), 1)
    result = binary(expr.op, a, b)
    typ = {FLOAT: DT.Float, INTEGER: DT.Integer, UNSIGNED: DT.Unsigned, STRING: DT.String,
           BOOLEAN: DT.Boolean}.get(result.kind or "", DT.Unknown)
    if typ == DT.Unknown or not result.valid.all():
        raise QueryError(f"type error: {expr}: incompatible types: {lhs} and {rhs}")
    return typ


def column_names(time_name: str, fields: list[ast.Field]) -> list[str]:
    """``ColumnNames``: time first, aliases, then generated names with ``_N`` suffixes on conflicts."""
    names = [f.alias for f in fields]
    seen: dict[str, int] = {alias: 1 for alias in names if alias}
    for i, f in enumerate(fields):
        if names[i]:
            continue
        # A field with no name (an empty field key) gets the symbol influxd's value mapper gave it.
        name = f.name() or f"val{i}"
        count = seen.get(name)
        if count is not None:
            while True:
                candidate = f"{name}_{count}"
                if candidate not in seen:
                    seen[name] = count + 1
                    name = candidate
                    break
                count += 1
        seen[name] = seen.get(name, 0) + 1
        names[i] = name
    return [time_name, *names]


# -- reading -----------------------------------------------------------------------------------------------


@dataclass
class _Chunk:
    """Points of one tag set of one shard: times and the auxiliary columns, in output order."""

    times: np.ndarray
    columns: list[Column]


def _field_cast(ref_type: DT, stored: FieldType | None) -> tuple[DT, DT] | None:
    """``(stored type, type the reference reads it as)`` with the engine's casts, or None when the field
    gives the reference no cursor."""
    if stored is None:
        return None
    stored_type = _FIELD_TYPES[FieldType(stored)]
    want = stored_type
    if ref_type not in (DT.Unknown, DT.AnyField, DT.Tag) and ref_type != stored_type:
        if ref_type in _NUMERIC and stored_type in _NUMERIC:
            want = ref_type
        else:
            return None
    return stored_type, want


def _read_field(shard, series, name: str, ref_type: DT, stored: FieldType | None, tmin: int, tmax: int):
    """(times, Column) of a field with the engine's casts, or None when it gives no cursor."""
    cast = _field_cast(ref_type, stored)
    if cast is None:
        return None
    return _field_column(shard.read(series.key, name, tmin, tmax), *cast)


def _field_column(values, stored_type: DT, want: DT) -> tuple[np.ndarray, Column] | None:
    """(times, Column) of a series field's points read from storage, cast to ``want``; None for none."""
    if values is None or len(values) == 0:
        return None
    kind = _KIND_OF_TYPE[want]
    if stored_type == DT.String:
        arr = np.empty(len(values.values), object)
        arr[:] = [v.decode("utf-8", "surrogateescape") for v in values.values]
    else:
        arr = values.values
        if want != stored_type:
            dtype = np.float64 if want == DT.Float else np.int64 if want == DT.Integer else np.uint64
            arr = arr.astype(dtype)
    return values.times, Column(kind, arr, all_valid(len(arr)))


def _align(times: np.ndarray, source: tuple | None, n: int, kind_hint: str | None) -> Column:
    if source is None:
        return Column.null(n)
    src_times, col = source
    if src_times is times or (len(src_times) == n and np.array_equal(src_times, times)):
        return col  # the field has a value at every time (the usual case): nothing to align
    pos = np.searchsorted(src_times, times)
    pos_clipped = np.minimum(pos, len(src_times) - 1)
    hit = src_times[pos_clipped] == times if len(src_times) else np.zeros(n, bool)
    if col.kind == STRING:
        values = np.empty(n, object)
        values[hit] = col.values[pos_clipped[hit]]
    else:
        values = np.zeros(n, col.values.dtype)
        values[hit] = col.values[pos_clipped[hit]]
    return Column(col.kind, values, hit)


def _tag_column(value: str, n: int) -> Column:
    return Column.constant(value, n) if value else Column.null(n)


def _is_field_ref(ref: ast.VarRef, field_names: set[str]) -> bool:
    if ref.val == "_name":
        return False
    if ref.type == DT.Unknown:
        return ref.val in field_names
    return ref.type != DT.Tag


def _tag_term(expr: ast.BinaryExpr, field_names: set[str]) -> bool:
    """True when the index decides the comparison alone (``idsForExpr`` returns no filter for it)."""
    if isinstance(expr.lhs, ast.BinaryExpr) or isinstance(expr.rhs, ast.BinaryExpr):
        return False
    name, value = expr.lhs, expr.rhs
    if not isinstance(name, ast.VarRef):
        name, value = expr.rhs, expr.lhs
        if not isinstance(name, ast.VarRef):
            return False
    if _is_field_ref(name, field_names):
        return False
    if isinstance(value, ast.VarRef):
        return not _is_field_ref(value, field_names) and name.type != DT.AnyField
    return isinstance(value, ast.StringLiteral | ast.RegexLiteral)


def _substitute(expr: ast.Expr | None, decide: Callable[[ast.BinaryExpr], bool | None]) -> ast.Expr | None:
    if isinstance(expr, ast.ParenExpr):
        return ast.ParenExpr(expr=_substitute(expr.expr, decide))
    if isinstance(expr, ast.BinaryExpr):
        if expr.op in ("AND", "OR"):
            lhs, rhs = _substitute(expr.lhs, decide), _substitute(expr.rhs, decide)
            return ast.BinaryExpr(op=expr.op, lhs=lhs, rhs=rhs)
        if expr.op in _TAG_TERM_OPS:
            verdict = decide(expr)
            if verdict is not None:
                return ast.BooleanLiteral(val=verdict)
    return expr


def _var_refs(expr: ast.Expr | None) -> list[ast.VarRef]:
    from chronus.influxql.walk import walk
    seen: dict[tuple, ast.VarRef] = {}
    for node in walk(expr):
        if isinstance(node, ast.VarRef):
            seen.setdefault((node.val, node.type), node)
    return list(seen.values())


class _Reader:
    """Reads the auxiliary columns of every tag set of one measurement in one shard."""

    engine_limit = True  # the engine keeps only OFFSET + LIMIT + 1 points of a shard's tag set

    def __init__(self, plan: _Plan, shard, name: str) -> None:
        self.plan = plan
        self.shard = shard
        self.name = name
        self.index = shard.index.database
        self.measurement = self.index.measurement(name)
        self.fields = shard.measurement_fields(name)
        self.field_names = set(self.measurement.field_names) | set(self.fields)
        self._term_ids: dict[int, set[int]] = {}
        self.span: tuple[int, int] | tuple[None, None] = (None, None)  # streamed: only points in this range
        self._listed: list = []  # the series tag_sets() found
        self._counts: tuple[str, dict[str, int]] | None = None
        self._shard_span: tuple[int, int] | None = None
        self._condition: ast.Expr | None = None  # the plan's, as the engine applies it (_point_filter)
        self._edge_blocks: int | None = None  # see edge_ranges

    def _decide(self, series) -> Callable[[ast.BinaryExpr], bool | None]:
        tags = dict(series.tags)

        def decide(term: ast.BinaryExpr) -> bool | None:
            if not _tag_term(term, self.field_names):
                return None
            value = term.rhs if isinstance(term.lhs, ast.VarRef) else term.lhs
            if isinstance(value, ast.StringLiteral) and term.op not in ("=", "!="):
                return False  # the index selects no series for other operators on a tag
            if isinstance(value, ast.RegexLiteral) and term.op not in ("=~", "!~"):
                return False
            if isinstance(value, ast.VarRef):
                key = term.lhs.val if isinstance(term.lhs, ast.VarRef) else ""
                same = key in tags and value.val in tags and tags[key] == tags[value.val]
                return same if term.op == "=" else (not same if term.op == "!=" else False)
            ids = self._term_ids.get(id(term))
            if ids is None:
                ids = self._term_ids[id(term)] = self.index.series_ids_by_expr(self.name, term)
            return series.id in ids
        return decide

    def tag_sets(self) -> list[tuple[tuple, list]]:
        plan = self.plan
        plan.task.check()
        series_list = self.shard.series(self.name, plan.condition)
        self._listed = series_list
        if plan.max_series and len(series_list) > plan.max_series:
            raise QueryError(f"max-select-series limit exceeded: ({plan.max_series + 1}/{plan.max_series})")
        groups: dict[tuple, list] = {}
        dims = sorted(plan.dimensions)
        for series in series_list:
            tags = dict(series.tags)
            key = tuple(tags.get(d, "") for d in dims)
            groups.setdefault(key, []).append(series)
        ordered = sorted(groups.items())
        if plan.slimit or plan.soffset:
            if plan.tag_set_dims is not None:
                return limit_tag_sets(ordered, dims, plan)
            # the index sorts a shard's tag sets by their tags key (tsdb.MakeTagsKey: only the tags a
            # series has, "k1|k2|v1|v2"), so a missing tag does not sort like an empty value
            by_key = sorted(ordered, key=lambda item: _tags_key(dims, item[0]))
            ordered = sorted(_limited(by_key, plan.slimit, plan.soffset))
        return ordered

    def limit_bound(self, series_list: list, keep: int) -> list[tuple[int, int, int]] | None:
        """What a LIMIT needs of a tag set whose merge keeps its first ``keep`` points: every point up to
        the ``keep``-th time among points known to exist (the series' first blocks) and each series' next
        point past it, when no condition can drop points. Per series ``(tmin, tmax, that time)``: the
        range to read, holding those points; None to read the query's whole range."""
        plan = self.plan
        if plan.condition is not None:
            return None
        name = next((ref.val for ref in plan.aux if ref.type != DT.Tag and ref.val in self.fields), None)
        if name is None:
            return None
        edge = self.shard.edge_times
        known = [edge(s.key, name, plan.tmin, plan.tmax, plan.ascending) for s in series_list]
        times = np.concatenate(known) if known else np.empty(0, np.int64)
        if len(times) < keep:
            return None
        if plan.ascending:
            t = int(np.partition(times, keep - 1)[keep - 1])
        else:
            t = int(np.partition(times, len(times) - keep)[len(times) - keep])
        reach = self.shard.reach
        return [(*reach(s.key, name, t, plan.tmin, plan.tmax, plan.ascending), t) for s in series_list]

    def for_column(self, ref: ast.VarRef) -> _Reader:
        """This shard's reader of the one column ``ref`` (its span as this reader took it)."""
        reader = _Reader(replace(self.plan, aux=[ref]), self.shard, self.name)
        reader._shard_span = self.shard_span()
        return reader

    def shard_span(self) -> tuple[int, int]:
        """The shard's ``time_span()`` when first asked for in this statement: a shard's points are
        placed (slices, whether it is read at all) by the span they had when the statement started."""
        if self._shard_span is None:
            self._shard_span = self.shard.time_span()
        return self._shard_span

    def point_count(self, series_list: list, name: str, lo: int, hi: int) -> int:
        """How many points of field ``name`` the series hold in [lo, hi]: all the series ``tag_sets`` found
        are counted at once (from the TSM blocks' headers where that is exact), so many small tag sets cost
        one count."""
        if self._counts is None or self._counts[0] != name:
            keys = [s.key for s in self._listed]
            counts = self.shard.count(keys, name, lo, hi).tolist() if keys else []
            self._counts = (name, dict(zip(keys, counts, strict=True)))
        found = self._counts[1]
        return sum(found.get(s.key, 0) for s in series_list)

    def _point_filter(self, series) -> ast.Expr | bool | None:
        """The condition left to test on each of the series' points once its tags decided theirs: None
        when nothing is left, False when the series has no point to give."""
        if self.plan.condition is None:
            return None
        if self._condition is None:  # (what the engine filters a measurement's points by)
            self._condition = arithmetic_terms_true(self.plan.condition)
        filt = reduce(_substitute(self._condition, self._decide(series)), None)
        if isinstance(filt, ast.BooleanLiteral):
            return None if filt.val else False
        return filt

    def edge_ranges(self, series_list: list, name: str, first: bool, count: int = 2
                    ) -> list[tuple[int, int] | None]:
        """Per series a time range holding its first (last unless ``first``) ``count`` points of field
        ``name`` in the query's range, found from its TSM files' edge blocks; None when unknown (too few
        points there, or a condition on the points' values could drop them)."""
        plan = self.plan
        out: list[tuple[int, int] | None] = [None] * len(series_list)
        if name not in self.fields:
            return out
        picked = [i for i, series in enumerate(series_list) if self._point_filter(series) is None]
        if not picked:
            return out
        blocks = self._edge_blocks
        for i in picked if blocks is None else ():  # the first series with blocks in range stands for all
            blocks = self.shard.blocks_in(series_list[i].key, name, plan.tmin, plan.tmax)
            if blocks:
                self._edge_blocks = blocks
                break
        if not blocks or blocks <= _EDGE_MIN_BLOCKS:  # finding the edge would cost more than reading it all
            return out
        found = self.shard.edge_times_many([series_list[i].key for i in picked], name, plan.tmin, plan.tmax,
                                           first, count)
        for i, known in zip(picked, found, strict=True):
            if len(known) >= count:
                out[i] = (plan.tmin, int(known[count - 1])) if first else (int(known[-count]), plan.tmax)
        return out

    def read_series(self, series, bound: tuple[int, int, int] | None = None,
                    within: tuple[int, int] | None = None) -> _Chunk | None:
        """The series' rows (its auxiliary columns) that pass the condition; with a ``limit_bound``, only
        those up to its time and the next one past it; ``within``: only those in that time range."""
        self.plan.task.check()
        if not self._in_range():
            return None
        tmin, tmax = self._read_range(bound, within)
        filt = self._point_filter(series)
        if filt is False:
            return None

        def field(ref: ast.VarRef, stored: FieldType | None) -> tuple | None:
            return _read_field(self.shard, series, ref.val, ref.type, stored, tmin, tmax)

        return self._rows(series, filt, bound, field)

    def read_many(self, series_list: list, within: list[tuple[int, int] | None] | None = None
                  ) -> list[_Chunk | None]:
        """``read_series`` of each series (``within[i]`` its range, as there), the series read together:
        each TSM file decodes every series' blocks of a field in one call (``Shard.read_many``)."""
        plan = self.plan
        out: list[_Chunk | None] = [None] * len(series_list)
        if not self._in_range():
            plan.task.check()
            return out
        for start in range(0, len(series_list), _BATCH_SERIES):
            plan.task.check()
            picked, filters, tmins, tmaxs = [], [], [], []
            for i in range(start, min(start + _BATCH_SERIES, len(series_list))):
                filt = self._point_filter(series_list[i])
                if filt is not False:
                    tmin, tmax = self._read_range(None, within[i] if within else None)
                    picked.append(i)
                    filters.append(filt)
                    tmins.append(tmin)
                    tmaxs.append(tmax)
            if not picked:
                continue
            # each field once for the series that need it: the columns, and the condition's fields where
            # a series has a condition left on its points
            wanted: dict[str, list[int]] = {}
            every = list(range(len(picked)))
            for ref in plan.aux:
                if ref.type != DT.Tag and ref.val in self.fields:
                    wanted[ref.val] = every
            for j, filt in enumerate(filters):
                for ref in _var_refs(filt) if filt is not None else ():
                    if ref.type != DT.Tag and ref.val in self.fields and wanted.get(ref.val) is not every:
                        wanted.setdefault(ref.val, []).append(j)
            found: dict[str, list] = {}  # per field its values for each picked series (None: not read)
            for name, rows in wanted.items():
                rows = every if rows is every else sorted(set(rows))
                values = self.shard.read_many([series_list[picked[j]].key for j in rows], name,
                                              np.array([tmins[j] for j in rows], np.int64),
                                              np.array([tmaxs[j] for j in rows], np.int64))
                if rows is not every:
                    spread: list = [None] * len(picked)
                    for j, v in zip(rows, values, strict=True):
                        spread[j] = v
                    values = spread
                found[name] = values
            alone = plan.aux[0] if len(plan.aux) == 1 and plan.aux[0].type != DT.Tag else None
            cast = None if alone is None else _field_cast(alone.type, self.fields.get(alone.val))
            column = found.get(alone.val) if cast is not None else None
            points = 0
            for j, i in enumerate(picked):
                if column is not None and filters[j] is None:  # one field, every point kept: its column
                    read = _field_column(column[j], *cast)
                    if read is not None:
                        points += len(read[0])
                        out[i] = _Chunk(read[0], [read[1]])
                    continue

                def field(ref: ast.VarRef, stored: FieldType | None, j: int = j, found: dict = found
                          ) -> tuple | None:
                    cast = _field_cast(ref.type, stored)
                    values = found.get(ref.val)
                    return None if cast is None or values is None else _field_column(values[j], *cast)

                out[i] = self._rows(series_list[i], filters[j], None, field)
            plan.task.count_points(points)
        return out

    def _in_range(self) -> bool:
        """Whether the shard holds anything in the query's range."""
        lo, hi = self.shard_span()
        return not (hi < self.plan.tmin or lo > self.plan.tmax)

    def _read_range(self, bound: tuple[int, int, int] | None, within: tuple[int, int] | None
                    ) -> tuple[int, int]:
        plan = self.plan
        tmin, tmax = (bound[0], bound[1]) if bound else (plan.tmin, plan.tmax)
        for lo, hi in (self.span, within or (None, None)):
            if lo is not None:
                tmin, tmax = max(tmin, lo), min(tmax, hi)
        return tmin, tmax

    def _rows(self, series, filt: ast.Expr | None, bound: tuple[int, int, int] | None,
              field: Callable[[ast.VarRef, FieldType | None], tuple | None]) -> _Chunk | None:
        """A series' rows from its fields (``field(ref, stored type)``: ``(times, Column)`` or None) and
        tags, kept where ``filt`` holds, cut to a LIMIT's ``bound``."""
        plan = self.plan
        tags = dict(series.tags)
        sources: list = []
        for ref in plan.aux:
            if ref.type == DT.Tag:
                sources.append(("tag", tags.get(ref.val, "")))
                continue
            stored = self.fields.get(ref.val)
            read = field(ref, stored)
            if read is None and stored is None and ref.type == DT.Unknown:
                sources.append(("tag", tags.get(ref.val, "")))
            else:
                sources.append(("field", read))
        field_times = [src[1][0] for src in sources if src[0] == "field" and src[1] is not None]
        if not field_times:
            return None
        times = field_times[0]
        if any(len(t) != len(times) or not np.array_equal(t, times) for t in field_times[1:]):
            times = np.unique(np.concatenate(field_times))
        n = len(times)
        plan.task.count_points(n)  # as influxd's cursors count what they read (max-select-point looks at it)
        columns = [_tag_column(src[1], n) if src[0] == "tag" else _align(times, src[1], n, None)
                   for src in sources]
        if filt is not None:
            env: dict = {}
            for ref in _var_refs(filt):
                if ref.type != DT.Tag:
                    stored = self.fields.get(ref.val)
                    read = field(ref, stored)
                    if read is not None or stored is not None or ref.type != DT.Unknown:
                        env[(ref.val, ref.type)] = _align(times, read, n, None)
                        continue
                env[(ref.val, ref.type)] = _tag_column(tags.get(ref.val, ""), n)
            keep = evaluate(filt, env, n, in_condition=True)
            mask = keep.values.astype(bool) & keep.valid if keep.kind == BOOLEAN else np.zeros(n, bool)
            if not mask.all():
                times = times[mask]
                columns = [c.take(mask) for c in columns]
        if bound is not None:  # the rows a LIMIT's merge can meet: up to the bound's time, and one more
            if plan.ascending:
                start, end = 0, int(np.searchsorted(times, bound[2], side="right")) + 1
            else:
                start, end = max(0, int(np.searchsorted(times, bound[2], side="left")) - 1), len(times)
            times, columns = times[start:end], [c.take(slice(start, end)) for c in columns]
        if len(times) == 0:
            return None
        return _Chunk(times, columns)


def _concat(chunks: list[_Chunk], ascending: bool) -> _Chunk:
    if len(chunks) == 1:
        chunk = chunks[0]
        if not ascending:
            columns = [c.take(slice(None, None, -1)) for c in chunk.columns]
            return _Chunk(chunk.times[::-1], columns)
        return chunk
    stacked = _stack(chunks)
    times = stacked.times
    order = np.argsort(times, kind="stable") if ascending else np.argsort(-times, kind="stable")
    return _take(stacked, order)


def _stack(chunks: list[_Chunk]) -> _Chunk:
    """The chunks one after the other (columns of mixed kinds become objects)."""
    if len(chunks) == 1:
        return chunks[0]
    times = np.concatenate([c.times for c in chunks])
    columns = [Column.concat([c.columns[i] for c in chunks]) for i in range(len(chunks[0].columns))]
    return _Chunk(times, columns)


def _take(chunk: _Chunk, rows: np.ndarray) -> _Chunk:
    return _Chunk(chunk.times[rows], [c.take(rows) for c in chunk.columns])


def _reversed(chunk: _Chunk) -> _Chunk:
    return _Chunk(chunk.times[::-1], [c.take(slice(None, None, -1)) for c in chunk.columns])


def _heap_merge(chunks: list[_Chunk], ascending: bool, release: bool = False) -> _Chunk:
    """influxd's sorted merge of a tag set's series (each already in output order), ties in its heap's
    order. ``release``: the list is emptied once its chunks are stacked, so that they can go before the
    merge takes its copy."""
    if len(chunks) == 1:
        return chunks[0]
    stacked = _stack(chunks)
    offsets = mergeorder.offsets_of([len(c.times) for c in chunks])
    if release:
        chunks.clear()
    return _take(stacked, mergeorder.sorted_merge(stacked.times, stacked.columns, ascending, offsets))


def _limit(chunk: _Chunk, offset: int, limit: int) -> _Chunk:
    if not offset and not limit:
        return chunk
    end = offset + limit if limit else None
    return _Chunk(chunk.times[offset:end], [c.take(slice(offset, end))
                                            for c in chunk.columns])


# -- planning and execution ----------------------------------------------------------------------------------


@dataclass
class _Plan:
    condition: ast.Expr | None
    tmin: int
    tmax: int
    ascending: bool
    dimensions: list[str]
    aux: list[ast.VarRef]
    limit: int
    offset: int
    slimit: int
    soffset: int
    max_series: int
    task: QueryTask = field(default_factory=detached_task)
    # a subquery's: the enclosing query's GROUP BY tags, which make influxd's tag sets (SLIMIT counts them)
    tag_set_dims: list[str] | None = None
    raw: bool = False  # no calls: a subquery's rows reach the output as they are (see subquery.cast)

    # (name, inner tag values) of a regrouped raw subquery's series, numbered by ``_read_outer_sets``
    inner_groups: dict[tuple, int] = field(default_factory=dict)

    @property
    def regrouped(self) -> bool:
        """A subquery grouping by more tags than its enclosing query: LIMIT works per run of a series."""
        return self.tag_set_dims is not None and set(self.tag_set_dims) != set(self.dimensions)

    @property
    def outer_heap(self) -> bool:
        """A regrouped raw subquery: the engine's tag sets are the enclosing query's (``opt.Dimensions``),
        so its heaps merge the series of all the subquery's groups within one (``_read_outer_sets``); the
        rows keep that order (``select_pieces``' ``delivery``)."""
        return self.raw and self.regrouped


def execute_select(stmt: ast.SelectStatement, ctx: SelectContext) -> Iterator[Result]:
    """The results of one SELECT (statement id left 0 for the caller); raises QueryError."""
    if stmt.target is not None:
        from chronus.query.into import execute_into
        yield from execute_into(stmt, ctx)
        return
    prepared = prepare_select(stmt, ctx)
    stop_monitor = ctx.task.monitor_points(ctx.max_select_point)
    try:
        yield from emit_series(_rows(select_pieces(prepared, ctx)), prepared.columns, ctx.chunk_size,
                               stmt.location)
    finally:
        stop_monitor()


def _rows(pieces: Iterator[tuple[str, dict, np.ndarray, list[Column], bool]]
          ) -> Iterator[tuple[str, dict, Frame, bool]]:
    """Output series as frames: the rows stay typed arrays until the JSON/CSV encoder writes them."""
    for name, tags, times, columns, last in pieces:
        yield name, tags, Frame(times, columns), last


@dataclass
class Prepared:
    """A SELECT compiled, its sources mapped and its fields typed and expanded: ready to run."""

    stmt: ast.SelectStatement
    compiled: object
    sources: list
    fields: list[ast.Field]
    dimensions: list[str]
    condition: ast.Expr | None
    columns: list[str]


_NOTHING = (MAX_TIME, MIN_TIME)  # a range no shard overlaps


def mapping_wraps(compiled) -> bool:
    """Whether influxd's shard mapping of a statement reads nothing: it widens the range by the statement's
    extra intervals as a Go time, and the clamp it puts on every iterator built through it (subqueries'
    too) converts that back to int64 nanoseconds, which wrap around before 1677 (or after 2262)."""
    extra = compiled.extra_intervals * compiled.window_interval
    if not extra:
        return False
    return compiled.tmin - extra < -(2**63) if compiled.ascending else compiled.tmax + extra >= 2**63


def mapped_range(compiled) -> tuple[int, int]:
    """The time range influxd maps shards over: the statement's, widened by the windows a transform over
    an aggregate reads before it (``ExtraIntervals``; after it under ORDER BY time DESC), so that a
    derivative at the start of the range finds its previous window in the shard before."""
    tmin, tmax = compiled.tmin, compiled.tmax
    extra = compiled.extra_intervals * compiled.window_interval
    if extra and compiled.ascending:
        tmin = max(MIN_TIME, tmin - extra)
    elif extra:
        tmax = min(MAX_TIME, tmax + extra)
    return tmin, tmax


def compile_statement(stmt: ast.SelectStatement, now_ns: int):
    """``compile_select`` with its errors as the QueryError a client gets."""
    try:
        return compile_select(stmt, now_ns)
    except CompileError as err:
        raise QueryError(str(err)) from None


def prepare_select(stmt: ast.SelectStatement, ctx: SelectContext, compiled=None) -> Prepared:
    """Compile (unless ``compiled`` is given: a subquery's), map the sources, rewrite the fields."""
    if compiled is None:
        compiled = compile_statement(stmt, ctx.now_ns)
        if ctx.shard_range is None and mapping_wraps(compiled):
            ctx = replace(ctx, shard_range=_NOTHING)  # (its subqueries read nothing either)
    sources: list = []
    shard_cache: dict[tuple, list] = {}
    subqueries = iter(compiled.subqueries)
    # influxd maps the shards of every measurement, a subquery's too, once over the outermost statement's
    # range: a subquery's fields and types come from those shards, not from its own narrower range
    sub_ctx = ctx if ctx.shard_range is not None else replace(ctx, shard_range=mapped_range(compiled))
    for src in stmt.sources:
        if isinstance(src, ast.SubQuery):
            from chronus.query.subquery import SubquerySource
            sources.append(SubquerySource(src.statement, next(subqueries), sub_ctx, stmt))
            continue
        key = (src.database, src.retention_policy)
        if key not in shard_cache:
            shard_cache[key] = ctx.shards_for(*key, *(ctx.shard_range or mapped_range(compiled)))
        source = _Source(src, shard_cache[key])
        source.names = _names_in(source.shards, src)
        sources.append(source)
    fields = [ast.Field(expr=_distinct_calls(_clone(f.expr)), alias=f.alias) for f in compiled.fields]
    fields, dims = _rewrite_fields(fields, stmt.dimensions, sources)
    if compiled.subqueries:
        from chronus.query.subquery import string_tag_arguments
        string_tag_arguments(fields, sources)
    condition = _clone(compiled.condition)
    set_types(condition, sources)
    for f in fields:
        _eval_type(f.expr)
    if compiled.calls:
        from chronus.query.aggregate import column_fields
        columns = column_names(compiled.time_name, column_fields(fields))
    else:
        columns = column_names(compiled.time_name, fields)
    return Prepared(stmt, compiled, sources, fields, dims, condition, columns)


def select_series(p: Prepared, ctx: SelectContext, outer_dimensions: tuple[str, ...] | None = None,
                  delivery: list | None = None) -> Iterator[tuple[str, dict, np.ndarray, list[Column]]]:
    """Every output series as ``(name, tags, times, columns)``, one column per output column but time.

    ``outer_dimensions`` (subqueries only) are the tags the enclosing query groups by: the subquery groups
    by them too, and they make its tag sets. ``delivery`` gets, per series, the places its rows take in
    the engine's merge of its enclosing tag set when it knows them (``_Plan.outer_heap``).
    """
    parts: list[tuple[np.ndarray, list[Column]]] = []
    placed: list | None = None if delivery is None else []  # the pieces' places, joined as the pieces are
    for name, tags, times, columns, last in select_pieces(p, ctx, outer_dimensions, placed):
        parts.append((times, columns))
        if not last:
            continue
        if len(parts) > 1:
            times = np.concatenate([t for t, _ in parts])
            columns = [Column.concat([c[i] for _, c in parts]) for i in range(len(columns))]
        parts = []
        if placed:
            delivery.append(np.concatenate(placed) if len(placed) > 1 else placed[0])
            placed.clear()
        yield name, tags, times, columns


def select_pieces(p: Prepared, ctx: SelectContext, outer_dimensions: tuple[str, ...] | None = None,
                  delivery: list | None = None) -> Iterator[tuple[str, dict, np.ndarray, list[Column], bool]]:
    """``select_series`` with a raw series possibly in consecutive pieces (``last`` False on all but its
    last one), so that a raw query over many shards holds one shard's points of one series at a time."""
    stmt, compiled = p.stmt, p.compiled
    dims = list(dict.fromkeys([*p.dimensions, *(outer_dimensions or ())]))
    tag_set_dims = None if outer_dimensions is None else list(outer_dimensions)
    if compiled.calls:
        from chronus.query.aggregate import aggregate_series
        yield from aggregate_series(stmt, compiled, ctx, p.sources, p.fields, dims, p.condition,
                                    tag_set_dims=tag_set_dims)
        return
    plan = raw_plan(p, ctx, outer_dimensions)
    if plan is None:
        return
    pieces = _streamed(plan, p.sources)
    placed = plan.outer_heap and all(isinstance(source, _Source) for source in p.sources)
    if pieces is None and placed and (split := _outer_sets_by_shard(plan, p.sources, sorted(dims))):
        pieces = ((key, tags, chunk, i == len(chunks) - 1) for key, tags, chunks in split
                  for i, chunk in enumerate(chunks))
    if pieces is None:
        pieces = ((key, tags, chunk, True) for key, tags, chunk in _collect(plan, p.sources, ctx))
    for (name, _), tags, chunk, last in pieces:
        n = len(chunk.times)
        columns = chunk.columns
        if placed:
            columns = columns[:-1]
        if delivery is not None and placed:
            delivery.append(chunk.columns[-1].values)
        yield name, tags, chunk.times, field_columns(p, plan, columns, n), last


def raw_plan(p: Prepared, ctx: SelectContext, outer_dimensions: tuple[str, ...] | None = None
             ) -> _Plan | None:
    """The read plan of a raw (call-free) statement; None when no field reads anything."""
    stmt, compiled = p.stmt, p.compiled
    dims = list(dict.fromkeys([*p.dimensions, *(outer_dimensions or ())]))
    tag_set_dims = None if outer_dimensions is None else list(outer_dimensions)
    aux = sorted(_var_refs_of_fields(p.fields), key=lambda r: (r.val, int(r.type)))
    if not any(ref.type != DT.Unknown for ref in aux):
        return None
    return _Plan(p.condition, compiled.tmin, compiled.tmax, compiled.ascending, dims, aux, stmt.limit,
                 stmt.offset, stmt.slimit, stmt.soffset, ctx.max_select_series, ctx.task, tag_set_dims,
                 raw=True)


def field_columns(p: Prepared, plan: _Plan, columns: list[Column], n: int) -> list[Column]:
    """A raw statement's output columns over rows read by ``plan`` (one column per reference)."""
    env = {(ref.val, ref.type): col for ref, col in zip(plan.aux, columns, strict=True)}
    return [evaluate(f.expr, env, n) for f in p.fields]


def _clone(expr):
    return ast.clone(expr)


def _distinct_calls(expr):
    """``SELECT DISTINCT value`` and ``count(DISTINCT value)`` read as ``distinct(value)`` and
    ``count(distinct(value))`` (influxd's ``Distinct.NewCall``), so that the variable is typed and read like
    any call's."""
    from chronus.influxql.walk import walk

    if isinstance(expr, ast.Distinct):
        return ast.Call(name="distinct", args=[ast.VarRef(val=expr.val)])
    for node in walk(expr):
        if isinstance(node, ast.Call):
            node.args = [ast.Call(name="distinct", args=[ast.VarRef(val=arg.val)])
                         if isinstance(arg, ast.Distinct) else arg for arg in node.args]
    return expr


def _var_refs_of_fields(fields: list[ast.Field]) -> list[ast.VarRef]:
    seen: dict[tuple, ast.VarRef] = {}
    for f in fields:
        for ref in _var_refs(f.expr):
            seen.setdefault((ref.val, ref.type), ref)
    return list(seen.values())


def readers(plan: _Plan, sources: list) -> Iterator[tuple[str, object]]:
    """``(name, reader)`` per measurement of every source: per shard for measurements, per inner output
    name for subqueries; a reader has ``tag_sets()`` and ``read_series(series) -> _Chunk | None``."""
    for source in sources:
        if not isinstance(source, _Source):
            yield from source.readers(plan)
            continue
        for shard in source.shards:
            for name in source.names:
                if shard.index.database.measurement(name) is not None:
                    yield name, _Reader(plan, shard, name)


def _tags_key(dims: list[str], values: tuple) -> str:
    """influxd's tag set key (``MakeTagsKey``): the keys then the values of the tags present, '|'-joined."""
    present = [(d, v) for d, v in zip(dims, values, strict=True) if v]
    if not present:
        return ""
    return "|".join(d for d, _ in present) + "|" + "|".join(v for _, v in present)


def _limited(items: list, slimit: int, soffset: int) -> list:
    """influxd's ``LimitTagSets``: SOFFSET without SLIMIT keeps nothing (it clamps an end of
    ``soffset + 0``), SOFFSET past the end neither."""
    if soffset > len(items):
        return []
    if soffset + slimit > len(items):
        slimit = len(items) - soffset
    return items[soffset:soffset + slimit]


def limit_tag_sets(ordered: list[tuple[tuple, list]], dims: list[str], plan: _Plan
                   ) -> list[tuple[tuple, list]]:
    """SLIMIT/SOFFSET of a subquery: over influxd's tag sets, made by the enclosing query's tags only."""
    outer_dims = [d for d in sorted(plan.tag_set_dims or ()) if d in dims]
    index = [dims.index(d) for d in outer_dims]
    # ordered as the index orders tag sets: by their tags key (a missing tag is left out, see _tags_key)
    outer = sorted({tuple(key[i] for i in index) for key, _ in ordered},
                   key=lambda values: _tags_key(outer_dims, values))
    chosen = set(_limited(outer, plan.slimit, plan.soffset))
    return [(key, members) for key, members in ordered if tuple(key[i] for i in index) in chosen]


def _collect(plan: _Plan, sources: list[_Source], ctx: SelectContext) -> list[tuple[tuple, dict, _Chunk]]:
    """Every output series: ((name, tags id), tags, merged points), limited per shard and overall."""
    parts: dict[tuple, tuple[dict, list[_Chunk]]] = {}
    # influxd's merge heaps order points sharing a time (mergeorder.py): per shard and measurement the
    # tag sets in output order, each tag set's series merged; then per source and measurement the shards
    # merged; then the sources (subqueries and regrouped plans keep the plain time order)
    streams: dict[tuple[int, str], list[list[tuple[tuple, _Chunk]]]] = {}
    # (over a subquery, or beside one, the rows keep their time order)
    outer_heap = plan.outer_heap and all(isinstance(source, _Source) for source in sources)
    heap = not plan.regrouped or outer_heap
    dims = sorted(plan.dimensions)
    if heap and plan.limit and not outer_heap and all(isinstance(source, _Source) for source in sources):
        read = _read_limited(plan, sources, dims)
    else:
        read = _read_all(plan, sources, dims, outer_heap)
    for index, name, reader, sets in read:
        heap = heap and isinstance(reader, _Reader)
        stream: list[tuple[tuple, _Chunk]] = []
        for group_key, tags, merged in sets:
            parts.setdefault(group_key, (tags, []))[1].append(merged)
            stream.append((group_key, merged))
        if stream:
            streams.setdefault((index, name), []).append(stream if plan.ascending else stream[::-1])
    shard_merged = _merge_sources(streams, plan.ascending) if heap else {}
    if heap:  # the shards' own merges are let go of: each series is in shard_merged now
        streams.clear()
        parts = {group_key: (tags, []) for group_key, (tags, _) in parts.items()}
    out = []
    inner_keys = {number: key for key, number in plan.inner_groups.items()}  # (outer_heap: its groups)
    for group_key in sorted(parts, reverse=not plan.ascending):
        tags, chunks = parts[group_key]
        if heap:
            joined = shard_merged.pop(group_key)
        else:
            joined = _concat(chunks, plan.ascending) if len(chunks) > 1 else chunks[0]
        # a regrouped subquery's LIMIT counts runs of its rows in the enclosing query's order (subquery.py)
        merged = joined if plan.regrouped else _limit(joined, plan.offset, plan.limit)
        if outer_heap:
            del joined
            out.extend(_split_outer_set(inner_keys, group_key[0], dims, merged, plan.ascending))
            del merged
        elif len(merged.times):
            out.append((group_key, tags, merged))
    return out


def _read_outer_sets(plan: _Plan, name: str, reader, tag_sets: list[tuple[tuple, list]], dims: list[str]
                     ) -> list[tuple[tuple, dict, _Chunk]]:
    """``_read_sets`` of a regrouped raw subquery (``_Plan.outer_heap``): one tag set per value of the
    enclosing query's tags, all its series (in the shard's order) merged by one heap; every row carries the
    number of its subquery group as a last INTEGER column (the merges compare auxiliary values only while
    they are strings, so it decides nothing), for ``_split_outer_set``."""
    if not isinstance(reader, _Reader):
        raise AssertionError("outer_heap plans read measurements only")
    outer = sorted(plan.tag_set_dims or ())
    index = [dims.index(d) for d in outer]
    group_of: dict[int, tuple[int, tuple]] = {}
    for key, series_list in tag_sets:
        number = plan.inner_groups.setdefault((name, key), len(plan.inner_groups))
        for series in series_list:
            group_of[id(series)] = (number, tuple(key[i] for i in index))
    listed = [series for series in reader._listed if id(series) in group_of]
    # with LIMIT/OFFSET the engine keeps OFFSET + LIMIT + 1 points of each series (its newest under DESC),
    # and limits the merged tag set once more by runs of one series (``query.NewLimitIterator``)
    keep = plan.offset + plan.limit + 1 if plan.offset or plan.limit else 0
    by_outer: dict[tuple, list[_Chunk]] = {}
    for series, chunk in zip(listed, reader.read_many(listed), strict=True):
        if chunk is None or not len(chunk.times):
            continue
        if keep:
            start = 0 if plan.ascending else max(0, len(chunk.times) - keep)
            chunk = _limit(chunk, start, keep if plan.ascending else 0)
        number, outer_key = group_of[id(series)]
        n = len(chunk.times)
        owner = Column(INTEGER, np.full(n, number, np.int64), np.ones(n, bool))
        by_outer.setdefault(outer_key, []).append(_Chunk(chunk.times, [*chunk.columns, owner]))
    out = []
    chunk = None
    for outer_key in sorted(by_outer):
        chunks = by_outer.pop(outer_key)
        if not plan.ascending:
            chunks = [_reversed(c) for c in reversed(chunks)]
        merged = _heap_merge(chunks, plan.ascending, release=True)
        if keep:
            place = mergeorder.run_places(merged.columns[-1].values)
            ok = place >= plan.offset
            if plan.limit:
                ok &= place < plan.offset + plan.limit
            merged = _take(merged, np.flatnonzero(ok))
        if len(merged.times):
            out.append((_group_key(name, outer, outer_key), dict(zip(outer, outer_key, strict=True)), merged))
    return out


def _outer_sets_by_shard(plan: _Plan, sources: list[_Source], dims: list[str]
                         ) -> list[tuple[tuple, dict, list[_Chunk]]] | None:
    """``_collect`` of a regrouped raw subquery over one source whose shards are apart in time: each
    shard's enclosing tag sets are merged and split back into the subquery's series at once (their
    places counted on from the shards before), so no enclosing set is ever held merged whole: per series
    its pieces, shard after shard in time order, as the merge of the shards would join them. None
    otherwise."""
    listed = shards_in_time_order(plan, sources)
    if listed is None:
        return None
    pieces: dict[tuple, tuple[dict, list[_Chunk]]] = {}
    counted: dict[tuple, int] = {}  # rows of each enclosing set in the shards before
    for reader in listed:
        for group_key, _, merged in _read_outer_sets(plan, reader.name, reader, reader.tag_sets(), dims):
            keys = {number: key for key, number in plan.inner_groups.items()}
            offset = counted.get(group_key, 0)
            counted[group_key] = offset + len(merged.times)
            split = _split_outer_set(keys, group_key[0], dims, merged, plan.ascending, offset)
            del merged
            for key, tags, chunk in split:
                pieces.setdefault(key, (tags, []))[1].append(chunk)
    return [(key, *pieces[key]) for key in sorted(pieces, reverse=not plan.ascending)]


def shards_in_time_order(plan: _Plan, sources: list) -> list[_Reader] | None:
    """The readers of one measurement source in the query's time order when its shards are apart in time
    (``_shards_apart``), else None."""
    if len(sources) != 1 or not isinstance(sources[0], _Source):
        return None
    listed = [reader for _, _, reader in _read_all_readers(plan, sources)]
    if not _shards_apart(plan, listed):
        return None
    if plan.ascending:
        listed.sort(key=lambda reader: reader.shard_span()[0])
    else:
        listed.sort(key=lambda reader: -reader.shard_span()[1])
    return listed


def _split_outer_set(keys: dict[int, tuple], name: str, dims: list[str], merged: _Chunk, ascending: bool,
                     offset: int = 0) -> list[tuple[tuple, dict, _Chunk]]:
    """An enclosing tag set's merged rows back into the subquery's series (``keys``: each group's number to
    its name and tag values), each with the rows' places in the merge as a last column (their delivery
    order, which ``SubqueryReader`` keeps; ``offset``: the merge's rows before these)."""
    owner = merged.columns[-1].values
    # the rows group by group, in merge order within each: one permutation, each group a slice of it
    by_owner, bounds = grouped_order(np.ascontiguousarray(owner, np.int64), len(keys))
    times = merged.times[by_owner]
    columns = [c.take(by_owner) for c in merged.columns[:-1]]
    every = np.ones(len(by_owner), bool)
    out = []
    for number in np.flatnonzero(np.diff(bounds)).tolist():
        rows = slice(int(bounds[number]), int(bounds[number + 1]))
        place = Column(INTEGER, by_owner[rows] + offset if offset else by_owner[rows], every[rows])
        _, key = keys[number]
        chunk = _Chunk(times[rows], [*(Column(c.kind, c.values[rows], c.valid[rows]) for c in columns),
                                     place])
        out.append((_group_key(name, dims, key), dict(zip(dims, key, strict=True)), chunk))
    out.sort(key=lambda item: item[0], reverse=not ascending)
    return out


def _streamed(plan: _Plan, sources: list) -> Iterator[tuple[tuple, dict, _Chunk, bool]] | None:
    """A raw query's output series read one shard at a time: ``(output series key, tags, points, last)``
    pieces in output order; None when the query must be read at once (``_collect``).

    influxd's merges of shards and sources order points by series, then time; only points of one series at
    one time from two inputs tie, and only ties let its heaps' state decide an order. Inputs of one
    measurement whose time spans are disjoint never tie, so each output series is then its shards' merged
    tag sets one after the other in time order. Each shard is read within the span it had when planned:
    points written outside it meanwhile are left out (as if written after the query), keeping that true.
    LIMIT (bounded reads of its own), OFFSET, subqueries and regrouped plans take ``_collect``; so do
    references of no single type, whose columns join differently across shards.
    """
    if plan.regrouped or plan.limit or plan.offset or not all(isinstance(s, _Source) for s in sources):
        return None
    if any(ref.type in (DT.Unknown, DT.AnyField) for ref in plan.aux):
        return None
    listed = [reader for _, _, reader in _read_all_readers(plan, sources)]
    return _stream_groups(plan, listed) if _shards_apart(plan, listed) else None


def _shards_apart(plan: _Plan, listed: list[_Reader]) -> bool:
    """Whether the shards of each measurement hold points in time spans apart from one another within the
    query's range (no two of them can tie); each reader keeps the span it had when planned (``span``), so
    that points written outside it meanwhile are left out and that stays true."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for reader in listed:
        lo, hi = reader.shard_span()
        reader.span = (max(lo, plan.tmin), min(hi, plan.tmax))
        if reader.span[0] <= reader.span[1]:
            spans.setdefault(reader.name, []).append(reader.span)
    for name_spans in spans.values():
        name_spans.sort()
        if any(b[0] <= a[1] for a, b in zip(name_spans, name_spans[1:], strict=False)):
            return False
    return True


def _stream_groups(plan: _Plan, listed: list[_Reader]) -> Iterator[tuple[tuple, dict, _Chunk, bool]]:
    """``_streamed``'s pieces: per output series, its tag set in each shard, in time order."""
    dims = sorted(plan.dimensions)
    groups: dict[tuple, list[tuple[int, _Reader, tuple, list]]] = {}
    for reader in listed:  # every shard's tag sets first, as _collect meets their limits before any read
        tag_sets = reader.tag_sets()
        lo, hi = reader.span
        if lo > hi:  # no point in the query's range
            continue
        for key, series_list in tag_sets:
            groups.setdefault(_group_key(reader.name, dims, key), []).append(
                (lo if plan.ascending else -hi, reader, key, series_list))
    for group_key in sorted(groups, reverse=not plan.ascending):
        entries = sorted(groups[group_key], key=lambda entry: entry[0])
        previous: tuple[tuple, dict, _Chunk] | None = None
        for _, reader, key, series_list in entries:
            tags = dict(zip(dims, key, strict=True))
            for chunk in _tag_set_pieces(plan, reader, key, series_list, dims):
                if previous is not None:
                    yield *previous, False
                previous = (group_key, tags, chunk)
        if previous is not None:
            yield *previous, True


# read_many reads this many series of a shard per call (bounding the arrays one call decodes into)
_BATCH_SERIES = 256


# edge_ranges reads whole ranges of series spanning this few TSM blocks in the query's range
_EDGE_MIN_BLOCKS = 1

# a shard's tag set holding more points than this is read and merged in time slices of about this many
_SLICE_POINTS = 1_000_000


def _tag_set_pieces(plan: _Plan, reader: _Reader, key: tuple, series_list: list, dims: list[str]
                    ) -> Iterator[_Chunk]:
    """One shard's tag set, its series merged: in one piece, or in consecutive time slices when big."""
    edges = _slice_edges(plan, reader, series_list)
    if edges is None:
        for _, _, merged in _read_sets(plan, reader.name, reader, [(key, series_list)], dims, True):
            yield merged
        return
    yield from _merged_slices(plan, reader, series_list, edges)


def _slice_edges(plan: _Plan, reader: _Reader, series_list: list) -> list[int] | None:
    """Time edges cutting the tag set's span into slices of about ``_SLICE_POINTS`` points (counted from
    the TSM blocks of one field), or None when one slice holds them."""
    name = next((ref.val for ref in plan.aux if ref.type != DT.Tag and ref.val in reader.fields), None)
    lo, hi = reader.span
    if name is None or lo is None:
        return None
    edges = slice_edges(lo, hi, reader.point_count(series_list, name, lo, hi))
    return edges if len(edges) > 2 else None


def slice_edges(lo: int, hi: int, points: int) -> list[int]:
    """Edges cutting [lo, hi] into equal time slices of about ``_SLICE_POINTS`` of ``points`` each: the
    first slice starts at the first edge, the last ends before the last (two edges: one slice)."""
    slices = max(1, min(-(-points // _SLICE_POINTS), hi - lo + 1))
    return sorted({lo + (hi + 1 - lo) * i // slices for i in range(slices + 1)})


def _merged_slices(plan: _Plan, reader: _Reader, series_list: list, edges: list[int],
                   ascending: bool | None = None, by_aux: bool = True, every_slice: bool = False
                   ) -> Iterator[_Chunk | None]:
    """The tag set's sorted merge slice by slice, in the query's time order (``ascending``: the plan's
    unless given), with the ties of one merge: each series holds its points up to the slice's end and its
    next point past it, and Go's heap carries from one slice to the next (``mergeorder.merge_order_until``).
    The next point is looked for in a stretch a sixteenth of a slice long, doubled until found, so a series
    holds little past its slice. ``by_aux``: the heap compares the columns' strings after the time (a raw
    query's auxiliary values; a call's input points carry none). ``every_slice``: one item per slice, None
    for a slice without points (merges of other columns over the same edges then stay in step)."""
    ascending = plan.ascending if ascending is None else ascending
    if not ascending:
        series_list = list(reversed(series_list))
    slices = [(edges[i], edges[i + 1] - 1) for i in range(len(edges) - 1)]
    if not ascending:
        slices.reverse()
    first, last = edges[0], edges[-1] - 1
    look = max(1, (last - first + 1) // len(slices) // 16)
    pending: list[_Chunk | None] = [None] * len(series_list)
    # per series, how far it has been read in the query's time order: the last time read (ascending) or
    # the first (descending)
    reached = [first - 1 if ascending else last + 1] * len(series_list)

    def read(k: int, lo: int, hi: int) -> None:
        chunk = reader.read_series(series_list[k], within=(lo, hi))
        reached[k] = hi if ascending else lo
        if chunk is not None:
            chunk = chunk if ascending else _reversed(chunk)
            pending[k] = chunk if pending[k] is None else _stack([pending[k], chunk])

    heap = None
    for lo, hi in slices:
        for k in range(len(series_list)):
            if ascending and reached[k] < hi:
                read(k, max(lo, reached[k] + 1), hi)
            elif not ascending and reached[k] > lo:
                read(k, lo, min(hi, reached[k] - 1))
            step = look
            while not _reaches_past(pending[k], lo, hi, ascending) and (
                    reached[k] < last if ascending else reached[k] > first):
                if ascending:
                    read(k, reached[k] + 1, min(last, reached[k] + step))
                else:
                    read(k, max(first, reached[k] - step), reached[k] - 1)
                step *= 2
        held = [chunk for chunk in pending if chunk is not None]
        if not held:
            if every_slice:
                yield None
            continue
        stacked = _stack(held)
        offsets = mergeorder.offsets_of([0 if chunk is None else len(chunk.times) for chunk in pending])
        ranks = np.ascontiguousarray(stacked.times if ascending else -stacked.times)
        stop = hi + 1 if ascending else 1 - lo  # ranks below it: times in this slice
        aux = mergeorder.aux_keys(stacked.columns) if by_aux else np.zeros((len(ranks), 0), np.int64)
        order, heap, consumed = mergeorder.merge_order_until(ranks, offsets, aux, not ascending, heap, stop)
        del held
        if len(order):
            yield _take(stacked, order)
        elif every_slice:
            yield None
        # what is left of each series: views of the stacked rows (the pieces they came from can go)
        starts, ends = (offsets[:-1] + consumed).tolist(), offsets[1:].tolist()
        pending = [None if start == end else _Chunk(stacked.times[start:end],
                                                    [c.take(slice(start, end)) for c in stacked.columns])
                   for start, end in zip(starts, ends, strict=True)]


def _reaches_past(chunk: _Chunk | None, lo: int, hi: int, ascending: bool) -> bool:
    """Whether the held points go past the slice [lo, hi] in the query's time order."""
    if chunk is None:
        return False
    return bool(chunk.times[-1] > hi) if ascending else bool(chunk.times[-1] < lo)


def _read_all(plan: _Plan, sources: list, dims: list[str], outer_heap: bool = False
              ) -> Iterator[tuple[int, str, object, list]]:
    """Per reader of every source, in order: its tag sets read (``_read_sets``, ``_read_outer_sets``)."""
    heap = not plan.regrouped
    for index, source in enumerate(sources):
        for name, reader in readers(plan, [source]):
            if outer_heap:
                yield index, name, reader, _read_outer_sets(plan, name, reader, reader.tag_sets(), dims)
                continue
            heap = heap and isinstance(reader, _Reader)
            yield index, name, reader, _read_sets(plan, name, reader, reader.tag_sets(), dims, heap)


def _read_limited(plan: _Plan, sources: list[_Source], dims: list[str]
                  ) -> list[tuple[int, str, object, list]]:
    """``_read_all`` for a LIMIT over measurements: the shards are read in the query's time order and a
    shard is skipped when every output series it would add to already holds OFFSET + LIMIT points before
    (in that order) any point the shard holds, since the merge by time cannot reach its points then."""
    listed = list(_read_all_readers(plan, sources))
    spans = [reader.shard_span() for _, _, reader in listed]
    if plan.ascending:
        order = sorted(range(len(listed)), key=lambda i: spans[i][0])
    else:
        order = sorted(range(len(listed)), key=lambda i: -spans[i][1])
    need = plan.offset + plan.limit
    taken: dict[tuple, list[np.ndarray]] = {}
    results: list[list] = [[] for _ in listed]
    for i in order:
        _, name, reader = listed[i]
        tag_sets = reader.tag_sets()
        lo, hi = spans[i]

        def before(group_key: tuple, lo: int = lo, hi: int = hi) -> int:
            seen = taken.get(group_key, ())
            if plan.ascending:
                return sum(int(np.count_nonzero(times < lo)) for times in seen)
            return sum(int(np.count_nonzero(times > hi)) for times in seen)

        if all(before(_group_key(name, dims, key)) >= need for key, _ in tag_sets):
            continue
        results[i] = _read_sets(plan, name, reader, tag_sets, dims, True)
        for group_key, _, merged in results[i]:
            taken.setdefault(group_key, []).append(merged.times)
    return [(index, name, reader, sets) for (index, name, reader), sets in zip(listed, results, strict=True)]


def _read_all_readers(plan: _Plan, sources: list[_Source]) -> Iterator[tuple[int, str, _Reader]]:
    for index, source in enumerate(sources):
        for name, reader in readers(plan, [source]):
            yield index, name, reader  # type: ignore[misc]


def _group_key(name: str, dims: list[str], key: tuple) -> tuple[str, str]:
    """An output series' identity: (measurement, the GROUP BY tags' names and values)."""
    return name, "\x00".join(dims) + "\x00" + "\x00".join(key) if dims else ""


def _read_sets(plan: _Plan, name: str, reader, tag_sets: list[tuple[tuple, list]], dims: list[str],
               heap: bool) -> list[tuple[tuple, dict, _Chunk]]:
    """One reader's tag sets, each its series merged and limited as the engine does per shard:
    ``(output series key, tags, points)`` in output order."""
    out = []
    # the engine's limit iterator keeps the first OFFSET + LIMIT + 1 points of each shard's tag set (so
    # OFFSET without LIMIT drops points); OFFSET applies once, after the merge
    keep = plan.offset + plan.limit + 1 if (plan.offset or plan.limit) and reader.engine_limit else 0
    bounded = keep and heap and isinstance(reader, _Reader)
    together = None
    if isinstance(reader, _Reader) and not bounded:  # every series of the shard read at once
        together = iter(reader.read_many([s for _, series_list in tag_sets for s in series_list]))
    for key, series_list in tag_sets:
        if together is not None:
            read = [next(together) for _ in series_list]
            if not plan.ascending:
                read.reverse()
        else:
            if not plan.ascending:
                series_list = list(reversed(series_list))
            bounds = reader.limit_bound(series_list, keep) if bounded else None  # where the merge's first
            if bounds is not None:                                                # points lie
                read = [reader.read_series(s, b) for s, b in zip(series_list, bounds, strict=True)]
            else:
                read = [reader.read_series(s) for s in series_list]
        chunks = [c for c in read if c is not None]
        if not chunks:
            continue
        if heap:
            chunks = [_heap_merge(chunks if plan.ascending else [_reversed(c) for c in chunks],
                                  plan.ascending)]
        set_keep = keep
        if keep and plan.regrouped:  # the engine limits each series then (its newest points under DESC)
            chunks = [_limit(c, 0, keep) if plan.ascending else _limit(c, max(0, len(c.times) - keep), 0)
                      for c in chunks]
            set_keep = 0
        merged = _limit(chunks[0] if heap else _concat(chunks, plan.ascending), 0, set_keep)
        if len(merged.times) == 0:
            continue
        out.append((_group_key(name, dims, key), dict(zip(dims, key, strict=True)), merged))
    if keep and plan.regrouped and reader.engine_limit:
        out = _limit_shard_runs(out, plan)
    return out


def _limit_shard_runs(sets: list[tuple[tuple, dict, _Chunk]], plan: _Plan
                      ) -> list[tuple[tuple, dict, _Chunk]]:
    """A regrouped subquery's LIMIT/OFFSET as each shard applies it once more after merging the series of
    an engine tag set (the enclosing query's tags) by time: the count restarts whenever the inner series
    changes (``query.NewLimitIterator``), so interleaved series with OFFSET keep little or nothing."""
    outer = sorted(plan.tag_set_dims or ())
    by_outer: dict[tuple, list[int]] = {}
    for i, (_, tags, _) in enumerate(sets):
        by_outer.setdefault(tuple(tags.get(d, "") for d in outer), []).append(i)
    end = plan.offset + plan.limit if plan.limit else None
    kept: dict[int, np.ndarray] = {}
    for members in by_outer.values():
        times = np.concatenate([sets[i][2].times for i in members])
        owner = np.concatenate([np.full(len(sets[i][2].times), m) for m, i in enumerate(members)])
        order = np.lexsort((owner, times if plan.ascending else -times))
        count = mergeorder.run_places(owner[order])
        ok = count >= plan.offset
        if end is not None:
            ok &= count < end
        mask = np.zeros(len(order), bool)
        mask[order] = ok
        bounds = np.cumsum([0, *(len(sets[i][2].times) for i in members)])
        for m, i in enumerate(members):
            kept[i] = mask[bounds[m]:bounds[m + 1]]
    out = []
    for i, (group_key, tags, chunk) in enumerate(sets):
        mask = kept[i]
        if mask.any():
            out.append((group_key, tags, _Chunk(chunk.times[mask], [c.take(mask) for c in chunk.columns])))
    return out


def _merge_sources(streams: dict[tuple[int, str], list[list[tuple[tuple, _Chunk]]]], ascending: bool
                   ) -> dict[tuple, _Chunk]:
    """Per output series, its points in the order influxd's merges of shards, then of sources, give them.

    ``streams``: per (source, measurement) the streams of its shards. A source's stream is its measurements
    in output order, each the merge of its shards; the sources' streams are merged last.
    """
    by_source: dict[int, list[tuple[str, list[tuple[tuple, _Chunk]]]]] = {}
    for (index, name), shard_streams in streams.items():
        by_source.setdefault(index, []).append((name, _merge_streams(shard_streams, ascending)))
    source_streams = []
    for named in by_source.values():
        named.sort(key=lambda item: item[0], reverse=not ascending)
        source_streams.append([item for _, stream in named for item in stream])
    return dict(_merge_streams(source_streams, ascending)) if source_streams else {}


def _merge_streams(streams: list[list[tuple[tuple, _Chunk]]], ascending: bool) -> list[tuple[tuple, _Chunk]]:
    """influxd's sorted merge of iterators that each give output series in order: the merged series.

    The heap compares name, tags, then time, so its state carries from one series to the next: every
    input is merged at once, not series by series.
    """
    if len(streams) == 1:
        return streams[0]
    apart = _apart_in_time(streams, ascending)
    if apart is not None:
        return apart
    keys = sorted({key for stream in streams for key, _ in stream})
    position = {key: i for i, key in enumerate(keys)}
    chunks = [chunk for stream in streams for _, chunk in stream]
    groups = np.concatenate([np.full(len(chunk.times), position[key], np.int64)
                             for stream in streams for key, chunk in stream])
    stacked = _stack(chunks)
    offsets = mergeorder.offsets_of([sum(len(c.times) for _, c in stream) for stream in streams])
    order = mergeorder.sorted_merge(stacked.times, stacked.columns, ascending, offsets, groups)
    merged = _take(stacked, order)
    merged_groups = groups[order]
    bounds = np.flatnonzero(np.diff(merged_groups)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [len(order)]))
    return [(keys[int(merged_groups[start])],
             _Chunk(merged.times[start:end], [c.take(slice(start, end)) for c in merged.columns]))
            for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]


def _apart_in_time(streams: list[list[tuple[tuple, _Chunk]]], ascending: bool
                   ) -> list[tuple[tuple, _Chunk]] | None:
    """``_merge_streams`` when no two streams hold one series at one time (shards apart in time): the
    heap then hands each series' points on stream after stream in time order, ties never arising, so its
    chunks are joined (one copy, no merge). None when two of a series' chunks overlap in time."""
    by_key: dict[tuple, list[_Chunk]] = {}
    for stream in streams:
        for key, chunk in stream:
            if len(chunk.times):
                by_key.setdefault(key, []).append(chunk)
    out = []
    for key in sorted(by_key):
        chunks = by_key[key]
        spans = sorted((int(c.times.min()), int(c.times.max()), i) for i, c in enumerate(chunks))
        if any(b[0] <= a[1] for a, b in zip(spans, spans[1:], strict=False)):
            return None
        ordered = [chunks[i] for _, _, i in (spans if ascending else spans[::-1])]
        out.append((key, _stack(ordered)))
    return out
