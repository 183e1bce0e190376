import numpy as np
import numpy.typing as npt

def merge_order(
    ranks: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    window: bool = False,
    aux: npt.NDArray[np.int64] | None = None,
    descending: bool = False,
) -> npt.NDArray[np.int64]: ...
def parallel_groups(ninputs: int, parallelism: int) -> npt.NDArray[np.int64]: ...
def merge_order_until(
    ranks: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    aux: npt.NDArray[np.int64],
    descending: bool,
    heap_in: npt.NDArray[np.int64] | None,
    stop: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
def grouped_order(
    keys: npt.NDArray[np.int64], ngroups: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
