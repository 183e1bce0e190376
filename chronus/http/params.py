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
    """The decoded ``params`` object, numbers converted as influxd converts them."""
    try:
        decoded = json.loads(raw, parse_int=_JSONNumber, parse_float=_JSONNumber)
    except json.JSONDecodeError as err:
        raise ParamsError(f"error parsing query parameters: {_go_json_error(err)}") from None
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


def _go_json_error(err: json.JSONDecodeError) -> str:
    if err.pos >= len(err.doc):
        return "unexpected EOF"
    return f"invalid character {_go_char(err.doc[err.pos])} looking for beginning of value"


def _go_char(ch: str) -> str:
    if ch == "'":
        return "'\\''"
    if ch == '"':
        return "'\"'"
    return f"'{ch}'"
