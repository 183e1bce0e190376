"""A node with random data over three 1h shards: several TSM files per shard (overlapping writes), points
left in the cache, partly deleted series, fields missing here and there, many exact ties. For tests that
compare two ways of answering the same query."""

from __future__ import annotations

import random
from pathlib import Path

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
