"""Start a real Chronus ``influxd`` process on free loopback ports, and always stop it."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CONFIG = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{root}/meta"

[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
{data_extra}
[http]
  bind-address = "127.0.0.1:{http_port}"
{http_extra}
"""


def wait_for_ping(process: subprocess.Popen, url: str, log_tail: Callable[[], str],
                  stop: Callable[[], None]) -> None:
    """Wait up to 60 s for a server process (ours or the real influxd) to answer ``/ping``; stop it and
    raise with its log's tail when it exits or never answers."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"influxd exited early:\n{log_tail()}")
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=1) as resp:
                if resp.status == 204:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.05)
    stop()
    raise RuntimeError(f"influxd did not answer /ping within 60s:\n{log_tail()}")


def terminate(process: subprocess.Popen | None) -> None:
    """SIGTERM, as an operator stops a server, then SIGKILL if it has not exited within 30 s."""
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def post_status(port: int, path: str, body: bytes) -> int:
    """POST ``body`` to ``path`` on 127.0.0.1:``port`` over a fresh connection; the status (body read)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=body)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ChronusProcess:
    """``python -m chronus.cli.influxd run`` in a temp dir; ``restart()`` keeps the data, ``kill()`` is -9."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="chronus-it-")))
    http_port: int = field(default_factory=free_port)
    rpc_port: int = field(default_factory=free_port)
    data_extra: str = ""
    http_extra: str = ""
    env: dict[str, str] = field(default_factory=dict)  # extra environment of the server process
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def config_path(self) -> Path:
        return self.root / "influxdb.conf"

    def start(self) -> None:
        self.config_path.write_text(
            CONFIG.format(
                root=self.root,
                http_port=self.http_port,
                rpc_port=self.rpc_port,
                data_extra=self.data_extra,
                http_extra=self.http_extra,
            )
        )
        log = open(self.root / "influxd.log", "ab")  # noqa: SIM115 - the child keeps it open
        env = dict(os.environ, PYTHONUNBUFFERED="1", **self.env)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "chronus.cli.influxd", "run", "-config", str(self.config_path)],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        log.close()
        wait_for_ping(self.process, self.url, self.log_tail, self.stop)

    def stop(self) -> None:
        terminate(self.process)
        self.process = None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self) -> str:
        try:
            return (self.root / "influxd.log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def __enter__(self) -> ChronusProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()
