"""Deletes through ``DeleteStatements`` on a real meta store and shard store: what leaves the cache, the
WAL (replayed on restart) and the index, and influxd's refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chronus.cluster.points_writer import PointsWriter
from chronus.influxql import parse_statement
from chronus.meta.client import MetaClient
from chronus.meta.store import LocalMetaStore
from chronus.query.delete import DeleteStatements
from chronus.query.executor import QueryError
from chronus.tsdb.store import Store

WEEK = 7 * 24 * 3600 * 10**9
T0 = 2600 * WEEK  # the start of a shard group; T0 + WEEK is in the next one


class Node:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.meta_store = LocalMetaStore(root / "meta")
        self.meta_store.open()
        self.meta = MetaClient(self.meta_store)
        self.open_store()

    def open_store(self) -> None:
        self.store = Store(str(self.root / "data"), str(self.root / "wal"))
        self.store.open()
        self.deletes = DeleteStatements(self.meta, self.store)
        self.writer = PointsWriter(self.meta, self.store)

    def restart(self) -> None:
        self.store.close()
        self.open_store()

    def run(self, q: str, database: str = "db") -> None:
        assert self.deletes.execute(parse_statement(q), database)

    def series(self) -> list[str]:
        index = self.store.database_index("db")
        return sorted(s.key for s in index.series_by_id.values())

    def points(self) -> list[tuple[str, int]]:
        out = []
        for shard in sorted(self.store.shards(), key=lambda s: s.id):
            for key in shard.cache.keys():  # noqa: SIM118
                values = shard.cache.values(key)
                out.extend((key.decode(), int(t)) for t in values.times)
        return sorted(out)


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    n = Node(tmp_path)
    n.meta.create_database("db")
    body = "\n".join([
        f"cpu,host=a value=1 {T0}", f"cpu,host=a value=2 {T0 + WEEK}",
        f"cpu,host=b value=3 {T0}", f"mem,host=a free=4i {T0}",
    ])
    n.writer.write_lines("db", "", "", body.encode(), "n")
    yield n
    n.store.close()


def test_delete_in_one_shard_keeps_a_series_another_shard_holds(node: Node) -> None:
    node.run(f"DELETE FROM cpu WHERE host = 'a' AND time < {T0 + WEEK}")
    assert node.points() == [("cpu,host=a#!~#value", T0 + WEEK), ("cpu,host=b#!~#value", T0),
                             ("mem,host=a#!~#free", T0)]
    assert node.series() == ["cpu,host=a", "cpu,host=b", "mem,host=a"]
    shard_sets = {sid: sorted(ix.series_ids) for sid, ix in node.store.database_index("db").shards.items()}
    assert shard_sets == {1: [2, 3], 2: [1]}


def test_deletes_survive_a_restart(node: Node) -> None:
    node.run("DELETE FROM cpu WHERE host = 'a'")
    node.run("DROP MEASUREMENT mem")
    expected = [("cpu,host=b#!~#value", T0)]
    assert node.points() == expected and node.series() == ["cpu,host=b"]
    node.restart()
    assert node.points() == expected
    assert node.series() == ["cpu,host=b"]


def test_drop_measurement_drops_its_fields_in_every_shard(node: Node) -> None:
    node.run("DROP MEASUREMENT cpu")
    assert node.series() == ["mem,host=a"]
    assert [shard.fields.fields("cpu") for shard in node.store.shards()] == [{}, {}]


def test_drop_series_keeps_the_fields(node: Node) -> None:
    node.run("DROP SERIES FROM cpu")
    assert node.series() == ["mem,host=a"]
    assert all("value" in shard.fields.fields("cpu") for shard in node.store.shards())


@pytest.mark.parametrize(("q", "error"), [
    ("DROP SERIES FROM cpu WHERE time > 0", "DROP SERIES doesn't support time in WHERE clause"),
    ("DELETE FROM cpu WHERE value > 1", "shard 2: fields not supported in WHERE clause during deletion"),
    ("DROP SERIES WHERE host = 'b' OR value = 3",
     "shard 2: fields not supported in WHERE clause during deletion"),
])
def test_refusals(node: Node, q: str, error: str) -> None:
    with pytest.raises(QueryError) as caught:
        node.run(q)
    assert str(caught.value) == error


def test_unknown_database(node: Node) -> None:
    with pytest.raises(QueryError) as caught:
        node.run("DROP MEASUREMENT cpu", database="nope")
    assert str(caught.value) == "database not found: nope"


def test_field_terms_on_no_selected_series_are_allowed(node: Node) -> None:
    node.run("DELETE FROM cpu WHERE host = 'zzz' AND value > 1")
    assert node.series() == ["cpu,host=a", "cpu,host=b", "mem,host=a"]


def test_regex_sources(node: Node) -> None:
    node.run("DELETE FROM /^c/ WHERE host = 'b'")
    node.run("DELETE FROM /^nothing/ WHERE host = 'a'")
    assert node.series() == ["cpu,host=a", "mem,host=a"]
