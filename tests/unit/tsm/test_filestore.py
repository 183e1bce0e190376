"""A shard's TSM files: influxd's names and generations, crash leftovers, newest-wins reads, deletes; and the
shard around them: snapshots to files, WAL segments dropped, restarts from files + WAL, merged reads."""

from __future__ import annotations

import os

import numpy as np
import pytest

from chronus.models.points import parse
from chronus.tsdb.index import DatabaseIndex
from chronus.tsdb.shard import EngineOptions, Shard
from chronus.tsdb.tsm.filestore import FileNameError, FileStore, format_file_name, parse_file_name
from chronus.tsdb.tsm.writer import write_tsm_file
from chronus.tsdb.values import Values

KEY = b"cpu,host=a#!~#v"


def floats(times, vals) -> Values:
    return Values.floats(times, vals)


def test_file_names():
    assert format_file_name(2, 1) == "000000002-000000001.tsm"
    assert parse_file_name("/x/000000012-000000003.tsm") == (12, 3)
    assert parse_file_name("000000012-000000003.tsm.tmp") == (12, 3)
    for bad in ("/x/abc.tsm", "/x/12.tsm", "/x/000000001-000000001"):
        with pytest.raises(FileNameError, match=f"^file {bad} is named incorrectly$"):
            parse_file_name(bad)


def test_snapshots_take_new_generations_and_reopen_continues(tmp_path):
    store = FileStore(str(tmp_path))
    store.open()
    assert store.write_snapshot([]) is None
    first = store.write_snapshot([(KEY, floats([1, 2], [1.0, 2.0]))])
    second = store.write_snapshot([(KEY, floats([2, 3], [20.0, 3.0]))])
    names = [os.path.basename(p) for p in (first, second)]
    assert names == ["000000001-000000001.tsm", "000000002-000000001.tsm"]
    assert store.read(KEY) == [floats([1, 2], [1.0, 2.0]), floats([2, 3], [20.0, 3.0])]
    store.close()
    (tmp_path / "000000003-000000001.tsm.tmp").write_bytes(b"half a file")
    (tmp_path / "000000004-000000001.tsm").write_bytes(b"not a tsm file")
    reopened = FileStore(str(tmp_path))
    reopened.open()
    assert sorted(os.listdir(tmp_path)) == ["000000001-000000001.tsm", "000000002-000000001.tsm",
                                            "000000004-000000001.tsm.bad"]
    assert reopened.files() == [first, second]
    assert os.path.basename(reopened.write_snapshot([(KEY, floats([9], [9.0]))])) == "000000005-000000001.tsm"
    reopened.close()


def test_misnamed_file_refuses_open(tmp_path):
    (tmp_path / "garbage.tsm").write_bytes(b"")
    with pytest.raises(FileNameError):
        FileStore(str(tmp_path)).open()


def test_delete_range_writes_tombstones_and_keeps_the_files(tmp_path):
    write_tsm_file(str(tmp_path / format_file_name(1, 1)), [(b"a", floats([1, 2, 3], [1.0, 2.0, 3.0])),
                                                           (b"b", floats([1], [1.0]))])
    write_tsm_file(str(tmp_path / format_file_name(2, 1)), [(b"a", floats([2], [5.0]))])
    tsm_bytes = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}
    store = FileStore(str(tmp_path))
    store.open()
    store.delete_range([b"a"], 2, 2)
    assert store.read(b"a") == [floats([1, 3], [1.0, 3.0])]
    assert store.read(b"b") == [floats([1], [1.0])]
    # The TSM files are untouched; each got a tombstone. The second file has no key left: as in influxd it
    # stays (with its tombstone) until a compaction drops it.
    assert sorted(os.listdir(tmp_path)) == ["000000001-000000001.tombstone", format_file_name(1, 1),
                                            "000000002-000000001.tombstone", format_file_name(2, 1)]
    assert {name: (tmp_path / name).read_bytes() for name in tsm_bytes} == tsm_bytes
    assert [r.keys() for r in store.readers()] == [[b"a", b"b"], []]
    store.delete_range([b"zzz"], 0, 10)
    store.delete_range([b"b"], 5, 10)  # outside every file's time range: nothing written
    assert store.keys() == {b"a", b"b"}
    store.close()
    reopened = FileStore(str(tmp_path))
    reopened.open()
    assert reopened.read(b"a") == [floats([1, 3], [1.0, 3.0])]
    assert reopened.keys() == {b"a", b"b"}
    reopened.close()


# -- the shard -----------------------------------------------------------------------------------------------

def make_shard(tmp_path, **options) -> Shard:
    opts = EngineOptions(snapshot_check_interval_s=3600, **options)
    shard = Shard(1, "db", "rp", str(tmp_path / "data"), str(tmp_path / "wal"),
                  DatabaseIndex("db").shard(1), opts)
    shard.open()
    return shard


def write(shard: Shard, body: bytes) -> None:
    batch = parse(body, "n", 0)
    assert shard.write(batch, np.ones(len(batch), dtype=bool)) is None


def read(shard: Shard, field: str = "v", tmin: int = -(2**63), tmax: int = 2**63 - 1):
    values = shard.read("cpu,host=a", field, tmin, tmax)
    return None if values is None else values.to_pairs()


def test_snapshot_moves_cache_to_a_file_and_drops_wal_segments(tmp_path):
    shard = make_shard(tmp_path)
    write(shard, b"cpu,host=a v=1 10\ncpu,host=a v=2 20\ncpu,host=a s=\"x\" 10")
    path = shard.snapshot()
    assert os.path.basename(path) == "000000001-000000001.tsm"
    assert shard.cache.size() == 0
    assert [os.path.getsize(p) for p in shard.wal.segments()] == [0]
    write(shard, b"cpu,host=a v=3 20\ncpu,host=a v=4 30")  # the cache wins over the file at time 20
    assert read(shard) == [(10, 1.0), (20, 3.0), (30, 4.0)]
    assert read(shard, tmin=15, tmax=25) == [(20, 3.0)]
    assert read(shard, "s") == [(10, b"x")]
    assert shard.snapshot().endswith("000000002-000000001.tsm")
    assert shard.snapshot() is None  # nothing left to write
    assert read(shard) == [(10, 1.0), (20, 3.0), (30, 4.0)]
    shard.close()


def test_restart_loads_files_then_wal(tmp_path):
    shard = make_shard(tmp_path)
    write(shard, b"cpu,host=a v=1 10\ncpu,host=a v=2 20\nmem,host=b free=5i 10")
    shard.snapshot()
    write(shard, b"cpu,host=a v=9 20")
    shard.close()
    again = make_shard(tmp_path)
    assert read(again) == [(10, 1.0), (20, 9.0)]
    assert again.index.series_count() == 2
    assert [s.key for s in again.series("mem")] == ["mem,host=b"]
    assert {name: int(t) for name, t in again.measurement_fields("mem").items()} == {"free": 2}  # integer
    again.close()


def test_delete_reaches_the_files(tmp_path):
    shard = make_shard(tmp_path)
    write(shard, b"cpu,host=a v=1 10\ncpu,host=a v=2 20\ncpu,host=a v=3 30")
    shard.snapshot()
    write(shard, b"cpu,host=a v=4 40")
    shard.delete_series_range([b"cpu,host=a"], 15, 45)
    assert read(shard) == [(10, 1.0)]
    shard.close()
    again = make_shard(tmp_path)
    assert read(again) == [(10, 1.0)]
    again.close()


def test_when_to_snapshot(tmp_path):
    shard = make_shard(tmp_path, cache_snapshot_memory_size=40, cache_snapshot_write_cold_duration_s=600)
    assert not shard.should_snapshot(1e12)  # empty
    write(shard, b"cpu,host=a v=1 10")
    written = shard.cache.last_write_time
    assert not shard.should_snapshot(written)
    assert shard.should_snapshot(written + 601)  # cold
    write(shard, b"cpu,host=a v=2 20\ncpu,host=a v=3 30")
    assert shard.should_snapshot(shard.cache.last_write_time)  # past the size
    shard.close()
