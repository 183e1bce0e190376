"""The shared in-memory series index: building, tag conditions, drops, and series-key escaping."""

from __future__ import annotations

import pytest

from chronus.influxql import parse_expr
from chronus.tsdb.index import ConditionError, DatabaseIndex, rebuild

KEYS = [
    "cpu,host=a,region=west",
    "cpu,host=b,region=east",
    "cpu,host=c",
    "disk,host=a,path=/var",
    "my\\ m,tag\\,k=v\\=1",
]


@pytest.fixture()
def index() -> DatabaseIndex:
    db = DatabaseIndex("db")
    db.shard(1).add_series(KEYS[:3])
    db.shard(2).add_series(KEYS[2:])
    return db


def keys_where(db: DatabaseIndex, name: str, condition: str) -> list[str]:
    ids = db.series_ids_by_expr(name, parse_expr(condition))
    return sorted(db.series_by_id[i].key for i in ids)


def test_adding_is_idempotent_and_shared(index: DatabaseIndex) -> None:
    ids = index.shard(2).add_series(KEYS)
    assert ids == index.create_series(KEYS)
    assert len(index.series_by_key) == len(KEYS)
    assert index.shard(1).series_count() == 3
    assert index.shard(2).series_count() == 5
    assert index.measurement_names() == ["cpu", "disk", "my m"]
    assert index.measurement("my m").tag_keys() == ["tag,k"]
    assert index.measurement("my m").tag_values("tag,k") == ["v=1"]


def test_tag_conditions(index: DatabaseIndex) -> None:
    assert keys_where(index, "cpu", "region = ''") == ["cpu,host=c"]
    assert keys_where(index, "cpu", "region != ''") == KEYS[:2]
    assert keys_where(index, "cpu", "region = 'west' OR host = 'c'") == [KEYS[0], "cpu,host=c"]
    assert keys_where(index, "cpu", "(host = 'a' OR host = 'b') AND region =~ /st$/") == KEYS[:2]
    assert keys_where(index, "cpu", "region =~ /^$|west/") == ["cpu,host=a,region=west", "cpu,host=c"]
    assert keys_where(index, "cpu", "region !~ /^$|west/") == ["cpu,host=b,region=east"]
    assert keys_where(index, "cpu", "host = region") == KEYS[:2]   # both tags present, values ignored
    assert keys_where(index, "cpu", "host = 1") == KEYS[:3]        # undecidable: every series
    assert keys_where(index, "cpu", "_name = 'disk'") == []


def test_measurement_names_by_condition(index: DatabaseIndex) -> None:
    assert index.measurement_names_by_expr(parse_expr("host = 'a'")) == ["cpu", "disk"]
    assert index.measurement_names_by_expr(parse_expr("host != 'b'")) == ["disk"]
    assert index.measurement_names_by_expr(parse_expr("_name =~ /^my/")) == ["my m"]
    with pytest.raises(ConditionError, match="invalid tag comparison operator"):
        index.measurement_names_by_expr(parse_expr("host > 'a'"))
    with pytest.raises(ConditionError, match="right side of '=' must be a tag value string"):
        index.measurement_names_by_expr(parse_expr("host = 1"))


def test_drop_series_and_measurement(index: DatabaseIndex) -> None:
    index.drop_series(index.series_ids_by_expr("cpu", parse_expr("host = 'c'")))
    assert "cpu,host=c" not in index.series_by_key
    assert index.shard(2).series_count() == 2
    assert index.measurement("cpu").tag_values("host") == ["a", "b"]
    index.drop_measurement("disk")
    assert index.measurement_names() == ["cpu", "my m"]
    assert index.measurement_cardinality_estimate() == 2
    index.drop_series(index.series_ids_by_expr("cpu", None))
    assert index.measurement_names() == ["my m"]


def test_removing_a_shard_keeps_shared_series(index: DatabaseIndex) -> None:
    index.remove_shard(1)
    assert sorted(index.series_by_key) == sorted(KEYS[2:])


def test_rebuild_from_shard_keys() -> None:
    db = DatabaseIndex("db")
    rebuild(db, {1: KEYS[:2], 2: KEYS[1:]})
    assert db.shard(1).series_count() == 2
    assert db.shard(2).series_count() == 4
    assert len(db.series_ids()) == 5


@pytest.mark.parametrize(("key", "name", "tags", "shown"), [
    ("cpu", "cpu", (), "cpu"),
    ("cpu,host=a", "cpu", (("host", "a"),), "cpu,host=a"),
    ("escape\\,m,k\\=ey=v\\,al", "escape,m", (("k=ey", "v,al"),), "escape\\,m,k\\=ey=v\\,al"),
    ("my\\ m,t\\ k=a\\ b", "my m", (("t k", "a b"),), "my\\ m,t\\ k=a\\ b"),
    ('q\\"m,t=1', 'q"m', (("t", "1"),), 'q"m,t=1'),
])
def test_series_names_tags_and_display_keys(key: str, name: str, tags: tuple, shown: str) -> None:
    db = DatabaseIndex("db")
    series = db.series_by_id[db.create_series([key])[0]]
    assert (series.name, series.tags, series.display_key) == (name, tags, shown)


def test_field_names_land_on_the_unescaped_measurement() -> None:
    """A point named ``c\\,pu`` (the line ``c\\\\,pu``) has the series key ``c\\,pu``, whose measurement is
    ``c,pu``; influxd's SetFieldName unescapes the point's name too, so no second measurement appears."""
    db = DatabaseIndex("db")
    db.shard(1).add_series(["c\\,pu"])
    db.set_field_names("c\\,pu", ("value",))
    assert db.measurement_names() == ["c,pu"]
    assert db.measurement("c,pu").field_names == {"value"}
