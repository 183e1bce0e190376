"""Go's value syntaxes as influxd reads and writes its configuration, with Go's exact error texts.

influxd parses durations with ``time.ParseDuration``, sizes with its own ``toml.Size`` rules, file modes
and environment values with ``strconv``; its error messages reach the user verbatim (``config: parse
config: time: invalid duration "abc"``), so Chronus re-implements these syntaxes from their documented
rules rather than using Python's looser parsers.
"""

from __future__ import annotations

NANOSECOND = 1
MICROSECOND = 1000 * NANOSECOND
MILLISECOND = 1000 * MICROSECOND
SECOND = 1000 * MILLISECOND
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE

INT64_MAX = (1 << 63) - 1
UINT64_MAX = (1 << 64) - 1

_DURATION_UNITS = {
    "ns": NANOSECOND,
    "us": MICROSECOND,
    "\u00b5s": MICROSECOND,  # micro sign
    "\u03bcs": MICROSECOND,  # Greek small letter mu
    "ms": MILLISECOND,
    "s": SECOND,
    "m": MINUTE,
    "h": HOUR,
}


class GoValueError(ValueError):
    """A value Go would refuse; ``str()`` is Go's error text, word for word."""


# --------------------------------------------------------------------------------------------- quoting

def _utf8(text: str) -> bytes:
    # Environment values that were not valid UTF-8 arrive with surrogate escapes: give back the raw bytes.
    return text.encode("utf-8", "surrogateescape")


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote`` (also what ``%q`` prints): printable runes kept, the rest escaped."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif code < 0x80:
            out.append(ch if 0x20 <= code < 0x7F else f"\\x{code:02x}")
        elif ch.isprintable():
            out.append(ch)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _time_quote(text: str) -> str:
    """The quoting of the ``time`` package's errors: ASCII kept, every other byte as ``\\xNN``."""
    out = ['"']
    for byte in _utf8(text):
        if byte >= 0x80 or byte < 0x20:
            out.append(f"\\x{byte:02x}")
        elif byte in (0x22, 0x5C):
            out.append("\\" + chr(byte))
        else:
            out.append(chr(byte))
    out.append('"')
    return "".join(out)


# --------------------------------------------------------------------------------------------- durations

def parse_duration(text: str) -> int:
    """Go's ``time.ParseDuration``: ``[-+]?([0-9]*(\\.[0-9]*)?[a-z]+)+`` or ``0``, in nanoseconds."""
    data = _utf8(text)
    invalid = GoValueError("time: invalid duration " + _time_quote(text))
    pos, negative = 0, False
    if data[:1] in (b"-", b"+"):
        negative = data[:1] == b"-"
        pos = 1
    if data[pos:] == b"0":
        return 0
    if pos == len(data):
        raise invalid
    total = 0
    while pos < len(data):
        if not (data[pos] == 0x2E or 0x30 <= data[pos] <= 0x39):
            raise invalid
        start = pos
        whole = 0
        while pos < len(data) and 0x30 <= data[pos] <= 0x39:
            if whole > (1 << 63) // 10:
                raise invalid
            whole = whole * 10 + data[pos] - 0x30
            if whole > 1 << 63:
                raise invalid
            pos += 1
        had_whole = pos != start
        frac, scale, had_frac = 0, 1.0, False
        if pos < len(data) and data[pos] == 0x2E:
            pos += 1
            frac_start, overflow = pos, False
            while pos < len(data) and 0x30 <= data[pos] <= 0x39:
                if not overflow:
                    if frac > ((1 << 63) - 1) // 10:
                        overflow = True
                    else:
                        nxt = frac * 10 + data[pos] - 0x30
                        if nxt > 1 << 63:
                            overflow = True
                        else:
                            frac, scale = nxt, scale * 10
                pos += 1
            had_frac = pos != frac_start
        if not had_whole and not had_frac:
            raise invalid
        unit_start = pos
        while pos < len(data) and not (data[pos] == 0x2E or 0x30 <= data[pos] <= 0x39):
            pos += 1
        if pos == unit_start:
            raise GoValueError("time: missing unit in duration " + _time_quote(text))
        unit_text = data[unit_start:pos].decode("utf-8", "surrogateescape")
        unit = _DURATION_UNITS.get(unit_text)
        if unit is None:
            raise GoValueError(f"time: unknown unit {_time_quote(unit_text)} in duration {_time_quote(text)}")
        if whole > (1 << 63) // unit:
            raise invalid
        whole *= unit
        if frac > 0:
            whole += int(float(frac) * (float(unit) / scale))
            if whole > 1 << 63:
                raise invalid
        total += whole
        if total > 1 << 63:
            raise invalid
    if negative:
        return -total
    if total > INT64_MAX:
        raise invalid
    return total


def format_duration(ns: int) -> str:
    """Go's ``time.Duration.String``: ``1h30m0s``, ``1.5s``, ``100ms``, ``1µs``, ``0s``."""
    if ns == 0:
        return "0s"
    magnitude = abs(ns)
    sign = "-" if ns < 0 else ""
    if magnitude < SECOND:
        if magnitude < MICROSECOND:
            return f"{sign}{magnitude}ns"
        unit, digits = ("\u00b5s", 3) if magnitude < MILLISECOND else ("ms", 6)
        return sign + _with_fraction(magnitude, digits) + unit
    total_seconds, rest = divmod(magnitude, SECOND)
    text = _with_fraction((total_seconds % 60) * SECOND + rest, 9) + "s"
    total_minutes = total_seconds // 60
    if total_minutes:
        text = f"{total_minutes % 60}m" + text
        if total_minutes >= 60:
            text = f"{total_minutes // 60}h" + text
    return sign + text


def _with_fraction(value: int, digits: int) -> str:
    whole, frac = divmod(value, 10**digits)
    frac_text = f"{frac:0{digits}d}".rstrip("0")
    return f"{whole}.{frac_text}" if frac_text else str(whole)


# --------------------------------------------------------------------------------------------- sizes

def parse_size(text: str) -> int:
    """influxd's ``toml.Size``: bytes, or a ``k``/``m``/``g`` (either case) suffix for KiB/MiB/GiB."""
    data = _utf8(text)
    if not data:
        raise GoValueError("size was empty")
    multiplier, digits = 1, data
    suffix = data[-1]
    if not 0x30 <= suffix <= 0x39:
        multiplier = {0x6B: 1 << 10, 0x4B: 1 << 10, 0x6D: 1 << 20, 0x4D: 1 << 20,
                      0x67: 1 << 30, 0x47: 1 << 30}.get(suffix, 0)
        if not multiplier:
            raise GoValueError(f"unknown size suffix: {chr(suffix)} (expected k, m, or g)")
        digits = data[:-1]
    try:
        size = parse_uint(digits.decode("utf-8", "surrogateescape"), 10, 64)
    except GoValueError:
        raise GoValueError(f"invalid size: {text}") from None
    if UINT64_MAX // multiplier < size:
        raise GoValueError(f"size would overflow the max size ({UINT64_MAX}) of a uint: {text}")
    return size * multiplier


# --------------------------------------------------------------------------------------------- strconv

def _num_error(func: str, text: str, reason: str) -> GoValueError:
    return GoValueError(f"strconv.{func}: parsing {go_quote(text)}: {reason}")


def _underscores_ok(text: str) -> bool:
    """Go's rule for ``_`` in base-prefixed literals: only between digits (a base prefix counts)."""
    saw, i = "^", 0
    if text[:1] in ("-", "+"):
        text = text[1:]
    is_hex = False
    if len(text) >= 2 and text[0] == "0" and text[1].lower() in "box":
        i, saw, is_hex = 2, "0", text[1].lower() == "x"
    while i < len(text):
        ch = text[i]
        if "0" <= ch <= "9" or (is_hex and "a" <= ch.lower() <= "f"):
            saw = "0"
        elif ch == "_":
            if saw != "0":
                return False
            saw = "_"
        elif saw == "_":
            return False
        else:
            saw = "!"
        i += 1
    return saw != "_"


def parse_uint(text: str, base: int, bits: int, *, func: str = "ParseUint") -> int:
    """Go's ``strconv.ParseUint`` (base 0 reads ``0x``/``0o``/``0b``/``0`` prefixes and ``_``)."""
    if text == "":
        raise _num_error(func, text, "invalid syntax")
    base_zero, digits = base == 0, text
    if base_zero:
        base = 10
        if text[0] == "0":
            prefix = text[1:2].lower()
            if len(text) >= 3 and prefix in ("b", "o", "x"):
                base, digits = {"b": 2, "o": 8, "x": 16}[prefix], text[2:]
            else:
                base, digits = 8, text[1:]
    max_value = (1 << bits) - 1
    value, underscores = 0, False
    for ch in digits:
        if ch == "_" and base_zero:
            underscores = True
            continue
        if "0" <= ch <= "9":
            digit = ord(ch) - 48
        elif ch.isascii() and "a" <= ch.lower() <= "z":
            digit = ord(ch.lower()) - 87
        else:
            raise _num_error(func, text, "invalid syntax")
        if digit >= base:
            raise _num_error(func, text, "invalid syntax")
        value = value * base + digit
        if value > max_value:
            raise _num_error(func, text, "value out of range")
    if underscores and not _underscores_ok(text):
        raise _num_error(func, text, "invalid syntax")
    return value


def parse_int(text: str, base: int = 0, bits: int = 64) -> int:
    """Go's ``strconv.ParseInt``."""
    if text == "":
        raise _num_error("ParseInt", text, "invalid syntax")
    negative, unsigned = text[0] == "-", text[1:] if text[0] in "+-" else text
    try:
        magnitude = parse_uint(unsigned, base, bits, func="ParseInt")
    except GoValueError as err:
        if str(err).endswith("value out of range"):
            raise _num_error("ParseInt", text, "value out of range") from None
        raise _num_error("ParseInt", text, "invalid syntax") from None
    cutoff = 1 << (bits - 1)
    if (not negative and magnitude >= cutoff) or (negative and magnitude > cutoff):
        raise _num_error("ParseInt", text, "value out of range")
    return -magnitude if negative else magnitude


def parse_bool(text: str) -> bool:
    """Go's ``strconv.ParseBool``."""
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise _num_error("ParseBool", text, "invalid syntax")


# --------------------------------------------------------------------------------------------- others

def parse_file_mode(text: str) -> int | None:
    """influxd's ``toml.FileMode``: octal digits, never zero; an empty value leaves the mode unchanged."""
    if text == "":
        return None
    mode = parse_uint(text, 8, 32)
    if mode == 0:
        raise GoValueError("file mode cannot be zero")
    return mode


def format_file_mode(mode: int) -> str:
    """How influxd prints a file mode: four octal digits (``0777``)."""
    return f"{mode:04o}"


LOG_LEVELS = ("debug", "info", "warn", "error", "dpanic", "panic", "fatal")


def go_lower(text: str) -> str:
    """Go's ``strings.ToLower``: Unicode *simple* case mapping, one rune for one (``İ`` -> ``i``)."""
    return "".join("i" if ch == "\u0130" else (low if len(low := ch.lower()) == 1 else ch) for ch in text)


def go_upper(text: str) -> str:
    """Go's ``strings.ToUpper``: simple case mapping (``ß`` stays ``ß``)."""
    return "".join(up if len(up := ch.upper()) == 1 else ch for ch in text)


def parse_log_level(text: str) -> str:
    """zap's ``Level.UnmarshalText``: a level name in any letter case; empty means ``info``."""
    lowered = go_lower(text)
    if lowered in LOG_LEVELS:
        return lowered
    if text == "":
        return "info"
    raise GoValueError(f"unrecognized level: {go_quote(text)}")
