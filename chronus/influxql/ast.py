"""The InfluxQL abstract syntax tree and its canonical text.

One class per node type of influxql 1.1.0 (same names as Go, fields = the Go struct's exported fields in
snake_case, same order, all with defaults). `str(node)` is byte-identical to Go's `String()`: that text
reaches users in SHOW CONTINUOUS QUERIES, authorization errors and EXPLAIN;
it is part of the wire contract.

Value mapping: slices are lists, durations and times are int nanoseconds, a `*time.Location` is an IANA zone
name, a regexp is its pattern text, and a Token (BinaryExpr.op, ShowTagValuesStatement.op, Wildcard.type) is
the text Go's `Token.String()` gives it (`"AND"`, `"=~"`, `"IN"`, `"FIELD"`, ...).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from chronus.influxql.quoting import (
    format_duration,
    format_go_float,
    format_number_literal,
    format_rfc3339nano,
    go_duration_string,
    quote_ident,
    quote_string,
)

__all__ = ["AlterRetentionPolicyStatement", "BinaryExpr", "BooleanLiteral", "BoundParameter", "Call",
    "CreateContinuousQueryStatement", "CreateDatabaseStatement", "CreateRetentionPolicyStatement",
    "CreateSubscriptionStatement", "CreateUserStatement", "DataType", "DeleteSeriesStatement",
    "DeleteStatement", "Dimension", "Distinct", "DropContinuousQueryStatement", "DropDatabaseStatement",
    "DropMeasurementStatement", "DropRetentionPolicyStatement", "DropSeriesStatement",
    "DropShardStatement", "DropSubscriptionStatement", "DropUserStatement", "DurationLiteral",
    "ExplainStatement", "Expr", "Field", "FillOption", "GrantAdminStatement", "GrantStatement",
    "IntegerLiteral", "KillQueryStatement", "ListLiteral", "Literal", "MAX_TIME", "MIN_TIME",
    "Measurement", "NilLiteral", "Node", "NumberLiteral", "OPERATOR_PRECEDENCE", "ParenExpr", "Privilege",
    "Query", "RegexLiteral", "RevokeAdminStatement", "RevokeStatement", "SelectStatement",
    "SetPasswordUserStatement", "ShowContinuousQueriesStatement", "ShowDatabasesStatement",
    "ShowDiagnosticsStatement", "ShowFieldKeyCardinalityStatement", "ShowFieldKeysStatement",
    "ShowGrantsForUserStatement", "ShowMeasurementCardinalityStatement", "ShowMeasurementsStatement",
    "ShowQueriesStatement", "ShowRetentionPoliciesStatement", "ShowSeriesCardinalityStatement",
    "ShowSeriesStatement", "ShowShardGroupsStatement", "ShowShardsStatement", "ShowStatsStatement",
    "ShowSubscriptionsStatement", "ShowTagKeyCardinalityStatement", "ShowTagKeysStatement",
    "ShowTagValuesCardinalityStatement", "ShowTagValuesStatement", "ShowUsersStatement", "SortField",
    "Source", "Statement", "StringLiteral", "SubQuery", "Target", "TimeLiteral", "UnsignedLiteral",
    "VarRef", "Wildcard", "binary_expr_name", "operator_precedence"]

MIN_TIME = -(2**63) + 2  # the two lowest int64 values are sentinels InfluxDB keeps for itself
MAX_TIME = 2**63 - 2


class DataType(enum.IntEnum):
    """Primitive data types; numbering as in Go (it decides type precedence elsewhere)."""

    Unknown = 0
    Float = 1
    Integer = 2
    String = 3
    Boolean = 4
    Time = 5
    Duration = 6
    Tag = 7
    AnyField = 8
    Unsigned = 9

    def __str__(self) -> str:
        return _DATA_TYPE_NAMES.get(self, "unknown")

    @classmethod
    def from_string(cls, name: str) -> DataType:
        """The type named by a `::type` cast or a stored field type (`"field"` is AnyField)."""
        return _DATA_TYPE_BY_NAME.get(name, cls.Unknown)


_DATA_TYPE_NAMES = {
    DataType.Float: "float",
    DataType.Integer: "integer",
    DataType.Unsigned: "unsigned",
    DataType.String: "string",
    DataType.Boolean: "boolean",
    DataType.Time: "time",
    DataType.Duration: "duration",
    DataType.Tag: "tag",
    DataType.AnyField: "field",
}
_DATA_TYPE_BY_NAME = {name: dt for dt, name in _DATA_TYPE_NAMES.items()}


class Privilege(enum.IntEnum):
    """A database privilege; str() is the wording GRANT/REVOKE and error messages use."""

    NoPrivileges = 0
    ReadPrivilege = 1
    WritePrivilege = 2
    AllPrivileges = 3

    def __str__(self) -> str:
        return ("NO PRIVILEGES", "READ", "WRITE", "ALL PRIVILEGES")[self]


class FillOption(enum.IntEnum):
    """How empty GROUP BY time() windows are filled."""

    NullFill = 0
    NoFill = 1
    NumberFill = 2
    PreviousFill = 3
    LinearFill = 4


# Binding strength of binary operators (Go's Token.Precedence); higher binds tighter, all left-associative.
OPERATOR_PRECEDENCE: dict[str, int] = {
    "OR": 1,
    "AND": 2,
    **dict.fromkeys(("=", "!=", "=~", "!~", "<", "<=", ">", ">="), 3),
    **dict.fromkeys(("+", "-", "|", "^"), 4),
    **dict.fromkeys(("*", "/", "%", "&"), 5),
}


def operator_precedence(op: str) -> int:
    """Precedence of a binary operator's text; 0 for anything that is not a binary operator."""
    return OPERATOR_PRECEDENCE.get(op, 0)


def _join(items: list) -> str:
    return ", ".join(str(item) for item in items)


class Node:
    """Base of every AST node."""


class Statement(Node):
    """A single InfluxQL command."""


class Expr(Node):
    """An expression that evaluates to a value."""


class Literal(Expr):
    """A constant expression."""


class Source(Node):
    """Something a statement reads from: a Measurement or a SubQuery."""


# --------------------------------------------------------------------------------------------------- query


@dataclass(eq=True)
class Query(Node):
    """A request's ordered statements."""

    statements: list[Statement] = field(default_factory=list)
    # its ``str`` as parsed, kept by the parse cache (SHOW QUERIES shows it; a dashboard's statement costs
    # about as much to render as to copy); "" when not known
    text: str = field(default="", compare=False, repr=False)

    def __str__(self) -> str:
        return ";\n".join(str(stmt) for stmt in self.statements)


# ------------------------------------------------------------------------------------------ expressions


@dataclass(eq=True)
class VarRef(Expr):
    """A reference to a field or tag, optionally cast with `::type`."""

    val: str = ""
    type: DataType = DataType.Unknown

    def __str__(self) -> str:
        text = quote_ident(self.val)
        if self.type != DataType.Unknown:
            text += "::" + str(DataType(self.type))
        return text


@dataclass(eq=True)
class Call(Expr):
    """A function call; the name is written bare, never quoted."""

    name: str = ""
    args: list[Expr] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.name}({_join(self.args)})"


@dataclass(eq=True)
class Distinct(Expr):
    """`DISTINCT ident` without parentheses; the identifier is written bare."""

    val: str = ""

    def __str__(self) -> str:
        return f"DISTINCT {self.val}"

    def new_call(self) -> Call:
        """The equivalent `distinct(ident)` call."""
        return Call(name="distinct", args=[VarRef(val=self.val)])


@dataclass(eq=True)
class NumberLiteral(Literal):
    """A float literal; rendered with exactly three decimals (so precision beyond that is not shown)."""

    val: float = 0.0

    def __str__(self) -> str:
        return format_number_literal(self.val)


@dataclass(eq=True)
class IntegerLiteral(Literal):
    val: int = 0

    def __str__(self) -> str:
        return str(self.val)


@dataclass(eq=True)
class UnsignedLiteral(Literal):
    """An integer literal too large for int64 (the parser only produces it above 2**63-1)."""

    val: int = 0

    def __str__(self) -> str:
        return str(self.val)


@dataclass(eq=True)
class BooleanLiteral(Literal):
    val: bool = False

    def __str__(self) -> str:
        return "true" if self.val else "false"


@dataclass(eq=True)
class ListLiteral(Literal):
    """A parenthesised list of identifiers, as in `WITH KEY IN (a, b)`."""

    vals: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "(" + ", ".join(quote_ident(v) for v in self.vals) + ")"


_DATE_STRING = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)
_DATE_TIME_STRING = re.compile(r"\d{4}-\d{2}-\d{2}.+", re.ASCII | re.DOTALL)


@dataclass(eq=True)
class StringLiteral(Literal):
    val: str = ""

    def __str__(self) -> str:
        return quote_string(self.val)

    def is_time_literal(self) -> bool:
        """True when the string looks like a date or date-time, i.e. may be compared with `time`."""
        return bool(_DATE_TIME_STRING.match(self.val) or _DATE_STRING.match(self.val))


@dataclass(eq=True)
class TimeLiteral(Literal):
    """A point in time, in nanoseconds since the epoch; rendered as a quoted RFC3339Nano UTC string."""

    val: int = 0

    def __str__(self) -> str:
        return "'" + format_rfc3339nano(self.val) + "'"


@dataclass(eq=True)
class DurationLiteral(Literal):
    """A duration in nanoseconds."""

    val: int = 0

    def __str__(self) -> str:
        return format_duration(self.val)


@dataclass(eq=True)
class NilLiteral(Literal):
    """An internal null value; not part of the query language."""

    def __str__(self) -> str:
        return "nil"


@dataclass(eq=True)
class BoundParameter(Literal):
    """A `$name` placeholder; the parser substitutes params, this exists for building query text."""

    name: str = ""

    def __str__(self) -> str:
        return "$" + quote_ident(self.name)


@dataclass(eq=True)
class RegexLiteral(Literal):
    """A regular expression, kept as its pattern text (RE2 syntax); `/` is escaped when rendered."""

    val: str = ""

    def __str__(self) -> str:
        return "/" + self.val.replace("/", "\\/") + "/"


@dataclass(eq=True)
class BinaryExpr(Expr):
    """`lhs op rhs`. Rendering adds no parentheses: grouping lives in explicit ParenExpr nodes."""

    op: str = ""
    lhs: Expr | None = None
    rhs: Expr | None = None

    def __str__(self) -> str:
        return f"{self.lhs} {self.op} {self.rhs}"


@dataclass(eq=True)
class ParenExpr(Expr):
    expr: Expr | None = None

    def __str__(self) -> str:
        return f"({self.expr})"


@dataclass(eq=True)
class Wildcard(Expr):
    """`*`, `*::field` (type "FIELD") or `*::tag` (type "TAG")."""

    type: str = ""

    def __str__(self) -> str:
        kind = self.type.upper()
        if kind == "FIELD":
            return "*::field"
        if kind == "TAG":
            return "*::tag"
        return "*"


def binary_expr_name(expr: BinaryExpr) -> str:
    """The column name Go derives for an unaliased binary expression: its variables and outermost function
    names in order, joined by `_`."""
    names: list[str] = []

    def visit(node: Node | None) -> None:
        if isinstance(node, VarRef):
            names.append(node.val)
        elif isinstance(node, Call):
            names.append(node.name)
        elif isinstance(node, BinaryExpr):
            visit(node.lhs)
            visit(node.rhs)
        elif isinstance(node, ParenExpr):
            visit(node.expr)

    visit(expr)
    return "_".join(names)


# ------------------------------------------------------------------------ fields, sources, dimensions


@dataclass(eq=True)
class Field(Node):
    """One SELECT column: an expression and an optional alias."""

    expr: Expr | None = None
    alias: str = ""

    def __str__(self) -> str:
        if not self.alias:
            return str(self.expr)
        return f"{self.expr} AS {quote_ident(self.alias)}"

    def name(self) -> str:
        """The output column name: the alias, else the function or variable name, else ''."""
        if self.alias:
            return self.alias
        expr = self.expr
        if isinstance(expr, Call):
            return expr.name
        if isinstance(expr, BinaryExpr):
            return binary_expr_name(expr)
        if isinstance(expr, ParenExpr):
            return Field(expr=expr.expr).name()
        if isinstance(expr, VarRef):
            return expr.val
        return ""


@dataclass(eq=True)
class Dimension(Node):
    """One GROUP BY term (a tag, `time(...)`, `*` or a regex)."""

    expr: Expr | None = None

    def __str__(self) -> str:
        return str(self.expr)


@dataclass(eq=True)
class SortField(Node):
    """One ORDER BY term. The name is written bare; an empty name renders only the direction."""

    name: str = ""
    ascending: bool = False

    def __str__(self) -> str:
        direction = "ASC" if self.ascending else "DESC"
        return f"{self.name} {direction}" if self.name else direction


@dataclass(eq=True)
class Measurement(Source):
    """A measurement source `db.rp.name` (or a regex over names, or an internal system iterator)."""

    database: str = ""
    retention_policy: str = ""
    name: str = ""
    regex: RegexLiteral | None = None
    is_target: bool = False
    system_iterator: str = ""

    def __str__(self) -> str:
        text = ""
        if self.database:
            text += quote_ident(self.database) + "."
        if self.retention_policy:
            text += quote_ident(self.retention_policy)
        if self.database or self.retention_policy:
            text += "."
        if self.name and not self.system_iterator:
            text += quote_ident(self.name)
        elif self.system_iterator:
            text += quote_ident(self.system_iterator)
        elif self.regex is not None:
            text += str(self.regex)
        return text


@dataclass(eq=True)
class SubQuery(Source):
    statement: SelectStatement | None = None

    def __str__(self) -> str:
        return f"({self.statement})"


@dataclass(eq=True)
class Target(Node):
    """The INTO clause; an empty measurement name means `:MEASUREMENT` (keep the source's name)."""

    measurement: Measurement | None = None

    def __str__(self) -> str:
        measurement = self.measurement or Measurement()
        text = "INTO " + str(measurement)
        if not measurement.name:
            text += ":MEASUREMENT"
        return text


def _clauses(*parts: tuple[bool, str]) -> str:
    """Concatenate the rendered clauses whose condition holds."""
    return "".join(text for present, text in parts if present)


def _limit_offset(limit: int, offset: int) -> str:
    return _clauses((limit > 0, f" LIMIT {limit}"), (offset > 0, f" OFFSET {offset}"))


def _on(database: str) -> str:
    return f" ON {quote_ident(database)}" if database else ""


def _from(sources: list[Source]) -> str:
    return f" FROM {_join(sources)}" if sources else ""


def _where(condition: Expr | None) -> str:
    return f" WHERE {condition}" if condition is not None else ""


def _group_by(dimensions: list[Dimension]) -> str:
    return f" GROUP BY {_join(dimensions)}" if dimensions else ""


def _order_by(sort_fields: list[SortField]) -> str:
    return f" ORDER BY {_join(sort_fields)}" if sort_fields else ""


def _tag_key_expr(op: str, tag_key_expr: Literal | None) -> str:
    """` WITH KEY <op> <key>`; a single key (StringLiteral) is written as an identifier."""
    key = quote_ident(tag_key_expr.val) if isinstance(tag_key_expr, StringLiteral) else str(tag_key_expr)
    return f" WITH KEY {op} {key}"


# ------------------------------------------------------------------------------------------------ SELECT


@dataclass(eq=True)
class SelectStatement(Statement):
    """SELECT. The last five fields (time_alias .. dedupe) are set by query rewriting, never by the parser."""

    fields: list[Field] = field(default_factory=list)
    target: Target | None = None
    dimensions: list[Dimension] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    condition: Expr | None = None
    sort_fields: list[SortField] = field(default_factory=list)
    limit: int = 0
    offset: int = 0
    slimit: int = 0
    soffset: int = 0
    is_raw_query: bool = False
    fill: FillOption = FillOption.NullFill
    fill_value: int | float | None = None
    location: str | None = None
    time_alias: str = ""
    omit_time: bool = False
    strip_name: bool = False
    emit_name: str = ""
    dedupe: bool = False

    def __str__(self) -> str:
        return ("SELECT " + _join(self.fields) + (f" {self.target}" if self.target is not None else "")
                + _from(self.sources) + _where(self.condition) + _group_by(self.dimensions)
                + self._fill_clause() + _order_by(self.sort_fields) + _limit_offset(self.limit, self.offset)
                + _clauses((self.slimit > 0, f" SLIMIT {self.slimit}"),
                           (self.soffset > 0, f" SOFFSET {self.soffset}"),
                           (self.location is not None, f" TZ('{self.location}')")))

    def _fill_clause(self) -> str:
        if self.fill == FillOption.NoFill:
            return " fill(none)"
        if self.fill == FillOption.NumberFill:
            return f" fill({_format_fill_value(self.fill_value)})"
        if self.fill == FillOption.LinearFill:
            return " fill(linear)"
        if self.fill == FillOption.PreviousFill:
            return " fill(previous)"
        return ""

    def time_ascending(self) -> bool:
        """Results go oldest first unless the (only) sort field says DESC."""
        return not self.sort_fields or self.sort_fields[0].ascending

    def time_field_name(self) -> str:
        return self.time_alias or "time"


def _format_fill_value(value: object) -> str:
    """fill(<n>) shows the value with Go's `%v`: ints plainly, floats in shortest 'g' form (`1e+06`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_go_float(value)
    if value is None:
        return "<nil>"
    return str(value)


@dataclass(eq=True)
class ExplainStatement(Statement):
    statement: SelectStatement | None = None
    analyze: bool = False

    def __str__(self) -> str:
        return "EXPLAIN " + ("ANALYZE " if self.analyze else "") + str(self.statement)


# ------------------------------------------------------------------------------------ deletes and drops


@dataclass(eq=True)
class DeleteStatement(Statement):
    """The legacy single-source DELETE (the parser now produces DeleteSeriesStatement)."""

    source: Source | None = None
    condition: Expr | None = None

    def __str__(self) -> str:
        return f"DELETE FROM {self.source}" + _where(self.condition)


@dataclass(eq=True)
class DeleteSeriesStatement(Statement):
    sources: list[Source] = field(default_factory=list)
    condition: Expr | None = None

    def __str__(self) -> str:
        return "DELETE" + _from(self.sources) + _where(self.condition)


@dataclass(eq=True)
class DropSeriesStatement(Statement):
    sources: list[Source] = field(default_factory=list)
    condition: Expr | None = None

    def __str__(self) -> str:
        return "DROP SERIES" + _from(self.sources) + _where(self.condition)


@dataclass(eq=True)
class DropShardStatement(Statement):
    id: int = 0

    def __str__(self) -> str:
        return f"DROP SHARD {self.id}"


@dataclass(eq=True)
class DropMeasurementStatement(Statement):
    name: str = ""

    def __str__(self) -> str:
        return "DROP MEASUREMENT " + quote_ident(self.name)


@dataclass(eq=True)
class DropDatabaseStatement(Statement):
    name: str = ""

    def __str__(self) -> str:
        return "DROP DATABASE " + quote_ident(self.name)


@dataclass(eq=True)
class DropRetentionPolicyStatement(Statement):
    name: str = ""
    database: str = ""

    def __str__(self) -> str:
        return f"DROP RETENTION POLICY {quote_ident(self.name)} ON {quote_ident(self.database)}"


@dataclass(eq=True)
class DropContinuousQueryStatement(Statement):
    name: str = ""
    database: str = ""

    def __str__(self) -> str:
        return f"DROP CONTINUOUS QUERY {quote_ident(self.name)} ON {quote_ident(self.database)}"


@dataclass(eq=True)
class DropUserStatement(Statement):
    name: str = ""

    def __str__(self) -> str:
        return "DROP USER " + quote_ident(self.name)


@dataclass(eq=True)
class DropSubscriptionStatement(Statement):
    name: str = ""
    database: str = ""
    retention_policy: str = ""

    def __str__(self) -> str:
        return (f"DROP SUBSCRIPTION {quote_ident(self.name)} ON "
                f"{quote_ident(self.database)}.{quote_ident(self.retention_policy)}")


# ------------------------------------------------------------------------------- databases and policies


@dataclass(eq=True)
class CreateDatabaseStatement(Statement):
    """CREATE DATABASE [WITH ...]. Note: its durations render in Go's time.Duration form (`168h0m0s`)."""

    name: str = ""
    retention_policy_create: bool = False
    retention_policy_duration: int | None = None
    retention_policy_replication: int | None = None
    retention_policy_name: str = ""
    retention_policy_shard_group_duration: int = 0

    def __str__(self) -> str:
        text = "CREATE DATABASE " + quote_ident(self.name)
        if not self.retention_policy_create:
            return text
        return text + " WITH" + _clauses(
            (self.retention_policy_duration is not None,
             f" DURATION {go_duration_string(self.retention_policy_duration or 0)}"),
            (self.retention_policy_replication is not None,
             f" REPLICATION {self.retention_policy_replication}"),
            (self.retention_policy_shard_group_duration > 0,
             f" SHARD DURATION {go_duration_string(self.retention_policy_shard_group_duration)}"),
            (self.retention_policy_name != "", f" NAME {quote_ident(self.retention_policy_name)}"),
        )


@dataclass(eq=True)
class CreateRetentionPolicyStatement(Statement):
    name: str = ""
    database: str = ""
    duration: int = 0
    replication: int = 0
    default: bool = False
    shard_group_duration: int = 0

    def __str__(self) -> str:
        return (f"CREATE RETENTION POLICY {quote_ident(self.name)} ON {quote_ident(self.database)}"
                f" DURATION {format_duration(self.duration)} REPLICATION {self.replication}") + _clauses(
            (self.shard_group_duration > 0, f" SHARD DURATION {format_duration(self.shard_group_duration)}"),
            (self.default, " DEFAULT"),
        )


@dataclass(eq=True)
class AlterRetentionPolicyStatement(Statement):
    """ALTER RETENTION POLICY; None means "option not given" (unchanged)."""

    name: str = ""
    database: str = ""
    duration: int | None = None
    replication: int | None = None
    default: bool = False
    shard_group_duration: int | None = None

    def __str__(self) -> str:
        return f"ALTER RETENTION POLICY {quote_ident(self.name)} ON {quote_ident(self.database)}" + _clauses(
            (self.duration is not None, f" DURATION {format_duration(self.duration or 0)}"),
            (self.replication is not None, f" REPLICATION {self.replication}"),
            (self.shard_group_duration is not None,
             f" SHARD DURATION {format_duration(self.shard_group_duration or 0)}"),
            (self.default, " DEFAULT"),
        )


@dataclass(eq=True)
class CreateContinuousQueryStatement(Statement):
    name: str = ""
    database: str = ""
    source: SelectStatement | None = None
    resample_every: int = 0
    resample_for: int = 0

    def __str__(self) -> str:
        text = f"CREATE CONTINUOUS QUERY {quote_ident(self.name)} ON {quote_ident(self.database)} "
        if self.resample_every > 0 or self.resample_for > 0:
            text += "RESAMPLE " + _clauses(
                (self.resample_every > 0, f"EVERY {format_duration(self.resample_every)} "),
                (self.resample_for > 0, f"FOR {format_duration(self.resample_for)} "),
            )
        return text + f"BEGIN {self.source} END"


@dataclass(eq=True)
class CreateSubscriptionStatement(Statement):
    name: str = ""
    database: str = ""
    retention_policy: str = ""
    destinations: list[str] = field(default_factory=list)
    mode: str = ""

    def __str__(self) -> str:
        return (f"CREATE SUBSCRIPTION {quote_ident(self.name)} ON {quote_ident(self.database)}."
                f"{quote_ident(self.retention_policy)} DESTINATIONS {self.mode} "
                + ", ".join(quote_string(d) for d in self.destinations))


# ------------------------------------------------------------------------------------ users and grants


@dataclass(eq=True)
class CreateUserStatement(Statement):
    """CREATE USER; the password is never rendered (`[REDACTED]`)."""

    name: str = ""
    password: str = ""
    admin: bool = False

    def __str__(self) -> str:
        text = f"CREATE USER {quote_ident(self.name)} WITH PASSWORD [REDACTED]"
        return text + (" WITH ALL PRIVILEGES" if self.admin else "")


@dataclass(eq=True)
class SetPasswordUserStatement(Statement):
    password: str = ""
    name: str = ""

    def __str__(self) -> str:
        return f"SET PASSWORD FOR {quote_ident(self.name)} = [REDACTED]"


@dataclass(eq=True)
class GrantStatement(Statement):
    privilege: Privilege = Privilege.NoPrivileges
    on: str = ""
    user: str = ""

    def __str__(self) -> str:
        return f"GRANT {Privilege(self.privilege)} ON {quote_ident(self.on)} TO {quote_ident(self.user)}"


@dataclass(eq=True)
class GrantAdminStatement(Statement):
    user: str = ""

    def __str__(self) -> str:
        return "GRANT ALL PRIVILEGES TO " + quote_ident(self.user)


@dataclass(eq=True)
class RevokeStatement(Statement):
    privilege: Privilege = Privilege.NoPrivileges
    on: str = ""
    user: str = ""

    def __str__(self) -> str:
        return f"REVOKE {Privilege(self.privilege)} ON {quote_ident(self.on)} FROM {quote_ident(self.user)}"


@dataclass(eq=True)
class RevokeAdminStatement(Statement):
    user: str = ""

    def __str__(self) -> str:
        return "REVOKE ALL PRIVILEGES FROM " + quote_ident(self.user)


@dataclass(eq=True)
class KillQueryStatement(Statement):
    query_id: int = 0
    host: str = ""

    def __str__(self) -> str:
        return f"KILL QUERY {self.query_id}" + (f" ON {quote_ident(self.host)}" if self.host else "")


# ------------------------------------------------------------------------------------------------ SHOW


@dataclass(eq=True)
class ShowContinuousQueriesStatement(Statement):
    def __str__(self) -> str:
        return "SHOW CONTINUOUS QUERIES"


@dataclass(eq=True)
class ShowDatabasesStatement(Statement):
    def __str__(self) -> str:
        return "SHOW DATABASES"


@dataclass(eq=True)
class ShowQueriesStatement(Statement):
    def __str__(self) -> str:
        return "SHOW QUERIES"


@dataclass(eq=True)
class ShowShardGroupsStatement(Statement):
    def __str__(self) -> str:
        return "SHOW SHARD GROUPS"


@dataclass(eq=True)
class ShowShardsStatement(Statement):
    def __str__(self) -> str:
        return "SHOW SHARDS"


@dataclass(eq=True)
class ShowSubscriptionsStatement(Statement):
    def __str__(self) -> str:
        return "SHOW SUBSCRIPTIONS"


@dataclass(eq=True)
class ShowUsersStatement(Statement):
    def __str__(self) -> str:
        return "SHOW USERS"


@dataclass(eq=True)
class ShowGrantsForUserStatement(Statement):
    name: str = ""

    def __str__(self) -> str:
        return "SHOW GRANTS FOR " + quote_ident(self.name)


@dataclass(eq=True)
class ShowRetentionPoliciesStatement(Statement):
    database: str = ""

    def __str__(self) -> str:
        return "SHOW RETENTION POLICIES" + _on(self.database)


@dataclass(eq=True)
class ShowStatsStatement(Statement):
    module: str = ""

    def __str__(self) -> str:
        return "SHOW STATS" + (f" FOR {quote_string(self.module)}" if self.module else "")


@dataclass(eq=True)
class ShowDiagnosticsStatement(Statement):
    module: str = ""

    def __str__(self) -> str:
        return "SHOW DIAGNOSTICS" + (f" FOR {quote_string(self.module)}" if self.module else "")


@dataclass(eq=True)
class ShowSeriesStatement(Statement):
    database: str = ""
    sources: list[Source] = field(default_factory=list)
    condition: Expr | None = None
    sort_fields: list[SortField] = field(default_factory=list)
    limit: int = 0
    offset: int = 0

    def __str__(self) -> str:
        return ("SHOW SERIES" + _on(self.database) + _from(self.sources) + _where(self.condition)
                + _order_by(self.sort_fields) + _limit_offset(self.limit, self.offset))


@dataclass(eq=True)
class ShowMeasurementsStatement(Statement):
    """SHOW MEASUREMENTS. Go writes the ON database unquoted here (unlike every other statement)."""

    database: str = ""
    source: Source | None = None
    condition: Expr | None = None
    sort_fields: list[SortField] = field(default_factory=list)
    limit: int = 0
    offset: int = 0

    def __str__(self) -> str:
        text = "SHOW MEASUREMENTS" + (f" ON {self.database}" if self.database else "")
        if self.source is not None:
            is_regex = isinstance(self.source, Measurement) and self.source.regex is not None
            text += f" WITH MEASUREMENT {'=~' if is_regex else '='} {self.source}"
        return (text + _where(self.condition) + _order_by(self.sort_fields)
                + _limit_offset(self.limit, self.offset))


@dataclass(eq=True)
class ShowTagKeysStatement(Statement):
    database: str = ""
    sources: list[Source] = field(default_factory=list)
    condition: Expr | None = None
    sort_fields: list[SortField] = field(default_factory=list)
    limit: int = 0
    offset: int = 0
    slimit: int = 0
    soffset: int = 0

    def __str__(self) -> str:
        return ("SHOW TAG KEYS" + _on(self.database) + _from(self.sources) + _where(self.condition)
                + _order_by(self.sort_fields) + _limit_offset(self.limit, self.offset)
                + _clauses((self.slimit > 0, f" SLIMIT {self.slimit}"),
                           (self.soffset > 0, f" SOFFSET {self.soffset}")))


@dataclass(eq=True)
class ShowTagValuesStatement(Statement):
    """SHOW TAG VALUES ... WITH KEY <op> <key>; op is "=", "!=", "=~", "!~" or "IN"."""

    database: str = ""
    sources: list[Source] = field(default_factory=list)
    op: str = ""
    tag_key_expr: Literal | None = None
    condition: Expr | None = None
    sort_fields: list[SortField] = field(default_factory=list)
    limit: int = 0
    offset: int = 0

    def __str__(self) -> str:
        return ("SHOW TAG VALUES" + _on(self.database) + _from(self.sources)
                + _tag_key_expr(self.op, self.tag_key_expr) + _where(self.condition)
                + _order_by(self.sort_fields) + _limit_offset(self.limit, self.offset))


@dataclass(eq=True)
class ShowFieldKeysStatement(Statement):
    database: str = ""
    sources: list[Source] = field(default_factory=list)
    sort_fields: list[SortField] = field(default_factory=list)
    limit: int = 0
    offset: int = 0

    def __str__(self) -> str:
        return ("SHOW FIELD KEYS" + _on(self.database) + _from(self.sources) + _order_by(self.sort_fields)
                + _limit_offset(self.limit, self.offset))


def _cardinality(prefix: str, exact: bool, database: str, sources: list[Source], tail: str,
                 condition: Expr | None, dimensions: list[Dimension], limit: int, offset: int) -> str:
    """The shared shape of every SHOW ... [EXACT] CARDINALITY statement."""
    return (prefix + (" EXACT" if exact else "") + " CARDINALITY" + _on(database) + _from(sources) + tail
            + _where(condition) + _group_by(dimensions) + _limit_offset(limit, offset))


@dataclass(eq=True)
class ShowSeriesCardinalityStatement(Statement):
    database: str = ""
    exact: bool = False
    sources: list[Source] = field(default_factory=list)
    condition: Expr | None = None
    dimensions: list[Dimension] = field(default_factory=list)
    limit: int = 0
    offset: int = 0

    def __str__(self) -> str:
        return _cardinality("SHOW SERIES", self.exact, self.database, self.sources, "", self.condition,
                            self.dimensions, self.limit, self.offset)


@dataclass(eq=True)
class ShowMeasurementCardinalityStatement(Statement):
    exact: bool = False
    database: str = ""
    sources: list[Source] = field(default_factory=list)
    condition: Expr | None = None
    dimensions: list[Dimension] = field(default_factory=list)
    limit: int = 0
    offset: int = 0

    def __str__(self) -> str:
        return _cardinality("SHOW MEASUREMENT", self.exact, self.database, self.sources, "", self.condition,
                            self.dimensions, self.limit, self.offset)


@dataclass(eq=True)
class ShowTagKeyCardinalityStatement(Statement):
    database: str = ""
    exact: bool = False
    sources: list[Source] = field(default_factory=list)
    condition: Expr | None = None
    dimensions: list[Dimension] = field(default_factory=list)
    limit: int = 0
    offset: int = 0

    def __str__(self) -> str:
        return _cardinality("SHOW TAG KEY", self.exact, self.database, self.sources, "", self.condition,
                            self.dimensions, self.limit, self.offset)


@dataclass(eq=True)
class ShowTagValuesCardinalityStatement(Statement):
    database: str = ""
    exact: bool = False
    sources: list[Source] = field(default_factory=list)
    op: str = ""
    tag_key_expr: Literal | None = None
    condition: Expr | None = None
    dimensions: list[Dimension] = field(default_factory=list)
    limit: int = 0
    offset: int = 0

    def __str__(self) -> str:
        return _cardinality("SHOW TAG VALUES", self.exact, self.database, self.sources,
                            _tag_key_expr(self.op, self.tag_key_expr), self.condition, self.dimensions,
                            self.limit, self.offset)


@dataclass(eq=True)
class ShowFieldKeyCardinalityStatement(Statement):
    database: str = ""
    exact: bool = False
    sources: list[Source] = field(default_factory=list)
    condition: Expr | None = None
    dimensions: list[Dimension] = field(default_factory=list)
    limit: int = 0
    offset: int = 0

    def __str__(self) -> str:
        return _cardinality("SHOW FIELD KEY", self.exact, self.database, self.sources, "", self.condition,
                            self.dimensions, self.limit, self.offset)


def clone(value):
    """A deep copy of a tree (what ``copy.deepcopy`` gives, several times faster): every node and list is
    new; strings, numbers, enums and compiled patterns are shared, being never changed in place. Other
    values a node carries (none the parser makes) go through ``copy.deepcopy``."""
    if isinstance(value, list):
        return [clone(item) for item in value]
    if isinstance(value, Node):
        new = object.__new__(type(value))
        fields = new.__dict__
        for key, item in value.__dict__.items():
            fields[key] = item if isinstance(item, _SHARED) else clone(item)
        return new
    if isinstance(value, _SHARED):
        return value
    import copy
    return copy.deepcopy(value)


# Values ``clone`` shares: immutable ones (enums are ints).
_SHARED = (str, int, float, bool, type(None), re.Pattern)
