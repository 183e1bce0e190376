"""Points of a ``/write`` body as a columnar batch: the Python face of ``chronus._ext.lineproto``.

The parser hands back flat arrays (per point, per field value, per distinct series / field / series+field);
``PointBatch`` names them, words the errors exactly as influxd 1.6.7 does, and offers the views the write
path needs: measurement and tags per series (for the index), field types per point (for type checks), and
the values grouped per ``<series key>#!~#<field>`` (for the WAL and the cache). Nothing here loops over
points in Python except the explicitly slow debugging helpers (``point``, ``points``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from chronus._ext import lineproto as _lp

EMPTY, FLOAT, INTEGER, BOOLEAN = _lp.EMPTY, _lp.FLOAT, _lp.INTEGER, _lp.BOOLEAN
STRING, UNSIGNED = _lp.STRING, _lp.UNSIGNED
# influxql.DataType.String() of each value type, as field type conflict messages print them.
TYPE_NAMES = {FLOAT: "float", INTEGER: "integer", BOOLEAN: "boolean", STRING: "string", UNSIGNED: "unsigned"}
FIELD_KEY_SEPARATOR = b"#!~#"
MAX_KEY_LENGTH = 65535


@dataclass(frozen=True)
class SeriesFieldValues:
    """All values of one series field in a batch, in body order: what one WAL entry holds."""

    key: bytes                      # <series key>#!~#<field>
    type: int                       # FLOAT .. UNSIGNED
    times: npt.NDArray[np.int64]
    values: npt.NDArray | list[bytes]   # float64 / int64 / bool / uint64 array, or the strings


class GroupedValues:
    """The values of a batch per ``<series key>#!~#<field>`` ("group"), as flat columns.

    What the WAL codec and the cache take whole, so a write costs a few calls per request whatever its
    number of series. Group ``g`` has key ``keys[key_offsets[g]:key_offsets[g + 1]]``, value type
    ``types[g]`` and the values ``starts[g]:starts[g + 1]`` of the per-value columns: ``times``, ``bits``
    (the float's IEEE bits; integers, unsigned and booleans (0/1) as 64-bit integers) and ``rows`` (the
    batch row, through which string values are read from ``string_data`` at ``string_offsets``).
    """

    __slots__ = ("bits", "key_offsets", "keys", "pairs", "rows", "starts", "string_data", "string_offsets",
                 "times", "types")

    def __init__(self, keys: bytes, key_offsets: npt.NDArray[np.int64], pairs: npt.NDArray[np.int32],
                 types: npt.NDArray[np.uint8], starts: npt.NDArray[np.int64], rows: npt.NDArray[np.int64],
                 times: npt.NDArray[np.int64], bits: npt.NDArray[np.uint64], string_data: bytes,
                 string_offsets: npt.NDArray[np.int64]) -> None:
        self.keys = keys
        self.key_offsets = key_offsets
        self.pairs = pairs
        self.types = types
        self.starts = starts
        self.rows = rows
        self.times = times
        self.bits = bits
        self.string_data = string_data
        self.string_offsets = string_offsets

    def __len__(self) -> int:
        return len(self.types)

    def key(self, group: int) -> bytes:
        return self.keys[self.key_offsets[group]:self.key_offsets[group + 1]]

    def cache_sizes(self) -> npt.NDArray[np.int64]:
        """Bytes per group as InfluxDB's cache counts them (16 per numeric value, 9 per boolean, 8 plus
        the length per string)."""
        counts = np.diff(self.starts)
        sizes = counts * _POINT_SIZES[self.types]
        strings = np.flatnonzero(self.types == STRING)
        if len(strings):
            lengths = self.string_offsets[self.rows + 1] - self.string_offsets[self.rows]
            sums = np.add.reduceat(lengths, self.starts[:-1]) if len(lengths) else lengths
            sizes[strings] += sums[strings]
        return sizes

    def values(self, group: int) -> npt.NDArray | list[bytes]:
        """The values of one group as ``Values`` holds them (typed array, or bytes for strings)."""
        lo, hi = int(self.starts[group]), int(self.starts[group + 1])
        kind = int(self.types[group])
        bits = self.bits[lo:hi]
        if kind == FLOAT:
            return bits.view(np.float64)
        if kind == INTEGER:
            return bits.view(np.int64)
        if kind == BOOLEAN:
            return bits != 0
        if kind == UNSIGNED:
            return bits
        offsets = self.string_offsets
        return [self.string_data[offsets[r]:offsets[r + 1]] for r in self.rows[lo:hi].tolist()]

    def to_list(self) -> list[SeriesFieldValues]:
        """One ``SeriesFieldValues`` per group; slow, for tests and tools."""
        return [SeriesFieldValues(self.key(g), int(self.types[g]),
                                  self.times[self.starts[g]:self.starts[g + 1]], self.values(g))
                for g in range(len(self))]


_POINT_SIZES = np.array([0, 16, 16, 9, 8, 16], dtype=np.int64)  # by value type, STRING plus its length


@dataclass(frozen=True)
class ValueProblem:
    """A field value the storage engine cannot read (influxd fails the write with ``engine: <message>``).

    Only reachable where influxd's checking and reading passes split a line differently (a ``\\\\=`` in a
    field key). A lone ``"`` value crashes influxd 1.6.7; Chronus reports it instead.
    """

    point: int
    row: int
    field: bytes
    message: str


def parse(body: bytes | bytearray | memoryview, precision: str, now_ns: int) -> PointBatch:
    """Parse a whole request body. ``now_ns`` is the time of points without one (truncated to precision)."""
    data = bytes(body)
    return PointBatch(data, _lp.parse_columns(data, precision or "", now_ns))


class PointBatch:
    """The good points of a body plus the errors of its bad lines, in columns (see the module docstring).

    Columns (numpy arrays): per point ``point_series`` (series index), ``point_time`` (ns), ``point_rows``
    (row offsets, one more than points); per field value ("row") ``row_field`` (field name index),
    ``row_pair`` (series-field index), ``row_type``, ``row_float``, ``row_int`` (integers, booleans as 0/1,
    unsigned bits), strings in ``string_data`` at ``string_offsets``; per series-field pair ``pair_series``
    and ``pair_field``. Distinct series keys (as influxd writes them to the WAL: the line's key with its
    tags sorted, escapes kept) and field names (unescaped) are buffers with offsets.
    """

    def __init__(self, body: bytes, columns: dict) -> None:
        self._body = body
        self.series_keys: bytes = columns["series_keys"]
        self.series_offsets: npt.NDArray[np.int64] = columns["series_offsets"]
        self.field_names: bytes = columns["field_names"]
        self.field_name_offsets: npt.NDArray[np.int64] = columns["field_name_offsets"]
        self.point_series: npt.NDArray[np.int32] = columns["point_series"]
        self.point_time: npt.NDArray[np.int64] = columns["point_time"]
        self.point_rows: npt.NDArray[np.int64] = columns["point_rows"]
        self._point_fields: npt.NDArray[np.int64] = columns["point_fields"]
        self.row_field: npt.NDArray[np.int32] = columns["row_field"]
        self.row_pair: npt.NDArray[np.int32] = columns["row_pair"]
        self.row_type: npt.NDArray[np.uint8] = columns["row_type"]
        self.row_float: npt.NDArray[np.float64] = columns["row_float"]
        self.row_int: npt.NDArray[np.int64] = columns["row_int"]
        self.string_offsets: npt.NDArray[np.int64] = columns["string_offsets"]
        self.string_data: bytes = columns["string_data"]
        self.pair_series: npt.NDArray[np.int32] = columns["pair_series"]
        self.pair_field: npt.NDArray[np.int32] = columns["pair_field"]
        self._error_rows: npt.NDArray[np.int64] = columns["errors"]
        self._value_error_rows: npt.NDArray[np.int64] = columns["value_errors"]
        self._errors: list[str] | None = None

    # -- sizes ------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.point_time)

    @property
    def series_count(self) -> int:
        return len(self.series_offsets) - 1

    @property
    def pair_count(self) -> int:
        return len(self.pair_series)

    # -- errors -----------------------------------------------------------------------------------------
    @property
    def errors(self) -> list[str]:
        """``unable to parse '<line>': <reason>`` per bad line, in body order (invalid UTF-8 kept as
        surrogate escapes, which the Go-style JSON encoder turns into U+FFFD like influxd)."""
        if self._errors is None:
            self._errors = [self._word_error(row) for row in self._error_rows.tolist()]
        return self._errors

    def error_text(self) -> str:
        """All parse errors joined the way influxd joins them (the text of its 400 answer)."""
        return "\n".join(self.errors)

    def _word_error(self, row: list[int]) -> str:
        start, end, code, aux_start, aux_end, aux_number = row
        line = self._text(start, end)
        aux = self._body[aux_start:aux_end]
        if code in _lp.ERROR_REASONS:
            reason = _lp.ERROR_REASONS[code]
        elif code == _lp.ERROR_MAX_KEY_LENGTH:
            reason = f"max key length exceeded: {aux_number} > {MAX_KEY_LENGTH}"
        elif code == _lp.ERROR_INTEGER_RANGE:
            reason = (f"unable to parse integer {_decode(aux)}: strconv.ParseInt: parsing {go_quote(aux)}: "
                      "value out of range")
        elif code == _lp.ERROR_INVALID_VALUE:
            reason = f"invalid value: field-key={_decode(aux)}"
        elif code == _lp.ERROR_TIMESTAMP_SYNTAX:
            reason = f"strconv.ParseInt: parsing {go_quote(aux)}: invalid syntax"
        elif code == _lp.ERROR_TIMESTAMP_RANGE:
            reason = f"strconv.ParseInt: parsing {go_quote(aux)}: value out of range"
        else:  # pragma: no cover - the extension only produces the codes above
            raise AssertionError(f"unknown line error code {code}")
        return f"unable to parse '{line}': {reason}"

    @property
    def value_problems(self) -> list[ValueProblem]:
        """Field values the storage engine could not read, worded as influxd's field iterator words them."""
        problems = []
        for row, kind, start, end in self._value_error_rows.tolist():
            raw = self._body[start:end]
            point = int(np.searchsorted(self.point_rows, row, side="right")) - 1
            problems.append(ValueProblem(point, row, self.field_name(int(self.row_field[row])),
                                         _value_message(int(self.row_type[row]), kind, raw)))
        return problems

    # -- series and fields ------------------------------------------------------------------------------
    def series_key(self, series: int) -> bytes:
        return self.series_keys[self.series_offsets[series]:self.series_offsets[series + 1]]

    def field_name(self, field: int) -> bytes:
        return self.field_names[self.field_name_offsets[field]:self.field_name_offsets[field + 1]]

    def measurement(self, series: int) -> bytes:
        """The measurement name of a series, unescaped as influxd's ``Point.Name()``."""
        return split_series_key(self.series_key(series))[0]

    def tags(self, series: int) -> list[tuple[bytes, bytes]]:
        """The tags of a series (key order), unescaped as influxd's ``Point.Tags()``."""
        return split_series_key(self.series_key(series))[1]

    def series_field_key(self, pair: int) -> bytes:
        """``<series key>#!~#<field>``: the WAL / TSM key of a series-field pair."""
        return (self.series_key(int(self.pair_series[pair])) + FIELD_KEY_SEPARATOR
                + self.field_name(int(self.pair_field[pair])))

    def point_string(self, point: int) -> str:
        """Go's ``Point.String()``: key, raw fields and time, as influxd quotes a point in engine errors."""
        start, end = self._point_fields[point]
        key = self.series_key(int(self.point_series[point]))
        return f"{_decode(key)} {self._text(start, end)} {int(self.point_time[point])}"

    # -- values -----------------------------------------------------------------------------------------
    def row_value(self, row: int) -> float | int | bool | bytes | None:
        kind = int(self.row_type[row])
        if kind == FLOAT:
            return float(self.row_float[row])
        if kind == INTEGER:
            return int(self.row_int[row])
        if kind == UNSIGNED:
            return int(self.row_int[row]) & 0xFFFF_FFFF_FFFF_FFFF
        if kind == BOOLEAN:
            return bool(self.row_int[row])
        if kind == STRING:
            return self.string_data[self.string_offsets[row]:self.string_offsets[row + 1]]
        return None

    def point(self, point: int) -> tuple[bytes, int, list[tuple[bytes, int, object]]]:
        """(series key, time, [(field, type, value)]) of one point; slow, for tests and debugging."""
        rows = range(int(self.point_rows[point]), int(self.point_rows[point + 1]))
        fields = [(self.field_name(int(self.row_field[r])), int(self.row_type[r]), self.row_value(r))
                  for r in rows]
        return self.series_key(int(self.point_series[point])), int(self.point_time[point]), fields

    def points(self) -> Iterator[tuple[bytes, int, list[tuple[bytes, int, object]]]]:
        for point in range(len(self)):
            yield self.point(point)

    # -- grouping for the WAL and the cache -------------------------------------------------------------
    def row_points(self) -> npt.NDArray[np.int64]:
        """The point index of every row."""
        return np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.point_rows))

    def grouped(self, keep_points: npt.NDArray[np.bool_] | None = None) -> GroupedValues:
        """The values per ``<series key>#!~#<field>`` as flat columns (see ``GroupedValues``).

        Rows of dropped points (``keep_points`` False), empty values and unreadable values are left out;
        so are rows whose type differs from the first row of their pair (the storage engine keeps the
        first type of a series field and drops the rest). Body order is kept within a pair; pairs come in
        order of first appearance.
        """
        keep = np.ones(len(self.row_pair), dtype=bool)
        if len(self._value_error_rows):
            keep[self._value_error_rows[:, 0]] = False
        if keep_points is not None:
            keep &= np.repeat(np.asarray(keep_points, dtype=bool), np.diff(self.point_rows))
        group_pair, types, starts, rows, times, bits = _lp.group_values(
            self.row_pair, self.pair_count, keep.view(np.uint8), self.point_rows, self.point_time,
            self.row_type, self.row_float, self.row_int)
        keys, key_offsets = _lp.join_pair_keys(self.series_keys, self.series_offsets, self.field_names,
                                               self.field_name_offsets, self.pair_series[group_pair],
                                               self.pair_field[group_pair])
        return GroupedValues(keys, key_offsets, group_pair, types, starts, rows, times, bits,
                             self.string_data, self.string_offsets)

    def group_order(self, keep_points: npt.NDArray[np.bool_] | None = None
                    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Rows ordered by series-field pair: rows of pair ``p`` are ``order[starts[p]:starts[p + 1]]``
        (the rows ``grouped`` keeps)."""
        groups = self.grouped(keep_points)
        counts = np.zeros(self.pair_count + 1, dtype=np.int64)
        counts[groups.pairs + 1] = np.diff(groups.starts)
        return groups.rows, np.cumsum(counts)

    def groups(self, keep_points: npt.NDArray[np.bool_] | None = None) -> list[SeriesFieldValues]:
        """Values per ``<series key>#!~#<field>``, one object each (see ``grouped``); for tests and tools."""
        return self.grouped(keep_points).to_list()

    # -- helpers ----------------------------------------------------------------------------------------
    def _text(self, start: int, end: int) -> str:
        return _decode(self._body[start:end])


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def split_series_key(key: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """Measurement and tags of a series key, unescaped as influxd does (``Point.Name()``, ``Tags()``).

    The name drops the backslash of ``\\,`` ``\\"`` ``\\ `` ``\\=``; tag keys and values only of ``\\,``
    ``\\ `` ``\\=``. A separator is escaped when the byte before it is a backslash.
    """
    separators = _unescaped_positions(key, b",")
    name_end = separators[0] if separators else len(key)
    name = unescape_measurement(key[:name_end])
    tags = []
    for n, start in enumerate(separators):
        end = separators[n + 1] if n + 1 < len(separators) else len(key)
        tag = key[start + 1:end]
        eq = next((i for i in range(len(tag)) if tag[i] == 0x3D and (i == 0 or tag[i - 1] != 0x5C)), len(tag))
        tags.append((_unescape(tag[:eq], b", ="), _unescape(tag[eq + 1:], b", =")))
    return name, tags


def unescape_measurement(raw: bytes) -> bytes:
    """The measurement name of a series key's raw (escaped) name part, as ``Point.Name()`` gives it."""
    return _unescape(raw, b',"= ')


def make_series_key(name: bytes, tags: list[tuple[bytes, bytes]]) -> bytes:
    """The canonical key of a series as the series index keeps it and ``SHOW SERIES`` prints it (Go's
    ``models.MakeKey``): name with ``,`` and space escaped, then the tags in the given order with ``,``,
    space and ``=`` escaped; tags with an empty value are left out. It differs from the key a line wrote
    to the WAL only for odd escapes (``m\\=x``, ``t==x``, ``c\\\\,pu``). The name's ``\\,`` and ``\\ `` are
    unescaped first, as ``AppendMakeKey`` does, so a name holding them is not escaped twice."""
    name = name.replace(b"\\,", b",").replace(b"\\ ", b" ")
    parts = [name.replace(b",", b"\\,").replace(b" ", b"\\ ")]
    for key, value in tags:
        if value:
            parts.append(b"," + _escape_tag(key) + b"=" + _escape_tag(value))
    return b"".join(parts)


def _escape_tag(raw: bytes) -> bytes:
    return raw.replace(b",", b"\\,").replace(b" ", b"\\ ").replace(b"=", b"\\=")


def _unescaped_positions(key: bytes, char: bytes) -> list[int]:
    code = char[0]
    return [i for i in range(len(key)) if key[i] == code and (i == 0 or key[i - 1] != 0x5C)]


def _unescape(raw: bytes, escapable: bytes) -> bytes:
    if b"\\" not in raw:
        return raw
    for c in escapable:
        raw = raw.replace(b"\\" + bytes([c]), bytes([c]))
    return raw


_GO_ESCAPES = {0x07: "\\a", 0x08: "\\b", 0x0C: "\\f", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x0B: "\\v",
               0x22: '\\"', 0x5C: "\\\\"}


def go_quote(raw: bytes) -> str:
    """Go's ``strconv.Quote`` (the ``%q`` verb) of a byte string."""
    out = ['"']
    i = 0
    while i < len(raw):
        byte = raw[i]
        if byte < 0x80:
            if byte in _GO_ESCAPES:
                out.append(_GO_ESCAPES[byte])
            elif 0x20 <= byte < 0x7F:
                out.append(chr(byte))
            else:
                out.append(f"\\x{byte:02x}")
            i += 1
            continue
        width = 2 if 0xC2 <= byte <= 0xDF else 3 if 0xE0 <= byte <= 0xEF else 4 if 0xF0 <= byte <= 0xF4 else 0
        try:
            char = raw[i:i + width].decode("utf-8") if width else ""
        except UnicodeDecodeError:
            char = ""
        if not char:
            out.append(f"\\x{byte:02x}")
            i += 1
            continue
        if char.isprintable() and unicodedata.category(char) != "Zs":
            out.append(char)
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
        i += width
    out.append('"')
    return "".join(out)


def _value_message(kind: int, problem: int, raw: bytes) -> str:
    """influxd's field iterator errors (``unable to parse <type> value %q: strconv...: <why>``)."""
    if problem == _lp.VALUE_LONE_QUOTE:
        return f"unable to parse string value {go_quote(raw)}: unbalanced quotes"
    why = "value out of range" if problem == _lp.VALUE_OUT_OF_RANGE else "invalid syntax"
    if kind == FLOAT:
        return f"unable to parse floating point value {go_quote(raw)}: strconv.ParseFloat: parsing " \
               f"{go_quote(raw)}: {why}"
    if kind == BOOLEAN:
        return (f"unable to parse bool value {go_quote(raw)}: strconv.ParseBool: parsing {go_quote(raw)}: "
                f"{why}")
    text = raw[:-1]
    if kind == INTEGER:
        return f"unable to parse integer value {go_quote(text)}: strconv.ParseInt: parsing " \
               f"{go_quote(text)}: {why}"
    return (f"unable to parse unsigned value {go_quote(text)}: strconv.ParseUint: parsing {go_quote(text)}: "
            f"{why}")
