"""Running a parsed query statement by statement, as influxd's ``query.Executor`` does.

The loop here owns what is common to every statement: the statement ids, the default database, refusing
system sources in SELECT, normalising sources (database and retention policy filled in), and what happens
after a failing statement. The work of each statement type lives in ``StatementExecutor`` implementations.

After a statement fails, influxd 1.6.7 sends one ``not executed`` result per remaining statement but all
with the *failing* statement's id (its execution context keeps that id), so a non-chunked response ends up
showing ``not executed`` in place of the real error. Clients of 1.6.7 see exactly that; so do Chronus's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from chronus.influxql import ast
from chronus.meta.info import UserInfo
from chronus.query.result import Result

log = logging.getLogger(__name__)

NOT_EXECUTED = "not executed"
INVALID_QUERY = "invalid query"

SYSTEM_SOURCE_COMMANDS = {
    "_fieldKeys": "SHOW FIELD KEYS",
    "_measurements": "SHOW MEASUREMENTS",
    "_series": "SHOW SERIES",
    "_tagKeys": "SHOW TAG KEYS",
    "_tags": "SHOW TAG VALUES",
    "_name": "the appropriate meta command",
    "_tagKey": "the appropriate meta command",
}


class QueryError(Exception):
    """A statement-level error: its text becomes the statement's ``"error"`` in the response."""


@dataclass
class ExecutionOptions:
    """What the HTTP request says about how to run the query."""

    database: str = ""
    retention_policy: str = ""
    chunk_size: int = 10_000
    chunked: bool = False
    read_only: bool = False
    node_id: int = 0
    user: UserInfo | None = None  # a non-admin user whose privileges limit what SHOW DATABASES lists


@dataclass
class ExecutionContext:
    """Per-statement state handed to a statement executor."""

    options: ExecutionOptions
    statement_id: int = 0
    messages: list = field(default_factory=list)

    @property
    def database(self) -> str:
        return self.options.database


class StatementExecutor(Protocol):
    """Runs one statement: yields its results (statement ids are set by the caller) or raises QueryError."""

    def normalize_statement(
        self, statement: ast.Statement, default_database: str, default_rp: str
    ) -> None: ...

    def execute_statement(self, statement: ast.Statement, context: ExecutionContext) -> Iterator[Result]: ...


_HAS_DEFAULT_DATABASE = (
    ast.DropRetentionPolicyStatement,
    ast.CreateRetentionPolicyStatement,
    ast.AlterRetentionPolicyStatement,
    ast.ShowSeriesStatement,
    ast.ShowSeriesCardinalityStatement,
    ast.CreateContinuousQueryStatement,
    ast.DropContinuousQueryStatement,
    ast.ShowMeasurementCardinalityStatement,
    ast.ShowMeasurementsStatement,
    ast.ShowRetentionPoliciesStatement,
    ast.CreateSubscriptionStatement,
    ast.DropSubscriptionStatement,
    ast.ShowTagKeysStatement,
    ast.ShowTagKeyCardinalityStatement,
    ast.ShowTagValuesStatement,
    ast.ShowTagValuesCardinalityStatement,
    ast.ShowFieldKeyCardinalityStatement,
    ast.ShowFieldKeysStatement,
)


def _default_database(statement: ast.Statement, options: ExecutionOptions) -> str:
    if options.database:
        return options.database
    # Statements with an ON clause name their default database (InfluxQL's HasDefaultDatabase).
    if isinstance(statement, (ast.GrantStatement, ast.RevokeStatement)):
        return statement.on
    if isinstance(statement, ast.DeleteStatement):
        source = statement.source
        return source.database if isinstance(source, ast.Measurement) else ""
    if isinstance(statement, _HAS_DEFAULT_DATABASE):
        return statement.database
    return ""


def _system_source_error(statement: ast.Statement) -> str | None:
    if not isinstance(statement, ast.SelectStatement):
        return None
    for source in statement.sources:
        if isinstance(source, ast.Measurement) and source.name in SYSTEM_SOURCE_COMMANDS:
            command = SYSTEM_SOURCE_COMMANDS[source.name]
            return f"unable to use system source '{source.name}': use {command} instead"
    return None


class QueryExecutor:
    """Runs every statement of a query in order and yields their results."""

    def __init__(self, statements: StatementExecutor) -> None:
        self.statements = statements

    def execute(self, query: ast.Query, options: ExecutionOptions) -> Iterator[Result]:
        count = len(query.statements)
        index = 0
        failed = False
        while index < count:
            statement = query.statements[index]
            system_error = _system_source_error(statement)
            if system_error is not None:
                # influxd reports this one without a statement id (it is 0) and stops there.
                yield Result(statement_id=0, error=system_error)
                failed = True
                break
            context = ExecutionContext(options=options, statement_id=index)
            try:
                self.statements.normalize_statement(
                    statement, _default_database(statement, options), options.retention_policy
                )
                for result in self.statements.execute_statement(statement, context):
                    result.statement_id = index
                    yield result
            except QueryError as err:
                yield Result(statement_id=index, error=str(err))
                failed = True
                break
            except Exception as err:  # a bug costs one answer, never the connection (influxd recovers too)
                log.exception("query failed", extra={"query": str(statement)})
                yield Result(statement_id=index, error=f"internal error: {err}")
                failed = True
                break
            index += 1
        if failed:
            for _ in range(index, count - 1):
                yield Result(statement_id=index, error=NOT_EXECUTED)
