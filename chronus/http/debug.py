"""What ``/debug/requests`` and ``/debug/pprof`` report, in influxd's formats where they carry over to Python.

``/debug/requests?seconds=N`` (default 10, at most 6h) counts the ``/query`` and ``/write`` requests served
during the next N seconds per client (``user:ip``, or ``ip`` without a user) and answers them as influxd's
hand-written JSON. Every tracking window sees the same requests, so several can overlap.

``/debug/pprof`` serves Go runtime profiles in influxd. Chronus serves the Python equivalents under the same
paths: ``goroutine`` lists the Python threads' stacks (``debug=2`` one block per thread, otherwise stacks
grouped and counted), ``profile?seconds=N`` samples every thread's stack for N seconds (default 30) and
answers the folded stacks with their sample counts, ``cmdline`` is the command line NUL-separated, and
``symbol`` reports no symbols. ``all`` is influxd's own archive (``profiles.tar.gz``): the thread stacks
(after a CPU profile when ``cpu`` is given) and the ``SHOW SHARDS``, ``SHOW STATS`` and ``SHOW DIAGNOSTICS``
tables. Go's other profiles (heap, allocs, block, mutex, threadcreate) have no Python counterpart and are
answered like influxd answers an unknown profile.
"""

from __future__ import annotations

import collections
import gc
import html
import io
import json
import os
import sys
import tarfile
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import FrameType

from chronus.influxql.quoting import format_duration

DEFAULT_WINDOW_S = 10
MAX_WINDOW_NS = 6 * 3600 * 1_000_000_000
INT64 = 1 << 64
DEFAULT_PROFILE_S = 30
SAMPLE_INTERVAL_S = 0.01


# -- /debug/requests ----------------------------------------------------------------------------------------


@dataclass
class RequestWindow:
    """The requests counted by one ``/debug/requests`` call, per client key, in arrival order."""

    counts: dict[str, list[int]] = field(default_factory=dict)  # key -> [writes, queries]

    def body(self) -> bytes:
        """influxd's JSON: a ``"key": {"writes":W,"queries":Q}`` line per client (none: three lines)."""
        lines = [f"{json.dumps(key, ensure_ascii=False)}: {{\"writes\":{w},\"queries\":{q}}}"
                 for key, (w, q) in self.counts.items()]
        return ("{\n" + ",\n".join(lines) + "\n}\n").encode()


class RequestTracker:
    """Feeds every open window; requests cost one check while nobody is watching."""

    def __init__(self) -> None:
        self._windows: list[RequestWindow] = []
        self._lock = threading.Lock()

    def open(self) -> RequestWindow:
        window = RequestWindow()
        with self._lock:
            self._windows.append(window)
        return window

    def close(self, window: RequestWindow) -> None:
        with self._lock:
            self._windows.remove(window)

    def add(self, path: str, remote_ip: str, user: str | None) -> None:
        """Count a request for ``/query`` or ``/write`` (influxd counts no other path)."""
        if not self._windows or path not in ("/query", "/write"):
            return
        key = f"{user}:{remote_ip}" if user else remote_ip
        column = 0 if path == "/write" else 1
        with self._lock:
            for window in self._windows:
                window.counts.setdefault(key, [0, 0])[column] += 1


class WindowError(ValueError):
    """A ``seconds`` value influxd refuses: a 400 with ``str()`` as the error."""


def window_seconds(raw: str | None) -> float:
    """``seconds`` as influxd reads it: Go's ParseInt, then a Duration in seconds (int64 arithmetic)."""
    if raw is None or raw == "":
        return DEFAULT_WINDOW_S
    seconds = parse_go_int64(raw)
    ns = (seconds * 1_000_000_000) % INT64
    if ns >= 1 << 63:
        ns -= INT64
    if ns > MAX_WINDOW_NS:
        raise WindowError(f"exceeded maximum interval time: {format_duration(ns)} > "
                          f"{format_duration(MAX_WINDOW_NS)}")
    return max(ns, 0) / 1e9


def parse_go_int64(raw: str) -> int:
    """Go's ``strconv.ParseInt(raw, 10, 64)``, its error texts included."""
    digits = raw[1:] if raw[:1] in "+-" else raw
    if not digits or not digits.isascii() or not digits.isdigit():
        raise WindowError(f"strconv.ParseInt: parsing {json.dumps(raw, ensure_ascii=False)}: invalid syntax")
    value = int(raw)
    if not -(1 << 63) <= value < 1 << 63:
        raise WindowError(f"strconv.ParseInt: parsing {json.dumps(raw, ensure_ascii=False)}: "
                          "value out of range")
    return value


# -- /debug/pprof -------------------------------------------------------------------------------------------

PROFILES = {
    "cmdline": "The command line invocation of the current program",
    "goroutine": "Stack traces of all current threads (Chronus runs Python threads, not goroutines)",
    "profile": "CPU profile: every thread's stack sampled 100 times a second; the duration is the seconds "
               "GET parameter. The answer is folded stacks, one line per stack with its sample count.",
}


def thread_stacks() -> list[tuple[str, list[traceback.FrameSummary]]]:
    """Every Python thread's name and stack (outermost call first)."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    frames = sys._current_frames()
    return [(f"{names.get(ident, 'thread')} ({ident})", traceback.extract_stack(frame))
            for ident, frame in sorted(frames.items())]


def index_page() -> str:
    """The pprof index in Go's layout, listing what Chronus can serve."""
    counts = {"cmdline": 0, "goroutine": len(sys._current_frames()), "profile": 0}
    rows = "".join(f"<tr><td>{counts[name]}</td><td><a href='{name}?debug=1'>{name}</a></td></tr>\n"
                   for name in PROFILES)
    descriptions = "".join(f"<li><div class=profile-name>{name}: </div> {html.escape(text)}</li>\n"
                           for name, text in PROFILES.items())
    return ("<html>\n<head>\n<title>/debug/pprof/</title>\n<style>\n.profile-name{\n\tdisplay:inline-block;\n"
            "\twidth:6rem;\n}\n</style>\n</head>\n<body>\n/debug/pprof/<br>\n<br>\n"
            "Types of profiles available:\n<table>\n<thead><td>Count</td><td>Profile</td></thead>\n"
            f"{rows}</table>\n<a href=\"goroutine?debug=2\">full goroutine stack dump</a>\n<br>\n<p>\n"
            f"Profile Descriptions:\n<ul>\n{descriptions}</ul>\n</p>\n</body>\n</html>\n")


def goroutine_text(debug: int) -> str:
    """Thread stacks: ``debug=2`` one block per thread (innermost call first, as Go prints them); any
    other value groups identical stacks with their count, like Go's ``debug=1``."""
    stacks = thread_stacks()
    if debug >= 2:
        blocks = []
        for name, stack in stacks:
            lines = [f"thread {name}:"]
            for frame in reversed(stack):
                lines.append(f"{frame.name}()\n\t{frame.filename}:{frame.lineno}")
            blocks.append("\n".join(lines) + "\n")
        return "\n".join(blocks)
    groups: dict[tuple[tuple[str, str, int], ...], list[str]] = collections.defaultdict(list)
    for name, stack in stacks:
        key = tuple((frame.name, frame.filename, frame.lineno or 0) for frame in reversed(stack))
        groups[key].append(name)
    out = [f"goroutine profile: total {len(stacks)}\n"]
    for key, names in sorted(groups.items(), key=lambda item: -len(item[1])):
        out.append(f"{len(names)} @ {', '.join(names)}\n")
        out.extend(f"#\t{func}\t{filename}:{lineno}\n" for func, filename, lineno in key)
        out.append("\n")
    return "".join(out)


class StackSampler:
    """Counts folded stacks (``outer;...;inner``) of every thread but the sampling one."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.samples = 0

    def sample(self) -> None:
        me = threading.get_ident()
        for ident, frame in sys._current_frames().items():
            if ident != me:
                self.counts[_fold(frame)] += 1
        self.samples += 1

    def text(self, seconds: float) -> str:
        head = f"cpu profile: {self.samples} samples over {seconds:g}s\n"
        return head + "".join(f"{stack} {count}\n" for stack, count in self.counts.most_common())


def _fold(frame: FrameType | None) -> str:
    names = []
    while frame is not None:
        code = frame.f_code
        names.append(f"{code.co_name} ({code.co_filename}:{frame.f_lineno})")
        frame = frame.f_back
    return ";".join(reversed(names))


def process_vars() -> str:
    """Go's expvar page as influxd's localhost:6060 shows it (``cmdline``, ``memstats``), with the Python
    process's figures: resident bytes as ``Sys`` and garbage collections as ``NumGC``."""
    try:
        with open("/proc/self/statm") as fh:
            resident = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        resident = 0
    collections_run = sum(generation["collections"] for generation in gc.get_stats())
    memstats = {"Sys": resident, "NumGC": collections_run}
    return (f"{{\n\"cmdline\": {json.dumps(sys.orig_argv, separators=(',', ':'))},\n"
            f"\"memstats\": {json.dumps(memstats, separators=(',', ':'))}\n}}\n")


def tab_table(tables: Sequence[tuple[list[str], list[list[object]]]]) -> str:
    """Tables (columns, rows) as influxd's ``all`` archive writes them through Go's tabwriter: every cell
    ends in tabs up to its column's width (at least 8, a multiple of 8, one past the widest cell), and a
    blank line separates tables."""
    blocks = []
    for columns, rows in tables:
        lines = [[str(cell) for cell in columns]]
        lines += [["" if value is None else _go_value(value) for value in row] for row in rows]
        widths = [max(8, -(-(max(len(line[i]) for line in lines if i < len(line)) + 1) // 8) * 8)
                  for i in range(max(len(line) for line in lines))]
        blocks.append("".join(
            "".join(cell + "\t" * -(-(widths[i] - len(cell)) // 8) for i, cell in enumerate(line)) + "\n"
            for line in lines))
    return "\n".join(blocks)


def _go_value(value: object) -> str:
    """A value as Go's ``%v`` prints it (booleans lower-case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def tar_gz(files: Sequence[tuple[str, bytes]]) -> bytes:
    """A gzipped tar of ``files`` (mode 0600), as influxd builds ``profiles.tar.gz``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def profile_seconds(raw: str) -> float:
    """Go's pprof reads ``seconds`` with ParseInt and falls back to 30 for anything not positive."""
    try:
        seconds = int(raw)
    except ValueError:
        return DEFAULT_PROFILE_S
    return seconds if seconds > 0 else DEFAULT_PROFILE_S
