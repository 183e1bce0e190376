"""How a configuration setting is described: its TOML key, its Go field name and its Go value kind.

influxd's behaviour for a setting depends on the Go type behind it (``toml.Duration`` is parsed from text,
``time.Duration`` also takes integer nanoseconds, ``toml.Size`` prints as a plain integer, ...), and its error
messages name the Go field (``failed to apply INFLUXDB_HTTP_MAX_ROW_LIMIT to MaxRowLimit ...``). Each
dataclass field therefore carries that description in its metadata; decoding, encoding and environment
overrides all read it from here.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterator
from typing import Any


class Kind(enum.Enum):
    """The Go type of a setting, as far as influxd's config handling can tell them apart."""

    STRING = "string"
    BOOL = "bool"
    INT = "int"
    DURATION = "toml.Duration"  # text only ("10s"); printed "10s"
    GO_DURATION = "time.Duration"  # text or integer nanoseconds; env takes integers only
    SIZE = "toml.Size"  # "25m", "1g", bytes; printed as an integer
    FILE_MODE = "toml.FileMode"  # octal text; printed "0777"
    LOG_LEVEL = "zapcore.Level"  # "info"; printed as the name
    GROUP = "toml.Group"  # optional: a group name or id; printed as the id
    STRING_LIST = "[]string"  # optional (None = Go's nil slice, not printed)
    TABLE = "table"  # a nested section
    TABLE_ARRAY = "table array"  # [[section]]: a list of sections


# Kinds whose Go type implements encoding.TextUnmarshaler: any TOML primitive is turned into text first.
TEXT_KINDS = frozenset({Kind.DURATION, Kind.SIZE, Kind.FILE_MODE, Kind.LOG_LEVEL})


@dataclasses.dataclass(frozen=True)
class Setting:
    """One field of a section: Python attribute, TOML key, Go field name, kind, nested section class."""

    attr: str
    key: str
    go_name: str
    kind: Kind
    section: type | None = None
    #: False for a later InfluxDB's key that 1.6.7 does not know: read from files and the environment,
    #: never printed by ``influxd config`` (whose output stays 1.6.7's)
    printed: bool = True


def setting(key: str, go_name: str, kind: Kind, default: Any = None, *, section: type | None = None,
            factory: Any = None, printed: bool = True) -> Any:
    """A dataclass field described for the config machinery (see :class:`Setting`)."""
    metadata = {"key": key, "go_name": go_name, "kind": kind, "section": section, "printed": printed}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def settings(section: Any) -> Iterator[Setting]:
    """The described fields of a section class or instance, in declaration (= Go struct) order."""
    for f in dataclasses.fields(section):
        if "key" in f.metadata:
            yield Setting(f.name, f.metadata["key"], f.metadata["go_name"], f.metadata["kind"],
                          f.metadata["section"], f.metadata.get("printed", True))


def zero_value(kind: Kind) -> Any:
    """Go's zero value for a kind (what a freshly allocated struct holds)."""
    if kind in (Kind.STRING,):
        return ""
    if kind is Kind.BOOL:
        return False
    if kind is Kind.LOG_LEVEL:
        return "info"
    if kind in (Kind.GROUP, Kind.STRING_LIST):
        return None
    return 0


def zero_section(section: type) -> Any:
    """A section with every setting at Go's zero value (not InfluxDB's defaults).

    BurntSushi's decoder allocates such zeroed structs when a file has more ``[[graphite]]`` tables than the
    default list holds, and ``influxd config`` prints them that way.
    """
    values = {s.attr: zero_value(s.kind) for s in settings(section)
              if s.kind not in (Kind.TABLE, Kind.TABLE_ARRAY)}
    return section(**values)
