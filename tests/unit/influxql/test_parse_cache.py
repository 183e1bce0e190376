"""Parsed trees are cached per text: each caller gets a tree of its own, errors are raised every time."""

from __future__ import annotations

import pytest

from chronus.influxql import parse_query
from chronus.influxql.grammar import ParseError


def test_each_caller_gets_its_own_tree() -> None:
    text = "SELECT mean(v) FROM cpu WHERE time > now() - 1h GROUP BY time(1m)"
    first = parse_query(text)
    first.statements[0].sources[0].database = "filled-in"
    second = parse_query(text)
    assert second.statements[0].sources[0].database == ""
    assert second.statements[0] is not first.statements[0]
    assert str(second) == str(parse_query(text))


def test_errors_are_raised_each_time() -> None:
    for _ in range(2):
        with pytest.raises(ParseError, match="found EOF, expected FROM"):
            parse_query("SELECT v")
