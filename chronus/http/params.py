"""Decoding the ``params`` form value of ``/query`` as influxd's handler does, before the values are bound.

influxd decodes the JSON object with ``UseNumber`` and turns each top-level number into an int64 (no ``.``
in its text) or a float64 (with one), refusing what does not fit with strconv's words.
"""

from __future__ import annotations

import json
from typing import Any

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


class ParamsError(Exception):
    """The 400 error text for a ``params`` value influxd would refuse."""


class _JSONNumber(str):
    """A JSON number kept as its text, like Go's ``json.Number``."""


def _number(text: str) -> int | float:
    if "." in text:
        return float(text)
    prefix = f'error parsing json value: strconv.ParseInt: parsing "{text}"'
    try:
        value = int(text)
    except ValueError:
        raise ParamsError(prefix + ": invalid syntax") from None
    if not INT64_MIN <= value <= INT64_MAX:
        raise ParamsError(prefix + ": value out of range")
    return value


def _convert_nested(value: Any) -> Any:
    if isinstance(value, _JSONNumber):
        try:
            return _number(value)
        except ParamsError:
            return float(value)
    if isinstance(value, dict):
        return {key: _convert_nested(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_convert_nested(item) for item in value]
    return value


def decode_params(raw: str) -> dict[str, Any]:
    """The decoded ``params`` object, numbers converted as influxd converts them.

    influxd reads it with a ``json.Decoder``: the first JSON value counts (what follows it is never read)
    and a malformed one is refused with the scanner's words (``_first_value``)."""
    data = raw.encode("utf-8", "surrogateescape")
    end, error = _first_value(data)
    if error is not None:
        raise ParamsError(f"error parsing query parameters: {error}")
    text = data[:end].decode("utf-8", "replace")
    decoded = json.loads(text, parse_int=_JSONNumber, parse_float=_JSONNumber)
    if not isinstance(decoded, dict):
        kind = {list: "array", str: "string", bool: "bool"}.get(type(decoded), "number")
        if decoded is None:
            return {}
        raise ParamsError(
            f"error parsing query parameters: json: cannot unmarshal {kind} into Go value of type "
            "map[string]interface {}"
        )
    params: dict[str, Any] = {}
    for key, value in decoded.items():
        params[key] = _number(value) if isinstance(value, _JSONNumber) else _convert_nested(value)
    return params


class _Syntax(Exception):
    pass


_SPACE = b" \t\r\n"
_LITERALS = {ord("t"): b"true", ord("f"): b"false", ord("n"): b"null"}
_DIGITS = b"0123456789"


def _first_value(data: bytes) -> tuple[int, str | None]:
    """Where the first JSON value of ``data`` ends, or the error Go's ``encoding/json`` decoder gives:
    ``EOF`` before any value, ``unexpected EOF`` inside one, ``invalid character 'x' <where>``."""
    n = len(data)
    pos = 0

    def skip() -> None:
        nonlocal pos
        while pos < n and data[pos] in _SPACE:
            pos += 1

    def peek() -> int:
        if pos >= n:
            raise _Syntax("unexpected EOF")
        return data[pos]

    def bad(where: str) -> _Syntax:
        return _Syntax(f"invalid character {_go_char(data[pos])} {where}")

    def string() -> None:
        nonlocal pos
        pos += 1  # the opening quote
        while True:
            c = peek()
            if c == 0x22:
                pos += 1
                return
            if c < 0x20:
                raise bad("in string literal")
            pos += 1
            if c == 0x5C:
                c = peek()
                if c == 0x75:  # \uXXXX
                    pos += 1
                    for _ in range(4):
                        if peek() not in b"0123456789abcdefABCDEF":
                            raise bad("in \\u hexadecimal character escape")
                        pos += 1
                elif c in b'"\\/bfnrt':
                    pos += 1
                else:
                    raise bad("in string escape code")

    def digits() -> None:
        nonlocal pos
        while pos < n and data[pos] in _DIGITS:
            pos += 1

    def number() -> None:
        nonlocal pos
        if data[pos] == 0x2D:  # "-"
            pos += 1
            if peek() not in _DIGITS:
                raise bad("in numeric literal")
        if data[pos] == 0x30:
            pos += 1
        else:
            digits()
        if pos < n and data[pos] == 0x2E:  # "."
            pos += 1
            if peek() not in _DIGITS:
                raise bad("after decimal point in numeric literal")
            digits()
        if pos < n and data[pos] in b"eE":
            pos += 1
            if peek() in b"+-":
                pos += 1
            if peek() not in _DIGITS:
                raise bad("in exponent of numeric literal")
            digits()

    def value() -> None:
        nonlocal pos
        c = peek()
        if c == 0x7B:  # "{"
            pos += 1
            skip()
            if peek() == 0x7D:
                pos += 1
                return
            while True:
                if peek() != 0x22:
                    raise bad("looking for beginning of object key string")
                string()
                skip()
                if peek() != 0x3A:
                    raise bad("after object key")
                pos += 1
                skip()
                value()
                skip()
                c = peek()
                if c == 0x7D:
                    pos += 1
                    return
                if c != 0x2C:
                    raise bad("after object key:value pair")
                pos += 1
                skip()
        elif c == 0x5B:  # "["
            pos += 1
            skip()
            if peek() == 0x5D:
                pos += 1
                return
            while True:
                value()
                skip()
                c = peek()
                if c == 0x5D:
                    pos += 1
                    return
                if c != 0x2C:
                    raise bad("after array element")
                pos += 1
                skip()
        elif c == 0x22:
            string()
        elif c == 0x2D or c in _DIGITS:
            number()
        elif c in _LITERALS:
            word = _LITERALS[c]
            for expected in word[1:]:
                pos += 1
                if peek() != expected:
                    raise bad(f"in literal {word.decode()} (expecting {_go_char(expected)})")
            pos += 1
        else:
            raise bad("looking for beginning of value")

    skip()
    if pos >= n:
        return pos, "EOF"
    try:
        value()
    except _Syntax as err:
        return pos, str(err)
    return pos, None


def _go_char(c: int) -> str:
    """Go's ``quoteChar`` of one byte (a byte past ASCII reads as the Latin-1 character)."""
    if c == 0x27:
        return "'\\''"
    if c == 0x22:
        return "'\"'"
    text = json.dumps(chr(c), ensure_ascii=False)[1:-1] if c >= 0x20 and c != 0x7F else _go_escape(c)
    return f"'{text}'"


def _go_escape(c: int) -> str:
    return {0x07: "\\a", 0x08: "\\b", 0x0C: "\\f", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t",
            0x0B: "\\v"}.get(c, f"\\x{c:02x}")
