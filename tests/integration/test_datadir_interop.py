"""Drop-in with real data: Chronus opens a data directory (meta, data, wal) the real influxd 1.6.7 wrote and
answers as influxd answered before it stopped; and influxd opens one Chronus wrote and answers as Chronus did.

The data set (tests/integration/datadir.py) holds every field type 1.6.7 accepts (float, integer, string,
boolean; unsigned ``u`` values are refused by 1.6.7's parser), several measurements, tags with escapes, two
databases, a non-default retention policy with one-hour shard groups, several shard groups, several TSM files
per shard with overwritten points, and points only in the WAL. The ``deletes`` variant adds a DELETE
(tombstones on TSM files and a delete entry in the WAL), a DROP MEASUREMENT and writes after both; the
``compacted`` one also has the writer fully compact every shard before those deletes. A last test takes a
directory influxd -> Chronus (which writes and deletes in it) -> influxd again. Answers are compared byte for
byte.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.datadir import (
    INFLUXD,
    LATER_QUERIES,
    QUERIES,
    QUIET_SECTIONS,
    InfluxdProcess,
    Server,
    answers,
    continue_session,
    difference,
    populate,
    shard_dirs,
    tsm_files,
    wal_bytes,
)
from tests.integration.servers import ChronusProcess

pytestmark = pytest.mark.skipif(not os.access(INFLUXD, os.X_OK), reason="needs the real influxd 1.6.7")


def _influxd(root: Path) -> InfluxdProcess:
    return InfluxdProcess(root)


def _chronus(root: Path) -> ChronusProcess:
    return ChronusProcess(root=root, http_extra=QUIET_SECTIONS)


def _interop(root: Path, writer: Callable[[Path], Server], reader: Callable[[Path], Server], *,
             deletes: bool, compact: bool) -> None:
    first = writer(root)
    try:
        expected = populate(first, root, deletes=deletes, compact=compact)
    finally:
        first.stop()
    # The directory holds what the test is about: snapshotted points in several shards (several files in a
    # shard, or one fully compacted file) and points the writer only had in its WAL when it stopped.
    # Shard groups of 7 days start on Mondays (Go truncates to multiples of the duration since year 1):
    # db1/autogen holds three weeks in files and a fourth only in the WAL, rp2 three hours, db2 two weeks.
    files = tsm_files(root)
    shards = {f.rsplit("/", 1)[0] for f in files}
    assert len(shard_dirs(root)) == 9
    assert len(shards) == 8, files
    if compact:
        assert len(files) == len(shards), files
        assert any(not f.endswith("-000000001.tsm") for f in files), files
    else:
        assert len(files) > len(shards), files
    assert wal_bytes(root) > 0
    assert len(expected) == len(QUERIES)
    for key, (status, body) in expected.items():
        assert status == 200 and '"error"' not in body, (key, body)
    series_file = _series_file_tree(root)
    second = reader(root)
    try:
        second.start()
        got = answers(second.url)
    finally:
        second.stop()
    _same_answers(expected, got)
    if isinstance(second, ChronusProcess):
        # influxd's series file is no retention policy: Chronus leaves it as it is and adds nothing beside it.
        assert _series_file_tree(root) == series_file
        assert list((root / "wal").glob("*/_series")) == []


def _series_file_tree(root: Path) -> list[str]:
    """Every path under ``data/<db>/_series`` (influxd 1.6's series file: partitions 00-07, segments)."""
    return sorted(str(p.relative_to(root)) for p in (root / "data").glob("*/_series/**/*"))


def _same_answers(expected: dict[str, tuple[int, str]], got: dict[str, tuple[int, str]]) -> None:
    """Byte for byte; a failure names each query that differs and shows where (answers are long)."""
    assert got.keys() == expected.keys()
    mismatched = {key: difference(expected[key], got[key]) for key in expected if got[key] != expected[key]}
    if mismatched:
        pytest.fail("\n".join(f"{key}: {why}" for key, why in mismatched.items()), pytrace=False)


VARIANTS = [
    pytest.param(False, False, id="plain"),
    pytest.param(True, False, id="deletes"),
    pytest.param(True, True, id="compacted"),
]


@pytest.mark.parametrize(("deletes", "compact"), VARIANTS)
def test_chronus_answers_on_influxd_directory(tmp_path: Path, deletes: bool, compact: bool) -> None:
    _interop(tmp_path, _influxd, _chronus, deletes=deletes, compact=compact)


@pytest.mark.parametrize(("deletes", "compact"), VARIANTS)
def test_influxd_answers_on_chronus_directory(tmp_path: Path, deletes: bool, compact: bool) -> None:
    _interop(tmp_path, _chronus, _influxd, deletes=deletes, compact=compact)


def test_influxd_chronus_influxd_on_one_directory(tmp_path: Path) -> None:
    """Drop in, then roll back: Chronus takes over influxd's directory, writes and deletes in it (new series
    in shards with files, tombstones and WAL; a new shard group; a new measurement), and influxd, started on
    it again, answers as Chronus did."""
    influxd = _influxd(tmp_path)
    try:
        expected = populate(influxd, tmp_path, deletes=True)
    finally:
        influxd.stop()
    chronus = _chronus(tmp_path)
    try:
        chronus.start()
        took_over = answers(chronus.url)
    finally:
        chronus.stop()
    _same_answers(expected, took_over)
    chronus = _chronus(tmp_path)
    try:
        expected = continue_session(chronus)
    finally:
        chronus.stop()
    changed = {key for key in took_over if took_over[key] != expected[key]}
    assert {"db1: SHOW SERIES", "db1: SELECT * FROM mem", "None: SHOW MEASUREMENTS ON db2"} <= changed
    for key, (status, body) in expected.items():
        assert status == 200 and '"error"' not in body, (key, body)
    influxd = _influxd(tmp_path)
    try:
        influxd.start()
        got = answers(influxd.url, QUERIES + LATER_QUERIES)
    finally:
        influxd.stop()
    _same_answers(expected, got)
