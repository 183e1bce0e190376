"""JSON exactly as Go's ``encoding/json`` writes it, as influxd 1.6.7 (built with Go 1.19) sends it.

Every response body goes through here so that Chronus's answers are byte-identical to InfluxDB's:

* floats: shortest round-trip digits; positional notation for ``1e-6 <= |x| < 1e21``, otherwise exponent form
  with a two-digit minimum exponent, ``e-07`` shortened to ``e-7`` (``1e-7``, ``1e+21``); integral floats
  without ``.0`` (``1``, ``-0``); NaN and infinities are refused like Go refuses them;
* strings: ``"`` ``\\`` ``\\n`` ``\\r`` ``\\t`` escaped short, every other control character as ``\\u00XX``
  (``\\u0008``, ``\\u000c`` too: Go 1.19 has no ``\\b``/``\\f``), ``<`` ``>`` ``&`` as ``\\u003c``
  ``\\u003e`` ``\\u0026``, U+2028/U+2029 escaped, DEL and other text raw UTF-8; a lone surrogate (an invalid
  byte kept by ``surrogateescape``) becomes ``\\ufffd``;
* objects keep the dict's insertion order: callers build them in Go's struct field order, and sort the
  keys of what Go holds in a map (tags);
* ``pretty``: ``json.MarshalIndent(v, "", "    ")`` layout;
* a value with an ``encode_json(indent) -> bytes`` method writes itself (already encoded JSON, compact for
  an indent < 0, else laid out at that indent): query results' row arrays come from ``chronus._ext.jsonenc``
  this way, straight from their columns; lists of rows of plain scalars (SHOW results) are written by
  ``jsonenc.encode_rows`` (this module's per-value functions are the reference it is tested against).

The body influxd writes ends with a newline; that is the caller's business (``dumps`` returns the value only).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from chronus._ext.jsonenc import encode_rows

_STRING_ESCAPES: dict[int, str] = {code: f"\\u{code:04x}" for code in range(0x20)}
_STRING_ESCAPES.update(
    {
        ord("\n"): "\\n",
        ord("\r"): "\\r",
        ord("\t"): "\\t",
        ord('"'): '\\"',
        ord("\\"): "\\\\",
        ord("<"): "\\u003c",
        ord(">"): "\\u003e",
        ord("&"): "\\u0026",
        0x2028: "\\u2028",
        0x2029: "\\u2029",
    }
)
_STRING_ESCAPES.update({code: "\\ufffd" for code in range(0xD800, 0xE000)})

# Below this magnitude every float that is integral is exact and prints the same as its int.
_EXACT_INT_LIMIT = 2.0**53


def format_string(text: str) -> str:
    """``text`` as a quoted JSON string, escaped as Go escapes it."""
    return '"' + text.translate(_STRING_ESCAPES) + '"'


def format_float(value: float) -> str:
    """``value`` as Go's encoding/json prints a float64."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"json: unsupported value: {_go_special_name(value)}")
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        digits, exponent = _shortest_digits(magnitude)
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        exp = exponent - 1
        exp_text = f"{abs(exp):02d}"
        if exp < 0 and exp_text[0] == "0":
            exp_text = exp_text[1:]
        return f"{'-' if value < 0 else ''}{mantissa}e{'-' if exp < 0 else '+'}{exp_text}"
    return format_plain_float(value)


def format_plain_float(value: float) -> str:
    """``value`` positionally with the shortest round-trip digits: Go's ``FormatFloat(v, 'f', -1, 64)``.

    InfluxDB's CSV output and JSON (for ``1e-6 <= |x| < 1e21``) print floats this way (CSV infinities too).
    """
    if math.isinf(value):
        return _go_special_name(value)
    magnitude = abs(value)
    if value.is_integer() and magnitude < _EXACT_INT_LIMIT:
        return "-0" if value == 0 and math.copysign(1.0, value) < 0 else str(int(value))
    digits, exponent = _shortest_digits(magnitude)
    sign = "-" if value < 0 else ""
    # The decimal point sits ``exponent`` digits after the start of ``digits``.
    if exponent <= 0:
        return f"{sign}0.{'0' * -exponent}{digits}"
    if exponent >= len(digits):
        return sign + digits + "0" * (exponent - len(digits))
    return f"{sign}{digits[:exponent]}.{digits[exponent:]}"


def _shortest_digits(magnitude: float) -> tuple[str, int]:
    """Shortest round-trip digits of a positive float and its decimal exponent (value = 0.DIGITS x 10^exp).

    Python's ``repr`` already finds the shortest digits that round-trip, the same digits Go picks.
    """
    text = repr(magnitude)
    mantissa, _, exp_part = text.partition("e")
    whole, _, frac = mantissa.partition(".")
    if frac == "0":
        frac = ""
    raw = whole + frac
    exponent = len(whole) + (int(exp_part) if exp_part else 0)
    stripped = raw.lstrip("0")
    exponent -= len(raw) - len(stripped)
    return stripped.rstrip("0") or "0", exponent


def _go_special_name(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return "+Inf" if value > 0 else "-Inf"


def dumps(value: Any, pretty: bool = False) -> str:
    """Encode ``value`` (dicts, lists, tuples, str, int, float, bool, None) as Go would."""
    return "".join(part if isinstance(part, str) else part.decode("utf-8", "surrogateescape")
                   for part in _parts(value, pretty))


def dumps_bytes(value: Any, pretty: bool = False) -> bytes:
    """``dumps`` as UTF-8 bytes; pre-encoded parts (``encode_json``) are joined without a round trip."""
    parts = _parts(value, pretty)
    out: list[bytes] = []
    start = 0
    for index, part in enumerate(parts):
        if isinstance(part, bytes):
            out.append("".join(parts[start:index]).encode("utf-8", "surrogateescape"))
            out.append(part)
            start = index + 1
    out.append("".join(parts[start:]).encode("utf-8", "surrogateescape"))
    return b"".join(out)


def _parts(value: Any, pretty: bool) -> list:
    parts: list = []
    if pretty:
        _encode_pretty(value, parts, "")
    else:
        _encode(value, parts)
    return parts


def _scalar(value: Any, indent: int = -1) -> str | bytes | None:
    """The text of a scalar (bytes: a value that encoded itself), or None for a container."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return format_string(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, (Mapping, list, tuple)):
        return None
    encode_json = getattr(value, "encode_json", None)
    if encode_json is not None:
        return encode_json(indent)
    # numpy scalars and friends: encode by their Python value.
    item = getattr(value, "item", None)
    if item is not None:
        return _scalar(item())
    raise TypeError(f"json: unsupported type: {type(value).__name__}")


def _rows(value: Any, indent: int) -> bytes | None:
    """A list of rows of plain scalars (what SHOW results hold) written in C, or None to walk it here."""
    if type(value) is list and value and type(value[0]) is list:
        return encode_rows(value, indent)
    return None


# Object keys already written (a body repeats the same few keys: "name", "tags", "columns", tag keys).
_KEY_TEXTS: dict[str, str] = {}


def _key_text(key: Any) -> str:
    text = _KEY_TEXTS.get(key) if type(key) is str else None
    if text is None:
        text = format_string(str(key)) + ":"
        if type(key) is str:
            if len(_KEY_TEXTS) > 4096:
                _KEY_TEXTS.clear()
            _KEY_TEXTS[key] = text
    return text


def _encode(value: Any, out: list) -> None:
    kind = type(value)
    if kind is str:  # the common cases first: ``_scalar``'s checks (an ABC's among them) cost per value
        out.append(format_string(value))
        return
    if kind is not dict and kind is not list:
        text = _scalar(value)
        if text is not None:
            out.append(text)
            return
    if kind is dict or isinstance(value, Mapping):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(_key_text(key))
            if type(item) is str:
                out.append(format_string(item))
            else:
                _encode(item, out)
        out.append("}")
        return
    fast = _rows(value, -1)
    if fast is not None:
        out.append(fast)
        return
    out.append("[")
    for index, item in enumerate(value):
        if index:
            out.append(",")
        if type(item) is str:
            out.append(format_string(item))
        else:
            _encode(item, out)
    out.append("]")


def _encode_pretty(value: Any, out: list, indent: str) -> None:
    text = _scalar(value, len(indent))
    if text is not None:
        out.append(text)
        return
    inner = indent + "    "
    if isinstance(value, Mapping):
        if not value:
            out.append("{}")
            return
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            out.append(",\n" if index else "\n")
            out.append(inner + format_string(str(key)) + ": ")
            _encode_pretty(item, out, inner)
        out.append("\n" + indent + "}")
        return
    if not value:
        out.append("[]")
        return
    fast = _rows(value, len(indent))
    if fast is not None:
        out.append(fast)
        return
    out.append("[")
    for index, item in enumerate(value):
        out.append(",\n" if index else "\n")
        out.append(inner)
        _encode_pretty(item, out, inner)
    out.append("\n" + indent + "]")
