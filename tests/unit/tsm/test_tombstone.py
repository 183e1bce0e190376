"""Tombstones: influxd's four file formats read, v4 written and appended crash-safely, and a reader that hides
what they delete exactly as influxd's index does -- the same after a reopen."""

from __future__ import annotations

import gzip
import json
import os
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronus.tsdb.tsm import tombstone as ts
from chronus.tsdb.tsm.filestore import FileStore, format_file_name
from chronus.tsdb.tsm.reader import CorruptTSMError, TSMReader
from chronus.tsdb.tsm.writer import write_tsm_file
from chronus.tsdb.values import MAX_TIME, MIN_TIME, Values

ENTRIES = [(b"cpu,host=a#!~#v", 10, 20), (b"m#!~#f", MIN_TIME, MAX_TIME), (b"", -5, -5)]


def floats(times, vals=None) -> Values:
    times = list(times)
    return Values.floats(times, [float(t) for t in times] if vals is None else vals)


def make_file(directory, items, block=1000) -> str:
    path = os.path.join(str(directory), format_file_name(1, 1))
    write_tsm_file(path, items, max_points_per_block=block)
    return path


# -- the file formats ----------------------------------------------------------------------------------------

def test_tombstone_path_replaces_the_extension():
    assert ts.tombstone_path("/d/000000001-000000002.tsm") == "/d/000000001-000000002.tombstone"
    assert ts.tombstone_path("/d/000000001-000000002.tombstone") == "/d/000000001-000000002.tombstone"


def test_v4_round_trip_appends_one_member_per_batch(tmp_path):
    path = str(tmp_path / "x.tombstone")
    ts.append_tombstones(path, [])
    assert not os.path.exists(path)  # nothing to record: no file
    ts.append_tombstones(path, ENTRIES[:2])
    first = Path(path).read_bytes()
    assert first[:4] == b"\x00\x00\x15\x04"
    ts.append_tombstones(path, ENTRIES[2:])
    second = Path(path).read_bytes()
    assert second.startswith(first)  # the old members are kept byte for byte
    assert ts.read_tombstones(path) == ENTRIES
    # Exactly the entry layout of tombstone.go: 4-byte key length, key, min, max (big-endian), per member.
    members = second[4:]
    one = gzip.decompress(members[:len(first) - 4])
    assert one == (struct.pack(">I", 15) + b"cpu,host=a#!~#v" + struct.pack(">qq", 10, 20)
                   + struct.pack(">I", 6) + b"m#!~#f" + struct.pack(">qq", MIN_TIME, MAX_TIME))
    assert not os.path.exists(path + ".tmp")


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_every_version_is_read(tmp_path, version):
    path = str(tmp_path / "x.tombstone")
    if version == 1:
        data = ts.encode_v1([b"a#!~#v", b"b#!~#v"]) + b"\n"  # blank lines are skipped
        expected = [(b"a#!~#v", MIN_TIME, MAX_TIME), (b"b#!~#v", MIN_TIME, MAX_TIME)]
    else:
        encode = {2: ts.encode_v2, 3: ts.encode_v3, 4: ts.encode_v4}[version]
        data, expected = encode(ENTRIES), ENTRIES
    with open(path, "wb") as f:
        f.write(data)
    assert ts.file_version(data) == version
    assert ts.read_tombstones(path) == expected


def test_degenerate_files():
    assert ts.parse_tombstones(b"") == []  # influxd's old bug left empty files: an empty v1
    assert ts.parse_tombstones(b"\x00\x00\x15\x04") == []  # a v4 header alone
    # a member whose last entry stops inside a key length ends there, as influxd's reader does
    cut = gzip.compress(ts.encode_entries(ENTRIES[:1]) + b"\x00\x00")
    assert ts.parse_tombstones(b"\x00\x00\x15\x04" + cut) == ENTRIES[:1]
    with pytest.raises(ts.TombstoneError):
        ts.parse_tombstones(b"\x00\x00\x15\x04" + gzip.compress(ts.encode_entries(ENTRIES[:1])[:-3]))
    with pytest.raises(ts.TombstoneError):
        ts.parse_tombstones(b"\x00\x00\x15\x04not gzip at all")
    with pytest.raises(ts.TombstoneError):
        ts.parse_tombstones(b"\x00\x00\x15\x04" + gzip.compress(b"x" * 40)[:-5])  # a member cut short
    with pytest.raises(ts.TombstoneError):
        ts.parse_tombstones(ts.encode_v2(ENTRIES)[:-1])


@pytest.mark.parametrize("old", ["v1", "v2", "v3", "empty"])
def test_appending_to_an_older_file_rewrites_it_as_v4_keeping_its_entries(tmp_path, old):
    path = str(tmp_path / "x.tombstone")
    data = {"v1": ts.encode_v1([b"k"]), "v2": ts.encode_v2([(b"k", 1, 2)]),
            "v3": ts.encode_v3([(b"k", 1, 2)]), "empty": b""}[old]
    with open(path, "wb") as f:
        f.write(data)
    before = ts.read_tombstones(path)
    ts.append_tombstones(path, [(b"new", 5, 6)])
    assert ts.file_version(Path(path).read_bytes()) == 4
    assert ts.read_tombstones(path) == [*before, (b"new", 5, 6)]


def test_a_failed_write_leaves_the_old_tombstone(tmp_path, monkeypatch):
    path = str(tmp_path / "x.tombstone")
    ts.append_tombstones(path, ENTRIES[:1])
    old = Path(path).read_bytes()

    def no_fsync(fd):
        raise OSError("disk gone")

    monkeypatch.setattr(ts.os, "fsync", no_fsync)
    with pytest.raises(OSError, match="disk gone"):
        ts.append_tombstones(path, ENTRIES[1:])
    assert Path(path).read_bytes() == old
    assert not os.path.exists(path + ".tmp")


def test_a_crash_before_the_rename_leaves_the_old_tombstone_and_open_cleans_up(tmp_path):
    tsm = make_file(tmp_path, [(b"a", floats([1, 2, 3])), (b"b", floats([1]))])
    reader = TSMReader(tsm)
    reader.delete_range([b"a"], 1, 1)
    reader.close()
    # The next delete got as far as its temporary copy when the process died.
    with open(ts.tombstone_path(tsm) + ".tmp", "wb") as f:
        f.write(Path(ts.tombstone_path(tsm)).read_bytes() + b"\x1f\x8b half a member")
    store = FileStore(str(tmp_path))
    store.open()
    assert sorted(os.listdir(tmp_path)) == ["000000001-000000001.tombstone", "000000001-000000001.tsm"]
    assert store.read(b"a") == [floats([2, 3])]
    store.close()


def test_an_unreadable_tombstone_refuses_its_file(tmp_path):
    tsm = make_file(tmp_path, [(b"a", floats([1, 2]))])
    with open(ts.tombstone_path(tsm), "wb") as f:
        f.write(b"\x00\x00\x15\x04garbage")
    with pytest.raises(CorruptTSMError, match="^init: read tombstones: "):
        TSMReader(tsm)
    store = FileStore(str(tmp_path))
    store.open()  # renamed aside, like any file that cannot be read
    assert store.files() == []
    assert os.path.exists(tsm + ".bad")
    store.close()


# -- the reader ----------------------------------------------------------------------------------------------

@pytest.fixture()
def three_keys(tmp_path):
    path = make_file(tmp_path, [(b"a", floats(range(0, 100))), (b"b", floats(range(50, 60))),
                                (b"c", Values.strings([5, 6], [b"x", b"y"]))], block=10)
    reader = TSMReader(path)
    yield reader
    reader.close()


def test_whole_time_delete_removes_the_key(three_keys):
    reader = three_keys
    reader.delete_range([b"b", b"nope"], MIN_TIME, MAX_TIME)
    assert reader.keys() == [b"a", b"c"]
    assert [k for k, _ in reader.key_types()] == [b"a", b"c"]
    assert not reader.contains(b"b") and reader.type(b"b") is None
    assert reader.read(b"b") is None and reader.entries(b"b") == []
    assert [k for k, _ in reader.items()] == [b"a", b"c"]
    assert ts.read_tombstones(reader.tombstone_path) == [(b"b", MIN_TIME, MAX_TIME)]  # only keys it holds
    assert reader.has_tombstones()


def test_a_range_covering_the_key_removes_it_a_partial_one_is_cut_out(three_keys):
    reader = three_keys
    reader.delete_range([b"b"], 40, 59)
    assert reader.keys() == [b"a", b"c"]
    reader.delete_range([b"a"], 10, 19)
    assert reader.keys() == [b"a", b"c"]
    assert reader.read(b"a") == floats([*range(0, 10), *range(20, 100)])
    assert reader.read(b"a", 5, 25) == floats([5, 6, 7, 8, 9, 20, 21, 22, 23, 24, 25])
    assert reader.read(b"a", 12, 18) is None
    assert reader.tombstone_ranges(b"a") == [(10, 19)]
    assert len(reader.entries(b"a")) == 10  # the index entries stay whole, as influxd's
    assert reader.time_range() == (0, 99)


def test_ranges_must_touch_or_overlap_the_one_before_to_remove_a_key(three_keys):
    reader = three_keys
    reader.delete_range([b"a"], 0, 10)
    reader.delete_range([b"a"], 90, 99)
    reader.delete_range([b"a"], 20, 50)
    assert reader.read(b"a") == floats([*range(11, 20), *range(51, 90)])
    reader.delete_range([b"a"], 11, 19)  # 0-10, 11-19, 20-50 touch; 51-89 is still there
    assert reader.read(b"a") == floats(range(51, 90))
    assert reader.keys() == [b"a", b"b", b"c"]
    reader.delete_range([b"a"], 45, 95)  # now they chain from 0 to 99: the key goes
    assert reader.keys() == [b"b", b"c"]


def test_the_chain_is_checked_pairwise_not_against_the_union(three_keys):
    # influxd compares each sorted range with the one just before it: [0,99] then [5,6] then [50,60] has a gap
    # between 6 and 50 although [0,99] covers it -- but [0,99] alone covers the key anyway. Use ranges that
    # only cover together: [0,60], [1,2], [61,99] -- [1,2] and [61,99] neither touch nor overlap.
    reader = three_keys
    reader.delete_range([b"a"], 1, 2)
    reader.delete_range([b"a"], 61, 99)
    reader.delete_range([b"a"], MIN_TIME + 1, 60)
    assert reader.read(b"a") is None
    assert reader.keys() == [b"a", b"b", b"c"]  # no points, but still listed, as in influxd


def test_deletes_outside_the_file_or_the_key_write_nothing(three_keys):
    reader = three_keys
    reader.delete_range([b"a"], 100, 200)  # after the file's last time
    reader.delete_range([b"zzz"], 0, 10)  # a key it does not hold
    reader.delete_range([], 0, 10)
    assert not os.path.exists(reader.tombstone_path) and not reader.has_tombstones()
    reader.delete_range([b"b"], 0, 10)  # in the file's range, not the key's: recorded, but changes nothing
    assert ts.read_tombstones(reader.tombstone_path) == [(b"b", 0, 10)]
    assert reader.read(b"b") == floats(range(50, 60)) and reader.tombstone_ranges(b"b") == []


def test_reopen_sees_the_same(three_keys):
    reader = three_keys
    reader.delete_range([b"a", b"c"], 5, 5)
    reader.delete_range([b"b"], MIN_TIME, MAX_TIME)
    reader.delete_range([b"a"], 0, 4)
    again = TSMReader(reader.path)
    try:
        assert again.keys() == reader.keys() == [b"a", b"c"]
        for key in (b"a", b"b", b"c"):
            assert again.read(key) == reader.read(key)
            assert again.tombstone_ranges(key) == reader.tombstone_ranges(key)
        assert reader.read(b"c") == Values.strings([6], [b"y"])
    finally:
        again.close()


# -- property: tombstones delete what deleting from the arrays deletes ---------------------------------------

KEYS = [b"k0", b"k1", b"k2"]
small = st.integers(min_value=-2, max_value=17)
bound = st.one_of(small, st.sampled_from([MIN_TIME, MAX_TIME]))


@st.composite
def deletes(draw):
    keys = draw(st.lists(st.sampled_from([*KEYS, b"other"]), min_size=1, max_size=4))
    lo, hi = draw(bound), draw(bound)
    return keys, min(lo, hi), max(lo, hi)


@settings(max_examples=200, deadline=None)
@given(
    contents=st.lists(st.sets(st.integers(min_value=0, max_value=15), min_size=1, max_size=12),
                      min_size=len(KEYS), max_size=len(KEYS)),
    block=st.integers(min_value=1, max_value=8),
    ops=st.lists(deletes(), min_size=1, max_size=10),
    reopen_every=st.integers(min_value=1, max_value=9),
)
def test_tombstones_delete_exactly_what_the_arrays_lose(contents, block, ops, reopen_every):
    model = {key: floats(sorted(times)) for key, times in zip(KEYS, contents, strict=True)}
    with tempfile.TemporaryDirectory() as directory:
        path = make_file(directory, sorted(model.items()), block=block)
        reader = TSMReader(path)
        try:
            for step, (keys, tmin, tmax) in enumerate(ops, 1):
                reader.delete_range(keys, tmin, tmax)
                for key in set(keys) & set(model):
                    model[key] = model[key].exclude(tmin, tmax)
                if step % reopen_every == 0:
                    listed = reader.keys()
                    reader.close()
                    reader = TSMReader(path)
                    assert reader.keys() == listed
                left = {key: values for key, values in model.items() if len(values)}
                for key in KEYS:
                    assert reader.read(key) == left.get(key), (key, step)
                    want = left[key].include(4, 11) if key in left else None
                    assert reader.read(key, 4, 11) == (want if want is not None and len(want) else None)
                assert dict(reader.items()) == left
                assert set(left) <= set(reader.keys())  # a key with points is always listed
            again = TSMReader(path)
            try:
                assert again.keys() == reader.keys()
                assert dict(again.items()) == left
            finally:
                again.close()
        finally:
            reader.close()


def test_read_never_decodes_a_block_wholly_deleted(three_keys, monkeypatch):
    from chronus.tsdb.tsm import reader as reader_module

    decoded = []
    real = reader_module.decode_block
    monkeypatch.setattr(reader_module, "decode_block", lambda data: decoded.append(1) or real(data))
    three_keys.delete_range([b"a"], 10, 39)  # blocks 10-19, 20-29, 30-39
    assert three_keys.read(b"a") == floats([*range(0, 10), *range(40, 100)])
    assert len(decoded) == 7
    assert np.array_equal(three_keys.read(b"a", 35, 45).times, np.arange(40, 46))


# -- influxd's own files (tools/record_tombstone.py) ---------------------------------------------------------

INFLUXD = Path(__file__).resolve().parents[2] / "golden" / "tsm" / "tombstone"


def _points_of_answer(body: str) -> set[tuple[str, str, int, object]]:
    """``(series key, field, time, value)`` of each non-null value of a ``SELECT * ... GROUP BY *`` answer."""
    out = set()
    for series in json.loads(body)["results"][0].get("series", []):
        key = ",".join([series["name"], *(f"{k}={v}" for k, v in sorted(series["tags"].items()))])
        for row in series["values"]:
            for column, value in zip(series["columns"][1:], row[1:], strict=True):
                if value is not None:
                    out.add((key, column, row[0], value))
    return out


def test_influxds_tombstone_applies_as_influxd_answered(tmp_path):
    data = (INFLUXD / "000000001-000000001.tombstone").read_bytes()
    assert ts.file_version(data) == 4
    assert len(ts.parse_tombstones(data)) == 12  # six DELETE / DROP batches: six gzip members
    for name in ("000000001-000000001.tsm", "000000001-000000001.tombstone"):
        (tmp_path / name).write_bytes((INFLUXD / name).read_bytes())
    answers = json.loads((INFLUXD / "answers.json").read_text(encoding="utf-8"))
    reader = TSMReader(str(tmp_path / "000000001-000000001.tsm"))
    try:
        ours = set()
        for key, values in reader.items():
            series, _, field = key.decode().partition("#!~#")
            for time, value in values.to_pairs():
                ours.add((series, field, time, value.decode() if isinstance(value, bytes) else value))
        theirs = set().union(*(_points_of_answer(answers[f"SELECT * FROM {m} GROUP BY *"])
                               for m in ("cpu", "mem", "disk")))
        assert ours == theirs and len(ours) == 2 * (30 - 12) + 2 * 20 + 2 * 2
        # Whole keys gone -- including cpu,host=c, deleted over exactly its time range -- as SHOW SERIES says.
        shown = {row[0] for row in json.loads(answers["SHOW SERIES"])["results"][0]["series"][0]["values"]}
        assert {key.partition(b"#!~#")[0].decode() for key in reader.keys()} == shown  # noqa: SIM118
        assert reader.tombstone_ranges(b"cpu,host=a#!~#v") == [(1010 * 10**9, 1015 * 10**9),
                                                                (1020 * 10**9, 1025 * 10**9)]
        # We append to influxd's file: its bytes stay, ours follow as one more member.
        reader.delete_range([b"cpu,host=a#!~#v"], 1000 * 10**9, 1000 * 10**9)
        after = Path(reader.tombstone_path).read_bytes()
        assert after.startswith(data)
        assert ts.parse_tombstones(after)[-1] == (b"cpu,host=a#!~#v", 10**12, 10**12)
    finally:
        reader.close()
    again = TSMReader(str(tmp_path / "000000001-000000001.tsm"))
    try:
        assert again.read(b"cpu,host=a#!~#v").times[0] == 1001 * 10**9
    finally:
        again.close()
