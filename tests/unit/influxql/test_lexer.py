"""The InfluxQL token stream against influxql's scanner semantics (scanner_test.go)."""

from __future__ import annotations

import pytest

from chronus.influxql.lexer import ParseError, TokenStream, parse_duration
from chronus.influxql.params import bind_params


def scan(text: str, params: dict | None = None) -> list[tuple[str, object, tuple[int, int]]]:
    stream = TokenStream(text, bind_params(params))
    out = []
    while (tok := stream.token()) is not None:
        out.append((tok.type, tok.value, tok.pos))
    return out


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("foo", "IDENT", "foo"),
        ("_foo_9", "IDENT", "_foo_9"),
        ('"foo\\"bar"', "IDENT", 'foo"bar'),
        ('"foo\\\\bar"', "IDENT", "foo\\bar"),
        ("'it\\'s'", "STRING", "it's"),
        ("'a\\nb'", "STRING", "a\nb"),
        ("100", "INTEGER", "100"),
        ("100.25", "NUMBER", "100.25"),
        (".5", "NUMBER", ".5"),
        ("10s", "DURATIONVAL", "10s"),
        ("1h30m", "DURATIONVAL", "1h30m"),
        ("5µ", "DURATIONVAL", "5µ"),
        ("$host", "BOUNDPARAM", "$host"),
        ('$"my param"', "BOUNDPARAM", "$my param"),
        ("SeLeCt", "SELECT", ""),
        ("true", "TRUE", ""),
        ("AND", "AND", ""),
        ("=~", "EQREGEX", "=~"),
        ("<>", "NEQ", "<>"),
        ("::", "DOUBLECOLON", "::"),
        ("#", "ILLEGAL", "#"),
        ("'unterminated", "BADSTRING", "unterminated"),
        ("'bad \\q escape'", "BADESCAPE", "\\q"),
    ],
)
def test_single_tokens(text: str, kind: str, value: str) -> None:
    tokens = scan(text)
    assert tokens[0][:2] == (kind, value)
    assert tokens[-1][0] == "EOF"


def test_statement_tokens_and_positions() -> None:
    assert scan("SELECT mean(v) FROM m\nWHERE x =~ /a\\/b/") == [
        ("SELECT", "", (0, 0)),
        ("CALLNAME", "mean", (0, 7)),
        ("LPAREN", "(", (0, 11)),
        ("IDENT", "v", (0, 12)),
        ("RPAREN", ")", (0, 13)),
        ("FROM", "", (0, 15)),
        ("IDENT", "m", (0, 20)),
        ("WHERE", "", (1, 0)),
        ("IDENT", "x", (1, 6)),
        ("EQREGEX", "=~", (1, 8)),
        ("REGEX", "a/b", (1, 10)),
        ("EOF", "", (1, 17)),
    ]


def test_slash_divides_after_an_operand_and_starts_a_regex_after_from() -> None:
    assert [t[0] for t in scan("SELECT a / 2 FROM /cpu.*/")] == [
        "SELECT",
        "IDENT",
        "DIV",
        "INTEGER",
        "FROM",
        "REGEX",
        "EOF",
    ]


def test_comments_are_skipped() -> None:
    assert [t[0] for t in scan("SELECT -- note\n a /* x */ FROM m")] == [
        "SELECT",
        "IDENT",
        "FROM",
        "IDENT",
        "EOF",
    ]


def test_crlf_counts_as_one_newline() -> None:
    assert scan("a\r\nb")[1] == ("IDENT", "b", (1, 0))


def test_bound_parameters_become_their_tokens() -> None:
    assert [
        t[:2] for t in scan("$a $b $c $d", {"a": 1, "b": {"identifier": "x"}, "c": {"regex": "^x"}, "d": 1.5})
    ] == [("INTEGER", "1"), ("IDENT", "x"), ("PARAMREGEX", "^x"), ("NUMBER", "1.5"), ("EOF", "")]
    # where Go's parser reads a regex (after SELECT, FROM, BY, ",", "=~", ...) a bound regex is a REGEX
    assert [t[0] for t in scan("SELECT $c", {"c": {"regex": "^x"}})] == ["SELECT", "REGEX", "EOF"]


def test_fill_and_tz_idents_are_told_apart() -> None:
    assert [t[0] for t in scan("fill(0) fill tz('UTC') tz")][:-1] == [
        "FILLCALL",
        "LPAREN",
        "INTEGER",
        "RPAREN",
        "FILLID",
        "TZCALL",
        "LPAREN",
        "STRING",
        "RPAREN",
        "TZID",
    ]


def test_bad_regex_is_reported_where_go_reports_it() -> None:
    with pytest.raises(ParseError) as info:
        scan("SELECT a FROM /[/")
    assert str(info.value) == "error parsing regexp: missing closing ]: `[` at line 1, char 14"


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("1ns", 1),
        ("2u", 2_000),
        ("2µ", 2_000),
        ("3ms", 3_000_000),
        ("4s", 4_000_000_000),
        ("5m", 300_000_000_000),
        ("6h", 21_600_000_000_000),
        ("7d", 604_800_000_000_000),
        ("1w", 604_800_000_000_000),
        ("1h30m", 5_400_000_000_000),
        ("-1s", -1_000_000_000),
    ],
)
def test_parse_duration(text: str, ns: int) -> None:
    assert parse_duration(text) == ns


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1", "invalid duration"),
        ("10x", "invalid duration"),
        ("1n", "invalid duration"),
        (
            "9223372036854775807h",
            "overflowed duration 9223372036854775807h: choose a smaller duration or INF",
        ),
    ],
)
def test_parse_duration_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_duration(text)
    assert str(info.value) == message
