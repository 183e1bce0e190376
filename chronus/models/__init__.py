"""Points and series keys: the Python face of the line-protocol parser (``chronus._ext.lineproto``)."""

from chronus.models.points import (
    BOOLEAN,
    EMPTY,
    FIELD_KEY_SEPARATOR,
    FLOAT,
    INTEGER,
    STRING,
    TYPE_NAMES,
    UNSIGNED,
    PointBatch,
    SeriesFieldValues,
    ValueProblem,
    go_quote,
    make_series_key,
    parse,
    split_series_key,
)

__all__ = [
    "BOOLEAN", "EMPTY", "FIELD_KEY_SEPARATOR", "FLOAT", "INTEGER", "STRING", "TYPE_NAMES", "UNSIGNED",
    "PointBatch", "SeriesFieldValues", "ValueProblem", "go_quote", "make_series_key", "parse",
    "split_series_key",
]
