import numpy as np
import numpy.typing as npt

def segment_stddev(
    values: npt.NDArray[np.float64], starts: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]: ...
def integral(
    times: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    win_start: npt.NDArray[np.int64],
    win_end: npt.NDArray[np.int64],
    unit: int,
    interval: bool,
    ascending: bool,
    integer: bool = False,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
def segment_sum(
    values: npt.NDArray[np.float64], starts: npt.NDArray[np.int64], first: float = 0.0
) -> npt.NDArray[np.float64]: ...
def segment_select(
    mode: int,
    win: npt.NDArray[np.int64],
    keys: npt.NDArray[np.float64] | npt.NDArray[np.int64] | npt.NDArray[np.uint64],
    times: npt.NDArray[np.int64],
    position: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], bool]: ...
