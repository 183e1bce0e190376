"""fields.idx: a shard's field set saved as influxd 1.6.7 saves it (magic + ``tsdb.MeasurementFieldSet``
protobuf), loaded on open so the fields of deleted points outlive a restart, rebuilt when unreadable."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import pytest

from chronus.models.points import parse
from chronus.tsdb.fields import (
    FIELDS_INDEX_MAGIC,
    FieldsIndexError,
    FieldType,
    MeasurementFieldSet,
)
from chronus.tsdb.index import DatabaseIndex
from chronus.tsdb.shard import EngineOptions, FieldSetSaveError, Shard
from tests.unit.query.test_delete_store import T0, Node

# {"cpu": {"v": float}}: MeasurementFieldSet{Measurements: [{Name: "cpu", Fields: [{Name: "v", Type: 1}]}]}
CPU_V = FIELDS_INDEX_MAGIC + bytes.fromhex("0a0c" "0a03637075" "1205" "0a0176" "1001")


def test_exact_bytes_of_a_small_set():
    fields = MeasurementFieldSet()
    fields.create("cpu", "v", FieldType.FLOAT)
    assert fields.encode() == CPU_V
    assert MeasurementFieldSet.decode(CPU_V).field_keys("cpu") == [("v", FieldType.FLOAT)]


def test_every_type_round_trips_with_influxql_type_numbers(tmp_path):
    path = str(tmp_path / "fields.idx")
    fields = MeasurementFieldSet(path)
    for name, kind in [("f", FieldType.FLOAT), ("i", FieldType.INTEGER), ("s", FieldType.STRING),
                       ("b", FieldType.BOOLEAN), ("u", FieldType.UNSIGNED)]:
        fields.create("m,with comma", name, kind)
    fields.create("other", "x", FieldType.STRING)
    fields.save()
    data = Path(path).read_bytes()
    # influxql.DataType numbers, not value type bytes: string 3, boolean 4, unsigned 9
    assert b"\x0a\x01s\x10\x03" in data and b"\x0a\x01b\x10\x04" in data and b"\x0a\x01u\x10\x09" in data
    loaded = MeasurementFieldSet.load(path)
    assert loaded.path == path
    for measurement in ("m,with comma", "other"):
        assert loaded.field_keys(measurement) == fields.field_keys(measurement)
    assert loaded.measurement_names() == ["m,with comma", "other"]
    assert not os.path.exists(path + ".tmp")


def test_unknown_types_are_skipped_and_an_empty_set_removes_the_file(tmp_path):
    # a Field with type 5 (time) next to a float: only the float is a field points can have
    message = bytes.fromhex("0a11" "0a01" "6d" "1205" "0a0174" "1005" "1205" "0a0176" "1001")
    loaded = MeasurementFieldSet.decode(FIELDS_INDEX_MAGIC + message)
    assert loaded.field_keys("m") == [("v", FieldType.FLOAT)]
    path = tmp_path / "fields.idx"
    path.write_bytes(CPU_V)
    MeasurementFieldSet(str(path)).save()
    assert not path.exists()
    MeasurementFieldSet(str(path)).save()  # nothing to remove: fine


@pytest.mark.parametrize(("data", "error"), [
    (b"", "EOF"),
    (b"\x00\x06\x01", "unknown field index format"),
    (b"\x00\x06\x01\x04" + CPU_V[4:], "unknown field index format"),
    (FIELDS_INDEX_MAGIC + b"\x0a\x7f\x0a", "proto: field 1 runs past the end of the message"),
])
def test_unreadable_files(tmp_path, data, error):
    path = tmp_path / "fields.idx"
    path.write_bytes(data)
    with pytest.raises(FieldsIndexError) as caught:
        MeasurementFieldSet.load(str(path))
    assert str(caught.value) == error
    assert MeasurementFieldSet.load(str(tmp_path / "missing")).measurement_names() == []


def test_a_name_that_is_not_utf8_is_refused_and_the_old_file_kept(tmp_path):
    path = tmp_path / "fields.idx"
    fields = MeasurementFieldSet(str(path))
    fields.create("cpu", "v", FieldType.FLOAT)
    fields.save()
    fields.create("cpu", b"\xff".decode("utf-8", "surrogateescape"), FieldType.FLOAT)
    with pytest.raises(FieldsIndexError, match='^proto: field "tsdb.Field.Name" contains invalid UTF-8$'):
        fields.save()
    assert path.read_bytes() == CPU_V


# -- the shard -----------------------------------------------------------------------------------------------

def make_shard(tmp_path: Path) -> Shard:
    shard = Shard(1, "db", "rp", str(tmp_path / "data"), str(tmp_path / "wal"), DatabaseIndex("db").shard(1),
                  EngineOptions(snapshot_check_interval_s=3600))
    shard.open()
    return shard


def write(shard: Shard, body: bytes) -> None:
    batch = parse(body, "n", 0)
    assert shard.write(batch, np.ones(len(batch), dtype=bool)) is None


def fields_of(shard: Shard) -> dict[str, dict[str, str]]:
    names = shard.fields.measurement_names()
    return {m: {n: k.type_name for n, k in shard.fields.field_keys(m)} for m in names}


def test_a_write_that_creates_fields_saves_them(tmp_path):
    shard = make_shard(tmp_path)
    idx = tmp_path / "data" / "fields.idx"
    assert not idx.exists()
    write(shard, b"cpu v=1 10")
    assert idx.read_bytes() == CPU_V
    before = os.stat(idx).st_mtime_ns
    write(shard, b"cpu v=2 20")  # no new field: not saved again
    assert os.stat(idx).st_mtime_ns == before
    bad = parse(b"cpu,host=a \xff=1 30", "n", 0)
    with pytest.raises(FieldSetSaveError, match='^proto: field "tsdb.Field.Name" contains invalid UTF-8$'):
        shard.write(bad, np.ones(len(bad), dtype=bool))
    assert idx.read_bytes() == CPU_V
    shard.close()


def test_fields_of_deleted_points_outlive_a_restart(tmp_path):
    shard = make_shard(tmp_path)
    write(shard, b"cpu,host=a v=1,idle=2i 10\ncpu,host=a v=2 20")
    shard.snapshot()
    shard.delete_series_range([b"cpu,host=a"], 0, 10)  # every idle point is gone
    shard.close()
    again = make_shard(tmp_path)
    assert fields_of(again) == {"cpu": {"idle": "integer", "v": "float"}}
    again.close()
    # Without the file the set is rebuilt from the data, which no longer has idle.
    os.remove(tmp_path / "data" / "fields.idx")
    rebuilt = make_shard(tmp_path)
    assert fields_of(rebuilt) == {"cpu": {"v": "float"}}
    assert MeasurementFieldSet.load(str(tmp_path / "data" / "fields.idx")).field_keys("cpu") == [
        ("v", FieldType.FLOAT)]  # saved again on open, as influxd's LoadMetadataIndex does
    rebuilt.close()


def test_an_unreadable_file_is_rebuilt_from_the_data(tmp_path, caplog):
    shard = make_shard(tmp_path)
    write(shard, b"cpu v=1 10")
    shard.close()
    (tmp_path / "data" / "fields.idx").write_bytes(b"junk")
    with caplog.at_level(logging.WARNING):
        again = make_shard(tmp_path)
    assert "error opening fields.idx: unknown field index format.  Rebuilding." in caplog.text
    assert fields_of(again) == {"cpu": {"v": "float"}}
    assert (tmp_path / "data" / "fields.idx").read_bytes() == CPU_V
    again.close()


def test_drop_measurement_saves_the_set(tmp_path):
    node = Node(tmp_path)
    try:
        node.meta.create_database("db")
        node.writer.write_lines("db", "", "", f"cpu v=1 {T0}\nmem free=2i {T0}".encode(), "n")
        (shard,) = node.store.shards()
        idx = Path(shard.path) / "fields.idx"
        assert MeasurementFieldSet.load(str(idx)).measurement_names() == ["cpu", "mem"]
        node.run("DROP MEASUREMENT cpu")
        assert MeasurementFieldSet.load(str(idx)).measurement_names() == ["mem"]
        node.run("DROP MEASUREMENT mem")
        assert not idx.exists()
        node.restart()
        assert node.store.shards()[0].fields.measurement_names() == []
    finally:
        node.store.close()


def test_influxds_file_loads_and_encodes_back_to_its_bytes():
    golden = Path(__file__).resolve().parents[2] / "golden" / "tsm" / "tombstone"
    data = (golden / "fields.idx").read_bytes()
    loaded = MeasurementFieldSet.decode(data)
    # Go writes its maps in random order; in the order read, our encoding is influxd's byte for byte.
    assert loaded.encode() == data
    answer = json.loads(json.loads((golden / "answers.json").read_text(encoding="utf-8"))["SHOW FIELD KEYS"])
    shown = {s["name"]: [tuple(v) for v in s["values"]] for s in answer["results"][0]["series"]}
    names = loaded.measurement_names()
    assert {m: [(n, k.type_name) for n, k in loaded.field_keys(m)] for m in names} == shown
    assert shown["mem"] == [("extra", "boolean"), ("free", "integer"), ("s", "string")]
