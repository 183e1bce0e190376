"""The in-memory series index of a database, with InfluxDB 1.6's ``inmem`` semantics.

influxd's default ``inmem`` index is one structure per *database*, shared by all its shards (of every
retention policy); each shard only adds a set of the series ids it holds. That is why ``SHOW SERIES FROM
db.rp2.cpu`` lists the cpu series of every policy, and why ``SHOW TAG KEYS WHERE time > ...`` answers from
the whole database as soon as one shard group overlaps the range. ``DatabaseIndex`` is that shared part,
``ShardIndex`` the per-shard id set.

Tag conditions (``WHERE`` of SHOW statements, DROP SERIES) are evaluated to series-id sets the way
``tsdb.IndexSet`` does it, including its edges: ``tag = ''`` means "tag absent", a regex that matches the
empty string also selects series without the tag, ``tag = other_tag`` only asks that both tags exist, and
comparisons the index cannot decide (fields, numbers) select every series of the measurement.

Adding series costs one dict lookup per key; keys are parsed only the first time they are seen, all new keys
of a call in one C pass (``_ext/serieskeys.pyx``).
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from chronus._ext import serieskeys as _serieskeys
from chronus.influxql import ast
from chronus.influxql.re2python import to_python
from chronus.models.gosort import go_sorted
from chronus.models.points import make_series_key, split_series_key, unescape_measurement

# influxql.IsSystemName
SYSTEM_NAMES = frozenset(("_fieldKeys", "_measurements", "_name", "_series", "_tagKey", "_tagKeys", "_tags"))
TAG_OPS = ("=", "!=", "=~", "!~")
REGEX_OPS = ("=~", "!~")

# HyperLogLog++ sparse-mode constants of pkg/estimator/hll (precision 16, sparse precision 25).
_HLL_SPARSE_M = 1 << 25
_HLL_SPARSE_LIMIT = 1 << 16


class ConditionError(Exception):
    """A condition the index cannot evaluate; the text is influxd's (sent as the statement's error)."""


@functools.lru_cache(maxsize=1024)
def compile_regex(pattern: str) -> re.Pattern[str]:
    """A compiled InfluxQL regex: Go's RE2 syntax and meaning (``influxql.re2python``)."""
    return re.compile(to_python(pattern))


def regex_matches(pattern: str, text: str) -> bool:
    """Go's ``Regexp.MatchString``: an unanchored search."""
    return compile_regex(pattern).search(text) is not None


@dataclass(eq=False)
class Series:
    """One series: its id, its key as written, measurement name and unescaped tags sorted by key."""

    id: int
    key: str
    name: str
    tags: tuple[tuple[str, str], ...]

    def tag(self, key: str) -> str:
        for tag_key, value in self.tags:
            if tag_key == key:
                return value
        return ""

    @property
    def display_key(self) -> str:
        """The key as SHOW SERIES prints it (``models.MakeKey`` of the point's name and tags)."""
        name, tags = split_series_key(_encode(self.key))
        return _decode(make_series_key(name, tags))


@dataclass(eq=False)
class Measurement:
    """The series of one measurement, with an inverted index tag key -> value -> series ids."""

    name: str
    series: dict[int, Series] = field(default_factory=dict)
    tag_index: dict[str, dict[str, set[int]]] = field(default_factory=dict)
    field_names: set[str] = field(default_factory=set)

    def add(self, series: Series) -> None:
        self.series[series.id] = series
        for key, value in series.tags:
            self.tag_index.setdefault(key, {}).setdefault(value, set()).add(series.id)

    def remove(self, series: Series) -> None:
        self.series.pop(series.id, None)
        for key, value in series.tags:
            values = self.tag_index.get(key)
            if values is None:
                continue
            ids = values.get(value)
            if ids is not None:
                ids.discard(series.id)
                if not ids:
                    del values[value]
            if not values:
                del self.tag_index[key]

    def tag_keys(self) -> list[str]:
        return go_sorted(self.tag_index)

    def tag_values(self, key: str) -> list[str]:
        return go_sorted(self.tag_index.get(key, ()))

    def ids(self) -> set[int]:
        return set(self.series)

    def ids_with_tag(self, key: str) -> set[int]:
        out: set[int] = set()
        for ids in self.tag_index.get(key, {}).values():
            out |= ids
        return out

    def ids_with_value(self, key: str, value: str) -> set[int]:
        return set(self.tag_index.get(key, {}).get(value, ()))

    def ids_where_values(self, key: str, predicate: Callable[[str], bool]) -> set[int]:
        out: set[int] = set()
        for value, ids in self.tag_index.get(key, {}).items():
            if predicate(value):
                out |= ids
        return out


class DatabaseIndex:
    """The shared in-memory index of one database (``inmem.Index``)."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.measurements: dict[str, Measurement] = {}
        self.series_by_key: dict[str, Series] = {}
        self.series_by_id: dict[int, Series] = {}
        self.shards: dict[int, ShardIndex] = {}
        self._next_id = 1
        # What influxd's measurement sketches hold: every name added, and every name dropped, since start.
        self._measurement_sketch: set[str] = set()
        self._measurement_tombstones: set[str] = set()
        # Writers of every shard of the database change the index concurrently; readers see whole changes.
        self.lock = threading.RLock()

    # -- building -------------------------------------------------------------------------------------------

    def shard(self, shard_id: int) -> ShardIndex:
        """The per-shard view of this index (created on first use)."""
        shard = self.shards.get(shard_id)
        if shard is None:
            shard = self.shards[shard_id] = ShardIndex(self, shard_id)
        return shard

    def create_series(self, keys: Iterable[str]) -> list[int]:
        """Ids of the series with these keys (as written, tags sorted), creating the missing ones."""
        with self.lock:
            lookup = self.series_by_key
            keys = list(keys)
            missing = [key for key in dict.fromkeys(keys) if key not in lookup]
            if missing:
                # New keys are split in one C pass (a restart registers every series at once).
                parsed = _serieskeys.split_series_keys([_encode(key) for key in missing])
                for key, (name, tags) in zip(missing, parsed, strict=True):
                    self._new_series(key, name, tags)
            return [lookup[key].id for key in keys]

    def _new_series(self, key: str, name: str, tags: tuple[tuple[str, str], ...]) -> Series:
        # The index unescapes the point's name once more (CreateMeasurementIndexIfNotExists).
        index_name = _unescape_name(name)
        series = Series(self._next_id, key, index_name, tags)
        self._next_id += 1
        measurement = self.measurements.get(index_name)
        if measurement is None:
            measurement = self.measurements[index_name] = Measurement(index_name)
            self._measurement_sketch.add(index_name)
        measurement.add(series)
        self.series_by_key[key] = series
        self.series_by_id[series.id] = series
        return series

    def set_field_names(self, measurement: str, names: Iterable[str]) -> None:
        """Record field names of a measurement (``SetFieldName``); they make WHERE terms field filters. The
        name is unescaped once more, as influxd's ``CreateMeasurementIndexIfNotExists`` does: a point named
        ``c\\,pu`` (``c\\,pu`` unescaped from the line) lands on the index's ``c,pu``, not on a new entry."""
        measurement = unescape_measurement(measurement.encode("utf-8", "surrogateescape")).decode(
            "utf-8", "surrogateescape")
        with self.lock:
            entry = self.measurements.get(measurement)
            if entry is None:
                entry = self.measurements[measurement] = Measurement(measurement)
                self._measurement_sketch.add(measurement)
            entry.field_names.update(names)

    # -- dropping -------------------------------------------------------------------------------------------

    def drop_series(self, ids: Iterable[int]) -> None:
        """Remove series from every shard and from the index; measurements left empty go too."""
        with self.lock:
            for series_id in list(ids):
                series = self.series_by_id.pop(series_id, None)
                if series is None:
                    continue
                for shard in self.shards.values():
                    shard.series_ids.discard(series_id)
                del self.series_by_key[series.key]
                measurement = self.measurements.get(series.name)
                if measurement is not None:
                    measurement.remove(series)
                    if not measurement.series:
                        self._drop_measurement_entry(series.name)

    def drop_measurement(self, name: str) -> None:
        """Remove a measurement and all its series (``DROP MEASUREMENT``)."""
        with self.lock:
            measurement = self.measurements.get(name)
            self._measurement_tombstones.add(name)
            if measurement is None:
                return
            self.drop_series(list(measurement.series))
            self.measurements.pop(name, None)

    def _drop_measurement_entry(self, name: str) -> None:
        self._measurement_tombstones.add(name)
        self.measurements.pop(name, None)

    def drop_series_from_shard(self, shard_id: int, ids: Iterable[int]) -> list[int]:
        """A shard no longer holds these series; those no shard holds leave the index (returned).

        This is what a delete does once a shard has no points left for a series (``DropSeries`` on the
        shard's id set, then ``DropSeriesGlobal`` for ids absent from every shard).
        """
        with self.lock:
            ids = set(ids)
            shard = self.shards.get(shard_id)
            if shard is not None:
                shard.series_ids.difference_update(ids)
            for other in self.shards.values():
                ids -= other.series_ids
            orphans = sorted(ids)
            self.drop_series(orphans)
            return orphans

    def remove_shard(self, shard_id: int) -> None:
        """Forget a shard; series no other shard holds leave the index (``Store.DeleteShard``)."""
        with self.lock:
            shard = self.shards.pop(shard_id, None)
            if shard is None:
                return
            orphans = set(shard.series_ids)
            for other in self.shards.values():
                orphans -= other.series_ids
            self.drop_series(orphans)

    # -- reading --------------------------------------------------------------------------------------------

    def measurement_names(self) -> list[str]:
        return go_sorted(self.measurements)

    def measurement(self, name: str) -> Measurement | None:
        return self.measurements.get(name)

    def has_field(self, measurement: str, name: str) -> bool:
        entry = self.measurements.get(measurement)
        return entry is not None and name in entry.field_names

    def series_ids(self) -> set[int]:
        return set(self.series_by_id)

    def measurement_cardinality_estimate(self) -> int:
        """``SHOW MEASUREMENT CARDINALITY``: names ever added minus names ever dropped, as HLL++ counts them.

        influxd subtracts two sketches; for the small counts kept in the sketch's sparse form it is linear
        counting over 2**25 registers, truncated -- the exact count unless hashes collide.
        """
        return _hll_sparse_count(len(self._measurement_sketch)) - _hll_sparse_count(
            len(self._measurement_tombstones))

    # -- conditions -----------------------------------------------------------------------------------------

    def measurement_names_by_expr(self, expr: ast.Expr | None) -> list[str]:
        """Sorted names matching a condition on ``_name`` and tags (``IndexSet.MeasurementNamesByExpr``)."""
        if expr is None:
            return self.measurement_names()
        return go_sorted(self._names_by_expr(expr))

    def _names_by_expr(self, expr: ast.Expr) -> set[str]:
        if isinstance(expr, ast.ParenExpr):
            return self._names_by_expr(expr.expr)
        if not isinstance(expr, ast.BinaryExpr):
            raise ConditionError(go_syntax(expr))
        if expr.op in ("AND", "OR"):
            lhs = self._names_by_expr(expr.lhs)
            rhs = self._names_by_expr(expr.rhs)
            return lhs | rhs if expr.op == "OR" else lhs & rhs
        if expr.op not in TAG_OPS:
            raise ConditionError("invalid tag comparison operator")
        if not isinstance(expr.lhs, ast.VarRef):
            raise ConditionError(f"left side of '{expr.op}' must be a tag key")
        if expr.op in REGEX_OPS:
            if not isinstance(expr.rhs, ast.RegexLiteral):
                raise ConditionError(f"right side of '{expr.op}' must be a regular expression")
            matches = functools.partial(regex_matches, expr.rhs.val)
        else:
            if not isinstance(expr.rhs, ast.StringLiteral):
                raise ConditionError(f"right side of '{expr.op}' must be a tag value string")
            matches = expr.rhs.val.__eq__
        key = expr.lhs.val
        positive = expr.op in ("=", "=~")
        if key == "_name":
            return {name for name in self.measurements if matches(name) == positive}
        if key in SYSTEM_NAMES:
            return set()
        names = set()
        for name, measurement in self.measurements.items():
            values = measurement.tag_index.get(key)
            if not values:
                continue  # a measurement without the tag key is never considered
            if any(matches(value) for value in values) == positive:
                names.add(name)
        return names

    def series_ids_by_expr(
        self, name: str, expr: ast.Expr | None, field_names: Collection[str] | None = None
    ) -> set[int]:
        """Ids of the series of measurement ``name`` matching a tag condition (``IndexSet`` semantics).

        ``field_names`` are the names that count as fields (a shard's field set); by default the names
        recorded with ``set_field_names``.
        """
        measurement = self.measurements.get(name)
        if measurement is None:
            return set()
        if expr is None:
            return measurement.ids()
        return self._series_by_expr(measurement, expr, field_names)

    def series_ids_for_delete(
        self, name: str, expr: ast.Expr | None, field_names: Collection[str]
    ) -> tuple[set[int], set[int]]:
        """The series of ``name`` a delete selects, and those of them whose selection hangs on a field term.

        influxd's series iterators carry the field terms along with each series (AND joins them, OR keeps
        them only where both sides have one); a delete refuses to run when any selected series has one.
        """
        measurement = self.measurements.get(name)
        if measurement is None:
            return set(), set()
        if expr is None:
            return measurement.ids(), set()
        return self._filtered_by_expr(measurement, expr, field_names)

    def _filtered_by_expr(
        self, m: Measurement, expr: ast.Expr, fields: Collection[str]
    ) -> tuple[set[int], set[int]]:
        if isinstance(expr, ast.ParenExpr):
            return self._filtered_by_expr(m, expr.expr, fields)
        if isinstance(expr, ast.BinaryExpr) and expr.op in ("AND", "OR"):
            lhs, lhs_filtered = self._filtered_by_expr(m, expr.lhs, fields)
            rhs, rhs_filtered = self._filtered_by_expr(m, expr.rhs, fields)
            if expr.op == "AND":
                ids = lhs & rhs
                return ids, (lhs_filtered | rhs_filtered) & ids
            return lhs | rhs, (lhs_filtered - rhs) | (rhs_filtered - lhs) | (lhs_filtered & rhs_filtered)
        if isinstance(expr, ast.BinaryExpr) and self._is_field_comparison(m, expr, fields):
            ids = m.ids()
            return ids, set(ids)
        return self._series_by_expr(m, expr, fields), set()

    def _is_field_comparison(self, m: Measurement, expr: ast.BinaryExpr, fields: Collection[str]) -> bool:
        if isinstance(expr.lhs, ast.BinaryExpr) or isinstance(expr.rhs, ast.BinaryExpr):
            return False
        key, value = expr.lhs, expr.rhs
        if not isinstance(key, ast.VarRef):
            key, value = expr.rhs, expr.lhs
            if not isinstance(key, ast.VarRef):
                return False
        return self._is_field(m, key, fields) or (
            isinstance(value, ast.VarRef) and self._is_field(m, value, fields))

    def _series_by_expr(
        self, m: Measurement, expr: ast.Expr | None, fields: Collection[str] | None = None
    ) -> set[int]:
        if isinstance(expr, ast.ParenExpr):
            return self._series_by_expr(m, expr.expr, fields)
        if isinstance(expr, ast.BooleanLiteral):
            return m.ids() if expr.val else set()
        if not isinstance(expr, ast.BinaryExpr):
            return set()
        if expr.op in ("AND", "OR"):
            lhs = self._series_by_expr(m, expr.lhs, fields)
            rhs = self._series_by_expr(m, expr.rhs, fields)
            return lhs & rhs if expr.op == "AND" else lhs | rhs
        return self._series_by_comparison(m, expr, fields)

    def _is_field(self, m: Measurement, ref: ast.VarRef, fields: Collection[str] | None = None) -> bool:
        if ref.val == "_name":
            return False
        kind = ref.type
        if kind == ast.DataType.Unknown:
            return ref.val in (m.field_names if fields is None else fields)
        return kind != ast.DataType.Tag

    def _series_by_comparison(
        self, m: Measurement, expr: ast.BinaryExpr, fields: Collection[str] | None = None
    ) -> set[int]:
        if isinstance(expr.lhs, ast.BinaryExpr) or isinstance(expr.rhs, ast.BinaryExpr):
            return m.ids()  # expression math: left to the query engine
        key, value = expr.lhs, expr.rhs
        if not isinstance(key, ast.VarRef):
            key, value = expr.rhs, expr.lhs
            if not isinstance(key, ast.VarRef):
                return m.ids()
        if self._is_field(m, key, fields) or (
                isinstance(value, ast.VarRef) and self._is_field(m, value, fields)):
            return m.ids()  # a field filter: every series, the engine filters points
        if isinstance(value, ast.StringLiteral):
            return self._series_by_string(m, key.val, value.val, expr.op)
        if isinstance(value, ast.RegexLiteral):
            return self._series_by_regex(m, key.val, value.val, expr.op)
        if isinstance(value, ast.VarRef):
            both = m.ids_with_tag(key.val)
            other = m.ids_with_tag(value.val)
            return both & other if expr.op == "=" else both - other
        return m.ids()

    @staticmethod
    def _series_by_string(m: Measurement, key: str, value: str, op: str) -> set[int]:
        if key == "_name":
            return m.ids() if (op == "=" and value == m.name) or (op == "!=" and value != m.name) else set()
        if op == "=":
            return m.ids_with_value(key, value) if value else m.ids() - m.ids_with_tag(key)
        if value:
            return m.ids() - m.ids_with_value(key, value)
        return m.ids_with_tag(key)

    @staticmethod
    def _series_by_regex(m: Measurement, key: str, pattern: str, op: str) -> set[int]:
        regex = compile_regex(pattern)
        if key == "_name":
            match = regex.search(m.name) is not None
            return m.ids() if match == (op == "=~") else set()
        matches_empty = regex.search("") is not None
        def matching(value: str) -> bool:
            return regex.search(value) is not None
        def not_matching(value: str) -> bool:
            return regex.search(value) is None
        if op == "=~":
            if matches_empty:
                return m.ids() - m.ids_where_values(key, not_matching)
            return m.ids_where_values(key, matching)
        if matches_empty:
            return m.ids_where_values(key, not_matching)
        return m.ids() - m.ids_where_values(key, matching)

    def tag_keys_by_expr(self, name: str, expr: ast.Expr | None) -> set[str] | None:
        """Tag keys of a measurement selected by the ``_tagKey`` terms of a condition (``TagKeysByExpr``).

        Terms on anything else select nothing by themselves (None); AND / OR of None and a set is the set.
        """
        measurement = self.measurements.get(name)
        if measurement is None:
            return None
        if expr is None:
            return set(measurement.tag_index)
        return self._tag_keys_by_expr(measurement, expr)

    def _tag_keys_by_expr(self, m: Measurement, expr: ast.Expr) -> set[str] | None:
        if isinstance(expr, ast.ParenExpr):
            return self._tag_keys_by_expr(m, expr.expr)
        if not isinstance(expr, ast.BinaryExpr):
            raise ConditionError(go_syntax(expr))
        if expr.op in ("AND", "OR"):
            lhs = self._tag_keys_by_expr(m, expr.lhs)
            rhs = self._tag_keys_by_expr(m, expr.rhs)
            if lhs is not None and rhs is not None:
                return lhs | rhs if expr.op == "OR" else lhs & rhs
            return lhs if lhs is not None else rhs
        if expr.op not in TAG_OPS:
            raise ConditionError("invalid operator")
        if not isinstance(expr.lhs, ast.VarRef):
            raise ConditionError(f"left side of '{expr.op}' must be a tag key")
        if expr.lhs.val != "_tagKey":
            return None
        if expr.op in REGEX_OPS:
            if not isinstance(expr.rhs, ast.RegexLiteral):
                raise ConditionError(f"right side of '{expr.op}' must be a regular expression")
            regex = compile_regex(expr.rhs.val)
            wanted = expr.op == "=~"
            return {key for key in m.tag_index if (regex.search(key) is not None) == wanted}
        if not isinstance(expr.rhs, ast.StringLiteral):
            raise ConditionError(f"right side of '{expr.op}' must be a tag value string")
        target = expr.rhs.val
        return {key for key in m.tag_index if (key == target) == (expr.op == "=")}

    def tag_values_by_expr(self, name: str, keys: list[str], expr: ast.Expr | None) -> list[list[str]]:
        """Sorted values of each of ``keys`` over the series matching ``expr`` (``TagKeyValuesByExpr``)."""
        measurement = self.measurements.get(name)
        if measurement is None or not keys:
            return [[] for _ in keys]
        if expr is None:
            return [measurement.tag_values(key) for key in keys]
        ids = self._series_by_expr(measurement, expr)
        wanted = {key: i for i, key in enumerate(keys)}
        found: list[set[str]] = [set() for _ in keys]
        for series_id in ids:
            series = measurement.series.get(series_id)
            if series is None:
                continue
            for key, value in series.tags:
                slot = wanted.get(key)
                if slot is not None:
                    found[slot].add(value)
        return [go_sorted(values) for values in found]


class ShardIndex:
    """One shard's share of its database's index: the ids of the series written to the shard."""

    def __init__(self, database: DatabaseIndex, shard_id: int) -> None:
        self.database = database
        self.shard_id = shard_id
        self.series_ids: set[int] = set()

    def add_series(self, keys: Iterable[str]) -> list[int]:
        """Register series keys (as written) for this shard; idempotent; returns their ids."""
        with self.database.lock:
            ids = self.database.create_series(keys)
            self.series_ids.update(ids)
        return ids

    def drop_series(self, ids: Iterable[int]) -> None:
        """Forget series in this shard only (the database index keeps them)."""
        self.series_ids.difference_update(ids)

    def series_count(self) -> int:
        return len(self.series_ids)

    def measurement_series(self, name: str, expr: ast.Expr | None = None) -> list[Series]:
        """This shard's series of measurement ``name`` matching ``expr``, sorted by key."""
        ids = self.database.series_ids_by_expr(name, expr) & self.series_ids
        by_id = self.database.series_by_id
        return sorted((by_id[i] for i in ids), key=lambda series: series.key)


def rebuild(database: DatabaseIndex, keys_by_shard: dict[int, Iterable[str]]) -> None:
    """Fill an index at start-up from the series keys each shard's cache/WAL/TSM files hold."""
    for shard_id, keys in keys_by_shard.items():
        database.shard(shard_id).add_series(keys)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _unescape_name(name: str) -> str:
    """``escape.Unescape``: drop a backslash before ``,`` ``"`` space ``=``, left to right in one pass."""
    if "\\" not in name:
        return name
    out: list[str] = []
    i = 0
    while i < len(name):
        if name[i] == "\\" and i + 1 < len(name) and name[i + 1] in ',"= ':
            i += 1
        out.append(name[i])
        i += 1
    return "".join(out)


def _hll_sparse_count(n: int) -> int:
    """What ``hll.Plus.Count`` answers for ``n`` distinct values while the sketch is sparse."""
    if n <= 0:
        return 0
    if n >= _HLL_SPARSE_LIMIT:
        return n  # the dense estimate is not modelled; exact is the closest honest answer
    return int(_HLL_SPARSE_M * math.log(_HLL_SPARSE_M / (_HLL_SPARSE_M - n)))


def go_syntax(expr: ast.Node | None) -> str:
    """Go's ``%#v`` of an unexpected condition node, as influxd puts it into the error text."""
    if expr is None:
        return "<nil>"
    if isinstance(expr, ast.BooleanLiteral):
        return f"&influxql.BooleanLiteral{{Val:{'true' if expr.val else 'false'}}}"
    if isinstance(expr, ast.StringLiteral):
        return f'&influxql.StringLiteral{{Val:"{expr.val}"}}'
    if isinstance(expr, ast.IntegerLiteral):
        return f"&influxql.IntegerLiteral{{Val:{expr.val}}}"
    if isinstance(expr, ast.VarRef):
        return f'&influxql.VarRef{{Val:"{expr.val}", Type:{int(expr.type)}}}'  # (an int: decimal)
    return f"&influxql.{type(expr).__name__}{{...}}"
