"""``_ext/serieskeys``: the bulk key splitting gives what ``models.points`` gives key by key."""

from __future__ import annotations

import random

from chronus._ext import serieskeys
from chronus.models.points import split_series_key

TRICKY = [b"c\\,pu,t=1", b"c\\\\,pu,t=1", b"cpu,host=a,region=b", b"cpu", b"", b",a=b",
          b"c\\,pu,h\\ o=x\\=y,z", b"cpu,a==b,c=", b"m\\ x\\\\,t=1", b"\xff\xfe,t=\xc3", b"cpu,x",
          b"a\\", b"\\,", b"cpu,t=#!~#"]


def _decoded(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _random_keys(n: int) -> list[bytes]:
    rng = random.Random(7)
    alphabet = b"ab,=\\ #!~\xc3"
    return [bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 12))) for _ in range(n)]


def test_split_series_keys_matches_split_series_key() -> None:
    keys = TRICKY + _random_keys(3000)
    expected = []
    for key in keys:
        name, tags = split_series_key(key)
        expected.append((_decoded(name), tuple((_decoded(k), _decoded(v)) for k, v in tags)))
    assert serieskeys.split_series_keys(keys) == expected


def test_split_field_keys_keeps_first_seen_order_and_types() -> None:
    keys = [key + b"#!~#f" for key in TRICKY] + [b"cpu,host=a#!~#g", b"cpu#!~#x#!~#y", b"nosep", b"cpu#!~#f"]
    types = [1] * len(keys)
    types[3] = None
    types[-1] = 2
    series, fields = serieskeys.split_field_keys(keys, types)
    expected_series, expected_fields = [], []
    for key, vtype in zip(keys, types, strict=True):
        series_key, _, field = key.partition(b"#!~#")
        if series_key not in expected_series:
            expected_series.append(series_key)
        if vtype is None:
            continue
        entry = (_decoded(split_series_key(series_key)[0]), _decoded(field), vtype)
        if entry not in expected_fields:
            expected_fields.append(entry)
    assert series == expected_series
    assert fields == expected_fields
    # a type conflict is the caller's to decide
    assert ("cpu", "f", 1) in fields and ("cpu", "f", 2) in fields
