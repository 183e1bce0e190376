"""Merge a TOML document into a configuration the way influxd's decoder (BurntSushi toml v1.2) does.

The rules that matter to users, all observed on influxd 1.6.7:

- a document only overrides what it names; everything else keeps its current (default) value;
- keys match exactly, else case-insensitively (``[HTTP]`` / ``Enabled`` work);
- ``[[graphite]]`` tables overlay the default list when there are no more of them than the list holds,
  otherwise each becomes a fresh section with Go zero values (``influxd config`` then prints ``""``/``0``);
- a setting backed by a Go text type (durations, sizes, file modes, log levels) turns any TOML scalar into
  text first (``30`` -> ``"30"``, ``1.5`` -> ``"1.500000"``) and reports that type's own error verbatim,
  without the key; other type mismatches read ``toml: line N (last key "a.b"): incompatible types: ...``.

Unknown keys are not an error (influxd ignores them silently); they are collected so Chronus can warn.
"""

from __future__ import annotations

import datetime as dt
import grp
import math
from dataclasses import dataclass, field
from typing import Any

from chronus.config.encode import key_path
from chronus.config.fields import TEXT_KINDS, Kind, Setting, settings, zero_section
from chronus.config.gotypes import (
    GoValueError,
    go_quote,
    parse_duration,
    parse_file_mode,
    parse_log_level,
    parse_size,
)
from chronus.config.positions import KeyPositions
from chronus.config.sections import ACCEPTED_UNUSED_KEYS

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


class DecodeError(ValueError):
    """The document cannot be merged; ``str()`` is influxd's text, ``key`` the dotted path involved."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


@dataclass
class _Context:
    positions: KeyPositions
    unknown: list[str] = field(default_factory=list)


def go_type_name(value: Any, *, array_of_tables: bool = False) -> str:
    """The Go type (``%T``) BurntSushi's parser gives a TOML value."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return "time.Time"
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]map[string]interface {}" if array_of_tables else "[]interface {}"
    return type(value).__name__


def _error(ctx: _Context, path: list[str], message: str) -> DecodeError:
    """A decoder error with influxd's ``toml: line N (last key "..."): `` prefix."""
    dotted = key_path(path)
    line = ctx.positions.line(path)
    where = f"line {line} " if line > 0 else ""
    return DecodeError(f"toml: {where}(last key {go_quote(dotted)}): {message}", dotted)


def _badtype(ctx: _Context, path: list[str], value: Any, destination: str) -> DecodeError:
    is_aot = key_path(path) in ctx.positions.array_tables
    found = go_type_name(value, array_of_tables=is_aot)
    return _error(ctx, path, f"incompatible types: TOML value has type {found}; "
                             f"destination has type {destination}")


def _as_text(ctx: _Context, path: list[str], value: Any) -> str:
    """How a Go text type receives a TOML scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        return f"{value:.6f}"
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        text = value.isoformat().replace("+00:00", "Z")
        return text
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    raise _badtype(ctx, path, value, "primitive (string-like)")


def _decode_scalar(ctx: _Context, path: list[str], s: Setting, value: Any, current: Any) -> Any:
    dotted = key_path(path)
    if s.kind in TEXT_KINDS:
        text = _as_text(ctx, path, value)
        try:
            if s.kind is Kind.DURATION:
                return current if text == "" else parse_duration(text)
            if s.kind is Kind.SIZE:
                return parse_size(text)
            if s.kind is Kind.FILE_MODE:
                mode = parse_file_mode(text)
                return current if mode is None else mode
            return parse_log_level(text)
        except GoValueError as err:
            raise DecodeError(str(err), dotted) from None
    if s.kind is Kind.STRING:
        if not isinstance(value, str):
            raise _badtype(ctx, path, value, "string")
        return value
    if s.kind is Kind.BOOL:
        if not isinstance(value, bool):
            raise _badtype(ctx, path, value, "boolean")
        return value
    if s.kind is Kind.GO_DURATION:
        if isinstance(value, str):
            try:
                return parse_duration(value)
            except GoValueError:
                line = ctx.positions.line(path)
                raise DecodeError(f"toml: line {line} (last key {go_quote(dotted)}): "
                                  f"invalid duration: {go_quote(value)}", dotted) from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise _badtype(ctx, path, value, "integer")
        return value
    if s.kind is Kind.INT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _badtype(ctx, path, value, "integer")
        return value
    if s.kind is Kind.GROUP:
        return _decode_group(value, dotted)
    if s.kind is Kind.STRING_LIST:
        if not isinstance(value, list):
            raise _badtype(ctx, path, value, "slice")
        for item in value:
            if not isinstance(item, str):
                raise _badtype(ctx, path, item, "string")
        return list(value)
    raise TypeError(f"no decoder for {s.kind}")


def _decode_group(value: Any, dotted: str) -> int:
    """``toml.Group``: a group name (looked up on this host) or a numeric id."""
    if isinstance(value, str):
        try:
            return grp.getgrnam(value).gr_gid
        except KeyError:
            raise DecodeError(f"group: unknown group {value}", dotted) from None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise DecodeError("group must be a name (string) or id (int)", dotted)


def _find_setting(section: Any, key: str) -> Setting | None:
    """The exact key first, else the first one equal ignoring case (Go's ``strings.EqualFold``)."""
    folded = None
    for s in settings(section):
        if s.key == key:
            return s
        if folded is None and _equal_fold(s.key, key):
            folded = s
    return folded


def _equal_fold(a: str, b: str) -> bool:
    return len(a) == len(b) and all(x == y or x.casefold() == y.casefold() for x, y in zip(a, b, strict=True))


def _decode_struct(ctx: _Context, path: list[str], table: Any, section: Any) -> None:
    if not isinstance(table, dict):
        is_aot = key_path(path) in ctx.positions.array_tables
        raise _error(ctx, path, f"type mismatch for {section.GO_TYPE}: expected table but found "
                                f"{go_type_name(table, array_of_tables=is_aot)}")
    for key, value in table.items():
        sub = [*path, key]
        s = _find_setting(section, key)
        if s is None:
            if key_path(sub) not in ACCEPTED_UNUSED_KEYS:
                ctx.unknown.append(key_path(sub))
            continue
        current = getattr(section, s.attr)
        if s.kind is Kind.TABLE:
            _decode_struct(ctx, sub, value, current)
        elif s.kind is Kind.TABLE_ARRAY:
            setattr(section, s.attr, _decode_sections(ctx, sub, value, current, s.section))
        else:
            setattr(section, s.attr, _decode_scalar(ctx, sub, s, value, current))


def _decode_sections(ctx: _Context, path: list[str], value: Any, current: list, section_type: type) -> list:
    if not isinstance(value, list):
        raise _badtype(ctx, path, value, "slice")
    # Go reuses the existing (default-filled) elements when they suffice, else allocates zeroed ones.
    items = current[:len(value)] if len(value) <= len(current) else \
        [zero_section(section_type) for _ in value]
    for table, item in zip(value, items, strict=True):
        _decode_struct(ctx, path, table, item)
    return items


def check_integer_ranges(document: dict, positions: KeyPositions, path: list[str] | None = None) -> None:
    """BurntSushi refuses integers outside int64 while parsing, before anything is decoded."""
    path = path or []
    for key, value in document.items():
        sub = [*path, key]
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                check_integer_ranges(item, positions, sub)
            elif isinstance(item, int) and not isinstance(item, bool) and not INT64_MIN <= item <= INT64_MAX:
                ctx = _Context(positions)
                raise _error(ctx, sub, f"{item} is out of range for int64")


def merge_document(config: Any, document: dict, positions: KeyPositions) -> list[str]:
    """Merge a parsed document into ``config`` in place; returns the unknown keys (dotted paths)."""
    check_integer_ranges(document, positions)
    ctx = _Context(positions)
    _decode_struct(ctx, [], document, config)
    return ctx.unknown
