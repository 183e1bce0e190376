"""meta.db both ways with the real influxd 1.6.7, live (skipped where /usr/bin/influxd is not installed).

The recorded goldens cover the same ground without a server; these re-check it against the binary itself.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from chronus.http import gojson
from chronus.influxql.parser import parse_statement
from chronus.meta import metadb, statements
from chronus.meta.client import MetaClient
from chronus.meta.store import LocalMetaStore
from chronus.query.result import Result, response_obj

INFLUXD = "/usr/bin/influxd"
pytestmark = pytest.mark.skipif(shutil.which(INFLUXD) is None, reason="needs the real influxd 1.6.7")

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))
from record_golden import InfluxServer  # noqa: E402
from record_meta import post_query, post_write  # noqa: E402

FUTURE = 4102444800 * 10**9  # 2100-01-01T00:00:00Z
SHOWS = ["SHOW DATABASES", "SHOW RETENTION POLICIES ON live", "SHOW SHARDS", "SHOW SHARD GROUPS",
         "SHOW USERS"]


def chronus_body(client: MetaClient, q: str) -> str:
    rows = statements.execute(parse_statement(q), client)
    return gojson.dumps(response_obj([Result(statement_id=0, series=rows)])) + "\n"


def stop_and_keep_meta(server: InfluxServer, target: Path) -> None:
    assert server.process is not None
    server.process.terminate()
    server.process.wait(timeout=15)
    shutil.copytree(server.root / "meta", target)
    server.stop()


def test_chronus_opens_a_meta_dir_influxd_wrote(tmp_path: Path) -> None:
    with InfluxServer(auth_enabled=False) as server:
        for q in ("CREATE DATABASE live WITH DURATION 2d SHARD DURATION 1h NAME rp",
                  "CREATE RETENTION POLICY week ON live DURATION 1w REPLICATION 1",
                  "CREATE USER admin WITH PASSWORD 'pw' WITH ALL PRIVILEGES"):
            assert post_query(server, q)[0] == 200
        assert post_write(server, "live", "rp", FUTURE + 90 * 60 * 10**9)[0] == 204
        assert post_write(server, "live", "week", FUTURE)[0] == 204
        answers = {q: post_query(server, q)[1] for q in SHOWS}
        stop_and_keep_meta(server, tmp_path / "meta")
    store = LocalMetaStore(tmp_path / "meta")
    store.open()
    client = MetaClient(store)
    for q, body in answers.items():
        assert chronus_body(client, q) == body, q
    # And we can go on changing it where influxd left off.
    index = store.data.index
    client.create_shard_group("live", "rp", FUTURE)
    assert store.data.index == index + 1


def test_influxd_opens_a_meta_dir_chronus_wrote() -> None:
    server = InfluxServer(auth_enabled=False)
    try:
        store = LocalMetaStore(server.root / "meta")
        store.open()
        client = MetaClient(store)
        for q in ("CREATE DATABASE live WITH DURATION 2d SHARD DURATION 1h NAME rp",
                  "CREATE RETENTION POLICY week ON live DURATION 1w REPLICATION 1",
                  "CREATE DATABASE other"):
            statements.execute(parse_statement(q), client)
        client.create_shard_group("live", "rp", FUTURE + 90 * 60 * 10**9)
        client.create_shard_group("live", "week", FUTURE)
        ours = {q: chronus_body(client, q) for q in SHOWS}
        store.close()
        server.start()
        for q, body in ours.items():
            assert post_query(server, q) == (200, body), q
        # influxd writes into our shard group (no new one) and adds a database of its own.
        assert post_write(server, "live", "rp", FUTURE + 91 * 60 * 10**9)[0] == 204
        assert post_query(server, "SHOW SHARDS") == (200, ours["SHOW SHARDS"])
        assert post_query(server, "CREATE DATABASE third")[0] == 200
        server.process.terminate()
        server.process.wait(timeout=15)
        reloaded = metadb.load(server.root / "meta")
        assert reloaded is not None
        assert [db.name for db in reloaded.databases] == ["live", "other", "third"]
        assert reloaded.index == store.data.index + 1
        assert reloaded.cluster_id == store.data.cluster_id
    finally:
        server.stop()

