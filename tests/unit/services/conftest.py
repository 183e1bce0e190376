"""A node's meta store, shard store and points writer in a temp dir, all on one settable clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chronus.cluster.points_writer import PointsWriter
from chronus.meta.client import MetaClient
from chronus.meta.data import RetentionPolicySpec
from chronus.meta.store import LocalMetaStore
from chronus.tsdb.store import Store

HOUR = 3600 * 10**9
DAY = 24 * HOUR


class Clock:
    """A clock tests move by hand (nanoseconds since the epoch)."""

    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


@dataclass
class Node:
    root: Path
    clock: Clock
    meta: MetaClient
    store: Store
    writer: PointsWriter

    def create_database(self, name: str, duration: int | None = None) -> None:
        self.meta.create_database_with_retention_policy(
            name, RetentionPolicySpec(name="rp", duration=duration))

    def write(self, database: str, body: str) -> None:
        self.writer.write_lines(database, "", "", body.encode(), "n")

    def shard_dirs(self, database: str) -> list[int]:
        path = self.root / "data" / database / "rp"
        return sorted(int(p.name) for p in path.iterdir()) if path.exists() else []


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    clock = Clock(100 * DAY)
    meta_store = LocalMetaStore(tmp_path / "meta")
    meta_store.open()
    meta = MetaClient(meta_store, clock=clock)
    store = Store(str(tmp_path / "data"), str(tmp_path / "wal"))
    store.open()
    try:
        yield Node(tmp_path, clock, meta, store, PointsWriter(meta, store, clock=clock))
    finally:
        store.close()
        meta_store.close()
