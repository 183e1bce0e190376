"""Response bodies of ``/query`` in the three formats influxd offers, chosen by the ``Accept`` header.

JSON (the default, ``pretty=true`` indents), CSV (``application/csv`` or ``text/csv``) and msgpack
(``application/x-msgpack``), each byte-identical to influxd 1.6.7's. A formatter is made once per request:
with chunking it is called once per chunk, and the CSV one remembers the statement and columns it last wrote.
Rows held as frames (SELECT's) are written by ``chronus._ext.jsonenc`` straight from their columns in JSON
and CSV.
"""

from __future__ import annotations

import struct
from typing import Any

from chronus._ext.jsonenc import encode_csv, encode_row_head
from chronus.http import gojson
from chronus.query.result import FrameValues, GoInt, Result, Row, response_obj

JSON_TYPE = "application/json"
CSV_TYPE = "text/csv"
MSGPACK_TYPE = "application/x-msgpack"
MARSHAL_ERROR_PREFIX = (
    "json: error calling MarshalJSON for type httpd.Response: "
    "json: error calling MarshalJSON for type *query.Result: "
)


class JSONFormatter:
    content_type = JSON_TYPE

    def __init__(self, pretty: bool = False) -> None:
        self.pretty = pretty

    def format(self, results: list[Result], error: str | None = None) -> bytes:
        try:
            if self.pretty:
                return gojson.dumps_bytes(response_obj(results, error), pretty=True) + b"\n"
            return compact_json(results, error) + b"\n"
        except ValueError as err:
            # Go's encoder refuses NaN and infinities; influxd then writes the marshalling error as the body.
            return (MARSHAL_ERROR_PREFIX + str(err)).encode("utf-8", "surrogateescape") + b"\n"


def compact_json(results: list[Result], error: str | None = None) -> bytes:
    """``gojson.dumps_bytes(response_obj(results, error))`` written straight from the results: each row's
    opening in C (``encode_row_head``) and its frame's values in C, no dict per row and result.

    A body of a thousand one-row series (``GROUP BY host``) is mostly rows: this is what writes it."""
    out: list[bytes] = [b"{"]
    if results:
        out.append(b'"results":[')
        for index, result in enumerate(results):
            if index:
                out.append(b",")
            _compact_result(result, out)
        out.append(b"]")
    if error:
        out.append(b',"error":' if results else b'"error":')
        out.append(gojson.dumps_bytes(error))
    out.append(b"}")
    return b"".join(out)


def _compact_result(result: Result, out: list[bytes]) -> None:
    out.append(b'{"statement_id":%d' % result.statement_id)
    if result.series:
        out.append(b',"series":[')
        for index, row in enumerate(result.series):
            if index:
                out.append(b",")
            _compact_row(row, out)
        out.append(b"]")
    if result.messages:
        out.append(b',"messages":')
        out.append(gojson.dumps_bytes([message.to_json_obj() for message in result.messages]))
    if result.partial:
        out.append(b',"partial":true')
    if result.error:
        out.append(b',"error":')
        out.append(gojson.dumps_bytes(result.error))
    out.append(b"}")


def _compact_row(row: Row, out: list[bytes]) -> None:
    head = encode_row_head(row.name, row.tags, row.columns)
    out.append(head)
    if row.row_count():
        out.append(b',"values":' if len(head) > 1 else b'"values":')
        values = row.json_values()
        out.append(values.encode_json(-1) if isinstance(values, FrameValues) else gojson.dumps_bytes(values))
        if row.partial:
            out.append(b',"partial":true')
    elif row.partial:
        out.append(b',"partial":true' if len(head) > 1 else b'"partial":true')
    out.append(b"}")


# str.isspace() also holds for U+001C..U+001F, which Go's unicode.IsSpace does not count
_NOT_GO_SPACES = "\x1c\x1d\x1e\x1f"


def _csv_field(text: str) -> str:
    """Quote a field as Go's encoding/csv does: it holds , " CR or LF, is ``\\.``, or starts with a space."""
    if text == "":
        return text
    if (text == "\\." or any(ch in text for ch in ',"\r\n')
            or (text[0].isspace() and text[0] not in _NOT_GO_SPACES)):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return gojson.format_plain_float(value)
    return str(value)


def _escape_tag(text: str) -> str:
    return text.replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ")


def tags_hash_key(tags: dict[str, str]) -> str:
    """The tags as InfluxDB's series-key form ``k=v,k2=v2`` (sorted, escaped, empty values left out)."""
    return ",".join(f"{_escape_tag(key)}={_escape_tag(tags[key])}" for key in sorted(tags) if tags[key] != "")


class CSVFormatter:
    content_type = CSV_TYPE

    def __init__(self) -> None:
        self.statement_id = -1
        self.columns: list[str] = []
        self.cells: list[str] = []

    def _header(self, out: list[bytes], row: Row, separate: bool) -> None:
        if separate:
            out.append(b"\n")
        self.columns = list(row.columns)
        self.cells = list(row.columns)  # Go reuses one slice: a cell it writes nothing into keeps its text
        self._line(out, ["name", "tags", *row.columns])

    @staticmethod
    def _line(out: list[bytes], fields: list[str]) -> None:
        text = ",".join(_csv_field(field) for field in fields) + "\n"
        out.append(text.encode("utf-8", "surrogateescape"))

    def format(self, results: list[Result], error: str | None = None) -> bytes:
        out: list[bytes] = []
        if error is not None:
            self._line(out, ["error"])
            self._line(out, [error])
            return b"".join(out)
        for result in results:
            if result.statement_id != self.statement_id:
                if not result.series:
                    continue
                self._header(out, result.series[0], separate=self.statement_id >= 0)
                self.statement_id = result.statement_id
            for index, row in enumerate(result.series):
                if index > 0 and result.series[index - 1].columns != row.columns:
                    self._header(out, row, separate=True)
                tags = tags_hash_key(row.tags)
                frame = row.frame
                if frame is not None and frame.typed():  # written from the columns, as JSON is
                    prefix = f"{_csv_field(row.name)},{_csv_field(tags)},".encode("utf-8", "surrogateescape")
                    columns = [(c.kind, c.values, c.valid) for c in frame.columns]
                    out.append(encode_csv(prefix, frame.times, columns))
                    continue
                cells = self.cells
                for values in row.values:
                    for i, value in enumerate(values):
                        if not isinstance(value, GoInt):
                            cells[i] = _csv_value(value)
                    self._line(out, [row.name, tags, *cells])
        return b"".join(out)


class _MsgpackWriter:
    """The subset of msgpack influxd writes, with the same type choices as Go's tinylib/msgp."""

    def __init__(self) -> None:
        self.out = bytearray()

    def map_header(self, size: int) -> None:
        self._container(size, 0x80, 0xDE, 0xDF)

    def array_header(self, size: int) -> None:
        self._container(size, 0x90, 0xDC, 0xDD)

    def _container(self, size: int, fix: int, code16: int, code32: int) -> None:
        if size <= 15:
            self.out.append(fix | size)
        elif size <= 0xFFFF:
            self.out += struct.pack(">BH", code16, size)
        else:
            self.out += struct.pack(">BI", code32, size)

    def string(self, text: str) -> None:
        data = text.encode("utf-8", "surrogateescape")
        size = len(data)
        if size <= 31:
            self.out.append(0xA0 | size)
        elif size <= 0xFF:
            self.out += struct.pack(">BB", 0xD9, size)
        elif size <= 0xFFFF:
            self.out += struct.pack(">BH", 0xDA, size)
        else:
            self.out += struct.pack(">BI", 0xDB, size)
        self.out += data

    def integer(self, value: int) -> None:
        """Signed encodings for int64, as msgp's WriteInt64 picks them (positive values too)."""
        if 0 <= value <= 0x7F or -32 <= value < 0:
            self.out += struct.pack(">b", value)
        elif -0x80 <= value <= 0x7F:
            self.out += struct.pack(">Bb", 0xD0, value)
        elif -0x8000 <= value <= 0x7FFF:
            self.out += struct.pack(">Bh", 0xD1, value)
        elif -0x80000000 <= value <= 0x7FFFFFFF:
            self.out += struct.pack(">Bi", 0xD2, value)
        elif value <= 0x7FFFFFFFFFFFFFFF:
            self.out += struct.pack(">Bq", 0xD3, value)
        else:
            self.out += struct.pack(">BQ", 0xCF, value)

    def time(self, ns: int) -> None:
        seconds, nanos = divmod(ns, 1_000_000_000)
        self.out += struct.pack(">BBbqI", 0xC7, 12, 5, seconds, nanos)

    def value(self, value: Any) -> None:
        if value is None:
            self.out.append(0xC0)
        elif value is True:
            self.out.append(0xC3)
        elif value is False:
            self.out.append(0xC2)
        elif isinstance(value, int):
            self.integer(value)
        elif isinstance(value, float):
            self.out += struct.pack(">Bd", 0xCB, value)
        else:
            self.string(str(value))


class MsgpackFormatter:
    content_type = MSGPACK_TYPE

    def format(self, results: list[Result], error: str | None = None) -> bytes:
        w = _MsgpackWriter()
        w.map_header(1)
        if error is not None:
            w.string("error")
            w.string(error)
            return bytes(w.out)
        w.string("results")
        w.array_header(len(results))
        for result in results:
            self._result(w, result)
        return bytes(w.out)

    @staticmethod
    def _result(w: _MsgpackWriter, result: Result) -> None:
        if result.error:
            w.map_header(1)
            w.string("error")
            w.string(result.error)
            return
        w.map_header(2 + bool(result.messages) + result.partial)
        w.string("statement_id")
        w.integer(result.statement_id)
        if result.messages:
            w.string("messages")
            w.array_header(len(result.messages))
            for message in result.messages:
                w.map_header(2)
                w.string("level")
                w.string(message.level)
                w.string("text")
                w.string(message.text)
        w.string("series")
        w.array_header(len(result.series))
        for row in result.series:
            w.map_header(2 + bool(row.name) + bool(row.tags) + row.partial)
            if row.name:
                w.string("name")
                w.string(row.name)
            if row.tags:
                w.string("tags")
                w.map_header(len(row.tags))
                for key, value in row.tags.items():
                    w.string(key)
                    w.string(value)
            w.string("columns")
            w.array_header(len(row.columns))
            for column in row.columns:
                w.string(column)
            w.string("values")
            w.array_header(len(row.values))
            for values in row.values:
                w.array_header(len(values))
                for index, value in enumerate(values):
                    if index == 0 and row.time_values:
                        w.time(value)
                    else:
                        w.value(value)
            if row.partial:
                w.string("partial")
                w.value(True)
        if result.partial:
            w.string("partial")
            w.value(True)


Formatter = JSONFormatter | CSVFormatter | MsgpackFormatter


def formatter_for(accept: str | None, pretty: bool) -> Formatter:
    """The formatter influxd picks for an ``Accept`` header (an exact match; anything else is JSON)."""
    if accept in ("application/csv", "text/csv"):
        return CSVFormatter()
    if accept == MSGPACK_TYPE:
        return MsgpackFormatter()
    return JSONFormatter(pretty)
