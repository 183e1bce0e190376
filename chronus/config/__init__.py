"""Chronus's configuration: influxd 1.6.7's TOML file, defaults, environment overrides and validation.

Loading follows influxd step by step, so the same file and environment give the same result and the same
error text:

1. pick the file: ``-config FILE`` (``/dev/null`` = none), else ``$INFLUXDB_CONFIG_PATH``, else
   ``$HOME/.influxdb/influxdb.conf``, else ``/etc/influxdb/influxdb.conf`` if present (:func:`config_path`);
2. start from the defaults; data under ``~/.influxdb`` (the user's home from the password database) when
   ``influxd config`` prints or when ``run`` has no file, empty directories when ``run`` reads a file;
3. merge the file (a BOM is dropped, a deprecated ``[cluster]`` header becomes ``[coordinator]``);
4. apply ``INFLUXDB_*`` variables; 5. validate.

Errors are :class:`ConfigError` whose ``str()`` is what influxd prints after ``run: `` / ``config: ``.
Unknown keys never fail (influxd ignores them); Chronus reports them in :attr:`LoadedConfig.warnings`.
Durations are integer nanoseconds, sizes integer bytes.
"""

from __future__ import annotations

import os
import pwd
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field

from chronus.config.decode import DecodeError, merge_document
from chronus.config.encode import encode_toml
from chronus.config.env import EnvError, apply_env_overrides
from chronus.config.gotypes import SECOND
from chronus.config.positions import key_positions
from chronus.config.sections import (
    CollectdConfig,
    Config,
    ConfigInvalid,
    ContinuousQueryConfig,
    CoordinatorConfig,
    DataConfig,
    GraphiteConfig,
    HTTPConfig,
    IFQLConfig,
    LoggingConfig,
    MetaConfig,
    MonitorConfig,
    OpenTSDBConfig,
    PrecreatorConfig,
    RetentionConfig,
    SubscriberConfig,
    TLSConfig,
    UDPConfig,
)
from chronus.config.syntax import influxd_syntax_error

__all__ = [
    "CollectdConfig", "Config", "ConfigError", "ContinuousQueryConfig", "CoordinatorConfig", "DataConfig",
    "GraphiteConfig", "HTTPConfig", "IFQLConfig", "LoadedConfig", "LoggingConfig", "MetaConfig",
    "MonitorConfig", "OpenTSDBConfig", "PrecreatorConfig", "RetentionConfig", "SubscriberConfig",
    "TLSConfig", "UDPConfig", "config_path", "default_config", "demo_config", "load_config", "merge_file",
    "render_config", "seconds",
]

NULL_DEVICE = os.devnull
SYSTEM_CONFIG = "/etc/influxdb/influxdb.conf"
VALIDATE_HINT = ". To generate a valid configuration file run `influxd config > influxdb.generated.conf`"
# What influxd's run command logs about the file it uses.
LOG_NO_CONFIG = "No configuration provided, using default settings"
LOG_LOADING = "Loading configuration file"
CLUSTER_DEPRECATION = ("deprecated config option [cluster] replaced with [coordinator]; "
                       "[cluster] will not be supported in a future release")

# Go's RE2 ``(?m)^\s*\[cluster\]``: \s is ASCII white space, so it may swallow blank lines before it.
_CLUSTER_HEADER = re.compile(r"^[\t\n\f\r ]*\[cluster\]", re.MULTILINE)


class ConfigError(Exception):
    """Loading stopped; ``str()`` is influxd's message (``parse config: ...``), ``key`` names the setting
    (dotted TOML path or environment variable) when one is to blame; ``notices`` are influxd's log lines
    printed before it stopped (deprecated ``[cluster]``)."""

    def __init__(self, message: str, key: str | None = None, notices: list[str] | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.notices = notices or []


@dataclass
class LoadedConfig:
    """A loaded configuration, the file it came from (None: defaults only) and what to tell the user."""

    config: Config
    path: str | None
    warnings: list[str] = field(default_factory=list)  # unknown keys, ...
    notices: list[str] = field(default_factory=list)  # influxd's own log lines (deprecated [cluster])


def seconds(duration_ns: int) -> float:
    """A configured duration in seconds (the config keeps Go's integer nanoseconds)."""
    return duration_ns / SECOND


def default_config() -> Config:
    """influxd's ``NewConfig()``: every default, directories unset."""
    return Config()


def home_directory(environ: Mapping[str, str] | None = None) -> str | None:
    """The current user's home as Go's ``user.Current()`` finds it, else ``$HOME``, else None."""
    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        home = (os.environ if environ is None else environ).get("HOME", "")
        return home or None


def demo_config(environ: Mapping[str, str] | None = None) -> Config:
    """influxd's ``NewDemoConfig()``: the defaults with data under ``~/.influxdb``."""
    home = home_directory(environ)
    if home is None:
        raise ConfigError("failed to determine current user for storage")
    config = Config()
    config.meta.dir = os.path.join(home, ".influxdb/meta")
    config.data.dir = os.path.join(home, ".influxdb/data")
    config.data.wal_dir = os.path.join(home, ".influxdb/wal")
    return config


def config_path(option: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The configuration file to read, in influxd's search order; None means the built-in defaults."""
    environ = os.environ if environ is None else environ
    if option:
        return None if option == NULL_DEVICE else option
    if environ.get("INFLUXDB_CONFIG_PATH", ""):
        return environ["INFLUXDB_CONFIG_PATH"]
    home = environ.get("HOME", "")
    for candidate in (f"{home}/.influxdb/influxdb.conf", SYSTEM_CONFIG):
        try:
            os.stat(candidate)
        except OSError:
            continue
        return candidate
    return None


def _go_os_error(op: str, path: str, err: OSError) -> str:
    reason = os.strerror(err.errno) if err.errno else str(err)
    return f"{op} {path}: {reason[:1].lower()}{reason[1:]}"


def read_config_text(path: str) -> str:
    """The file's text; a UTF-8 or UTF-16 byte-order mark is honoured and dropped, as influxd does."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except IsADirectoryError as err:
        raise ConfigError(_go_os_error("read", path, err)) from None
    except OSError as err:
        raise ConfigError(_go_os_error("open", path, err)) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xfe\xff", b"\xff\xfe")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise ConfigError(f"toml: line {line}: invalid UTF-8 byte: 0x{raw[err.start]:02x}") from None


def _rename_cluster(text: str, notices: list[str]) -> str:
    def replace(_match: re.Match[str]) -> str:
        notices.append(CLUSTER_DEPRECATION)
        return "[coordinator]"

    return _CLUSTER_HEADER.sub(replace, text)


def merge_text(config: Config, text: str) -> LoadedConfig:
    """Merge TOML text into ``config`` in place (influxd's ``FromToml``); errors lack ``parse config:``."""
    loaded = LoadedConfig(config, None)
    text = _rename_cluster(text, loaded.notices)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(influxd_syntax_error(str(err), text), notices=loaded.notices) from None
    try:
        unknown = merge_document(config, document, key_positions(text))
    except DecodeError as err:
        raise ConfigError(str(err), err.key, loaded.notices) from None
    loaded.warnings.extend(f'unknown configuration key "{key}" ignored' for key in unknown)
    return loaded


def merge_file(config: Config, path: str) -> LoadedConfig:
    """Merge a configuration file into ``config`` in place (influxd's ``FromTomlFile``)."""
    loaded = merge_text(config, read_config_text(path))
    loaded.path = path
    return loaded


def load_config(path: str | None, *, environ: Mapping[str, str] | None = None,
                for_print: bool = False) -> LoadedConfig:
    """Defaults + file + environment, validated: what ``influxd run`` (or, ``for_print``, ``influxd
    config``) would use. ``path`` is what :func:`config_path` chose."""
    environ = os.environ if environ is None else environ
    try:
        if for_print:
            try:
                base = demo_config(environ)
            except ConfigError:
                base = default_config()
        else:
            base = demo_config(environ) if path is None else default_config()
        loaded = LoadedConfig(base, None) if path is None else merge_file(base, path)
    except ConfigError as err:
        raise ConfigError(f"parse config: {err}", err.key, err.notices) from None
    try:
        apply_env_overrides(loaded.config, environ)
    except EnvError as err:
        raise ConfigError(f"apply env config: {err}", err.variable) from None
    try:
        loaded.config.validate()
    except ConfigInvalid as err:
        raise ConfigError(f"{err}{VALIDATE_HINT}") from None
    return loaded


def render_config(config: Config) -> str:
    """Exactly what ``influxd config`` writes to stdout for this configuration."""
    return encode_toml(config) + "\n"
