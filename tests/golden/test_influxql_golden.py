"""Chronus's InfluxQL parser against answers recorded from the real influxd 1.6.7.

The answers (tests/golden/influxql/parser.jsonl) come from ``python tools/record_golden.py influxql``, which
sends every corpus query as a user without privileges, so influxd replies with one of:

- ``statement``: 403 ``... not authorized to execute statement '<String()>' ...`` -> the query parses and
  ``str()`` of its first statement is exactly that text (every multi-statement entry starts with a statement
  that needs a privilege, which the coverage test below checks);
- ``parse_error``: 400 ``error parsing query: ...`` -> ``parse_query`` raises ``ParseError`` with that text;
- ``answer``: the statement ran (it needs no privilege) -> the query parses into exactly as many statements
  as the answer has results.

No server is needed here.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from chronus.influxql import ParseError, parse_query

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "influxql" / "parser.jsonl"
CORPUS = HERE / "influxql" / "corpus.txt"
RECORDER = HERE.parent.parent / "tools" / "record_golden.py"

RECORDS = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line]


def load_recorder():
    """The recorder module, so the corpus is read by the one function that reads it."""
    spec = importlib.util.spec_from_file_location("record_golden", RECORDER)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it is being executed
    spec.loader.exec_module(module)
    return module


def bound_params(record: dict) -> dict | None:
    """The ``params`` form value as the HTTP layer hands it to the parser (JSON-decoded)."""
    return json.loads(record["params"]) if "params" in record else None


@pytest.mark.parametrize("record", RECORDS, ids=[r["id"] for r in RECORDS])
def test_parser_matches_influxd(record: dict) -> None:
    q, params, kind = record["q"], bound_params(record), record["kind"]
    if kind == "parse_error":
        with pytest.raises(ParseError) as info:
            parse_query(q, params)
        assert "error parsing query: " + str(info.value) == record["error"], q
    elif kind == "statement":
        query = parse_query(q, params)
        assert len(query.statements) >= 1, q
        assert str(query.statements[0]) == record["statement"], q
    elif kind == "answer":
        query = parse_query(q, params)
        assert len(query.statements) == len(record["body"].get("results", [])), q
    else:
        pytest.fail(f"unexpected golden kind {kind!r} for {q!r}")


# Canonical statement beginnings that must each be recorded at least once (String() of a valid statement).
REQUIRED_STATEMENT_PREFIXES = [
    "SELECT ", "DELETE FROM ", "DELETE WHERE ", "DROP SERIES FROM ", "DROP SERIES WHERE ",
    "DROP MEASUREMENT ", "DROP SHARD ", "DROP DATABASE ", "DROP RETENTION POLICY ", "DROP CONTINUOUS QUERY ",
    "DROP USER ",
    "DROP SUBSCRIPTION ", "CREATE DATABASE ", "CREATE RETENTION POLICY ", "ALTER RETENTION POLICY ",
    "CREATE CONTINUOUS QUERY ", "CREATE USER ", "SET PASSWORD FOR ", "GRANT ", "REVOKE ",
    "CREATE SUBSCRIPTION ", "KILL QUERY ", "EXPLAIN SELECT ", "EXPLAIN ANALYZE SELECT ", "SHOW MEASUREMENTS",
    "SHOW SERIES", "SHOW TAG KEYS", "SHOW TAG VALUES", "SHOW FIELD KEYS", "SHOW RETENTION POLICIES",
    "SHOW SHARDS", "SHOW SHARD GROUPS", "SHOW CONTINUOUS QUERIES", "SHOW USERS", "SHOW GRANTS FOR ",
    "SHOW QUERIES", "SHOW STATS", "SHOW DIAGNOSTICS", "SHOW SUBSCRIPTIONS", "SHOW SERIES CARDINALITY",
    "SHOW SERIES EXACT CARDINALITY", "SHOW MEASUREMENT CARDINALITY", "SHOW MEASUREMENT EXACT CARDINALITY",
    "SHOW TAG KEY CARDINALITY", "SHOW TAG KEY EXACT CARDINALITY", "SHOW TAG VALUES CARDINALITY",
    "SHOW TAG VALUES EXACT CARDINALITY", "SHOW FIELD KEY CARDINALITY", "SHOW FIELD KEY EXACT CARDINALITY",
]

# Every statement kind must also have recorded syntax errors (first keyword of the query).
REQUIRED_ERROR_KEYWORDS = ["SELECT", "DELETE", "DROP", "CREATE", "ALTER", "SET", "GRANT", "REVOKE", "KILL",
                           "EXPLAIN", "SHOW"]


def test_corpus_size_and_coverage() -> None:
    kinds = [r["kind"] for r in RECORDS]
    assert len(RECORDS) >= 300
    assert kinds.count("parse_error") >= 100
    assert set(kinds) <= {"statement", "parse_error", "answer"}
    statements = [r["statement"] for r in RECORDS if r["kind"] == "statement"]
    missing = [p for p in REQUIRED_STATEMENT_PREFIXES if not any(s.startswith(p) for s in statements)]
    assert missing == []
    errors = [r["q"] for r in RECORDS if r["kind"] == "parse_error" and r["q"].strip()]
    error_words = {q.split()[0].upper() for q in errors}
    assert [w for w in REQUIRED_ERROR_KEYWORDS if w not in error_words] == []
    assert any("params" in r for r in RECORDS if r["kind"] == "statement")
    assert any("params" in r for r in RECORDS if r["kind"] == "parse_error")


def test_denied_statement_is_the_first_one() -> None:
    """SHOW DATABASES needs no privilege: a 403 for a query starting with it would name a later statement."""
    for r in RECORDS:
        if r["kind"] == "statement":
            assert not r["q"].lstrip().upper().startswith("SHOW DATABASES"), r["q"]


def test_golden_file_matches_corpus() -> None:
    """The recorded answers are for exactly the current corpus, in order (re-record after editing it)."""
    entries = load_recorder().read_corpus(CORPUS)
    recorded = [(r["id"], r["q"], r.get("params")) for r in RECORDS]
    assert recorded == [(e.id, e.q, e.params) for e in entries]
