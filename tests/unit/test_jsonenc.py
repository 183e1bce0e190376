"""The Cython values encoder (``chronus._ext.jsonenc``) against the Python one (``gojson`` + ``timefmt``).

A row held as a frame is written straight from its columns; the same rows as Python lists through
``gojson.dumps`` are the reference, and both must give the same bytes for every kind of column, every time
format (RFC3339Nano in UTC and in ``tz()`` zones, every ``epoch``) and both layouts.
"""

from __future__ import annotations

import copy
import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronus._ext.jsonenc import encode_rows, encode_values, format_go_float, rfc3339_texts
from chronus.http import gojson
from chronus.http.response import CSVFormatter, JSONFormatter
from chronus.query.result import EPOCH_DIVISORS, Frame, FrameValues, Result, Row, utc_offsets
from chronus.query.timefmt import format_times
from chronus.query.vector import Column

# influxd's time range (models.MinNanoTime .. MaxNanoTime)
MIN_TIME = -9_223_372_036_854_775_806
MAX_TIME = 9_223_372_036_854_775_806
ZONES = [None, "America/Chicago", "Asia/Kolkata", "Europe/London", "Australia/Lord_Howe", "Africa/Monrovia",
         "Pacific/Chatham", "America/St_Johns"]
EPOCHS = ["", "ns", "u", "ms", "s", "m", "h"]

finite_floats = st.floats(allow_nan=False, allow_infinity=False)
texts = st.text(st.characters(codec=None, exclude_categories=()), max_size=12) | st.sampled_from(
    ["", "<>&", "\u2028\u2029", "\x7f\x00\x1f", "a\udcffb", "\ud800", "é漢字🎉", '"\\'])


@st.composite
def columns(draw: st.DrawFn, n: int) -> Column:
    kind = draw(st.sampled_from(["f", "i", "u", "s", "b", None]))
    valid = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
    if kind is None:
        return Column.null(n)
    if kind == "f":
        values = np.array(draw(st.lists(finite_floats | st.sampled_from([0.0, -0.0, 1e21, 1e-7, 2.0**53,
                                                                         1e-6, 5e-324, math.nan]),
                                        min_size=n, max_size=n)), np.float64)
    elif kind == "i":
        values = np.array(draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=n, max_size=n)), np.int64)
    elif kind == "u":
        values = np.array(draw(st.lists(st.integers(0, 2**64 - 1), min_size=n, max_size=n)), np.uint64)
    elif kind == "b":
        values = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
    else:
        values = np.empty(n, object)
        values[:] = draw(st.lists(texts, min_size=n, max_size=n))
    return Column(kind, values, valid)


@st.composite
def frames(draw: st.DrawFn) -> Frame:
    n = draw(st.integers(0, 8))
    times = draw(st.lists(st.integers(MIN_TIME, MAX_TIME) | st.integers(-10**10, 10**10), min_size=n,
                          max_size=n))
    return Frame(np.array(times, np.int64), [draw(columns(n)) for _ in range(draw(st.integers(0, 4)))])


def python_dumps(value: object, pretty: bool) -> str:
    """``gojson.dumps`` walking every value in Python (no ``encode_rows``)."""
    with mock.patch.object(gojson, "_rows", lambda value, indent: None):
        return gojson.dumps(value, pretty)


def reference(row: Row, pretty: bool) -> bytes:
    """The body the Python encoder writes for ``row`` (its frame turned into lists first)."""
    values = copy.deepcopy(row.values)
    if row.time_values:  # times as timefmt writes them
        texts = format_times(np.array([r[0] for r in values], np.int64), row.location)
        values = [[text, *r[1:]] for text, r in zip(texts, values, strict=True)]
    plain = Row(name=row.name, columns=row.columns, values=values)
    try:
        text = python_dumps(Result(0, [plain]).to_json_obj(), pretty)
    except ValueError as err:
        text = str(err)
    return text.encode("utf-8", "surrogateescape")


def fast(row: Row, pretty: bool) -> bytes:
    try:
        return gojson.dumps_bytes(Result(0, [row]).to_json_obj(), pretty)
    except ValueError as err:
        return str(err).encode()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), st.sampled_from(ZONES), st.sampled_from(EPOCHS), st.booleans())
def test_frame_encodes_like_python(frame: Frame, zone: str | None, epoch: str, pretty: bool) -> None:
    columns = ["time"] + [f"c{i}" for i in range(len(frame.columns))]
    row = Row.from_frame(frame, name="m", columns=columns, location=zone)
    if epoch:
        row.convert_to_epoch(epoch)
    assert row.frame is not None or len(frame) == 0
    assert fast(row, pretty) == reference(row, pretty)


def csv_body(row: Row) -> bytes:
    try:
        return CSVFormatter().format([Result(0, [row])])
    except UnicodeEncodeError as err:  # a surrogate surrogateescape cannot turn back into a byte
        return f"UnicodeEncodeError {err.reason}".encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), st.sampled_from(EPOCHS), texts, st.sampled_from(["", "h=a", "h=x\\ y,r=\"q\""]))
def test_frame_csv_like_python(frame: Frame, epoch: str, name: str, tags: str) -> None:
    columns = ["time"] + [f"c{i}" for i in range(len(frame.columns))]
    tag_map = dict(item.split("=", 1) for item in tags.split(",")) if tags else {}
    row = Row.from_frame(frame, name=name, tags=tag_map, columns=columns)
    if epoch:
        row.convert_to_epoch(epoch)
    plain = Row(name=name, tags=tag_map, columns=columns, values=copy.deepcopy(row.values),
                time_values=row.time_values)
    row = Row.from_frame(frame, name=name, tags=tag_map, columns=columns)
    if epoch:
        row.convert_to_epoch(epoch)
    assert csv_body(row) == csv_body(plain)


def test_csv_floats_and_fields_like_go() -> None:
    values = np.empty(4, object)
    values[:] = ["a,b", '"q"', "\x1cx", "\u3000y"]
    frame = Frame(np.array([1, 2, 3, 4], np.int64),
                  [Column("f", np.array([1e-7, 1e21, math.inf, -0.0]), np.ones(4, bool)),
                   Column("s", values, np.ones(4, bool))])
    body = CSVFormatter().format([Result(0, [Row.from_frame(frame, name="m", columns=["time", "f", "s"])])])
    assert body == ('name,tags,time,f,s\nm,,1,0.0000001,"a,b"\nm,,2,1000000000000000000000,"""q"""\n'
                    'm,,3,+Inf,\x1cx\nm,,4,-0,"\u3000y"\n').encode()


def test_string_columns_holding_numbers_write_them_as_values() -> None:
    """fill(<number>) in a string or boolean auxiliary field (influxd's scanner) leaves numbers among the
    strings: JSON and CSV write each cell as its own type, as the generic (list) path does."""
    values = np.empty(6, object)
    values[:] = ["x", 7, -1.5, 1e-7, True, "y"]
    valid = np.array([True, True, True, True, True, False])
    frame = Frame(np.arange(6, dtype=np.int64), [Column("s", values, valid)])
    row = Row.from_frame(frame, name="m", columns=["time", "s"])
    assert row.frame is not None and row.frame.typed()  # the C writers take it
    body = JSONFormatter().format([Result(0, [row])])
    assert body == (b'{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","s"],"values":['
                    b'["1970-01-01T00:00:00Z","x"],["1970-01-01T00:00:00.000000001Z",7],'
                    b'["1970-01-01T00:00:00.000000002Z",-1.5],["1970-01-01T00:00:00.000000003Z",1e-7],'
                    b'["1970-01-01T00:00:00.000000004Z",true],["1970-01-01T00:00:00.000000005Z",null]]}]}]}\n')
    for pretty in (False, True):
        assert fast(row, pretty) == reference(row, pretty)
    csv = CSVFormatter().format([Result(0, [Row.from_frame(frame, name="m", columns=["time", "s"])])])
    assert csv == b"name,tags,time,s\nm,,0,x\nm,,1,7\nm,,2,-1.5\nm,,3,0.0000001\nm,,4,true\nm,,5,\n"
    values[0] = object()
    with pytest.raises(TypeError, match="string column holds object"):
        encode_values(np.arange(6, dtype=np.int64), None, True, [("s", values, valid)])


@given(finite_floats)
def test_float_text_matches_python(value: float) -> None:
    assert format_go_float(value).decode() == gojson.format_float(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "1"), (-0.0, "-0"), (1e-7, "1e-7"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
     (1.5e-300, "1.5e-300"), (0.000001, "0.000001"), (12345678.9, "12345678.9"),
     (2.0**53 + 2, "9007199254740994"),
     (-1.7976931348623157e308, "-1.7976931348623157e+308"), (5e-324, "5e-324"), (123e-9, "1.23e-7")],
)
def test_float_text_like_go(value: float, text: str) -> None:
    assert format_go_float(value).decode() == text


def test_infinity_is_refused_with_go_words() -> None:
    col = Column("f", np.array([1.0, math.inf]), np.ones(2, bool))
    with pytest.raises(ValueError, match=r"^json: unsupported value: \+Inf$"):
        encode_values(np.array([1, 2], np.int64), None, True, [(col.kind, col.values, col.valid)])
    # behind a null it is never looked at
    hidden = ("f", np.array([-math.inf]), np.zeros(1, bool))
    assert encode_values(np.array([1], np.int64), None, False, [hidden]) == b"[[1,null]]"
    # the first in row order, then column order, as Go's encoder meets them
    later = ("f", np.array([1.0, math.inf]), np.ones(2, bool))
    sooner = ("f", np.array([-math.inf, 1.0]), np.ones(2, bool))
    with pytest.raises(ValueError, match=r"^json: unsupported value: -Inf$"):
        encode_values(np.array([1, 2], np.int64), None, True, [later, sooner])
    with pytest.raises(ValueError, match=r"^json: unsupported value: \+Inf$"):
        encode_values(np.array([1, 2], np.int64), None, True, [later, ("f", np.array([1.0, -math.inf]),
                                                                          np.ones(2, bool))])


def test_formatter_writes_the_marshal_error_for_infinity() -> None:
    frame = Frame(np.array([0], np.int64), [Column("f", np.array([-math.inf]), np.ones(1, bool))])
    body = JSONFormatter().format([Result(0, [Row.from_frame(frame, name="m", columns=["time", "v"])])])
    assert body.endswith(b"json: unsupported value: -Inf\n")


def test_strings_escaped_like_go() -> None:
    values = np.empty(3, object)
    values[:] = ["<a&b>\u2028", "\x01\t\"\\\x7f", "x\udc80"]
    out = encode_values(np.array([0, 1, 2], np.int64), None, False, [("s", values, np.ones(3, bool))])
    assert out == b'[[0,"\\u003ca\\u0026b\\u003e\\u2028"],[1,"\\u0001\\t\\"\\\\\x7f"],[2,"x\\ufffd"]]'


def test_tz_times_and_lmt_offsets_truncate_like_go() -> None:
    # 1874 in Chicago is LMT, -5:50:36; Go's Z07:00 drops the seconds toward zero: -05:50
    times = np.array([-3_000_000_000_000_000_000, 1_500_000_000_123_456_789], np.int64)
    row = Row.from_frame(Frame(times, []), name="m", columns=["time"], location="America/Chicago")
    assert fast(row, False) == b'{"statement_id":0,"series":[{"name":"m","columns":["time"],"values":' \
        b'[["1874-12-07T12:49:24-05:50"],["2017-07-13T21:40:00.123456789-05:00"]]}]}'


def test_epoch_truncates_frames_toward_zero() -> None:
    row = Row.from_frame(Frame(np.array([-1_500_000, 1_500_000], np.int64), []), columns=["time"])
    row.convert_to_epoch("ms")
    assert row.values == [[-1], [1]]
    assert set(EPOCH_DIVISORS) == {"u", "ms", "s", "m", "h"}


def test_pieces_merge_as_one_frame_and_truncate() -> None:
    frame = Frame(np.arange(5, dtype=np.int64), [Column("i", np.arange(5, dtype=np.int64), np.ones(5, bool))])
    row = Row.from_frame(frame.slice(0, 2), name="m", columns=["time", "v"])
    row.extend(Row.from_frame(frame.slice(2, 5), name="m", columns=["time", "v"]))
    assert row.row_count() == 5 and row.frame is not None
    row.truncate(4)
    assert row.row_count() == 4
    assert isinstance(Result(0, [row]).to_json_obj()["series"][0]["values"], FrameValues)
    assert row.values == [[0, 0], [1, 1], [2, 2], [3, 3]]
    assert row.frame is None  # read as lists once, the row stays lists


def test_kind_change_between_pieces_falls_back_to_lists() -> None:
    a = Frame(np.array([1], np.int64), [Column("i", np.array([7], np.int64), np.ones(1, bool))])
    b = Frame(np.array([2], np.int64), [Column("f", np.array([0.5]), np.ones(1, bool))])
    row = Row.from_frame(a, name="m", columns=["time", "v"])
    row.extend(Row.from_frame(b, name="m", columns=["time", "v"]))
    assert row.frame is None
    assert JSONFormatter().format([Result(0, [row])]) == (
        b'{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],"values":'
        b'[["1970-01-01T00:00:00.000000001Z",7],["1970-01-01T00:00:00.000000002Z",0.5]]}]}]}\n')


@pytest.mark.parametrize("pretty", [False, True])
def test_whole_response_with_frames_like_lists(pretty: bool) -> None:
    def results(frames: bool) -> list[Result]:
        out = []
        for statement in range(2):
            series = []
            for host in ("a", "b"):
                n = 3 + statement
                values = np.empty(n, object)
                values[:] = [f"{host}<{i}>" for i in range(n)]
                frame = Frame(np.arange(n, dtype=np.int64) * 1_500_000_000 + 10**18,
                              [Column("f", np.linspace(-1e-7, 1e22, n), np.ones(n, bool)),
                               Column("s", values, np.arange(n) % 2 == 0)])
                row = Row.from_frame(frame, name="cpu", tags={"host": host}, columns=["time", "f", "s"],
                                     location="Asia/Kolkata" if statement else None)
                if not frames:
                    row = Row(name=row.name, tags=row.tags, columns=row.columns, values=row.values,
                              time_values=True, location=row.location)
                series.append(row)
            out.append(Result(statement, series, partial=statement == 0))
        return out

    fast_body = JSONFormatter(pretty).format(results(True))
    assert fast_body == JSONFormatter(pretty).format(results(False))
    assert fast_body.count(b"+05:30") == 8


def test_untyped_columns_take_the_list_path() -> None:
    # an integer column held as Python objects (as a mixed-dtype concatenation leaves it) keeps its exact ints
    values = np.array([2**62 + 1, None], object)
    frame = Frame(np.array([0, 1], np.int64), [Column("i", values, np.array([True, False]))])
    row = Row.from_frame(frame, name="m", columns=["time", "v"])
    assert not frame.typed()
    assert JSONFormatter().format([Result(0, [row])]).endswith(
        b'"values":[["1970-01-01T00:00:00Z",4611686018427387905],["1970-01-01T00:00:00.000000001Z",null]]}]}]}\n')


scalars = (st.none() | st.booleans() | texts | st.floats() | st.integers(-(2**63), 2**64 - 1)
           | st.integers(2**64, 2**70))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(scalars, max_size=5), max_size=5), st.booleans())
def test_list_rows_encode_like_python(rows: list[list], pretty: bool) -> None:
    def encoded(fast: bool) -> str:
        try:
            return gojson.dumps({"values": rows}, pretty) if fast else python_dumps({"values": rows}, pretty)
        except ValueError as err:
            return str(err)

    assert encoded(True) == encoded(False)


def test_list_rows_fall_back_for_other_values() -> None:
    assert encode_rows([["a", np.int64(1)]]) is None
    assert encode_rows([["a", 2**64]]) is None
    assert encode_rows([("a",)]) is None
    assert encode_rows([["a", 1, 2.5, None, False]]) == b'[["a",1,2.5,null,false]]'


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(MIN_TIME, MAX_TIME) | st.integers(-10**12, 10**12), max_size=6),
       st.sampled_from(ZONES))
def test_rfc3339_texts_like_timefmt(times: list[int], zone: str | None) -> None:
    stamps = np.array(times, np.int64)
    offsets = utc_offsets(stamps, zone) if zone else None
    assert rfc3339_texts(stamps, offsets) == format_times(stamps, zone)
