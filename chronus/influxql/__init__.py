"""InfluxQL: the PLY lexer and grammar, the AST (``ast``), and Go-compatible parse errors."""

from chronus.influxql import ast
from chronus.influxql.ast import *  # noqa: F403  (the AST node classes are part of this package's API)
from chronus.influxql.parser import ParseError, parse_expr, parse_query, parse_statement

__all__ = ["ast", "ParseError", "parse_expr", "parse_query", "parse_statement"]
