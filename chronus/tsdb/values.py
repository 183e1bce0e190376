"""Typed value arrays: the unit the WAL, the cache and (later) TSM blocks exchange.

One ``Values`` holds the points of one key (``<series key>#!~#<field>``): an ``int64`` array of times and the
values as one numpy array (``float64`` / ``int64`` / ``bool`` / ``uint64``) or, for strings, a list of
``bytes``. Whole arrays move between layers, so no layer builds a Python object per numeric point.

The type codes are the WAL's (and TSM's) value type bytes; sizes are counted the way InfluxDB's cache counts
them (``Value.Size()``: 16 bytes per numeric point, 9 per boolean, 8 + length per string), because
``cache-max-memory-size`` errors quote those numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt


class ValueType(IntEnum):
    """Value type byte of a WAL write entry (``float64EntryType`` ... in InfluxDB's ``wal.go``)."""

    FLOAT = 1
    INTEGER = 2
    BOOLEAN = 3
    STRING = 4
    UNSIGNED = 5

    @property
    def type_name(self) -> str:
        """The InfluxQL data type name InfluxDB prints in errors (``float``, ``integer``, ...)."""
        return _TYPE_NAMES[self]


_TYPE_NAMES = {
    ValueType.FLOAT: "float",
    ValueType.INTEGER: "integer",
    ValueType.BOOLEAN: "boolean",
    ValueType.STRING: "string",
    ValueType.UNSIGNED: "unsigned",
}

#: numpy dtype of the value array per numeric type (strings are a list of bytes).
NUMPY_DTYPES: dict[ValueType, np.dtype] = {
    ValueType.FLOAT: np.dtype(np.float64),
    ValueType.INTEGER: np.dtype(np.int64),
    ValueType.BOOLEAN: np.dtype(np.bool_),
    ValueType.UNSIGNED: np.dtype(np.uint64),
}

#: bytes InfluxDB's cache counts per point of a fixed-size type (``FloatValue.Size()`` ...).
POINT_SIZES: dict[ValueType, int] = {
    ValueType.FLOAT: 16,
    ValueType.INTEGER: 16,
    ValueType.BOOLEAN: 9,
    ValueType.UNSIGNED: 16,
}

#: a string point counts 8 bytes (its time) plus its length.
STRING_POINT_OVERHEAD = 8

MIN_TIME = -(1 << 63)
MAX_TIME = (1 << 63) - 1

ValueArray = npt.NDArray[Any] | list[bytes]


class Values:
    """The points of one key: a type code, an int64 time array and a value array of the same length."""

    __slots__ = ("times", "type", "values")

    def __init__(self, type_code: int, times: npt.ArrayLike, values: npt.ArrayLike | Sequence[bytes]) -> None:
        self.type = ValueType(type_code)
        self.times: npt.NDArray[np.int64] = np.ascontiguousarray(times, dtype=np.int64)
        if self.times.ndim != 1:
            raise ValueError("times must be one-dimensional")
        if self.type is ValueType.STRING:
            self.values: ValueArray = values if isinstance(values, list) else list(values)
        else:
            self.values = np.ascontiguousarray(values, dtype=NUMPY_DTYPES[self.type])
            if self.values.ndim != 1:
                raise ValueError("values must be one-dimensional")
        if len(self.values) != len(self.times):
            raise ValueError(f"{len(self.times)} times but {len(self.values)} values")

    # -- constructors
    @classmethod
    def floats(cls, times: npt.ArrayLike, values: npt.ArrayLike) -> Values:
        return cls(ValueType.FLOAT, times, values)

    @classmethod
    def integers(cls, times: npt.ArrayLike, values: npt.ArrayLike) -> Values:
        return cls(ValueType.INTEGER, times, values)

    @classmethod
    def unsigneds(cls, times: npt.ArrayLike, values: npt.ArrayLike) -> Values:
        return cls(ValueType.UNSIGNED, times, values)

    @classmethod
    def booleans(cls, times: npt.ArrayLike, values: npt.ArrayLike) -> Values:
        return cls(ValueType.BOOLEAN, times, values)

    @classmethod
    def strings(cls, times: npt.ArrayLike, values: Iterable[bytes]) -> Values:
        return cls(ValueType.STRING, times, list(values))

    @classmethod
    def trusted(cls, vtype: ValueType, times: npt.NDArray[np.int64], values: ValueArray) -> Values:
        """Wrap arrays already known to be right (contiguous, right dtype, same length) without checks.

        For codecs that just built the arrays themselves; everything else goes through ``Values(...)``.
        """
        obj = cls.__new__(cls)
        obj.type = vtype
        obj.times = times
        obj.values = values
        return obj

    @classmethod
    def empty(cls, type_code: int) -> Values:
        vtype = ValueType(type_code)
        values = [] if vtype is ValueType.STRING else np.empty(0, NUMPY_DTYPES[vtype])
        return cls(vtype, np.empty(0, np.int64), values)

    # -- inspection
    def __len__(self) -> int:
        return len(self.times)

    def __repr__(self) -> str:
        return f"Values({self.type.name}, {self.to_pairs()!r})"

    def __eq__(self, other: object) -> bool:
        """Same type, times and values; floats compare bit for bit so NaN payloads and -0.0 count."""
        if not isinstance(other, Values):
            return NotImplemented
        if self.type != other.type or not np.array_equal(self.times, other.times):
            return False
        if self.type is ValueType.STRING:
            return list(self.values) == list(other.values)
        if self.type is ValueType.FLOAT:
            return np.array_equal(self.values.view(np.uint64), other.values.view(np.uint64))
        return np.array_equal(self.values, other.values)

    __hash__ = None  # type: ignore[assignment]

    def size(self) -> int:
        """Bytes as InfluxDB's cache counts them (``Values.Size()``)."""
        if self.type is ValueType.STRING:
            return STRING_POINT_OVERHEAD * len(self.values) + sum(map(len, self.values))
        return POINT_SIZES[self.type] * len(self.times)

    def to_pairs(self) -> list[tuple[int, Any]]:
        """``[(time, value), ...]`` as Python objects; for tests and debugging, never on a hot path."""
        vals = self.values if self.type is ValueType.STRING else self.values.tolist()
        return list(zip(self.times.tolist(), vals, strict=True))

    def is_sorted_unique(self) -> bool:
        """True when times strictly increase (nothing to sort or deduplicate)."""
        times = self.times
        return len(times) < 2 or bool(np.greater(times[1:], times[:-1]).all())

    # -- transformations (always new objects; the arrays of ``self`` are never written) -------------------
    def take(self, index: npt.NDArray[np.intp] | slice) -> Values:
        """The points at ``index`` (an index array or a slice), in that order."""
        times = self.times[index]
        if self.type is ValueType.STRING:
            if isinstance(index, slice):
                vals: ValueArray = self.values[index]
            else:
                src = self.values
                vals = [src[i] for i in index.tolist()]
        else:
            vals = self.values[index]
        return Values(self.type, times, vals)

    def deduplicated(self) -> Values:
        """Sorted by time with one point per time: the one that came last wins (as InfluxDB's Deduplicate)."""
        if self.is_sorted_unique():
            return self
        return self.take(dedup_index(self.times))

    def include(self, tmin: int, tmax: int) -> Values:
        """Points with ``tmin <= time <= tmax``; ``self`` must be deduplicated."""
        lo, hi = time_bounds(self.times, tmin, tmax)
        if lo == 0 and hi == len(self.times):
            return self
        return self.take(slice(lo, hi))

    def exclude(self, tmin: int, tmax: int) -> Values:
        """Points outside ``[tmin, tmax]``; ``self`` must be deduplicated."""
        lo, hi = time_bounds(self.times, tmin, tmax)
        if lo == hi:
            return self
        keep = np.concatenate((np.arange(lo, dtype=np.intp), np.arange(hi, len(self.times), dtype=np.intp)))
        return self.take(keep)

    @staticmethod
    def concat(parts: Sequence[Values]) -> Values:
        """All points of ``parts`` in order; they must share one type."""
        if len(parts) == 1:
            return parts[0]
        vtype = parts[0].type
        times = np.concatenate([p.times for p in parts])
        if vtype is ValueType.STRING:
            vals: ValueArray = [v for p in parts for v in p.values]
        else:
            vals = np.concatenate([p.values for p in parts])
        if len(vals) != len(times):
            raise ValueError("parts of different lengths")
        return Values.trusted(vtype, times, vals)


def dedup_index(times: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    """Indices that sort ``times`` and keep only the last-written point of each time.

    A stable sort keeps equal times in write order, so the last index of each run is the newest write.
    """
    order = np.argsort(times, kind="stable")
    if len(order) < 2:
        return order
    sorted_times = times[order]
    last_of_run = np.empty(len(order), dtype=bool)
    np.not_equal(sorted_times[1:], sorted_times[:-1], out=last_of_run[:-1])
    last_of_run[-1] = True
    return order[last_of_run]


def time_bounds(times: npt.NDArray[np.int64], tmin: int, tmax: int) -> tuple[int, int]:
    """``(lo, hi)`` such that ``times[lo:hi]`` are the sorted times within ``[tmin, tmax]``."""
    if tmin > tmax:
        return 0, 0
    lo = int(np.searchsorted(times, np.int64(tmin), side="left"))
    hi = int(np.searchsorted(times, np.int64(tmax), side="right"))
    return lo, max(lo, hi)
