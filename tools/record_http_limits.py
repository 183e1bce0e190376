"""Record influxd 1.6.7's answers for ``tests/integration/http_limits_cases.py``: limits, CORS, debug, HTTPS.

Usage (needs ``/usr/bin/influxd`` and ``openssl``)::

    python tools/record_http_limits.py      # writes tests/golden/http/limits.jsonl

Every scenario gets a fresh server with the scenario's ``[http]`` settings (HTTPS ones a self-signed
certificate made here by ``openssl req``); the records are written as JSON lines tagged with the scenario.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from record_golden import CONFIG_TEMPLATE, GOLDEN, InfluxServer  # noqa: E402

from tests.integration import http_limits_cases as cases  # noqa: E402

OUT = GOLDEN / "http" / "limits.jsonl"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the same command the integration test runs)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


@dataclass
class ConfiguredInflux(InfluxServer):
    """``InfluxServer`` with extra ``[http]`` lines, reachable over HTTPS when they enable it."""

    http_extra: str = ""
    https: bool = False

    def start(self) -> None:
        extra, table, sections = self.http_extra.partition("\n[")  # [http] lines, then other tables
        extra += "\n" if table else ""
        if "auth-enabled" not in extra:
            extra += "  auth-enabled = false\n"
        template = CONFIG_TEMPLATE.replace("  auth-enabled = {auth_enabled}\n", extra)
        if table:
            template += "\n[" + sections.replace("{", "{{").replace("}", "}}")
        config = self.root / "influxdb.conf"
        config.write_text(template.format(root=self.root, http_port=self.http_port, rpc_port=self.rpc_port))
        with open(self.root / "influxd.log", "wb") as log:
            self.process = subprocess.Popen([self.binary, "-config", str(config)], stdout=log, stderr=log,
                                            stdin=subprocess.DEVNULL)
        scheme = "https" if self.https else "http"
        context = cases.client_tls_context() if self.https else None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"influxd exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{scheme}://127.0.0.1:{self.http_port}/ping", timeout=1,
                                            context=context) as resp:
                    if resp.status == 204:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        raise RuntimeError("influxd did not answer /ping within 30s")


def main() -> int:
    records: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="chronus-tls-") as folder:
        cert, key = make_certificate(Path(folder))
        for scenario in cases.SCENARIOS:
            extra = cases.http_settings(scenario, str(cert), str(key))
            with ConfiguredInflux(http_extra=extra, https=scenario.https) as server:
                tls = cases.client_tls_context() if scenario.https else None
                client = cases.Client(server.http_port, tls)
                for record in scenario.run(client):
                    records.append({"scenario": scenario.name, **record})
            print(f"{scenario.name}: {sum(r['scenario'] == scenario.name for r in records)} records")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, sort_keys=True) + "\n")  # ASCII: bodies hold line separators
    print(f"wrote {len(records)} records to {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
