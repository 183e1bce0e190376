"""SELECT INTO: the statement's output series written back as points, answered as influxd 1.6.7 answers.

influxd runs the SELECT as usual except that ``fill(null)`` of an aggregate becomes ``fill(none)`` and
``top()``/``bottom()`` add no tag columns; every output row becomes a point of the target measurement (the
row's series name for ``:MEASUREMENT``) with the series' GROUP BY tags and one field per non-null column
(``convertRowToPoints``; a row without any value, or with an infinite float, is dropped). The points go
through the node's points writer, as durable as ``/write``. The answer is one ``result`` series: time 0 (the
epoch) and the number of points ``written``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from chronus.influxql import ast
from chronus.query.executor import QueryError
from chronus.query.result import Result, Row, read_only_warning
from chronus.query.vector import BOOLEAN, FLOAT, INTEGER, UNSIGNED, Column

_BATCH = 10_000  # influxd's BufferedPointsWriter flushes every 10000 points


def execute_into(stmt: ast.SelectStatement, ctx) -> Iterator[Result]:
    """Run ``stmt`` (with a target), write its rows, answer the ``written`` count."""
    from chronus.query.select import prepare_select, select_series

    target = stmt.target.measurement
    if not target.database:
        raise QueryError("no database in target")
    if ctx.write_points is None:
        raise QueryError("SELECT INTO needs a points writer")
    run = replace(stmt, target=None)
    prepared = prepare_select(run, ctx)
    if prepared.compiled.calls and run.fill == ast.FillOption.NullFill:
        run.fill = ast.FillOption.NoFill
    keep = _written_columns(prepared.fields) if prepared.compiled.calls else None
    names = prepared.columns[1:]
    columns = names if keep is None else [n for n, kept in zip(names, keep, strict=True) if kept]
    written = 0
    pending: list[bytes] = []
    pending_n = 0
    for name, tags, times, cols in select_series(prepared, ctx):
        row_tags: list[tuple[str, Column]] = []
        if keep is not None:
            # top()/bottom() keep the tags of the points they select: their tag arguments become tags
            row_tags = [(n, c) for n, c, kept in zip(names, cols, keep, strict=True) if not kept]
            cols = [c for c, kept in zip(cols, keep, strict=True) if kept]
        lines = encode_points(target.name or name, tags, columns, times, cols, row_tags)
        if not lines:
            continue
        pending.append(b"\n".join(lines))
        pending_n += len(lines)
        if pending_n >= _BATCH:
            _write(ctx, target, pending)
            written += pending_n
            pending, pending_n = [], 0
    if pending:
        _write(ctx, target, pending)
        written += pending_n
    messages = [read_only_warning(str(stmt))] if getattr(ctx, "read_only", False) else []
    row = Row(name="result", columns=["time", "written"], values=[[0, written]], time_values=True)
    yield Result(series=[row], messages=messages)


def _write(ctx, target: ast.Measurement, bodies: list[bytes]) -> None:
    from chronus.errors import WriteError
    try:
        ctx.write_points(target.database, target.retention_policy, b"\n".join(bodies))
    except WriteError as err:
        raise QueryError(str(err)) from None


def _written_columns(fields: list[ast.Field]) -> list[bool]:
    """Which of the SELECT's output columns INTO writes: not the tag columns ``top()``/``bottom()`` add."""
    keep: list[bool] = []
    for f in fields:
        keep.append(True)
        if isinstance(f.expr, ast.Call) and f.expr.name in ("top", "bottom"):
            keep.extend(False for arg in f.expr.args[1:-1] if isinstance(arg, ast.VarRef))
    return keep


def _escape(text: str, specials: str) -> str:
    for ch in specials:
        text = text.replace(ch, "\\" + ch)
    return text


def _field_texts(key: str, col: Column, n: int) -> tuple[list, np.ndarray]:
    """Per row ``key=value`` in line protocol (None without a value), and whether the value is infinite
    (influxd cannot make a point of it: the row is dropped)."""
    bad = np.zeros(n, bool)
    if col.kind is None or not col.valid.any():
        return [None] * n, bad
    valid = col.valid
    values = col.values
    prefix = key + "="
    if col.kind == FLOAT:
        floats = values.astype(np.float64)
        bad = valid & np.isinf(floats)
        valid = valid & ~np.isnan(floats) & ~bad
        texts = [prefix + repr(v) for v in floats.tolist()]
    elif col.kind == INTEGER:
        texts = [f"{prefix}{v}i" for v in values.tolist()]
    elif col.kind == UNSIGNED:
        texts = [f"{prefix}{v}u" for v in values.tolist()]
    elif col.kind == BOOLEAN:
        texts = [prefix + ("true" if v else "false") for v in values.tolist()]
    else:
        texts = [prefix + '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' if ok else None
                 for v, ok in zip(values.tolist(), valid.tolist(), strict=True)]
    if not valid.all():
        texts = [t if ok else None for t, ok in zip(texts, valid.tolist(), strict=True)]
    return texts, bad


def encode_points(measurement: str, tags: dict, columns: list[str], times: np.ndarray, cols: list[Column],
                  row_tags: list[tuple[str, Column]] | None = None) -> list[bytes]:
    """Line protocol (precision ns) of one output series' rows; rows without a value are left out.

    ``row_tags`` are tags whose value changes from row to row (the tag arguments of ``top()``).
    """
    n = len(times)
    measurement_key = _escape(measurement, ", ")
    series_key = _series_key(measurement_key, tags)
    texts = []
    drop = np.zeros(n, bool)
    for name, col in zip(columns, cols, strict=True):
        column_texts, bad = _field_texts(_escape(name, ",= "), col, n)
        texts.append(column_texts)
        drop |= bad
    row_values = [(k, c.to_list()) for k, c in row_tags or []]
    lines: list[bytes] = []
    for i, (stamp, dropped, *values) in enumerate(zip(times.tolist(), drop.tolist(), *texts, strict=True)):
        fields = ",".join(v for v in values if v is not None)
        if not fields or dropped:
            continue
        key = series_key
        if row_values:
            key = _series_key(measurement_key, {**tags, **{k: v[i] or "" for k, v in row_values}})
        lines.append(f"{key} {fields} {stamp}".encode())
    return lines


def _series_key(measurement_key: str, tags: dict) -> str:
    key = measurement_key
    for k in sorted(tags):
        if tags[k]:
            key += "," + _escape(k, ",= ") + "=" + _escape(str(tags[k]), ",= ")
    return key
