"""TOML syntax errors in influxd's words, as far as they can be told from ``tomllib``'s.

influxd's parser (BurntSushi toml) and Python's ``tomllib`` stop at the same mistakes but describe them
differently. The commonest ones are reworded exactly as influxd words them: a value that is not a TOML
value (``bind-address = :8086``, ``enabled = True``), a string left open at the end of its line and a key or
table defined twice. Every other syntax error keeps
``tomllib``'s description, after influxd's ``toml: line N:`` prefix.
"""

from __future__ import annotations

import re

from chronus.config.encode import key_path
from chronus.config.gotypes import go_quote

_LOCATION = re.compile(r"\s*\((?:at line (\d+), column \d+|at end of document)\)$")
_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _table_at(lines: list[str], index: int) -> list[str]:
    """The table (``[a.b]`` / ``[[a]]``) in force at line ``index`` (0-based), by the nearest header."""
    for line in reversed(lines[:index]):
        stripped = line.strip()
        if stripped.startswith("["):
            return _split_key(stripped.strip("[]").strip())
    return []


def _split_key(text: str) -> list[str]:
    """A dotted key's parts, quotes removed (good enough for keys written on one line)."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([^.\s]+)', text)
    return [a or b or c for a, b, c in parts]


def _rune_or_word(text: str) -> str:
    """How BurntSushi quotes the unexpected start of a value: a bare word as a string, else one rune."""
    word = _BARE.match(text)
    if word and text[0].isalpha():
        return go_quote(word.group(0))
    if not text:
        return "EOF"
    ch = text[0]
    return "'" + ("\\'" if ch == "'" else go_quote(ch)[1:-1]) + "'"


def influxd_syntax_error(message: str, text: str) -> str:
    """The text influxd would give (after ``parse config:``) for the syntax error ``tomllib`` reported."""
    match = _LOCATION.search(message)
    reason = message[:match.start()] if match else message
    lines = text.split("\n")
    if match and match.group(1):
        line = int(match.group(1))
    else:  # "at end of document"
        line = len(lines) - 1 if text.endswith("\n") else len(lines)
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    known_line = bool(match and match.group(1))
    if reason == "Invalid value" and known_line and "=" in source:
        key_text, _, value_text = source.partition("=")
        path = _table_at(lines, line - 1) + _split_key(key_text.strip())
        return (f"toml: line {line} (last key {go_quote(key_path(path))}): "
                f"expected value but found {_rune_or_word(value_text.strip())} instead")
    if reason == "Illegal character '\\n'" and known_line and "=" in source:
        path = key_path(_table_at(lines, line - 1) + _split_key(source.partition("=")[0].strip()))
        return f"toml: line {line} (last key {go_quote(path)}): strings cannot contain newlines"
    if reason == "Cannot overwrite a value" and "=" in source:
        path = key_path(_table_at(lines, line - 1) + _split_key(source.partition("=")[0].strip()))
        return f"toml: line {line} (last key {go_quote(path)}): Key '{path}' has already been defined."
    if reason.startswith("Cannot declare") and source.strip().startswith("["):
        path = key_path(_split_key(source.strip().strip("[]").strip()))
        return f"toml: line {line}: Key '{path}' has already been defined."
    return f"toml: line {line}: {reason[:1].lower()}{reason[1:]}"
