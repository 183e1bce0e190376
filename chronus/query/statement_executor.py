"""What each InfluxQL statement does on this node: influxd's ``coordinator.StatementExecutor``.

Meta statements go to ``chronus.meta.statements``; statements over the data (SELECT, the SHOW statements
answered from the series index, DELETE and DROP SERIES/MEASUREMENT) go to the store; SHOW QUERIES and KILL
QUERY to the query manager (``tasks.py``); EXPLAIN [ANALYZE] to ``explain.py``. Statements that change
something, sent by GET, carry influxd's deprecation warning in ``messages``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

import bcrypt

from chronus.influxql import ast
from chronus.influxql.walk import walk
from chronus.meta import errors as meta_errors
from chronus.meta import statements as meta_statements
from chronus.meta.client import MetaClient
from chronus.query.authorize import may_see_database
from chronus.query.executor import INVALID_QUERY, ExecutionContext, QueryError
from chronus.query.result import Result, read_only_warning
from chronus.query.show import REWRITTEN_AS_SELECT

if TYPE_CHECKING:
    from chronus.query.data import DataStatements
    from chronus.services.monitor import Monitor

DATABASE_NAME_REQUIRED = "database name required"
BCRYPT_COST = 10  # influxd hashes passwords with bcrypt at cost 10

# Statements that change something: sent by GET they run, with a warning (influxd's list).
_WRITING_STATEMENTS = (
    ast.AlterRetentionPolicyStatement,
    ast.CreateContinuousQueryStatement,
    ast.CreateDatabaseStatement,
    ast.CreateRetentionPolicyStatement,
    ast.CreateSubscriptionStatement,
    ast.CreateUserStatement,
    ast.DropContinuousQueryStatement,
    ast.DropDatabaseStatement,
    ast.DropMeasurementStatement,
    ast.DropSeriesStatement,
    ast.DropRetentionPolicyStatement,
    ast.DropShardStatement,
    ast.DropSubscriptionStatement,
    ast.DropUserStatement,
    ast.GrantStatement,
    ast.GrantAdminStatement,
    ast.RevokeStatement,
    ast.RevokeAdminStatement,
    ast.SetPasswordUserStatement,
)

# KILL QUERY (run by influxd's task manager) warns the same way.
_WARNED_STATEMENTS = (*_WRITING_STATEMENTS, ast.KillQueryStatement)

# Statements whose ``database`` takes the request's default database when they have no ON clause.
_DEFAULTS_DATABASE = (
    ast.ShowRetentionPoliciesStatement,
    ast.ShowMeasurementsStatement,
    ast.ShowTagKeysStatement,
    ast.ShowTagValuesStatement,
    ast.ShowMeasurementCardinalityStatement,
    ast.ShowSeriesCardinalityStatement,
)

_META_STATEMENTS = (
    ast.CreateDatabaseStatement,
    ast.DropDatabaseStatement,
    ast.CreateRetentionPolicyStatement,
    ast.AlterRetentionPolicyStatement,
    ast.DropRetentionPolicyStatement,
    ast.DropShardStatement,
    ast.ShowDatabasesStatement,
    ast.ShowRetentionPoliciesStatement,
    ast.ShowShardsStatement,
    ast.ShowShardGroupsStatement,
    ast.GrantStatement,
    ast.RevokeStatement,
    ast.GrantAdminStatement,
    ast.RevokeAdminStatement,
    ast.DropUserStatement,
    ast.DropContinuousQueryStatement,
    ast.CreateSubscriptionStatement,
    ast.DropSubscriptionStatement,
    ast.ShowUsersStatement,
    ast.ShowGrantsForUserStatement,
    ast.ShowContinuousQueriesStatement,
    ast.ShowSubscriptionsStatement,
)


# Statements whose work is bounded by the cluster's metadata (small, in memory).
_META_READS = (
    ast.ShowDatabasesStatement,
    ast.ShowRetentionPoliciesStatement,
    ast.ShowUsersStatement,
    ast.ShowGrantsForUserStatement,
    ast.ShowContinuousQueriesStatement,
    ast.ShowSubscriptionsStatement,
    ast.ShowShardGroupsStatement,
    ast.ShowShardsStatement,
)
# Statements answered from a database's in-memory index alone (no condition on time).
_INDEX_READS = (
    ast.ShowMeasurementsStatement,
    ast.ShowTagKeysStatement,
    ast.ShowTagValuesStatement,
    ast.ShowFieldKeysStatement,
)
# An index read counts as quick up to this many series in its database: a few milliseconds at most.
QUICK_SERIES = 20_000


class StatementExecutor:
    """Runs one statement against the meta client and the data side of this node."""

    def __init__(self, meta: MetaClient, data: DataStatements, monitor: Monitor | None = None) -> None:
        self.meta = meta
        self.data = data
        #: SHOW STATS and SHOW DIAGNOSTICS read it; without one (an executor in tests) they are refused
        self.monitor = monitor

    def quick(self, statement: ast.Statement, default_database: str) -> bool:
        """Whether the statement's work is small and bounded (metadata, or the index of a small database):
        the HTTP layer then runs it at once rather than hand it to a worker thread, whose two thread
        switches would cost more than the work."""
        if isinstance(statement, _META_READS):
            return True
        if not isinstance(statement, _INDEX_READS):
            return False
        condition = getattr(statement, "condition", None)
        if condition is not None and any(isinstance(n, ast.VarRef) and n.val.lower() == "time"
                                         for n in walk(condition)):
            return False
        database = statement.database or default_database
        store = self.data.store
        if not store.has_database_index(database):
            return True
        return len(store.database_index(database).series_by_id) <= QUICK_SERIES

    # -- normalisation ---------------------------------------------------------------------------------

    def normalize_statement(self, statement: ast.Statement, default_database: str, default_rp: str) -> None:
        """Fill in default databases and retention policies, as influxd does before running a statement."""
        skip_measurements = isinstance(statement, (ast.DropSeriesStatement, ast.DeleteSeriesStatement))
        if isinstance(statement, REWRITTEN_AS_SELECT) and statement.database:  # (rewriteSources)
            for source in statement.sources:
                if isinstance(source, ast.Measurement) and not source.database:
                    source.database = statement.database
        for node in walk(statement):
            if isinstance(node, _DEFAULTS_DATABASE):
                if not node.database:
                    node.database = default_database
            elif isinstance(node, ast.Measurement) and not skip_measurements:
                self._normalize_measurement(node, default_database, default_rp)

    def _normalize_measurement(self, m: ast.Measurement, default_database: str, default_rp: str) -> None:
        if not m.is_target and not m.name and not m.system_iterator and m.regex is None:
            raise QueryError("invalid measurement")
        if not m.database:
            m.database = default_database
        if not m.database:
            raise QueryError(DATABASE_NAME_REQUIRED)
        db = self.meta.database(m.database)
        if db is None:
            raise QueryError(f"database not found: {m.database}")
        if not m.retention_policy:
            if default_rp:
                m.retention_policy = default_rp
            elif db.default_retention_policy:
                m.retention_policy = db.default_retention_policy
            else:
                raise QueryError(f"default retention policy not set for: {db.name}")

    # -- execution -------------------------------------------------------------------------------------

    def execute_statement(self, statement: ast.Statement, context: ExecutionContext) -> Iterator[Result]:
        if isinstance(statement, ast.SelectStatement):
            yield from self.data.select(statement, context)
            return
        if isinstance(statement, ast.ExplainStatement):
            yield from self.data.explain(statement, context)
            return
        messages = []
        if context.options.read_only and isinstance(statement, _WARNED_STATEMENTS):
            messages.append(read_only_warning(str(statement)))
        if isinstance(statement, (ast.ShowQueriesStatement, ast.KillQueryStatement)):
            yield self._execute_task_statement(statement, context, messages)
            return
        if isinstance(statement, (ast.ShowStatsStatement, ast.ShowDiagnosticsStatement)):
            if self.monitor is None:
                raise QueryError(INVALID_QUERY)
            show = (self.monitor.show_stats if isinstance(statement, ast.ShowStatsStatement)
                    else self.monitor.show_diagnostics)
            yield Result(series=show(statement.module), messages=messages)
            return
        try:
            handled = self._execute_data_statement(statement, context)
            if handled is not None:
                yield from self._with_messages(handled, messages)
                return
            rows = self._execute_meta_statement(statement, context)
        except meta_errors.MetaError as err:
            raise QueryError(str(err)) from None
        yield Result(series=rows, messages=messages)

    @staticmethod
    def _execute_task_statement(statement: ast.Statement, context: ExecutionContext,
                                messages: list) -> Result:
        """SHOW QUERIES and KILL QUERY, answered by the manager the running query is attached to."""
        manager = context.task.manager if context.task is not None else None
        if manager is None:
            raise QueryError(INVALID_QUERY)
        if isinstance(statement, ast.ShowQueriesStatement):
            return Result(series=[manager.show_queries()])
        manager.kill(statement.query_id)
        return Result(messages=messages)

    @staticmethod
    def _with_messages(results: Iterator[Result], messages: list) -> Iterator[Result]:
        for result in results:
            if messages:
                result.messages = messages + result.messages
                messages = []
            yield result

    def _execute_data_statement(self, statement: ast.Statement, context: ExecutionContext) -> Any:
        """Statements answered by the store; None for the others."""
        data = self.data
        if isinstance(statement, ast.DropDatabaseStatement):
            return iter(
                [
                    Result(
                        series=meta_statements.drop_database(
                            self.meta, statement.name, delete_local=data.delete_database
                        )
                    )
                ]
            )
        if isinstance(statement, ast.DropRetentionPolicyStatement):
            return iter(
                [
                    Result(
                        series=meta_statements.drop_retention_policy(
                            self.meta,
                            statement.database,
                            statement.name,
                            delete_local=data.delete_retention_policy,
                        )
                    )
                ]
            )
        if isinstance(statement, ast.DropShardStatement):
            return iter(
                [
                    Result(
                        series=meta_statements.drop_shard(
                            self.meta, statement.id, delete_local=data.delete_shard
                        )
                    )
                ]
            )
        return data.execute(statement, context)

    def _execute_meta_statement(self, statement: ast.Statement, context: ExecutionContext) -> list:
        if isinstance(statement, ast.CreateUserStatement):
            self._create_user(statement.name, statement.password, statement.admin)
            return []
        if isinstance(statement, ast.SetPasswordUserStatement):
            if self.meta.user(statement.name) is None:
                raise QueryError(meta_errors.USER_NOT_FOUND)
            self.meta.update_user(statement.name, _hash_password(statement.password))
            return []
        if isinstance(statement, ast.CreateContinuousQueryStatement):
            self._create_continuous_query(statement)
            return []
        if isinstance(statement, _META_STATEMENTS):
            user = context.options.user
            authorized = None if user is None else partial(may_see_database, user)
            return meta_statements.execute(
                statement, self.meta, default_database=context.database, authorized=authorized
            )
        raise QueryError(INVALID_QUERY)

    def _create_user(self, name: str, password: str, admin: bool) -> None:
        """CREATE USER: creating the same user again with the same password and rights is not an error."""
        existing = self.meta.user(name)
        if existing is not None:
            same = existing.admin == admin and bcrypt.checkpw(password.encode(), existing.hash.encode())
            if not same:
                raise QueryError(meta_errors.USER_EXISTS)
            return
        self.meta.create_user(name, _hash_password(password), admin)

    def _create_continuous_query(self, statement: ast.CreateContinuousQueryStatement) -> None:
        for node in walk(statement):
            if not isinstance(node, ast.Measurement):
                continue
            if self.meta.retention_policy(node.database, node.retention_policy) is None:
                raise QueryError(f"retention policy not found: {node.database}.{node.retention_policy}")
        meta_statements.create_continuous_query(self.meta, statement.database, statement.name, str(statement))


def _hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(BCRYPT_COST)).decode()
