"""Invocations of the real ``influx`` CLI (Debian ``influxdb-client``), run in order against one server.

``tools/record_cli.py`` records what they print against the real influxd 1.6.7; the integration test runs
them against Chronus. ``{import}`` stands for the path of ``tests/golden/cli/import.txt``.
"""

from __future__ import annotations

import re
from pathlib import Path

IMPORT_FILE = Path(__file__).resolve().parents[1] / "golden" / "cli" / "import.txt"

CASES: list[list[str]] = [
    ["-execute", "CREATE DATABASE cli"],
    ["-execute", "SHOW DATABASES"],
    ["-import", "-path", "{import}", "-precision", "ns"],
    ["-execute", "SHOW DATABASES"],
    ["-database", "imp", "-execute", "SHOW MEASUREMENTS"],
    ["-database", "imp", "-execute", "SHOW SERIES"],
    ["-database", "imp", "-execute", "SHOW TAG KEYS"],
    ["-database", "imp", "-execute", "SHOW TAG VALUES WITH KEY = host"],
    ["-database", "imp", "-execute", "SHOW FIELD KEYS"],
    ["-database", "imp", "-execute", "SHOW RETENTION POLICIES"],
    ["-database", "imp", "-execute", "SELECT * FROM cpu"],
    ["-database", "imp", "-execute", "SELECT * FROM cpu", "-precision", "rfc3339"],
    ["-database", "imp", "-execute", "SELECT * FROM cpu", "-format", "json"],
    ["-database", "imp", "-execute", "SELECT * FROM cpu", "-format", "json", "-pretty"],
    ["-database", "imp", "-execute", "SELECT * FROM cpu", "-format", "csv"],
    ["-database", "imp", "-execute", "SELECT usage_idle FROM cpu WHERE host = 'server01' ORDER BY time DESC"],
    ["-database", "imp", "-execute", "SELECT * FROM cpu GROUP BY host", "-precision", "s"],
    ["-database", "imp", "-execute", "SELECT * FROM mem, weather"],
    ["-database", "imp", "-execute", 'SELECT * FROM "weather"', "-format", "csv"],
    ["-database", "imp", "-execute", "SELECT * FROM cpu LIMIT 1 OFFSET 1"],
    ["-execute", "SELECT * FROM imp.autogen.mem"],
    ["-execute", "SELECT FROM"],
    ["-database", "nope", "-execute", "SELECT * FROM cpu"],
    ["-execute", "SHOW MEASUREMENTS"],
    ["-database", "imp", "-execute", "DROP DATABASE cli; SHOW DATABASES"],
]

_LOG_TIME = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} ", re.MULTILINE)


def arguments(case: list[str]) -> list[str]:
    return [str(IMPORT_FILE) if arg == "{import}" else arg for arg in case]


def normalise(text: str) -> str:
    """Drop what changes from run to run: the timestamps the CLI's logger puts before import lines."""
    return _LOG_TIME.sub("", text)
