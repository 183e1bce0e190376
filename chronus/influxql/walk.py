"""Depth-first traversal of an AST, the way InfluxQL's ``Walk`` visits nodes (parents before children)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from chronus.influxql.ast import Node

# Per node type, its dataclass field names (``dataclasses.fields`` is costly on every node of every query).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def walk(node: Node | None) -> Iterator[Node]:
    """Every node under ``node`` (itself first), children in field order; lists are walked item by item.

    Generic over the dataclass fields, so a node type added to ``ast`` is walked without changes here.
    """
    if node is None:
        return
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        yield current
        children: list[Node] = []
        names = _FIELD_NAMES.get(type(current))
        if names is None:
            names = _FIELD_NAMES[type(current)] = tuple(f.name for f in dataclasses.fields(current))
        for name in names:
            value = getattr(current, name)
            if isinstance(value, Node):
                children.append(value)
            elif isinstance(value, list):
                children.extend(child for child in value if isinstance(child, Node))
        stack.extend(reversed(children))
