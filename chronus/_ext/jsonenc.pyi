import numpy as np
import numpy.typing as npt

def format_go_float(value: float) -> bytes: ...
def encode_values(
    times: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int32] | None,
    rfc3339: bool,
    columns: list[tuple[str | None, np.ndarray, npt.NDArray[np.bool_]]],
    indent: int = -1,
) -> bytes: ...
def encode_csv(
    prefix: bytes,
    times: npt.NDArray[np.int64],
    columns: list[tuple[str | None, np.ndarray, npt.NDArray[np.bool_]]],
) -> bytes: ...
def encode_row_head(name: str, tags: dict[str, str], columns: list[str]) -> bytes: ...
def encode_rows(rows: list[list[object]], indent: int = -1) -> bytes | None: ...
def rfc3339_texts(
    times: npt.NDArray[np.int64], offsets: npt.NDArray[np.int32] | None = None
) -> list[str]: ...
