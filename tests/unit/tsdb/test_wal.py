import os
import shutil
import stat
import tempfile
import threading
from pathlib import Path

import pytest
import snappy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronus.tsdb import wal as walmod
from chronus.tsdb.values import Values
from chronus.tsdb.wal import (
    WAL,
    DeleteEntry,
    DeleteRangeEntry,
    SegmentReader,
    WALClosedError,
    WriteEntry,
    decode_entry,
    encode_entry,
    segment_id,
)
from tests.unit.tsdb.strategies import keys, times, write_entries

K1 = b"cpu,host=a#!~#value"
K2 = b"cpu,host=b#!~#value"


def replayed(path: Path, **kwargs: object) -> list:
    wal = WAL(str(path), **kwargs)
    with wal:
        return list(wal.replay())


def write_all(path: Path, entries: list, **kwargs: object) -> list[int]:
    ids = []
    with WAL(str(path), **kwargs) as wal:
        for entry in entries:
            if isinstance(entry, WriteEntry):
                ids.append(wal.write(entry.values))
            elif isinstance(entry, DeleteRangeEntry):
                ids.append(wal.delete_range(entry.keys, entry.min, entry.max))
            else:
                ids.append(wal.delete(entry.keys))
    return ids


def test_segment_file_layout(tmp_path: Path) -> None:
    ids = write_all(tmp_path, [WriteEntry({K1: Values.floats([1], [2.5])})])
    assert ids == [1]
    assert os.listdir(tmp_path) == ["_00001.wal"]
    data = (tmp_path / "_00001.wal").read_bytes()
    payload = snappy.uncompress(data[5:])
    assert data[0] == 1 and int.from_bytes(data[1:5], "big") == len(data) - 5
    assert payload == b"\x01\x00\x13" + K1 + b"\x00\x00\x00\x01" + (1).to_bytes(8, "big") + bytes.fromhex(
        "4004000000000000")


def test_delete_payloads() -> None:
    assert encode_entry(DeleteEntry([b"a", b"bc"])) == b"a\nbc"
    assert decode_entry(2, b"a\nbc") == DeleteEntry([b"a", b"bc"])
    assert decode_entry(2, b"") == DeleteEntry([])
    payload = encode_entry(DeleteRangeEntry([b"a", b"bc"], -5, 7))
    assert payload == (-5).to_bytes(8, "big", signed=True) + (7).to_bytes(8, "big") + b"\0\0\0\1a\0\0\0\2bc"
    assert decode_entry(3, payload) == DeleteRangeEntry([b"a", b"bc"], -5, 7)
    for bad in (b"\0" * 15, b"\0" * 16 + b"\0\0\0", b"\0" * 16 + b"\0\0\0\2a"):
        with pytest.raises(walmod.CorruptEntryError):
            decode_entry(3, bad)
    with pytest.raises(walmod.CorruptEntryError, match="unknown wal entry type: 9"):
        decode_entry(9, b"")


def test_deletes_without_keys_write_nothing(tmp_path: Path) -> None:
    with WAL(str(tmp_path)) as wal:
        assert wal.delete([]) == 0
        assert wal.delete_range([], 0, 1) == 0
    assert os.listdir(tmp_path) == []


def test_replay_returns_every_entry_in_order(tmp_path: Path) -> None:
    entries = [
        WriteEntry({K1: Values.floats([1, 2], [1.0, 2.0]), K2: Values.strings([3], [b"x"])}),
        DeleteRangeEntry([K1], 0, 1),
        DeleteEntry([K2]),
        WriteEntry({K1: Values.booleans([9], [True])}),
    ]
    write_all(tmp_path, entries)
    assert replayed(tmp_path) == entries


def test_segments_roll_past_the_segment_size(tmp_path: Path) -> None:
    entry = WriteEntry({K1: Values.floats(range(10), [float(i) for i in range(10)])})
    frame_size = 5 + len(snappy.compress(encode_entry(entry)))
    ids = write_all(tmp_path, [entry] * 7, segment_size=2 * frame_size)
    # The size check comes before each entry and rolls only once the segment is *past* the size.
    assert ids == [1, 1, 1, 2, 2, 2, 3]
    assert sorted(os.listdir(tmp_path)) == ["_00001.wal", "_00002.wal", "_00003.wal"]
    assert replayed(tmp_path) == [entry] * 7


def test_open_continues_the_last_segment_and_drops_an_empty_one(tmp_path: Path) -> None:
    entry = WriteEntry({K1: Values.integers([1], [1])})
    write_all(tmp_path, [entry])
    assert write_all(tmp_path, [entry]) == [1]
    (tmp_path / "_00002.wal").touch()
    assert write_all(tmp_path, [entry]) == [3]  # the empty _00002 is removed, its id not reused
    assert sorted(os.listdir(tmp_path)) == ["_00001.wal", "_00003.wal"]
    assert replayed(tmp_path) == [entry] * 3


def test_segment_ids() -> None:
    assert segment_id("/x/_00042.wal") == 42
    assert segment_id("_123456.wal") == 123456
    for bad in ("_00001.wal.bak", "_abc.wal", "_.wal"):
        with pytest.raises(ValueError, match="wrong name format"):
            segment_id(bad)


def test_closed_segments_close_segment_and_remove(tmp_path: Path) -> None:
    entry = WriteEntry({K1: Values.integers([1], [1])})
    with WAL(str(tmp_path)) as wal:
        wal.close_segment()  # no segment yet: starts _00001
        assert [Path(p).name for p in wal.segments()] == ["_00001.wal"]
        wal.close_segment()  # still empty: nothing to do
        assert wal.write(entry.values) == 1
        wal.close_segment()
        assert wal.write(entry.values) == 2
        assert [Path(p).name for p in wal.closed_segments()] == ["_00001.wal"]
        first = (tmp_path / "_00001.wal").stat().st_size
        assert wal.statistics()["oldSegmentsDiskBytes"] == first
        wal.remove(wal.closed_segments())
        assert [Path(p).name for p in wal.segments()] == ["_00002.wal"]
        stats = wal.statistics()
        assert stats["oldSegmentsDiskBytes"] == 0 and stats["writeOk"] == 2 and stats["writeErr"] == 0
        assert stats["currentSegmentDiskBytes"] == (tmp_path / "_00002.wal").stat().st_size
    assert replayed(tmp_path) == [entry]


def test_write_after_close_is_refused(tmp_path: Path) -> None:
    wal = WAL(str(tmp_path))
    wal.open()
    wal.close()
    with pytest.raises(WALClosedError, match="^WAL closed$"):
        wal.write({K1: Values.floats([1], [1.0])})


def test_concurrent_writers_share_one_fsync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the first commit is stuck in fsync, everything submitted meanwhile lands in one later fsync."""
    real_fsync = os.fsync
    in_fsync, release = threading.Event(), threading.Event()
    file_syncs = []

    def fsync(fd: int) -> None:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            file_syncs.append(fd)
            if len(file_syncs) == 1:
                in_fsync.set()
                release.wait()
        real_fsync(fd)

    monkeypatch.setattr(walmod.os, "fsync", fsync)
    with WAL(str(tmp_path)) as wal:
        first = wal.submit(WriteEntry({K1: Values.integers([0], [0])}))
        assert in_fsync.wait(10)
        later = [wal.submit(WriteEntry({K1: Values.integers([i], [i])})) for i in range(1, 21)]
        assert not first.done() and not any(f.done() for f in later)
        release.set()
        assert [f.result(10) for f in [first, *later]] == [1] * 21
        assert len(file_syncs) == 2
    assert [e.values[K1].to_pairs() for e in replayed(tmp_path)] == [[(i, i)] for i in range(21)]


def test_threads_writing_at_once(tmp_path: Path) -> None:
    def writer(n: int) -> None:
        for i in range(25):
            wal.write({b"k%d" % n: Values.integers([i], [i])})

    with WAL(str(tmp_path), fsync_delay=0.001) as wal:
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    seen: dict[bytes, list[int]] = {}
    for entry in replayed(tmp_path):
        for key, vals in entry.values.items():
            seen.setdefault(key, []).extend(vals.times.tolist())
    assert seen == {b"k%d" % n: list(range(25)) for n in range(6)}


def test_write_error_reaches_the_writer_and_leaves_the_segment_readable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = WriteEntry({K1: Values.integers([1], [1])})
    real_write = os.write
    with WAL(str(tmp_path)) as wal:
        wal.write(entry.values)

        def failing_write(fd: int, data: bytes) -> int:
            real_write(fd, bytes(data)[:3])  # a partial frame, then the disk is full
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(walmod.os, "write", failing_write)
        with pytest.raises(OSError, match="error writing WAL entry: No space left on device"):
            wal.write(entry.values)
        monkeypatch.setattr(walmod.os, "write", real_write)
        wal.write(entry.values)
        assert wal.statistics()["writeErr"] == 1
    assert replayed(tmp_path) == [entry, entry]


def test_replay_truncates_a_corrupt_segment_and_goes_on(tmp_path: Path) -> None:
    e1, e2, e3 = (WriteEntry({K1: Values.integers([i], [i])}) for i in range(3))
    write_all(tmp_path, [e1, e2])
    with WAL(str(tmp_path)) as wal:
        wal.close_segment()
        wal.write(e3.values)
    first = tmp_path / "_00001.wal"
    good = first.stat().st_size
    with open(first, "ab") as f:
        f.write(b"\x01\x00\x00\x00\x03\xff\xff\xff")  # a block snappy cannot read
    with WAL(str(tmp_path)) as wal:
        assert list(wal.replay()) == [e1, e2, e3]
    assert first.stat().st_size == good
    assert replayed(tmp_path) == [e1, e2, e3]


@pytest.mark.parametrize("garbage", [b"\x01", b"\x00\x00\x00\x00\x00", b"\x07\x00\x00\x00\x01\x00",
                                     b"\x01\x00\x00\x00\x00"])
def test_unreadable_tails(tmp_path: Path, garbage: bytes) -> None:
    entry = WriteEntry({K1: Values.integers([1], [1])})
    write_all(tmp_path, [entry])
    seg = tmp_path / "_00001.wal"
    good = seg.stat().st_size
    with open(seg, "ab") as f:
        f.write(garbage)
    assert replayed(tmp_path) == [entry]
    assert seg.stat().st_size == good


def test_writes_after_a_truncating_replay_follow_the_good_entries(tmp_path: Path) -> None:
    e1, e2 = WriteEntry({K1: Values.integers([1], [1])}), WriteEntry({K1: Values.integers([2], [2])})
    write_all(tmp_path, [e1])
    with open(tmp_path / "_00001.wal", "ab") as f:
        f.write(b"\x01\x00\x00\x01\x00torn")
    with WAL(str(tmp_path)) as wal:
        assert list(wal.replay()) == [e1]
        assert wal.write(e2.values) == 1
    assert replayed(tmp_path) == [e1, e2]


entry_lists = st.lists(
    st.one_of(
        write_entries.map(WriteEntry),
        st.builds(DeleteRangeEntry, st.lists(keys, min_size=1, max_size=3), times, times),
        st.builds(DeleteEntry, st.lists(keys.filter(lambda k: b"\n" not in k), min_size=1, max_size=3)),
    ),
    min_size=1, max_size=6,
)


def _expected(entries: list) -> list:
    return [WriteEntry({k: v for k, v in e.values.items() if len(v)}) if isinstance(e, WriteEntry) else e
            for e in entries]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entry_lists, st.integers(50, 400))
def test_random_entries_round_trip(entries: list, segment_size: int) -> None:
    path = Path(tempfile.mkdtemp())
    try:
        write_all(path, entries, segment_size=segment_size)
        assert replayed(path) == _expected(entries)
    finally:
        shutil.rmtree(path)


@settings(max_examples=25, deadline=None)
@given(entry_lists, st.data())
def test_a_torn_tail_loses_only_the_torn_entry(entries: list, data: st.DataObject) -> None:
    """Cut the segment at any byte: replay returns exactly the entries that were whole before the cut."""
    path = Path(tempfile.mkdtemp())
    try:
        write_all(path, entries)
        seg = path / "_00001.wal"
        blob = seg.read_bytes()
        ends = []
        reader = SegmentReader(blob)
        for _ in reader:
            ends.append(reader.valid_size)
        assert ends[-1] == len(blob)
        cut = data.draw(st.integers(0, len(blob)))
        seg.write_bytes(blob[:cut])
        whole = sum(1 for end in ends if end <= cut)
        assert replayed(path) == _expected(entries)[:whole]
        pos = max([0] + [end for end in ends if end <= cut])
        # open() removes a segment left empty; otherwise the cut entry is truncated away
        assert (pos == 0 and not seg.exists()) or seg.stat().st_size == pos
    finally:
        shutil.rmtree(path)


def test_an_unexpected_writer_failure_reaches_the_caller(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with WAL(str(tmp_path)) as wal:
        def broken(batch: list) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(wal, "_commit", broken)
        with pytest.raises(RuntimeError, match="^boom$"):
            wal.write({K1: Values.integers([1], [1])})
        monkeypatch.undo()
        assert wal.write({K1: Values.integers([2], [2])}) == 1
