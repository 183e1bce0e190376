"""A shard's compaction loop: level plans become compactions whose output replaces their inputs; reads stay
the same throughout; deletes pause compactions; the background thread compacts and stops on close."""

from __future__ import annotations

import os
import time

import numpy as np

from chronus.models.points import parse
from chronus.tsdb.compaction import CompactionLimits, compaction_concurrency
from chronus.tsdb.index import DatabaseIndex
from chronus.tsdb.shard import EngineOptions, Shard
from chronus.tsdb.tsm.compact import RateLimiter


def make_shard(tmp_path, **options) -> Shard:
    opts = EngineOptions(snapshot_check_interval_s=3600, **options)
    shard = Shard(1, "db", "rp", str(tmp_path / "data"), str(tmp_path / "wal"),
                  DatabaseIndex("db").shard(1), opts)
    shard.open()
    return shard


def write(shard: Shard, body: bytes) -> None:
    batch = parse(body, "n", 0)
    assert shard.write(batch, np.ones(len(batch), dtype=bool)) is None


def tsm_names(shard: Shard) -> list[str]:
    return sorted(n for n in os.listdir(shard.path) if n.endswith((".tsm", ".tombstone", ".tmp")))


def snapshots(shard: Shard, count: int, points: int = 5, start: int = 0) -> None:
    for g in range(start, start + count):
        lines = [b"cpu,host=a v=%d %d" % (g * 100 + i, g * 3 + i) for i in range(points)]
        write(shard, b"\n".join(lines))
        shard.snapshot()


def expected_values(count: int, points: int = 5) -> dict[int, float]:
    out = {}
    for g in range(count):
        for i in range(points):
            out[g * 3 + i] = float(g * 100 + i)  # later snapshots overwrite overlapping times
    return out


def test_concurrency_setting():
    assert compaction_concurrency(0, cores=2) == 1
    assert compaction_concurrency(0, cores=8) == 4
    assert compaction_concurrency(3, cores=2) == 2
    assert compaction_concurrency(3, cores=8) == 3
    limits = CompactionLimits.create(1)
    assert limits.try_take() and not limits.try_take()
    limits.release()


def test_level1_compaction_replaces_eight_snapshots(tmp_path):
    shard = make_shard(tmp_path, compactions_enabled=False)
    snapshots(shard, 7)
    assert shard.compactions.tick(wait=True) is None  # 7 level-1 generations: not enough
    snapshots(shard, 1, start=7)
    before = shard.read("cpu,host=a", "v")
    assert shard.compactions.tick(wait=True) == 1
    assert tsm_names(shard) == ["000000008-000000002.tsm"]
    after = shard.read("cpu,host=a", "v")
    assert after == before
    assert dict(after.to_pairs()) == expected_values(8)
    shard.close()
    reopened = make_shard(tmp_path, compactions_enabled=False)
    assert reopened.read("cpu,host=a", "v") == before
    reopened.close()


def test_levels_roll_up_and_full_compaction_when_cold(tmp_path):
    shard = make_shard(tmp_path, compactions_enabled=False, compact_full_write_cold_duration_s=3600)
    for _ in range(4):
        snapshots(shard, 8)
        assert shard.compactions.tick(wait=True) == 1
    assert [n.split("-")[1] for n in tsm_names(shard)] == ["000000002.tsm"] * 4
    assert shard.compactions.tick(wait=True) == 2
    assert tsm_names(shard) == ["000000032-000000003.tsm"]
    snapshots(shard, 2)
    assert shard.compactions.tick(wait=True) is None  # two level-1 files, nothing is cold
    shard.compactions.planner.cold_duration = 1e-9
    time.sleep(0.01)
    assert shard.compactions.tick(wait=True) == 4
    assert tsm_names(shard) == ["000000034-000000002.tsm"]  # the highest generation, its next sequence
    values = shard.read("cpu,host=a", "v")
    assert len(values) == len(set(values.times.tolist())) and values.is_sorted_unique()
    stats = shard.engine_statistics()
    durations = {k: stats.pop(k) for k in list(stats) if k.endswith("Duration")}
    assert all(durations[f"tsmLevel{n}CompactionDuration"] > 0 for n in (1, 2))
    assert durations["tsmFullCompactionDuration"] > 0
    assert durations["tsmLevel3CompactionDuration"] == durations["tsmOptimizeCompactionDuration"] == 0
    assert durations["cacheCompactionDuration"] == 0  # snapshots taken by hand, not by the loop
    assert stats == {
        "cacheCompactions": 0, "cacheCompactionsActive": 0, "cacheCompactionErr": 0,
        "tsmLevel1Compactions": 4, "tsmLevel1CompactionsActive": 0, "tsmLevel1CompactionErr": 0,
        "tsmLevel1CompactionQueue": 0,
        "tsmLevel2Compactions": 1, "tsmLevel2CompactionsActive": 0, "tsmLevel2CompactionErr": 0,
        "tsmLevel2CompactionQueue": 0,
        "tsmLevel3Compactions": 0, "tsmLevel3CompactionsActive": 0, "tsmLevel3CompactionErr": 0,
        "tsmLevel3CompactionQueue": 0,
        "tsmOptimizeCompactions": 0, "tsmOptimizeCompactionsActive": 0, "tsmOptimizeCompactionErr": 0,
        "tsmOptimizeCompactionQueue": 1,  # influxd reports the last level-4 plan there
        "tsmFullCompactions": 1, "tsmFullCompactionsActive": 0, "tsmFullCompactionErr": 0,
        "tsmFullCompactionQueue": 0,
    }
    shard.close()


def test_snapshot_loop_counts_cache_compactions(tmp_path):
    opts = EngineOptions(snapshot_check_interval_s=0.01, cache_snapshot_write_cold_duration_s=0.0,
                         compactions_enabled=False)
    shard = Shard(1, "db", "rp", str(tmp_path / "data"), str(tmp_path / "wal"), DatabaseIndex("db").shard(1),
                  opts)
    shard.open()
    write(shard, b"cpu,host=a v=1 1")
    deadline = time.monotonic() + 10
    while not shard.snapshot_stats["cacheCompactions"] and time.monotonic() < deadline:
        time.sleep(0.01)
    stats = shard.engine_statistics()
    counted = (stats["cacheCompactions"], stats["cacheCompactionErr"], stats["cacheCompactionsActive"])
    assert counted == (1, 0, 0)
    assert stats["cacheCompactionDuration"] > 0
    assert len(tsm_names(shard)) == 1
    shard.close()


def test_a_delete_compacts_away_with_its_tombstones(tmp_path):
    shard = make_shard(tmp_path, compactions_enabled=False)
    snapshots(shard, 8)
    shard.delete_series_range([b"cpu,host=a"], 0, 5)
    assert any(n.endswith(".tombstone") for n in tsm_names(shard))
    expected = shard.read("cpu,host=a", "v")
    assert shard.compactions.tick(wait=True) == 1
    assert tsm_names(shard) == ["000000008-000000002.tsm"]
    assert shard.read("cpu,host=a", "v") == expected
    assert expected.times.min() == 6
    shard.close()


def slow_shard(tmp_path) -> Shard:
    """Compactions paced at 1 byte/s: one that starts is still running when the test acts."""
    limits = CompactionLimits(1, RateLimiter(1, 1))
    return make_shard(tmp_path, compaction_check_interval_s=0.02, compaction_limits=limits)


def wait_running(shard: Shard) -> None:
    deadline = time.monotonic() + 10
    while not shard.compactions.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert shard.compactions.running() == 1


def test_a_delete_aborts_running_compactions_and_pauses_new_ones(tmp_path):
    shard = slow_shard(tmp_path)
    snapshots(shard, 8)
    inputs = [n for n in tsm_names(shard) if n.endswith(".tsm")]
    wait_running(shard)
    shard.delete_series_range([b"cpu,host=a"], 0, 5)
    # The compaction was aborted before the tombstones were written: inputs kept, no output left.
    assert [n for n in tsm_names(shard) if n.endswith(".tsm")] == inputs
    assert not any(n.endswith(".tmp") for n in tsm_names(shard))
    assert any(n.endswith(".tombstone") for n in tsm_names(shard))
    assert shard.read("cpu,host=a", "v").times.min() == 6
    assert shard.compactions.stats["errors"] == [0, 0, 0, 0]
    with shard.compactions.paused():
        assert shard.compactions.tick(wait=True) is None  # nothing starts while paused
    shard.close()


def test_close_aborts_a_running_compaction_and_keeps_the_inputs(tmp_path):
    shard = slow_shard(tmp_path)
    snapshots(shard, 8)
    # The compaction may already have its output open: the inputs are the .tsm files alone.
    inputs = [n for n in tsm_names(shard) if n.endswith(".tsm")]
    wait_running(shard)
    shard.close()  # not aborted, the paced compaction would finish and replace the inputs
    assert tsm_names(shard) == inputs
    assert shard.compactions.stats["completed"] == [0, 0, 0, 0]
    assert shard.compactions.running() == 0


def test_background_loop_compacts_and_stops_on_close(tmp_path):
    shard = make_shard(tmp_path, compaction_check_interval_s=0.05)
    snapshots(shard, 8)
    deadline = time.monotonic() + 10
    while tsm_names(shard) != ["000000008-000000002.tsm"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert tsm_names(shard) == ["000000008-000000002.tsm"]
    assert dict(shard.read("cpu,host=a", "v").to_pairs()) == expected_values(8)
    shard.close()
    assert shard.compactions.running() == 0
