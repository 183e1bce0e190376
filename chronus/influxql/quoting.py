"""Quoting and value formatting exactly as InfluxQL renders them.

InfluxDB shows statements back to users (SHOW CONTINUOUS QUERIES, authorization errors, EXPLAIN), so every
identifier, string, duration, number and time must come out byte-for-byte as influxql 1.1.0 writes it.
These helpers hold those rules in one place for ast.py and anything else that builds InfluxQL text.
"""

from __future__ import annotations

import datetime
import decimal
import math

#: Go's keyword tokens (token.go), by token name; the lexer makes its keyword tokens from this list.
KEYWORD_TOKENS = (
    "ALL", "ALTER", "ANALYZE", "ANY", "AS", "ASC", "BEGIN", "BY", "CARDINALITY", "CREATE", "CONTINUOUS",
    "DATABASE", "DATABASES", "DEFAULT", "DELETE", "DESC", "DESTINATIONS", "DIAGNOSTICS", "DISTINCT", "DROP",
    "DURATION", "END", "EVERY", "EXACT", "EXPLAIN", "FIELD", "FOR", "FROM", "GRANT", "GRANTS", "GROUP",
    "GROUPS", "IN", "INF", "INSERT", "INTO", "KEY", "KEYS", "KILL", "LIMIT", "MEASUREMENT", "MEASUREMENTS",
    "NAME", "OFFSET", "ON", "ORDER", "PASSWORD", "POLICY", "POLICIES", "PRIVILEGES", "QUERIES", "QUERY",
    "READ", "REPLICATION", "RESAMPLE", "RETENTION", "REVOKE", "SELECT", "SERIES", "SET", "SHOW", "SHARD",
    "SHARDS", "SLIMIT", "SOFFSET", "STATS", "SUBSCRIPTION", "SUBSCRIPTIONS", "TAG", "TO", "USER", "USERS",
    "VALUES", "WHERE", "WITH", "WRITE",
)

# Every word the scanner turns into a token other than an identifier (case-insensitively): the keywords and
# AND/OR/TRUE/FALSE. An identifier spelled like one of these must be double-quoted to be read back.
KEYWORDS: frozenset[str] = frozenset(k.lower() for k in KEYWORD_TOKENS) | {"and", "or", "true", "false"}

NANOSECOND = 1
MICROSECOND = 1000 * NANOSECOND
MILLISECOND = 1000 * MICROSECOND
SECOND = 1000 * MILLISECOND
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY

# Only these three characters are escaped; everything else (tabs, unicode, ...) is written as is.
_STRING_ESCAPES = str.maketrans({"\n": "\\n", "\\": "\\\\", "'": "\\'"})
_IDENT_ESCAPES = str.maketrans({"\n": "\\n", "\\": "\\\\", '"': '\\"'})


def _is_ascii_letter(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z")


def _is_ident_first_char(ch: str) -> bool:
    return _is_ascii_letter(ch) or ch == "_"


def _is_ident_char(ch: str) -> bool:
    return _is_ascii_letter(ch) or ("0" <= ch <= "9") or ch == "_"


def ident_needs_quotes(ident: str) -> bool:
    """True when `ident` would not scan back as a bare identifier (a keyword, or a non [A-Za-z_][A-Za-z0-9_]*
    word). The empty string does not "need" quotes by this rule; quote_ident quotes it for its own reasons."""
    if ident.lower() in KEYWORDS:
        return True
    for i, ch in enumerate(ident):
        if i == 0 and not _is_ident_first_char(ch):
            return True
        if i > 0 and not _is_ident_char(ch):
            return True
    return False


def quote_ident(*segments: str) -> str:
    """Render identifier segments joined by dots, double-quoting those that need it.

    Mirrors QuoteIdent: a non-empty segment that is not the last one is always quoted, and an empty first or
    last segment renders as `""` so that `db..m`-style gaps stay unambiguous.
    """
    last = len(segments) - 1
    parts = []
    for i, segment in enumerate(segments):
        need_quote = (
            ident_needs_quotes(segment)
            or (i < last and segment != "")
            or ((i == 0 or i == last) and segment == "")
        )
        escaped = segment.translate(_IDENT_ESCAPES)
        parts.append(f'"{escaped}"' if need_quote else escaped)
    return ".".join(parts)


def quote_string(value: str) -> str:
    """Render a single-quoted string literal, escaping newline, backslash and single quote."""
    return "'" + value.translate(_STRING_ESCAPES) + "'"


def format_duration(ns: int) -> str:
    """Render a duration the InfluxQL way: one integer and the largest unit dividing it exactly
    (`90m`, `2w`, `1500ms`, `7u`, `0s`)."""
    if ns == 0:
        return "0s"
    for unit, suffix in ((WEEK, "w"), (DAY, "d"), (HOUR, "h"), (MINUTE, "m"), (SECOND, "s"),
                         (MILLISECOND, "ms"), (MICROSECOND, "u")):
        if ns % unit == 0:
            return f"{_div_toward_zero(ns, unit)}{suffix}"
    return f"{ns}ns"


def _div_toward_zero(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _trim_fraction(digits: str) -> str:
    digits = digits.rstrip("0")
    return "." + digits if digits else ""


def go_duration_string(ns: int) -> str:
    """Render a duration as Go's time.Duration.String() does (`1h0m0s`, `1.5s`, `500ms`, `1µs`).

    Only CREATE DATABASE ... WITH DURATION uses this form; every other statement uses format_duration.
    """
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    u = abs(ns)
    if u < SECOND:
        for unit, suffix, width in ((MILLISECOND, "ms", 6), (MICROSECOND, "µs", 3)):
            if u >= unit:
                whole, frac = divmod(u, unit)
                return f"{sign}{whole}{_trim_fraction(str(frac).zfill(width))}{suffix}"
        return f"{sign}{u}ns"
    seconds, frac = divmod(u, SECOND)
    text = f"{seconds % 60}{_trim_fraction(str(frac).zfill(9))}s"
    minutes = seconds // 60
    if minutes:
        text = f"{minutes % 60}m{text}"
        hours = minutes // 60
        if hours:
            text = f"{hours}h{text}"
    return sign + text


def format_go_float(value: float) -> str:
    """Render a float as Go's fmt `%v` does (strconv 'g' with the shortest digits): `1.5`, `100`, `1e+06`,
    `1.234567e+06`, `1e-05`. Used for fill(<number>) values."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digit_tuple, exponent = decimal.Decimal(repr(value)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    # repr may carry trailing zeros ("100.0"): recompute the decimal exponent of the first digit.
    exp10 = len(digit_tuple) + int(exponent) - 1
    neg = "-" if sign else ""
    if exp10 < -4 or exp10 >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        esign = "-" if exp10 < 0 else "+"
        return f"{neg}{mantissa}e{esign}{abs(exp10):02d}"
    if exp10 < 0:
        return f"{neg}0.{'0' * (-exp10 - 1)}{digits}"
    int_len = exp10 + 1
    if len(digits) <= int_len:
        return neg + digits + "0" * (int_len - len(digits))
    return f"{neg}{digits[:int_len]}.{digits[int_len:]}"


def format_number_literal(value: float) -> str:
    """Render a NumberLiteral: fixed point, exactly three decimals (Go: FormatFloat(v, 'f', 3, 64))."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return f"{value:.3f}"


_EPOCH = datetime.datetime(1970, 1, 1)


def format_rfc3339nano(ns: int) -> str:
    """Render nanoseconds since the epoch as Go's RFC3339Nano in UTC: fractional zeros trimmed, `Z` suffix."""
    seconds, frac = divmod(ns, SECOND)
    moment = _EPOCH + datetime.timedelta(seconds=seconds)
    return f"{moment:%Y-%m-%dT%H:%M:%S}{_trim_fraction(str(frac).zfill(9))}Z"
