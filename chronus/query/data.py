"""The statements answered from this node's data: SELECT, the SHOW statements over the series index, the
deletes (DELETE, DROP SERIES, DROP MEASUREMENT; ``delete.py``) and the local side of DROP DATABASE /
RETENTION POLICY / SHARD.

It joins the meta data (which shards exist, their time ranges, default retention policies) with the local
store (the shards' indexes, fields and points) into the views the query modules work on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from chronus.cluster.points_writer import PointsWriter
from chronus.influxql import ast
from chronus.meta.client import MetaClient
from chronus.meta.errors import DatabaseNotFoundError, RetentionPolicyNotFoundError
from chronus.query.delete import DeleteStatements
from chronus.query.executor import ExecutionContext, QueryError
from chronus.query.result import Result
from chronus.query.show import REWRITTEN_AS_SELECT, DatabaseView, ShardView, ShowContext, execute_show
from chronus.tsdb.shard import Shard
from chronus.tsdb.store import Store

if TYPE_CHECKING:
    from chronus.query.select import SelectContext

_SHOW_STATEMENTS = (
    ast.ShowMeasurementsStatement,
    ast.ShowSeriesStatement,
    ast.ShowTagKeysStatement,
    ast.ShowTagValuesStatement,
    ast.ShowFieldKeysStatement,
    ast.ShowSeriesCardinalityStatement,
    ast.ShowMeasurementCardinalityStatement,
    ast.ShowTagKeyCardinalityStatement,
    ast.ShowTagValuesCardinalityStatement,
    ast.ShowFieldKeyCardinalityStatement,
)

_DELETE_STATEMENTS = (ast.DeleteSeriesStatement, ast.DropSeriesStatement, ast.DropMeasurementStatement)
# influxd sends these one result per measurement (chunked, one line each)
_SENT_PER_MEASUREMENT = (ast.ShowTagKeysStatement, ast.ShowTagValuesStatement)


def _sent_as_influxd(statement: ast.Statement, result: Result, chunk_size: int) -> Iterator[Result]:
    """A SHOW statement's one result as influxd's handler receives it (a chunked response shows it)."""
    if not result.series:
        return iter([result])
    if isinstance(statement, _SENT_PER_MEASUREMENT):
        last = len(result.series) - 1
        return iter([Result(series=[row], continued=i < last) for i, row in enumerate(result.series)])
    first = result.series[0]
    if isinstance(statement, REWRITTEN_AS_SELECT) and first.columns != ["cardinality estimation"]:
        from chronus.query.emitter import emit_series

        rows = ((row.name, row.tags, row.values) for row in result.series)
        return emit_series(rows, first.columns, chunk_size, None, time_values=False)
    return iter([result])


class DataStatements:
    """Runs the statements that read or remove local data."""

    def __init__(self, meta: MetaClient, store: Store, clock: Callable[[], int] = time.time_ns,
                 points_writer: PointsWriter | None = None) -> None:
        self.meta = meta
        self.store = store
        self.clock = clock
        # SELECT INTO writes through the node's points writer (one of its own when none is shared)
        self.points_writer = points_writer or PointsWriter(meta, store, clock)
        self.deletes = DeleteStatements(meta, store, clock)

    # -- SELECT --------------------------------------------------------------------------------------------

    def select(self, statement: ast.SelectStatement, context: ExecutionContext) -> Iterator[Result]:
        from chronus.query.select import execute_select

        yield from execute_select(statement, self.select_context(context))

    def explain(self, statement: ast.ExplainStatement, context: ExecutionContext) -> Iterator[Result]:
        from chronus.query.explain import execute_explain

        yield from execute_explain(statement, self.select_context(context))

    def select_context(self, context: ExecutionContext) -> SelectContext:
        """How a SELECT of this request runs here: shards, clock, chunking, ``[coordinator]`` limits, task."""
        from chronus.query.select import SelectContext
        from chronus.query.tasks import detached_task

        options = context.options
        task = context.task if context.task is not None else detached_task()
        limits = task.limits
        return SelectContext(
            shards_for=self.shards_for,
            now_ns=self.clock(),
            chunk_size=options.chunk_size,
            chunked=options.chunked,
            write_points=self._write_points,
            read_only=options.read_only,
            max_select_point=limits.max_select_point,
            max_select_series=limits.max_select_series,
            max_select_buckets=limits.max_select_buckets,
            task=task,
        )

    def _write_points(self, database: str, retention_policy: str, body: bytes) -> None:
        self.points_writer.write_lines(database, retention_policy, "one", body, "n")

    def shards_for(self, database: str, retention_policy: str, tmin: int, tmax: int) -> list[Shard]:
        """The local shards of the groups of ``database.retention_policy`` overlapping [tmin, tmax]; a
        policy (or database) that does not exist is the statement's error, in the meta store's words."""
        try:
            groups = self.meta.shard_groups_by_time_range(database, retention_policy, tmin, tmax)
        except (DatabaseNotFoundError, RetentionPolicyNotFoundError) as err:
            raise QueryError(str(err)) from None
        ids = [shard.id for group in groups for shard in group.shards]
        return self.store.shards(ids)

    # -- other statements ------------------------------------------------------------------------------------

    def execute(self, statement: ast.Statement, context: ExecutionContext) -> Iterator[Result] | None:
        """Results of a statement answered from local data; None when it is not one of those."""
        if isinstance(statement, _SHOW_STATEMENTS):
            result = execute_show(statement, self._show_context(context))
            if result.error:
                raise QueryError(result.error)
            return _sent_as_influxd(statement, result, context.options.chunk_size)
        if isinstance(statement, _DELETE_STATEMENTS):
            self.deletes.execute(statement, context.database)
            return iter([Result()])
        return None

    def _show_context(self, context: ExecutionContext) -> ShowContext:
        views: dict[str, DatabaseView] = {}
        shards = {shard.id: shard for shard in self.store.shards()}
        for db in self.meta.databases():
            view = DatabaseView(
                name=db.name,
                default_retention_policy=db.default_retention_policy,
                policies=frozenset(rp.name for rp in db.retention_policies),
                index=self.store.database_index(db.name) if self.store.has_database_index(db.name) else None,
            )
            for rp in db.retention_policies:
                for group in rp.shard_groups:
                    if group.deleted_at:
                        continue
                    for info in group.shards:
                        shard = shards.get(info.id)
                        if shard is not None:
                            view.shards.append(
                                ShardView(
                                    info.id,
                                    rp.name,
                                    group.start_time,
                                    group.end_time,
                                    shard.index,
                                    shard.fields,
                                )
                            )
            views[db.name] = view
        return ShowContext(databases=views, default_database=context.database, now_ns=self.clock())

    # -- local side of DROP statements -----------------------------------------------------------------------

    def delete_database(self, name: str) -> None:
        self.store.delete_database(name)

    def delete_retention_policy(self, database: str, policy: str) -> None:
        self.store.delete_retention_policy(database, policy)

    def delete_shard(self, shard_id: int) -> None:
        self.store.delete_shard(shard_id)
