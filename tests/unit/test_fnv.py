import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chronus._ext import fnv
from tests.unit import fnv_reference

# Published FNV-1a test vectors (Landon Curt Noll's table).
KNOWN_64 = {
    b"": 0xCBF29CE484222325,
    b"a": 0xAF63DC4C8601EC8C,
    b"foobar": 0x85944171F73967E8,
}
KNOWN_32 = {
    b"": 0x811C9DC5,
    b"a": 0xE40C292C,
    b"foobar": 0xBF9CF968,
}


@pytest.mark.parametrize(("data", "expected"), sorted(KNOWN_64.items()))
def test_fnv64a_known_vectors(data: bytes, expected: int) -> None:
    assert fnv.fnv64a(data) == expected


@pytest.mark.parametrize(("data", "expected"), sorted(KNOWN_32.items()))
def test_fnv32a_known_vectors(data: bytes, expected: int) -> None:
    assert fnv.fnv32a(data) == expected


def test_accepts_any_contiguous_buffer() -> None:
    assert fnv.fnv64a(bytearray(b"foobar")) == KNOWN_64[b"foobar"]
    assert fnv.fnv64a(memoryview(b"xfoobar")[1:]) == KNOWN_64[b"foobar"]


@given(st.binary(max_size=300))
def test_matches_reference(data: bytes) -> None:
    assert fnv.fnv64a(data) == fnv_reference.fnv64a(data)
    assert fnv.fnv32a(data) == fnv_reference.fnv32a(data)


@given(st.lists(st.binary(max_size=40), max_size=30))
def test_spans_hash_each_key(keys: list[bytes]) -> None:
    offsets = np.cumsum([0] + [len(k) for k in keys], dtype=np.int64)
    hashes = fnv.fnv64a_spans(b"".join(keys), offsets)
    assert hashes.dtype == np.uint64
    assert hashes.tolist() == [fnv_reference.fnv64a(k) for k in keys]


def test_spans_reject_out_of_range_offsets() -> None:
    with pytest.raises(ValueError, match=r"span 0 \[0:5\] is outside a buffer of 3 bytes"):
        fnv.fnv64a_spans(b"abc", np.array([0, 5], dtype=np.int64))
