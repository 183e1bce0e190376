"""The HTTP access log as ``[http] log-enabled`` / ``access-log-path`` ask, in influxd's line format.

Apache's combined format plus the request id and the response time in microseconds
(``%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" %L %D``), passwords redacted from the URL:
written to stderr with an ``[httpd] `` prefix, or to the access log file without it.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
import time
from typing import TextIO
from urllib.parse import parse_qsl, urlencode, urlsplit

_SET_PASSWORD = re.compile(r"(?i)password\s+for[^=]*=\s+([\"']?[^\s\"]+[\"']?)")
_CREATE_PASSWORD = re.compile(r"(?i)with\s+password\s+([\"']?[^\s\"]+[\"']?)")
REDACTED = "[REDACTED]"


def sanitize_query(text: str) -> str:
    """Passwords of SET PASSWORD and CREATE USER statements replaced by ``[REDACTED]`` (influxql.Sanitize)."""
    for pattern in (_SET_PASSWORD, _CREATE_PASSWORD):
        text = pattern.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + REDACTED, text)
    return text


# Query strings up to this long have their logged forms remembered: dashboards repeat the same requests,
# and decoding and re-encoding one costs about as much as the rest of a small query's HTTP work.
_REMEMBERED_QUERY = 2048


def logged_uri(path: str, query: str, sanitize: bool) -> str:
    """The request URI as influxd logs it: ``p`` redacted; for /query every value re-encoded, ``q`` sanitized.

    Go re-encodes the query string with ``url.Values.Encode`` (keys sorted) whenever it rewrites it.
    """
    if len(query) <= _REMEMBERED_QUERY:
        return _remembered_uri(path, query, sanitize)
    return _logged_uri(path, query, sanitize)


@functools.lru_cache(maxsize=1024)
def _remembered_uri(path: str, query: str, sanitize: bool) -> str:
    return _logged_uri(path, query, sanitize)


def _logged_uri(path: str, query: str, sanitize: bool) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    has_password = any(key == "p" for key, _ in pairs)
    if not sanitize and not has_password:
        return path + ("?" + query if query else "")
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    if has_password:
        values["p"] = [REDACTED]
    if sanitize and "q" in values:
        values["q"] = [sanitize_query(q) for q in values["q"]]
    encoded = urlencode([(key, value) for key in sorted(values) for value in values[key]])
    return path + ("?" + encoded if encoded else "")


def username(query: str, basic_user: str | None) -> str:
    """The user the line names: the ``u`` parameter, else the Basic authentication's user."""
    named = _remembered_user(query) if len(query) <= _REMEMBERED_QUERY else _user_parameter(query)
    return named or basic_user or ""


@functools.lru_cache(maxsize=1024)
def _remembered_user(query: str) -> str:
    return _user_parameter(query)


def _user_parameter(query: str) -> str:
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == "u" and value:
            return value
    return ""


def access_line(
    *,
    host: str,
    user: str,
    start: float,
    method: str,
    uri: str,
    proto: str,
    status: int,
    size: int,
    referer: str,
    agent: str,
    request_id: str,
    elapsed_us: int,
) -> str:
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime(start))
    return (
        f'{host} - {user or "-"} [{stamp}] "{method} {uri} {proto}" {status} {size} '
        f'"{referer or "-"}" "{agent or "-"}" {request_id} {elapsed_us}'
    )


class AccessLog:
    """Where access lines go: stderr with influxd's ``[httpd]`` prefix, or a file of its own."""

    def __init__(self, path: str = "") -> None:
        self._lock = threading.Lock()
        self._prefix = "" if path else "[httpd] "
        self._stream: TextIO = open(path, "a", encoding="utf-8") if path else sys.stderr  # noqa: SIM115

    def write(self, line: str) -> None:
        with self._lock:
            self._stream.write(self._prefix + line + "\n")
            self._stream.flush()

    def close(self) -> None:
        if self._stream is not sys.stderr:
            self._stream.close()


def split_uri(uri: str) -> tuple[str, str]:
    parts = urlsplit(uri)
    return parts.path, parts.query
