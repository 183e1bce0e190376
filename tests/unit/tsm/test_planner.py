"""The compaction planner against the scenarios of influxd 1.6.7's planner tests (``compact_test.go``).

Each case lists files (name, size, tombstone) and the groups influxd's ``DefaultPlanner`` returns for them.
"""

from __future__ import annotations

import pytest

from chronus.tsdb.tsm.planner import (
    MAX_TSM_FILE_SIZE,
    DefaultPlanner,
    FileInfo,
    choose_level,
    output_file_name,
    output_name,
)

MB = 1024 * 1024
GB = 1024 * MB
HOUR = 3600.0
NOW = 1_000_000_000.0


def files(*specs, block_count: int = 0):
    out = []
    for spec in specs:
        name, size = spec[0], spec[1]
        tomb = len(spec) > 2 and spec[2]
        out.append(FileInfo.named(name, size, has_tombstone=tomb, first_block_count=block_count))
    return out


def paths(fs, *indexes):
    return [fs[i].path for i in indexes]


def test_file_info_named_parses_generation_and_sequence():
    f = FileInfo.named("/d/000000012-000000003.tsm", 5)
    assert (f.generation, f.sequence, f.size) == (12, 3, 5)


def test_plan_min_three_level1_files_not_enough():
    fs = files(("01-01.tsm1", 1 * MB), ("02-01.tsm1", 1 * MB), ("03-1.tsm1", 251 * MB))
    assert DefaultPlanner().plan(fs, NOW, store_modified=0, now=NOW) == []


def test_plan_combine_sequence_older_level4_files():
    fs = files(("01-04.tsm1", 128 * MB), ("02-04.tsm1", 128 * MB), ("03-04.tsm1", 128 * MB),
               ("04-04.tsm1", 128 * MB), ("06-02.tsm1", 67 * MB), ("07-02.tsm1", 128 * MB),
               ("08-01.tsm1", 251 * MB))
    assert DefaultPlanner().plan(fs, NOW, store_modified=0, now=NOW) == [paths(fs, 0, 1, 2, 3)]


def test_plan_multiple_groups_of_four():
    fs = files(("01-04.tsm1", 64 * MB), ("02-04.tsm1", 64 * MB), ("03-04.tsm1", 64 * MB),
               ("04-04.tsm1", 129 * MB), ("05-04.tsm1", 129 * MB), ("06-04.tsm1", 129 * MB),
               ("07-04.tsm1", 129 * MB), ("08-04.tsm1", 129 * MB), ("09-04.tsm1", 129 * MB))
    assert DefaultPlanner().plan(fs, NOW, store_modified=0, now=NOW) == [
        paths(fs, 0, 1, 2, 3), paths(fs, 4, 5, 6, 7)]


def test_plan_level1_takes_the_level1_run():
    fs = files(("01-03.tsm1", 251 * MB), ("02-03.tsm1", MB), ("03-03.tsm1", MB), ("04-03.tsm1", MB),
               *[(f"{g:02d}-01.tsm1", MB) for g in range(5, 13)])
    assert DefaultPlanner().plan_level(fs, 1) == [paths(fs, *range(4, 12))]


def test_plan_level3_split_file_generation():
    fs = files(("01-03.tsm1", 251 * MB), ("02-03.tsm1", MB), ("03-03.tsm1", 2 * GB),
               ("03-04.tsm1", 10 * MB), ("04-03.tsm1", 10 * MB), ("05-01.tsm1", MB), ("06-01.tsm1", MB))
    assert DefaultPlanner().plan_level(fs, 3) == [paths(fs, 0, 1, 2, 3, 4)]


@pytest.mark.parametrize(
    ("specs", "level"),
    [
        # isolated high level
        ([("01-02.tsm1", 251 * MB), ("02-02.tsm1", MB), ("03-03.tsm1", 2 * GB), ("03-04.tsm1", 2 * GB),
          ("04-02.tsm1", 10 * MB), ("05-02.tsm1", MB), ("06-02.tsm1", MB)], 3),
        # level 3 with too few generations
        ([("01-03.tsm1", 251 * MB), ("02-03.tsm1", MB), ("03-01.tsm1", 2 * GB), ("04-01.tsm1", 10 * MB),
          ("05-02.tsm1", MB), ("06-01.tsm1", MB)], 3),
        # level 2 with too few generations
        ([("02-04.tsm1", 251 * MB), ("03-02.tsm1", 251 * MB), ("03-03.tsm1", MB)], 2),
    ],
)
def test_plan_level_nothing(specs, level):
    assert DefaultPlanner().plan_level(files(*specs), level) == []


def test_plan_level_tombstone_plans_a_short_run():
    fs = files(("01-03.tsm1", 251 * MB, True), ("02-03.tsm1", MB), ("03-01.tsm1", 2 * GB),
               ("04-01.tsm1", 10 * MB), ("05-02.tsm1", MB), ("06-01.tsm1", MB))
    assert DefaultPlanner().plan_level(fs, 3) == [paths(fs, 0, 1)]


def test_plan_level1_eight_generations():
    fs = files(*[(f"{g:02d}-01.tsm1", MB) for g in range(1, 9)])
    assert DefaultPlanner().plan_level(fs, 1) == [paths(fs, *range(8))]


def test_plan_level_in_use_files_are_not_planned_twice():
    fs = files(*[(f"{g:02d}-01.tsm1", MB) for g in range(1, 17)])
    planner = DefaultPlanner()
    plan = planner.plan_level(fs, 1)
    assert plan == [paths(fs, *range(8)), paths(fs, *range(8, 16))]
    planner.release(plan[1:])
    assert planner.plan_level(fs, 1) == [paths(fs, *range(8, 16))]
    assert planner.in_use() == {f.path for f in fs}


def test_plan_optimize_no_level4():
    fs = files(("01-03.tsm1", 251 * MB), ("02-03.tsm1", MB), ("03-03.tsm1", 2 * GB))
    assert DefaultPlanner().plan_optimize(fs) == []


def test_plan_optimize_level4_run_takes_lower_generation_before_a_level4():
    fs = files(("01-04.tsm1", 251 * MB), ("02-04.tsm1", MB), ("03-04.tsm1", MB), ("04-04.tsm1", MB),
               ("05-03.tsm1", 2 * GB), ("06-04.tsm1", 2 * GB), ("07-03.tsm1", 2 * GB))
    assert DefaultPlanner().plan_optimize(fs) == [paths(fs, 0, 1, 2, 3, 4, 5)]


def test_plan_optimize_multiple_runs():
    fs = files(("01-04.tsm1", 251 * MB), ("02-04.tsm1", MB), ("03-04.tsm1", MB), ("04-04.tsm1", MB),
               ("05-03.tsm1", 2 * GB), ("06-03.tsm1", 2 * GB), ("07-04.tsm1", 2 * GB),
               ("08-04.tsm1", 2 * GB), ("09-04.tsm1", 2 * GB), ("10-04.tsm1", 2 * GB))
    assert DefaultPlanner().plan_optimize(fs) == [paths(fs, 0, 1, 2, 3), paths(fs, 6, 7, 8, 9)]


def test_plan_optimize_one_generation_is_optimized():
    fs = files(("01-03.tsm1", 251 * MB), ("01-04.tsm1", MB), ("01-05.tsm1", 2 * GB))
    assert DefaultPlanner().plan_optimize(fs) == []


def test_plan_optimize_tombstones():
    fs = files(("01-04.tsm1", 251 * MB), ("01-05.tsm1", MB, True), ("02-06.tsm1", 2 * GB))
    assert DefaultPlanner().plan_optimize(fs) == [paths(fs, 0, 1, 2)]


def test_plan_full_on_cold():
    fs = files(("01-01.tsm1", 513 * MB), ("02-02.tsm1", 129 * MB), ("03-02.tsm1", 33 * MB),
               ("04-02.tsm1", MB), ("05-02.tsm1", 10 * MB), ("06-01.tsm1", 2 * MB))
    planner = DefaultPlanner(1e-9)
    assert planner.plan(fs, NOW - 1, now=NOW) == [paths(fs, *range(6))]


def test_plan_skips_max_size_files():
    fs = files(("01-01.tsm1", 2049 * MB), ("02-02.tsm1", 2049 * MB))
    assert DefaultPlanner().plan(fs, NOW, store_modified=0, now=NOW) == []


def test_plan_skip_planning_after_full():
    small = files(("01-05.tsm1", 256 * MB), ("02-05.tsm1", 256 * MB), ("03-05.tsm1", 256 * MB),
                  ("04-04.tsm1", 256 * MB), block_count=1000)
    planner = DefaultPlanner(1e-9)
    plan = planner.plan(small, NOW - 1, now=NOW)
    assert [len(g) for g in plan] == [4]
    planner.release(plan)
    over = files(*[(f"0{g}-05.tsm1", 2049 * MB) for g in range(1, 6)], block_count=1000)
    assert planner.plan(over, NOW - 1, now=NOW) == []
    plan = planner.plan_optimize(over)
    assert len(plan) == 1
    planner.release(plan)
    assert [len(g) for g in planner.plan(small, NOW, now=NOW + 1)] == [4]


def test_plan_two_generations_level3_not_planned_forever():
    fs = files(*[(f"000002245-{s:09d}.tsm", 2049 * MB) for s in range(1666, 1673)],
               ("000002245-000001673.tsm", 192631258), ("000002246-000000002.tsm", 2049 * MB),
               ("000002246-000000003.tsm", 192631258), block_count=1000)
    plan = DefaultPlanner(HOUR).plan(fs, NOW - 24 * HOUR, now=NOW)
    assert plan == [sorted(f.path for f in fs)]


def test_plan_not_full_over_max_size():
    small = files(("01-05.tsm1", 256 * MB), ("02-05.tsm1", 256 * MB), ("03-05.tsm1", 256 * MB),
                  ("04-04.tsm1", 256 * MB), block_count=100)
    planner = DefaultPlanner(1e-9)
    plan = planner.plan(small, NOW - 1, now=NOW)
    assert [len(g) for g in plan] == [4]
    planner.release(plan)
    over = files(("01-05.tsm1", 2049 * MB), ("02-05.tsm1", 2049 * MB), block_count=100)
    assert len(planner.plan(over, NOW - 1, now=NOW)) == 1


def test_plan_compacts_middle_steps():
    fs = files(("01-04.tsm1", 64 * MB), ("02-04.tsm1", 64 * MB), ("03-04.tsm1", 64 * MB),
               ("04-04.tsm1", 64 * MB), ("05-02.tsm1", 2 * MB))
    assert DefaultPlanner().plan(fs, NOW, store_modified=0, now=NOW) == [paths(fs, 0, 1, 2, 3)]


def test_plan_large_generation_alone_not_planned():
    fs = files(("000000278-000000006.tsm", 2148340232), ("000000278-000000007.tsm", 2148356556),
               ("000000278-000000008.tsm", 167780181), ("000000278-000047040.tsm", 2148728539),
               ("000000278-000047041.tsm", 701863692))
    assert DefaultPlanner().plan(fs, NOW, store_modified=0, now=NOW) == []


def test_plan_force_full_holds_back_level_plans():
    sizes = [2148340232, 2148356556, 167780181, 2148728539] * 2
    fs = files(*[(f"{g:09d}-000000001.tsm", size) for g, size in enumerate(sizes, 1)],
               *[(f"{g:09d}-000000002.tsm", 701863692) for g in range(9, 14)])
    planner = DefaultPlanner()
    for level in (1, 2):
        plan = planner.plan_level(fs, level)
        assert len(plan) == 1
        planner.release(plan)
    planner.force_full()
    assert planner.plan_level(fs, 1) == []
    assert planner.plan_level(fs, 2) == []
    plan = planner.plan(fs, NOW, now=NOW)
    assert len(plan) == 1 and len(plan[0]) == 13
    planner.release(plan)
    assert len(planner.plan_level(fs, 1)) == 1


def test_plan_does_not_replan_until_the_store_changes():
    fs = files(*[(f"0{g}-04.tsm1", 64 * MB) for g in range(1, 5)])
    planner = DefaultPlanner()
    plan = planner.plan(fs, NOW, store_modified=NOW - 5, now=NOW)
    assert plan == [paths(fs, 0, 1, 2, 3)]
    planner.release(plan)
    assert planner.plan(fs, NOW, store_modified=NOW - 5, now=NOW + 1) == []
    assert planner.plan(fs, NOW, store_modified=NOW + 2, now=NOW + 3) == [paths(fs, 0, 1, 2, 3)]


def test_fully_compacted():
    planner = DefaultPlanner()
    assert planner.fully_compacted(files(("01-02.tsm1", MB), ("01-03.tsm1", MB)))
    assert not planner.fully_compacted(files(("01-02.tsm1", MB, True)))
    assert not planner.fully_compacted(files(("01-02.tsm1", MB), ("02-01.tsm1", MB)))


def test_output_names_follow_the_highest_generation():
    group = ["/d/000000003-000000001.tsm", "/d/000000004-000000002.tsm", "/d/000000004-000000001.tsm"]
    assert output_name(group) == (4, 3)
    assert output_file_name(group) == "000000004-000000003.tsm"
    assert output_file_name(group, 1) == "000000004-000000004.tsm"
    assert MAX_TSM_FILE_SIZE == 2 * GB


@pytest.mark.parametrize(
    ("depths", "running", "limit", "expected"),
    [
        ([0, 0, 0, 0], [0, 0, 0, 0], 1, None),
        ([1, 0, 0, 0], [1, 0, 0, 0], 1, None),
        ([1, 1, 1, 1], [0, 0, 0, 0], 1, 1),
        ([0, 2, 0, 0], [0, 0, 0, 0], 2, 2),
        ([1, 2, 0, 0], [0, 0, 0, 0], 2, 2),
        ([0, 0, 0, 5], [0, 0, 0, 0], 2, 4),
        ([0, 0, 3, 5], [0, 0, 0, 0], 4, 3),
        # low priority share taken and no high slot left: only levels 1 and 2
        ([0, 0, 1, 1], [0, 0, 1, 0], 1, None),
    ],
)
def test_choose_level(depths, running, limit, expected):
    assert choose_level(depths, running, limit) == expected
