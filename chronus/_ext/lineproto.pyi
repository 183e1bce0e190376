from collections.abc import Buffer

import numpy as np
import numpy.typing as npt

EMPTY: int
FLOAT: int
INTEGER: int
BOOLEAN: int
STRING: int
UNSIGNED: int

ERROR_REASONS: dict[int, str]
ERROR_MAX_KEY_LENGTH: int
ERROR_INTEGER_RANGE: int
ERROR_INVALID_VALUE: int
ERROR_TIMESTAMP_SYNTAX: int
ERROR_TIMESTAMP_RANGE: int

VALUE_BAD_SYNTAX: int
VALUE_OUT_OF_RANGE: int
VALUE_LONE_QUOTE: int

PRECISION_MULTIPLIERS: dict[str, int]

def parse_columns(body: Buffer, precision: str, now_ns: int) -> dict[str, object]: ...
def join_pair_keys(
    series_keys: Buffer,
    series_offsets: npt.NDArray[np.int64],
    field_names: Buffer,
    field_offsets: npt.NDArray[np.int64],
    pair_series: npt.NDArray[np.int32],
    pair_field: npt.NDArray[np.int32],
) -> tuple[bytes, npt.NDArray[np.int64]]: ...
def group_values(
    row_pair: npt.NDArray[np.int32],
    pair_count: int,
    keep: npt.NDArray[np.uint8],
    point_rows: npt.NDArray[np.int64],
    point_time: npt.NDArray[np.int64],
    row_type: npt.NDArray[np.uint8],
    row_float: npt.NDArray[np.float64],
    row_int: npt.NDArray[np.int64],
) -> tuple[
    npt.NDArray[np.int32],
    npt.NDArray[np.uint8],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.uint64],
]: ...
def series_names(
    series_keys: Buffer, series_offsets: npt.NDArray[np.int64], which: npt.NDArray[np.int32]
) -> tuple[list[bytes], npt.NDArray[np.int32], npt.NDArray[np.bool_]]: ...
def decode_series_keys(
    series_keys: Buffer, series_offsets: npt.NDArray[np.int64], which: npt.NDArray[np.int32]
) -> list[str]: ...
