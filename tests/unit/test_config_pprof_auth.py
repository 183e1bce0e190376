"""``[http] pprof-auth-enabled``: InfluxDB 1.8's key, read from files and the environment, never printed by
``influxd config`` (whose output stays 1.6.7's, which has no such key)."""

from __future__ import annotations

from chronus.config import default_config, merge_text, render_config
from chronus.config.env import apply_env_overrides


def test_read_from_the_file_without_a_warning() -> None:
    config = default_config()
    loaded = merge_text(config, "[http]\n  pprof-auth-enabled = true\n")
    assert loaded.warnings == []
    assert config.http.pprof_auth_enabled is True


def test_off_by_default_and_not_printed() -> None:
    config = default_config()
    assert config.http.pprof_auth_enabled is False
    before = render_config(config)
    config.http.pprof_auth_enabled = True
    assert render_config(config) == before
    assert "pprof-auth-enabled" not in before


def test_environment_override() -> None:
    config = default_config()
    apply_env_overrides(config, {"INFLUXDB_HTTP_PPROF_AUTH_ENABLED": "true"})
    assert config.http.pprof_auth_enabled is True
