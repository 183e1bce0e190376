"""SHOW statements answered from our index, byte for byte against influxd 1.6.7's recorded answers.

The data set of ``tests/golden/show/dataset.json`` is parsed with the pure-Python line-protocol reference,
routed to shards (7-day shard groups per retention policy, as influxd's INF policies get) and loaded into a
``DatabaseIndex`` per database; each corpus query of ``corpus.txt`` is then executed with
``chronus.query.show`` and ``gojson.dumps(response_obj(...))`` must equal influxd's body
(``tools/record_show.py`` re-records them).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from chronus.http import gojson
from chronus.influxql import ast, parse_query, parse_statement
from chronus.models.points import split_series_key
from chronus.query.result import Result, response_obj
from chronus.query.show import DatabaseView, ShardView, ShowContext, execute_show, has_time_expr
from chronus.tsdb.fields import FieldBatch, MeasurementFieldSet
from chronus.tsdb.index import DatabaseIndex
from tests.unit import lineproto_reference as lineproto

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "show"
WEEK_NS = 7 * 24 * 3600 * 1_000_000_000
DAY_NS = 24 * 3600 * 1_000_000_000
# Answers that depend on the statement executor, not on the SHOW handlers (kept as documentation).
EXECUTOR_BEHAVIOUR = {"multi-002": "an error stops the query; influxd then reports 'not executed' for id 0"}


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


class DataSet:
    """The recorded data set loaded into Chronus structures (one index per database, shards by group)."""

    def __init__(self) -> None:
        spec = json.loads((GOLDEN / "dataset.json").read_text(encoding="utf-8"))
        self.default_db = spec["default_db"]
        self.views: dict[str, DatabaseView] = {}
        self._shard_ids: dict[tuple[str, str, int], ShardView] = {}
        for q in spec["setup"]:
            stmt = parse_statement(q)
            if isinstance(stmt, ast.CreateDatabaseStatement):
                self.views[stmt.name] = DatabaseView(stmt.name)
        for write in spec["writes"]:
            self.write(write["db"], write["rp"] or "autogen", "\n".join(write["body"]))
        for step in spec["after_writes"]:
            self.run_drop(step["db"], parse_statement(step["q"]))

    def shard_for(self, db: str, rp: str, time_ns: int) -> ShardView:
        start = time_ns - time_ns % WEEK_NS
        key = (db, rp, start)
        shard = self._shard_ids.get(key)
        if shard is None:
            view = self.views[db]
            if view.index is None:
                view.index = DatabaseIndex(db)
            shard_id = len(self._shard_ids) + 1
            shard = ShardView(shard_id, rp, start, start + WEEK_NS, view.index.shard(shard_id),
                              MeasurementFieldSet())
            view.shards.append(shard)
            self._shard_ids[key] = shard
        return shard

    def write(self, db: str, rp: str, body: str) -> None:
        parsed = lineproto.parse(body.encode(), "s", 0)
        assert not parsed.errors
        by_shard: dict[int, tuple[ShardView, list]] = {}
        for point in parsed.points:
            shard = self.shard_for(db, rp, point.time)
            by_shard.setdefault(shard.id, (shard, []))[1].append(point)
        for shard, points in by_shard.values():
            write_points(shard, self.views[db].index, points)

    def run_drop(self, db: str, stmt: ast.Statement) -> None:
        index = self.views[db].index
        if isinstance(stmt, ast.DropMeasurementStatement):
            index.drop_measurement(stmt.name)
            for shard in self.views[db].shards:
                shard.fields.delete_measurement(stmt.name)
            return
        assert isinstance(stmt, ast.DropSeriesStatement)
        names = [s.name for s in stmt.sources] or index.measurement_names()
        for name in names:
            index.drop_series(index.series_ids_by_expr(name, stmt.condition))

    def context(self) -> ShowContext:
        return ShowContext(databases=self.views, default_database=self.default_db,
                           now_ns=1_600_000_000 * 10**9)


def write_points(shard: ShardView, index: DatabaseIndex, points: list) -> None:
    """The index/field side of a shard write: register the series keys and create the fields."""
    shard.index.add_series([p.key.decode("utf-8", "surrogateescape") for p in points])
    names: list[str] = []
    fields: list[str] = []
    point_measurement, row_point, row_field, row_type = [], [], [], []
    for number, point in enumerate(points):
        name = split_series_key(point.key)[0].decode("utf-8", "surrogateescape")
        if name not in names:
            names.append(name)
        point_measurement.append(names.index(name))
        for key, kind, _ in point.fields:
            text = key.decode()
            if text not in fields:
                fields.append(text)
            row_point.append(number)
            row_field.append(fields.index(text))
            row_type.append(kind)
    batch = FieldBatch(names, fields, np.array(point_measurement), np.array(row_point), np.array(row_field),
                       np.array(row_type))
    result = shard.fields.validate_and_create(batch)
    assert result.dropped == 0
    for measurement, field_name, _ in result.created:
        index.set_field_names(measurement, [field_name])


@pytest.fixture(scope="module")
def dataset() -> DataSet:
    return DataSet()


ANSWERS = _read_jsonl(GOLDEN / "answers.jsonl")


def answer_body(q: str, ctx: ShowContext) -> str:
    results: list[Result] = []
    for number, stmt in enumerate(parse_query(q).statements):
        result = execute_show(stmt, ctx)
        result.statement_id = number
        results.append(result)
        if result.error:
            break
    return gojson.dumps(response_obj(results)) + "\n"


def test_corpus_is_large_enough() -> None:
    assert len(ANSWERS) >= 60
    assert all(record["status"] == 200 for record in ANSWERS)


@pytest.mark.parametrize("record", ANSWERS, ids=[r["id"] for r in ANSWERS])
def test_show_answers_like_influxd(dataset: DataSet, record: dict) -> None:
    if record["id"] in EXECUTOR_BEHAVIOUR:
        pytest.skip(EXECUTOR_BEHAVIOUR[record["id"]])
    assert answer_body(record["q"], dataset.context()) == record["body"]


def test_time_condition_detection() -> None:
    assert has_time_expr(parse_statement("SHOW SERIES WHERE (host = 'a') AND time > 0").condition)
    assert not has_time_expr(parse_statement("SHOW SERIES WHERE host = 'time'").condition)


def test_database_name_required() -> None:
    ctx = ShowContext(databases={})
    result = execute_show(parse_statement("SHOW TAG KEYS"), ctx)
    assert result.error == "database name required"
    result = execute_show(parse_statement("SHOW MEASUREMENTS"), ctx)
    assert result.error == "database name required"


def test_drop_of_unknown_measurement_lowers_the_estimate() -> None:
    """influxd subtracts the tombstone sketch even for names it never had."""
    index = DatabaseIndex("db")
    index.shard(1).add_series(["cpu,host=a", "mem"])
    index.drop_measurement("nosuch")
    view = DatabaseView("db", index=index, shards=[ShardView(1, "autogen", 0, DAY_NS, index.shard(1),
                                                                MeasurementFieldSet())])
    result = execute_show(parse_statement("SHOW MEASUREMENT CARDINALITY"), ShowContext({"db": view}, "db"))
    assert result.series[0].values == [[1]]
