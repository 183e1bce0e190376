import numpy as np
import numpy.typing as npt

def sort_order(keys: npt.NDArray[np.int64] | npt.NDArray[np.uint64] | npt.NDArray[np.float64]
               ) -> npt.NDArray[np.int64]: ...
def mode_rows(
    keys: npt.NDArray[np.int64] | npt.NDArray[np.uint64] | npt.NDArray[np.float64],
    times: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]: ...
def top_rows(
    rank: npt.NDArray[np.int64],
    times: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    keep: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
def top_rows_float(
    values: npt.NDArray[np.float64],
    times: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    keep: int,
    top: bool,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
