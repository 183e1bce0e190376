"""Body of a 100k-row raw result, by encoder.

``gojson``: rows as Python lists, every value walked in Python (the encoder before ``_ext.jsonenc``);
``rows``: the same lists through ``jsonenc.encode_rows``; ``columns``: the row held as a frame, written by
``jsonenc.encode_values`` / ``encode_csv`` straight from the arrays (how SELECT results go out).
"""

from unittest import mock

import numpy as np

from chronus.http import gojson
from chronus.http.response import CSVFormatter, JSONFormatter
from chronus.query.result import Frame, Result, Row
from chronus.query.vector import Column

ROWS = 100_000
COLUMNS = ["time", "host", "usage", "count", "ok"]


def _frame() -> Frame:
    rng = np.random.default_rng(7)
    times = 1_600_000_000_000_000_000 + np.arange(ROWS, dtype=np.int64) * 10_000_000_000
    hosts = np.empty(ROWS, object)
    hosts[:] = [f"server{i % 1000:04d}" for i in range(ROWS)]
    ones = np.ones(ROWS, bool)
    return Frame(times, [Column("s", hosts, ones), Column("f", rng.random(ROWS) * 100, ones),
                         Column("i", rng.integers(0, 10**6, ROWS), ones),
                         Column("b", rng.random(ROWS) > 0.5, ones)])


class RawResultBody:
    params = [["gojson", "rows", "columns"]]
    param_names = ["encoder"]
    timeout = 300

    def setup(self, encoder: str) -> None:
        self.frame = _frame()
        self.rows = self.frame.to_rows()
        self.patch = mock.patch.object(gojson, "_rows", lambda value, indent: None)
        if encoder == "gojson":
            self.patch.start()

    def teardown(self, encoder: str) -> None:
        if encoder == "gojson":
            self.patch.stop()

    def _row(self, encoder: str) -> Row:
        if encoder == "columns":
            return Row.from_frame(self.frame, name="cpu", columns=COLUMNS)
        return Row(name="cpu", columns=COLUMNS, values=[list(r) for r in self.rows], time_values=True)

    def time_json_100k_rows(self, encoder: str) -> None:
        JSONFormatter().format([Result(0, [self._row(encoder)])])

    def time_json_100k_rows_epoch_ms(self, encoder: str) -> None:
        row = self._row(encoder)
        row.convert_to_epoch("ms")
        JSONFormatter().format([Result(0, [row])])

    def time_csv_100k_rows(self, encoder: str) -> None:
        CSVFormatter().format([Result(0, [self._row(encoder)])])


class FrameToRows:
    """What building Python rows costs on its own (the step frames spare SELECT)."""

    def setup(self) -> None:
        self.frame = _frame()

    def time_to_rows_100k(self) -> None:
        self.frame.to_rows()
