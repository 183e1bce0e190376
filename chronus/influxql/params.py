"""Bound query parameters (the ``params`` argument of /query), bound as influxql's params.go binds them.

Each value becomes the token it stands for: the parser substitutes ``$name`` with that token, so a bound
identifier is an identifier, a bound regex a regex, and so on.  A value that cannot be bound keeps the
BOUNDPARAM token and its error text, which surfaces when the parser meets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chronus.influxql.quoting import format_duration

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


@dataclass(frozen=True)
class BoundValue:
    """A parameter's token type (PLY name) and its literal text, as Go's ``Value`` interface gives them."""

    token_type: str
    value: str


def _error(text: str) -> BoundValue:
    return BoundValue("BOUNDPARAM", text)


def _format_float(v: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'f', -1, 64)``: shortest digits, never an exponent."""
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "+Inf" if v > 0 else "-Inf"
    text = format(Decimal(repr(v)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" and v == 0 and str(v)[0] != "-" else text


def _go_type(v: object) -> str:
    if v is None:
        return "<nil>"
    if isinstance(v, list):
        return "[]interface {}"
    return type(v).__name__


def _number(v: object) -> object:
    if isinstance(v, int) and not isinstance(v, bool) and not INT64_MIN <= v <= INT64_MAX:
        return _error(f'strconv.ParseInt: parsing "{v}": value out of range')
    return v


def bind_value(v: object) -> BoundValue:
    """Bind one decoded JSON value (Go's ``BindValue``)."""
    v = _number(v)
    if isinstance(v, BoundValue):
        return v
    if isinstance(v, bool):
        return BoundValue("TRUE" if v else "FALSE", "")
    if isinstance(v, int):
        return BoundValue("INTEGER", str(v))
    if isinstance(v, float):
        return BoundValue("NUMBER", _format_float(v))
    if isinstance(v, str):
        return BoundValue("STRING", v)
    if isinstance(v, dict):
        return _bind_object(v)
    return _error(f"unable to bind parameter with type {_go_type(v)}")


def _bind_object(m: dict) -> BoundValue:
    if len(m) != 1:
        return _error("bound object parameter value must have exactly one entry")
    ((kind, v),) = m.items()
    v = _number(v)
    if isinstance(v, BoundValue):
        return v
    is_int = isinstance(v, int) and not isinstance(v, bool)
    if kind in ("ident", "identifier"):
        return BoundValue("IDENT", v) if isinstance(v, str) else _error("identifier must be a string value")
    if kind in ("regex", "string"):
        if isinstance(v, str):
            return BoundValue(kind.upper(), v)
        return _error(f"{kind} literal must be a string value")
    if kind in ("float", "number"):
        if isinstance(v, float) or is_int:
            return BoundValue("NUMBER", _format_float(float(v)))
        return _error("number literal must be a float value")
    if kind in ("int", "integer"):
        return BoundValue("INTEGER", str(v)) if is_int else _error("integer literal must be an integer value")
    if kind == "duration":
        if isinstance(v, str):
            return BoundValue("DURATIONVAL", v)
        if is_int:
            return BoundValue("DURATIONVAL", format_duration(v))
        return _error("duration literal must be a string or integer value")
    return _error(f"unknown bind object type: {kind}")


def bind_params(params: dict | None) -> dict[str, BoundValue]:
    """Bind every entry of a decoded ``params`` object."""
    return {name: bind_value(v) for name, v in (params or {}).items()}
