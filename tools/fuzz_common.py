"""What the SELECT fuzzers share: a golden suite's data set in a throw-away influxd and in an in-process
Chronus node, every statement sent to both, every differing body printed."""

import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from record_golden import InfluxServer  # noqa: E402
from record_select import must, run_write  # noqa: E402
from record_select import run as irun  # noqa: E402

from chronus.query.data import DataStatements  # noqa: E402
from chronus.query.executor import QueryExecutor  # noqa: E402
from chronus.query.statement_executor import StatementExecutor  # noqa: E402
from tests.unit.query import test_subquery_golden as golden  # noqa: E402
from tests.unit.query.golden_node import NOW, loaded_node  # noqa: E402


def compare_with_influxd(suite_dir: Path, statements: list[str]) -> int:
    """Send every statement to influxd and to Chronus over ``suite_dir``'s data set; print each one whose
    bodies differ (FLAKY when influxd answers it differently twice: Go map order, random samples) around
    the first differing character; the number of differences."""
    dataset = json.loads((suite_dir / "dataset.json").read_text())
    diffs = 0
    with InfluxServer(binary="/usr/bin/influxd", auth_enabled=False) as server:
        for q in dataset["setup"]:
            must(*irun(server, q, dataset["db"], 0), q)
        for w in dataset["writes"]:
            must(*run_write(server, dataset["db"], w["rp"], "\n".join(w["body"])), "write")
        for meta, store, _db in loaded_node(Path(tempfile.mkdtemp()), suite_dir / "dataset.json"):
            ex = QueryExecutor(StatementExecutor(meta, DataStatements(meta, store, clock=lambda: NOW)))
            for q in statements:
                try:
                    _, ib = irun(server, q, dataset["db"], 0)
                except OSError as err:  # influxd did not answer in time (a statement it runs for very long)
                    print(f"SKIP  {q!r}: influxd {type(err).__name__}")
                    continue
                try:
                    cb = golden.run(ex, q, dataset["db"], 0).decode()
                except Exception as err:
                    cb = f"EXCEPTION {type(err).__name__}: {err}"
                if ib == cb:
                    continue
                try:
                    _, again = irun(server, q, dataset["db"], 0)
                except OSError:
                    again = None
                diffs += 1
                print(("FLAKY " if again != ib else "DIFF  ") + repr(q))
                i = next((k for k in range(min(len(ib), len(cb))) if ib[k] != cb[k]), min(len(ib), len(cb)))
                print("   I:", ib[max(0, i - 200):i + 200])
                print("   C:", cb[max(0, i - 200):i + 200])
    print(f"{diffs} diffs of {len(statements)}")
    return diffs
