"""Blocks from a TSM file the real influxd 1.6.7 wrote (``tools/record_tsm.py``): we decode them to the points
that were sent, and re-encoding those points gives influxd's bytes exactly (Cython and the reference)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from chronus.tsdb.tsm import block
from chronus.tsdb.values import Values, ValueType
from tests.unit.tsm import reference_codecs as ref
from tests.unit.tsm.tsmfile import read_blocks

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "tsm"
TYPES = {"float": ValueType.FLOAT, "integer": ValueType.INTEGER, "boolean": ValueType.BOOLEAN,
         "string": ValueType.STRING}
BLOCKS = read_blocks(GOLDEN / "influxd.tsm")


def expected_points() -> dict[bytes, Values]:
    out = {}
    for line in (GOLDEN / "points.jsonl").read_text().splitlines():
        rec = json.loads(line)
        times = [rec["start"]]
        for delta, repeat in rec["runs"]:
            for _ in range(repeat):
                times.append(times[-1] + delta)
        vtype = TYPES[rec["type"]]
        if vtype is ValueType.FLOAT:
            vals = [float.fromhex(v) for v in rec["values"]]
        elif vtype is ValueType.STRING:
            vals = [v.encode() for v in rec["values"]]
        else:
            vals = rec["values"]
        out[rec["key"].encode()] = Values(vtype, times, vals)
    return out


def block_id(b) -> str:
    return f"{b.key.decode()}@{b.min_time}"


def test_golden_file_has_every_shape():
    assert len(BLOCKS) == 52
    assert {b.block_type for b in BLOCKS} == {0, 1, 2, 3}
    assert len({b.key for b in BLOCKS}) == 47


def test_decoded_blocks_are_the_points_sent():
    decoded: dict[bytes, list[Values]] = defaultdict(list)
    for b in BLOCKS:
        decoded[b.key].append(block.decode_block(b.data))
    expected = expected_points()
    assert sorted(decoded) == sorted(expected)
    for key, parts in decoded.items():
        assert Values.concat(parts) == expected[key], key


@pytest.mark.parametrize("ref_block", BLOCKS, ids=block_id)
def test_reencode_is_byte_identical(ref_block):
    values = block.decode_block(ref_block.data)
    assert block.encode_block(values) == ref_block.data
    assert block.block_type(ref_block.data) == ref_block.block_type
    assert block.block_count(ref_block.data) == len(values)
    assert block.block_time_range(ref_block.data) == (ref_block.min_time, ref_block.max_time)
    assert len(values) <= 1000


@pytest.mark.parametrize("ref_block", BLOCKS, ids=block_id)
def test_reference_agrees_with_influxd(ref_block):
    vtype, times, vals = ref.decode_block(ref_block.data)
    values = block.decode_block(ref_block.data)
    assert vtype == values.type
    assert times == values.times.tolist()
    if vtype == ValueType.FLOAT:
        assert [ref.float_bits(v) for v in vals] == values.values.view(np.uint64).tolist()
    else:
        assert vals == (values.values if vtype == ValueType.STRING else values.values.tolist())
    assert ref.encode_block(vtype, times, vals) == ref_block.data
