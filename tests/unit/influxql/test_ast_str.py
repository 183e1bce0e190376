"""Exact rendering of every AST node: str(node) must equal influxql's String() byte for byte.

Expected strings come from influxql 1.1.0's ast_test.go / parser_test.go and from running its String()
(the canonical text users see in SHOW CONTINUOUS QUERIES, authorization errors and EXPLAIN).
"""

from __future__ import annotations

import pytest

from chronus.influxql import quoting
from chronus.influxql.ast import (
    AlterRetentionPolicyStatement,
    BinaryExpr,
    BooleanLiteral,
    BoundParameter,
    Call,
    CreateContinuousQueryStatement,
    CreateDatabaseStatement,
    CreateRetentionPolicyStatement,
    CreateSubscriptionStatement,
    CreateUserStatement,
    DataType,
    DeleteSeriesStatement,
    DeleteStatement,
    Dimension,
    Distinct,
    DropContinuousQueryStatement,
    DropDatabaseStatement,
    DropMeasurementStatement,
    DropRetentionPolicyStatement,
    DropSeriesStatement,
    DropShardStatement,
    DropSubscriptionStatement,
    DropUserStatement,
    DurationLiteral,
    ExplainStatement,
    Field,
    FillOption,
    GrantAdminStatement,
    GrantStatement,
    IntegerLiteral,
    KillQueryStatement,
    ListLiteral,
    Measurement,
    NilLiteral,
    NumberLiteral,
    ParenExpr,
    Privilege,
    Query,
    RegexLiteral,
    RevokeAdminStatement,
    RevokeStatement,
    SelectStatement,
    SetPasswordUserStatement,
    ShowContinuousQueriesStatement,
    ShowDatabasesStatement,
    ShowDiagnosticsStatement,
    ShowFieldKeyCardinalityStatement,
    ShowFieldKeysStatement,
    ShowGrantsForUserStatement,
    ShowMeasurementCardinalityStatement,
    ShowMeasurementsStatement,
    ShowQueriesStatement,
    ShowRetentionPoliciesStatement,
    ShowSeriesCardinalityStatement,
    ShowSeriesStatement,
    ShowShardGroupsStatement,
    ShowShardsStatement,
    ShowStatsStatement,
    ShowSubscriptionsStatement,
    ShowTagKeyCardinalityStatement,
    ShowTagKeysStatement,
    ShowTagValuesCardinalityStatement,
    ShowTagValuesStatement,
    ShowUsersStatement,
    SortField,
    StringLiteral,
    SubQuery,
    Target,
    TimeLiteral,
    UnsignedLiteral,
    VarRef,
    Wildcard,
    binary_expr_name,
)

S = 10**9
M = 60 * S
H = 60 * M
D = 24 * H
W = 7 * D


def ref(name: str, type: DataType = DataType.Unknown) -> VarRef:
    return VarRef(val=name, type=type)


def m(name: str = "", database: str = "", retention_policy: str = "",
      regex: str | None = None) -> Measurement:
    return Measurement(database=database, retention_policy=retention_policy, name=name,
                       regex=RegexLiteral(val=regex) if regex is not None else None)


def eq(lhs, rhs) -> BinaryExpr:
    return BinaryExpr(op="=", lhs=lhs, rhs=rhs)


HOST_A = eq(ref("host"), StringLiteral(val="hosta.influxdb.org"))
TIME_LAST_HOUR = BinaryExpr(op=">", lhs=ref("time"),
                            rhs=BinaryExpr(op="-", lhs=Call(name="now"), rhs=DurationLiteral(val=H)))


def select(**kwargs) -> SelectStatement:
    kwargs.setdefault("fields", [Field(expr=ref("value"))])
    kwargs.setdefault("sources", [m("cpu")])
    return SelectStatement(**kwargs)


# ------------------------------------------------------------------------------------------- quoting


@pytest.mark.parametrize(("segments", "expected"), [
    ([""], '""'),
    (["select"], '"select"'),
    (["SeLeCt"], '"SeLeCt"'),
    (["in-bytes"], '"in-bytes"'),
    (["foo", "bar"], '"foo".bar'),
    (["foo", "", "bar"], '"foo"..bar'),
    (["foo bar", "baz"], '"foo bar".baz'),
    (["foo.bar", "baz"], '"foo.bar".baz'),
    (["foo.bar", "rp", "baz"], '"foo.bar"."rp".baz'),
    (["foo.bar", "rp", "1baz"], '"foo.bar"."rp"."1baz"'),
    (["_x9"], "_x9"),
    (["9x"], '"9x"'),
    (["true"], '"true"'),
    (["and"], '"and"'),
    (["time"], "time"),
    (["é"], '"é"'),
    (['a"b\\c\nd'], '"a\\"b\\\\c\\nd"'),
    (["it's"], '"it\'s"'),
    (["a", ""], '"a".""'),
])
def test_quote_ident(segments: list[str], expected: str) -> None:
    assert quoting.quote_ident(*segments) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("", "''"),
    ("foo", "'foo'"),
    ("foo\nbar", "'foo\\nbar'"),
    ("foo bar\\\\", "'foo bar\\\\\\\\'"),
    ("'foo'", "'\\'foo\\''"),
    ('say "hi"\t', "'say \"hi\"\t'"),
])
def test_quote_string(value: str, expected: str) -> None:
    assert quoting.quote_string(value) == expected


@pytest.mark.parametrize(("ns", "expected"), [
    (0, "0s"),
    (1, "1ns"),
    (3 * 1000, "3u"),
    (1001 * 1000, "1001u"),
    (15 * 10**6, "15ms"),
    (1500 * 10**6, "1500ms"),
    (100 * S, "100s"),
    (2 * M, "2m"),
    (90 * M, "90m"),
    (2 * H, "2h"),
    (2 * D, "2d"),
    (2 * W, "2w"),
    (3 * D, "3d"),
    (-5 * M, "-5m"),
    (-1, "-1ns"),
    (2**63 - 1, "9223372036854775807ns"),
])
def test_format_duration(ns: int, expected: str) -> None:
    assert quoting.format_duration(ns) == expected


@pytest.mark.parametrize(("ns", "expected"), [
    (0, "0s"),
    (1, "1ns"),
    (1500, "1.5µs"),
    (1000, "1µs"),
    (500 * 10**6, "500ms"),
    (1500 * 10**6, "1.5s"),
    (S, "1s"),
    (90 * S, "1m30s"),
    (H, "1h0m0s"),
    (W, "168h0m0s"),
    (H + 2 * S + 5, "1h0m2.000000005s"),
    (-90 * M, "-1h30m0s"),
])
def test_go_duration_string(ns: int, expected: str) -> None:
    assert quoting.go_duration_string(ns) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (0.0, "0"), (-0.0, "-0"), (1.5, "1.5"), (100.0, "100"), (999999.0, "999999"), (1e6, "1e+06"),
    (1234567.0, "1.234567e+06"), (0.0001, "0.0001"), (1e-05, "1e-05"), (-2.5, "-2.5"), (1e21, "1e+21"),
    (123.456, "123.456"), (1e100, "1e+100"), (float("nan"), "NaN"), (float("inf"), "+Inf"),
])
def test_format_go_float(value: float, expected: str) -> None:
    assert quoting.format_go_float(value) == expected


# ---------------------------------------------------------------------------------------- expressions


@pytest.mark.parametrize(("node", "expected"), [
    (ref("value"), "value"),
    (ref("my value"), '"my value"'),
    (ref("select"), '"select"'),
    (ref("a.b"), '"a.b"'),
    (ref("value", DataType.Float), "value::float"),
    (ref("value", DataType.Integer), "value::integer"),
    (ref("value", DataType.Unsigned), "value::unsigned"),
    (ref("value", DataType.String), "value::string"),
    (ref("value", DataType.Boolean), "value::boolean"),
    (ref("host", DataType.Tag), "host::tag"),
    (ref("value", DataType.AnyField), "value::field"),
    (ref("t", DataType.Time), "t::time"),
    (ref("d", DataType.Duration), "d::duration"),
    (Call(name="now"), "now()"),
    (Call(name="count", args=[Wildcard()]), "count(*)"),
    (Call(name="percentile", args=[ref("value"), IntegerLiteral(val=90)]), "percentile(value, 90)"),
    (Call(name="mean", args=[RegexLiteral(val="^cpu")]), "mean(/^cpu/)"),
    (Call(name="count", args=[Call(name="distinct", args=[ref("host")])]), "count(distinct(host))"),
    (Call(name="time", args=[DurationLiteral(val=10 * M), DurationLiteral(val=-5 * M)]), "time(10m, -5m)"),
    (Distinct(val="host"), "DISTINCT host"),
    (NumberLiteral(val=1.0), "1.000"),
    (NumberLiteral(val=-1.5), "-1.500"),
    (NumberLiteral(val=0.0005), "0.001"),
    (NumberLiteral(val=0.0015), "0.002"),
    (NumberLiteral(val=2.0005), "2.001"),
    (NumberLiteral(val=1e20), "100000000000000000000.000"),
    (NumberLiteral(val=-0.0), "-0.000"),
    (NumberLiteral(val=float("inf")), "+Inf"),
    (NumberLiteral(val=float("-inf")), "-Inf"),
    (NumberLiteral(val=float("nan")), "NaN"),
    (IntegerLiteral(val=0), "0"),
    (IntegerLiteral(val=-42), "-42"),
    (IntegerLiteral(val=-(2**63)), "-9223372036854775808"),
    (UnsignedLiteral(val=2**64 - 1), "18446744073709551615"),
    (BooleanLiteral(val=True), "true"),
    (BooleanLiteral(val=False), "false"),
    (StringLiteral(val="it's"), "'it\\'s'"),
    (StringLiteral(val="2000-01-01T00:00:00Z"), "'2000-01-01T00:00:00Z'"),
    (TimeLiteral(val=0), "'1970-01-01T00:00:00Z'"),
    (TimeLiteral(val=1_500_000_000_123_400_000), "'2017-07-14T02:40:00.1234Z'"),
    (TimeLiteral(val=1), "'1970-01-01T00:00:00.000000001Z'"),
    (TimeLiteral(val=-1), "'1969-12-31T23:59:59.999999999Z'"),
    (TimeLiteral(val=-(2**63) + 2), "'1677-09-21T00:12:43.145224194Z'"),
    (TimeLiteral(val=2**63 - 2), "'2262-04-11T23:47:16.854775806Z'"),
    (DurationLiteral(val=90 * M), "90m"),
    (DurationLiteral(val=0), "0s"),
    (NilLiteral(), "nil"),
    (BoundParameter(name="value"), "$value"),
    (BoundParameter(name="multi-word value"), '$"multi-word value"'),
    (RegexLiteral(val="^cpu.*"), "/^cpu.*/"),
    (RegexLiteral(val="a/b"), "/a\\/b/"),
    (RegexLiteral(val="a\\d"), "/a\\d/"),
    (RegexLiteral(val=""), "//"),
    (ListLiteral(vals=["a", "b c", "select"]), '(a, "b c", "select")'),
    (ListLiteral(vals=[]), "()"),
    (Wildcard(), "*"),
    (Wildcard(type="FIELD"), "*::field"),
    (Wildcard(type="TAG"), "*::tag"),
    (ParenExpr(expr=IntegerLiteral(val=1)), "(1)"),
    (BinaryExpr(op="AND", lhs=HOST_A,
                rhs=BinaryExpr(op="=~", lhs=ref("region"), rhs=RegexLiteral(val="us-.*"))),
     "host = 'hosta.influxdb.org' AND region =~ /us-.*/"),
    (BinaryExpr(op="*", lhs=ParenExpr(expr=BinaryExpr(op="+", lhs=ref("a"), rhs=IntegerLiteral(val=1))),
                rhs=NumberLiteral(val=2.5)), "(a + 1) * 2.500"),
    (BinaryExpr(op="-", lhs=ref("a"), rhs=IntegerLiteral(val=-1)), "a - -1"),
    # No parentheses are invented: grouping exists only as ParenExpr nodes.
    (BinaryExpr(op="*", lhs=BinaryExpr(op="+", lhs=ref("a"), rhs=ref("b")), rhs=ref("c")), "a + b * c"),
    (BinaryExpr(op="!~", lhs=ref("a"), rhs=RegexLiteral(val="x")), "a !~ /x/"),
    (BinaryExpr(op="OR", lhs=BooleanLiteral(val=True), rhs=BooleanLiteral(val=False)), "true OR false"),
    (BinaryExpr(op="%", lhs=ref("a"), rhs=IntegerLiteral(val=2)), "a % 2"),
    (BinaryExpr(op="&", lhs=ref("a"), rhs=IntegerLiteral(val=2)), "a & 2"),
    (BinaryExpr(op="|", lhs=ref("a"), rhs=IntegerLiteral(val=2)), "a | 2"),
    (BinaryExpr(op="^", lhs=ref("a"), rhs=IntegerLiteral(val=2)), "a ^ 2"),
    (BinaryExpr(op="<=", lhs=ref("time"), rhs=TimeLiteral(val=0)), "time <= '1970-01-01T00:00:00Z'"),
    (BinaryExpr(op="!=", lhs=ref("a"), rhs=StringLiteral(val="")), "a != ''"),
])
def test_expression_str(node, expected: str) -> None:
    assert str(node) == expected


# --------------------------------------------------------------------------- fields, sources, clauses


@pytest.mark.parametrize(("node", "expected"), [
    (Field(expr=ref("value")), "value"),
    (Field(expr=Call(name="mean", args=[ref("value")]), alias="avg"), "mean(value) AS avg"),
    (Field(expr=ref("value"), alias="my alias"), 'value AS "my alias"'),
    (Field(expr=ref("value"), alias="limit"), 'value AS "limit"'),
    (Dimension(expr=ref("host")), "host"),
    (Dimension(expr=Call(name="time", args=[DurationLiteral(val=H)])), "time(1h)"),
    (SortField(name="time", ascending=True), "time ASC"),
    (SortField(name="time", ascending=False), "time DESC"),
    (SortField(ascending=True), "ASC"),
    (SortField(), "DESC"),
    (m("cpu"), "cpu"),
    (m("cpu", database="db"), "db..cpu"),
    # Each segment is quoted on its own, so a plain `db.rp.m` stays bare (unlike QuoteIdent("db", "rp", "m")).
    (m("cpu", retention_policy="rp"), "rp.cpu"),
    (m("cpu", database="db", retention_policy="rp"), "db.rp.cpu"),
    (m("cpu load", database="my db", retention_policy="select"), '"my db"."select"."cpu load"'),
    (m(regex="cpu.*"), "/cpu.*/"),
    (m(regex="cpu.*", database="db"), "db../cpu.*/"),
    (m(regex="cpu", database="db", retention_policy="rp"), "db.rp./cpu/"),
    (Measurement(name="cpu", system_iterator="_series"), "_series"),
    (Measurement(regex=RegexLiteral(val="x"), system_iterator="_fieldKeys"), "_fieldKeys"),
    (SubQuery(statement=select()), "(SELECT value FROM cpu)"),
    (Target(measurement=Measurement(name="cpu_1h", is_target=True)), "INTO cpu_1h"),
    (Target(measurement=Measurement(database="db", retention_policy="rp", name="m", is_target=True)),
     "INTO db.rp.m"),
    (Target(measurement=Measurement(database="db", retention_policy="rp", is_target=True)),
     "INTO db.rp.:MEASUREMENT"),
    (Target(measurement=Measurement(retention_policy="rp", is_target=True)), "INTO rp.:MEASUREMENT"),
    (Target(measurement=Measurement(database="db", is_target=True)), "INTO db..:MEASUREMENT"),
])
def test_component_str(node, expected: str) -> None:
    assert str(node) == expected


# -------------------------------------------------------------------------------------------- SELECT


@pytest.mark.parametrize(("stmt", "expected"), [
    (select(), "SELECT value FROM cpu"),
    (select(fields=[Field(expr=Wildcard())]), "SELECT * FROM cpu"),
    (select(fields=[Field(expr=Wildcard(type="TAG")), Field(expr=Wildcard(type="FIELD"))]),
     "SELECT *::tag, *::field FROM cpu"),
    (select(fields=[Field(expr=RegexLiteral(val="^v"))]), "SELECT /^v/ FROM cpu"),
    (select(fields=[Field(expr=Distinct(val="host"))]), "SELECT DISTINCT host FROM cpu"),
    (select(sources=[m("cpu"), m(regex="^mem"), m("disk", database="db", retention_policy="autogen")]),
     "SELECT value FROM cpu, /^mem/, db.autogen.disk"),
    (select(sources=[SubQuery(statement=select(fields=[Field(expr=Call(name="max", args=[ref("value")]),
                                                             alias="max")]))]),
     "SELECT value FROM (SELECT max(value) AS max FROM cpu)"),
    (select(sources=[]), "SELECT value"),
    (select(condition=HOST_A), "SELECT value FROM cpu WHERE host = 'hosta.influxdb.org'"),
    (select(fields=[Field(expr=Call(name="mean", args=[ref("value")]))], condition=TIME_LAST_HOUR,
            dimensions=[Dimension(expr=Call(name="time", args=[DurationLiteral(val=10 * M)])),
                        Dimension(expr=ref("host"))]),
     "SELECT mean(value) FROM cpu WHERE time > now() - 1h GROUP BY time(10m), host"),
    (select(dimensions=[Dimension(expr=Wildcard())]), "SELECT value FROM cpu GROUP BY *"),
    (select(dimensions=[Dimension(expr=RegexLiteral(val="ho"))]), "SELECT value FROM cpu GROUP BY /ho/"),
    (select(fill=FillOption.NullFill), "SELECT value FROM cpu"),
    (select(fill=FillOption.NoFill), "SELECT value FROM cpu fill(none)"),
    (select(fill=FillOption.PreviousFill), "SELECT value FROM cpu fill(previous)"),
    (select(fill=FillOption.LinearFill), "SELECT value FROM cpu fill(linear)"),
    (select(fill=FillOption.NumberFill, fill_value=0), "SELECT value FROM cpu fill(0)"),
    (select(fill=FillOption.NumberFill, fill_value=-3), "SELECT value FROM cpu fill(-3)"),
    (select(fill=FillOption.NumberFill, fill_value=1.5), "SELECT value FROM cpu fill(1.5)"),
    (select(fill=FillOption.NumberFill, fill_value=100.0), "SELECT value FROM cpu fill(100)"),
    (select(fill=FillOption.NumberFill, fill_value=1000000.0), "SELECT value FROM cpu fill(1e+06)"),
    (select(sort_fields=[SortField(name="time", ascending=False)]),
     "SELECT value FROM cpu ORDER BY time DESC"),
    (select(sort_fields=[SortField(ascending=True)]), "SELECT value FROM cpu ORDER BY ASC"),
    (select(limit=10, offset=20, slimit=3, soffset=4),
     "SELECT value FROM cpu LIMIT 10 OFFSET 20 SLIMIT 3 SOFFSET 4"),
    (select(limit=0, offset=5), "SELECT value FROM cpu OFFSET 5"),
    (select(location="America/Los_Angeles"), "SELECT value FROM cpu TZ('America/Los_Angeles')"),
    (select(target=Target(measurement=Measurement(name="cpu_copy", is_target=True))),
     "SELECT value INTO cpu_copy FROM cpu"),
    (select(fields=[Field(expr=Call(name="mean", args=[ref("value")]))], condition=TIME_LAST_HOUR,
            target=Target(measurement=Measurement(database="db", retention_policy="rp", is_target=True)),
            dimensions=[Dimension(expr=Call(name="time", args=[DurationLiteral(val=H)])),
                        Dimension(expr=ref("host"))],
            fill=FillOption.NumberFill, fill_value=0, sort_fields=[SortField(name="time", ascending=False)],
            limit=1, offset=2, slimit=3, soffset=4, location="UTC"),
     "SELECT mean(value) INTO db.rp.:MEASUREMENT FROM cpu WHERE time > now() - 1h GROUP BY time(1h), host "
     "fill(0) ORDER BY time DESC LIMIT 1 OFFSET 2 SLIMIT 3 SOFFSET 4 TZ('UTC')"),
    (select(condition=BinaryExpr(op=">", lhs=ref("value"), rhs=BoundParameter(name="value"))),
     "SELECT value FROM cpu WHERE value > $value"),
    # Fields the parser never sets do not show in the text.
    (select(time_alias="t", omit_time=True, strip_name=True, emit_name="x", dedupe=True, is_raw_query=True),
     "SELECT value FROM cpu"),
])
def test_select_str(stmt: SelectStatement, expected: str) -> None:
    assert str(stmt) == expected


def test_explain_str() -> None:
    assert str(ExplainStatement(statement=select())) == "EXPLAIN SELECT value FROM cpu"
    assert str(ExplainStatement(statement=select(), analyze=True)) == "EXPLAIN ANALYZE SELECT value FROM cpu"


def test_query_joins_statements_with_semicolon_newline() -> None:
    query = Query(statements=[select(), ShowDatabasesStatement()])
    assert str(query) == "SELECT value FROM cpu;\nSHOW DATABASES"
    assert str(Query()) == ""


# ---------------------------------------------------------------------------------- other statements

COPY_CPU = select(target=Target(measurement=Measurement(name="copy", is_target=True)))


@pytest.mark.parametrize(("stmt", "expected"), [
    (DeleteSeriesStatement(sources=[m("src")]), "DELETE FROM src"),
    (DeleteSeriesStatement(sources=[m("src")], condition=HOST_A),
     "DELETE FROM src WHERE host = 'hosta.influxdb.org'"),
    (DeleteSeriesStatement(condition=HOST_A), "DELETE WHERE host = 'hosta.influxdb.org'"),
    (DeleteStatement(source=m("src"), condition=HOST_A), "DELETE FROM src WHERE host = 'hosta.influxdb.org'"),
    (DeleteStatement(source=m("src")), "DELETE FROM src"),
    (DropSeriesStatement(sources=[m("src")]), "DROP SERIES FROM src"),
    (DropSeriesStatement(sources=[m("src"), m(regex="x")], condition=HOST_A),
     "DROP SERIES FROM src, /x/ WHERE host = 'hosta.influxdb.org'"),
    (DropSeriesStatement(condition=HOST_A), "DROP SERIES WHERE host = 'hosta.influxdb.org'"),
    (DropShardStatement(id=18446744073709551615), "DROP SHARD 18446744073709551615"),
    (DropMeasurementStatement(name="cpu load"), 'DROP MEASUREMENT "cpu load"'),
    (DropDatabaseStatement(name="db"), "DROP DATABASE db"),
    (DropDatabaseStatement(name="Database"), 'DROP DATABASE "Database"'),
    (DropRetentionPolicyStatement(name="rp", database="db"), "DROP RETENTION POLICY rp ON db"),
    (DropContinuousQueryStatement(name="cq", database="my-db"), 'DROP CONTINUOUS QUERY cq ON "my-db"'),
    (DropUserStatement(name="jdoe"), "DROP USER jdoe"),
    (DropSubscriptionStatement(name="s", database="db", retention_policy="rp"),
     "DROP SUBSCRIPTION s ON db.rp"),
    (DropSubscriptionStatement(name="s", database="my db", retention_policy="1rp"),
     'DROP SUBSCRIPTION s ON "my db"."1rp"'),
    (CreateDatabaseStatement(name="db"), "CREATE DATABASE db"),
    (CreateDatabaseStatement(name="db", retention_policy_create=True, retention_policy_duration=24 * H),
     "CREATE DATABASE db WITH DURATION 24h0m0s"),
    (CreateDatabaseStatement(name="db", retention_policy_create=True, retention_policy_duration=0,
                             retention_policy_replication=2, retention_policy_shard_group_duration=30 * M,
                             retention_policy_name="rp one"),
     'CREATE DATABASE db WITH DURATION 0s REPLICATION 2 SHARD DURATION 30m0s NAME "rp one"'),
    (CreateDatabaseStatement(name="db", retention_policy_create=True, retention_policy_name="rp"),
     "CREATE DATABASE db WITH NAME rp"),
    # Options only show under WITH.
    (CreateDatabaseStatement(name="db", retention_policy_duration=H, retention_policy_name="rp"),
     "CREATE DATABASE db"),
    (CreateRetentionPolicyStatement(name="rp", database="db", duration=2 * D, replication=1),
     "CREATE RETENTION POLICY rp ON db DURATION 2d REPLICATION 1"),
    (CreateRetentionPolicyStatement(name="rp", database="db", duration=0, replication=3,
                                    shard_group_duration=H, default=True),
     "CREATE RETENTION POLICY rp ON db DURATION 0s REPLICATION 3 SHARD DURATION 1h DEFAULT"),
    (AlterRetentionPolicyStatement(name="default", database="db", default=True),
     'ALTER RETENTION POLICY "default" ON db DEFAULT'),
    (AlterRetentionPolicyStatement(name="rp", database="db", duration=W, replication=2,
                                   shard_group_duration=0),
     "ALTER RETENTION POLICY rp ON db DURATION 1w REPLICATION 2 SHARD DURATION 0s"),
    (AlterRetentionPolicyStatement(name="rp", database="db"), "ALTER RETENTION POLICY rp ON db"),
    (CreateContinuousQueryStatement(
        name="cq", database="db",
        source=select(fields=[Field(expr=Call(name="count", args=[ref("value")]))],
                      target=Target(measurement=Measurement(name="cpu_1h", is_target=True)),
                      dimensions=[Dimension(expr=Call(name="time", args=[DurationLiteral(val=H)]))])),
     "CREATE CONTINUOUS QUERY cq ON db BEGIN SELECT count(value) INTO cpu_1h FROM cpu GROUP BY time(1h) END"),
    (CreateContinuousQueryStatement(name="cq", database="db", source=COPY_CPU, resample_every=5 * M),
     "CREATE CONTINUOUS QUERY cq ON db RESAMPLE EVERY 5m BEGIN SELECT value INTO copy FROM cpu END"),
    (CreateContinuousQueryStatement(name="cq", database="db", source=COPY_CPU, resample_for=2 * H),
     "CREATE CONTINUOUS QUERY cq ON db RESAMPLE FOR 2h BEGIN SELECT value INTO copy FROM cpu END"),
    (CreateContinuousQueryStatement(name="c q", database="d b", source=COPY_CPU, resample_every=M,
                                    resample_for=90 * M),
     'CREATE CONTINUOUS QUERY "c q" ON "d b" RESAMPLE EVERY 1m FOR 90m '
     "BEGIN SELECT value INTO copy FROM cpu END"),
    (CreateSubscriptionStatement(name="sub", database="db", retention_policy="rp", mode="ANY",
                                 destinations=["udp://h1:9093", "udp://h'2"]),
     "CREATE SUBSCRIPTION sub ON db.rp DESTINATIONS ANY 'udp://h1:9093', 'udp://h\\'2'"),
    (CreateUserStatement(name="jdoe", password="secret"), "CREATE USER jdoe WITH PASSWORD [REDACTED]"),
    (CreateUserStatement(name="admin", password="x", admin=True),
     "CREATE USER admin WITH PASSWORD [REDACTED] WITH ALL PRIVILEGES"),
    (SetPasswordUserStatement(name="jdoe", password="pw"), "SET PASSWORD FOR jdoe = [REDACTED]"),
    (GrantStatement(privilege=Privilege.ReadPrivilege, on="db", user="jdoe"), "GRANT READ ON db TO jdoe"),
    (GrantStatement(privilege=Privilege.WritePrivilege, on="db", user="jdoe"), "GRANT WRITE ON db TO jdoe"),
    (GrantStatement(privilege=Privilege.AllPrivileges, on="db", user="jdoe"),
     "GRANT ALL PRIVILEGES ON db TO jdoe"),
    (GrantStatement(privilege=Privilege.NoPrivileges, on="db", user="jdoe"),
     "GRANT NO PRIVILEGES ON db TO jdoe"),
    (GrantAdminStatement(user="jdoe"), "GRANT ALL PRIVILEGES TO jdoe"),
    (RevokeStatement(privilege=Privilege.ReadPrivilege, on="db", user="user"),
     'REVOKE READ ON db FROM "user"'),
    (RevokeAdminStatement(user="jdoe"), "REVOKE ALL PRIVILEGES FROM jdoe"),
    (KillQueryStatement(query_id=42), "KILL QUERY 42"),
    (KillQueryStatement(query_id=42, host="node-1"), 'KILL QUERY 42 ON "node-1"'),
])
def test_statement_str(stmt, expected: str) -> None:
    assert str(stmt) == expected


@pytest.mark.parametrize(("stmt", "expected"), [
    (ShowContinuousQueriesStatement(), "SHOW CONTINUOUS QUERIES"),
    (ShowDatabasesStatement(), "SHOW DATABASES"),
    (ShowQueriesStatement(), "SHOW QUERIES"),
    (ShowShardGroupsStatement(), "SHOW SHARD GROUPS"),
    (ShowShardsStatement(), "SHOW SHARDS"),
    (ShowSubscriptionsStatement(), "SHOW SUBSCRIPTIONS"),
    (ShowUsersStatement(), "SHOW USERS"),
    (ShowGrantsForUserStatement(name="jdoe"), "SHOW GRANTS FOR jdoe"),
    (ShowRetentionPoliciesStatement(), "SHOW RETENTION POLICIES"),
    (ShowRetentionPoliciesStatement(database="my db"), 'SHOW RETENTION POLICIES ON "my db"'),
    (ShowStatsStatement(), "SHOW STATS"),
    (ShowStatsStatement(module="httpd"), "SHOW STATS FOR 'httpd'"),
    (ShowDiagnosticsStatement(), "SHOW DIAGNOSTICS"),
    (ShowDiagnosticsStatement(module="build"), "SHOW DIAGNOSTICS FOR 'build'"),
    (ShowSeriesStatement(), "SHOW SERIES"),
    (ShowSeriesStatement(database="db", sources=[m("cpu")], condition=HOST_A,
                         sort_fields=[SortField(name="time", ascending=True)], limit=10, offset=5),
     "SHOW SERIES ON db FROM cpu WHERE host = 'hosta.influxdb.org' ORDER BY time ASC LIMIT 10 OFFSET 5"),
    (ShowMeasurementsStatement(), "SHOW MEASUREMENTS"),
    # Go leaves this ON database unquoted, unlike every other statement.
    (ShowMeasurementsStatement(database="my db"), "SHOW MEASUREMENTS ON my db"),
    (ShowMeasurementsStatement(source=m("cpu")), "SHOW MEASUREMENTS WITH MEASUREMENT = cpu"),
    (ShowMeasurementsStatement(source=m(regex="cpu.*"), condition=HOST_A, limit=2, offset=1),
     "SHOW MEASUREMENTS WITH MEASUREMENT =~ /cpu.*/ WHERE host = 'hosta.influxdb.org' LIMIT 2 OFFSET 1"),
    (ShowMeasurementsStatement(database="db", source=m("cpu", database="db", retention_policy="rp"),
                               sort_fields=[SortField(name="time", ascending=False)]),
     "SHOW MEASUREMENTS ON db WITH MEASUREMENT = db.rp.cpu ORDER BY time DESC"),
    (ShowTagKeysStatement(), "SHOW TAG KEYS"),
    (ShowTagKeysStatement(database="db", sources=[m("cpu")], condition=HOST_A, limit=1, offset=2, slimit=3,
                          soffset=4),
     "SHOW TAG KEYS ON db FROM cpu WHERE host = 'hosta.influxdb.org' LIMIT 1 OFFSET 2 SLIMIT 3 SOFFSET 4"),
    (ShowTagValuesStatement(op="=", tag_key_expr=StringLiteral(val="host")),
     "SHOW TAG VALUES WITH KEY = host"),
    (ShowTagValuesStatement(op="!=", tag_key_expr=StringLiteral(val="my key")),
     'SHOW TAG VALUES WITH KEY != "my key"'),
    (ShowTagValuesStatement(database="db", sources=[m("cpu")], op="IN",
                            tag_key_expr=ListLiteral(vals=["host", "region"]), condition=HOST_A,
                            sort_fields=[SortField(name="time", ascending=True)], limit=5, offset=6),
     "SHOW TAG VALUES ON db FROM cpu WITH KEY IN (host, region) WHERE host = 'hosta.influxdb.org' "
     "ORDER BY time ASC LIMIT 5 OFFSET 6"),
    (ShowTagValuesStatement(op="=~", tag_key_expr=RegexLiteral(val="ho.*")),
     "SHOW TAG VALUES WITH KEY =~ /ho.*/"),
    (ShowFieldKeysStatement(), "SHOW FIELD KEYS"),
    (ShowFieldKeysStatement(database="db", sources=[m("cpu")], sort_fields=[SortField(name="time")], limit=3,
                            offset=1),
     "SHOW FIELD KEYS ON db FROM cpu ORDER BY time DESC LIMIT 3 OFFSET 1"),
])
def test_show_str(stmt, expected: str) -> None:
    assert str(stmt) == expected


GROUP_BY_HOST = [Dimension(expr=ref("host"))]


@pytest.mark.parametrize(("stmt", "expected"), [
    (ShowSeriesCardinalityStatement(), "SHOW SERIES CARDINALITY"),
    (ShowSeriesCardinalityStatement(exact=True, database="db", sources=[m("cpu")], condition=HOST_A,
                                    dimensions=GROUP_BY_HOST, limit=1, offset=2),
     "SHOW SERIES EXACT CARDINALITY ON db FROM cpu WHERE host = 'hosta.influxdb.org' GROUP BY host "
     "LIMIT 1 OFFSET 2"),
    (ShowMeasurementCardinalityStatement(), "SHOW MEASUREMENT CARDINALITY"),
    (ShowMeasurementCardinalityStatement(exact=True, database="db", dimensions=GROUP_BY_HOST),
     "SHOW MEASUREMENT EXACT CARDINALITY ON db GROUP BY host"),
    (ShowTagKeyCardinalityStatement(), "SHOW TAG KEY CARDINALITY"),
    (ShowTagKeyCardinalityStatement(exact=True, sources=[m(regex="c")], limit=7),
     "SHOW TAG KEY EXACT CARDINALITY FROM /c/ LIMIT 7"),
    (ShowFieldKeyCardinalityStatement(), "SHOW FIELD KEY CARDINALITY"),
    (ShowFieldKeyCardinalityStatement(exact=True, database="db", offset=3),
     "SHOW FIELD KEY EXACT CARDINALITY ON db OFFSET 3"),
    (ShowTagValuesCardinalityStatement(op="=", tag_key_expr=StringLiteral(val="host")),
     "SHOW TAG VALUES CARDINALITY WITH KEY = host"),
    (ShowTagValuesCardinalityStatement(exact=True, database="db", sources=[m("cpu")], op="IN",
                                       tag_key_expr=ListLiteral(vals=["a", "b"]), condition=HOST_A,
                                       dimensions=GROUP_BY_HOST, limit=1, offset=2),
     "SHOW TAG VALUES EXACT CARDINALITY ON db FROM cpu WITH KEY IN (a, b) WHERE host = 'hosta.influxdb.org' "
     "GROUP BY host LIMIT 1 OFFSET 2"),
])
def test_cardinality_str(stmt, expected: str) -> None:
    assert str(stmt) == expected


# ----------------------------------------------------------------------------------- enums and helpers


def test_enums_match_go_numbering_and_text() -> None:
    assert [int(t) for t in DataType] == list(range(10))
    assert [str(t) for t in DataType] == ["unknown", "float", "integer", "string", "boolean", "time",
                                          "duration", "tag", "field", "unsigned"]
    assert DataType.from_string("field") is DataType.AnyField
    assert DataType.from_string("nope") is DataType.Unknown
    assert [str(p) for p in Privilege] == ["NO PRIVILEGES", "READ", "WRITE", "ALL PRIVILEGES"]
    assert [f.name for f in FillOption] == ["NullFill", "NoFill", "NumberFill", "PreviousFill", "LinearFill"]


@pytest.mark.parametrize(("expr", "name"), [
    (BinaryExpr(op="+", lhs=ref("value"), rhs=IntegerLiteral(val=1)), "value"),
    (BinaryExpr(op="/", lhs=ref("user"), rhs=ref("total")), "user_total"),
    (BinaryExpr(op="/", lhs=ParenExpr(expr=BinaryExpr(op="+", lhs=ref("user"), rhs=ref("total"))),
                rhs=ref("total")), "user_total_total"),
    (BinaryExpr(op="+", lhs=Call(name="max", args=[ref("a")]), rhs=ref("b")), "max_b"),
])
def test_binary_expr_name(expr: BinaryExpr, name: str) -> None:
    assert binary_expr_name(expr) == name


def test_field_names_and_select_helpers() -> None:
    assert Field(expr=ref("v"), alias="a").name() == "a"
    assert Field(expr=Call(name="mean", args=[ref("v")])).name() == "mean"
    assert Field(expr=ParenExpr(expr=ref("v"))).name() == "v"
    assert Field(expr=IntegerLiteral(val=1)).name() == ""
    assert select().time_ascending() is True
    assert select(sort_fields=[SortField(name="time", ascending=False)]).time_ascending() is False
    assert select().time_field_name() == "time"
    assert select(time_alias="ts").time_field_name() == "ts"
    assert Distinct(val="host").new_call() == Call(name="distinct", args=[ref("host")])
    assert StringLiteral(val="2000-01-01").is_time_literal()
    assert StringLiteral(val="2000-01-01T00:00:00Z").is_time_literal()
    assert not StringLiteral(val="2000-01-0").is_time_literal()


def test_nodes_compare_by_value() -> None:
    assert select() == select()
    assert select(limit=1) != select()
    assert ShowDatabasesStatement() == ShowDatabasesStatement()
    assert ShowDatabasesStatement() != ShowUsersStatement()
