"""A node (meta store + shard store) loaded with a recorded data set, shared by the SELECT golden tests.

The data set (``tests/golden/<suite>/dataset.json``: setup statements and line-protocol writes) went through
the real influxd when the answers were recorded; here it goes through Chronus's real write path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from chronus.cluster.points_writer import PointsWriter
from chronus.influxql import parse_query
from chronus.meta import statements as meta_statements
from chronus.meta.client import MetaClient
from chronus.meta.store import LocalMetaStore
from chronus.tsdb.store import Store

NOW = 1_600_000_000_000_000_000
GOLDEN = Path(__file__).resolve().parents[2] / "golden"


def golden_answers(suite: str, name: str = "answers.jsonl") -> list[dict]:
    """The recorded answers of ``tests/golden/<suite>/<name>``, one JSON object per line."""
    text = (GOLDEN / suite / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


def golden_case(entry: dict, known_gaps: dict[str, str]):
    """A test parameter for a recorded answer; a strict xfail where ``known_gaps`` names it (a fix shows)."""
    if entry["id"] in known_gaps:
        return pytest.param(entry, id=entry["id"], marks=pytest.mark.xfail(reason=known_gaps[entry["id"]],
                                                                            strict=True))
    return pytest.param(entry, id=entry["id"])


def open_node(root: Path) -> tuple[LocalMetaStore, MetaClient, Store, PointsWriter]:
    """A meta store, its client, a shard store and a points writer under ``root``, opened, clock at NOW."""
    meta_store = LocalMetaStore(root / "meta")
    meta_store.open()
    meta = MetaClient(meta_store, clock=lambda: NOW)
    store = Store(str(root / "data"), str(root / "wal"))
    store.open()
    return meta_store, meta, store, PointsWriter(meta, store, clock=lambda: NOW)


def loaded_node(root: Path, dataset: Path) -> Iterator[tuple[MetaClient, Store, str]]:
    """Yield ``(meta, store, database)`` with ``dataset`` written; closes the store afterwards."""
    meta_store, meta, store, writer = open_node(root)
    spec = json.loads(dataset.read_text(encoding="utf-8"))
    for q in spec["setup"]:
        meta_statements.execute(parse_query(q).statements[0], meta)
    for write in spec["writes"]:
        writer.write_lines(spec["db"], write["rp"], "one", "\n".join(write["body"]).encode(), "s")
    yield meta, store, spec["db"]
    store.close()
    meta_store.close()
