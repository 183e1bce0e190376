"""Series reduced in batches (``aggregate._REDUCE_BATCH``) answer as when a shard's series are reduced whole.

The golden data sets hold fewer series per shard than a batch, so the aggregate and select goldens run here
once more with batches of two series: every count/sum/mean partial and every selector candidate is then
worked out over several batches of a shard, and each body must still be influxd's.
"""

from __future__ import annotations

import pytest

from chronus.query import aggregate
from tests.unit.query.golden_node import GOLDEN, golden_answers, loaded_node
from tests.unit.query.test_select_golden import run

SUITES = ("aggregate", "select")
CASES = [(suite, a) for suite in SUITES for a in golden_answers(suite) if a["status"] == 200]


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory):
    opened = [loaded_node(tmp_path_factory.mktemp(suite), GOLDEN / suite / "dataset.json")
              for suite in SUITES]
    found = {suite: next(gen) for suite, gen in zip(SUITES, opened, strict=True)}
    yield found
    for gen in opened:
        for _ in gen:
            pass


@pytest.mark.parametrize(("suite", "entry"), CASES, ids=[f"{s}-{a['id']}" for s, a in CASES])
def test_batched_reduce_matches_influxd(nodes, monkeypatch: pytest.MonkeyPatch, suite: str,
                                        entry: dict) -> None:
    monkeypatch.setattr(aggregate, "_REDUCE_BATCH", 2)
    assert run(nodes[suite], entry["q"], entry["chunk_size"]).decode() == entry["body"]
