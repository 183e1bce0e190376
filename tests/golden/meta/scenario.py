"""The meta scenario (``scenario.txt``) as steps, and the way to run them on Chronus.

Shared by ``tools/record_meta.py`` (which also runs them on the real influxd) and the golden tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from chronus.http import gojson
from chronus.influxql import ast
from chronus.influxql.parser import parse_statement
from chronus.meta import statements
from chronus.meta.client import MetaClient
from chronus.meta.errors import MetaError
from chronus.query.result import Result, response_obj

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "scenario.txt"

# What the recorder asks a server at the end (of the scenario, and of a meta.db written by Chronus).
FINAL_CHECKS = [
    "SHOW DATABASES",
    *(f"SHOW RETENTION POLICIES ON {db}" for db in ("db0", "db1", "db4", "db5", "db6", "db7", "db8", "db9")),
    "SHOW SHARDS",
    "SHOW SHARD GROUPS",
    "SHOW USERS",
    "SHOW GRANTS FOR reader",
    "SHOW CONTINUOUS QUERIES",
    "SHOW SUBSCRIPTIONS",
]


@dataclass
class Step:
    """One line of the scenario: a statement, or a one-point write at ``timestamp``."""

    text: str
    database: str = ""
    policy: str = ""
    timestamp: int | None = None

    @property
    def is_write(self) -> bool:
        return self.timestamp is not None


def read_scenario(path: Path = SCENARIO) -> list[Step]:
    steps = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("@write "):
            _, database, policy, timestamp = line.split()
            steps.append(Step(line, database, policy, int(timestamp)))
        else:
            steps.append(Step(line))
    return steps


def run_statement(client: MetaClient, text: str, password_hashes: dict[str, str]) -> str:
    """The body influxd would send for ``text`` run by Chronus (newline included)."""
    statement = parse_statement(text)
    try:
        if isinstance(statement, ast.CreateUserStatement):
            client.create_user(statement.name, password_hashes[statement.name], statement.admin)
            rows = []
        elif isinstance(statement, ast.CreateContinuousQueryStatement):
            rows = statements.create_continuous_query(client, statement.database, statement.name,
                                                      str(statement))
        else:
            rows = statements.execute(statement, client)
        result = Result(statement_id=0, series=rows)
    except MetaError as err:
        result = Result(statement_id=0, error=str(err))
    return gojson.dumps(response_obj([result])) + "\n"


def run_with_chronus(client: MetaClient, steps: list[Step],
                     password_hashes: dict[str, str]) -> list[str | None]:
    """Run every step; statement steps give their response body, writes give None."""
    bodies: list[str | None] = []
    for step in steps:
        if step.is_write:
            assert step.timestamp is not None
            client.create_shard_group(step.database, step.policy, step.timestamp)
            bodies.append(None)
        else:
            bodies.append(run_statement(client, step.text, password_hashes))
    return bodies


def canonical_answer(q: str, body: str) -> object:
    """An answer in a form two servers must agree on: the body itself, except that SHOW GRANTS lists a Go
    map, whose order influxd randomises, so its rows are sorted."""
    if not q.startswith("SHOW GRANTS"):
        return body
    decoded = json.loads(body)
    for result in decoded.get("results", []):
        for series in result.get("series", []):
            series["values"] = sorted(series.get("values", []))
    return decoded
