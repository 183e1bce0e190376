from collections.abc import Sequence
from typing import TypeVar

_T = TypeVar("_T")

def split_field_keys(
    keys: list[bytes], types: Sequence[_T | None]
) -> tuple[list[bytes], list[tuple[str, str, _T]]]: ...
def split_series_keys(keys: list[bytes]) -> list[tuple[str, tuple[tuple[str, str], ...]]]: ...

