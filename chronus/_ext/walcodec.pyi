from collections.abc import Buffer, Mapping

import numpy as np
import numpy.typing as npt

from chronus.tsdb.values import Values

class CorruptEntryError(ValueError):
    def __init__(self, message: str = ...) -> None: ...

def encode_write(entries: Mapping[bytes, Values]) -> bytes: ...
def decode_write(payload: Buffer) -> dict[bytes, Values]: ...
def encode_groups(
    keys: Buffer,
    key_offsets: npt.NDArray[np.int64],
    types: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    times: npt.NDArray[np.int64],
    bits: npt.NDArray[np.uint64],
    rows: npt.NDArray[np.int64],
    string_data: Buffer,
    string_offsets: npt.NDArray[np.int64],
) -> bytes: ...
