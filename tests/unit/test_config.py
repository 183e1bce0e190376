"""Chronus's configuration package: values, search order, merging, environment, validation.

``values.jsonl`` (recorded by ``tools/record_config.py``) holds single values passed through influxd 1.6.7's
own parsers and printers; they are replayed here through the same path Chronus takes. The rest pins the
rules read from influxd's source that the golden cases cannot show on their own.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import chronus.config as cfg
from chronus.config import Config, ConfigError, config_path, load_config, merge_text, render_config
from chronus.config.decode import go_type_name
from chronus.config.env import apply_env_overrides, variable_name
from chronus.config.fields import Kind, settings, zero_section
from chronus.config.gotypes import (
    GoValueError,
    format_duration,
    go_quote,
    parse_duration,
    parse_int,
    parse_size,
    parse_uint,
)
from chronus.config.positions import key_positions
from chronus.config.sections import GraphiteConfig

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "config"
VALUES = [json.loads(line) for line in (GOLDEN / "values.jsonl").read_text(encoding="utf-8").splitlines()]
HOME_ENV = {"HOME": "/nonexistent-home"}


def key_for(variable: str) -> str:
    return {"INFLUXDB_DATA_WAL_FSYNC_DELAY": "wal-fsync-delay",
            "INFLUXDB_DATA_CACHE_MAX_MEMORY_SIZE": "cache-max-memory-size",
            "INFLUXDB_HTTP_MAX_ROW_LIMIT": "max-row-limit", "INFLUXDB_HTTP_AUTH_ENABLED": "auth-enabled",
            "INFLUXDB_LOGGING_LEVEL": "level",
            "INFLUXDB_HTTP_UNIX_SOCKET_PERMISSIONS": "unix-socket-permissions",
            "INFLUXDB_HTTP_ENQUEUED_WRITE_TIMEOUT": "enqueued-write-timeout",
            "INFLUXDB_HTTP_REALM": "realm"}[variable]


@pytest.mark.parametrize("record", VALUES, ids=[f"{v['suite']}:{v['value']!r}" for v in VALUES])
def test_value_matches_influxd(record: dict) -> None:
    try:
        loaded = load_config(None, environ={**HOME_ENV, record["variable"]: record["value"]}, for_print=True)
    except ConfigError as err:
        assert f"config: {err}" == record["outcome"]
        return
    prefix = f"  {key_for(record['variable'])} = "
    line = next(x for x in render_config(loaded.config).splitlines() if x.startswith(prefix))
    assert line == record["outcome"]


# ------------------------------------------------------------------------------------------ Go values

@pytest.mark.parametrize(("text", "ns"), [
    ("0", 0), ("1h30m", 5_400_000_000_000), ("1.5s", 1_500_000_000), (".5ms", 500_000), ("-2us", -2000),
    ("1h1m1s1ms1us1ns", 3_661_001_001_001), ("9223372036854775807ns", (1 << 63) - 1),
])
def test_parse_duration(text: str, ns: int) -> None:
    assert parse_duration(text) == ns


@pytest.mark.parametrize(("ns", "text"), [
    (0, "0s"), (1, "1ns"), (999, "999ns"), (1000, "1µs"), (1500, "1.5µs"), (1_000_000, "1ms"),
    (1_234_567, "1.234567ms"), (1_000_000_000, "1s"), (61_000_000_000, "1m1s"), (3_600_000_000_000, "1h0m0s"),
    (-90_000_000_000, "-1m30s"), (-(1 << 63), "-2562047h47m16.854775808s"),
])
def test_format_duration(ns: int, text: str) -> None:
    assert format_duration(ns) == text


def test_duration_round_trips() -> None:
    for ns in (1, 7, 1001, 123_456_789, 86_400_000_000_000, 1_000_000_000_000_001):
        assert parse_duration(format_duration(ns)) == ns


@pytest.mark.parametrize(("text", "size"), [("0", 0), ("10", 10), ("2k", 2048), ("3M", 3 << 20),
                                            ("1g", 1 << 30)])
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_parse_uint_bases() -> None:
    assert parse_uint("777", 8, 32) == 0o777
    assert parse_uint("0x_ff", 0, 64) == 255
    with pytest.raises(GoValueError, match=r'^strconv.ParseUint: parsing "4294967296": value out of range$'):
        parse_uint("4294967296", 10, 32)
    assert parse_int("-0b11") == -3


@pytest.mark.parametrize(("text", "quoted"), [
    ("abc", '"abc"'), ('a"b', '"a\\"b"'), ("a\\b", '"a\\\\b"'), ("\t\n", '"\\t\\n"'), ("\x01", '"\\x01"'),
    ("\x7f", '"\\x7f"'), ("é", '"é"'), ("\u200b", '"\\u200b"'), ("\U0001f600", '"\U0001f600"'),
    ("\udcff", '"\\xff"'),
])
def test_go_quote(text: str, quoted: str) -> None:
    assert go_quote(text) == quoted


# ------------------------------------------------------------------------------------------ structure

def test_every_setting_has_its_environment_variable() -> None:
    names = []
    for top in settings(Config):
        if top.kind in (Kind.TABLE, Kind.TABLE_ARRAY):
            names += [variable_name(variable_name("INFLUXDB", top.key), s.key) for s in settings(top.section)]
        else:
            names.append(variable_name("INFLUXDB", top.key))
    assert "INFLUXDB_DATA_QUERY_LOG_ENABLED" in names
    assert "INFLUXDB_SHARD_PRECREATION_ADVANCE_PERIOD" in names
    assert "INFLUXDB_CONTINUOUS_QUERIES_RUN_INTERVAL" in names
    assert "INFLUXDB_HTTP_UNIX_SOCKET_PERMISSIONS" in names
    assert "INFLUXDB_IFQL_BIND_ADDRESS" in names
    assert "INFLUXDB_REPORTING_ENABLED" in names
    assert "INFLUXDB_HTTP_PPROF_AUTH_ENABLED" in names  # 1.8's key (not printed by influxd config)
    assert len(names) == len(set(names)) == 123 + 1  # influxd 1.6.7's variables, and that one


def test_zero_section_holds_go_zero_values() -> None:
    zero = zero_section(GraphiteConfig)
    assert (zero.enabled, zero.bind_address, zero.batch_size, zero.batch_timeout, zero.templates) == \
        (False, "", 0, 0, None)


def test_go_type_names() -> None:
    assert [go_type_name(v) for v in ("s", 1, 1.0, True, [], {})] == \
        ["string", "int64", "float64", "bool", "[]interface {}", "map[string]interface {}"]
    assert go_type_name([{}], array_of_tables=True) == "[]map[string]interface {}"


def test_key_positions() -> None:
    text = ('a = 1\n[http]\n  realm = """x\ny"""\n  "quoted key" = 2\nd.e = 3\n'
            "t = {x = 1, y = [1,\n 2]}\n[[g]]\nk = 'v'\n[[g]]\nk = 'w' # c\n")
    positions = key_positions(text)
    assert positions.lines == {"a": 1, "http": 2, "http.realm": 3, 'http."quoted key"': 5, "http.d.e": 6,
                               "http.t": 7, "http.t.x": 7, "http.t.y": 7, "g": 11, "g.k": 12}
    assert positions.array_tables == {"g"}
    assert positions.line(["http", "d"]) == 0


# ------------------------------------------------------------------------------------------ loading

def test_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    system = tmp_path / "etc.conf"
    monkeypatch.setattr(cfg, "SYSTEM_CONFIG", str(system))
    home = tmp_path / "home"
    env = {"HOME": str(home)}
    assert config_path(None, env) is None
    system.write_text("")
    assert config_path(None, env) == str(system)
    (home / ".influxdb").mkdir(parents=True)
    (home / ".influxdb" / "influxdb.conf").write_text("")
    assert config_path(None, env) == f"{home}/.influxdb/influxdb.conf"
    assert config_path(None, {**env, "INFLUXDB_CONFIG_PATH": "x.conf"}) == "x.conf"
    assert config_path("given.conf", {**env, "INFLUXDB_CONFIG_PATH": "x.conf"}) == "given.conf"
    assert config_path(os.devnull, env) is None
    assert config_path("", {**env, "INFLUXDB_CONFIG_PATH": ""}) == f"{home}/.influxdb/influxdb.conf"


def test_run_with_a_file_starts_from_empty_directories(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[http]\nauth-enabled = true\n")
    with pytest.raises(ConfigError) as info:
        load_config(str(path), environ=HOME_ENV)
    assert str(info.value) == ("Meta.Dir must be specified. To generate a valid configuration file run "
                               "`influxd config > influxdb.generated.conf`")
    path.write_text('[meta]\ndir = "/m"\n[data]\ndir = "/d"\nwal-dir = "/w"\n')
    loaded = load_config(str(path), environ=HOME_ENV)
    assert (loaded.config.meta.dir, loaded.config.data.dir, loaded.config.data.wal_dir) == ("/m", "/d", "/w")
    assert loaded.path == str(path)


def test_run_without_a_file_uses_the_home_directory() -> None:
    loaded = load_config(None, environ=HOME_ENV)
    home = cfg.home_directory()
    assert loaded.path is None
    assert loaded.config.meta.dir == f"{home}/.influxdb/meta"
    assert loaded.config.data.wal_dir == f"{home}/.influxdb/wal"


def test_env_overrides_apply_after_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[http]\nbind-address = ":1"\nrealm = "file"\n')
    loaded = load_config(str(path), environ={**HOME_ENV, "INFLUXDB_HTTP_BIND_ADDRESS": ":2",
                                             "INFLUXDB_HTTP_REALM": ""}, for_print=True)
    assert (loaded.config.http.bind_address, loaded.config.http.realm) == (":2", "file")


def test_env_errors_name_the_variable() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, environ={**HOME_ENV, "INFLUXDB_DATA_WAL_FSYNC_DELAY": "soon"})
    assert str(info.value) == 'apply env config: time: invalid duration "soon"'
    assert info.value.key == "INFLUXDB_DATA_WAL_FSYNC_DELAY"


def test_decode_errors_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[coordinator]\nwrite-timeout = "later"\n')
    with pytest.raises(ConfigError) as info:
        load_config(str(path), environ=HOME_ENV)
    assert str(info.value) == 'parse config: time: invalid duration "later"'
    assert info.value.key == "coordinator.write-timeout"


def test_typed_values_after_merge() -> None:
    config = Config()
    merge_text(config, '[data]\ncache-max-memory-size = "2g"\n[coordinator]\nwrite-timeout = "1m"\n'
                       '[http]\nunix-socket-permissions = "0750"\n'
                       '[[graphite]]\ntemplates = ["measurement"]\n')
    assert config.data.cache_max_memory_size == 2 << 30
    assert config.coordinator.write_timeout == 60_000_000_000
    assert cfg.seconds(config.coordinator.write_timeout) == 60.0
    assert config.http.unix_socket_permissions == 0o750
    assert config.graphite[0].templates == ["measurement"]
    assert config.graphite[0].database == "graphite"


def test_more_tables_than_defaults_start_from_zero_values() -> None:
    config = Config()
    merge_text(config, "[[udp]]\nenabled = true\n[[udp]]\n")
    assert [u.enabled for u in config.udp] == [True, False]
    assert [u.database for u in config.udp] == ["", ""]


def test_unknown_keys_become_warnings() -> None:
    loaded = merge_text(Config(), 'reporting-disabled = true\nx = 1\n[data]\nseries-id-set-cache-size = 100\n'
                                  '[[opentsdb]]\nfoo = 1\n[[opentsdb]]\nbar = 2\n[ghost]\n')
    assert loaded.warnings == ['unknown configuration key "x" ignored',
                               'unknown configuration key "data.series-id-set-cache-size" ignored',
                               'unknown configuration key "opentsdb.foo" ignored',
                               'unknown configuration key "opentsdb.bar" ignored',
                               'unknown configuration key "ghost" ignored']


def test_cluster_header_is_renamed_with_a_notice() -> None:
    config = Config()
    loaded = merge_text(config, '\n\n  [cluster]\nmax-select-point = 5\n')
    assert config.coordinator.max_select_point == 5
    assert loaded.notices == [cfg.CLUSTER_DEPRECATION]


def test_cluster_rename_swallows_blank_lines_like_influxd() -> None:
    # Go's (?m)^\s*\[cluster\] eats the blank lines before the header, so later lines move up
    # (influxd 1.6.7 reports line 3 here, where the file has line 5).
    with pytest.raises(ConfigError) as info:
        merge_text(Config(), "\n\n[cluster]\nwrite-timeout = 1.5\n[http]\nenabled = 1\n")
    assert str(info.value) == 'time: missing unit in duration "1.500000"'
    with pytest.raises(ConfigError) as info:
        merge_text(Config(), "\n\n[cluster]\n[http]\nenabled = 1\n")
    assert str(info.value).startswith('toml: line 3 (last key "http.enabled")')


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_byte_order_marks(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes('[http]\nrealm = "bom é"\n'.encode(encoding))
    config = Config()
    cfg.merge_file(config, str(path))
    assert config.http.realm == "bom é"


def test_invalid_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b'[http]\nrealm = "\xff"\n')
    with pytest.raises(ConfigError) as info:
        cfg.merge_file(Config(), str(path))
    assert str(info.value) == "toml: line 2: invalid UTF-8 byte: 0xff"


def test_syntax_errors_report_the_line() -> None:
    with pytest.raises(ConfigError) as info:
        merge_text(Config(), "[http]\n\nenabled = tru\n")
    assert str(info.value) == 'toml: line 3 (last key "http.enabled"): expected value but found "tru" instead'
    with pytest.raises(ConfigError) as info:
        merge_text(Config(), "[http]\n\nenabled = [1,\n")
    assert str(info.value) == "toml: line 3: invalid value"
    with pytest.raises(ConfigError) as info:
        merge_text(Config(), "a = 1\n[x]\n[y]\n  [x]\n")
    assert str(info.value) == "toml: line 4: Key 'x' has already been defined."


def test_demo_config_needs_a_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cfg, "home_directory", lambda environ=None: None)
    with pytest.raises(ConfigError) as info:
        load_config(None, environ={})
    assert str(info.value) == "parse config: failed to determine current user for storage"
    # ``influxd config`` falls back to the plain defaults, whose empty directories then fail validation.
    with pytest.raises(ConfigError) as info:
        load_config(None, environ={}, for_print=True)
    assert str(info.value).startswith("Meta.Dir must be specified.")


def test_apply_env_overrides_directly() -> None:
    config = Config()
    apply_env_overrides(config, {"INFLUXDB_GRAPHITE_0_TAGS": "a=1,b=2", "INFLUXDB_UDP_BIND_ADDRESS": ":7"})
    assert config.graphite[0].tags == ["a=1", "b=2"]
    assert config.udp[0].bind_address == ":7"
