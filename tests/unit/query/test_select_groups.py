"""first/last/min/max over every group at once (``aggregate._select_groups``) answers exactly as each group
alone does, and hands over to it when points tie exactly."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from chronus.query import aggregate
from tests.unit.query.random_node import random_node, same_answers, spy, within_random_ranges

TEMPLATES = [
    "SELECT last(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY host",
    "SELECT max(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY host, region",
    "SELECT min(g), first(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY *",
    "SELECT first(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time(10m), host",
    "SELECT last(f), max(g) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time(7m), region fill(0)",
    "SELECT max(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY time(20m), host ORDER BY time DESC",
    "SELECT last(s) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY host",
    "SELECT max(f) * 2, min(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY host LIMIT 1",
    "SELECT last(f) FROM m WHERE time >= {lo} AND time < {hi} GROUP BY host SLIMIT 3 SOFFSET 1",
    "SELECT max(f) FROM m WHERE time >= {lo} AND time < {hi} AND host != 'h2' GROUP BY region",
]


def _one_at_a_time(*args, **kwargs) -> None:
    return None


@pytest.mark.parametrize("seed", range(6))
def test_groups_selected_together_answer_as_one_by_one(tmp_path: Path, seed: int,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    node = random_node(tmp_path, seed, floats=seed % 2 == 0)
    meta, meta_store, store = node
    try:
        taken = spy(monkeypatch, aggregate, "_select_groups", lambda found: found is not None)
        queries = within_random_ranges(TEMPLATES, random.Random(seed))
        same_answers((meta, store, "db"), queries, monkeypatch, aggregate, "_select_groups", _one_at_a_time,
                     chunk_sizes=(0, 3), with_rows=False)
        assert any(taken)  # the path is taken (ties hand the groups over: some are not)
    finally:
        store.close()
        meta_store.close()
