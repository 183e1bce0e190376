"""Which privilege each statement needs and who holds it (chronus.query.authorize), as influxd decides."""

from __future__ import annotations

import pytest

from chronus.influxql import parse_query
from chronus.meta.info import ALL_PRIVILEGES, READ_PRIVILEGE, WRITE_PRIVILEGE, UserInfo
from chronus.query.authorize import (
    ADMIN,
    AuthorizationError,
    Required,
    authorize_query,
    may_see_database,
    may_write,
    required_privileges,
)

READER = UserInfo("reader", "", False, {"db0": READ_PRIVILEGE})
WRITER = UserInfo("writer", "", False, {"db0": WRITE_PRIVILEGE})
OWNER = UserInfo("owner", "", False, {"db0": ALL_PRIVILEGES})
ADMIN_USER = UserInfo("root", "", True)


def required(text: str) -> list[Required]:
    return required_privileges(parse_query(text).statements[0])


@pytest.mark.parametrize(("text", "expected"), [
    ("SELECT * FROM m", [Required(READ_PRIVILEGE)]),
    ("SELECT * FROM db1..m, m", [Required(READ_PRIVILEGE, "db1"), Required(READ_PRIVILEGE)]),
    ("SELECT * INTO db1..c FROM m", [Required(READ_PRIVILEGE), Required(WRITE_PRIVILEGE, "db1")]),
    ("SELECT * FROM (SELECT * FROM db2..m)", [Required(READ_PRIVILEGE, "db2")]),
    ("SHOW MEASUREMENTS ON db1", [Required(READ_PRIVILEGE, "db1")]),
    ("SHOW SERIES CARDINALITY ON db1", [Required(READ_PRIVILEGE, "db1")]),
    ("SHOW SERIES EXACT CARDINALITY FROM db1..m", [Required(READ_PRIVILEGE, "db1")]),
    ("DELETE FROM m", [Required(WRITE_PRIVILEGE)]),
    ("DROP SERIES FROM m", [Required(WRITE_PRIVILEGE)]),
    ("DROP RETENTION POLICY r ON db1", [Required(WRITE_PRIVILEGE, "db1")]),
    ("DROP CONTINUOUS QUERY c ON db1", [Required(WRITE_PRIVILEGE, "db1")]),
    ("CREATE CONTINUOUS QUERY c ON db0 BEGIN SELECT mean(v) INTO db1..x FROM m GROUP BY time(1h) END",
     [Required(READ_PRIVILEGE, "db0"), Required(WRITE_PRIVILEGE, "db1")]),
    ("SHOW CONTINUOUS QUERIES", [Required(READ_PRIVILEGE)]),
    ("SHOW DATABASES", [Required(0)]),
    ("DROP MEASUREMENT m", [ADMIN]),
    ("SHOW USERS", [ADMIN]),
    ("CREATE DATABASE d", [ADMIN]),
    ("KILL QUERY 1", [ADMIN]),
])
def test_required_privileges(text: str, expected: list[Required]) -> None:
    assert required(text) == expected


def refusal(user: UserInfo | None, text: str, db: str = "db0", users_exist: bool = True) -> str:
    with pytest.raises(AuthorizationError) as caught:
        authorize_query(user, users_exist, parse_query(text), db)
    return str(caught.value)


def test_before_any_user_only_creating_an_admin_first_is_allowed() -> None:
    query = parse_query("CREATE USER a WITH PASSWORD 'p' WITH ALL PRIVILEGES; DROP USER x")
    authorize_query(None, False, query, "")
    message = "create admin user first or disable authentication"
    assert refusal(None, "CREATE USER a WITH PASSWORD 'p'", users_exist=False) == message
    assert refusal(None, "SHOW USERS; CREATE USER a WITH PASSWORD 'p' WITH ALL PRIVILEGES",
                   users_exist=False) == message


def test_users_but_nobody_authenticated() -> None:
    assert refusal(None, "SHOW DATABASES") == "no user provided"


def test_messages_name_the_statement_with_passwords_redacted() -> None:
    assert refusal(READER, "SELECT * FROM m; SET PASSWORD FOR x = 'secret'") == (
        "reader not authorized to execute statement 'SET PASSWORD FOR x = [REDACTED]', "
        "requires admin privilege")
    assert refusal(READER, "SELECT * FROM db1..m") == (
        "reader not authorized to execute statement 'SELECT * FROM db1..m', requires READ on db1")
    assert refusal(WRITER, "SELECT * FROM m", db="") == (
        "writer not authorized to execute statement 'SELECT * FROM m', requires READ on ")


def test_granted_privileges_pass() -> None:
    authorize_query(READER, True, parse_query("SELECT * FROM m; SHOW TAG KEYS"), "db0")
    authorize_query(OWNER, True, parse_query("SELECT * INTO c FROM m; DELETE FROM m"), "db0")
    authorize_query(ADMIN_USER, True, parse_query("DROP DATABASE db0"), "")
    authorize_query(UserInfo("nobody", ""), True, parse_query("SHOW DATABASES"), "")


def test_writes_and_database_listing() -> None:
    assert [may_write(u, "db0") for u in (READER, WRITER, OWNER, ADMIN_USER, None)] == [
        False, True, True, True, False]
    assert [may_see_database(u, "db0") for u in (READER, WRITER, OWNER, None)] == [True, True, True, True]
    assert not may_see_database(READER, "db1")
