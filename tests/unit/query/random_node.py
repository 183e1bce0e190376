"""A node with random data over three 1h shards: several TSM files per shard (overlapping writes), points
left in the cache, partly deleted series, fields missing here and there, many exact ties. For tests that
compare two ways of answering the same query."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chronus.influxql import parse_query
from chronus.meta import statements as meta_statements
from tests.unit.query.golden_node import open_node

SECOND = 1_000_000_000
BASE = 1_500_000_000 * SECOND


def random_lines(rng: random.Random, count: int, floats: bool = False, hours: int = 3) -> list[str]:
    """``floats``: ``f`` takes values whose sums depend on the order they are added in."""
    lines = []
    for _ in range(count):
        host = rng.randrange(6)
        # floats or few values (many exact ties)
        fields = [f"f={rng.random() * 10 ** rng.randrange(-3, 5)!r}" if floats else f"f={rng.randrange(5)}"]
        if rng.random() < 0.7:
            fields.append(f"g={rng.randrange(3)}i")
        if rng.random() < 0.3:
            fields.append(f's="{rng.choice("ab")}"')
        t = BASE // SECOND + rng.randrange(0, hours * 3600, 10)  # 1h shards, times shared by series
        lines.append(f"m,host=h{host},region=r{host % 2} {','.join(fields)} {t}")
    return lines


def random_node(root: Path, seed: int, floats: bool = False, hours: int = 3):
    rng = random.Random(seed)
    meta_store, meta, store, writer = open_node(root)
    meta_statements.execute(parse_query("CREATE DATABASE db WITH SHARD DURATION 1h").statements[0], meta)
    for _ in range(rng.randrange(2, 5)):  # each round a TSM file per shard; overwrites overlap earlier ones
        body = "\n".join(random_lines(rng, 400, floats, hours)).encode()
        writer.write_lines("db", "autogen", "one", body, "s")
        for shard in store.shards():
            shard.snapshot()
    if rng.random() < 0.7:
        hosts = [f"m,host=h{k},region=r{k % 2}".encode() for k in rng.sample(range(6), 2)]
        lo = BASE + rng.randrange(0, hours * 3600, 10) * SECOND
        for shard in store.shards():
            shard.delete_series_range(hosts, lo, lo + rng.randrange(60, 3600) * SECOND)
    cached = "\n".join(random_lines(rng, 60, floats, hours)).encode()
    writer.write_lines("db", "autogen", "one", cached, "s")  # stays in the cache
    return meta, meta_store, store


def spy(monkeypatch: pytest.MonkeyPatch, module: object, name: str, note: Callable[[Any], Any]) -> list:
    """Wrap ``module.name`` so that ``note(result)`` of each call is appended to the returned list."""
    seen: list = []
    original = getattr(module, name)

    def wrapped(*args: Any) -> Any:
        found = original(*args)
        seen.append(note(found))
        return found

    monkeypatch.setattr(module, name, wrapped)
    return seen


def same_answers(node: tuple, queries: list[str], monkeypatch: pytest.MonkeyPatch, module: object, name: str,
                 replacement: Callable[..., Any], chunk_sizes: tuple[int, ...] = (0,),
                 with_rows: bool = True) -> None:
    """Each query answers the same (every chunking) as with ``module.name`` replaced by ``replacement``
    (the plain path), and without an error (and, ``with_rows``, with rows)."""
    from tests.unit.query.test_select_golden import run

    for q in queries:
        for chunk_size in chunk_sizes:
            helped = run(node, q, chunk_size)
            with monkeypatch.context() as patched:
                patched.setattr(module, name, replacement)
                plain = run(node, q, chunk_size)
            assert helped == plain, (q, chunk_size)
            assert b'"error"' not in helped, helped[:300]
            assert not with_rows or b'"values"' in helped, helped[:300]


def within_random_ranges(templates: list[str], rng: random.Random) -> list[str]:
    """Each template with ``{lo}`` and ``{hi}`` filled: a range starting up to 10 minutes before the data
    and ending half an hour to four hours later (past the data at times)."""
    queries = []
    for template in templates:
        lo = BASE + rng.randrange(-600, 3600, 10) * SECOND
        queries.append(template.format(lo=lo, hi=lo + rng.randrange(1800, 4 * 3600) * SECOND))
    return queries
