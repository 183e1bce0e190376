"""InfluxQL tokens, scanned with ``ply.lex`` the way influxql's scanner.go scans them.

Go's scanner is hand written and its parser asks for a regex only where one may appear; this module keeps
those semantics: a ``/`` starts a regex only when the previous token leaves the parser expecting one, an
identifier glued to ``(`` becomes a function name, and bound parameters are replaced by the token their
value stands for (as the Go parser's ``scan`` does).  Positions are Go's zero-based ``(line, char)``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from types import SimpleNamespace

import ply.lex as lex

from chronus.influxql.quoting import KEYWORD_TOKENS
from chronus.influxql.re2syntax import go_regex_error

KEYWORDS = KEYWORD_TOKENS

#: Lower-case word -> token type, as Go's ``Lookup`` (keywords plus AND, OR, TRUE, FALSE).
WORD_TOKENS = {k.lower(): k for k in KEYWORDS}
WORD_TOKENS.update({"and": "AND", "or": "OR", "true": "TRUE", "false": "FALSE"})

#: How Go's ``Token.String()`` spells the non-keyword tokens (used for "found X" in errors).
TOKEN_TEXT = {
    "ILLEGAL": "ILLEGAL", "EOF": "EOF", "IDENT": "IDENT", "NUMBER": "NUMBER", "DURATIONVAL": "DURATIONVAL",
    "STRING": "STRING", "BADSTRING": "BADSTRING", "BADESCAPE": "BADESCAPE", "TRUE": "TRUE", "FALSE": "FALSE",
    "REGEX": "REGEX", "BADREGEX": "", "INTEGER": "", "BOUNDPARAM": "",
    "ADD": "+", "SUB": "-", "MUL": "*", "DIV": "/", "MOD": "%", "BITWISE_AND": "&", "BITWISE_OR": "|",
    "BITWISE_XOR": "^", "AND": "AND", "OR": "OR", "EQ": "=", "NEQ": "!=", "EQREGEX": "=~", "NEQREGEX": "!~",
    "LT": "<", "LTE": "<=", "GT": ">", "GTE": ">=", "LPAREN": "(", "RPAREN": ")", "COMMA": ",", "COLON": ":",
    "DOUBLECOLON": "::", "SEMICOLON": ";", "DOT": ".",
}

#: Token types produced here beyond Go's: an identifier glued to "(" (a call), and the identifiers
#: ``fill`` / ``tz`` which the SELECT grammar treats as clauses.
EXTRA_TOKENS = ("CALLNAME", "FILLCALL", "TZCALL", "FILLID", "TZID", "PARAMREGEX", "EOF")

tokens = (
    "WS", "SOURCE_WS", "ILLEGAL", "IDENT", "BOUNDPARAM", "NUMBER", "INTEGER", "DURATIONVAL", "STRING",
    "BADSTRING", "BADESCAPE",
    "TRUE", "FALSE", "REGEX", "BADREGEX", "ADD", "SUB", "MUL", "DIV", "MOD", "BITWISE_AND", "BITWISE_OR",
    "BITWISE_XOR", "AND", "OR", "EQ", "NEQ", "EQREGEX", "NEQREGEX", "LT", "LTE", "GT", "GTE", "LPAREN",
    "RPAREN", "COMMA", "COLON", "DOUBLECOLON", "SEMICOLON", "DOT",
) + KEYWORDS + EXTRA_TOKENS

#: The lexer also knows quoted identifiers as a rule of their own; they come out as IDENT.
_LEXER_TOKENS = tokens + ("QUOTED_IDENT",)

#: Operator tokens in the order Go declares them (``Token.isOperator``).
OPERATORS = frozenset((
    "ADD", "SUB", "MUL", "DIV", "MOD", "BITWISE_AND", "BITWISE_OR", "BITWISE_XOR", "AND", "OR", "EQ", "NEQ",
    "EQREGEX", "NEQREGEX", "LT", "LTE", "GT", "GTE",
))

# A name, also one glued to "(" (the lexer's call names): in a FROM list Go reads it as a name all the same
_NAME_KINDS = frozenset(("IDENT", "CALLNAME", "FILLCALL", "TZCALL", "FILLID", "TZID"))
# Tokens after which Go's parser calls parseRegex (a "/" there starts a regex, elsewhere it divides).
_REGEX_AFTER = frozenset(("SELECT", "FROM", "BY", "COMMA", "EQREGEX", "NEQREGEX", "DOT", "CALL_LPAREN"))

_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")
_IDENT_CHARS = _LETTERS | _DIGITS | {"_"}
_STRING_ESCAPES = {"n": "\n", "\\": "\\", '"': '"', "'": "'"}


def _scan_quoted(text: str, start: int) -> tuple[str, str, int, int]:
    """Scan a quoted string whose opening quote is at ``start``, like Go's ``ScanString``.

    Returns (token type, literal, index of the error position, index after what was consumed).
    """
    quote = text[start]
    out: list[str] = []
    i = start + 1
    n = len(text)
    while True:
        if i >= n or text[i] == "\n":
            return "BADSTRING", "".join(out), start, min(i + 1, n)
        ch = text[i]
        if ch == quote:
            return "STRING", "".join(out), start, i + 1
        if ch == "\\":
            nxt = text[i + 1] if i + 1 < n else "\x00"  # Go's reader gives rune 0 at EOF
            if nxt in _STRING_ESCAPES:
                out.append(_STRING_ESCAPES[nxt])
                i += 2
                continue
            return "BADESCAPE", "\\" + nxt, min(i + 1, n), min(i + 2, n)
        out.append(ch)
        i += 1


def _scan_regex(text: str, start: int) -> tuple[str, str, int]:
    """Scan ``/.../`` from ``start`` like Go's ScanRegex: only ``\\/`` is unescaped, others pass through."""
    out: list[str] = []
    i = start + 1
    n = len(text)
    while True:
        if i >= n or text[i] == "\n":
            return "BADREGEX", "", min(i + 1, n)
        ch = text[i]
        if ch == "/":
            return "REGEX", "".join(out), i + 1
        if ch == "\\":
            if i + 1 >= n:
                return "BADREGEX", "", n
            if text[i + 1] == "/":
                out.append("/")
                i += 2
                continue
        out.append(ch)
        i += 1


def _scan_bare_ident(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in _IDENT_CHARS:
        i += 1
    return i


def _set(t: lex.LexToken, kind: str, value: str, end: int, error_at: int | None = None) -> lex.LexToken:
    t.type = kind
    t.value = value
    if error_at is not None:
        t.lexpos = error_at
    t.lexer.lexpos = end
    return t


# ---- ply.lex rules (functions first, in this order) -------------------------------------------------

def t_ignore_WS(t):
    r"[ \t\n]+"
    return None


def t_ignore_COMMENT(t):
    r"--[^\n]*"
    return None


def t_ignore_BLOCKCOMMENT(t):
    r"/\*"
    if getattr(t.lexer, "regex_ok", False):  # where Go expects a regex, "/*" starts one
        kind, lit, end = _scan_regex(t.lexer.lexdata, t.lexpos)
        return _set(t, kind, lit, end, t.lexpos - 1)
    end = t.lexer.lexdata.find("*/", t.lexpos + 2)
    if end < 0:
        return _set(t, "ILLEGAL", "", len(t.lexer.lexdata))
    t.lexer.lexpos = end + 2
    return None


def t_DIV(t):
    r"/"
    if getattr(t.lexer, "regex_ok", False):
        kind, lit, end = _scan_regex(t.lexer.lexdata, t.lexpos)
        return _set(t, kind, lit, end, t.lexpos - 1)
    return t


def t_QUOTED_IDENT(t):
    r'"'
    kind, lit, at, end = _scan_quoted(t.lexer.lexdata, t.lexpos)
    if kind == "BADSTRING":  # Go reports a bad string one character early (the reader's last rune)
        at -= 1
    return _set(t, "IDENT" if kind == "STRING" else kind, lit, end, at)


def t_STRING(t):
    r"'"
    kind, lit, at, end = _scan_quoted(t.lexer.lexdata, t.lexpos)
    if kind != "BADESCAPE":  # Go's position for a string is the character before its quote
        at -= 1
    return _set(t, kind, lit, end, at)


def t_IDENT(t):
    r"[A-Za-z_][A-Za-z0-9_]*"
    text = t.lexer.lexdata
    end = t.lexer.lexpos
    if end < len(text) and text[end] == '"':  # Go: a quoted part right after a bare one replaces it
        kind, lit, at, end2 = _scan_quoted(text, end)
        if kind == "BADSTRING":  # as for a quoted identifier: the character before the quote
            at -= 1
        if kind != "STRING":
            return _set(t, kind, lit, end2, at)
        return _set(t, "IDENT", lit, end2)
    word = WORD_TOKENS.get(t.value.lower())
    if word is not None:
        return _set(t, word, "", end)
    return t


def t_BOUNDPARAM(t):
    r"\$"
    text = t.lexer.lexdata
    i = t.lexer.lexpos
    end = _scan_bare_ident(text, i)
    if end < len(text) and text[end] == '"':  # a quoted part (right after "$" or a bare one) replaces it
        kind, lit, at, end = _scan_quoted(text, end)
        if kind != "STRING":
            return _set(t, kind, "$" + lit, end)
        return _set(t, "BOUNDPARAM", "$" + lit, end)
    return _set(t, "BOUNDPARAM", "$" + text[i:end], end)


def t_NUMBER(t):
    r"[0-9]+|\.[0-9]"
    text = t.lexer.lexdata
    n = len(text)
    i = t.lexpos
    while i < n and text[i] in _DIGITS:
        i += 1
    digits = text[t.lexpos:i]
    if i < n and text[i] == ".":
        i += 1
        if i < n and text[i] in _DIGITS:
            j = i
            while j < n and text[j] in _DIGITS:
                j += 1
            return _set(t, "NUMBER", digits + "." + text[i:j], j)
        return _set(t, "NUMBER", digits, i)  # Go drops a trailing "." without digits
    if i < n and (text[i] in _LETTERS or text[i] == "µ"):
        j = i
        while j < n and (text[j] in _LETTERS or text[j] == "µ"):
            j += 1
        while j < n and (text[j] in _LETTERS or text[j] == "µ" or text[j] in _DIGITS):
            j += 1
        return _set(t, "DURATIONVAL", text[t.lexpos:j], j)
    return _set(t, "INTEGER", digits, i)


t_DOUBLECOLON = r"::"
t_EQREGEX = r"=~"
t_NEQREGEX = r"!~"
t_NEQ = r"!=|<>"
t_LTE = r"<="
t_GTE = r">="
t_ADD = r"\+"
t_SUB = r"-"
t_MUL = r"\*"
t_MOD = r"%"
t_BITWISE_AND = r"&"
t_BITWISE_OR = r"\|"
t_BITWISE_XOR = r"\^"
t_EQ = r"="
t_LT = r"<"
t_GT = r">"
t_LPAREN = r"\("
t_RPAREN = r"\)"
t_COMMA = r","
t_COLON = r":"
t_SEMICOLON = r";"
t_DOT = r"\."


def t_error(t):
    t.type = "ILLEGAL"
    t.value = t.value[0]
    t.lexer.lexpos += 1
    return t


_LEXER = lex.lex(
    module=SimpleNamespace(tokens=_LEXER_TOKENS, __module__=__name__,
                           **{k: v for k, v in globals().items() if k.startswith("t_")}),
    optimize=False,
)


class ParseError(Exception):
    """An InfluxQL parse error; ``str()`` is exactly what Go's error's ``Error()`` returns."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text

    @classmethod
    def unexpected(cls, found: str, expected: list[str], pos: tuple[int, int]) -> ParseError:
        """Go's ``newParseError``: ``found X, expected A, B at line L, char C``."""
        return cls(f"found {found}, expected {', '.join(expected)} at line {pos[0] + 1}, char {pos[1] + 1}")

    @classmethod
    def at(cls, message: str, pos: tuple[int, int] = (0, 0)) -> ParseError:
        """A ``ParseError`` with a message (Go adds the position, line 1 char 1 when it has none)."""
        return cls(f"{message} at line {pos[0] + 1}, char {pos[1] + 1}")


def go_regex_problem(pattern: str) -> str:
    """Go's ``regexp.Compile`` error text for ``pattern`` ("" when Go accepts it)."""
    return go_regex_error(pattern)


# ---- the token stream the grammar reads ----------------------------------------------------------------

@dataclass
class Token:
    """One scanned token: PLY type, Go literal, Go position and the text Go prints as "found"."""

    type: str
    value: object
    lexpos: int
    line: int
    char: int
    found: str
    lineno: int = 0
    spaced: bool = False  # whitespace or a comment comes right before it

    @property
    def pos(self) -> tuple[int, int]:
        return (self.line, self.char)


def normalize_newlines(text: str) -> str:
    """Go's reader turns "\\r\\n" and a lone "\\r" into "\\n" before anything else sees them."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def found_text(kind: str, lit: str) -> str:
    """Go's ``tokstr``: the literal when there is one, else the token's name (Go's scanner gives ``<>`` no
    literal: it is NEQ, named ``!=``)."""
    if lit and kind != "NEQ":
        return lit
    return TOKEN_TEXT.get(kind, kind)


_IDENT_KINDS = {"FILLID": "IDENT", "TZID": "IDENT"}

# Go reads "." and "::" with a plain Scan (whitespace is a token there): with whitespace before them they
# do not continue a name, so they get token types of their own that the grammar never shifts.
_GLUED = {"DOT": "SPACED_DOT", "DOUBLECOLON": "SPACED_DOUBLECOLON"}
# Tokens that end a GROUP BY clause.
_AFTER_DIMENSIONS = frozenset(("FILLCALL", "FILLID", "TZCALL", "TZID", "ORDER", "LIMIT", "OFFSET", "SLIMIT",
                               "SOFFSET", "SEMICOLON", "END", "FROM", "SELECT"))
_PLAIN_LISTS = frozenset(("IN", "DESTINATIONS", "ORDER"))
_PLAIN_LIST_ITEMS = frozenset(("IDENT", "FILLID", "TZID", "COMMA", "ASC", "DESC", "STRING", "LPAREN", "BY",
                               "ALL", "ANY"))


class TokenStream:
    """Feeds tokens to the grammar, one at a time, as Go's parser would see them.

    ``params`` are bound values (see ``params.py``): a ``$name`` whose value is known becomes the token
    type the value stands for.
    """

    def __init__(self, text: str, params: dict | None = None, lead: str | None = None) -> None:
        self.text = normalize_newlines(text)
        self.params = params or {}
        self._lexer = _LEXER.clone()
        self._lexer.input(self.text)
        self._line_starts = [0] + [i + 1 for i, ch in enumerate(self.text) if ch == "\n"]
        self._prev: list[str] = []
        self._lead = lead
        self.mode = lead  # the grammar's start token: QUERY_MODE, STATEMENT_MODE or EXPR_MODE
        self._peeked: Token | None = None
        self._dimensions_depth: int | None = None  # paren depth inside a GROUP BY clause (None: not in one)
        self._regex_dimension = False  # the previous token was a regex dimension
        self._done = False
        self.last: Token | None = None
        self.tokens: list[Token] = []
        self._last_raw = None
        self._source_segments = -1  # name segments of the FROM source being read; -1: not in a FROM list
        self._history: list[str] = []
        self._statement_head = ""  # the first token of the statement being read
        self._prev_end = 0  # where the previous token ended (whitespace or a comment may follow it)
        self._plain_list = False  # inside a list of names or strings (no regex after its commas)
        self._sort_fields = False  # inside ORDER BY's fields (Go scans them without asking for a regex)
        self._paren_depth = 0
        self._subquery_parens: list[int] = []  # paren depths at which a FROM subquery opened

    def position(self, index: int) -> tuple[int, int]:
        if index < 0:
            return (0, 0)
        line = bisect.bisect_right(self._line_starts, index) - 1
        return line, index - self._line_starts[line]

    def _make(self, kind: str, value: object, lexpos: int, found: str) -> Token:
        line, char = self.position(lexpos)
        return Token(kind, value, lexpos, line, char, found)

    def token(self) -> Token | None:
        """The next token for PLY (None after EOF)."""
        if self._lead is not None:
            lead, self._lead = self._lead, None
            return self._make(lead, "", 0, "")
        if self._peeked is not None:
            tok, self._peeked = self._peeked, None
            return tok
        if self._done:
            return None
        return self._read()

    def _read(self) -> Token:
        tok = self._next()
        self.last = tok
        self.tokens.append(tok)
        return tok

    def peek(self) -> Token:
        """The token after the last one handed out (an action whose state did not read one needs it)."""
        if self._peeked is None:
            if self.tokens and self.tokens[-1].type == "EOF":
                return self.tokens[-1]
            self._peeked = self._read()
        return self._peeked

    def retype(self, tok: Token, kind: str) -> None:
        """The parser reads ``tok`` (the latest token) as ``kind`` after all."""
        tok.type = kind
        if self._prev:
            self._prev[-1] = kind
        if self._history:
            self._history[-1] = _IDENT_KINDS.get(kind, kind)

    def rewound_token(self) -> Token:
        """The token Go reports after backing its scanner up over the lookahead and the one before it.

        Go's scanner remembers the last three raw tokens, whitespace included; from the oldest of them it
        reads on to the first that is not whitespace.
        """
        lookahead, last = self.tokens[-1], self.tokens[-2]
        if lookahead.spaced or last.spaced or len(self.tokens) < 3:
            return last
        return self.tokens[-3]

    def lookahead(self) -> Token:
        """The most recently read token: while an action runs, the token after what it reduced."""
        return self.tokens[-1]

    def next_position(self) -> tuple[int, int]:
        """Where the lookahead token starts."""
        return self.tokens[-1].pos

    def _next(self) -> Token:
        lexer = self._lexer
        prev = self._prev[-1] if self._prev else ""
        prev2 = self._prev[-2] if len(self._prev) > 1 else ""
        lexer.regex_ok = (prev in _REGEX_AFTER or (prev == "EQ" and prev2 == "MEASUREMENT")) and not (
            (prev == "COMMA" and self._plain_list)
            or (prev in ("BY", "COMMA") and self._sort_fields)
            # after "name." Go peeks at the very next character: a regex only if it is a "/", only in a
            # source, and only while it has fewer than three segments (a name's "." ends it before "/")
            or (prev == "DOT" and (self._whitespace_at(lexer.lexpos) or not 0 <= self._source_segments < 3
                                   or self._history[-5:-1] == ["SUBSCRIPTION", "IDENT", "ON", "IDENT"])))
        special = self._significant_whitespace(prev)
        if special is not None:
            return special
        raw = lexer.token()
        if raw is None:
            self._done = True
            # Go peeked for a regex (or, after a name's ".", for one more name) and read EOF once already
            name_dot = prev == "DOT" and self._history[-5:-1] != ["SUBSCRIPTION", "IDENT", "ON", "IDENT"]
            peeked = 1 if lexer.regex_ok or name_dot else 0
            eof = self._make("EOF", "", len(self.text) + max(peeked, self._eof_shift()), "EOF")
            eof.spaced = len(self.text) > self._prev_end
            return eof
        self._last_raw = raw
        kind, lit = raw.type, raw.value
        spaced = raw.lexpos > self._prev_end  # whitespace or a comment before this token
        self._prev_end = lexer.lexpos
        if spaced and kind in _GLUED:
            kind = _GLUED[kind]
        if kind == "BOUNDPARAM":
            kind, lit = self._bind(lit)
            if kind == "REGEX" and not lexer.regex_ok:
                kind = "PARAMREGEX"  # a bound regex where Go reads an ordinary value
        found = found_text(kind, lit if isinstance(lit, str) else "")
        if kind in ("REGEX", "PARAMREGEX"):  # Go compiles a regex as soon as it reads one
            problem = go_regex_problem(lit)
            if problem:
                raise ParseError.at(problem, self.position(raw.lexpos))
        elif kind == "BADREGEX":
            raise ParseError.at("bad regex: ", self.position(raw.lexpos))
        if (prev in _NAME_KINDS and self._source_segments in (1, 2) and not spaced and kind != "DOT"
                and self.text.startswith("/", lexer.lexpos)):
            # Go's parser looks for a regex after a source of one or two names by peeking at the character
            # after the token it read past the name (and put back): a "/" there makes it read that token
            # again as the regex
            raise ParseError.unexpected(found, ["regex"], self.position(raw.lexpos))
        if kind == "IDENT":
            kind = self._classify_ident(lit, lexer)
        elif kind == "DISTINCT" and self._glued_paren(lexer):
            kind, lit = "CALLNAME", "distinct"
        kind = self._track_dimensions(kind, prev, spaced)
        before = (self._prev, self._history, self._plain_list, self._sort_fields)
        record = kind
        if kind == "LPAREN" and prev in ("CALLNAME", "FILLCALL", "TZCALL"):
            record = "CALL_LPAREN"
        self._prev = [prev, record]
        self._history = self._history[-4:] + [_IDENT_KINDS.get(kind, kind)]
        if kind in _PLAIN_LISTS:
            self._plain_list = True
        elif kind not in _PLAIN_LIST_ITEMS:
            self._plain_list = False
        self._sort_fields = (kind == "BY" and prev == "ORDER") or (
            self._sort_fields and kind in ("IDENT", "ASC", "DESC", "COMMA"))
        if prev in ("", "SEMICOLON", "QUERY_MODE", "STATEMENT_MODE", "EXPR_MODE"):
            self._statement_head = kind
        self._track_sources(kind)
        ends_name = self.text.startswith("/", lexer.lexpos) and not 0 <= self._source_segments < 3
        if kind == "DOT" and (prev in _NAME_KINDS or prev == "DOT") and (
                ends_name or self.text.startswith("::", lexer.lexpos)):
            # Go's name reader stops at a "." followed by "/" or "::" and drops the "."; only a source of
            # fewer than three names then reads a regex, elsewhere the "/" divides (and "::" casts). After
            # "..", the name it read last is the empty one between the dots.
            self._prev, self._history, self._plain_list, self._sort_fields = before
            self._source_segments = -1
            if prev != "DOT":
                return self._next()
            self._prev = [prev, "IDENT"]
            self._history = self._history[-4:] + ["IDENT"]
            kind, lit, found = "IDENT", "", ""
        tok = self._make(kind, lit, raw.lexpos, found)
        tok.spaced = spaced
        return tok

    def _track_dimensions(self, kind: str, prev: str, spaced: bool) -> str:
        """Go reads the comma after a regex dimension with a plain Scan: a space before it ends GROUP BY."""
        after_regex, self._regex_dimension = self._regex_dimension, False
        depth = self._dimensions_depth
        if kind == "BY" and prev == "GROUP":
            depth = 0
        elif depth is not None:
            if kind == "LPAREN":
                depth += 1
            elif kind == "RPAREN":
                depth = depth - 1 if depth else None
            elif kind == "REGEX" and depth == 0 and prev in ("BY", "COMMA"):
                self._regex_dimension = True
            elif kind in _AFTER_DIMENSIONS:
                depth = None
        self._dimensions_depth = depth
        return "SPACED_COMMA" if kind == "COMMA" and after_regex and spaced else kind

    def _eof_shift(self) -> int:
        """Go reads EOF twice (so reports it one character later) after an identifier or a keyword."""
        raw = self._last_raw
        if raw is None:
            return 0
        tail = self.text[raw.lexpos:].rstrip(" \t\n")
        after = self.text[self._prev_end:].lstrip(" \t\n")
        if self.text[raw.lexpos:] != tail or tail.startswith("--") or after.startswith("--"):
            return 1  # trailing whitespace or a line comment (also right after the last token) read up to EOF
        bare_word = raw.type in WORD_TOKENS.values() or raw.type == "BOUNDPARAM"
        if (bare_word or raw.type == "IDENT") and self.text.endswith(tuple(_IDENT_CHARS)):
            return 1
        return 0

    def _whitespace_at(self, index: int) -> str:
        end = index
        while end < len(self.text) and self.text[end] in " \t\n":
            end += 1
        return self.text[index:end]

    def _significant_whitespace(self, prev: str) -> Token | None:
        """Whitespace where Go's parser reads it as a token: after "::", and between a source name and "/"."""
        index = self._lexer.lexpos
        ws = self._whitespace_at(index)
        if not ws:
            return None
        after = self.text[index + len(ws):index + len(ws) + 1]
        if prev == "DOUBLECOLON" or self._history[-4:] == ["SUBSCRIPTION", "IDENT", "ON", "IDENT"]:
            kind = "WS"
        elif after == "/" and prev == "IDENT" and self._source_segments in (1, 2):
            kind = "SOURCE_WS"
        else:
            return None
        self._lexer.lexpos = index + len(ws)
        self._prev = [prev, kind]
        return self._make(kind, ws, index, ws)

    def _track_sources(self, kind: str) -> None:
        """Count the name segments of the FROM source being read (Go tries a regex after one or two)."""
        if kind == "LPAREN":
            self._paren_depth += 1
            if self._source_segments == 0:  # a subquery source
                self._subquery_parens.append(self._paren_depth)
        elif kind == "RPAREN":
            closes = bool(self._subquery_parens) and self._subquery_parens[-1] == self._paren_depth
            self._paren_depth = max(self._paren_depth - 1, 0)
            if closes:
                self._subquery_parens.pop()
                self._source_segments = -2  # the subquery ends the source; a comma may start the next one
                return
        new_source = (kind == "FROM" and self._statement_head != "REVOKE"  # REVOKE ... FROM names a user
                      or kind == "COMMA" and self._source_segments != -1)
        if new_source:
            self._source_segments = 0
        elif kind in ("EQ", "EQREGEX") and self._history[-2:-1] == ["MEASUREMENT"]:
            self._source_segments = 0  # WITH MEASUREMENT = <source>
        elif kind in _NAME_KINDS and self._source_segments >= 0:
            self._source_segments += 1
        elif kind == "DOT" and self._history[-2:-1] == ["DOT"] and self._source_segments >= 0:
            self._source_segments += 1  # "db..m": the empty middle segment counts
        elif kind == "REGEX" and self._source_segments >= 0:
            self._source_segments = -2  # a regex ends the source; a comma may start the next one
        elif kind != "DOT":
            self._source_segments = -1

    def _glued_paren(self, lexer) -> bool:
        return lexer.lexpos < len(self.text) and self.text[lexer.lexpos] == "("

    def _classify_ident(self, lit: str, lexer) -> str:
        low = lit.lower()
        if self._glued_paren(lexer):
            return {"fill": "FILLCALL", "tz": "TZCALL"}.get(low, "CALLNAME")
        return {"fill": "FILLID", "tz": "TZID"}.get(low, "IDENT")

    def _bind(self, lit: str) -> tuple[str, str]:
        """Go's ``Parser.scan``: a known non-empty parameter becomes its value's token."""
        name = lit[1:]
        if name and name in self.params:
            value = self.params[name]
            return value.token_type, value.value
        return "BOUNDPARAM", lit


# ---- duration literals ------------------------------------------------------------------------------

_UNIT_NS = {"u": 1_000, "µ": 1_000, "s": 1_000_000_000, "h": 3_600_000_000_000, "d": 86_400_000_000_000,
            "w": 604_800_000_000_000}
_INT64_MAX = (1 << 63) - 1


class DurationError(ValueError):
    """A duration literal Go's ``ParseDuration`` rejects; ``str()`` is Go's message."""


def _wrap_int64(v: int) -> int:
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >> 63 else v


def parse_duration(text: str) -> int:
    """Nanoseconds of an InfluxQL duration (``1h30m``, ``10u``, ``5ms``, ``-1d``), as Go's ParseDuration."""
    if len(text) < 2:
        raise DurationError("invalid duration")
    i = 0
    negative = text[0] == "-"
    if negative:
        i = 1
    total = 0
    measure, unit = 0, ""
    n = len(text)
    while i < n:
        start = i
        while i < n and text[i] in _DIGITS:
            i += 1
        if i >= n or i == start:
            raise DurationError("invalid duration")
        measure = int(text[start:i])
        if measure > _INT64_MAX:
            raise DurationError("invalid duration")
        unit = text[i]
        if unit in ("n", "m") and i + 1 < n and text[i + 1] == "s":
            unit = text[i:i + 2]
            total = _wrap_int64(total + measure * (1 if unit == "ns" else 1_000_000))
            i += 2
            continue
        if unit == "n":
            raise DurationError("invalid duration")
        if unit == "m":
            total = _wrap_int64(total + _wrap_int64(measure * 60_000_000_000))
        elif unit in _UNIT_NS:
            total = _wrap_int64(total + _wrap_int64(measure * _UNIT_NS[unit]))
        else:
            raise DurationError("invalid duration")
        i += 1
    if total < 0 and not negative:
        raise DurationError(f"overflowed duration {measure}{unit}: choose a smaller duration or INF")
    return -total if negative else total

