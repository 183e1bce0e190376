"""The three /query body formats against influxd 1.6.7's bytes (tests/golden/http/responses.jsonl).

The results are built by hand here to pin the formatters alone; the HTTP tests replay the same requests
against a running Chronus.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from chronus.http.response import CSVFormatter, JSONFormatter, MsgpackFormatter, formatter_for, tags_hash_key
from chronus.query.result import Result, Row

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "http" / "responses.jsonl"
PARSE_ERROR = "error parsing query: found EOF, expected identifier at line 1, char 15"
# The recorded queries whose results this file builds by hand (tools/record_http.py's FORMAT_QUERIES).
FORMAT_QUERIES = {
    "SELECT * FROM t",
    "SELECT * FROM t tz('America/Chicago')",
    "SELECT * FROM t GROUP BY h",
    "SELECT * FROM nope; SELECT * FROM t LIMIT 1; SHOW DATABASES; SELECT * FROM t GROUP BY h",
    "SELECT * FROM f",
    "SELECT * FROM",
}


def t_row(values: list[list], tags: dict | None = None, columns: list[str] | None = None) -> Row:
    return Row(
        name="t", tags=tags or {}, columns=columns or ["time", "h", "s", "v"], values=values, time_values=True
    )


def expected_results(text: str) -> list[Result]:
    a = [1_500_000_000_123_456_789, "a", None, 1.0]
    b2 = [1_500_000_000_000_000_000, "b", "x", 2.0]
    b3 = [-1_000_000_000, "b", None, 3.0]
    by_h = [
        Row(
            name="t",
            tags={"h": "a"},
            columns=["time", "s", "v"],
            values=[[a[0], None, 1.0]],
            time_values=True,
        ),
        Row(
            name="t",
            tags={"h": "b"},
            columns=["time", "s", "v"],
            values=[[b3[0], None, 3.0], [b2[0], "x", 2.0]],
            time_values=True,
        ),
    ]
    if text == "SELECT * FROM t":
        return [Result(0, [t_row([b3, b2, a])])]
    if text == "SELECT * FROM t tz('America/Chicago')":
        row = t_row([b3, b2, a])
        row.location = "America/Chicago"
        return [Result(0, [row])]
    if text == "SELECT * FROM t GROUP BY h":
        return [Result(0, by_h)]
    if text.startswith("SELECT * FROM nope;"):
        databases = Row(name="databases", columns=["name"], values=[["d"]])
        return [Result(0), Result(1, [t_row([b3])]), Result(2, [databases]), Result(3, by_h)]
    if text == "SELECT * FROM f":
        return [
            Result(
                0,
                [
                    Row(
                        name="f",
                        columns=["time", "v", "w", "x", "y", "z"],
                        values=[[1000, 0.0000001, 1e21, 12345678.9, 1.5e-300, -0.0]],
                        time_values=True,
                    )
                ],
            )
        ]
    raise AssertionError(text)


def format_cases() -> list[dict]:
    cases = []
    for line in GOLDEN.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        request = record["request"]
        url = urlsplit(request["path"])
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path != "/query" or "q" not in params or "chunked" in params or params.get("db") != "d":
            continue
        if set(params) - {"db", "q", "pretty", "epoch"} or params["q"] not in FORMAT_QUERIES:
            continue
        cases.append(record)
    return cases


CASES = format_cases()


def test_golden_has_all_format_cases() -> None:
    assert len(CASES) == 6 * 8 + 4  # 6 queries x 8 variants, plus epoch=u/s/h/bogus


@pytest.mark.parametrize("record", CASES, ids=lambda r: f"{r['request']['path']}|{r['request']['headers']}")
def test_body_matches_influxd(record: dict) -> None:
    request = record["request"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(request["path"]).query).items()}
    formatter = formatter_for(request["headers"].get("Accept"), params.get("pretty") == "true")
    assert record["headers"]["content-type"] == formatter.content_type
    if params["q"] == "SELECT * FROM":
        assert record["status"] == 400
        body = formatter.format([], PARSE_ERROR)
    else:
        assert record["status"] == 200
        results = copy.deepcopy(expected_results(params["q"]))
        if "epoch" in params:
            for result in results:
                for row in result.series:
                    row.convert_to_epoch(params["epoch"])
        body = formatter.format(results)
    expected = base64.b64decode(record["body_base64"]) if "body_base64" in record else record["body"].encode()
    assert body == expected


def test_formatter_choice() -> None:
    assert isinstance(formatter_for("application/csv", False), CSVFormatter)
    assert isinstance(formatter_for("text/csv", True), CSVFormatter)
    assert isinstance(formatter_for("application/x-msgpack", False), MsgpackFormatter)
    assert isinstance(formatter_for("text/html", False), JSONFormatter)
    assert formatter_for(None, True).pretty is True


def test_tags_hash_key_escapes_and_skips_empty_values() -> None:
    assert tags_hash_key({"b": "x y", "a": "1,2", "c": "", "d=": "v"}) == "a=1\\,2,b=x\\ y,d\\==v"


def test_csv_quotes_like_go() -> None:
    row = Row(
        name="m", columns=["time", "s"], values=[[1, 'a,"b"'], [2, " lead"], [3, "line\nbreak"], [4, ""]]
    )
    body = CSVFormatter().format([Result(0, [row])]).decode()
    assert body == 'name,tags,time,s\nm,,1,"a,""b"""\nm,,2," lead"\nm,,3,"line\nbreak"\nm,,4,\n'


def test_csv_error() -> None:
    assert CSVFormatter().format([], 'bad "x"') == b'error\n"bad ""x"""\n'


def test_epoch_truncates_toward_zero_like_go() -> None:
    row = Row(name="m", columns=["time"], values=[[-1_500_000], [1_500_000]], time_values=True)
    row.convert_to_epoch("ms")
    assert row.values == [[-1], [1]]
    assert row.time_values is False


def test_infinite_value_gives_influxd_marshal_error_body() -> None:
    row = Row(name="m", columns=["time", "ln"], values=[[0, float("-inf")]], time_values=True)
    assert JSONFormatter().format([Result(0, [row])]) == (
        b"json: error calling MarshalJSON for type httpd.Response: json: error calling MarshalJSON for type "
        b"*query.Result: json: unsupported value: -Inf\n"
    )


def _generic_json(results: list[Result], error: str | None = None) -> bytes:
    """The body through the generic path: dicts in Go's field order walked by ``gojson``."""
    from chronus.http import gojson
    from chronus.query.result import response_obj

    return gojson.dumps_bytes(response_obj(results, error)) + b"\n"


def test_compact_writer_matches_the_generic_encoder() -> None:
    """``JSONFormatter`` writes rows straight from the results; every field and ``omitempty`` case is
    checked against the dicts ``gojson`` walks (the goldens check the common ones against influxd)."""
    import numpy as np

    from chronus.query.result import Frame, Message
    from chronus.query.vector import FLOAT, STRING, Column

    frame = Frame(np.array([0, 1_500_000_000_123_456_789], np.int64),
                  [Column(FLOAT, np.array([1.5, -0.0]), np.array([True, False])),
                   Column(STRING, np.array(["<a&b>", "\u2028é\"\\"], dtype=object), np.ones(2, bool))])
    rows = [
        Row.from_frame(frame, name="cpu", tags={"z": "1", "a": "x\u2029", "é": "\x01"},
                       columns=["time", "v", "s"]),
        Row.from_frame(frame, columns=["time", "v", "s"], location="America/Chicago"),
        Row(name="m", columns=["key", "value"], values=[["a", 1], ["b", None]]),
        Row(name="only"),
        Row(tags={"h": "a"}),
        Row(columns=["c"]),
        Row(),
        Row(name="p", columns=["time", "v"], values=[[5, True]], time_values=True, partial=True),
        Row(partial=True),
        Row(name="e", tags={"h": "b"}, partial=True),
    ]
    cases = [
        [],
        [Result()],
        [Result(statement_id=3, series=rows)],
        [Result(series=rows[:2], messages=[Message("warning", "w <1>")], partial=True),
         Result(statement_id=1, error="bad \"thing\" <x>")],
        [Result(statement_id=2, messages=[Message("info", "i")])],
    ]
    formatter = JSONFormatter()
    for results in cases:
        for error in (None, "", "boom & <bang>"):
            expected = _generic_json(copy.deepcopy(results), error)
            assert formatter.format(copy.deepcopy(results), error) == expected
    assert formatter.format([Result(series=rows[:1])]).startswith(
        b'{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"a":"x\\u2029","z":"1",'
        b'"\xc3\xa9":"\\u0001"},"columns":["time","v","s"],"values":[["1970-01-01T00:00:00Z",1.5,'
        b'"\\u003ca\\u0026b\\u003e"],')
