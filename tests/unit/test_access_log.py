"""Access-log lines in influxd 1.6.7's format (expected lines copied from its access log, run by hand)."""

import time
from collections.abc import Iterator

import pytest

from chronus.http.access_log import access_line, logged_uri, sanitize_query, username

START = 1_795_756_342.0  # 2026-11-27T05:12:22Z


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """influxd logs in the machine's zone; the expected lines were taken on a UTC machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_query_line_redacts_passwords_and_sorts_parameters() -> None:
    query = "u=bob&p=secret&q=CREATE+USER+x+WITH+PASSWORD+'pw'&db=z"
    line = access_line(
        host="127.0.0.1",
        user=username(query, None),
        start=START,
        method="GET",
        uri=logged_uri("/query", query, sanitize=True),
        proto="HTTP/1.1",
        status=200,
        size=192,
        referer="http://ref",
        agent="agent/1",
        request_id="203fe03c-ea21-11f1-8001-000000000000",
        elapsed_us=74787,
    )
    assert line == (
        '127.0.0.1 - bob [27/Nov/2026:05:12:22 +0000] "GET /query?db=z&p=%5BREDACTED%5D&q=CREATE+USER+x+WITH'
        '+PASSWORD+%5BREDACTED%5D&u=bob HTTP/1.1" 200 192 "http://ref" "agent/1" '
        "203fe03c-ea21-11f1-8001-000000000000 74787"
    )


def test_write_line_keeps_raw_query_but_redacts_p() -> None:
    assert logged_uri("/write", "db=nope&p=x", sanitize=False) == "/write?db=nope&p=%5BREDACTED%5D"
    assert logged_uri("/write", "db=b&precision=s", sanitize=False) == "/write?db=b&precision=s"
    assert logged_uri("/ping", "", sanitize=False) == "/ping"


def test_basic_auth_user_and_missing_fields() -> None:
    line = access_line(
        host="127.0.0.1",
        user=username("q=SHOW+DATABASES", "al"),
        start=START,
        method="GET",
        uri=logged_uri("/query", "q=SHOW+DATABASES", sanitize=True),
        proto="HTTP/1.1",
        status=200,
        size=84,
        referer="",
        agent="curl/7.88.1",
        request_id="20528b9a-ea21-11f1-8004-000000000000",
        elapsed_us=418,
    )
    assert line == (
        '127.0.0.1 - al [27/Nov/2026:05:12:22 +0000] "GET /query?q=SHOW+DATABASES HTTP/1.1" 200 84 "-" '
        '"curl/7.88.1" 20528b9a-ea21-11f1-8004-000000000000 418'
    )


def test_sanitize_like_influxql() -> None:
    assert sanitize_query("SET PASSWORD FOR bob = 'x'") == "SET PASSWORD FOR bob = [REDACTED]"
    assert sanitize_query('create user a with password "p w"') == 'create user a with password [REDACTED] w"'
    assert sanitize_query("SELECT 1") == "SELECT 1"


def test_long_and_repeated_query_strings_log_the_same_way() -> None:
    long_q = "q=SELECT+" + "a%2C" * 700 + "b+FROM+m&u=bob&p=secret&db=x"
    assert len(long_q) > 2048  # past the remembered length: decoded each time
    expected = "/query?db=x&p=%5BREDACTED%5D&q=SELECT+" + "a%2C" * 700 + "b+FROM+m&u=bob"
    for _ in range(2):
        assert logged_uri("/query", long_q, sanitize=True) == expected
        short = logged_uri("/query", "u=bob&p=secret&db=x", sanitize=True)
        assert short == "/query?db=x&p=%5BREDACTED%5D&u=bob"
        assert username(long_q, "basic") == "bob"
        assert username("u=bob&p=secret&db=x", None) == "bob"
        assert username("%75=carol&db=x", None) == "carol"
        assert username("db=x&u=", "basic") == "basic"
