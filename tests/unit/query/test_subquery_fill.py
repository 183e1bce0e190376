"""An inner aggregate's fill over its rows in stream order (``SubquerySource._filled_runs``): the rows it
writes are bounded before any is made."""

from __future__ import annotations

import json

import pytest

from chronus.query import executor as executor_module
from tests.unit.query.test_subquery_golden import executor, run  # noqa: F401 - the shared fixture

INNER = ("SELECT mean(f) FROM tr WHERE time >= 1517785200s AND time < 1517792400s "
         "GROUP BY time(30m), host fill(0)")


def test_each_run_is_filled_over_the_whole_range(executor) -> None:  # noqa: F811
    body = json.loads(run(executor, f"SELECT count(mean) FROM ({INNER})", "sq", 0))
    # four 30m windows; every run of one series (a window's point, or consecutive windows of one host
    # with no other host between them) is filled over all four
    runs = json.loads(run(executor, f"SELECT * FROM ({INNER})", "sq", 0))
    rows = runs["results"][0]["series"][0]["values"]
    assert len(rows) % 4 == 0 and len(rows) > 16  # more rows than the 4 hosts x 4 windows of a plain fill
    assert body["results"][0]["series"][0]["values"] == [["1970-01-01T00:00:00Z", len(rows)]]
    assert [row[0] for row in rows[:4]] == ["2018-02-04T23:00:00Z", "2018-02-04T23:30:00Z",
                                            "2018-02-05T00:00:00Z", "2018-02-05T00:30:00Z"]


def test_too_many_filled_rows_are_refused_before_they_are_made(executor,  # noqa: F811
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executor_module, "MAX_SERIES_ROWS", 20)
    body = json.loads(run(executor, f"SELECT * FROM ({INNER})", "sq", 0))
    error = body["results"][0]["error"]
    assert error.startswith("fill() in the subquery would write ")
    assert error.endswith(" rows (at most 20): narrow its time range, widen its interval or group it by "
                          "fewer tags")
