"""Expected texts below were answered by the real influxd 1.6.7 (Go 1.19 encoding/json)."""

import json
import math
import re
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chronus.http.gojson import dumps, format_float, format_string


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0000001, "1e-7"),
        (1e21, "1e+21"),
        (1.0, "1"),
        (123456789012345678901.0, "123456789012345680000"),
        (0.000001, "0.000001"),
        (1e20, "100000000000000000000"),
        (-0.0, "-0"),
        (0.0, "0"),
        (1.5e-300, "1.5e-300"),
        (12345678.9, "12345678.9"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        (1.2345e22, "1.2345e+22"),
        (-1.5e-7, "-1.5e-7"),
        (1e-10, "1e-10"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (2.0**53, "9007199254740992"),
        (2.0**60, "1152921504606847000"),
        (0.30000000000000004, "0.30000000000000004"),
        (100.5, "100.5"),
    ],
)
def test_float_like_go(value: float, expected: str) -> None:
    assert format_float(value) == expected


@pytest.mark.parametrize(("value", "name"), [(math.nan, "NaN"), (math.inf, "+Inf"), (-math.inf, "-Inf")])
def test_special_floats_refused(value: float, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^json: unsupported value: {re.escape(name)}$"):
        format_float(value)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_text_round_trips(value: float) -> None:
    text = format_float(value)
    assert struct.pack("<d", float(text)) == struct.pack("<d", value)
    assert not text.endswith(".0")


def test_string_escapes_like_go() -> None:
    # Written as `s="a\\tb<BS>c<FF>d<SOH>e<DEL>f<U+2028>g\u00e9h<0xff>i"` and read back from influxd 1.6.7.
    text = "a\\tb\x08c\x0cd\x01e\x7ff\u2028g\u00e9h" + b"\xff".decode("utf-8", "surrogateescape") + "i"
    assert format_string(text) == '"a\\\\tb\\u0008c\\u000cd\\u0001e\x7ff\\u2028g\u00e9h\\ufffdi"'
    assert format_string('a<b>&c"\n\r\t\u2029') == '"a\\u003cb\\u003e\\u0026c\\"\\n\\r\\t\\u2029"'


def test_compact_document() -> None:
    doc = {
        "results": [
            {
                "statement_id": 0,
                "series": [
                    {"name": "m", "columns": ["time", "a"], "values": [["1970-01-01T00:00:00Z", 1.0]]}
                ],
            }
        ]
    }
    assert dumps(doc) == (
        '{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","a"],'
        '"values":[["1970-01-01T00:00:00Z",1]]}]}]}'
    )


def test_pretty_matches_marshal_indent() -> None:
    doc = {
        "results": [
            {"statement_id": 0, "series": [{"name": "databases", "columns": ["name"], "values": [["d"]]}]},
            {"statement_id": 1},
        ]
    }
    assert dumps(doc, pretty=True) == (
        '{\n    "results": [\n        {\n            "statement_id": 0,\n            "series": [\n'
        '                {\n                    "name": "databases",\n                    "columns": [\n'
        '                        "name"\n                    ],\n                    "values": [\n'
        '                        [\n                            "d"\n                        ]\n'
        "                    ]\n                }\n            ]\n        },\n        {\n"
        '            "statement_id": 1\n        }\n    ]\n}'
    )
    assert dumps({"a": [], "b": {}}, pretty=True) == '{\n    "a": [],\n    "b": {}\n}'


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=20,
    )
)
def test_output_is_valid_json_of_same_value(value: object) -> None:
    # Go prints integral floats without a fraction, so numbers are compared as floats.
    expected = json.loads(json.dumps(value), parse_int=float)
    assert json.loads(dumps(value), parse_int=float) == expected
    assert json.loads(dumps(value, pretty=True), parse_int=float) == expected


def test_unsupported_type() -> None:
    with pytest.raises(TypeError, match="json: unsupported type: object"):
        dumps(object())
