"""The compactor: key-by-key merges of TSM files with the newest file winning, blocks of max-points-per-block,
raw copies of full blocks, rollover past the size limit, tombstones honoured; and ``FileStore.replace``."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronus.tsdb.tsm import compact as compact_module
from chronus.tsdb.tsm.block import block_count, decode_block
from chronus.tsdb.tsm.compact import CompactionAborted, CompactionInProgress, Compactor, RateLimiter
from chronus.tsdb.tsm.filestore import FileStore, format_file_name
from chronus.tsdb.tsm.reader import TSMReader
from chronus.tsdb.tsm.writer import write_tsm_file
from chronus.tsdb.values import Values, ValueType

KEYS = [b"cpu,host=a#!~#v", b"cpu,host=b#!~#v", b"mem,host=a#!~#free", b"mem,host=a#!~#s"]


def make(vtype: ValueType, times, seed: int) -> Values:
    times = np.asarray(times, dtype=np.int64)
    n = len(times)
    if vtype is ValueType.FLOAT:
        return Values.floats(times, np.arange(n, dtype=np.float64) + seed * 1000.5)
    if vtype is ValueType.INTEGER:
        return Values.integers(times, np.arange(n, dtype=np.int64) + seed * 1000)
    if vtype is ValueType.BOOLEAN:
        return Values.booleans(times, (np.arange(n) + seed) % 2 == 0)
    if vtype is ValueType.UNSIGNED:
        return Values.unsigneds(times, np.arange(n, dtype=np.uint64) + seed)
    return Values.strings(times, [b"s%d-%d" % (seed, i) for i in range(n)])


def write(directory, generation: int, sequence: int, items, max_points: int) -> str:
    path = os.path.join(str(directory), format_file_name(generation, sequence))
    write_tsm_file(path, sorted(items), max_points)
    return path


def expected_merge(file_items: list[dict[bytes, Values]]) -> dict[bytes, Values]:
    """Newest-wins over files (oldest first): the newest file's type per key, the last write per time."""
    out = {}
    for key in sorted({k for items in file_items for k in items}):
        parts = [items[key] for items in file_items if key in items]
        vtype = parts[-1].type
        out[key] = Values.concat([p for p in parts if p.type is vtype]).deduplicated()
    return out


def read_all(paths) -> dict[bytes, Values]:
    readers = [TSMReader(p) for p in paths]
    merged = {}
    for key in sorted({k for r in readers for k in r.keys()}):  # noqa: SIM118 - not a dict
        parts = [v for r in readers if (v := r.read(key)) is not None]
        merged[key] = Values.concat(parts).deduplicated()
    for r in readers:
        r.close()
    return merged


def block_sizes(path) -> dict[bytes, list[int]]:
    reader = TSMReader(path)
    out = {key: [block_count(reader.block(off, size)) for _, _, off, size in reader.entries(key)]
           for key in reader.keys()}  # noqa: SIM118 - not a dict
    reader.close()
    return out


def compact(directory, paths, max_points, fast=False, **kwargs) -> list[str]:
    readers = [TSMReader(p) for p in paths]
    try:
        tmp = Compactor(str(directory), max_points, **kwargs).compact(readers, fast=fast)
    finally:
        for r in readers:
            r.close()
    return tmp


file_strategy = st.dictionaries(
    st.sampled_from(KEYS),
    st.lists(st.integers(0, 60), min_size=1, max_size=40, unique=True).map(sorted),
    min_size=1,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    files=st.lists(file_strategy, min_size=1, max_size=5),
    types=st.lists(st.sampled_from(list(ValueType)), min_size=len(KEYS), max_size=len(KEYS)),
    conflict=st.booleans(),
    max_points=st.integers(2, 9),
    deletes=st.lists(
        st.tuples(st.integers(0, 4), st.sampled_from(KEYS), st.integers(0, 60), st.integers(0, 20)),
        max_size=3),
    fast=st.booleans(),
)
def test_compaction_equals_the_newest_wins_merge(
    tmp_path_factory, files, types, conflict, max_points, deletes, fast
):
    directory = tmp_path_factory.mktemp("c")
    key_type = dict(zip(KEYS, types, strict=True))
    file_items = []
    paths = []
    for gen, spec in enumerate(files, 1):
        items = {}
        for key, times in spec.items():
            vtype = key_type[key]
            if conflict and key == KEYS[0] and gen == len(files):
                vtype = ValueType.STRING if vtype is not ValueType.STRING else ValueType.INTEGER
            items[key] = make(vtype, times, gen)
        file_items.append(items)
        paths.append(write(directory, gen, 1, items.items(), max_points))
    # Deletes through the readers' tombstones; the expected view is each file's read after them.
    for index, key, start, length in deletes:
        if index < len(paths):
            reader = TSMReader(paths[index])
            reader.delete_range([key], start, start + length)
            reader.close()
    file_views = []
    for path in paths:
        reader = TSMReader(path)
        file_views.append(dict(reader.items()))
        reader.close()
    expected = {k: v for k, v in expected_merge(file_views).items() if len(v)}

    out = compact(directory, paths, max_points, fast=fast)
    generation = len(files)
    assert [os.path.basename(p) for p in out] == [format_file_name(generation, 2) + ".tmp"][:len(out)]
    if not expected:
        assert out == []
        return
    assert read_all(out) == expected
    if not fast:
        for counts in block_sizes(out[0]).values():
            assert all(c == max_points for c in counts[:-1]) and 0 < counts[-1] <= max_points


def test_full_non_overlapping_blocks_are_copied_as_they_are(tmp_path):
    key = KEYS[0]
    first = write(tmp_path, 1, 1, [(key, make(ValueType.FLOAT, range(0, 10), 1))], 5)
    second = write(tmp_path, 2, 1, [(key, make(ValueType.FLOAT, range(20, 30), 2))], 5)
    out = compact(tmp_path, [first, second], 5)
    inputs = [TSMReader(p) for p in (first, second)]
    raw_in = [r.block(off, size) for r in inputs for _, _, off, size in r.entries(key)]
    result = TSMReader(out[0])
    raw_out = [result.block(off, size) for _, _, off, size in result.entries(key)]
    assert raw_out == raw_in
    assert [e[:2] for e in result.entries(key)] == [(0, 4), (5, 9), (20, 24), (25, 29)]


def test_overlapping_newest_wins_and_rechunks(tmp_path):
    key = KEYS[0]
    old = write(tmp_path, 1, 1, [(key, Values.floats([1, 2, 3, 4], [1.0, 2.0, 3.0, 4.0]))], 1000)
    new = write(tmp_path, 2, 1, [(key, Values.floats([3, 5], [30.0, 50.0]))], 1000)
    out = compact(tmp_path, [old, new], 2)
    assert read_all(out) == {key: Values.floats([1, 2, 3, 4, 5], [1.0, 2.0, 30.0, 4.0, 50.0])}
    assert block_sizes(out[0]) == {key: [2, 2, 1]}


def test_rollover_past_the_file_size_takes_the_next_sequences(tmp_path):
    items = [(k, make(ValueType.INTEGER, range(0, 50), i)) for i, k in enumerate(KEYS)]
    first = write(tmp_path, 3, 1, items[:2], 10)
    second = write(tmp_path, 4, 1, items[2:], 10)
    out = compact(tmp_path, [first, second], 10, max_file_size=200)
    assert len(out) > 2
    names = [format_file_name(4, 2 + i) + ".tmp" for i in range(len(out))]
    assert [os.path.basename(p) for p in out] == names
    assert read_all(out) == dict(items)


def test_everything_deleted_writes_no_file(tmp_path):
    path = write(tmp_path, 1, 1, [(KEYS[0], make(ValueType.FLOAT, [1, 2], 1))], 1000)
    other = write(tmp_path, 2, 1, [(KEYS[0], make(ValueType.FLOAT, [3], 2))], 1000)
    for p in (path, other):
        reader = TSMReader(p)
        reader.delete_range([KEYS[0]], 0, 10)
        reader.close()
    assert compact(tmp_path, [path, other], 1000) == []
    assert sorted(os.listdir(tmp_path)) == [
        "000000001-000000001.tombstone", "000000001-000000001.tsm",
        "000000002-000000001.tombstone", "000000002-000000001.tsm"]


def test_abort_leaves_nothing_behind(tmp_path):
    paths = [write(tmp_path, g, 1, [(k, make(ValueType.FLOAT, range(100), g)) for k in KEYS], 10)
             for g in (1, 2)]
    stop = threading.Event()
    stop.set()
    with pytest.raises(CompactionAborted, match="^compaction aborted$"):
        compact(tmp_path, paths, 10, stop=stop)
    assert sorted(os.listdir(tmp_path)) == sorted(os.path.basename(p) for p in paths)


def test_an_output_name_in_use_is_refused(tmp_path):
    paths = [write(tmp_path, g, 1, [(KEYS[0], make(ValueType.FLOAT, [g], g))], 10) for g in (1, 2)]
    (tmp_path / "000000002-000000002.tsm.tmp").write_bytes(b"")
    with pytest.raises(CompactionInProgress):
        compact(tmp_path, paths, 10)


class FakeClock:
    """Stands in for the ``time`` module of the limiter: sleeping advances the clock, nothing waits."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 9))
        self.now += seconds


def test_rate_limiter_paces_writes(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(compact_module, "time", clock)
    limiter = RateLimiter(1000, 100)
    for _ in range(3):
        limiter.wait(100)
    # the burst covers the first 100 bytes; each next 100 waits 100 / 1000 s
    assert clock.sleeps == [0.1, 0.1]
    clock.now += 0.05  # 50 bytes' worth of tokens come back
    limiter.wait(100)
    assert clock.sleeps == [0.1, 0.1, 0.05]


def test_replace_swaps_readers_and_removes_old_files_and_tombstones(tmp_path):
    store = FileStore(str(tmp_path))
    store.open()
    key = KEYS[0]
    store.write_snapshot([(key, Values.floats([1, 2], [1.0, 2.0]))])
    store.write_snapshot([(key, Values.floats([2, 3], [20.0, 3.0]))])
    store.write_snapshot([(KEYS[1], Values.floats([7], [7.0]))])
    store.delete_range([key], 1, 1)
    old = store.files()[:2]
    in_flight = store.readers()[0]
    out = compact(tmp_path, old, 1000)
    assert [os.path.basename(p) for p in out] == ["000000002-000000002.tsm.tmp"]
    final = store.replace(old, out)
    assert final == [str(tmp_path / "000000002-000000002.tsm")]
    assert sorted(os.listdir(tmp_path)) == ["000000002-000000002.tsm", "000000003-000000001.tsm"]
    assert store.files() == [final[0], str(tmp_path / "000000003-000000001.tsm")]
    assert store.read(key) == [Values.floats([2, 3], [20.0, 3.0])]
    # A reader handed out before the swap still reads its (now unlinked) file.
    assert in_flight.read(key) == Values.floats([2], [2.0])
    infos = store.file_infos()
    assert [(i.generation, i.sequence, i.has_tombstone, i.first_block_count) for i in infos] == [
        (2, 2, False, 2), (3, 1, False, 1)]
    store.close()


def test_replace_leftovers_after_a_crash_count_each_point_once(tmp_path):
    key = KEYS[0]
    old1 = write(tmp_path, 1, 1, [(key, Values.floats([1, 2], [1.0, 2.0]))], 1000)
    old2 = write(tmp_path, 2, 1, [(key, Values.floats([2, 3], [20.0, 3.0]))], 1000)
    out = compact(tmp_path, [old1, old2], 1000)
    os.replace(out[0], out[0][:-4])  # renamed, old files not yet removed: the crash
    (tmp_path / "000000001-000000001.tombstone").write_bytes(b"")  # and an orphan from another crash
    os.remove(old1)
    store = FileStore(str(tmp_path))
    store.open()
    assert "000000001-000000001.tombstone" not in os.listdir(tmp_path)
    parts = store.read(key)
    assert Values.concat(parts).deduplicated() == Values.floats([1, 2, 3], [1.0, 20.0, 3.0])
    store.close()


def test_replace_failure_changes_nothing(tmp_path):
    store = FileStore(str(tmp_path))
    store.open()
    store.write_snapshot([(KEYS[0], Values.floats([1], [1.0]))])
    bad = tmp_path / "000000001-000000002.tsm.tmp"
    bad.write_bytes(b"not a tsm file")
    before = store.files()
    with pytest.raises(ValueError):
        store.replace(before, [str(bad)])
    assert store.files() == before and bad.exists()
    assert not (tmp_path / "000000001-000000002.tsm").exists()
    store.close()


def test_decoded_output_blocks_are_sorted_unique(tmp_path):
    key = KEYS[1]
    paths = [write(tmp_path, g, 1, [(key, make(ValueType.STRING, range(g, 40, g), g))], 3) for g in (1, 2, 3)]
    out = compact(tmp_path, paths, 4)
    reader = TSMReader(out[0])
    for _, _, off, size in reader.entries(key):
        values = decode_block(reader.block(off, size))
        assert values.is_sorted_unique()
    reader.close()
