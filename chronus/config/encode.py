"""Write a configuration as TOML exactly the way ``influxd config`` prints it.

influxd hands its config struct to BurntSushi's TOML encoder (v1.2), so the layout is that encoder's:
plain settings of a table first, then its sub-tables, each top-level table after a blank line, keys
indented two spaces per level, strings in double quotes with Go-style escapes, durations as Go's
``Duration.String()``, sizes as plain integers, nil lists and an unset group left out, an empty section
list printed as ``name = []`` among the plain settings.
"""

from __future__ import annotations

import re
from typing import Any

from chronus.config.fields import Kind, Setting, settings
from chronus.config.gotypes import format_duration, format_file_mode

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def quote_string(text: str) -> str:
    """A TOML basic string the way the encoder writes one (control characters as ``\\u00XX``)."""
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def key_part(name: str) -> str:
    """One key of a dotted path: bare when it can be, else quoted."""
    if name == "":
        return '""'
    return name if _BARE_KEY.fullmatch(name) else quote_string(name)


def key_path(path: list[str] | tuple[str, ...]) -> str:
    """A dotted key path as TOML (and the encoder's error context) writes it."""
    return ".".join(key_part(p) for p in path)


def format_value(kind: Kind, value: Any) -> str:
    """The TOML text of one setting's value."""
    if kind is Kind.STRING:
        return quote_string(value)
    if kind is Kind.BOOL:
        return "true" if value else "false"
    if kind in (Kind.INT, Kind.SIZE, Kind.GROUP):
        return str(value)
    if kind in (Kind.DURATION, Kind.GO_DURATION):
        return quote_string(format_duration(value))
    if kind is Kind.FILE_MODE:
        if value == 0:
            raise ValueError("MarshalText returned nil and no error")
        return quote_string(format_file_mode(value))
    if kind is Kind.LOG_LEVEL:
        return quote_string(value)
    if kind is Kind.STRING_LIST:
        return "[" + ", ".join(quote_string(v) for v in value) + "]"
    if kind is Kind.TABLE_ARRAY:  # only ever empty here: a filled one is written as tables
        return "[]"
    raise TypeError(f"cannot encode a {kind}")


def _is_table(s: Setting, value: Any) -> bool:
    return s.kind is Kind.TABLE or (s.kind is Kind.TABLE_ARRAY and len(value) > 0)


class _Writer:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def newline(self) -> None:
        if self.parts:  # the encoder only separates once something has been written
            self.parts.append("\n")

    def struct(self, path: list[str], section: Any) -> None:
        described = [(s, getattr(section, s.attr)) for s in settings(section) if s.printed]
        plain = [(s, v) for s, v in described if not _is_table(s, v)]
        tables = [(s, v) for s, v in described if _is_table(s, v)]
        indent = "  " * len(path)
        for s, value in plain:
            if value is None:  # Go's nil slice or pointer
                continue
            self.parts.append(f"{indent}{key_part(s.key)} = {format_value(s.kind, value)}")
            self.newline()
        for s, value in tables:
            sub = [*path, s.key]
            if s.kind is Kind.TABLE:
                if len(sub) == 1:
                    self.newline()
                self.parts.append(f"{indent}[{key_path(sub)}]")
                self.newline()
                self.struct(sub, value)
            else:
                for item in value:
                    self.newline()
                    self.parts.append(f"{indent}[[{key_path(sub)}]]")
                    self.newline()
                    self.struct(sub, item)


def encode_toml(config: Any) -> str:
    """The encoder's output for a config (``influxd config`` adds one more newline after it)."""
    writer = _Writer()
    writer.struct([], config)
    return "".join(writer.parts)
