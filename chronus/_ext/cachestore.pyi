from collections.abc import Buffer

import numpy as np
import numpy.typing as npt

from chronus.tsdb.values import Values, ValueType

class KeyBuffer:
    vtype: ValueType
    code: int
    n: int
    ordered: bool
    nbytes: int
    def __init__(self, vtype: int) -> None: ...
    def __len__(self) -> int: ...
    def append(self, vals: Values, nbytes: int) -> None: ...
    def view(self) -> Values: ...
    def replace(self, vals: Values) -> None: ...
    def deduplicate(self) -> None: ...
    def exclude(self, tmin: int, tmax: int) -> None: ...

def append_groups(
    store: dict[bytes, KeyBuffer],
    keys: Buffer,
    key_offsets: npt.NDArray[np.int64],
    types: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    times: npt.NDArray[np.int64],
    bits: npt.NDArray[np.uint64],
    rows: npt.NDArray[np.int64],
    string_data: bytes,
    string_offsets: npt.NDArray[np.int64],
    sizes: npt.NDArray[np.int64],
) -> tuple[int, int, list[tuple[bytes, ValueType, ValueType]]]: ...
