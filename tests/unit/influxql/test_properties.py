"""Property tests tying the parser and the canonical rendering together.

(a) Round trip: for every tree the strategies draw, parsing its text gives back the same tree, and
    rendering that again gives the same text. The strategies only draw trees that String() can represent
    faithfully (see strategies.py for the few values Go itself cannot round-trip). The one deliberate
    difference between text and tree is the password of CREATE USER / SET PASSWORD, which String() redacts;
    there the statement is parsed from text with the real password (strategies.source_text) and the
    redacted str() forms are compared.
(b) Robustness: any token soup either parses or raises ParseError, never anything else.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from chronus.influxql import ParseError, ast, parse_expr, parse_query, parse_statement
from tests.unit.influxql import strategies

ROUND_TRIP = settings(max_examples=200, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SOUP = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@ROUND_TRIP
@given(strategies.statements)
def test_statement_round_trip(stmt: ast.Statement) -> None:
    parsed = parse_statement(strategies.source_text(stmt))
    assert str(parsed) == str(stmt)
    assert parsed == stmt


@ROUND_TRIP
@given(strategies.select_statements())
def test_select_round_trip(stmt: ast.SelectStatement) -> None:
    parsed = parse_statement(str(stmt))
    assert str(parsed) == str(stmt)
    assert parsed == stmt


@ROUND_TRIP
@given(strategies.queries)
def test_query_round_trip(query: ast.Query) -> None:
    text = ";\n".join(strategies.source_text(stmt) for stmt in query.statements)
    parsed = parse_query(text)
    assert str(parsed) == str(query)
    assert parsed == query


@ROUND_TRIP
@given(strategies.conditions)
def test_expression_round_trip(expr: ast.Expr) -> None:
    parsed = parse_expr(str(expr))
    assert str(parsed) == str(expr)
    assert parsed == expr


@SOUP
@given(strategies.token_soup, strategies.soup_params)
def test_token_soup_raises_only_parse_error(text: str, params: dict | None) -> None:
    try:
        query = parse_query(text, params)
    except ParseError as err:
        assert str(err)  # every parse error carries Go's message text
    else:
        assert isinstance(query, ast.Query)
