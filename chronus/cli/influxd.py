"""The ``influxd`` command, shaped like InfluxDB 1.x's: ``influxd [[command] [arguments]]``.

Only ``version`` and ``config`` exist so far; ``run`` (the default command of the real influxd) arrives
with the single-node server.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time

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


CONFIG_USAGE = """Displays the default configuration.

Usage: influxd config [flags]

    -config <path>
            Set the path to the initial configuration file.
            This defaults to the environment variable INFLUXDB_CONFIG_PATH,
            ~/.influxdb/influxdb.conf, or /etc/influxdb/influxdb.conf if a file
            is present at any of these locations.
            Disable the automatic loading of a configuration file using
            the null device (such as /dev/null).
"""


class FlagError(Exception):
    """A command line Go's ``flag`` package refuses; ``str()`` is its message."""


def parse_go_flags(args: list[str], string_flags: set[str]) -> dict[str, str]:
    """Parse ``args`` the way Go's ``flag`` package does: ``-name value``, ``-name=value``, ``--name``;
    parsing stops at the first non-flag or after ``--``; ``-h``/``-help`` ask for the usage."""
    values: dict[str, str] = {}
    rest = list(args)
    while rest:
        arg = rest[0]
        if len(arg) < 2 or arg[0] != "-":
            break
        rest.pop(0)
        dashes = 2 if arg[1] == "-" else 1
        if arg == "--":
            break
        name = arg[dashes:]
        if not name or name[0] in "-=":
            raise FlagError(f"bad flag syntax: {arg}")
        name, has_value, value = name.partition("=")
        if name not in string_flags:
            if name in ("h", "help"):
                raise FlagError("flag: help requested")
            raise FlagError(f"flag provided but not defined: -{name}")
        if not has_value:
            if not rest:
                raise FlagError(f"flag needs an argument: -{name}")
            value = rest.pop(0)
        values[name] = value
    return values


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                               "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def config(args: tuple[str, ...]) -> None:
    """Display the default configuration (merged with -config FILE), as influxd prints it."""
    # Imported here so ``influxd version`` stays independent of the configuration machinery.
    from chronus.config import ConfigError, config_path, load_config, render_config

    err = click.get_text_stream("stderr")
    try:
        flags = parse_go_flags(list(args), {"config"})
    except FlagError as failure:
        if str(failure) != "flag: help requested":
            err.write(f"{failure}\n")
        err.write(CONFIG_USAGE + "\n")
        _fail(f"config: {failure}")
    path = config_path(flags.get("config"))
    if path is not None:
        err.write(f"Merging with configuration at: {path}\n")
        err.flush()
    try:
        loaded = load_config(path, environ=os.environ, for_print=True)
    except ConfigError as failure:
        for notice in failure.notices:
            err.write(f"{_go_log_time()} {notice}\n")
        message = f"config: {failure}"
        if failure.key and failure.key not in str(failure):
            # influxd's own text does not say where the bad value is: Chronus adds a line that does.
            message += f"\nhint: the invalid setting is {failure.key}"
        _fail(message)
    for notice in loaded.notices:
        err.write(f"{_go_log_time()} {notice}\n")
    for warning in loaded.warnings:
        err.write(f"warning: {warning}\n")
    click.get_text_stream("stdout").write(render_config(loaded.config))


def _go_log_time() -> str:
    """The timestamp Go's standard logger puts before a line (``2006/01/02 15:04:05``)."""
    return time.strftime("%Y/%m/%d %H:%M:%S")


def _fail(message: str) -> None:
    click.get_text_stream("stderr").write(message + "\n")
    sys.exit(1)


RUN_USAGE = """Runs the InfluxDB server.

Usage: influxd run [flags]

    -config <path>
            Set the path to the configuration file.
            This defaults to the environment variable INFLUXDB_CONFIG_PATH,
            ~/.influxdb/influxdb.conf, or /etc/influxdb/influxdb.conf if a file
            is present at any of these locations.
            Disable the automatic loading of a configuration file using
            the null device (such as /dev/null).
    -pidfile <path>
            Write process ID to a file.
"""


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                               "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run(args: tuple[str, ...]) -> None:
    """Run the server (the default command)."""
    from chronus import logs
    from chronus.config import ConfigError, config_path, load_config
    from chronus.server import Server, ServerError, run_forever

    err = click.get_text_stream("stderr")
    try:
        flags = parse_go_flags(list(args), {"config", "pidfile", "cpuprofile", "memprofile"})
    except FlagError as failure:
        if str(failure) != "flag: help requested":
            err.write(f"{failure}\n")
        err.write(RUN_USAGE + "\n")
        _fail(f"run: {failure}")
    path = config_path(flags.get("config"))
    if path is not None:
        err.write(f"Merging with configuration at: {path}\n")
    try:
        loaded = load_config(path, environ=os.environ)
    except ConfigError as failure:
        message = f"run: {failure}"
        if failure.key and failure.key not in str(failure):
            message += f"\nhint: the invalid setting is {failure.key}"
        _fail(message)
    for warning in loaded.warnings:
        err.write(f"warning: {warning}\n")
    logs.configure(loaded.config.logging.format, loaded.config.logging.level)
    pidfile = flags.get("pidfile")
    if pidfile:
        with open(pidfile, "w", encoding="ascii") as fh:
            fh.write(f"{os.getpid()}\n")
    try:
        run_forever(Server(loaded.config))
    except ServerError as failure:
        _fail(f"run: {failure}")
    finally:
        if pidfile:
            with contextlib.suppress(OSError):
                os.remove(pidfile)


def main() -> None:
    """Console-script entry point; like influxd, no command (or a flag first) means ``run``."""
    args = sys.argv[1:]
    if not args or args[0].startswith("-") and args[0] not in ("-h", "--help"):
        args = ["run", *args]
    cli(args=args, prog_name="influxd")


if __name__ == "__main__":
    main()
