"""``re2python.to_python``: Python patterns with Go's meaning (answers checked against Go 1.19's regexp).

The golden suite (``tests/golden/regex``) covers what influxd answers over stored strings; these cover
what strings written through line protocol cannot hold (newlines) and the translation's own edges.
"""

from __future__ import annotations

import re

import pytest

from chronus.influxql.re2python import to_python
from chronus.influxql.unicode_tables import TABLES


def _go(pattern: str, text: str) -> bool:
    return re.search(to_python(pattern), text) is not None


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    ("a$", "a\n", False),  # Go's $ is the end of the text; Python's also matches before a final newline
    ("a$", "a", True),
    ("(?m)a$", "a\nb", True),
    ("a\\z", "a\n", False),
    ("^\\s$", "\x0b", False),  # Go's \s has no vertical tab
    ("^\\s$", "\x0c", True),
    ("\\d", "\u0663", False),  # ARABIC-INDIC DIGIT THREE: no \d in Go
    ("\\bk\\b", "\u212a", False),  # KELVIN SIGN is no word character
    ("(?i)k", "\u212a", True),  # ... but folds to k
    ("(?i)[^k]", "\u212a", False),
    ("(?i)^\\W$", "\u017f", False),  # long s folds into \w under (?i)
    ("^\\W$", "\u017f", True),
    ("x{,2}", "x{,2}", True),  # not a repetition in Go: literal braces
    ("x{,2}", "xx", False),
    ("\\Q.*\\E", "a.*", True),
    ("\\Q.*\\E", "ab", False),
    ("ab(?i)c", "abC", True),  # flags in the middle of a group hold to its end
    ("ab(?i)c", "aBc", False),
    ("(a(?i)b)c", "aBc", True),
    ("(a(?i)b)c", "aBC", False),
    ("(?U)a+", "aaa", True),
    ("[\\d-z]", "-", True),  # a class, a literal "-", a z
    ("[\\d-z]", "y", False),
    ("[[:^alpha:]]", "a", False),
    ("\\x{3b1}\\101", "\u03b1A", True),
    ("^\\p{Greek}+$", "\u03b1\u03b2", True),
    ("\\p{^Greek}", "\u03b1", False),
    ("\\PL", "a", False),
])
def test_go_meaning(pattern: str, text: str, expected: bool) -> None:
    assert _go(pattern, text) is expected


def test_greediness_swaps_under_u() -> None:
    assert re.search(to_python("(?U)a+"), "aaa").group() == "a"
    assert re.search(to_python("(?U)a+?"), "aaa").group() == "aaa"


def test_every_unicode_name_compiles() -> None:
    """Every category and script Go knows, and their negations, inside and outside classes."""
    for name in TABLES:
        for pattern in (f"\\p{{{name}}}", f"\\P{{{name}}}", f"[\\p{{^{name}}}x]"):
            re.compile(to_python(pattern))
    assert len(TABLES) == 192
