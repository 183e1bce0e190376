"""Which privilege each statement needs, and whether a user holds it: influxd's query and write authorizers.

influxd checks a whole query before running any of it (one refused statement refuses the query, 403), using
the statements exactly as parsed: a privilege on an unnamed database falls back to the request's ``db``.
While no user exists at all, only a query whose *first* statement creates an admin is allowed (so the first
admin can be made over HTTP); with users but no authenticated one, nothing is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chronus.influxql import ast
from chronus.meta.info import ALL_PRIVILEGES, NO_PRIVILEGES, READ_PRIVILEGE, WRITE_PRIVILEGE, UserInfo

PRIVILEGE_NAMES = {NO_PRIVILEGES: "NO PRIVILEGES", READ_PRIVILEGE: "READ", WRITE_PRIVILEGE: "WRITE",
                   ALL_PRIVILEGES: "ALL PRIVILEGES"}

CREATE_ADMIN_FIRST = "create admin user first or disable authentication"
NO_USER = "no user provided"


class AuthorizationError(Exception):
    """A refused query; ``str()`` is influxd's text after ``error authorizing query: ``."""


@dataclass(frozen=True)
class Required:
    """One privilege a statement needs: admin, or ``privilege`` on ``database`` ("" = the request's db)."""

    privilege: int
    database: str = ""
    admin: bool = False


ADMIN = Required(ALL_PRIVILEGES, admin=True)

_ADMIN_ONLY = (
    ast.CreateDatabaseStatement, ast.DropDatabaseStatement, ast.CreateUserStatement, ast.DropUserStatement,
    ast.GrantStatement, ast.GrantAdminStatement, ast.RevokeStatement, ast.RevokeAdminStatement,
    ast.SetPasswordUserStatement, ast.KillQueryStatement, ast.CreateRetentionPolicyStatement,
    ast.AlterRetentionPolicyStatement, ast.DropShardStatement, ast.DropMeasurementStatement,
    ast.ShowGrantsForUserStatement, ast.ShowStatsStatement, ast.ShowShardGroupsStatement,
    ast.ShowShardsStatement, ast.ShowDiagnosticsStatement, ast.CreateSubscriptionStatement,
    ast.DropSubscriptionStatement, ast.ShowSubscriptionsStatement, ast.ShowUsersStatement,
)
# Read on the statement's own database (ON clause) or the request's.
_READ_OWN_DATABASE = (
    ast.ShowSeriesStatement, ast.ShowMeasurementsStatement, ast.ShowRetentionPoliciesStatement,
    ast.ShowTagKeysStatement, ast.ShowTagValuesStatement, ast.ShowFieldKeysStatement,
)
# Estimated cardinality reads the database; exact cardinality reads each source.
_CARDINALITY = (ast.ShowSeriesCardinalityStatement, ast.ShowMeasurementCardinalityStatement)
_SOURCE_CARDINALITY = (
    ast.ShowTagKeyCardinalityStatement, ast.ShowTagValuesCardinalityStatement,
    ast.ShowFieldKeyCardinalityStatement,
)


def required_privileges(statement: ast.Statement) -> list[Required]:
    """The privileges influxql's ``RequiredPrivileges`` lists for ``statement``, in its order."""
    if isinstance(statement, _ADMIN_ONLY):
        return [ADMIN]
    if isinstance(statement, ast.SelectStatement):
        needed = _sources_privileges(statement.sources)
        if statement.target is not None and statement.target.measurement is not None:
            needed.append(Required(WRITE_PRIVILEGE, statement.target.measurement.database))
        return needed
    if isinstance(statement, ast.ExplainStatement):
        return required_privileges(statement.statement) if statement.statement is not None else []
    if isinstance(statement, _READ_OWN_DATABASE):
        return [Required(READ_PRIVILEGE, statement.database)]
    if isinstance(statement, _CARDINALITY):
        if not statement.exact:
            return [Required(READ_PRIVILEGE, statement.database)]
        return _sources_privileges(statement.sources)
    if isinstance(statement, _SOURCE_CARDINALITY):
        return _sources_privileges(statement.sources)
    if isinstance(statement, (ast.DeleteStatement, ast.DeleteSeriesStatement, ast.DropSeriesStatement)):
        return [Required(WRITE_PRIVILEGE)]
    if isinstance(statement, (ast.DropRetentionPolicyStatement, ast.DropContinuousQueryStatement)):
        return [Required(WRITE_PRIVILEGE, statement.database)]
    if isinstance(statement, ast.CreateContinuousQueryStatement):
        needed = [Required(READ_PRIVILEGE, statement.database)]
        target = statement.source.target if statement.source is not None else None
        if target is not None and target.measurement is not None and target.measurement.database:
            needed.append(Required(WRITE_PRIVILEGE, target.measurement.database))
        return needed
    if isinstance(statement, (ast.ShowContinuousQueriesStatement, ast.ShowQueriesStatement)):
        return [Required(READ_PRIVILEGE)]
    if isinstance(statement, ast.ShowDatabasesStatement):
        return [Required(NO_PRIVILEGES)]  # anyone; the answer lists only the databases the user may use
    return [ADMIN]  # a statement this table does not know is for admins only: refuse rather than leak


def _sources_privileges(sources: Sequence[ast.Source]) -> list[Required]:
    needed: list[Required] = []
    for source in sources:
        if isinstance(source, ast.Measurement):
            needed.append(Required(READ_PRIVILEGE, source.database))
        elif isinstance(source, ast.SubQuery) and source.statement is not None:
            needed.extend(required_privileges(source.statement))
    return needed


def authorize_query(user: UserInfo | None, users_exist: bool, query: ast.Query, database: str) -> None:
    """Raise ``AuthorizationError`` unless ``user`` may run every statement of ``query`` (as parsed)."""
    if not users_exist:
        first = query.statements[0] if query.statements else None
        if isinstance(first, ast.CreateUserStatement) and first.admin:
            return
        raise AuthorizationError(CREATE_ADMIN_FIRST)
    if user is None:
        raise AuthorizationError(NO_USER)
    if user.admin:
        return
    for statement in query.statements:
        for needed in required_privileges(statement):
            if needed.admin:
                raise AuthorizationError(f"{user.name} not authorized to execute statement '{statement}', "
                                         "requires admin privilege")
            target = needed.database or database
            if not user.authorize_database(needed.privilege, target):
                raise AuthorizationError(
                    f"{user.name} not authorized to execute statement '{statement}', "
                    f"requires {PRIVILEGE_NAMES[needed.privilege]} on {target}")


def may_write(user: UserInfo | None, database: str) -> bool:
    """influxd's write authorizer: WRITE (or ALL) on ``database``, or admin."""
    return user is not None and user.authorize_database(WRITE_PRIVILEGE, database)


def may_see_database(user: UserInfo | None, database: str) -> bool:
    """Whether SHOW DATABASES lists ``database`` to ``user`` (None: authentication is off, all are shown)."""
    if user is None:
        return True
    return any(user.authorize_database(needed, database) for needed in (READ_PRIVILEGE, WRITE_PRIVILEGE))
