"""The InfluxQL parser: ASTs, canonical text and Go's exact error messages (cases from parser_test.go)."""

from __future__ import annotations

import pytest

from chronus.influxql import ParseError, ast, grammar, parse_expr, parse_query, parse_statement, parsetab


def test_committed_tables_match_the_grammar() -> None:
    assert parsetab._lr_signature == grammar.table_signature()


def test_select_ast() -> None:
    stmt = parse_statement(
        "SELECT mean(value) AS m FROM db.rp.cpu WHERE host = 'a' GROUP BY time(10s), host "
        "fill(0) ORDER BY time DESC LIMIT 5 OFFSET 1 SLIMIT 2 SOFFSET 3 tz('UTC')"
    )
    assert stmt == ast.SelectStatement(
        fields=[ast.Field(expr=ast.Call(name="mean", args=[ast.VarRef(val="value")]), alias="m")],
        sources=[ast.Measurement(database="db", retention_policy="rp", name="cpu")],
        condition=ast.BinaryExpr(op="=", lhs=ast.VarRef(val="host"), rhs=ast.StringLiteral(val="a")),
        dimensions=[
            ast.Dimension(expr=ast.Call(name="time", args=[ast.DurationLiteral(val=10_000_000_000)])),
            ast.Dimension(expr=ast.VarRef(val="host")),
        ],
        fill=ast.FillOption.NumberFill,
        fill_value=0,
        sort_fields=[ast.SortField(name="time", ascending=False)],
        limit=5,
        offset=1,
        slimit=2,
        soffset=3,
        location="UTC",
        is_raw_query=False,
    )


def test_raw_query_flag_and_wildcards() -> None:
    stmt = parse_statement("SELECT *::tag, *::field, value::float FROM cpu")
    assert stmt.is_raw_query is True
    assert [f.expr for f in stmt.fields] == [
        ast.Wildcard(type="TAG"),
        ast.Wildcard(type="FIELD"),
        ast.VarRef(val="value", type=ast.DataType.Float),
    ]


def test_precedence_and_unary_minus() -> None:
    assert parse_expr("1 + 2 * 3 - -a") == ast.BinaryExpr(
        op="-",
        lhs=ast.BinaryExpr(
            op="+",
            lhs=ast.IntegerLiteral(val=1),
            rhs=ast.BinaryExpr(op="*", lhs=ast.IntegerLiteral(val=2), rhs=ast.IntegerLiteral(val=3)),
        ),
        rhs=ast.BinaryExpr(op="*", lhs=ast.IntegerLiteral(val=-1), rhs=ast.VarRef(val="a")),
    )
    assert parse_expr("a = 1 OR b = 2 AND c =~ /x/") == ast.BinaryExpr(
        op="OR",
        lhs=ast.BinaryExpr(op="=", lhs=ast.VarRef(val="a"), rhs=ast.IntegerLiteral(val=1)),
        rhs=ast.BinaryExpr(
            op="AND",
            lhs=ast.BinaryExpr(op="=", lhs=ast.VarRef(val="b"), rhs=ast.IntegerLiteral(val=2)),
            rhs=ast.BinaryExpr(op="=~", lhs=ast.VarRef(val="c"), rhs=ast.RegexLiteral(val="x")),
        ),
    )


def test_integer_limits() -> None:
    assert parse_expr("9223372036854775808") == ast.UnsignedLiteral(val=9223372036854775808)
    assert parse_expr("-9223372036854775808") == ast.IntegerLiteral(val=-9223372036854775808)


def test_statements_separated_by_semicolons() -> None:
    query = parse_query(";SHOW DATABASES;; SHOW USERS;")
    assert query.statements == [ast.ShowDatabasesStatement(), ast.ShowUsersStatement()]
    assert parse_query("").statements == []


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("select value from cpu", "SELECT value FROM cpu"),
        ("SELECT * FROM db..cpu", "SELECT * FROM db..cpu"),
        ("SELECT * FROM /^c/", "SELECT * FROM /^c/"),
        ("SELECT * FROM (SELECT max(v) FROM m)", "SELECT * FROM (SELECT max(v) FROM m)"),
        (
            "SELECT mean(v) INTO db.rp.:MEASUREMENT FROM /.*/ GROUP BY time(1h)",
            "SELECT mean(v) INTO db.rp.:MEASUREMENT FROM /.*/ GROUP BY time(1h)",
        ),
        ("DELETE FROM cpu WHERE time < now()", "DELETE FROM cpu WHERE time < now()"),
        ("DROP SERIES WHERE host = 'a'", "DROP SERIES WHERE host = 'a'"),
        ("DROP SHARD 5", "DROP SHARD 5"),
        (
            "CREATE RETENTION POLICY rp ON db DURATION INF REPLICATION 1 DEFAULT",
            "CREATE RETENTION POLICY rp ON db DURATION 0s REPLICATION 1 DEFAULT",
        ),
        (
            "ALTER RETENTION POLICY rp ON db DEFAULT DURATION 1h",
            "ALTER RETENTION POLICY rp ON db DURATION 1h DEFAULT",
        ),
        (
            "CREATE USER u WITH PASSWORD 'p' WITH ALL PRIVILEGES",
            "CREATE USER u WITH PASSWORD [REDACTED] WITH ALL PRIVILEGES",
        ),
        ("GRANT ALL ON db TO u", "GRANT ALL PRIVILEGES ON db TO u"),
        ("REVOKE ALL PRIVILEGES FROM u", "REVOKE ALL PRIVILEGES FROM u"),
        ("KILL QUERY 12 ON host1", "KILL QUERY 12 ON host1"),
        ("SHOW TAG VALUES WITH KEY IN (a, b)", "SHOW TAG VALUES WITH KEY IN (a, b)"),
        ("SHOW MEASUREMENTS WITH MEASUREMENT =~ /c.*/", "SHOW MEASUREMENTS WITH MEASUREMENT =~ /c.*/"),
        ("SHOW SERIES EXACT", "SHOW SERIES"),
        ("EXPLAIN ANALYZE SELECT v FROM m", "EXPLAIN ANALYZE SELECT v FROM m"),
    ],
)
def test_canonical_text(text: str, canonical: str) -> None:
    assert str(parse_statement(text)) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", None),
        ("SELECT", "found EOF, expected identifier, string, number, bool at line 1, char 8"),
        ("SELECT FROM", "found FROM, expected identifier, string, number, bool at line 1, char 8"),
        ("SELECT field1 X", "found X, expected FROM at line 1, char 15"),
        ("SELECT field1 FROM myseries GROUP", "found EOF, expected BY at line 1, char 35"),
        ("SELECT field1 FROM myseries ORDER BY value", "only ORDER BY time supported at this time"),
        ("SELECT count(value) FROM cpu fill(foo)", "expected number argument in fill()"),
        (
            "SELECT value = 1 FROM cpu",
            "invalid operator = in SELECT clause at line 1, char 8; operator is intended for WHERE clause",
        ),
        ("SELECT value FROM cpu LIMIT", "found EOF, expected integer at line 1, char 29"),
        ("DELETE", "found EOF, expected FROM, WHERE at line 1, char 8"),
        ("DELETE FROM db.rp.cpu", "retention policy not supported at line 1, char 1"),
        (
            "SHOW",
            "found EOF, expected CONTINUOUS, DATABASES, DIAGNOSTICS, FIELD, GRANTS, MEASUREMENT, "
            "MEASUREMENTS, QUERIES, RETENTION, SERIES, SHARD, SHARDS, STATS, SUBSCRIPTIONS, TAG, USERS "
            "at line 1, char 6",
        ),
        (
            "foo",
            "found foo, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, SET, "
            "KILL at line 1, char 1",
        ),
        ("SHOW DATABASES SHOW USERS", "found SHOW, expected ; at line 1, char 16"),
        (
            "ALTER RETENTION POLICY rp ON db DURATION 1h DURATION 2h",
            "found duplicate DURATION option at line 1, char 45",
        ),
        (
            "CREATE RETENTION POLICY rp ON db DURATION 1h REPLICATION 0",
            "invalid value 0: must be 1 <= n <= 2147483647 at line 1, char 58",
        ),
        (
            "CREATE RETENTION POLICY rp ON db DURATION 1h REPLICATION 1 SHARD DURATION INF",
            "invalid duration INF for shard duration at line 1, char 75",
        ),
        ("GRANT READ TO u", "found TO, expected ON at line 1, char 12"),
        ("SELECT value FROM db...cpu", 'too many segments in "db"...cpu at line 1, char 1'),
        ("SELECT * FROM cpu WHERE a = $x", "missing parameter: x"),
        ("SELECT * FROM cpu WHERE time > now() - 10x", "invalid duration"),
        (
            "SELECT * FROM cpu WHERE x = -18446744073709551615",
            "constant -18446744073709551615 underflows int64",
        ),
        ("SELECT v FROM m tz('Nowhere/City')", "unable to find time zone Nowhere/City"),
    ],
)
def test_errors(text: str, message: str | None) -> None:
    if message is None:
        parse_query(text)
        return
    with pytest.raises(ParseError) as info:
        parse_query(text)
    assert str(info.value) == message


def test_bound_parameters() -> None:
    stmt = parse_statement(
        "SELECT * FROM $m WHERE host = $h AND t > now() - $d",
        {"m": {"identifier": "cpu"}, "h": "a", "d": {"duration": 3_600_000_000_000}},
    )
    assert str(stmt) == "SELECT * FROM cpu WHERE host = 'a' AND t > now() - 1h"
    with pytest.raises(ParseError) as info:
        parse_query("SELECT * FROM cpu WHERE a = $v", {"v": None})
    assert str(info.value) == "missing parameter: unable to bind parameter with type <nil>"


def test_continuous_query_checks() -> None:
    with pytest.raises(ParseError) as info:
        parse_query("CREATE CONTINUOUS QUERY cq ON db BEGIN SELECT mean(v) INTO m2 FROM cpu END")
    assert str(info.value) == "found cpu, expected GROUP BY time(...) at line 1, char 68"
    stmt = parse_statement(
        "CREATE CONTINUOUS QUERY cq ON db RESAMPLE EVERY 1m FOR 1h BEGIN "
        "SELECT mean(v) INTO m2 FROM cpu GROUP BY time(10m) END"
    )
    assert (stmt.resample_every, stmt.resample_for) == (60_000_000_000, 3_600_000_000_000)
