"""Public entry points of the InfluxQL parser and Go-worded syntax errors.

Go's parser is recursive descent: when a token does not fit, every optional clause before it has already
been skipped and the error names what the next *required* piece could start with.  The LALR parser reaches
the same point by applying the reductions the failing state allows (skipping the optional clauses, and
running their actions, so the checks Go makes while building those nodes come first) until only shifts
remain; the tokens it could then shift are worded the way Go's parser words that context.  In statement and
expression mode that point is where Go's ``ParseStatement`` / ``ParseExpr`` simply stop reading.
"""

from __future__ import annotations

import functools
import threading
from types import SimpleNamespace

import ply.yacc as yacc

from chronus.influxql import ast
from chronus.influxql.grammar import ParseError, build
from chronus.influxql.lexer import KEYWORDS, OPERATORS, TOKEN_TEXT, TokenStream
from chronus.influxql.params import bind_params
from chronus.influxql.quoting import quote_ident

__all__ = ["ParseError", "parse_query", "parse_statement", "parse_expr"]

_PARSER = build()

# Identifier-like token kinds the lexer splits out; Go sees them all as IDENT.
_IDENT_LIKE = dict.fromkeys(("FILLID", "TZID", "CALLNAME", "FILLCALL", "TZCALL"), "IDENT")

_OPERAND = ["identifier", "string", "number", "bool"]
_STATEMENTS = ["SELECT", "DELETE", "SHOW", "CREATE", "DROP", "EXPLAIN", "GRANT", "REVOKE", "ALTER", "SET",
               "KILL"]
_SHOW = ["CONTINUOUS", "DATABASES", "DIAGNOSTICS", "FIELD", "GRANTS", "MEASUREMENT", "MEASUREMENTS",
         "QUERIES", "RETENTION", "SERIES", "SHARD", "SHARDS", "STATS", "SUBSCRIPTIONS", "TAG", "USERS"]
_CREATE = ["CONTINUOUS", "DATABASE", "USER", "RETENTION", "SUBSCRIPTION"]
_DROP = ["CONTINUOUS", "DATABASE", "MEASUREMENT", "RETENTION", "SERIES", "SHARD", "SUBSCRIPTION", "USER"]

# Go's expected-lists for contexts whose shiftable tokens are a set of their own.
_EXACT: dict[frozenset, list[str]] = {
    frozenset(_STATEMENTS): _STATEMENTS,
    frozenset(_SHOW): _SHOW,
    frozenset(_CREATE): _CREATE,
    frozenset(_DROP): _DROP,
    frozenset(("KEY", "KEYS")): ["KEY", "KEYS"],
    frozenset(("KEY", "KEYS", "VALUES")): ["KEY", "KEYS", "VALUES"],
    frozenset(("EXACT", "CARDINALITY")): ["EXACT", "CARDINALITY"],
    frozenset(("SEMICOLON", "EOF")): [";"],
    frozenset(("SEMICOLON",)): [";"],
    frozenset(("IDENT", "ASC", "DESC")): ["identifier", "ASC", "DESC"],
    frozenset(("DURATIONVAL", "INF")): ["duration"],
    frozenset(("DURATION", "REPLICATION", "SHARD", "NAME")): ["DURATION", "NAME", "REPLICATION", "SHARD"],
    frozenset(("DURATION", "REPLICATION", "SHARD", "DEFAULT")): ["DURATION", "REPLICATION", "SHARD",
                                                                 "DEFAULT"],
    frozenset(("READ", "WRITE", "ALL")): ["READ", "WRITE", "ALL [PRIVILEGES]"],
    frozenset(("ON", "TO", "PRIVILEGES")): ["ON", "TO"],
    frozenset(("ON", "TO")): ["ON", "TO"],
    frozenset(("ON", "FROM", "PRIVILEGES")): ["ON", "FROM"],
    frozenset(("ON", "FROM")): ["ON", "FROM"],
    frozenset(("FROM", "WHERE")): ["FROM", "WHERE"],
    frozenset(("ALL", "ANY")): ["ALL", "ANY"],
    frozenset(("EQ", "EQREGEX")): ["=", "=~"],
    frozenset(("IN", "EQ", "NEQ", "EQREGEX", "NEQREGEX")): ["IN", "=", "=~"],
    frozenset(("EVERY", "FOR")): ["EVERY", "FOR"],
    frozenset(("IDENT", "FIELD", "TAG")): ["float", "integer", "string", "boolean", "field", "tag"],
    frozenset(("FIELD", "TAG")): ["field", "tag"],
    frozenset(("NUMBER", "INTEGER", "DURATIONVAL", "LPAREN", "IDENT")): ["identifier", "number", "duration",
                                                                          "("],
    frozenset(("IDENT", "DEFAULT")): ["identifier"],
    frozenset(("IDENT", "COLON")): ["identifier"],
    frozenset(("ANALYZE", "SELECT")): ["SELECT"],
    frozenset(("IDENT", "REGEX", "LPAREN")): ["identifier"],
    frozenset(("IDENT", "REGEX")): ["identifier"],
    frozenset(("IDENT", "DOT")): ["identifier"],
    frozenset(("IDENT", "REGEX", "DOT")): ["identifier"],
    frozenset(("CARDINALITY", "ON", "FROM", "WHERE", "ORDER", "LIMIT", "OFFSET")): [";"],
    frozenset(("STRING", "BADSTRING", "BADESCAPE")): ["string"],
}

_WORDS = {"IDENT": "identifier", "STRING": "string", "INTEGER": "integer", "DURATIONVAL": "duration",
          "REGEX": "regex", "NUMBER": "number", "EOF": "EOF"}
_KEYWORD_SET = frozenset(KEYWORDS)


def _go_expected(kinds: set[str]) -> list[str]:
    """Word a set of shiftable token kinds the way Go's parser words that context."""
    kinds = {_IDENT_LIKE.get(k, k) for k in kinds} - {"BADREGEX", "BADSTRING", "BADESCAPE"}
    if frozenset(kinds) in _EXACT:
        return _EXACT[frozenset(kinds)]
    if kinds - _CONTINUATIONS and not {"IDENT", "STRING"} <= kinds:
        kinds -= _CONTINUATIONS
    if set(_STATEMENTS) <= kinds:
        return _STATEMENTS
    key = frozenset(kinds)
    if key in _EXACT:
        return _EXACT[key]
    if {"IDENT", "STRING", "NUMBER", "INTEGER"} <= kinds:
        return _OPERAND
    if len(kinds) == 1:
        (kind,) = kinds
        if kind in _WORDS:
            return [_WORDS[kind]]
        return [TOKEN_TEXT.get(kind, kind)]
    return [_WORDS.get(k, TOKEN_TEXT.get(k, k)) for k in sorted(kinds)]


# Empty productions Go takes only when the closing token is there (``f()``); else what follows is required.
_REQUIRED_AFTER_TERMINATOR_CHECK = frozenset(("call_args",))

# Tokens that only ever continue something optional; Go never lists them as expected.
_CONTINUATIONS = frozenset(("COMMA", "DOT", "DOUBLECOLON", "AS")) | OPERATORS


class _Finished(Exception):
    """``parse_statement`` / ``parse_expr`` stop at the first token that cannot continue what they read."""

    def __init__(self, value) -> None:
        super().__init__()
        self.value = value


# Symbols on the stack once one statement (expression) is complete in STATEMENT_MODE (EXPR_MODE).
_COMPLETE = (["STATEMENT_MODE", "statement"], ["EXPR_MODE", "expr"])


def _complete_optional_clauses(parser, stream: TokenStream) -> set[str]:
    """Finish, from the failing state, every clause that may end here; return what can be shifted then.

    The reductions run their real actions (with the offending token as lookahead): Go has built those nodes
    before it looks for the next required token, so a check made while building one (an ORDER BY field that
    is not time, a CQ without GROUP BY time(), a bad duration, ...) is the error Go reports.  Where a state
    reduces differently depending on the lookahead, the commonest reduction stands for "the clause ends".
    """
    states = list(parser.statestack)
    symbols = list(parser.symstack)
    for _ in range(500):
        actions = parser.action[states[-1]]
        reduces = [a for a in actions.values() if a < 0]
        if not reduces:
            if [s.type for s in symbols[-2:]] in _COMPLETE:
                raise _Finished(symbols[-1].value)
            return {k for k, a in actions.items() if a > 0 or k == "$end"}
        rule = max(set(reduces), key=reduces.count)
        prod = parser.productions[-rule]
        if prod.len == 0 and prod.name in _REQUIRED_AFTER_TERMINATOR_CHECK:
            return {k for k, a in actions.items() if a > 0}
        result = yacc.YaccSymbol()
        result.type, result.value = prod.name, None
        if prod.callable is not None:
            production = yacc.YaccProduction([result] + symbols[len(symbols) - prod.len:], symbols)
            production.lexer, production.parser = stream, parser
            prod.callable(production)
        if prod.len:
            del states[-prod.len:]
            del symbols[-prod.len:]
        symbols.append(result)
        states.append(parser.goto[states[-1]][prod.name])
    return set()


# The lexer calls a name glued to "(" a function name; where no call can start it is a plain name.
_PLAIN_NAME = {"CALLNAME": "IDENT", "FILLCALL": "FILLID", "TZCALL": "TZID"}


def _syntax_error(tok):
    if tok is None:  # cannot happen: every input ends with an EOF token
        raise ParseError("unexpected end of input")
    if tok.type == "SOURCE_WS":
        raise ParseError.unexpected(tok.found, ["regex"], tok.pos)
    stream = _STATE.stream
    plain = _PLAIN_NAME.get(tok.type)
    if plain and tok.found != "DISTINCT" and plain in _PARSER.action[_PARSER.statestack[-1]]:
        # a name glued to "(" where Go reads just a name: it is one there (the "(" is what is unexpected)
        stream.retype(tok, plain)
        _PARSER.errok()
        return tok
    names = _pending_name(_PARSER.symstack)  # Go refuses a long name as soon as it has read it
    if names is not None and len(names) > 3:
        raise ParseError.at(f"too many segments in {quote_ident(*names)}")
    if len(stream.tokens) > 1 and stream.tokens[-2].type == "DISTINCT" and not tok.spaced:
        raise ParseError.unexpected(tok.found, ["(", "identifier"], tok.pos)  # Go wants "(" or a space
    kinds = _complete_optional_clauses(_PARSER, stream)
    raise ParseError.unexpected(tok.found, _go_expected(kinds), tok.pos)


_PARSER.errorfunc = _syntax_error


def _pending_name(symbols: list) -> list[str] | None:
    """The dotted name on the parser's stack, with its last name when the parser had not folded it in yet
    (``segments dots IDENT``, waiting for a lookahead the error stopped)."""
    for i, symbol in enumerate(symbols):
        if symbol.type != "segments":
            continue
        names = list(symbol.value)
        rest = symbols[i + 1:i + 3]
        if len(rest) == 2 and rest[0].type in ("dots", "DOT") and rest[1].type in ("IDENT", "FILLID", "TZID",
                                                                                     "ident"):
            dots = rest[0].value if rest[0].type == "dots" else 1
            names += [""] * (dots - 1) + [str(rest[1].value)]
        return names
    return None


# What Go's strings.TrimSpace removes (influxd trims the query text before parsing it).
_GO_SPACE = " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"


# PLY keeps the parse stacks on the parser object (the error handler reads them): one parse at a time.
_LOCK = threading.Lock()
_STATE = SimpleNamespace(stream=None)


def go_trim_space(text: str) -> str:
    """Go's ``strings.TrimSpace``: Unicode white space only (Python's ``strip`` also removes \\x1c-\\x1f)."""
    return text.strip(_GO_SPACE)


def _run(mode: str, text: str, params: dict | None, trim: bool = False):
    if trim:
        text = go_trim_space(text)
    stream = TokenStream(text, bind_params(params), lead=mode)
    with _LOCK:
        _STATE.stream = stream
        try:
            return _PARSER.parse(lexer=stream)
        except _Finished as done:
            return done.value
        finally:
            _STATE.stream = None


def parse_query(text: str, params: dict | None = None, *, trim: bool = True) -> ast.Query:
    """Parse ``;``-separated statements as influxd's ``/query`` handler does; ``params`` is the decoded
    ``params`` JSON.

    The handler parses ``strings.TrimSpace(q)`` (so error positions count from the first non-blank character
    and an error at the end is reported right after the last one); ``trim=False`` is Go's bare
    ``ParseQuery`` on the text as given (what influxd does with a query uploaded as a multipart file).

    Dashboards send the same texts again and again: the trees of recent texts without parameters are
    kept, and each caller gets its own copy (execution fills in defaults), about 5x cheaper than parsing.
    """
    if params is not None or len(text) > _CACHED_TEXT:
        return _run("QUERY_MODE", text, params, trim)
    return ast.clone(_parsed(text, trim))


# Texts up to this long have their trees cached (``parse_query``).
_CACHED_TEXT = 4096


@functools.lru_cache(maxsize=512)
def _parsed(text: str, trim: bool) -> ast.Query:
    """The tree of ``text``, shared: callers copy it (errors are raised each time, never cached)."""
    tree = _run("QUERY_MODE", text, None, trim)
    tree.text = str(tree)
    return tree


def parse_statement(text: str, params: dict | None = None) -> ast.Statement:
    """Parse one statement (Go's ``ParseStatement``): what follows it (``;``, anything) is not read."""
    return _run("STATEMENT_MODE", text, params)


def parse_expr(text: str) -> ast.Expr:
    """Parse one expression (Go's ``ParseExpr``): what follows it is not read."""
    return _run("EXPR_MODE", text, None)
