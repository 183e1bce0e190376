"""WAL interoperability with influxd 1.6.7, against the goldens of ``tools/record_wal.py``.

* ``influxd/``: segments influxd wrote; decoded and replayed by Chronus they must hold exactly what influxd
  answered to ``SELECT * ... GROUP BY *``.
* ``chronus/``: segments Chronus wrote (with a torn last entry); influxd replayed them, answered with our
  points and truncated the torn entry. Chronus's replay must truncate to the same sizes and hold the same
  points, and today's code must still write the same entries into the same segments.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import snappy

from chronus.tsdb.cache import Cache
from chronus.tsdb.values import Values, ValueType
from chronus.tsdb.wal import HEADER, WAL

REPO = Path(__file__).resolve().parents[3]
GOLDEN = REPO / "tests" / "golden" / "wal"


def load_recorder():
    spec = importlib.util.spec_from_file_location("record_wal", REPO / "tools" / "record_wal.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def escape(text: str, chars: str) -> bytes:
    for ch in chars:
        text = text.replace(ch, "\\" + ch)
    return text.encode()


def series_key(name: str, tags: dict[str, str]) -> bytes:
    key = escape(name, ", ")
    for tag in sorted(tags):
        key += b"," + escape(tag, ",= ") + b"=" + escape(tags[tag], ",= ")
    return key


def answered_points(answers: dict) -> dict[bytes, list]:
    """key -> [(time, value)] from influxd's SELECT * GROUP BY * answers (nulls are absent points)."""
    points: dict[bytes, list] = {}
    for answer in answers.values():
        for series in answer["results"][0].get("series", []):
            base = series_key(series["name"], series.get("tags", {}))
            for i, column in enumerate(series["columns"][1:], start=1):
                got = [(row[0], row[i]) for row in series["values"] if row[i] is not None]
                if got:
                    points[base + b"#!~#" + column.encode()] = got
    return points


def cached_points(cache: Cache) -> dict[bytes, list]:
    """key -> [(time, value)] in the JSON form influxd answers with (strings as text, exact types)."""
    out = {}
    for key, vals in cache.items():
        pairs = vals.to_pairs()
        if vals.type is ValueType.STRING:
            pairs = [(t, v.decode()) for t, v in pairs]
        out[key] = pairs
    return out


def assert_same_points(cached: dict, answered: dict, cache: Cache) -> None:
    assert sorted(cached) == sorted(answered)
    for key, expected in answered.items():
        got = cached[key]
        assert [t for t, _ in got] == [t for t, _ in expected], key
        vtype = cache.type(key)
        for (_, mine), (_, theirs) in zip(got, expected, strict=True):
            if vtype is ValueType.BOOLEAN:
                assert isinstance(theirs, bool) and mine is theirs, key
            elif vtype is ValueType.FLOAT:
                assert isinstance(theirs, (int, float)) and mine == float(theirs), key
            else:
                assert type(theirs) is type(mine) and mine == theirs, key


def replay_into_cache(directory: Path) -> Cache:
    cache = Cache()
    with WAL(str(directory)) as wal:
        cache.load(wal.replay())
    return cache


def frames(blob: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos < len(blob):
        entry_type, length = HEADER.unpack_from(blob, pos)
        out.append((entry_type, snappy.uncompress(blob[pos + 5:pos + 5 + length])))
        pos += 5 + length
    return out


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path / "wal"


def test_influxd_segments_replay_to_what_influxd_answers(workdir: Path) -> None:
    golden = json.loads((GOLDEN / "influxd.json").read_text())
    shutil.copytree(GOLDEN / "influxd", workdir)
    cache = replay_into_cache(workdir)
    assert_same_points(cached_points(cache), answered_points(golden["answers"]), cache)
    for segment in (GOLDEN / "influxd").iterdir():  # nothing was corrupt, nothing truncated
        assert (workdir / segment.name).read_bytes() == segment.read_bytes()


def test_influxd_segments_hold_the_expected_entries(workdir: Path) -> None:
    shutil.copytree(GOLDEN / "influxd", workdir)
    with WAL(str(workdir)) as wal:
        entries = list(wal.replay())
    kinds = [type(e).__name__ for e in entries]
    steps = json.loads((GOLDEN / "influxd.json").read_text())["steps"]
    # one write entry per write request; DELETE and DROP SERIES each log one delete-range entry
    assert kinds == ["WriteEntry" if kind == "write" else "DeleteRangeEntry" for kind, _ in steps]
    assert entries[5].values == {
        b"m\\,x\\ y,t\\=k=v\\,w#!~#f z": Values.integers([1_600_000_000_000_000_000], [1]),
        b"m\\,x\\ y,t\\=k=v\\,w#!~#f,y": Values.integers([1_600_000_000_000_000_000], [2]),
    }
    # DELETE ... WHERE time < t: [MinInt64, t - 1]; DROP SERIES: the whole int64 range
    assert (entries[6].min, entries[6].max) == (-(1 << 63), 1_600_000_000_000_000_004)
    assert sorted(entries[6].keys) == [b"status,host=a#!~#ok", b"status,host=a#!~#up"]
    assert (entries[8].min, entries[8].max) == (-(1 << 63), (1 << 63) - 1)


def test_chronus_segments_replay_like_influxd_replayed_them(workdir: Path) -> None:
    golden = json.loads((GOLDEN / "chronus.json").read_text())
    shutil.copytree(GOLDEN / "chronus", workdir)
    cache = replay_into_cache(workdir)
    sizes = {p.name: p.stat().st_size for p in workdir.iterdir()}
    assert sizes == golden["sizes_after_influxd_replay"]
    assert_same_points(cached_points(cache), answered_points(golden["answers"]), cache)


def test_chronus_still_writes_the_recorded_segments(tmp_path: Path) -> None:
    recorder = load_recorder()
    names = recorder.write_chronus_wal(tmp_path)
    assert names == sorted(p.name for p in (GOLDEN / "chronus").iterdir())
    for name in names:
        mine, recorded = (tmp_path / name).read_bytes(), (GOLDEN / "chronus" / name).read_bytes()
        cut = len(recorder.TORN_TAIL) if name == names[-1] else 0
        assert frames(mine[:len(mine) - cut]) == frames(recorded[:len(recorded) - cut])
