"""Pure-Python line-protocol parser: the slow, readable statement of the rules, used only by tests.

It follows influxd 1.6.7 (``models/points.go``) step by step -- split lines, scan the key, check the fields,
walk them for key sizes, scan the timestamp, then read every field the way the storage engine reads it --
including the places where those steps disagree with each other (a ``\\\\=`` in a field key is an escape to
one step and not to the next). The Cython parser must produce exactly what this module produces.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_KEY_LENGTH = 65535
MIN_NANO_TIME = -(2**63) + 2
MAX_NANO_TIME = 2**63 - 2
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
TIME_RANGE_ERROR = f"time outside range {MIN_NANO_TIME} - {MAX_NANO_TIME}"
PRECISION_NS = {"u": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}

EMPTY, FLOAT, INTEGER, BOOLEAN, STRING, UNSIGNED = 0, 1, 2, 3, 4, 5
WHITESPACE = b" \t\x00"
DIGITS = b"0123456789"


class LineError(Exception):
    """A reason why one line was rejected (the text after ``unable to parse '<line>': ``)."""


@dataclass
class RefPoint:
    key: bytes                                   # series key as written (tags sorted), like Go's Point.Key()
    time: int
    fields: list[tuple[bytes, int, object]] = field(default_factory=list)   # (unescaped key, type, value)


@dataclass
class RefResult:
    points: list[RefPoint]
    errors: list[str]


def parse(body: bytes, precision: str, now_ns: int) -> RefResult:
    points: list[RefPoint] = []
    errors: list[str] = []
    pos = 0
    while pos < len(body):
        end = _line_end(body, pos)
        block = body[pos:end]
        pos = end + 1
        start = _skip_whitespace(block, 0)
        if start >= len(block) or block[start] == ord("#"):
            continue
        if block.endswith(b"\n"):
            block = block[:-1]
        line = block[start:]
        try:
            points.append(_parse_point(line, precision, now_ns))
        except LineError as err:
            errors.append(f"unable to parse '{line.decode('utf-8', 'surrogateescape')}': {err}")
    return RefResult(points, errors)


def _skip_whitespace(buf: bytes, i: int) -> int:
    while i < len(buf) and buf[i] in WHITESPACE:
        i += 1
    return i


def _line_end(buf: bytes, i: int) -> int:
    """Index of the newline ending the line at ``i``; newlines inside a quoted field value do not count."""
    quoted = in_fields = False
    equals = commas = 0
    while i < len(buf):
        c = buf[i]
        if c == 0x5C and i + 2 < len(buf):       # backslash: skip it and the next byte
            i += 2
            continue
        if c == 0x20:
            in_fields = True
        if in_fields:
            if not quoted and c == 0x3D:
                equals += 1
                i += 1
                continue
            if not quoted and c == 0x2C:
                commas += 1
                i += 1
                continue
            if c == 0x22 and equals > commas:
                quoted = not quoted
                i += 1
                continue
        if c == 0x0A and not quoted:
            break
        i += 1
    return i


def _escaped(buf: bytes, i: int) -> bool:
    """In the key section a byte is escaped when the byte before it is a backslash (no pairing)."""
    return buf[i - 1] == 0x5C


def _scan_key(buf: bytes) -> tuple[int, bytes]:
    """Measurement and tags: returns (end, key with tags sorted)."""
    if not buf or buf[0] == 0x2C:
        raise LineError("missing measurement")
    i = 0
    while True:                                   # the measurement
        i += 1
        if i >= len(buf):
            raise LineError("missing fields")
        if _escaped(buf, i):
            continue
        if buf[i] == 0x2C:
            i += 1
            break
        if buf[i] == 0x20:
            return i, buf[:i]
    measurement_end = i - 1
    tags: list[tuple[int, int, int]] = []          # (tag start, key end, tag end)
    while True:
        tag_start = i
        if i >= len(buf) or buf[i] in b" ,=":
            raise LineError("missing tag key")
        while True:
            i += 1
            if i >= len(buf) or (buf[i] in b" ," and not _escaped(buf, i)):
                raise LineError("missing tag value")
            if buf[i] == 0x3D and not _escaped(buf, i):
                break
        key_end = i
        i += 1
        if i >= len(buf) or buf[i] in b", ":
            raise LineError("missing tag value")
        while True:
            i += 1
            if i >= len(buf):
                raise LineError("missing fields")
            if _escaped(buf, i):
                continue
            if buf[i] == 0x3D:
                raise LineError("invalid tag format")
            if buf[i] in b", ":
                break
        tags.append((tag_start, key_end, i))
        if buf[i] == 0x20:
            break
        i += 1
    names = [buf[s:k] for s, k, _ in tags]
    if names == sorted(names):
        if any(a == b for a, b in zip(names, names[1:], strict=False)):
            raise LineError("duplicate tags")
        return i, buf[:i]
    order = sorted(range(len(tags)), key=lambda n: names[n])   # stable, like Go's insertion sort
    if any(names[a] == names[b] for a, b in zip(order, order[1:], strict=False)):
        raise LineError("duplicate tags")
    key = buf[:measurement_end] + b"".join(b"," + buf[tags[n][0]:tags[n][2]] for n in order)
    return i, key


def _scan_fields(buf: bytes, i: int) -> tuple[int, int]:
    """Validate the field section; returns (start, end)."""
    start = i = _skip_whitespace(buf, i)
    quoted = False
    equals = commas = 0
    while i < len(buf):
        c = buf[i]
        if c == 0x5C and i + 1 < len(buf):
            i += 2
            continue
        if c == 0x22 and equals > commas:
            quoted = not quoted
            i += 1
            continue
        if c == 0x3D and not quoted:
            equals += 1
            if buf[i - 1] == 0x20 and buf[i - 2] != 0x5C:
                raise LineError("missing field key")
            if buf[i - 1] == 0x2C and buf[i - 2] != 0x5C:
                raise LineError("missing field key")
            if i + 1 >= len(buf) or buf[i + 1] in b", ":
                raise LineError("missing field value")
            nxt = buf[i + 1]
            if nxt in b"0123456789.-Nn":
                i = _scan_number(buf, i + 1)
                continue
            if nxt != 0x22:
                i = _scan_boolean(buf, i + 1)
                continue
        if c == 0x2C and not quoted:
            commas += 1
        if c == 0x20 and not quoted:
            break
        i += 1
    if quoted:
        raise LineError("unbalanced quotes")
    if equals == 0 or commas != equals - 1:
        raise LineError("invalid field format")
    return start, i


def _scan_number(buf: bytes, i: int) -> int:
    start = i
    is_int = is_unsigned = decimal = scientific = False
    if buf[i] == 0x2D:
        i += 1
        if i == len(buf):
            raise LineError("invalid number")
    while i < len(buf):
        c = buf[i]
        if c in b", ":
            break
        if c == 0x69 and i > start and not (is_int or is_unsigned):      # i
            is_int = True
            i += 1
            continue
        if c == 0x75 and i > start and not (is_int or is_unsigned):      # u
            is_unsigned = True
            i += 1
            continue
        if c == 0x2E:
            if decimal:
                raise LineError("invalid number")
            decimal = True
        if i > start and c in b"eE":
            scientific = True
            i += 1
            continue
        if c in b"+-" and buf[i - 1] in b"eE":
            i += 1
            continue
        if i + 2 < len(buf) and c in b"Nn":
            raise LineError("invalid number")
        if c not in b"0123456789.":
            raise LineError("invalid number")
        i += 1
    if (is_int or is_unsigned) and (decimal or scientific):
        raise LineError("invalid number")
    digits = i - start - is_int - decimal - (buf[start] == 0x2D)
    if digits == 0:
        raise LineError("invalid number")
    if is_int:
        if buf[i - 1] != 0x69:
            raise LineError("invalid number")
        text = buf[start:i - 1]
        if len(text) >= 19:
            _go_parse_int(text, f"unable to parse integer {text.decode()}: ")
    elif is_unsigned:
        raise LineError("invalid number")         # unsigned support is off in release builds
    elif (scientific or i - start >= 25) and _go_parse_float(buf[start:i]) is None:
        raise LineError("invalid float")
    return i


def _go_parse_int(text: bytes, prefix: str = "") -> int:
    """strconv.ParseInt(text, 10, 64) with Go's error texts (text holds only digits and '-')."""
    quoted = '"' + text.decode("utf-8", "surrogateescape") + '"'
    body = text[1:] if text[:1] in (b"-", b"+") else text
    if not body or not body.isdigit():
        raise LineError(f"{prefix}strconv.ParseInt: parsing {quoted}: invalid syntax")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise LineError(f"{prefix}strconv.ParseInt: parsing {quoted}: value out of range")
    return value


def _go_parse_float(text: bytes) -> float | None:
    """strconv.ParseFloat for what the scanner lets through: None where Go reports an error (overflow too)."""
    body = text[1:] if text[:1] in (b"-", b"+") else text
    mantissa, _, exponent = body.lower().partition(b"e")
    digits = exponent.lstrip(b"+-")
    if b"e" in body.lower() and (not digits.isdigit() or len(exponent) - len(digits) > 1):
        return None
    whole, _, frac = mantissa.partition(b".")
    if not (whole + frac) or not (whole + frac).isdigit():
        return None
    value = float(text)
    if value in (float("inf"), float("-inf")):
        return None
    return value


def _scan_boolean(buf: bytes, i: int) -> int:
    start = i
    if buf[i] not in b"tfTF":
        raise LineError("invalid boolean")
    i += 1
    while i < len(buf) and buf[i] not in b", ":
        i += 1
    word = buf[start:i]
    if len(word) == 1:
        return i
    if word not in (b"true", b"True", b"TRUE", b"false", b"False", b"FALSE"):
        raise LineError("invalid boolean")
    return i


def _scan_to_equals(buf: bytes, i: int) -> int:
    """First '=' from ``i`` that is not preceded by a backslash (a '=' at index 0 always counts)."""
    while i < len(buf):
        if buf[i] == 0x3D and (i == 0 or buf[i - 1] != 0x5C):
            return i
        i += 1
    return i


def _scan_field_value(buf: bytes, i: int) -> int:
    quoted = False
    while i < len(buf):
        c = buf[i]
        if c == 0x5C and i + 1 < len(buf) and buf[i + 1] in b'"\\':
            i += 2
            continue
        if c == 0x22:
            quoted = not quoted
            i += 1
            continue
        if c == 0x2C and not quoted:
            break
        i += 1
    return i


def _field_spans(fields: bytes) -> list[tuple[bytes, bytes]]:
    """(raw key, raw value) of each field, split the way the storage engine splits them."""
    spans = []
    i = 0
    while i < len(fields):
        eq = _scan_to_equals(fields, i)
        end = _scan_field_value(fields, eq + 1)
        spans.append((fields[i:eq], fields[eq + 1:end]))
        i = end + 1
    return spans


def _check_walk(fields: bytes, key_len: int) -> None:
    """Go's walkFields pass: a key without a value, or a series key + field over 65535 bytes."""
    buf = fields
    while buf:
        eq = _scan_to_equals(buf, 0)
        if eq > len(buf) - 2:
            raise LineError(f"invalid value: field-key={buf[:eq].decode('utf-8', 'surrogateescape')}")
        size = key_len + 4 + eq
        if size > MAX_KEY_LENGTH:
            raise LineError(f"max key length exceeded: {size} > {MAX_KEY_LENGTH}")
        buf = buf[eq + 1:]
        end = _scan_field_value(buf, 0)
        buf = buf[end + 1:]


def unescape_field_key(raw: bytes) -> bytes:
    """Backslash before ``,`` ``"`` space ``=`` is dropped; other backslashes stay."""
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i] == 0x5C and i + 1 < len(raw) and raw[i + 1] in b',"= ':
            i += 1
        out.append(raw[i])
        i += 1
    return bytes(out)


def unescape_string(raw: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i] == 0x5C and i + 1 < len(raw) and raw[i + 1] in b'"\\':
            i += 1
        out.append(raw[i])
        i += 1
    return bytes(out)


def _field_value(raw: bytes) -> tuple[int, object]:
    if not raw:
        return EMPTY, None
    first = raw[0]
    if first == 0x22:
        return STRING, unescape_string(raw[1:-1] if len(raw) >= 2 else b"")
    if first in b"0123456789-.nNiIu":
        if raw.endswith(b"i"):
            return INTEGER, int(raw[:-1])
        if raw.endswith(b"u"):
            return UNSIGNED, int(raw[:-1])
        return FLOAT, float(raw)
    return BOOLEAN, raw in (b"t", b"T", b"true", b"True", b"TRUE")


def _parse_point(buf: bytes, precision: str, now_ns: int) -> RefPoint:
    pos, key = _scan_key(buf)
    if len(key) > MAX_KEY_LENGTH:
        raise LineError(f"max key length exceeded: {len(key)} > {MAX_KEY_LENGTH}")
    fstart, pos = _scan_fields(buf, pos)
    fields = buf[fstart:pos]
    if not fields:
        raise LineError("missing fields")
    _check_walk(fields, len(key))
    tstart = pos = _skip_whitespace(buf, pos)
    while pos < len(buf) and buf[pos] not in b"\n ":
        if not (pos == tstart and buf[pos] == 0x2D) and buf[pos] not in DIGITS:
            raise LineError("bad timestamp")
        pos += 1
    multiple = PRECISION_NS.get(precision, 1)
    if pos == tstart:
        time = now_ns - now_ns % multiple
    else:
        stamp = _go_parse_int(buf[tstart:pos])
        time = stamp * multiple
        if multiple != 1 and stamp == MIN_NANO_TIME:
            raise LineError(TIME_RANGE_ERROR)
        if not MIN_NANO_TIME <= time <= MAX_NANO_TIME:
            raise LineError(TIME_RANGE_ERROR)
        if buf[pos:].strip(b" "):
            raise LineError("point is invalid")
    point = RefPoint(key, time)
    for raw_key, raw_value in _field_spans(fields):
        kind, value = _field_value(raw_value)
        point.fields.append((unescape_field_key(raw_key), kind, value))
    return point
