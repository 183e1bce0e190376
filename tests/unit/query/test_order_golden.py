"""Points of several series sharing a time, in influxd 1.6.7's order: byte for byte against recorded bodies.

influxd's merge heaps decide which series comes first among points with the same time (raw rows) and in
which order float partials of one window are added (sum, mean): ``chronus.query.mergeorder`` replays them.
The data set of ``tests/golden/order/dataset.json`` is answered twice, as influxd answered it: straight from
the cache and after every shard's cache went to a TSM file. ``tools/record_order.py`` re-records both.
"""

from __future__ import annotations

import numpy as np
import pytest

from chronus._ext.mergeorder import merge_order, merge_order_until, parallel_groups
from chronus.query.mergeorder import string_ranks
from tests.unit.query.golden_node import GOLDEN as GOLDEN_ROOT
from tests.unit.query.golden_node import golden_answers, golden_case, loaded_node
from tests.unit.query.test_select_golden import run

GOLDEN = GOLDEN_ROOT / "order"


# Known differences, each a strict xfail so a fix shows up (none at present).
KNOWN_GAPS: dict[str, str] = {}


def _answers(name: str) -> list:
    return [golden_case(entry, KNOWN_GAPS) for entry in golden_answers("order", name)]


CACHE = _answers("answers_cache.jsonl")
TSM = _answers("answers_tsm.jsonl")


@pytest.fixture(scope="module")
def cache_node(tmp_path_factory: pytest.TempPathFactory):
    yield from loaded_node(tmp_path_factory.mktemp("order-cache"), GOLDEN / "dataset.json")


@pytest.fixture(scope="module")
def tsm_node(tmp_path_factory: pytest.TempPathFactory):
    for meta, store, db in loaded_node(tmp_path_factory.mktemp("order-tsm"), GOLDEN / "dataset.json"):
        for shard in store.shards():
            shard.snapshot()
            assert shard.cache.size() == 0
        yield meta, store, db


@pytest.mark.parametrize("entry", CACHE)
def test_order_from_cache_matches_influxd(cache_node, entry: dict) -> None:
    assert run(cache_node, entry["q"], entry["chunk_size"]).decode() == entry["body"]


@pytest.mark.parametrize("entry", TSM)
def test_order_from_tsm_matches_influxd(tsm_node, entry: dict) -> None:
    assert run(tsm_node, entry["q"], entry["chunk_size"]).decode() == entry["body"]


def _reference_merge(inputs: list[list[int]], window: bool) -> list[tuple[int, int]]:
    """Go's container/heap, step by step in Python: (input, position) in delivery order."""
    pos = [0] * len(inputs)
    heap = [k for k, inp in enumerate(inputs) if inp]

    def less(i: int, j: int) -> bool:
        return inputs[heap[i]][pos[heap[i]]] < inputs[heap[j]][pos[heap[j]]]

    def down(i: int, n: int) -> None:
        while 2 * i + 1 < n:
            j = 2 * i + 1
            if j + 1 < n and less(j + 1, j):
                j += 1
            if not less(j, i):
                return
            heap[i], heap[j] = heap[j], heap[i]
            i = j

    def up(j: int) -> None:
        while j > 0:
            i = (j - 1) // 2
            if not less(j, i):
                return
            heap[i], heap[j] = heap[j], heap[i]
            j = i

    for i in range(len(heap) // 2 - 1, -1, -1):
        down(i, len(heap))
    out = []
    while heap:
        heap[0], heap[-1] = heap[-1], heap[0]
        down(0, len(heap) - 1)
        k = heap.pop()
        rank = inputs[k][pos[k]]
        out.append((k, pos[k]))
        pos[k] += 1
        while window and pos[k] < len(inputs[k]) and inputs[k][pos[k]] == rank:
            out.append((k, pos[k]))
            pos[k] += 1
        if pos[k] < len(inputs[k]):
            heap.append(k)
            up(len(heap) - 1)
    return out


@pytest.mark.parametrize("window", [False, True])
def test_merge_order_replays_go_heap(window: bool) -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        inputs = [sorted(rng.integers(0, 6, rng.integers(0, 7)).tolist()) for _ in range(rng.integers(1, 9))]
        ranks = np.array([r for inp in inputs for r in inp], np.int64)
        offsets = np.zeros(len(inputs) + 1, np.int64)
        np.cumsum([len(i) for i in inputs], out=offsets[1:])
        starts = offsets[:-1].tolist()
        expected = [starts[k] + p for k, p in _reference_merge(inputs, window)]
        assert merge_order(ranks, offsets, window).tolist() == expected


@pytest.mark.parametrize("descending", [False, True])
def test_merge_in_slices_delivers_as_the_whole_merge(descending: bool) -> None:
    """``merge_order_until`` carries Go's heap from slice to slice: each input holds the points below the
    slice's stop and its next one past it (aux strings tie-break, -1 a non-string)."""
    rng = np.random.default_rng(11)
    for _ in range(300):
        inputs = [sorted(rng.integers(0, 12, rng.integers(0, 9)).tolist()) for _ in range(rng.integers(1, 8))]
        aux_of = [[int(a) for a in rng.integers(-1, 3, len(inp))] for inp in inputs]
        ranks = np.array([r for inp in inputs for r in inp], np.int64)
        aux = np.array([a for inp in aux_of for a in inp], np.int64).reshape(-1, 1)
        offsets = np.zeros(len(inputs) + 1, np.int64)
        np.cumsum([len(i) for i in inputs], out=offsets[1:])
        whole = merge_order(ranks, offsets, False, aux, descending).tolist()
        starts = offsets[:-1].tolist()
        owner = [int(np.searchsorted(offsets, i, "right")) - 1 for i in whole]
        whole_points = [(k, i - starts[k]) for i, k in zip(whole, owner, strict=True)]
        stops = sorted(set(rng.integers(0, 13, rng.integers(1, 5)).tolist())) + [13]
        taken = [0] * len(inputs)
        heap = None
        got: list[tuple[int, int]] = []
        for stop in stops:
            # each input: its undelivered points below stop, and the next one
            batch = []
            for k, inp in enumerate(inputs):
                rest = inp[taken[k]:]
                below = sum(1 for r in rest if r < stop)
                batch.append((k, taken[k], min(len(rest), below + 1)))
            b_offsets = np.zeros(len(inputs) + 1, np.int64)
            np.cumsum([c for _, _, c in batch], out=b_offsets[1:])
            b_ranks = np.array([r for k, t, c in batch for r in inputs[k][t:t + c]], np.int64)
            b_aux = np.array([a for k, t, c in batch for a in aux_of[k][t:t + c]], np.int64).reshape(-1, 1)
            order, heap, consumed = merge_order_until(b_ranks, b_offsets, b_aux, descending, heap, stop)
            for i in order.tolist():
                k = int(np.searchsorted(b_offsets, i, "right")) - 1
                got.append((k, taken[k] + i - int(b_offsets[k])))
            taken = [t + int(c) for t, c in zip(taken, consumed.tolist(), strict=True)]
        assert got == whole_points


def test_string_ranks_are_uniques_inverse() -> None:
    rng = np.random.default_rng(5)
    for _ in range(50):
        values = np.empty(int(rng.integers(0, 40)), object)
        choices = ["", "a", "b", "ab", "é", "\udc80z", "Z", "a\x00"]
        values[:] = [rng.choice(choices) for _ in range(len(values))]
        expected = np.unique(values, return_inverse=True)[1].reshape(-1).tolist() if len(values) else []
        assert string_ranks(values).tolist() == expected


def test_merge_order_five_series_tie() -> None:
    # influxd 1.6.7, 5 series with points at t=10 and t=20 (the smallest repro): 0,4,1,3,2 then 3,2,0,1,4
    ranks = np.array([10, 20] * 5, np.int64)
    offsets = np.arange(0, 11, 2, dtype=np.int64)
    assert (merge_order(ranks, offsets) // 2).tolist() == [0, 4, 1, 3, 2, 3, 2, 0, 1, 4]


def test_parallel_groups() -> None:
    assert parallel_groups(5, 2).tolist() == [0, 2, 5]
    assert parallel_groups(1, 2).tolist() == [0, 1]
    assert parallel_groups(4, 8).tolist() == [0, 1, 2, 3, 4]
