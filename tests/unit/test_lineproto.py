"""Line-protocol parser: Cython vs the pure-Python reference, and both vs influxd 1.6.7's recorded answers."""

from __future__ import annotations

import base64
import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronus.models import (
    BOOLEAN,
    EMPTY,
    FLOAT,
    INTEGER,
    STRING,
    go_quote,
    make_series_key,
    parse,
    split_series_key,
)
from tests.unit import lineproto_reference as ref

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "lineproto" / "write.jsonl"
NOW = 1_700_000_000_123_456_789
PRECISION_NS = {"u": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}


def _normalise(points):
    """NaN-safe comparable form of (key, time, fields) triples."""
    return [(k, t, [(f, ty, "nan" if isinstance(v, float) and math.isnan(v) else v) for f, ty, v in fs])
            for k, t, fs in points]


def assert_matches_reference(body: bytes, precision: str = "n", now: int = NOW) -> None:
    expected = ref.parse(body, precision, now)
    batch = parse(body, precision, now)
    assert batch.errors == expected.errors
    assert _normalise(batch.points()) == _normalise((p.key, p.time, p.fields) for p in expected.points)


# -- goldens recorded from influxd 1.6.7 ---------------------------------------------------------------

def _golden_records() -> list[dict]:
    return [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]


RECORDS = _golden_records()


def _body(record: dict) -> bytes:
    if "body_b64" in record:
        return base64.b64decode(record["body_b64"])
    return record["body"].encode("utf-8")


def _json_text(raw: bytes) -> str:
    """A byte string as it comes back in influxd's JSON: each invalid UTF-8 byte becomes U+FFFD."""
    text = raw.decode("utf-8", "surrogateescape")
    return "".join("\ufffd" if 0xDC80 <= ord(c) <= 0xDCFF else c for c in text)


def _expected_answer(batch) -> tuple[int, str | None]:
    """/write's answer when only parsing decides it (no field-type or name checks involved)."""
    if not batch.errors:
        return 204, None
    if len(batch) == 0:
        return 400, batch.error_text()
    return 400, f"partial write: {batch.error_text()} dropped=0"


def _stored_rows(batch, now_time: int) -> Counter:
    """What SELECT * should show for the points of a batch: one row per series and time, fields merged."""
    merged: dict[tuple[bytes, int], dict] = {}
    for key, when, fields in batch.points():
        row = merged.setdefault((key, when), {})
        for name, _kind, value in fields:
            if name != b"time":
                row[name] = value
    rows = Counter()
    for (key, when), fields in merged.items():
        name, tags = split_series_key(key)
        if b"\\\\" in key and make_series_key(name, tags) != key:
            continue  # influxd stores `c\\,pu` but reads it under its canonical key `c\,pu`: never found
        columns = {_json_text(k): _json_text(v) for k, v in tags}
        for field, value in fields.items():
            # the query engine names a column without a name "val0" (golden quirks-005)
            columns[_json_text(field) or "val0"] = _json_text(value) if isinstance(value, bytes) else value
        rows[(_json_text(name), "now" if when == now_time else when, frozenset(columns.items()))] += 1
    return rows


def _selected_rows(select: dict) -> Counter:
    rows = Counter()
    for series in select["results"][0].get("series", []):
        columns = series["columns"]
        for values in series["values"]:
            cells = frozenset((c, v) for c, v in zip(columns[1:], values[1:], strict=True) if v is not None)
            rows[(series["name"], values[0], cells)] += 1
    return rows


def _shown_series(series: dict) -> set[str]:
    return {row[0] for s in series["results"][0].get("series", []) for row in s["values"]}


PARSE_ERROR_PREFIXES = ("unable to parse '", "partial write: unable to parse '")


@pytest.mark.parametrize("record", RECORDS, ids=[r["id"] for r in RECORDS])
def test_golden_write(record):
    body = _body(record)
    precision = record["precision"] or ""
    batch = parse(body, precision, NOW)
    multiple = PRECISION_NS.get(precision, 1)
    now_time = NOW - NOW % multiple
    error = record["error"]
    parse_decides = error is None or error.startswith(PARSE_ERROR_PREFIXES)
    if parse_decides:
        status, text = _expected_answer(batch)
        ours = text and _json_text(text.encode("utf-8", "surrogateescape"))
        assert (status, ours) == (record["status"], error)
        assert batch.value_problems == []
    # otherwise the write path decides (field types, "time" names, engine errors); it needs only the batch
        assert _stored_rows(batch, now_time) == _selected_rows(record["select"])
        shown = {_json_text(make_series_key(batch.measurement(s), batch.tags(s)))
                 for s in range(batch.series_count)}
        assert shown == _shown_series(record["series"])
    assert_matches_reference(body, precision)


def test_golden_corpus_covers_every_error_reason():
    texts = "\n".join(r["error"] or "" for r in RECORDS)
    for reason in ["missing measurement", "missing fields", "missing tag key", "missing tag value",
                   "invalid tag format", "duplicate tags", "max key length exceeded", "missing field key",
                   "missing field value", "invalid number", "invalid float", "unable to parse integer",
                   "invalid boolean", "unbalanced quotes", "invalid field format", "invalid value: field-key",
                   "bad timestamp", "strconv.ParseInt", "time outside range", "point is invalid"]:
        assert reason in texts, reason
    assert len(RECORDS) >= 150


def test_engine_errors_of_disagreeing_passes():
    """Where influxd's checking and reading passes split a line differently, the batch says what the
    storage engine will trip over, in its words (golden quirks-003 and quirks-004)."""
    batch = parse(rb'cpu a\\=",b=tx",c=1 1', "", NOW)
    [problem] = batch.value_problems
    assert problem.message == ('unable to parse bool value "tx\\",c=1": strconv.ParseBool: parsing '
                               '"tx\\",c=1": invalid syntax')
    assert problem.field == rb'a\=",b'
    batch = parse(rb'cpu a\\=",b=,",c=1 1', "", NOW)
    assert batch.errors == [] and batch.value_problems == []
    assert [kind for _, _, fields in batch.points() for _, kind, _ in fields] == [EMPTY, FLOAT]
    assert batch.point_string(0) == r'cpu a\\=",b=,",c=1 1'
    assert [batch.field_name(f) for f in batch.row_field.tolist()] == [rb'a\=",b', b'",c']


def test_lone_quote_value_is_reported_not_crashed():
    batch = parse(rb'm a\\=",b="', "", NOW)
    assert batch.errors == []
    messages = [p.message for p in batch.value_problems]
    assert messages == ['unable to parse string value "\\"": unbalanced quotes']


# -- columns and grouping ------------------------------------------------------------------------------

def test_columns_of_a_small_body():
    body = b'cpu,host=b,dc=x u=1,s="hi" 10\ncpu,dc=x,host=b u=2,ok=t 20\nmem free=5i 30\nbad line\n'
    batch = parse(body, "s", NOW)
    assert batch.errors == ["unable to parse 'bad line': invalid field format"]
    assert batch.series_keys == b"cpu,dc=x,host=bmem"
    assert batch.series_offsets.tolist() == [0, 15, 18]
    assert batch.point_series.tolist() == [0, 0, 1]
    assert batch.point_time.tolist() == [10_000_000_000, 20_000_000_000, 30_000_000_000]
    assert batch.point_rows.tolist() == [0, 2, 4, 5]
    assert [batch.field_name(f) for f in batch.row_field.tolist()] == [b"u", b"s", b"u", b"ok", b"free"]
    assert batch.row_type.tolist() == [FLOAT, STRING, FLOAT, BOOLEAN, INTEGER]
    assert batch.row_pair.tolist() == [0, 1, 0, 2, 3]
    assert [batch.series_field_key(p) for p in range(batch.pair_count)] == [
        b"cpu,dc=x,host=b#!~#u", b"cpu,dc=x,host=b#!~#s", b"cpu,dc=x,host=b#!~#ok", b"mem#!~#free"]
    assert batch.measurement(0) == b"cpu" and batch.tags(0) == [(b"dc", b"x"), (b"host", b"b")]


def test_groups_per_series_field():
    body = (b'cpu,h=a v=1 1\ncpu,h=b v=2 2\ncpu,h=a v=3,s="x" 3\ncpu,h=a v=4i 4\n'
            b'cpu,h=a b=t 5\ncpu,h=a s="y" 6\n')
    groups = parse(body, "", NOW).groups()
    assert [(g.key, g.type, g.times.tolist()) for g in groups] == [
        (b"cpu,h=a#!~#v", FLOAT, [1, 3]),        # the integer at 4 conflicts with the first type: left out
        (b"cpu,h=b#!~#v", FLOAT, [2]),
        (b"cpu,h=a#!~#s", STRING, [3, 6]),
        (b"cpu,h=a#!~#b", BOOLEAN, [5]),
    ]
    assert groups[0].values.tolist() == [1.0, 3.0]
    assert groups[2].values == [b"x", b"y"]
    assert groups[3].values.dtype == np.bool_ and groups[3].values.tolist() == [True]


def test_groups_skip_dropped_points():
    batch = parse(b"m a=1 1\nm a=2i 2\nm a=3i 3", "", NOW)
    groups = batch.groups(keep_points=np.array([False, True, True]))
    assert [(g.key, g.type, g.times.tolist(), g.values.tolist()) for g in groups] == [
        (b"m#!~#a", INTEGER, [2, 3], [2, 3])]


def test_group_order_is_columnar():
    batch = parse(b"m a=1,b=2 1\nn a=3 2\nm b=4,a=5 3", "", NOW)
    order, starts = batch.group_order()
    assert starts.tolist() == [0, 2, 4, 5]
    assert order.tolist() == [0, 4, 1, 3, 2]


def test_missing_time_uses_now_truncated_to_precision():
    for precision, expected in [("n", NOW), ("u", 1_700_000_000_123_456_000),
                                ("ms", 1_700_000_000_123_000_000),
                                ("s", 1_700_000_000_000_000_000), ("m", 1_699_999_980_000_000_000),
                                ("h", 1_699_999_200_000_000_000), ("bogus", NOW)]:
        assert parse(b"m v=1", precision, NOW).point_time.tolist() == [expected]


def test_precision_scales_timestamps():
    for precision, scale in PRECISION_NS.items():
        assert parse(b"m v=1 7", precision, NOW).point_time.tolist() == [7 * scale]


def test_empty_and_blank_bodies():
    for body in [b"", b"\n", b"  \n\t\n", b"# only\n#comments"]:
        batch = parse(body, "", NOW)
        assert len(batch) == 0 and batch.errors == [] and batch.groups() == []


def test_series_are_deduplicated_and_tags_sorted():
    batch = parse(b"m,b=1,a=2 v=1 1\nm,a=2,b=1 v=2 2\nm,a=2 v=3 3", "", NOW)
    assert batch.series_count == 2
    assert [batch.series_key(s) for s in range(2)] == [b"m,a=2,b=1", b"m,a=2"]
    assert batch.point_series.tolist() == [0, 0, 1]


def test_split_series_key_unescapes_like_influxd():
    assert split_series_key(rb'm\ x\"y,t\ k=a\,b\"c,u=\=') == (b'm x"y', [(b"t k", b'a,b\\"c'), (b"u", b"=")])


def test_go_quote():
    quoted = go_quote(b'a"b\\c\n\x00\x7f\xff\xe2\x82\xac\xc2\xa0')
    assert quoted == '"a\\"b\\\\c\\n\\x00\\x7f\\xff\u20ac\\u00a0"'


def test_float_values_round_exactly():
    values = [b"0.1", b"1e23", b"9007199254740993", b"2.2250738585072011e-308", b"123456789012345678901234",
              b"4.9e-324", b"1.7976931348623157e308", b"-0", b"0.000001", b"3.14159265358979323846"]
    batch = parse(b"m " + b",".join(b"f%d=%s" % (i, v) for i, v in enumerate(values)) + b" 1", "", NOW)
    got = batch.row_float.tolist()
    assert got == [float(v) for v in values]
    assert math.copysign(1.0, got[7]) == -1.0


def test_accepts_bytes_like_bodies():
    body = b"m v=1 1"
    for form in (body, bytearray(body), memoryview(body)):
        assert parse(form, "", NOW).point_time.tolist() == [1]


# -- property tests: Cython == reference ---------------------------------------------------------------

ALPHABET = b' ,="\\=\n\t\r\x00#-+.0123456789eEiutTfFaNnxI\xff\xc3'
TOKENS = [b"m", b"cpu", b",", b" ", b"=", b'"', b"\\", b"\\\\", b"\\,", b"\\ ", b"\\=", b'\\"', b"\n", b"1",
          b"-", b"1.5", b"1e5", b"1i", b"-3i", b"1u", b"t", b"true", b"False", b"x", b"#", b"\t", b"\r\n",
          b"host=a",
          b"v=1", b"s=\"a b\"", b" 123", b" -5", b"9223372036854775807", b"99999999999999999999i", b"\x00"]


@st.composite
def valid_lines(draw):
    name = draw(st.sampled_from([b"cpu", b"m\\,x", b"m\\ y", b"\xc3\xa9t\xc3\xa9"]))
    tags = draw(st.dictionaries(st.sampled_from([b"host", b"dc", b"a\\=b", b"z", b"t\\ k"]),
                                st.sampled_from([b"a", b"b\\,c", b"=x", b"srv01"]), max_size=4))
    fields = draw(st.lists(st.tuples(
        st.sampled_from([b"v", b"f\\,1", b"u", b"time", b"s\\ x"]),
        st.one_of(st.floats(allow_nan=False, allow_infinity=False).map(lambda f: repr(f).encode()),
                  st.integers(-(2**63), 2**63 - 1).map(lambda i: b"%di" % i),
                  st.sampled_from([b"t", b"F", b"true", b"FALSE"]),
                  st.binary(max_size=12).map(lambda s: b'"' + s.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
                                             + b'"'))), min_size=1, max_size=5))
    stamp = draw(st.one_of(st.none(), st.integers(-2_562_047, 2_562_047)))  # in range at every precision
    line = name + b"".join(b"," + k + b"=" + v for k, v in tags.items()) + b" "
    line += b",".join(k + b"=" + v for k, v in fields)
    if stamp is not None:
        line += b" %d" % stamp
    return line


@settings(max_examples=400, deadline=None)
@given(st.lists(valid_lines(), max_size=6), st.sampled_from(["n", "u", "ms", "s", "m", "h", "x"]))
def test_valid_bodies_match_reference(lines, precision):
    body = b"\n".join(lines)
    assert_matches_reference(body, precision)
    assert parse(body, precision, NOW).errors == []


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=30))
def test_token_soup_matches_reference(tokens):
    assert_matches_reference(b"".join(tokens))


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=60).map(lambda raw: bytes(ALPHABET[b % len(ALPHABET)] for b in raw)))
def test_byte_soup_matches_reference(body):
    assert_matches_reference(body)


@settings(max_examples=300, deadline=None)
@given(st.lists(valid_lines(), min_size=1, max_size=4), st.integers(0, 200),
       st.binary(min_size=1, max_size=3))
def test_mutated_lines_match_reference(lines, position, junk):
    body = b"\n".join(lines)
    position %= len(body) + 1
    assert_matches_reference(body[:position] + junk + body[position:])


def test_parallel_parses_agree():
    """The scanning loops run without the GIL; threads parsing at once must not disturb each other."""
    from concurrent.futures import ThreadPoolExecutor

    bodies = [b"\n".join(b"cpu,host=h%d,n=%d v=%d.5,s=\"x%d\" %d" % (i % 7, k, i, i, i) for i in range(3000))
              for k in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        batches = list(pool.map(lambda body: parse(body, "s", NOW), bodies))
    for body, batch in zip(bodies, batches, strict=True):
        assert list(batch.points()) == list(parse(body, "s", NOW).points())
