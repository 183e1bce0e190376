"""TSM1 storage: block codecs now; the file reader, writer, index and compactor build on them."""

from chronus.tsdb.tsm.block import (
    BLOCK_TYPES,
    VALUE_TYPES,
    CorruptBlockError,
    block_count,
    block_time_range,
    block_times,
    block_type,
    block_value_type,
    decode_block,
    encode_block,
)

__all__ = [
    "BLOCK_TYPES",
    "VALUE_TYPES",
    "CorruptBlockError",
    "block_count",
    "block_time_range",
    "block_times",
    "block_type",
    "block_value_type",
    "decode_block",
    "encode_block",
]
