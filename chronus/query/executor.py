"""Running a parsed query statement by statement, as influxd's ``query.Executor`` does.

The loop here owns what is common to every statement: the statement ids, the default database, refusing
system sources in SELECT, normalising sources (database and retention policy filled in), and what happens
after a failing statement. The work of each statement type lives in ``StatementExecutor`` implementations.

Every query is attached to the node's ``QueryManager`` (``tasks.py``) while it runs: that gives it its id
for SHOW QUERIES / KILL QUERY, enforces ``max-concurrent-queries`` and ``query-timeout``, and lets a kill,
a timeout or a closed client connection stop it. Between the results of a statement the task is checked,
so a stopped query ends with its error in place of the rest of its output.

After a statement fails, influxd 1.6.7 sends one ``not executed`` result per remaining statement but all
with the *failing* statement's id (its execution context keeps that id), so a non-chunked response ends up
showing ``not executed`` in place of the real error. Clients of 1.6.7 see exactly that; so do Chronus's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from chronus.influxql import ast
from chronus.meta.info import UserInfo
from chronus.query.result import Result

if TYPE_CHECKING:
    from chronus.query.tasks import QueryManager

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


# More rows than this made at once for one output series are refused with an error before any is made
# (a fill() walk from 1970, a forecast of a billion points): influxd makes them one by one and grows until
# the machine runs out of memory; arrays of them would get the server killed by the OOM killer at once.
MAX_SERIES_ROWS = 100_000_000


class QueryError(Exception):
    """A statement-level error: its text becomes the statement's ``"error"`` in the response."""


class QueryPanic(Exception):
    """Where influxd's Go code panics and its executor recovers: the query ends with one result of statement
    id -1 whose error is the whole query's text (statements run so far normalised) and ``[panic:<msg>]``;
    no ``not executed`` results follow. Raised only where influxd 1.6.7 is known to panic."""


def panic_result(query: ast.Query | ast.Statement, panic: QueryPanic) -> Result:
    """The one result influxd's executor sends after recovering a panic (HTTP status stays 200)."""
    return Result(statement_id=-1, error=f"{query} [panic:{panic}]")


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
    abort: threading.Event | None = None  # set by the HTTP handler when its client goes away


@dataclass
class ExecutionContext:
    """Per-statement state handed to a statement executor."""

    options: ExecutionOptions
    statement_id: int = 0
    messages: list = field(default_factory=list)
    task: Any = None  # the running query's ``tasks.QueryTask`` (None outside a managed query)

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


_TASK_STATEMENTS = (ast.ShowQueriesStatement, ast.KillQueryStatement)


def _system_source_error(statement: ast.Statement) -> str | None:
    if not isinstance(statement, ast.SelectStatement):
        return None
    for source in statement.sources:
        if isinstance(source, ast.Measurement) and source.name in SYSTEM_SOURCE_COMMANDS:
            command = SYSTEM_SOURCE_COMMANDS[source.name]
            return f"unable to use system source '{source.name}': use {command} instead"
    return None


class _Attached:
    """Results of an attached query: detaches it once exhausted, closed or dropped (even unstarted)."""

    def __init__(self, results: Iterator[Result], detach: Any, statements: int = 1) -> None:
        self._results = results
        self._detach = detach
        self._closed = False
        self._statements = statements
        self._last: Result | None = None

    def __iter__(self) -> _Attached:
        return self

    def __next__(self) -> Result:
        try:
            self._last = next(self._results)
            return self._last
        except BaseException:
            self.close()
            raise

    def done(self) -> bool:
        """Whether no result can follow: closed, or the last piece of the last statement was given (a
        caller can then close at once instead of asking for the end)."""
        last = self._last
        return self._closed or (last is not None and not last.partial and not last.continued
                                and last.statement_id == self._statements - 1)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        close = getattr(self._results, "close", None)
        if close is not None:
            close()
        if self._detach is not None:
            self._detach()

    def __del__(self) -> None:
        self.close()


class QueryExecutor:
    """Runs every statement of a query in order and yields their results."""

    def __init__(self, statements: StatementExecutor, tasks: QueryManager | None = None) -> None:
        from chronus.query.tasks import QueryManager

        self.statements = statements
        self.tasks = tasks if tasks is not None else QueryManager()

    def quick(self, query: ast.Query, options: ExecutionOptions) -> bool:
        """Whether every statement of the query is small, bounded work (``StatementExecutor.quick``)."""
        quick = getattr(self.statements, "quick", None)
        return quick is not None and all(quick(statement, _default_database(statement, options))
                                         for statement in query.statements)

    def execute(self, query: ast.Query, options: ExecutionOptions) -> Iterator[Result]:
        """The query's results; it is attached (SHOW QUERIES lists it) from this call on, as in influxd,
        until its results are exhausted or closed."""
        try:
            # the text SHOW QUERIES shows is the query as parsed, before normalisation fills in defaults
            task = self.tasks.attach(query.text or str(query), options.database, options.abort)
        except QueryError as err:
            return _Attached(iter([Result(statement_id=0, error=str(err))]), None)
        return _Attached(self._execute(query, options, task), lambda: self.tasks.detach(task),
                         len(query.statements))

    def _execute(self, query: ast.Query, options: ExecutionOptions, task: Any) -> Iterator[Result]:
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
            context = ExecutionContext(options=options, statement_id=index, task=task)
            try:
                self.statements.normalize_statement(
                    statement, _default_database(statement, options), options.retention_policy
                )
                # influxd's task manager sends its results without looking at the task (so a query that
                # kills itself runs on); every other statement stops at the first result after a kill
                watched = not isinstance(statement, _TASK_STATEMENTS)
                for result in self.statements.execute_statement(statement, context):
                    if watched:
                        task.check()
                    result.statement_id = index
                    yield result
            except QueryPanic as err:  # influxd's Executor.recover(): the query ends here
                yield panic_result(query, err)
                return
            except QueryError as err:
                yield Result(statement_id=index, error=str(err))
                failed = True
                break
            except Exception as err:  # a bug costs one answer, never the connection (influxd recovers too)
                log.exception("query failed", extra={"query": str(statement)})
                yield Result(statement_id=index, error=f"internal error: {err}")
                failed = True
                break
            if watched and task.interrupted:  # stopped during a statement that does not look: no more run
                failed = True
                break
            index += 1
        if failed:
            for _ in range(index, count - 1):
                yield Result(statement_id=index, error=NOT_EXECUTED)
