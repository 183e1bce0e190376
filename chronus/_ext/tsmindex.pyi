from collections.abc import Buffer

import numpy as np
import numpy.typing as npt

class TSMIndexError(ValueError): ...

def parse_index(
    buf: Buffer, index_start: int, index_end: int
) -> tuple[
    list[bytes],
    bytes,
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
]: ...

def edge_blocks(
    mins: npt.NDArray[np.int64],
    maxs: npt.NDArray[np.int64],
    firsts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    tmin: int,
    tmax: int,
    first: bool,
) -> npt.NDArray[np.int64]: ...
