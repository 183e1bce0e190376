"""Hypothesis strategies for random, *valid* InfluxQL syntax trees and for random token soup.

Every tree drawn here is one the parser can produce from `str(tree)`: the strategies respect what influxql
1.1.0's parser accepts and what it stores (call names lowercased, `is_raw_query` derived from the fields,
`is_target` on INTO measurements, explicit ParenExpr where precedence demands it, regexes only where the
parser scans one, ...). Values that Go's String() cannot render faithfully are avoided on purpose and each
such spot says why (e.g. floats with more than three decimals, `1.5s`-style durations in CREATE DATABASE).
"""

from __future__ import annotations

from hypothesis import strategies as st

from chronus.influxql import ast
from chronus.influxql.quoting import (
    DAY,
    HOUR,
    KEYWORDS,
    MICROSECOND,
    MILLISECOND,
    MINUTE,
    SECOND,
    WEEK,
    quote_string,
)

MAX_INT64 = 2**63 - 1
MAX_UINT64 = 2**64 - 1
MAX_INT32 = 2**31 - 1

# ------------------------------------------------------------------------------------------- identifiers

# Bare words that scan as identifiers without quotes.
bare_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,7}", fullmatch=True).filter(
    lambda s: s.lower() not in KEYWORDS)

# Lowercase bare words: function names (the parser lowercases call names) and the like.
lower_names = st.from_regex(r"[a-z_][a-z0-9_]{0,7}", fullmatch=True).filter(lambda s: s not in KEYWORDS)

# Keywords in any letter case: valid identifiers only when double-quoted.
keyword_names = st.builds(
    lambda word, flips: "".join(c.upper() if f else c for c, f in zip(word, flips, strict=False)),
    st.sampled_from(sorted(KEYWORDS)),
    st.lists(st.booleans(), min_size=20, max_size=20),
)

# Any text at all (quotes, backslashes, newlines, unicode), except two characters that Go's String() cannot
# round-trip: NUL (the scanner's EOF) and CR (the scanner reads `\r` and `\r\n` as a newline, so a quoted name
# holding a raw CR comes back as a bad string, while QuoteIdent/QuoteString write CR unescaped).
_any_char = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r")
odd_names = st.text(_any_char, min_size=1, max_size=8)
tricky_names = st.sampled_from(
    ['a b', 'a"b', "a'b", "a\\b", "a\nb", "a.b", "1a", "µ", "time", "_", "é", "$x"])

# Non-empty identifiers of every kind. (An empty name renders as `""`, which the parser turns into
# different shapes in different places, so it is not drawn.)
identifiers = st.one_of(bare_names, bare_names, keyword_names, odd_names, tricky_names)

strings = st.text(_any_char, max_size=12)

FUNCTION_NAMES = ["count", "mean", "sum", "max", "min", "first", "last", "median", "mode", "spread", "stddev",
                  "percentile", "top", "bottom", "derivative", "difference", "moving_average", "now",
                  "distinct", "integral", "holt_winters", "sample", "elapsed", "cumulative_sum", "abs"]
function_names = st.one_of(st.sampled_from(FUNCTION_NAMES), lower_names)

ZONES = ["UTC", "America/New_York", "Europe/Paris", "Asia/Tokyo", "Australia/Sydney", "America/Chicago"]

# ---------------------------------------------------------------------------------------------- literals

integer_literals = st.builds(ast.IntegerLiteral, val=st.integers(-(2**63), MAX_INT64))
# The parser makes an UnsignedLiteral only for values above int64's range.
unsigned_literals = st.builds(ast.UnsignedLiteral, val=st.integers(MAX_INT64 + 1, MAX_UINT64))
# NumberLiteral renders with three decimals, so only values that survive that are drawn.
number_literals = st.builds(
    ast.NumberLiteral, val=st.integers(-(10**12), 10**12).map(lambda k: float(f"{k / 1000:.3f}")))
string_literals = st.builds(ast.StringLiteral, val=strings)
boolean_literals = st.builds(ast.BooleanLiteral, val=st.booleans())

DURATION_UNITS = [1, MICROSECOND, MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK]
# At most 10,000 of the largest unit keeps every duration inside int64 nanoseconds (the scanner rejects more).
durations = st.builds(lambda n, unit: n * unit, st.integers(0, 10_000), st.sampled_from(DURATION_UNITS))
positive_durations = st.builds(lambda n, unit: n * unit, st.integers(1, 10_000),
                               st.sampled_from(DURATION_UNITS))
signed_durations = st.builds(lambda d, neg: -d if neg else d, durations, st.booleans())
duration_literals = st.builds(ast.DurationLiteral, val=signed_durations)

# Regex patterns valid for RE2 and for Python's re. A backslash right before `/` is avoided: Go renders `/` as
# `\/` without looking at preceding backslashes, so such patterns do not survive String() in Go either.
_regex_atoms = st.one_of(
    st.sampled_from(list("abcxyz019 _-/:")),
    st.sampled_from([".", r"\d", r"\w", r"\.", "[a-c]", "[^0-9]", "(a|b)", "(?i)x"]),
)
_regex_pieces = st.builds(lambda atom, q: atom + q, _regex_atoms, st.sampled_from(["", "", "*", "+", "?"]))
regex_patterns = st.builds(
    lambda start, pieces, end: start + "".join(pieces) + end,
    st.sampled_from(["", "", "^"]), st.lists(_regex_pieces, max_size=5), st.sampled_from(["", "", "$"]),
)
regex_literals = st.builds(ast.RegexLiteral, val=regex_patterns)

# --------------------------------------------------------------------------------------------- expressions

ARITHMETIC_OPS = ["+", "-", "*", "/", "%", "&", "|", "^"]
COMPARISON_OPS = ["=", "!=", "<", "<=", ">", ">="]
REGEX_OPS = ["=~", "!~"]
LOGICAL_OPS = ["AND", "OR"]

# The casts ParseVarRef accepts (`::time` and `::duration` are not).
CAST_TYPES = [ast.DataType.Unknown, ast.DataType.Float, ast.DataType.Integer, ast.DataType.Unsigned,
              ast.DataType.String, ast.DataType.Boolean, ast.DataType.AnyField, ast.DataType.Tag]
var_refs = st.builds(
    ast.VarRef, val=identifiers, type=st.one_of(st.just(ast.DataType.Unknown), st.sampled_from(CAST_TYPES)))


def binary(op: str, lhs: ast.Expr, rhs: ast.Expr) -> ast.BinaryExpr:
    """Build `lhs op rhs`, wrapping operands in ParenExpr where the parser's precedence (left-associative)
    would otherwise regroup the rendered text."""
    prec = ast.operator_precedence(op)
    if isinstance(lhs, ast.BinaryExpr) and ast.operator_precedence(lhs.op) < prec:
        lhs = ast.ParenExpr(expr=lhs)
    if isinstance(rhs, ast.BinaryExpr) and ast.operator_precedence(rhs.op) <= prec:
        rhs = ast.ParenExpr(expr=rhs)
    return ast.BinaryExpr(op=op, lhs=lhs, rhs=rhs)


value_leaves = st.one_of(var_refs, integer_literals, number_literals, string_literals, boolean_literals,
                         duration_literals, unsigned_literals)


def _extend_arithmetic(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.builds(binary, st.sampled_from(ARITHMETIC_OPS), children, children),
        st.builds(ast.ParenExpr, expr=children),
        st.builds(ast.Call, name=function_names,
                  args=st.lists(st.one_of(children, regex_literals), max_size=3)),
    )


# Arithmetic-only expressions: what a SELECT field may hold (comparisons and AND/OR are rejected there).
arithmetic_exprs = st.recursive(value_leaves, _extend_arithmetic, max_leaves=6)


def _extend_condition(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        _extend_arithmetic(children),
        st.builds(binary, st.sampled_from(COMPARISON_OPS + LOGICAL_OPS), children, children),
        st.builds(binary, st.sampled_from(REGEX_OPS), children, regex_literals),
    )


# Any expression a WHERE clause may hold.
conditions = st.recursive(value_leaves, _extend_condition, max_leaves=8)

# ------------------------------------------------------------------------------------------------ fields


def _call_with_wildcard(name: str, kind: str) -> ast.Call:
    return ast.Call(name=name, args=[ast.Wildcard(type=kind)])


wildcard_types = st.sampled_from(["", "FIELD", "TAG"])
field_exprs = st.one_of(
    arithmetic_exprs,
    arithmetic_exprs,
    st.builds(ast.Wildcard, type=wildcard_types),
    regex_literals,
    st.builds(_call_with_wildcard, function_names, wildcard_types),
    # DISTINCT's operand is written bare, so only bare identifiers survive it.
    st.builds(ast.Distinct, val=bare_names),
)
select_fields = st.builds(ast.Field, expr=field_exprs, alias=st.one_of(st.just(""), identifiers))


def contains_call(node: object) -> bool:
    """True if a Call appears anywhere under `node` (the parser's rule for `is_raw_query = False`)."""
    if isinstance(node, ast.Call):
        return True
    if isinstance(node, ast.BinaryExpr):
        return contains_call(node.lhs) or contains_call(node.rhs)
    if isinstance(node, ast.ParenExpr):
        return contains_call(node.expr)
    if isinstance(node, ast.Field):
        return contains_call(node.expr)
    return False


# ------------------------------------------------------------------------------------ sources and targets


def _measurement(database: str, retention_policy: str, name: str) -> ast.Measurement:
    return ast.Measurement(database=database, retention_policy=retention_policy, name=name)


def _regex_measurement(database: str, retention_policy: str, regex: ast.RegexLiteral) -> ast.Measurement:
    return ast.Measurement(database=database, retention_policy=retention_policy, regex=regex)


_optional_ident = st.one_of(st.just(""), identifiers)

measurements = st.one_of(
    st.builds(_measurement, _optional_ident, _optional_ident, identifiers),
    st.builds(_regex_measurement, _optional_ident, _optional_ident, regex_literals),
)
# DELETE and DROP SERIES reject a database or retention policy in FROM.
plain_measurements = st.one_of(
    st.builds(_measurement, st.just(""), st.just(""), identifiers),
    st.builds(_regex_measurement, st.just(""), st.just(""), regex_literals),
)


@st.composite
def targets(draw: st.DrawFn) -> ast.Target:
    """INTO targets; an empty name means `:MEASUREMENT`, which needs a database or policy before it."""
    database = draw(_optional_ident)
    retention_policy = draw(_optional_ident)
    name = draw(identifiers) if not (database or retention_policy) else draw(_optional_ident)
    return ast.Target(measurement=ast.Measurement(
        database=database, retention_policy=retention_policy, name=name, is_target=True))


# ------------------------------------------------------------------------------------------------ SELECT

limits = st.one_of(st.just(0), st.integers(1, 10**9))


def time_dimension(interval: int, offset: int | None) -> ast.Dimension:
    args: list[ast.Expr] = [ast.DurationLiteral(val=interval)]
    if offset is not None:
        args.append(ast.DurationLiteral(val=offset))
    return ast.Dimension(expr=ast.Call(name="time", args=args))


dimensions = st.one_of(
    st.builds(ast.Dimension, expr=var_refs),
    st.builds(ast.Dimension, expr=var_refs),
    st.builds(time_dimension, positive_durations, st.one_of(st.none(), signed_durations)),
    st.builds(ast.Dimension, expr=st.builds(ast.Wildcard)),
    st.builds(ast.Dimension, expr=regex_literals),
    st.builds(ast.Dimension, expr=arithmetic_exprs),
)

# Go writes a fill number with `%v`; values with more than six integer digits come out as `1e+06`, which
# the scanner cannot read back, so only smaller values are drawn.
fill_numbers = st.one_of(st.integers(-(10**6), 10**6),
                         st.integers(-(10**9) + 1, 10**9 - 1).map(lambda k: k / 1000))
sort_fields = st.one_of(
    st.just([]),
    st.builds(lambda name, asc: [ast.SortField(name=name, ascending=asc)],
              st.sampled_from(["time", ""]), st.booleans()),
)


@st.composite
def select_statements(draw: st.DrawFn, depth: int = 0, target: str = "optional") -> ast.SelectStatement:
    """SELECT statements with every clause. `target` is "optional", "required" or "none" (subqueries)."""
    fields = draw(st.lists(select_fields, min_size=1, max_size=3))
    tgt = None
    if target == "required" or (target == "optional" and draw(st.booleans())):
        tgt = draw(targets())
    source_kinds = [measurements]
    if depth < 2:
        source_kinds.append(st.builds(ast.SubQuery, statement=select_statements(depth + 1, target="none")))
    sources = draw(st.lists(st.one_of(*source_kinds), min_size=1, max_size=2 if depth else 3))
    dims = draw(st.lists(dimensions, max_size=3))
    fill = draw(st.sampled_from(list(ast.FillOption)))
    fill_value = draw(fill_numbers) if fill == ast.FillOption.NumberFill else None
    return ast.SelectStatement(
        fields=fields, target=tgt, dimensions=dims, sources=sources,
        condition=draw(st.one_of(st.none(), conditions)), sort_fields=draw(sort_fields),
        limit=draw(limits), offset=draw(limits), slimit=draw(limits), soffset=draw(limits),
        is_raw_query=not any(contains_call(f) for f in fields),
        fill=fill, fill_value=fill_value, location=draw(st.one_of(st.none(), st.sampled_from(ZONES))),
    )


def _is_time_call(expr: ast.Expr | None) -> bool:
    return isinstance(expr, ast.Call) and expr.name == "time"


# -------------------------------------------------------------------------------------- other statements

optional_database = _optional_ident
replications = st.integers(1, MAX_INT32)
privileges = st.sampled_from([ast.Privilege.ReadPrivilege, ast.Privilege.WritePrivilege,
                              ast.Privilege.AllPrivileges])
source_lists = st.one_of(st.just([]), st.lists(measurements, min_size=1, max_size=3))
conditions_or_none = st.one_of(st.none(), conditions)
dimension_lists = st.lists(dimensions, max_size=2)


@st.composite
def continuous_queries(draw: st.DrawFn) -> ast.CreateContinuousQueryStatement:
    """CREATE CONTINUOUS QUERY. The parser demands a well-formed GROUP BY time(<non-zero>) when the query
    aggregates, and RESAMPLE FOR must cover the interval (the larger of GROUP BY time and EVERY)."""
    source = draw(select_statements(target="required"))
    dims = [dim for dim in source.dimensions if not _is_time_call(dim.expr)]
    interval = 0
    if not source.is_raw_query or draw(st.booleans()):
        interval = draw(positive_durations)
        offset = draw(st.one_of(st.none(), signed_durations))
        dims.insert(draw(st.integers(0, len(dims))), time_dimension(interval, offset))
    source.dimensions = dims
    every = draw(st.one_of(st.just(0), positive_durations))
    resample_for = draw(st.one_of(st.just(0), positive_durations))
    if resample_for:
        resample_for = max(resample_for, interval, every)
    return ast.CreateContinuousQueryStatement(name=draw(identifiers), database=draw(identifiers),
                                              source=source, resample_every=every, resample_for=resample_for)


# Whole seconds only: Go renders CREATE DATABASE durations as time.Duration.String() (`1h0m0s`), and
# sub-second remainders come out as `1.5s`, which the scanner cannot read back.
_database_durations = st.integers(0, 10**6).map(lambda n: n * SECOND)


@st.composite
def create_databases(draw: st.DrawFn) -> ast.CreateDatabaseStatement:
    stmt = ast.CreateDatabaseStatement(name=draw(identifiers))
    if draw(st.booleans()):
        stmt.retention_policy_create = True
        stmt.retention_policy_duration = draw(st.one_of(st.none(), _database_durations))
        stmt.retention_policy_replication = draw(st.one_of(st.none(), replications))
        stmt.retention_policy_shard_group_duration = draw(_database_durations)
        stmt.retention_policy_name = draw(_optional_ident)
        if (stmt.retention_policy_duration is None and stmt.retention_policy_replication is None
                and not stmt.retention_policy_shard_group_duration and not stmt.retention_policy_name):
            stmt.retention_policy_name = draw(identifiers)
    return stmt


@st.composite
def alter_retention_policies(draw: st.DrawFn) -> ast.AlterRetentionPolicyStatement:
    stmt = ast.AlterRetentionPolicyStatement(
        name=draw(identifiers), database=draw(identifiers),
        duration=draw(st.one_of(st.none(), durations)), replication=draw(st.one_of(st.none(), replications)),
        default=draw(st.booleans()), shard_group_duration=draw(st.one_of(st.none(), durations)))
    if stmt.duration is None and stmt.replication is None and stmt.shard_group_duration is None:
        stmt.default = True
    return stmt


@st.composite
def drop_series_like(draw: st.DrawFn, cls: type) -> ast.Statement:
    """DROP SERIES / DELETE: FROM and/or WHERE, at least one of them."""
    sources = draw(st.lists(plain_measurements, max_size=3))
    condition = draw(conditions_or_none)
    if not sources and condition is None:
        condition = draw(conditions)
    return cls(sources=sources, condition=condition)


tag_key_exprs = st.one_of(
    st.tuples(st.sampled_from(["=", "!="]), st.builds(ast.StringLiteral, val=identifiers)),
    st.tuples(st.sampled_from(["=~", "!~"]), regex_literals),
    st.tuples(st.just("IN"), st.builds(ast.ListLiteral, vals=st.lists(identifiers, min_size=1, max_size=3))),
)


def _with_tag_key(cls: type, op_and_key: tuple[str, ast.Literal], **kwargs: object) -> ast.Statement:
    op, key = op_and_key
    return cls(op=op, tag_key_expr=key, **kwargs)


def _cardinality(cls: type) -> st.SearchStrategy:
    return st.builds(cls, database=optional_database, exact=st.booleans(), sources=source_lists,
                     condition=conditions_or_none, dimensions=dimension_lists, limit=limits, offset=limits)


show_measurements = st.builds(
    ast.ShowMeasurementsStatement,
    # Go writes this statement's ON database without quoting it, so only bare names survive.
    database=st.one_of(st.just(""), bare_names),
    source=st.one_of(st.none(), measurements), condition=conditions_or_none, sort_fields=sort_fields,
    limit=limits, offset=limits)

statements = st.one_of(
    select_statements(),
    st.builds(ast.ExplainStatement, statement=select_statements(), analyze=st.booleans()),
    continuous_queries(),
    create_databases(),
    st.builds(ast.CreateRetentionPolicyStatement, name=identifiers, database=identifiers, duration=durations,
              replication=replications, default=st.booleans(), shard_group_duration=durations),
    alter_retention_policies(),
    st.builds(ast.CreateSubscriptionStatement, name=identifiers, database=identifiers,
              retention_policy=identifiers, destinations=st.lists(strings, min_size=1, max_size=3),
              mode=st.sampled_from(["ALL", "ANY"])),
    st.builds(ast.CreateUserStatement, name=identifiers, password=strings, admin=st.booleans()),
    st.builds(ast.SetPasswordUserStatement, password=strings, name=identifiers),
    st.builds(ast.GrantStatement, privilege=privileges, on=identifiers, user=identifiers),
    st.builds(ast.GrantAdminStatement, user=identifiers),
    st.builds(ast.RevokeStatement, privilege=privileges, on=identifiers, user=identifiers),
    st.builds(ast.RevokeAdminStatement, user=identifiers),
    st.builds(ast.KillQueryStatement, query_id=st.integers(0, MAX_UINT64), host=_optional_ident),
    drop_series_like(ast.DeleteSeriesStatement),
    drop_series_like(ast.DropSeriesStatement),
    st.builds(ast.DropShardStatement, id=st.integers(0, MAX_UINT64)),
    st.builds(ast.DropMeasurementStatement, name=identifiers),
    st.builds(ast.DropDatabaseStatement, name=identifiers),
    st.builds(ast.DropRetentionPolicyStatement, name=identifiers, database=identifiers),
    st.builds(ast.DropContinuousQueryStatement, name=identifiers, database=identifiers),
    st.builds(ast.DropUserStatement, name=identifiers),
    st.builds(ast.DropSubscriptionStatement, name=identifiers, database=identifiers,
              retention_policy=identifiers),
    st.sampled_from([ast.ShowContinuousQueriesStatement(), ast.ShowDatabasesStatement(),
                     ast.ShowQueriesStatement(), ast.ShowShardGroupsStatement(), ast.ShowShardsStatement(),
                     ast.ShowSubscriptionsStatement(), ast.ShowUsersStatement()]),
    st.builds(ast.ShowGrantsForUserStatement, name=identifiers),
    st.builds(ast.ShowRetentionPoliciesStatement, database=optional_database),
    st.builds(ast.ShowStatsStatement, module=strings),
    st.builds(ast.ShowDiagnosticsStatement, module=strings),
    st.builds(ast.ShowSeriesStatement, database=optional_database, sources=source_lists,
              condition=conditions_or_none, sort_fields=sort_fields, limit=limits, offset=limits),
    show_measurements,
    st.builds(ast.ShowTagKeysStatement, database=optional_database, sources=source_lists,
              condition=conditions_or_none, sort_fields=sort_fields, limit=limits, offset=limits,
              slimit=limits, soffset=limits),
    st.builds(_with_tag_key, st.just(ast.ShowTagValuesStatement), tag_key_exprs, database=optional_database,
              sources=source_lists, condition=conditions_or_none, sort_fields=sort_fields, limit=limits,
              offset=limits),
    st.builds(ast.ShowFieldKeysStatement, database=optional_database, sources=source_lists,
              sort_fields=sort_fields, limit=limits, offset=limits),
    _cardinality(ast.ShowSeriesCardinalityStatement),
    _cardinality(ast.ShowMeasurementCardinalityStatement),
    _cardinality(ast.ShowTagKeyCardinalityStatement),
    _cardinality(ast.ShowFieldKeyCardinalityStatement),
    st.builds(_with_tag_key, st.just(ast.ShowTagValuesCardinalityStatement), tag_key_exprs,
              database=optional_database, exact=st.booleans(), sources=source_lists,
              condition=conditions_or_none, dimensions=dimension_lists, limit=limits, offset=limits),
)

queries = st.builds(ast.Query, statements=st.lists(statements, min_size=1, max_size=3))


def source_text(stmt: ast.Statement) -> str:
    """Query text that parses back to `stmt`. Same as str(stmt) except where String() redacts the password
    (CREATE USER, SET PASSWORD): there the real password is written in."""
    if isinstance(stmt, (ast.CreateUserStatement, ast.SetPasswordUserStatement)):
        return str(stmt).replace("[REDACTED]", quote_string(stmt.password), 1)
    return str(stmt)


# ------------------------------------------------------------------------------------------- token soup

_PUNCTUATION = ["(", ")", ",", ";", ".", ":", "::", "=", "!=", "=~", "!~", "<", "<=", ">", ">=", "+", "-",
                "*", "/", "%", "&", "|", "^", "$", "..", "--", "/*", "*/", "'", '"', "\\", "`", "!", "@"]
_LITERAL_TOKENS = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.builds(lambda n, u: f"{n}{u}", st.integers(0, 10**20), st.sampled_from(
        ["ns", "u", "µ", "ms", "s", "m", "h", "d", "w", "x", "1h0m0s", ".5s"])),
    st.builds(lambda s: "'" + s + "'", strings),
    st.builds(lambda s: '"' + s + '"', strings),
    st.builds(lambda s: "/" + s + "/", strings),
    st.sampled_from(["'unterminated", '"unterminated', "/unterminated", "'bad \\q escape'", '"bad \\q"',
                     "$param", '$"quoted param"', "$", "now()", "time(1h)", "fill(none)", "tz('UTC')",
                     "*::field", "*::tag", "a::float", "/*comment*/", "-- line comment\n", "1e10", ".5",
                     "5."]),
)
soup_tokens = st.one_of(
    st.sampled_from(sorted(KEYWORDS)),
    st.sampled_from(sorted(KEYWORDS)).map(str.upper),
    identifiers,
    _LITERAL_TOKENS,
    st.sampled_from(_PUNCTUATION),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=4),
)
token_soup = st.builds(
    lambda tokens, seps: "".join(t + s for t, s in zip(tokens, seps, strict=False)),
    st.lists(soup_tokens, max_size=25),
    st.lists(st.sampled_from(["", " ", " ", "\n", "\t"]), min_size=25, max_size=25),
)
# `params` as they arrive JSON-decoded from the HTTP query string, including kinds params.go rejects.
_param_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), strings),
    lambda children: st.one_of(st.lists(children, max_size=2),
                               st.dictionaries(st.sampled_from(["identifier", "regex", "duration", "x"]),
                                               children, max_size=2)),
    max_leaves=4,
)
soup_params = st.one_of(st.none(), st.dictionaries(st.one_of(bare_names, strings), _param_values, max_size=3))
