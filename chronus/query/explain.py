"""EXPLAIN and EXPLAIN ANALYZE, answered as influxd 1.6.7 answers them (``query/explain.go``,
``coordinator/statement_executor.go``, the tracing spans of ``query/select.go`` and the tsm1 engine).

EXPLAIN plans the SELECT without reading points: one plan node per iterator influxd asks the shards for
(a raw query: one per source, with the auxiliary fields; otherwise one per call and source, the call when
the shards compute it themselves (count, min, max, sum, first, last, mean), else the field it reads; a
subquery source contributes its own nodes) and its estimated cost, summed over the mapped shards.
influxd's cost counts every series of the measurement in the whole database (the inmem index is
database-wide) once per shard that knows the measurement, the values of the read keys in each shard's
cache, and the TSM blocks overlapping the time range; ``max-select-series`` is checked on that
database-wide count and ``max-select-buckets`` as planning does. One ``QUERY PLAN`` row per line.

EXPLAIN ANALYZE runs the SELECT (its rows are counted, not sent) and prints influxd's trace tree as
treeprint draws it: the ``select`` span with its times, ``build_cursor`` with the statement as rewritten,
one ``iterator_scanner`` per iterator and, under it, one ``create_iterator`` per shard that gives it an
iterator (with the cursors it opened and the TSM blocks it decodes) or a subquery's ``build_cursor``.
Durations are measured here, so they differ from influxd's.
"""
from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from chronus.influxql import ast
from chronus.influxql.quoting import go_duration_string
from chronus.influxql.walk import walk
from chronus.models.points import FIELD_KEY_SEPARATOR
from chronus.query.condition import reduce
from chronus.query.executor import QueryError
from chronus.query.result import Result, Row
from chronus.query.select import (
    SelectContext,
    compile_statement,
    mapped_range,
    prepare_select,
    select_series,
    set_types,
)
from chronus.tsdb.index import compile_regex
from chronus.tsdb.values import ValueType

DT = ast.DataType
_BLOCK_KINDS = ("float", "integer", "unsigned", "string", "boolean")
_KIND_OF_VALUE_TYPE = {ValueType.FLOAT: "float", ValueType.INTEGER: "integer", ValueType.UNSIGNED: "unsigned",
                       ValueType.STRING: "string", ValueType.BOOLEAN: "boolean"}


def execute_explain(statement: ast.ExplainStatement, ctx: SelectContext) -> Iterator[Result]:
    """The one result of EXPLAIN [ANALYZE] ``statement.statement``; raises QueryError."""
    stmt = statement.statement
    if stmt is None:
        raise QueryError("invalid query")
    if statement.analyze:
        lines = _analyze(stmt, ctx)
        yield Result(series=[Row(columns=["EXPLAIN ANALYZE"], values=[[line] for line in lines])])
        return
    lines = _plan_text(stmt, ctx).strip().split("\n")
    yield Result(series=[Row(columns=["QUERY PLAN"], values=[[line] for line in lines])])


def _prepare(stmt: ast.SelectStatement, ctx: SelectContext):
    """The statement prepared with its shards mapped as influxd maps them for EXPLAIN (``shard_range``),
    and the context it runs in."""
    compiled = compile_statement(stmt, ctx.now_ns)
    ctx = dataclasses.replace(ctx, shard_range=mapped_range(compiled))
    return prepare_select(stmt, ctx, compiled), ctx


# -- plan nodes ----------------------------------------------------------------------------------------------


@dataclass
class _Node:
    """One iterator of the plan: what it reads (a call pushed down to the shards, a field, or None for the
    raw auxiliary iterator), the auxiliary fields, the source, and the call its scanner is labelled with."""

    expr: ast.Expr | None
    aux: list[ast.VarRef]
    source: object
    scanner: ast.Expr | None
    prepared: object  # the (sub)query the node belongs to


# calls the shards compute themselves (influxd's ``callIterator``); every other call reads its argument
_PUSHED_DOWN = ("count", "min", "max", "sum", "first", "last", "mean")


def _iterator_expr(expr: ast.Expr) -> ast.Expr | None:
    """What the shards are asked for to compute ``expr`` (``buildCallIterator``)."""
    while isinstance(expr, ast.Call):
        if not expr.args:
            return None
        arg = expr.args[0]
        if expr.name in _PUSHED_DOWN and isinstance(arg, ast.VarRef):
            return expr
        if expr.name in ("top", "bottom") and len(expr.args) > 2:
            return ast.Call(name="max", args=[arg])
        expr = arg
    return expr if isinstance(expr, ast.VarRef) else None


def _top_calls(expr: ast.Expr | None) -> list[ast.Call]:
    """The calls of a field not inside another call (``mean(v) * 2`` -> ``mean(v)``)."""
    if isinstance(expr, ast.Call):
        return [expr]
    if isinstance(expr, ast.BinaryExpr):
        return _top_calls(expr.lhs) + _top_calls(expr.rhs)
    if isinstance(expr, ast.ParenExpr):
        return _top_calls(expr.expr)
    return []


def _outside_calls(expr: ast.Expr | None) -> list[ast.VarRef]:
    if isinstance(expr, ast.VarRef):
        return [expr]
    if isinstance(expr, ast.BinaryExpr):
        return _outside_calls(expr.lhs) + _outside_calls(expr.rhs)
    if isinstance(expr, ast.ParenExpr):
        return _outside_calls(expr.expr)
    return []


def _iterators(prepared) -> list[tuple[ast.Expr | None, ast.Expr | None, list[ast.VarRef]]]:
    """``(scanner label, what the shards are asked for, auxiliary fields)`` of each iterator a SELECT builds:
    one auxiliary iterator for a raw query, one per call otherwise (influxd takes the calls in Go map
    order, that is any order; here field order)."""
    refs: dict[tuple, ast.VarRef] = {}
    for f in prepared.fields:
        for ref in _outside_calls(f.expr):
            refs.setdefault((ref.val, ref.type), ref)
    aux = sorted(refs.values(), key=lambda r: (r.val, int(r.type)))
    if not prepared.compiled.calls:
        return [(None, None, aux)] if any(ref.type != DT.Unknown for ref in aux) else []
    out = []
    for f in prepared.fields:
        for call in _top_calls(f.expr):
            expr = _iterator_expr(call)
            if expr is not None:
                out.append((call, expr, aux))
    return out


def _is_subquery(source) -> bool:
    return not hasattr(source, "shards")


def _plan_nodes(prepared) -> list[_Node]:
    """Every iterator that reads shards, a subquery's once for each iterator of the query around it."""
    nodes = []
    for scanner, expr, aux in _iterators(prepared):
        for source in prepared.sources:
            if _is_subquery(source):
                nodes.extend(_plan_nodes(source.prepared))
            else:
                nodes.append(_Node(expr, aux, source, scanner, prepared))
    return nodes


def _names(source, shard) -> list[str]:
    index = shard.index.database
    m = source.measurement
    if m.regex is not None:
        regex = compile_regex(m.regex.val)
        return [name for name in index.measurement_names() if regex.search(name)]
    return [m.name] if index.measurement(m.name) is not None else []


def _node_ref(node: _Node) -> ast.VarRef | None:
    if isinstance(node.expr, ast.Call) and node.expr.args and isinstance(node.expr.args[0], ast.VarRef):
        return node.expr.args[0]
    return node.expr if isinstance(node.expr, ast.VarRef) else None


def _series_filters(shard, name: str, series_list: list, condition: ast.Expr | None) -> list:
    """Each series' field filter as influxd's tag sets carry it (None: the index decided alone)."""
    if condition is None:
        return [None] * len(series_list)
    from chronus.query.condition import reduce
    from chronus.query.select import _Reader, _substitute

    reader = _Reader(None, shard, name)
    out = []
    for series in series_list:
        filt = reduce(_substitute(condition, reader._decide(series)), None)
        out.append(None if isinstance(filt, ast.BooleanLiteral) else filt)
    return out


def _filter_fields(filt: ast.Expr | None) -> list[ast.VarRef]:
    """``ExprNames`` of a series filter: its variables, once each."""
    seen: dict[str, ast.VarRef] = {}
    for node in walk(filt):
        if isinstance(node, ast.VarRef) and node.val != "time":
            seen.setdefault(node.val, node)
    return list(seen.values())


# -- EXPLAIN -------------------------------------------------------------------------------------------------


@dataclass
class _Cost:
    shards: int = 0
    series: int = 0
    cached: int = 0
    files: int = 0
    blocks: int = 0
    size: int = 0


def _key(series_key: str, name: str) -> bytes:
    return series_key.encode("utf-8", "surrogateescape") + FIELD_KEY_SEPARATOR + name.encode("utf-8")


def _series_cost(shard, key: bytes, tmin: int, tmax: int, cost: _Cost) -> None:
    cached = shard.cache.values(key, tmin, tmax)
    if cached is not None:
        cost.cached += len(cached)
    for reader in shard.files.readers():
        fmin, fmax = reader.time_range()
        if not (fmax > tmin and fmin < tmax):
            continue
        hit = False
        for bmin, bmax, _offset, size in reader.entries(key):
            if bmax > tmin and bmin < tmax:
                cost.blocks += 1
                cost.size += size
                hit = True
        if hit:
            cost.files += 1


def _node_cost(node: _Node, max_series: int) -> _Cost:
    prepared = node.prepared
    compiled = prepared.compiled
    cost = _Cost()
    ref = _node_ref(node)
    refs = ([ref] if ref is not None else []) + node.aux
    for shard in node.source.shards:
        index = shard.index.database
        for name in _names(node.source, shard):
            ids = index.series_ids_by_expr(name, prepared.condition)
            if max_series and len(ids) > max_series + 1:
                raise QueryError(f"max-select-series limit exceeded: ({max_series + 1}/{max_series})")
            cost.shards += 1
            cost.series += len(ids)
            series_list = sorted((index.series_by_id[sid] for sid in ids), key=lambda s: s.key)
            filters = _series_filters(shard, name, series_list, prepared.condition)
            for series, filt in zip(series_list, filters, strict=True):
                for r in (*refs, *_filter_fields(filt)):
                    _series_cost(shard, _key(series.key, r.val), compiled.tmin, compiled.tmax, cost)
    return cost


def _plan_text(stmt: ast.SelectStatement, ctx: SelectContext) -> str:
    prepared, ctx = _prepare(stmt, ctx)
    if prepared.compiled.calls:  # planning refuses too many GROUP BY time() windows
        from chronus.query.aggregate import check_buckets, group_windows

        windows = group_windows(stmt, prepared.compiled, ctx.now_ns)
        check_buckets(ctx.max_select_buckets, windows, prepared.compiled)
    parts = []
    for node in _plan_nodes(prepared):
        cost = _node_cost(node, ctx.max_select_series)
        text = f"EXPRESSION: {node.expr if node.expr is not None else '<nil>'}\n"
        if node.aux:
            text += f"AUXILIARY FIELDS: {', '.join(str(ref) for ref in node.aux)}\n"
        text += (f"NUMBER OF SHARDS: {cost.shards}\nNUMBER OF SERIES: {cost.series}\n"
                 f"CACHED VALUES: {cost.cached}\nNUMBER OF FILES: {cost.files}\n"
                 f"NUMBER OF BLOCKS: {cost.blocks}\nSIZE OF BLOCKS: {cost.size}\n")
        parts.append(text)
    return "\n".join(parts)


# -- EXPLAIN ANALYZE -----------------------------------------------------------------------------------------


@dataclass
class _Span:
    """A node of the trace tree: name, labels (printed sorted by key), fields (printed in order)."""

    name: str
    labels: dict[str, str] = field(default_factory=dict)
    fields: list[tuple[str, str]] = field(default_factory=list)
    children: list[_Span] = field(default_factory=list)


def _render(root: _Span) -> list[str]:
    """The tree as treeprint draws it: a ``.`` root, ``├── `` / ``└── `` branches, ``│`` and two no-break
    spaces and a space under a branch with more below, and a final empty line."""
    lines = ["."]

    def items(span: _Span) -> list:
        out: list = []
        if span.labels:
            out.append(("labels", [(f"{k}: {v}", []) for k, v in sorted(span.labels.items())]))
        out.extend((f"{k}: {v}", []) for k, v in span.fields)
        out.extend(_as_item(child) for child in span.children)
        return out

    def _as_item(span: _Span) -> tuple:
        return span.name, items(span)

    def draw(entries: list, prefix: str) -> None:
        for i, (text, children) in enumerate(entries):
            last = i == len(entries) - 1
            lines.append(prefix + ("└── " if last else "├── ") + text)
            draw(children, prefix + ("    " if last else "│\u00a0\u00a0 "))

    draw([_as_item(root)], "")
    lines.append("")
    return lines


def _typed_statement(prepared, written: ast.SelectStatement, now_ns: int, subquery: bool = False
                     ) -> ast.SelectStatement:
    """The statement as influxd's build_cursor span shows it: as ``written`` (a subquery runs rewritten:
    influxd shows it as written), fields typed and expanded, subqueries alike; the outermost statement
    without its time condition (influxd compiles it out), a subquery's with it, now() evaluated."""
    stmt = copy.copy(written)
    stmt.fields = prepared.fields
    stmt.condition = prepared.condition
    if subquery and written.condition is not None:
        stmt.condition = reduce(ast.clone(written.condition), now_ns, written.location)
        set_types(stmt.condition, prepared.sources)
    stmt.sources = [ast.SubQuery(statement=_typed_statement(source.prepared, original.statement, now_ns,
                                                            True))
                    if _is_subquery(source) else source.measurement
                    for source, original in zip(prepared.sources, written.sources, strict=True)]
    return stmt


def _field_exists(shard, name: str, ref: ast.VarRef) -> bool:
    return ref.type != DT.Tag and shard.measurement_fields(name).get(ref.val) is not None


def _create_iterator_span(node: _Node, shard, name: str) -> _Span | None:
    """The shard's ``create_iterator`` span, or None when it gives this node no iterator (no series, or a
    read field the shard does not have)."""
    prepared = node.prepared
    compiled = prepared.compiled
    started = time.perf_counter_ns()
    series_list = shard.series(name, prepared.condition)
    if not series_list:
        return None
    ref = _node_ref(node)
    if ref is not None and not _field_exists(shard, name, ref):
        return None
    aux_refs = [r for r in node.aux if _field_exists(shard, name, r)]
    filters = _series_filters(shard, name, series_list, prepared.condition)
    blocks = {kind: [0, 0] for kind in _BLOCK_KINDS}
    cond_cursors = 0
    for series, filt in zip(series_list, filters, strict=True):
        cond_refs = [r for r in _filter_fields(filt) if _field_exists(shard, name, r)]
        cond_cursors += len(cond_refs)
        for r in ([ref] if ref is not None else []) + aux_refs + cond_refs:
            key = _key(series.key, r.val)
            vtype = next((t for reader in shard.files.readers() if (t := reader.type(key)) is not None), None)
            if vtype is None:
                continue
            sizes = _decoded_blocks(shard, key, compiled.tmin, compiled.tmax, compiled.ascending)
            blocks[_KIND_OF_VALUE_TYPE[vtype]][0] += len(sizes)
            blocks[_KIND_OF_VALUE_TYPE[vtype]][1] += sum(sizes)
    labels = {"measurement": name, "shard_id": str(shard.id)}
    if prepared.condition is not None:
        labels["cond"] = str(prepared.condition)
    n = len(series_list)
    fields = [("cursors_ref", str(n if ref is not None else 0)),
              ("cursors_aux", str(n * len(aux_refs))),
              ("cursors_cond", str(cond_cursors))]
    for kind in _BLOCK_KINDS:
        fields.append((f"{kind}_blocks_decoded", str(blocks[kind][0])))
        fields.append((f"{kind}_blocks_size_bytes", str(blocks[kind][1])))
    fields.append(("planning_time", go_duration_string(time.perf_counter_ns() - started)))
    return _Span("create_iterator", labels, fields)


def _decoded_blocks(shard, key: bytes, tmin: int, tmax: int, ascending: bool) -> list[int]:
    """The sizes of the TSM blocks influxd's cursor decodes reading ``key`` over ``[tmin, tmax]``.

    Its KeyCursor seeks to the first block ending at or after ``tmin`` (descending: starting at or before
    ``tmax``) and decodes it even when it lies wholly outside the range; the cursor loads the next block
    as soon as the iterator reads a block's last point (descending: its first), which the iterator does
    unless a point before it already left the range. Descending, every block after the first is decoded
    twice (``nextDescending`` lists the block it moves to twice). Blocks of different files are taken as
    not overlapping."""
    blocks = [(bmin, bmax, offset, size, reader) for reader in shard.files.readers()
              for bmin, bmax, offset, size in reader.entries(key)]
    if ascending:
        seeks = sorted((b for b in blocks if b[1] >= tmin), key=lambda b: b[0])
    else:
        seeks = sorted((b for b in blocks if b[0] <= tmax), key=lambda b: b[1], reverse=True)
    sizes: list[int] = []
    for n, (_bmin, _bmax, offset, size, reader) in enumerate(seeks):
        sizes.extend([size] * (1 if ascending or n == 0 else 2))
        times = reader.block_times(offset, size)
        if ascending:
            read = times[times >= tmin]
            if len(read) >= 2 and read[-2] > tmax:  # stopped before the block's last point
                break
        else:
            read = times[times <= tmax]
            if len(read) >= 2 and read[1] < tmin:  # stopped before the block's first point
                break
    return sizes


def _build_cursor(prepared, written: ast.SelectStatement, now_ns: int, subquery: bool = False) -> _Span:
    """The ``build_cursor`` span of a (sub)query: one ``iterator_scanner`` per iterator, under it the
    shards' ``create_iterator`` spans, or a subquery's own ``build_cursor``."""
    build = _Span("build_cursor", {"statement": str(_typed_statement(prepared, written, now_ns, subquery))})
    for scanner_expr, expr, aux in _iterators(prepared):
        labels = {}
        if scanner_expr is not None:
            labels["expr"] = str(scanner_expr)
        if aux:
            labels["auxiliary_fields"] = ", ".join(str(ref) for ref in aux)
        scanner = _Span("iterator_scanner", labels)
        build.children.append(scanner)
        for source, original in zip(prepared.sources, written.sources, strict=True):
            if _is_subquery(source):
                scanner.children.append(_build_cursor(source.prepared, original.statement, now_ns, True))
                continue
            node = _Node(expr, aux, source, scanner_expr, prepared)
            m = source.measurement
            names = sorted({name for shard in source.shards for name in _names(source, shard)}) \
                if m.regex is not None else [m.name]
            for name in names:
                for shard in source.shards:
                    if shard.index.database.measurement(name) is None:
                        continue
                    span = _create_iterator_span(node, shard, name)
                    if span is not None:
                        scanner.children.append(span)
    return build


def _analyze(stmt: ast.SelectStatement, ctx: SelectContext) -> list[str]:
    started = time.perf_counter_ns()
    prepared, ctx = _prepare(stmt, ctx)
    build = _build_cursor(prepared, stmt, ctx.now_ns)
    planned = time.perf_counter_ns()
    stop_monitor = ctx.task.monitor_points(ctx.max_select_point)
    try:
        for _ in select_series(prepared, ctx):
            ctx.task.check()
    finally:
        stop_monitor()
    finished = time.perf_counter_ns()
    root = _Span("select", fields=[("execution_time", go_duration_string(finished - planned)),
                                   ("planning_time", go_duration_string(planned - started)),
                                   ("total_time", go_duration_string(finished - started))],
                 children=[build])
    return _render(root)
