"""Record golden answers from the real InfluxDB 1.6.7 ``influxd`` (the oracle Chronus must match).

Usage (needs ``/usr/bin/influxd`` installed; standard library only)::

    python tools/record_golden.py influxql            # re-record tests/golden/influxql/parser.jsonl
    python tools/record_golden.py influxql --influxd /path/to/influxd

Each suite reads a corpus, starts a throw-away influxd (temp dirs, HTTP and the 8088 RPC address on free
loopback ports, reporting/monitor store/other services off), runs every corpus entry, writes the answers as
JSON lines in corpus order (sorted keys, so re-recording gives reviewable diffs) and always stops the server.

Corpus format (plain text, one entry per line):
    ``# text``          comment
    ``## name``         starts the section (production) ``name``; entries are numbered within their section
    ``@params {json}``  bound parameters (the HTTP ``params`` value) for the next entry only
    ``@json "..."``     an entry given as a JSON string (for empty queries, newlines, tabs, trailing blanks)
    anything else       one query, sent verbatim (one or more statements separated by ``;``)

The ``influxql`` suite sends each query as a user WITHOUT privileges on a server with auth enabled, because
influxd then parses the query and refuses it with ``error authorizing query: <user> not authorized to execute
statement '<Go String() of the statement>', requires ...``: that canonical text is what Chronus's ``str()``
of the parsed statement must reproduce. Syntax errors come back as ``error parsing query: ...`` (400).

To add a suite: write a ``record_<name>(server, corpus_path) -> list[dict]`` function and register it in
``SUITES``; reuse ``InfluxServer`` and ``read_corpus``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"

ADMIN = ("admin", "admin-pw")
NOBODY = ("nobody", "nobody-pw")
QUERY_DB = "db0"

# "<user> not authorized to execute statement '<stmt>', requires <what>" (query_authorizer.go)
DENIED = re.compile(
    r"\Aerror authorizing query: (?P<user>\S+) not authorized to execute statement '(?P<stmt>.*)', "
    r"requires (?P<requires>[^']*)\Z",
    re.DOTALL,
)

CONFIG_TEMPLATE = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{root}/meta"
  logging-enabled = false

[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
  trace-logging-enabled = false

[retention]
  enabled = false

[shard-precreation]
  enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  auth-enabled = {auth_enabled}
  log-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false
"""


def free_port() -> int:
    """A loopback port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Answer:
    """One HTTP answer: status code and the decoded JSON body (or the raw text if it is not JSON)."""

    status: int
    body: object


@dataclass
class InfluxServer:
    """A throw-away influxd in a temp dir; use as a context manager so it is always stopped."""

    binary: str = "/usr/bin/influxd"
    auth_enabled: bool = True
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="chronus-golden-")))
    http_port: int = field(default_factory=free_port)
    rpc_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def __enter__(self) -> InfluxServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        config = self.root / "influxdb.conf"
        config.write_text(CONFIG_TEMPLATE.format(
            root=self.root, http_port=self.http_port, rpc_port=self.rpc_port,
            auth_enabled=str(self.auth_enabled).lower()))
        with open(self.root / "influxd.log", "wb") as log:
            self.process = subprocess.Popen([self.binary, "-config", str(config)], stdout=log, stderr=log,
                                            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"influxd exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/ping", timeout=1) as resp:
                    if resp.status == 204:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        raise RuntimeError("influxd did not answer /ping within 30s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self) -> str:
        try:
            return (self.root / "influxd.log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def query(self, q: str, *, db: str | None = None, params: str | None = None,
              auth: tuple[str, str] | None = None) -> Answer:
        """POST /query with form fields; ``params`` is the raw JSON text sent as the ``params`` field."""
        form = {"q": q}
        if db is not None:
            form["db"] = db
        if params is not None:
            form["params"] = params
        request = urllib.request.Request(f"{self.url}/query", data=urllib.parse.urlencode(form).encode(),
                                         method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        text = raw.decode("utf-8", errors="replace")
        try:
            return Answer(status, json.loads(text))
        except ValueError:
            return Answer(status, text)

    def must(self, q: str, **kwargs: object) -> Answer:
        """Run a setup query and fail loudly unless it succeeded without any statement error."""
        answer = self.query(q, **kwargs)
        if answer.status != 200 or any("error" in r for r in answer.body.get("results", [])):
            raise RuntimeError(f"setup query {q!r} failed: {answer.status} {answer.body}")
        return answer


@dataclass
class CorpusEntry:
    id: str
    section: str
    q: str
    params: str | None = None


def read_corpus(path: Path) -> list[CorpusEntry]:
    """Parse the corpus format described in the module docstring."""
    entries: list[CorpusEntry] = []
    section, counts, params = "unsectioned", {}, None
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("@params "):
            params = line[len("@params "):].strip()
            continue
        q = json.loads(line[len("@json "):]) if line.startswith("@json ") else line
        counts[section] = counts.get(section, 0) + 1
        entry_id = f"{section}-{counts[section]:03d}"
        entries.append(CorpusEntry(id=entry_id, section=section, q=q, params=params))
        params = None
    ids = [e.id for e in entries]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate entry ids (a section name is used twice?)")
    return entries


def classify(answer: Answer) -> dict:
    """Turn an answer into the golden record: statement text, parse error, or the plain answer."""
    body = answer.body
    error = body.get("error") if isinstance(body, dict) else None
    if answer.status == 403 and error and (m := DENIED.match(error)):
        return {"kind": "statement", "statement": m["stmt"], "requires": m["requires"]}
    if answer.status == 400 and error and error.startswith("error parsing query: "):
        return {"kind": "parse_error", "error": error}
    if answer.status == 400 and error:
        return {"kind": "http_error", "error": error}
    return {"kind": "answer", "status": answer.status, "body": body}


def record_influxql(server: InfluxServer, corpus: Path) -> list[dict]:
    """Parser corpus: canonical String() via the authorizer's refusal, parse errors verbatim."""
    server.must(f"CREATE USER {ADMIN[0]} WITH PASSWORD '{ADMIN[1]}' WITH ALL PRIVILEGES")
    server.must(f"CREATE DATABASE {QUERY_DB}", auth=ADMIN)
    server.must(f"CREATE USER {NOBODY[0]} WITH PASSWORD '{NOBODY[1]}'", auth=ADMIN)
    records = []
    for entry in read_corpus(corpus):
        answer = server.query(entry.q, db=QUERY_DB, params=entry.params, auth=NOBODY)
        record = {"id": entry.id, "section": entry.section, "q": entry.q}
        if entry.params is not None:
            record["params"] = entry.params
        record.update(classify(answer))
        records.append(record)
    return records


SUITES: dict[str, tuple[Callable[[InfluxServer, Path], list[dict]], Path, Path]] = {
    "influxql": (record_influxql, GOLDEN / "influxql" / "corpus.txt", GOLDEN / "influxql" / "parser.jsonl"),
}


def write_jsonl(path: Path, records: list[dict]) -> None:
    lines = [json.dumps(r, sort_keys=True, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("suite", choices=sorted(SUITES))
    parser.add_argument("--influxd", default=os.environ.get("INFLUXD", "/usr/bin/influxd"))
    args = parser.parse_args(argv)
    record, corpus, output = SUITES[args.suite]
    with InfluxServer(binary=args.influxd) as server:
        records = record(server, corpus)
    write_jsonl(output, records)
    kinds: dict[str, int] = {}
    for r in records:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"{output.relative_to(REPO)}: {len(records)} entries {kinds}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
