"""``aggregate._edge_candidates`` (the rows first()/last() without GROUP BY time see in each shard tag set's
merge, found over all series at once) gives what a walk over the series one by one gives; the shared
all-valid masks of read columns cannot be changed in place."""

from __future__ import annotations

import random

import numpy as np
import pytest

from chronus.query import aggregate
from chronus.query.vector import FLOAT, Column


def _one_by_one(chunks: list, column: int, first: bool) -> list[tuple[list, list, list]]:
    """Per tag set: its candidates' (chunk, row) in merge input order and the start of each series' run."""
    by_part: dict[int, list] = {}
    for number, pts in enumerate(chunks):
        col = pts.columns[column]
        rows = np.flatnonzero(col.valid) if col.kind is not None else np.empty(0, np.int64)
        if len(rows):
            by_part.setdefault(pts.part, []).append((number, rows[:2] if first else rows[::-1][:2]))
    out = []
    for candidates in by_part.values():
        if not first:
            candidates = candidates[::-1]
        owners = [n for n, rows in candidates for _ in rows]
        rows = [int(r) for _, rows in candidates for r in rows]
        offsets = [0]
        for _, found in candidates:
            offsets.append(offsets[-1] + len(found))
        out.append((owners, rows, offsets))
    return out


def _random_chunks(rnd: random.Random) -> list:
    chunks = []
    for _ in range(rnd.randint(1, 12)):
        n = rnd.randint(0, 6)
        times = np.array(sorted(rnd.sample(range(100), n)), np.int64)
        valid = np.array([rnd.random() < 0.6 for _ in range(n)], bool)
        kind = None if rnd.random() < 0.1 else FLOAT
        col = Column(kind, np.arange(n, dtype=np.float64), valid if kind else np.zeros(n, bool))
        chunks.append(aggregate._Points(times, [Column.null(n), col], part=rnd.randint(0, 3)))
    return chunks


@pytest.mark.parametrize("first", [True, False])
def test_edge_candidates_match_series_one_by_one(first: bool) -> None:
    rnd = random.Random(11 if first else 12)
    for _ in range(400):
        chunks = _random_chunks(rnd)
        found = [(owners.tolist(), rows.tolist(), offsets.tolist())
                 for owners, rows, _, offsets in aggregate._edge_candidates(chunks, 1, first)]
        assert found == _one_by_one(chunks, 1, first)
        every = np.concatenate([pts.times for pts in chunks])
        for owners, rows, at, _ in aggregate._edge_candidates(chunks, 1, first):
            assert every[at].tolist() == [int(chunks[o].times[r]) for o, r in zip(owners, rows, strict=True)]


def test_no_series_no_candidates() -> None:
    assert aggregate._edge_candidates([], 0, True) == []
    empty = aggregate._Points(np.array([1, 2], np.int64), [Column.null(2)], part=0)
    assert aggregate._edge_candidates([empty], 0, False) == []


def test_all_valid_masks_are_shared_and_read_only() -> None:
    from chronus.query.vector import all_valid

    small, big = all_valid(3), all_valid(200_000)
    assert small.tolist() == [True] * 3 and len(big) == 200_000 and bool(big.all())
    assert len(all_valid(0)) == 0
    with pytest.raises(ValueError):
        small[0] = False  # a column read from storage may share it: nobody may change it in place
