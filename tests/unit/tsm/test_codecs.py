"""The TSM block codecs: exact bytes for shapes worked out by hand from influxd's rules, and Hypothesis
round trips where the Cython codecs must produce the reference's bytes and decode to the input bit for bit."""

from __future__ import annotations

import struct
import threading

import numpy as np
import pytest
import snappy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronus._ext import tsmcodec as c
from chronus.tsdb.tsm import block
from chronus.tsdb.values import Values, ValueType
from tests.unit.tsm import reference_codecs as ref

I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1
SECOND = 1_000_000_000
BASE = 1_600_000_000 * SECOND


def i64(values) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def be(*words: int) -> bytes:
    return b"".join(struct.pack(">Q", w & ((1 << 64) - 1)) for w in words)


# -- timestamps -----------------------------------------------------------------------------------------
class TestTimestamps:
    def test_single_time_keeps_the_initial_divisor(self):
        assert c.encode_timestamps(i64([BASE + 123])) == b"\x1c" + be(BASE + 123)

    def test_equal_deltas_are_run_length_encoded_scaled(self):
        times = i64([BASE + i * 10 * SECOND for i in range(100)])
        assert c.encode_timestamps(times) == b"\x2a" + be(BASE) + bytes([1, 100])

    def test_two_times_are_rle(self):
        assert c.encode_timestamps(i64([5, 12])) == b"\x20" + be(5) + bytes([7, 2])

    def test_all_equal_times_rle_with_delta_zero(self):
        assert c.encode_timestamps(i64([9, 9, 9])) == b"\x2c" + be(9) + bytes([0, 3])

    def test_divisor_stops_at_1e12(self):
        data = c.encode_timestamps(i64([0, 10**13, 3 * 10**13]))
        assert data == b"\x1c" + be(0) + be((14 << 60) | 10 | (20 << 30))

    def test_irregular_deltas_simple8b(self):
        data = c.encode_timestamps(i64([100, 101, 103, 106]))
        assert data == b"\x10" + be(100) + be((13 << 60) | 1 | (2 << 20) | (3 << 40))

    def test_delta_over_2_60_is_raw_even_if_divisible(self):
        big = 2 * 10**18   # > 2^60 - 1 before dividing by 1e12
        data = c.encode_timestamps(i64([0, big, big + 10**12 * 5]))
        assert data == b"\x00" + be(0) + be(big) + be(5 * 10**12)
        assert c.decode_timestamps(data).tolist() == [0, big, big + 5 * 10**12]

    def test_simple8b_window_is_240_values(self):
        # 300 deltas of 1 then a 2: the streaming encoder sees 240 ones (one selector-0 word), EncodeAll would
        # not (it requires every remaining value to be 1).
        deltas = [1] * 300 + [2]
        times = i64(np.cumsum([0, *deltas]))
        data = c.encode_timestamps(times)
        words = ref.bytes_words(data[9:])
        assert words[0] == 0
        assert data == ref.encode_timestamps(times.tolist())
        assert c.simple8b_encode(np.array(deltas, np.uint64), 240) == ref.words_bytes(words)
        assert ref.s8b_encode_all(deltas)[0] >> 60 == 2

    def test_empty(self):
        assert c.encode_timestamps(i64([])) == b""
        assert c.decode_timestamps(b"").tolist() == []
        assert c.count_timestamps(b"") == 0

    def test_count_without_decoding(self):
        for times in ([BASE], [1, 2, 3], [0, 5, 7, 100], list(range(0, 5000, 5))):
            assert c.count_timestamps(c.encode_timestamps(i64(times))) == len(times)

    def test_unknown_encoding(self):
        with pytest.raises(c.CorruptBlockError, match="unknown encoding"):
            c.decode_timestamps(b"\x30" + be(1))


# -- integers -------------------------------------------------------------------------------------------
class TestIntegers:
    def test_rle_needs_three_values_and_equal_deltas(self):
        assert c.encode_integers(i64([7, 7, 7])) == b"\x20" + be(14) + bytes([0, 2])
        assert c.encode_integers(i64([-40, -35, -30, -25])) == b"\x20" + be(79) + bytes([10, 3])
        assert c.encode_integers(i64([3, -3])) == b"\x10" + be(6) + be((15 << 60) | 11)

    def test_single_value(self):
        assert c.encode_integers(i64([-9])) == b"\x10" + be(17)

    def test_zigzag_2_60_minus_1_still_packs(self):
        big = 1 << 59
        data = c.encode_integers(i64([0, -big, -big + 3, -big + 1]))
        assert data[0] == 0x10
        assert c.decode_integers(data).tolist() == [0, -big, -big + 3, -big + 1]

    def test_zigzag_2_60_is_raw(self):
        big = 1 << 59
        data = c.encode_integers(i64([0, big, big + 3, big + 1]))
        assert data == b"\x00" + be(0, 1 << 60, 6, 3)

    def test_first_value_counts_for_raw(self):
        big = 1 << 59
        assert c.encode_integers(i64([big, big + 1, big + 5]))[0] == 0x00
        assert c.encode_integers(i64([big - 1, big, big + 5]))[0] == 0x10

    def test_int64_extremes_wrap(self):
        values = [0, I64_MAX, I64_MIN, -1, I64_MAX, 1]
        data = c.encode_integers(i64(values))
        assert data == ref.encode_integers(values)
        assert c.decode_integers(data).tolist() == values

    def test_rle_with_wrapping_delta(self):
        values = [I64_MIN, 0, I64_MIN, 0]   # deltas wrap to I64_MIN each time
        data = c.encode_integers(i64(values))
        assert data[0] == 0x20
        assert c.decode_integers(data).tolist() == values

    def test_runs_of_ones_need_every_remaining_value(self):
        ones_tail = [1000, 995] + [994 - i for i in range(300)]        # zigzag deltas: 2000, 9, then 300 x 1
        other_tail = [*ones_tail, ones_tail[-1] + 3]
        for values in (ones_tail, other_tail):
            data = c.encode_integers(i64(values))
            assert data == ref.encode_integers(values)
            assert c.decode_integers(data).tolist() == values
        selectors = [w >> 60 for w in ref.bytes_words(c.encode_integers(i64(ones_tail))[9:])]
        assert 0 in selectors
        selectors = [w >> 60 for w in ref.bytes_words(c.encode_integers(i64(other_tail))[9:])]
        assert 0 not in selectors and 1 not in selectors

    def test_unsigned_go_through_the_integer_path(self):
        values = np.array([0, 1, 2**63, 2**64 - 1, 2**60], dtype=np.uint64)
        v = Values.unsigneds(np.arange(5) + BASE, values)
        data = block.encode_block(v)
        assert data[0] == 4
        back = block.decode_block(data)
        assert back == v and back.values.dtype == np.uint64

    def test_unknown_encoding(self):
        with pytest.raises(c.CorruptBlockError, match="unknown encoding"):
            c.decode_integers(b"\x30" + be(1))


# -- floats ---------------------------------------------------------------------------------------------
class TestFloats:
    def test_first_value_then_sentinel(self):
        data = c.encode_floats(np.array([1.5]))
        assert data == ref.encode_floats([1.5])
        assert data[:9] == b"\x10" + be(ref.float_bits(1.5))

    def test_repeats_cost_one_bit(self):
        one = c.encode_floats(np.array([42.5]))
        many = c.encode_floats(np.array([42.5] * 65))
        assert len(many) == len(one) + 8

    def test_leading_zero_count_is_taken_mod_32(self):
        # XOR of 1.0 and the next float up is 1: 63 leading zeros, which influxd writes as 31.
        data = c.encode_floats(np.array([1.0, np.nextafter(1.0, 2.0)]))
        assert data == ref.encode_floats([1.0, float(np.nextafter(1.0, 2.0))])
        bits = "".join(f"{b:08b}" for b in data[9:])
        assert bits[:2] == "11" and int(bits[2:7], 2) == 31 and int(bits[7:13], 2) == 33

    def test_special_values_round_trip_bit_for_bit(self):
        values = np.array([0.0, -0.0, 5e-324, -5e-324, np.inf, -np.inf, 1.7976931348623157e308, 1e-310, 0.1])
        back = c.decode_floats(c.encode_floats(values))
        assert back.view(np.uint64).tolist() == values.view(np.uint64).tolist()

    @pytest.mark.parametrize("nan", [float("nan"), struct.unpack(">d", be(0xFFF0000000000001))[0]])
    def test_nan_is_refused(self, nan):
        with pytest.raises(ValueError, match="unsupported value: NaN"):
            c.encode_floats(np.array([1.0, nan]))
        with pytest.raises(ValueError, match="unsupported value: NaN"):
            block.encode_block(Values.floats([1, 2], [1.0, nan]))

    def test_empty_stream(self):
        assert c.encode_floats(np.array([], dtype=np.float64)) == b"\x10" + be(ref.FLOAT_SENTINEL)
        assert c.decode_floats(b"\x10" + be(ref.FLOAT_SENTINEL)).tolist() == []

    def test_truncated_stream(self):
        data = c.encode_floats(np.array([1.0, 2.0, 3.0, 4.5]))
        with pytest.raises(c.CorruptBlockError, match="not enough data"):
            c.decode_floats(data[:12])


# -- booleans -------------------------------------------------------------------------------------------
class TestBooleans:
    def test_bits_msb_first(self):
        values = np.array([1, 0, 1, 1, 0, 0, 0, 0, 1], dtype=np.uint8)
        assert c.encode_booleans(values) == bytes([0x10, 9, 0b10110000, 0b10000000])

    def test_whole_bytes_and_none(self):
        assert c.encode_booleans(np.ones(8, np.uint8)) == bytes([0x10, 8, 0xFF])
        assert c.encode_booleans(np.zeros(0, np.uint8)) == bytes([0x10, 0, 0])

    def test_count_larger_than_data_reads_what_is_there(self):
        assert c.decode_booleans(bytes([0x10, 20, 0xFF])).tolist() == [True] * 8


# -- strings and snappy -------------------------------------------------------------------------------------
class TestStrings:
    def test_layout(self):
        data = c.encode_strings([b"ab", b""])
        assert data == b"\x10" + bytes([4, 3 << 2]) + b"\x02ab\x00"

    def test_empty_list(self):
        assert c.encode_strings([]) == b"\x10\x00"
        assert c.decode_strings(b"\x10\x00") == []

    def test_only_bytes(self):
        with pytest.raises(TypeError, match="must be bytes"):
            c.encode_strings(["text"])

    def test_large_input_is_chunked_at_64k(self):
        values = [bytes([i % 251]) * 300 for i in range(1000)]
        data = c.encode_strings(values)
        assert data == ref.encode_strings(values)
        assert c.decode_strings(data) == values

    def test_corrupt_snappy(self):
        with pytest.raises(c.CorruptBlockError, match="snappy: corrupt input"):
            c.decode_strings(b"\x10\x05\x01")

    def test_bad_length_prefix(self):
        with pytest.raises(c.CorruptBlockError, match="not enough data"):
            c.decode_strings(b"\x10" + snappy.compress(b"\x05ab"))

    @given(st.binary(max_size=3000))
    @settings(max_examples=200, deadline=None)
    def test_snappy_matches_go_and_interoperates(self, data):
        packed = c.snappy_compress(data)
        assert packed == ref.snappy_compress(data)
        assert snappy.uncompress(packed) == data
        assert c.snappy_uncompress(snappy.compress(data)) == data

    def test_snappy_repetitive_input(self):
        data = b"host-1.example.com status=ok " * 5000 + bytes(range(256)) * 300
        packed = c.snappy_compress(data)
        assert packed == ref.snappy_compress(data)
        assert c.snappy_uncompress(packed) == data


# -- blocks ---------------------------------------------------------------------------------------------
class TestBlocks:
    def test_layout(self):
        v = Values.integers([BASE, BASE + 10 * SECOND, BASE + 20 * SECOND], [1, 2, 3])
        data = block.encode_block(v)
        ts = c.encode_timestamps(v.times)
        assert data == bytes([1, len(ts)]) + ts + c.encode_integers(v.values)
        assert block.block_type(data) == 1
        assert block.block_value_type(data) is ValueType.INTEGER
        assert block.block_count(data) == 3
        assert block.block_time_range(data) == (BASE, BASE + 20 * SECOND)
        assert block.block_times(data).tolist() == v.times.tolist()

    def test_empty_block_is_refused(self):
        with pytest.raises(ValueError, match="unable to encode block type"):
            block.encode_block(Values.empty(ValueType.FLOAT))

    @pytest.mark.parametrize(("data", "message"), [
        (b"", "decode of short block"),
        (b"\x00", "decode of short block"),
        (b"\x07\x01\x00", "unknown block type: 7"),
        (b"\x00\x80", "unable to read timestamp block length"),
        (b"\x00\x09\x1c", "not enough data for timestamp"),
    ])
    def test_corrupt_headers(self, data, message):
        with pytest.raises(c.CorruptBlockError, match=message):
            block.decode_block(data)

    def test_values_shorter_than_times_truncate(self):
        times = i64([1, 2, 3])
        data = bytes([2]) + bytes([len(c.encode_timestamps(times))]) + c.encode_timestamps(times)
        data += c.encode_booleans(np.array([1, 0], np.uint8))
        v = block.decode_block(data)
        assert v.times.tolist() == [1, 2] and v.values.tolist() == [True, False]

    def test_threads_share_nothing(self):
        rng = np.random.default_rng(7)
        blocks = [Values.floats(np.arange(1000) + BASE, rng.normal(size=1000)) for _ in range(8)]
        expected = [block.encode_block(v) for v in blocks]
        results: list[list[bytes]] = [[] for _ in blocks]

        def work(i: int) -> None:
            for _ in range(50):
                results[i].append(block.encode_block(blocks[i]))
                assert block.decode_block(results[i][-1]) == blocks[i]

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(blocks))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(r == [e] * 50 for r, e in zip(results, expected, strict=True))


# -- Hypothesis: Cython bytes == reference bytes, and round trips ------------------------------------------
EDGE_INTS = [0, 1, -1, 2, I64_MIN, I64_MAX, I64_MIN + 1, I64_MAX - 1, 1 << 59, -(1 << 59), (1 << 59) - 1,
             (1 << 60), (1 << 60) - 1, -(1 << 60), 1 << 62, -(1 << 62)]
int64s = st.one_of(st.sampled_from(EDGE_INTS), st.integers(I64_MIN, I64_MAX), st.integers(-1000, 1000))


@st.composite
def int_arrays(draw) -> list[int]:
    """Random values, runs (equal deltas, deltas of -1 that zigzag to 1), edge values, all mixed."""
    kind = draw(st.sampled_from(["random", "progression", "steps", "mixed"]))
    n = draw(st.integers(0, 600))
    if kind == "random":
        return draw(st.lists(int64s, min_size=n, max_size=n))
    start = draw(int64s)
    if kind == "progression":
        step = draw(st.sampled_from([0, 1, -1, 7, 1 << 61]))
        return [ref.wrap64(start + i * step) for i in range(n)]
    deltas = draw(st.lists(st.sampled_from([-1, -1, -1, 0, 1, 2, -3, 1 << 40, -(1 << 59)]), min_size=n,
                           max_size=n))
    if kind == "mixed":
        deltas = [*deltas, *draw(st.lists(int64s, max_size=5))]
    out = [start]
    for d in deltas:
        out.append(ref.wrap64(out[-1] + d))
    return out


@st.composite
def time_arrays(draw) -> list[int]:
    """Times from mixed delta shapes: equal, powers of ten, runs of one unit (the 240 window), huge, any."""
    n = draw(st.integers(0, 700))
    unit = 10 ** draw(st.integers(0, 13))
    start = draw(st.one_of(st.integers(-(1 << 62), 1 << 62), st.sampled_from([0, BASE, I64_MIN, I64_MAX])))
    shape = draw(st.sampled_from(["equal", "units", "ones", "any", "huge"]))
    if shape == "equal":
        deltas = [draw(st.integers(0, 1 << 40)) * unit] * n
    elif shape == "units":
        deltas = draw(st.lists(st.integers(0, 1000).map(lambda k: k * unit), min_size=n, max_size=n))
    elif shape == "ones":
        steps = st.sampled_from([unit, unit, unit, unit, 2 * unit, 0])
        deltas = draw(st.lists(steps, min_size=n, max_size=n))
    elif shape == "huge":
        deltas = draw(st.lists(st.sampled_from([1, unit, (1 << 60) - 1, 1 << 60, 1 << 63]), min_size=n,
                               max_size=n))
    else:
        deltas = draw(st.lists(st.integers(0, 1 << 64), min_size=n, max_size=n))
    out = [start] if n or draw(st.booleans()) else []
    for d in deltas[: max(0, len(deltas) - 1)] if out else []:
        out.append(ref.wrap64(out[-1] + d))
    return out


finite_floats = st.floats(allow_nan=False, allow_infinity=True, allow_subnormal=True)


@st.composite
def float_arrays(draw) -> list[float]:
    """Random floats, repeats, and neighbours a few ulps apart (small XORs, the mod-32 leading-zero path)."""
    n = draw(st.integers(0, 500))
    kind = draw(st.sampled_from(["random", "repeats", "near", "special"]))
    if kind == "random":
        return draw(st.lists(finite_floats, min_size=n, max_size=n))
    if kind == "special":
        return draw(st.lists(st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.0, -1.0,
                                              1.7976931348623157e308, float("inf"), float("-inf"), 0.1]),
                             min_size=n, max_size=n))
    base = draw(finite_floats.filter(lambda f: abs(f) < 1e300))
    if kind == "repeats":
        return draw(st.lists(st.sampled_from([base, base, base, 0.5]), min_size=n, max_size=n))
    bits = ref.float_bits(base)
    flips = draw(st.lists(st.integers(0, 63), min_size=n, max_size=n))
    return [ref.bits_float(bits ^ (1 << k)) if (bits ^ (1 << k)) & 0x7FF0000000000000 != 0x7FF0000000000000
            else base for k in flips]


HYP = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HYP
@given(time_arrays())
def test_timestamps_match_reference(times):
    data = c.encode_timestamps(i64(times))
    assert data == ref.encode_timestamps(times)
    assert c.decode_timestamps(data).tolist() == times
    assert ref.decode_timestamps(data) == times
    assert c.count_timestamps(data) == len(times)


@HYP
@given(int_arrays())
def test_integers_match_reference(values):
    data = c.encode_integers(i64(values))
    assert data == ref.encode_integers(values)
    assert c.decode_integers(data).tolist() == values
    assert ref.decode_integers(data) == values


@HYP
@given(float_arrays())
def test_floats_match_reference(values):
    arr = np.array(values, dtype=np.float64)
    data = c.encode_floats(arr)
    assert data == ref.encode_floats(values)
    assert c.decode_floats(data).view(np.uint64).tolist() == arr.view(np.uint64).tolist()
    assert [ref.float_bits(v) for v in ref.decode_floats(data)] == arr.view(np.uint64).tolist()


@HYP
@given(st.lists(st.booleans(), max_size=300))
def test_booleans_match_reference(values):
    data = c.encode_booleans(np.array(values, dtype=np.uint8))
    assert data == ref.encode_booleans(values)
    assert c.decode_booleans(data).tolist() == values
    assert ref.decode_booleans(data) == values


@HYP
@given(st.lists(st.one_of(st.binary(max_size=80), st.sampled_from([b"", b"cpu", b"x" * 1000])), max_size=200))
def test_strings_match_reference(values):
    data = c.encode_strings(values)
    assert data == ref.encode_strings(values)
    assert c.decode_strings(data) == values
    assert ref.decode_strings(data) == values


@HYP
@given(st.lists(st.one_of(st.just(1), st.integers(0, 3), st.integers(0, (1 << 60) - 1)), max_size=800),
       st.sampled_from([0, 240]))
def test_simple8b_matches_reference(values, window):
    data = c.simple8b_encode(np.array(values, dtype=np.uint64), window)
    words = ref.s8b_encode_all(values) if window == 0 else ref.s8b_encode_stream(values)
    assert data == ref.words_bytes(words)
    assert c.simple8b_decode(data).tolist() == values


def test_simple8b_refuses_2_60():
    with pytest.raises(ValueError, match="value out of bounds"):
        c.simple8b_encode(np.array([1 << 60], dtype=np.uint64))


def fit(values: list, n: int, fill: object) -> list:
    """``values`` repeated or cut to exactly ``n`` items."""
    return (values * (n // len(values) + 1))[:n] if values else [fill] * n


@st.composite
def blocks(draw) -> Values:
    vtype = draw(st.sampled_from(list(ValueType)))
    times = sorted(set(draw(st.lists(st.integers(I64_MIN, I64_MAX), min_size=1, max_size=300))))
    if draw(st.booleans()):
        step = draw(st.sampled_from([1, SECOND, 10 * SECOND, 1000]))
        times = [BASE + i * step for i in range(len(times))]
    n = len(times)
    if vtype is ValueType.FLOAT:
        vals: list = fit(draw(float_arrays()), n, 0.0)
    elif vtype is ValueType.INTEGER:
        vals = fit(draw(int_arrays()), n, 0)
    elif vtype is ValueType.UNSIGNED:
        vals = draw(st.lists(st.integers(0, (1 << 64) - 1), min_size=n, max_size=n))
    elif vtype is ValueType.BOOLEAN:
        vals = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    else:
        vals = draw(st.lists(st.binary(max_size=30), min_size=n, max_size=n))
    return Values(vtype, times, vals)


@HYP
@given(blocks())
def test_blocks_match_reference(values):
    data = block.encode_block(values)
    plain = values.values if values.type is ValueType.STRING else values.values.tolist()
    assert data == ref.encode_block(int(values.type), values.times.tolist(), plain)
    back = block.decode_block(data)
    assert back == values
    if values.type is not ValueType.STRING:
        assert back.values.dtype == values.values.dtype
    assert block.block_count(data) == len(values)
    assert block.block_time_range(data) == (int(values.times[0]), int(values.times[-1]))
