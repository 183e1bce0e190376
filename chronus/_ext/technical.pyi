import numpy as np
import numpy.typing as npt

EMA: int
DEMA: int
TEMA: int
RSI: int
TRIX: int
KER: int
KAMA: int
CMO: int
CMOS: int

def pow_go(x: float, y: float) -> float: ...
def warm_count(kind: int, n: int, warm: int) -> int: ...
class Indicator:
    def __init__(self, kind: int, n: int, hold: int, warm: int) -> None: ...
    def feed(
        self, values: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]: ...

def indicator(values: npt.NDArray[np.float64], kind: int, n: int, hold: int,
              warm: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]: ...
def holt_winters(times: npt.NDArray[np.int64], values: npt.NDArray[np.float64], h: int, m: int, interval: int,
                 include_fit: bool) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
