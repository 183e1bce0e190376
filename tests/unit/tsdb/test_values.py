import numpy as np
import pytest
from hypothesis import given

from chronus.tsdb.values import MAX_TIME, MIN_TIME, Values, ValueType
from tests.unit.tsdb.strategies import small_times, value_types, values_of


def test_size_counts_like_influxdb() -> None:
    assert Values.floats([1, 2], [1.0, 2.0]).size() == 32
    assert Values.integers([1], [1]).size() == 16
    assert Values.unsigneds([1], [1]).size() == 16
    assert Values.booleans([1, 2, 3], [True, False, True]).size() == 27
    assert Values.strings([1, 2], [b"abc", b""]).size() == 8 + 3 + 8


def test_type_names_are_influxql_names() -> None:
    names = [t.type_name for t in ValueType]
    assert names == ["float", "integer", "boolean", "string", "unsigned"]


def test_constructor_checks_lengths_and_dtypes() -> None:
    with pytest.raises(ValueError, match="2 times but 1 values"):
        Values.floats([1, 2], [1.0])
    v = Values.integers([1], [7])
    assert v.values.dtype == np.int64 and v.times.dtype == np.int64


def test_deduplicate_sorts_and_keeps_the_last_write() -> None:
    v = Values.floats([5, 1, 5, 3, 1], [1.0, 2.0, 3.0, 4.0, 5.0])
    assert v.deduplicated().to_pairs() == [(1, 5.0), (3, 4.0), (5, 3.0)]
    s = Values.strings([2, 2, 1], [b"a", b"b", b"c"])
    assert s.deduplicated().to_pairs() == [(1, b"c"), (2, b"b")]


def test_include_and_exclude_are_inclusive() -> None:
    v = Values.integers([1, 2, 3, 4, 5], [10, 20, 30, 40, 50])
    assert v.include(2, 4).to_pairs() == [(2, 20), (3, 30), (4, 40)]
    assert v.exclude(2, 4).to_pairs() == [(1, 10), (5, 50)]
    assert v.include(MIN_TIME, MAX_TIME) is v
    assert v.exclude(6, 9) is v
    assert len(v.include(4, 2)) == 0


def test_equality_compares_float_bits() -> None:
    assert Values.floats([1], [float("nan")]) == Values.floats([1], [float("nan")])
    assert Values.floats([1], [0.0]) != Values.floats([1], [-0.0])
    assert Values.integers([1], [1]) != Values.unsigneds([1], [1])


@given(value_types.flatmap(lambda t: values_of(t, small_times, max_size=30)))
def test_deduplicated_matches_a_dict_model(v: Values) -> None:
    model: dict[int, object] = {}
    for t, x in v.to_pairs():
        model[t] = x  # the later write wins
    expected = Values(v.type, sorted(model), [model[t] for t in sorted(model)])
    assert v.deduplicated() == expected
