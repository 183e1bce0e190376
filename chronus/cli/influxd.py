"""The ``influxd`` command, shaped like InfluxDB 1.x's: ``influxd [[command] [arguments]]``.

Only ``version`` exists so far; ``run`` (the default command of the real influxd) arrives with the
single-node server.
"""

from __future__ import annotations

import click

from chronus import INFLUXDB_COMPAT_VERSION, __version__


def version_line() -> str:
    """The line ``influxd version`` prints, in InfluxDB's ``InfluxDB v<ver> (git: <branch> <commit>)`` form.

    Tools that parse it find the InfluxDB version Chronus is compatible with; the git part names Chronus.
    """
    return f"InfluxDB v{INFLUXDB_COMPAT_VERSION} (git: chronus {__version__})"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Chronus: a drop-in replacement for InfluxDB 1.x's influxd."""


@cli.command()
def version() -> None:
    """Display the version."""
    click.echo(version_line())


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="influxd")


if __name__ == "__main__":
    main()
