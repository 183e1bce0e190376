"""Statistics of every service, collected for ``/debug/vars`` and ``SHOW STATS`` (later also ``_internal``),
and the diagnostics ``SHOW DIAGNOSTICS`` lists.

Services register a provider returning ``Statistic`` objects; the monitor asks them all when asked, so nothing
is computed on the hot path beyond the counters the services keep themselves. Diagnostics are named tables
(columns, rows) by module, as influxd's ``monitor.Diagnostics``: ``build``, ``network``, ``runtime`` and
``system`` here, the configuration's sections registered by the server.
"""

from __future__ import annotations

import os
import platform
import resource
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chronus import INFLUXDB_COMPAT_VERSION
from chronus.config.gotypes import format_duration
from chronus.http import gojson
from chronus.query.result import GoInt, Row
from chronus.query.timefmt import format_time


@dataclass
class Statistic:
    """One named set of counters, tagged like InfluxDB's ``models.Statistic``."""

    name: str
    tags: dict[str, str] | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def expvar_key(self) -> str:
        """The unique key ``/debug/vars`` files this statistic under, built as influxd builds it."""
        tags = self.tags or {}
        key = self.name
        if "path" in tags:
            key += ":" + tags["path"]
            if "id" in tags:
                key += ":" + tags["id"]
        elif "bind" in tags:
            if "proto" in tags:
                key += ":" + tags["proto"]
            key += ":" + tags["bind"]
        elif "database" in tags:
            key += ":" + tags["database"]
            if "retention_policy" in tags:
                key += ":" + tags["retention_policy"]
                if "name" in tags:
                    key += ":" + tags["name"]
                if "destination" in tags:
                    key += ":" + tags["destination"]
        return key

    def to_json_obj(self) -> dict[str, Any]:
        tags = None if self.tags is None else {k: self.tags[k] for k in sorted(self.tags)}
        return {"name": self.name, "tags": tags, "values": {k: self.values[k] for k in sorted(self.values)}}


StatisticsProvider = Callable[[], list[Statistic]]
#: a diagnostics table: its column names and rows
Diagnostics = tuple[list[str], list[list[Any]]]


class Monitor:
    """The registry of statistics providers, and the process-wide figures (system, cmdline, memstats)."""

    def __init__(self) -> None:
        self.started_ns = time.time_ns()
        self._providers: list[StatisticsProvider] = []
        self._diagnostics: dict[str, Callable[[], Diagnostics]] = {
            "build": lambda: (["Branch", "Build Time", "Commit", "Version"],
                              [["unknown", "", "unknown", INFLUXDB_COMPAT_VERSION]]),
            "network": lambda: (["hostname"], [[socket.gethostname()]]),
            "runtime": lambda: (["GOARCH", "GOMAXPROCS", "GOOS", "version"],
                                [[_go_arch(), GoInt(os.cpu_count() or 1), sys.platform,
                                  "python" + platform.python_version()]]),
            "system": self._system_diagnostics,
        }
        #: ``SHOW STATS FOR 'indexes'``: the bytes the in-memory indexes hold (None: not known)
        self.index_memory: Callable[[], int] | None = None
        self._lock = threading.Lock()

    def register(self, provider: StatisticsProvider) -> None:
        with self._lock:
            self._providers.append(provider)

    def register_diagnostics(self, module: str, table: Callable[[], Diagnostics]) -> None:
        with self._lock:
            self._diagnostics[module] = table

    def show_stats(self, module: str = "") -> list[Row]:
        """``SHOW STATS [FOR 'module']``: one row per statistic (its name, tags, values by sorted name);
        ``indexes`` is the in-memory indexes' size, asked for by name only."""
        if module == "indexes":
            size = self.index_memory() if self.index_memory is not None else 0
            return [Row(name="indexes", columns=["memoryBytes"], values=[[size]])]
        rows = []
        for stat in self.statistics():
            if module and stat.name != module:
                continue
            names = sorted(stat.values)
            rows.append(Row(name=stat.name, tags=dict(stat.tags or {}), columns=names,
                            values=[[stat.values[k] for k in names]]))
        return rows

    def show_diagnostics(self, module: str = "") -> list[Row]:
        """``SHOW DIAGNOSTICS [FOR 'module']``: one row set per module, by module name."""
        with self._lock:
            tables = dict(self._diagnostics)
        rows = []
        for name in sorted(tables):
            if module and name != module:
                continue
            columns, values = tables[name]()
            rows.append(Row(name=name, columns=columns, values=values))
        return rows

    def _system_diagnostics(self) -> Diagnostics:
        now = time.time_ns()
        return (["PID", "currentTime", "started", "uptime"],
                [[GoInt(os.getpid()), format_time(now), format_time(self.started_ns),
                  format_duration(now - self.started_ns)]])

    def statistics(self) -> list[Statistic]:
        with self._lock:
            providers = list(self._providers)
        stats = [runtime_statistic()]
        for provider in providers:
            stats.extend(provider())
        return stats

    def system(self) -> dict[str, Any]:
        now = time.time_ns()
        return {
            "currentTime": format_time(now),
            "started": format_time(self.started_ns),
            "uptime": (now - self.started_ns) // 1_000_000_000,
        }

    def expvar_body(self) -> str:
        """``/debug/vars`` as influxd writes it: one ``"key": value`` line per entry inside braces."""
        entries = [
            ("system", self.system()),
            ("cmdline", [sys.argv[0], *sys.argv[1:]]),
            ("memstats", memstats()),
        ]
        lines = [f"{gojson.format_string(key)}: {gojson.dumps(value)}" for key, value in entries]
        for stat in self.statistics():
            lines.append(f"{gojson.format_string(stat.expvar_key())}: {gojson.dumps(stat.to_json_obj())}")
        return "{\n" + ",\n".join(lines) + "\n}\n"


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memstats() -> dict[str, Any]:
    """Go's ``runtime.MemStats`` keys that monitoring tools read, filled with this process's figures."""
    rss = _rss_bytes()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "Alloc": rss,
        "TotalAlloc": peak,
        "Sys": peak,
        "Lookups": 0,
        "Mallocs": 0,
        "Frees": 0,
        "HeapAlloc": rss,
        "HeapSys": peak,
        "HeapIdle": 0,
        "HeapInuse": rss,
        "HeapReleased": 0,
        "HeapObjects": 0,
        "NumGC": 0,
    }


def runtime_statistic() -> Statistic:
    """influxd's ``runtime`` statistic (Go's memory figures and goroutines): this process's memory, its
    threads."""
    mem = memstats()
    values = {key: mem[key] for key in ("Alloc", "Frees", "HeapAlloc", "HeapIdle", "HeapObjects",
                                        "HeapReleased", "HeapSys", "Lookups", "Mallocs", "NumGC", "Sys",
                                        "TotalAlloc")}
    values.update(HeapInUse=mem["HeapInuse"], NumGoroutine=threading.active_count(), PauseTotalNs=0)
    return Statistic("runtime", {}, values)


def _go_arch() -> str:
    """Go's name (``GOARCH``) of this machine's architecture."""
    machine = platform.machine().lower()
    return {"x86_64": "amd64", "aarch64": "arm64", "i686": "386", "armv7l": "arm"}.get(machine, machine)
