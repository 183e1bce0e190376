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


def test_clone_is_a_deep_copy_of_every_recorded_statement() -> None:
    """``ast.clone`` (what the cache hands out) gives what ``copy.deepcopy`` gives, over every statement
    influxd's parser was recorded on, and no node or list of the copy is the original's."""
    import copy
    import json
    from pathlib import Path

    from chronus.influxql import ast

    def nodes(value, seen: list) -> list:
        if isinstance(value, list):
            seen.append(value)
            for item in value:
                nodes(item, seen)
        elif isinstance(value, ast.Node):
            seen.append(value)
            for item in value.__dict__.values():
                nodes(item, seen)
        return seen

    golden = Path(__file__).resolve().parents[2] / "golden" / "influxql" / "parser.jsonl"
    checked = 0
    for line in golden.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["kind"] != "statement":
            continue
        try:
            tree = parse_query(entry["q"], trim=True)
        except ParseError:  # (bound parameters the recording passed separately)
            continue
        copied = ast.clone(tree)
        assert copied == copy.deepcopy(tree) and str(copied) == str(tree)
        originals = {id(n) for n in nodes(tree, [])}
        assert not originals & {id(n) for n in nodes(copied, [])}
        checked += 1
    assert checked > 500
