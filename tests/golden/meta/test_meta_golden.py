"""Chronus's meta model against answers and meta.db files recorded from influxd 1.6.7 by
tools/record_meta.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chronus.http import gojson
from chronus.influxql.parser import parse_statement
from chronus.meta import metadb, statements
from chronus.meta.client import MetaClient
from chronus.meta.data import Data
from chronus.meta.durations import HOUR, WEEK
from chronus.meta.info import NO_PRIVILEGES, READ_PRIVILEGE
from chronus.meta.store import LocalMetaStore
from chronus.query.result import Result, response_obj
from tests.golden.meta.scenario import FINAL_CHECKS, HERE, canonical_answer, read_scenario, run_with_chronus

SCENARIO_META_DB = HERE / "influxd_scenario.meta.db"
EMPTY_META_DB = HERE / "influxd_empty.meta.db"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def golden_data() -> Data:
    return metadb.decode_data(SCENARIO_META_DB.read_bytes())


@pytest.fixture(scope="module")
def chronus_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[MetaClient, LocalMetaStore, list]:
    """The whole scenario run once on Chronus; users get influxd's password hashes."""
    store = LocalMetaStore(tmp_path_factory.mktemp("meta"))
    store.open()
    client = MetaClient(store, clock=lambda: 1_700_000_000_000_000_000)
    hashes = {user.name: user.hash for user in golden_data().users}
    bodies = run_with_chronus(client, read_scenario(), hashes)
    return client, store, bodies


GOLDEN_STEPS = read_jsonl(HERE / "scenario.jsonl")


def test_scenario_matches_its_recording() -> None:
    assert [r["step"] for r in GOLDEN_STEPS] == [s.text for s in read_scenario()]


@pytest.mark.parametrize("index", range(len(GOLDEN_STEPS)), ids=[r["step"][:60] for r in GOLDEN_STEPS])
def test_scenario_step_answers_like_influxd(chronus_run: tuple, index: int) -> None:
    golden = GOLDEN_STEPS[index]
    body = chronus_run[2][index]
    if body is None:  # a write: influxd accepted it and made its shard group
        assert golden["status"] == 204
    else:
        assert golden["status"] == 200
        assert body == golden["body"]


@pytest.mark.parametrize("record", read_jsonl(HERE / "influxd_final.jsonl"), ids=lambda r: r["q"])
def test_final_state_answers_like_influxd(chronus_run: tuple, record: dict) -> None:
    client = chronus_run[0]
    rows = statements.execute(parse_statement(record["q"]), client)
    body = gojson.dumps(response_obj([Result(statement_id=0, series=rows)])) + "\n"
    assert canonical_answer(record["q"], body) == canonical_answer(record["q"], record["body"])


def test_meta_db_is_byte_identical_to_influxds(chronus_run: tuple) -> None:
    """Same commands, same file: only the random cluster id, the clock-stamped deletion times and the
    (Go-map-random) order of a user's privileges can differ, and those are taken from influxd's file."""
    store = chronus_run[1]
    ours = metadb.decode_data(metadb.meta_path(store.meta_dir).read_bytes())
    theirs = golden_data()
    assert ours.index == theirs.index == 53
    ours.cluster_id = theirs.cluster_id
    for our_db, their_db in zip(ours.databases, theirs.databases, strict=True):
        for our_rp, their_rp in zip(our_db.retention_policies, their_db.retention_policies, strict=True):
            for our_group, their_group in zip(our_rp.shard_groups, their_rp.shard_groups, strict=True):
                assert bool(our_group.deleted_at) == bool(their_group.deleted_at)
                our_group.deleted_at = their_group.deleted_at
    for our_user, their_user in zip(ours.users, theirs.users, strict=True):
        our_user.privileges = {db: our_user.privileges[db] for db in their_user.privileges}
    assert metadb.encode_data(ours) == SCENARIO_META_DB.read_bytes()


@pytest.mark.parametrize("path", [SCENARIO_META_DB, EMPTY_META_DB], ids=lambda p: p.name)
def test_influxd_meta_db_reencodes_to_the_same_bytes(path: Path) -> None:
    raw = path.read_bytes()
    assert metadb.encode_data(metadb.decode_data(raw)) == raw


def test_influxd_empty_meta_db() -> None:
    data = metadb.decode_data(EMPTY_META_DB.read_bytes())
    assert (data.term, data.index, data.databases, data.users) == (0, 1, [], [])
    assert (data.max_node_id, data.max_shard_group_id, data.max_shard_id) == (0, 0, 0)
    assert 0 < data.cluster_id < 2**63


def test_influxd_scenario_meta_db_content() -> None:
    data = golden_data()
    assert [db.name for db in data.databases] == ["db0", "db1", "db4", "db5", "db6", "db7", "db8", "db9"]
    db0 = data.database("db0")
    assert db0 is not None
    assert db0.default_retention_policy == "rp3"
    policies = [(rp.name, rp.duration, rp.shard_group_duration, rp.replica_n)
                for rp in db0.retention_policies]
    assert policies == [("autogen", 0, WEEK, 1), ("rp1", 0, HOUR, 1), ("rp3", 0, 5 * HOUR, 1)]
    autogen = db0.retention_policies[0]
    # 7-day groups start on Mondays; group 1 lost its only shard (DROP SHARD 1) and is marked deleted.
    groups = [(g.id, g.start_time, g.end_time, [s.id for s in g.shards], g.deleted)
              for g in autogen.shard_groups]
    assert groups == [
        (3, 1576454400 * 10**9, 1577059200 * 10**9, [3], False),
        (1, 1577664000 * 10**9, 1578268800 * 10**9, [], True),
        (2, 1578268800 * 10**9, 1578873600 * 10**9, [2], False),
    ]
    assert [(s.name, s.mode, s.destinations) for s in autogen.subscriptions] == [
        ("s0", "ALL", ["udp://127.0.0.1:9999"])]
    assert [(cq.name, cq.query) for cq in db0.continuous_queries] == [
        ("cq0", "CREATE CONTINUOUS QUERY cq0 ON db0 BEGIN SELECT mean(v) INTO db0.rp3.m_1h FROM db0.rp3.m "
                "GROUP BY time(1h) END")]
    users = [(u.name, u.admin, u.hash[:4]) for u in data.users]
    assert users == [("admin", True, "$2a$"), ("reader", False, "$2a$")]
    assert data.users[1].privileges == {"db0": READ_PRIVILEGE, "db1": NO_PRIVILEGES}
    assert (data.max_shard_group_id, data.max_shard_id) == (14, 14)
    # 5-hour groups are aligned on Go's year-1 zero time: 2020-01-01T00:00Z falls in [2019-12-31T23:00Z, +5h).
    rp3 = db0.retention_policies[2]
    assert [(g.start_time, g.end_time) for g in rp3.shard_groups] == [
        (-3 * HOUR, 2 * HOUR), (1577833200 * 10**9, 1577851200 * 10**9)]


@pytest.mark.parametrize("checked", zip(read_jsonl(HERE / "chronus_written.jsonl"),
                                        read_jsonl(HERE / "influxd_final.jsonl"), strict=True),
                         ids=lambda pair: pair[0]["q"])
def test_influxd_reading_chronus_meta_db_answered_as_on_its_own(checked: tuple[dict, dict]) -> None:
    """Recorded by tools/record_meta.py: influxd started on the meta dir Chronus wrote for the scenario."""
    on_chronus_file, on_own_file = checked
    assert on_chronus_file["q"] == on_own_file["q"]
    assert on_chronus_file["status"] == on_own_file["status"] == 200
    assert (canonical_answer(on_chronus_file["q"], on_chronus_file["body"])
            == canonical_answer(on_own_file["q"], on_own_file["body"]))


def test_final_checks_cover_every_database() -> None:
    assert [q.rsplit(" ", 1)[1] for q in FINAL_CHECKS if q.startswith("SHOW RETENTION")] == [
        db.name for db in golden_data().databases]
