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


# ---- divergences from Go found by differential runs (each expectation is what influxql 1.1.0 answers) ----

OPERAND = "identifier, string, number, bool"
STATEMENTS = "SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL"


def test_query_text_is_trimmed_like_the_http_handler() -> None:
    """influxd's /query parses strings.TrimSpace(q); ``trim=False`` is Go's bare ParseQuery."""
    cases = [
        ("SELECT ", f"found EOF, expected {OPERAND} at line 1, char 8",
         f"found EOF, expected {OPERAND} at line 1, char 9"),
        ("  x", f"found x, expected {STATEMENTS} at line 1, char 1",
         f"found x, expected {STATEMENTS} at line 1, char 3"),
        ('SHOW USERS "b ', "found b, expected ; at line 1, char 11",
         "found b , expected ; at line 1, char 11"),
        ("SELECT a FROM m WHERE x ' ", "found BADSTRING, expected ; at line 1, char 24",
         "found  , expected ; at line 1, char 24"),
    ]
    for text, trimmed, raw in cases:
        with pytest.raises(ParseError) as info:
            parse_query(text)
        assert str(info.value) == trimmed
        with pytest.raises(ParseError) as info:
            parse_query(text, trim=False)
        assert str(info.value) == raw


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # RESAMPLE needs EVERY or FOR (a zero duration counts as missing; Go names the next token)
        ("CREATE CONTINUOUS QUERY c ON d RESAMPLE", "found EOF, expected EVERY, FOR at line 1, char 41"),
        ("CREATE CONTINUOUS QUERY c ON d RESAMPLE EVE", "found EVE, expected EVERY, FOR at line 1, char 41"),
        ("CREATE CONTINUOUS QUERY c ON d RESAMPLE FOR 0s BEGIN",
         "found BEGIN, expected EVERY, FOR at line 1, char 48"),
        # the CQ's GROUP BY time() check comes as soon as the SELECT ends, before END is looked for; Go backs
        # its scanner up two raw tokens (whitespace counts) from the lookahead
        ("CREATE CONTINUOUS QUERY c ON d BEGIN SELECT count(x) INTO y FROM z",
         "found z, expected GROUP BY time(...) at line 1, char 66"),
        ("CREATE CONTINUOUS QUERY c ON d BEGIN SELECT count(x) INTO y FROM db..z",
         "found ., expected GROUP BY time(...) at line 1, char 69"),
        ("CREATE CONTINUOUS QUERY c ON d BEGIN SELECT count(x) INTO y FROM z GROUP BY time(1m) x",
         "found x, expected END at line 1, char 86"),
        # fill(...) and tz(...) are read as whole expressions, then must be bare calls
        ("SELECT a FROM m fill(none) + 1", "fill must be a function call"),
        ("SELECT a FROM m tz('UTC') + 1", "tz must be a function call"),
        ("SELECT a FROM m fill(none) OR",
         f"found EOF, expected {OPERAND} at line 1, char 31"),
        ("SELECT a FROM m fill(1) = 2 +",
         f"found EOF, expected {OPERAND} at line 1, char 30"),
        ("SELECT a FROM m fill.", "found EOF, expected identifier at line 1, char 23"),
        ("SELECT a FROM m fill::integer", "fill must be a function call"),
        ("SELECT a FROM m tz", "tz must be a function call"),
        # a regex is a whole field, dimension or call argument (no operator may follow it)
        ("SELECT a FROM m GROUP BY /a/ /b/", "found /, expected ; at line 1, char 30"),
        ("SELECT a FROM m GROUP BY /a/ , b", "found ,, expected ; at line 1, char 30"),
        ("SELECT /re/ + 1 FROM m", "found +, expected FROM at line 1, char 13"),
        ("SELECT count(a, /x/ + 1) FROM m", "found +, expected ) at line 1, char 21"),
        ("SELECT a FROM m WHERE a = /x/", f"found /, expected {OPERAND} at line 1, char 27"),
        # "." and "::" must follow a name directly; after "name." only a "/" right there starts a regex
        ("SELECT a .b FROM m", "found ., expected FROM at line 1, char 10"),
        ("SELECT a. .b FROM m", "found ., expected identifier at line 1, char 11"),
        ("SELECT a ::field FROM m", "found ::, expected FROM at line 1, char 10"),
        ("SELECT * ::field FROM m", "found ::, expected FROM at line 1, char 10"),
        ("SELECT a FROM db. /x/", "found /, expected identifier at line 1, char 19"),
        ("SELECT a FROM db ./x/", "found ., expected ; at line 1, char 18"),
        # DISTINCT wants "(" or whitespace right after it
        ("SELECT DISTINCT", "found EOF, expected (, identifier at line 1, char 17"),
        ("SELECT DISTINCT,x FROM m", "found ,, expected (, identifier at line 1, char 16"),
        ("SELECT DISTINCT (x) FROM m", "found (, expected identifier at line 1, char 17"),
        # a check made while a clause is built beats a syntax error on the token after it
        ("SELECT a FROM m ORDER BY x 'y'", "only ORDER BY time supported at this time"),
        ("CREATE DATABASE d WITH DURATION 17m2 'x'", "invalid duration at line 1, char 33"),
        ("SELECT a = 1 AS",
         "invalid operator = in SELECT clause at line 1, char 8; operator is intended for WHERE clause"),
        ("DELETE FROM db.rp.m WHERE x =", "retention policy not supported at line 1, char 1"),
        ("DROP SERIES FROM db.rp.m WHERE x =", "retention policy not supported at line 1, char 1"),
        # a name glued to "(" is a plain name where no call can start
        ("SHOW GRANTS FOR tz('UTC')", "found (, expected ; at line 1, char 19"),
        ("DROP DATABASE foo(1)", "found (, expected ; at line 1, char 18"),
        # scanner details: a quoted part replaces a bare one (also after "$"), EOF reads as rune 0
        ('$x"ms"', f"found $ms, expected {STATEMENTS} at line 1, char 1"),
        ('SHOW USERS a"b', "found b, expected ; at line 1, char 12"),
        ('ALTER RETENTION POLICY "a\\', "found \\\x00, expected identifier at line 1, char 27"),
        # Go's whitespace quirk between a source name and its regex, wherever a source is parsed
        ("SHOW MEASUREMENTS WITH MEASUREMENT = c /x/", "found  , expected regex at line 1, char 39"),
        ("DROP SERIES FROM /a/, b /c/", "found  , expected regex at line 1, char 24"),
        ("SELECT a FROM db..m /x/", "found /, expected ; at line 1, char 21"),  # 3 segments: no regex tried
        ("REVOKE READ ON d FROM u /x/", "found /, expected ; at line 1, char 25"),
    ],
)
def test_go_error_order_and_wording(text: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_query(text)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("a{2,1}", "invalid repeat count: `{2,1}`"),
        ("a{1001}", "invalid repeat count: `{1001}`"),
        ("(a{100}){100}", "invalid repeat count: `{100}`"),
        ("\\8", "invalid escape sequence: `\\8`"),
        ("\\Z", "invalid escape sequence: `\\Z`"),
        ("\\x{zz}", "invalid escape sequence: `\\x{z`"),
        ("[z-a]", "invalid character class range: `z-a`"),
        ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
        ("\\p{Foo}", "invalid character class range: `\\p{Foo}`"),
        ("(?<n>x)", "invalid or unsupported Perl syntax: `(?<`"),
        ("(?i x)", "invalid or unsupported Perl syntax: `(?i `"),
        ("(?P<n!>x)", "invalid named capture: `(?P<n!>`"),
        ("a**", "invalid nested repetition operator: `**`"),
        ("*a", "missing argument to repetition operator: `*`"),
        ("(a", "missing closing ): `(a`"),
        ("a)", "unexpected ): `a)`"),
        ("[a", "missing closing ]: `[a`"),
        ("\\pL\\p{Greek}[\\d-z]\\Q*+\\E(?i:x)(?P<name>y){2,3}?", None),
    ],
)
def test_regex_checked_as_go_regexp_compiles(pattern: str, message: str | None) -> None:
    text = f"SELECT a FROM /{pattern}/"
    if message is None:
        assert str(parse_query(text).statements[0]) == text
        return
    with pytest.raises(ParseError) as info:
        parse_query(text)
    assert str(info.value) == f"error parsing regexp: {message} at line 1, char 14"


def test_regex_operand_takes_tighter_operators() -> None:
    """Go puts ``/x/ + 1`` on the right of ``=~`` (the regex then is an ordinary operand)."""
    assert parse_expr("a =~ /x/ + 1 AND b") == ast.BinaryExpr(
        op="AND",
        lhs=ast.BinaryExpr(
            op="=~",
            lhs=ast.VarRef(val="a"),
            rhs=ast.BinaryExpr(op="+", lhs=ast.RegexLiteral(val="x"), rhs=ast.IntegerLiteral(val=1)),
        ),
        rhs=ast.VarRef(val="b"),
    )


def test_bound_regex_is_a_value_only_where_go_reads_one() -> None:
    params = {"re": {"regex": "^c"}}
    stmt = parse_statement("SELECT a FROM m WHERE a = $re", params)
    assert stmt.condition == ast.BinaryExpr(op="=", lhs=ast.VarRef(val="a"), rhs=ast.RegexLiteral(val="^c"))
    with pytest.raises(ParseError) as info:
        parse_query("SELECT $re + 1 FROM m", params)
    assert str(info.value) == "found +, expected FROM at line 1, char 12"


def test_statement_and_expression_end_where_go_stops_reading() -> None:
    """Go's ParseStatement / ParseExpr return at the first token that cannot continue; the rest is unread."""
    assert str(parse_statement("SHOW DATABASES garbage")) == "SHOW DATABASES"
    assert str(parse_statement("SHOW DATABASES; SHOW USERS")) == "SHOW DATABASES"
    assert str(parse_statement("SELECT a FROM m fill(none) x y")) == "SELECT a FROM m fill(none)"
    assert str(parse_expr("a = 1 garbage")) == "a = 1"
    with pytest.raises(ParseError) as info:
        parse_statement("SELECT a FROM m,")
    assert str(info.value) == "found EOF, expected identifier at line 1, char 18"
    with pytest.raises(ParseError) as info:
        parse_statement("SELECT a FROM m ORDER BY x y")
    assert str(info.value) == "only ORDER BY time supported at this time"


def test_keywords_have_one_source() -> None:
    from chronus.influxql import lexer, quoting

    assert lexer.KEYWORDS is quoting.KEYWORD_TOKENS
    assert {w for w in lexer.WORD_TOKENS} == quoting.KEYWORDS
