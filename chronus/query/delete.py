"""DELETE, DROP SERIES and DROP MEASUREMENT: influxd's checks and answers around the store's deletes.

``DELETE FROM m WHERE <tags and time>`` removes the points in the time range of the matching series;
``DROP SERIES`` is the same over all time and refuses a time condition; ``DROP MEASUREMENT`` removes every
series of a measurement and, shard by shard, its fields. All three answer ``database not found: <db>`` when
the request's database does not exist, and a series leaves the index only once no shard holds a point of
it (see ``Store.delete_series``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from chronus.influxql import ast
from chronus.meta.client import MetaClient
from chronus.query.condition import MAX_TIME as QUERY_MAX_TIME
from chronus.query.condition import MIN_TIME as QUERY_MIN_TIME
from chronus.query.condition import ConditionError, condition_expr
from chronus.query.executor import QueryError
from chronus.query.show import has_time_expr
from chronus.tsdb.index import regex_matches
from chronus.tsdb.shard import MAX_TIME, MIN_TIME
from chronus.tsdb.store import DeleteError, Store

DROP_SERIES_TIME = "DROP SERIES doesn't support time in WHERE clause"


class DeleteStatements:
    """Runs the three delete statements against the meta data and the local store."""

    def __init__(self, meta: MetaClient, store: Store, clock: Callable[[], int] = time.time_ns) -> None:
        self.meta = meta
        self.store = store
        self.clock = clock

    def execute(self, statement: ast.Statement, database: str) -> bool:
        """Run ``statement`` if it is a delete (True), raising ``QueryError`` with influxd's text."""
        if isinstance(statement, ast.DeleteSeriesStatement):
            self._require_database(database)
            self._delete_series(database, statement.sources, statement.condition)
        elif isinstance(statement, ast.DropSeriesStatement):
            self._require_database(database)
            if has_time_expr(statement.condition):
                raise QueryError(DROP_SERIES_TIME)
            self._delete_series(database, statement.sources, statement.condition)
        elif isinstance(statement, ast.DropMeasurementStatement):
            self._require_database(database)
            self.store.delete_measurement(database, statement.name)
        else:
            return False
        return True

    def _require_database(self, database: str) -> None:
        if self.meta.database(database) is None:
            raise QueryError(f"database not found: {database}")

    def _delete_series(self, database: str, sources: list[ast.Source], condition: ast.Expr | None) -> None:
        names = self._measurement_names(database, sources)
        if names is not None and not names:
            return  # a regex source matching nothing deletes nothing
        try:
            expr, tmin, tmax = condition_expr(condition, self.clock())
        except ConditionError as err:
            raise QueryError(str(err)) from None
        try:
            self.store.delete_series(database, names, expr, _storage_time(tmin, MIN_TIME),
                                     _storage_time(tmax, MAX_TIME))
        except DeleteError as err:
            raise QueryError(str(err)) from None

    def _measurement_names(self, database: str, sources: list[ast.Source]) -> list[str] | None:
        """The measurements named by ``sources`` (regexes expanded over the index); None for no FROM."""
        if not sources:
            return None
        known = (self.store.database_index(database).measurement_names()
                 if self.store.has_database_index(database) else [])
        names: set[str] = set()
        for source in sources:
            if not isinstance(source, ast.Measurement):
                continue
            if source.regex is not None:
                names.update(name for name in known if regex_matches(source.regex.val, name))
            else:
                names.add(source.name)
        return sorted(names)


def _storage_time(bound: int | None, unbounded: int) -> int:
    """A bound of the condition's range as the engine takes it: InfluxQL's min/max time mean unbounded."""
    if bound is None or bound in (QUERY_MIN_TIME, QUERY_MAX_TIME):
        return unbounded
    return bound
