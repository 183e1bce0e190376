"""Names in Go's order: strings compare by their UTF-8 bytes.

Names are kept as ``str`` with invalid UTF-8 bytes held as lone surrogates (``surrogateescape``). Python
orders code points, which matches the byte order of valid UTF-8 but not of such a byte: ``b"\\xe59"`` sorts
before ``"値"`` (``b"\\xe5\\x80\\xa4"``) in influxd, after it as code points. Plain ASCII needs no re-sort.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def go_bytes(text: str) -> bytes:
    """The bytes Go compares for ``text``."""
    return text.encode("utf-8", "surrogateescape")


def go_sorted(items: Iterable[str], reverse: bool = False) -> list[str]:
    """``items`` sorted as Go's ``sort.Strings`` sorts them."""
    out = sorted(items, reverse=reverse)
    if not all(map(str.isascii, out)):
        out.sort(key=go_bytes, reverse=reverse)
    return out


def go_sorted_by(items: Iterable[T], key: Callable[[T], Any], reverse: bool = False,
                 plain: Callable[[T], bool] | None = None) -> list[T]:
    """``items`` sorted by ``key(item)`` (a string, or tuples nesting strings and numbers), strings in Go's
    order. ``plain(item)``, when given, tells cheaply that an item's strings are all ASCII."""
    out = list(items)
    simple = all(map(plain, out)) if plain is not None else all(_ascii(key(item)) for item in out)
    out.sort(key=key if simple else lambda item: _as_bytes(key(item)), reverse=reverse)
    return out


def _ascii(value: Any) -> bool:
    if isinstance(value, str):
        return value.isascii()
    if isinstance(value, tuple):
        return all(_ascii(v) for v in value)
    return True


def _as_bytes(value: Any) -> Any:
    if isinstance(value, str):
        return go_bytes(value)
    if isinstance(value, tuple):
        return tuple(_as_bytes(v) for v in value)
    return value
