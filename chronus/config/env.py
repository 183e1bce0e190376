"""``INFLUXDB_<SECTION>_<KEY>`` environment overrides, applied the way influxd 1.6.7 applies them.

The variable name is ``INFLUXDB`` plus each TOML key on the way, upper-cased, ``-`` turned into ``_``
(``INFLUXDB_DATA_QUERY_LOG_ENABLED``, ``INFLUXDB_SHARD_PRECREATION_ENABLED``). Section lists take both an
unnumbered name for every element and a numbered one for element ``i`` (``INFLUXDB_GRAPHITE_ENABLED``
then ``INFLUXDB_GRAPHITE_0_ENABLED``, the numbered one winning); they never grow. A string list is set
from a comma-separated value only while it is empty; otherwise each element takes the whole value, then
``..._<i>`` for element ``i``. Empty variables are ignored, except for a configured
``unix-socket-group`` whose variable influxd always parses (an unset one fails start-up, faithfully).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chronus.config.fields import Kind, Setting, settings
from chronus.config.gotypes import (
    GoValueError,
    parse_bool,
    parse_duration,
    parse_file_mode,
    parse_int,
    parse_log_level,
    parse_size,
)

PREFIX = "INFLUXDB"


class EnvError(ValueError):
    """An override could not be applied; ``str()`` is influxd's text, ``variable`` the variable's name."""

    def __init__(self, message: str, variable: str) -> None:
        super().__init__(message)
        self.variable = variable


def variable_name(prefix: str, key: str) -> str:
    """The environment variable for ``key`` under ``prefix``."""
    return f"{prefix}_{key.replace('-', '_')}".upper()


def _convert(s: Setting, variable: str, value: str, current: Any) -> Any:
    go_type = {Kind.INT: "int", Kind.BOOL: "bool", Kind.GO_DURATION: "time.Duration",
               Kind.GROUP: "toml.Group"}.get(s.kind)
    try:
        if s.kind is Kind.STRING:
            return value
        if s.kind is Kind.BOOL:
            return parse_bool(value)
        if s.kind in (Kind.INT, Kind.GO_DURATION, Kind.GROUP):
            return parse_int(value, 0, 64)
        if s.kind is Kind.DURATION:
            return parse_duration(value)
        if s.kind is Kind.SIZE:
            return parse_size(value)
        if s.kind is Kind.FILE_MODE:
            mode = parse_file_mode(value)
            return current if mode is None else mode
        if s.kind is Kind.LOG_LEVEL:
            return parse_log_level(value)
    except GoValueError as err:
        if go_type is None:  # Go text types report their own error, unwrapped
            raise EnvError(str(err), variable) from None
        raise EnvError(f"failed to apply {variable} to {s.go_name} using type {go_type} and value "
                       f"'{value}': {err}", variable) from None
    raise TypeError(f"no environment conversion for {s.kind}")


def _apply_list(s: Setting, variable: str, section: Any, environ: Mapping[str, str]) -> None:
    items = getattr(section, s.attr)
    whole = environ.get(variable, "")
    if items:
        for index in range(len(items)):
            for name in (variable, f"{variable}_{index}"):
                if environ.get(name, ""):
                    items[index] = environ[name]
    elif whole:
        setattr(section, s.attr, whole.split(","))


def apply_section(section: Any, prefix: str, environ: Mapping[str, str]) -> None:
    """Apply overrides to one section (and its sub-sections) whose variables start with ``prefix``."""
    for s in settings(section):
        variable = variable_name(prefix, s.key)
        current = getattr(section, s.attr)
        if s.kind is Kind.TABLE:
            apply_section(current, variable, environ)
        elif s.kind is Kind.TABLE_ARRAY:
            for index, item in enumerate(current):
                apply_section(item, variable, environ)
                apply_section(item, f"{variable}_{index}", environ)
        elif s.kind is Kind.STRING_LIST:
            _apply_list(s, variable, section, environ)
        elif s.kind is Kind.GROUP:
            if current is not None:  # influxd parses this one even when the variable is unset
                setattr(section, s.attr, _convert(s, variable, environ.get(variable, ""), current))
        elif environ.get(variable, ""):
            setattr(section, s.attr, _convert(s, variable, environ[variable], current))


def apply_env_overrides(config: Any, environ: Mapping[str, str]) -> None:
    """Apply every ``INFLUXDB_*`` override in ``environ`` to ``config`` in place."""
    apply_section(config, PREFIX, environ)
