import subprocess
import sys

from click.testing import CliRunner

from chronus.cli.influxd import cli


def test_version_prints_influxdb_compatible_line() -> None:
    result = CliRunner().invoke(cli, ["version"])
    assert result.exit_code == 0
    assert result.output == "InfluxDB v1.6.7 (git: chronus 0.1.0)\n"


def test_influxd_console_script_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "chronus.cli.influxd", "version"], capture_output=True, text=True, check=True
    )
    assert done.stdout == "InfluxDB v1.6.7 (git: chronus 0.1.0)\n"
