"""Hypothesis strategies for typed point arrays and WAL write entries."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from chronus.tsdb.values import Values, ValueType

times = st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1)
small_times = st.integers(min_value=0, max_value=20)  # few distinct times: duplicates are common

_VALUE_STRATEGIES = {
    ValueType.FLOAT: st.floats(allow_nan=True, allow_infinity=True, width=64),
    ValueType.INTEGER: st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1),
    ValueType.UNSIGNED: st.integers(min_value=0, max_value=(1 << 64) - 1),
    ValueType.BOOLEAN: st.booleans(),
    ValueType.STRING: st.binary(max_size=40),
}


@st.composite
def values_of(draw: st.DrawFn, vtype: ValueType, time_strategy: st.SearchStrategy[int] = times,
              min_size: int = 1, max_size: int = 12) -> Values:
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    ts = draw(st.lists(time_strategy, min_size=n, max_size=n))
    vals = draw(st.lists(_VALUE_STRATEGIES[vtype], min_size=n, max_size=n))
    if vtype is ValueType.STRING:
        return Values(vtype, np.array(ts, dtype=np.int64), vals)
    return Values(vtype, np.array(ts, dtype=np.int64), np.array(vals, dtype=_DTYPES[vtype]))


_DTYPES = {ValueType.FLOAT: np.float64, ValueType.INTEGER: np.int64, ValueType.UNSIGNED: np.uint64,
           ValueType.BOOLEAN: np.bool_}

value_types = st.sampled_from(list(ValueType))
any_values = value_types.flatmap(values_of)
keys = st.binary(min_size=1, max_size=30)
write_entries = st.dictionaries(keys, any_values, max_size=6)
