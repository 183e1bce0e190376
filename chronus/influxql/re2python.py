"""An InfluxQL regex (Go's RE2 syntax, Perl flags) as a Python ``re`` pattern that matches the same strings.

The two dialects share most of their syntax but not all of its meaning. What this pass rewrites, reading a
pattern Go already accepted (``re2syntax`` checks that) from left to right:

* ``\\d \\s \\w \\b`` and their negations are ASCII in Go, Unicode in Python: spelled out as ASCII sets.
* ``$`` without the ``m`` flag is the end of the text in Go (Python also matches before a final newline):
  ``\\Z``; ``\\z`` is Go's spelling of ``\\Z``.
* ``\\Q...\\E`` quotes, ``\\x{...}`` and octal escapes, ``[[:alpha:]]`` POSIX classes and ``\\pL`` /
  ``\\p{Greek}`` Unicode classes (``unicode_tables``) do not exist in Python: literal text and explicit sets.
* A character class is rebuilt as explicit code point ranges, so that Go's reading of it (``[\\d-z]``: a
  class, a ``-``, a ``z``) is the one Python gets.
* ``(?i)`` in the middle of a group (Python allows flags only at the start) becomes a scoped group to the
  end of the enclosing one; ``U`` (ungreedy) swaps the greediness of the repetitions it covers.
* A ``{`` that does not start a repetition (``{,3}``, ``{x}``) is a literal in Go: escaped.
"""

from __future__ import annotations

import bisect
import functools
import re

_MAX_RUNE = 0x10FFFF
_DIGIT = ((0x30, 0x39),)
_SPACE = ((0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20))  # Go's \s: no \v
_WORD = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_PERL = {"d": _DIGIT, "s": _SPACE, "w": _WORD}
_POSIX = {
    "alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)),
    "alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    "ascii": ((0x00, 0x7F),),
    "blank": ((0x09, 0x09), (0x20, 0x20)),
    "cntrl": ((0x00, 0x1F), (0x7F, 0x7F)),
    "digit": ((0x30, 0x39),),
    "graph": ((0x21, 0x7E),),
    "lower": ((0x61, 0x7A),),
    "print": ((0x20, 0x7E),),
    "punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)),
    "space": ((0x09, 0x0D), (0x20, 0x20)),
    "upper": ((0x41, 0x5A),),
    "word": _WORD,
    "xdigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
}
_SIMPLE = {"a": 0x07, "f": 0x0C, "t": 0x09, "n": 0x0A, "r": 0x0D, "v": 0x0B}
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")
_WORD_CLASS = "[0-9A-Za-z_]"
# (ASCII word characters whatever the case flag says: KELVIN SIGN is no word character to Go's \b)
_BOUNDARY = f"(?-i:(?<={_WORD_CLASS})(?!{_WORD_CLASS})|(?<!{_WORD_CLASS})(?={_WORD_CLASS}))"
_NOT_BOUNDARY = f"(?-i:(?<={_WORD_CLASS})(?={_WORD_CLASS})|(?<!{_WORD_CLASS})(?!{_WORD_CLASS}))"


@functools.lru_cache(maxsize=256)
def _unicode_class(name: str) -> tuple[tuple[int, int], ...]:
    """Go's ``\\p{name}``: a category or script of Unicode 13 (``Any``: every code point)."""
    if name == "Any":
        return ((0, _MAX_RUNE),)
    from chronus.influxql.unicode_tables import TABLES

    out: list[tuple[int, int]] = []
    for cell in TABLES[name].split(","):
        span, _, stride = cell.partition("/")
        lo, hi = (int(x, 16) for x in span.split("-"))
        step = int(stride) if stride else 1
        if step == 1:
            out.append((lo, hi))
        else:
            out.extend((cp, cp) for cp in range(lo, hi + 1, step))
    return tuple(_merge(out))


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _negate(ranges: list[tuple[int, int]] | tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    out, at = [], 0
    for lo, hi in _merge(list(ranges)):
        if lo > at:
            out.append((at, lo - 1))
        at = hi + 1
    if at <= _MAX_RUNE:
        out.append((at, _MAX_RUNE))
    return out


@functools.lru_cache(maxsize=1)
def _orbits() -> tuple[list[int], dict[int, tuple[int, ...]]]:
    """Each cased code point's case orbit (the code points one-to-one case mappings link it with: ``k``,
    ``K``, KELVIN SIGN), as Go's ``(?i)`` folds a class; built once, on the first case-insensitive class."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for cp in range(0x1F000):
        ch = chr(cp)
        for other in (ch.lower(), ch.upper(), ch.casefold()):
            if len(other) == 1 and other != ch:
                a, b = find(cp), find(ord(other))
                if a != b:
                    parent[max(a, b)] = min(a, b)
    members: dict[int, list[int]] = {}
    for cp in list(parent):
        members.setdefault(find(cp), []).append(cp)
    orbits: dict[int, tuple[int, ...]] = {}
    for root, group in members.items():
        orbit = tuple(sorted({root, *group}))
        for cp in orbit:
            orbits[cp] = orbit
    return sorted(orbits), orbits


def _fold(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``ranges`` with every member's case orbit added (Go's ``appendFoldedRange``)."""
    keys, orbits = _orbits()
    out = list(ranges)
    for lo, hi in ranges:
        for k in range(bisect.bisect_left(keys, lo), bisect.bisect_right(keys, hi)):
            out.extend((cp, cp) for cp in orbits[keys[k]])
    return _merge(out)


def _char(cp: int) -> str:
    if cp < 0x80 and chr(cp).isalnum():
        return chr(cp)
    if cp < 0x100:
        return f"\\x{cp:02x}"
    return f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"


def _set(ranges: list[tuple[int, int]]) -> str:
    merged = _merge(ranges)
    if not merged:
        return "(?!)"  # a class nothing is in
    body = "".join(_char(lo) if lo == hi else f"{_char(lo)}-{_char(hi)}" for lo, hi in merged)
    return f"[{body}]"


class _Translator:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.out: list[str] = []
        self.flags = {"i": False, "m": False, "s": False, "U": False}
        self.stack: list[tuple[dict[str, bool], int]] = []  # per open group: flags before it, wrappers
        self.wrappers = 0  # scoped groups opened for flags set in the middle of the current group

    def run(self) -> str:
        p = self.p
        while self.i < len(p):
            ch = p[self.i]
            if ch == "\\":
                self._escape()
            elif ch == "[":
                self.out.append(_set(self._class()))
            elif ch == "(":
                self._open()
            elif ch == ")":
                self.out.append(")" * self.wrappers + ")")
                self.flags, self.wrappers = self.stack.pop()
                self.i += 1
            elif ch in "*+?":
                self.i += 1
                self._repeat(ch)
            elif ch == "{":
                found = _REPEAT.match(p, self.i)
                if found is None:
                    self.out.append("\\{")
                    self.i += 1
                else:
                    self.i = found.end()
                    self._repeat(found.group())
            elif ch == "$":
                self.out.append("$" if self.flags["m"] else "\\Z")
                self.i += 1
            else:
                self.out.append(re.escape(ch) if ch in " #\t\n\r\x0b\x0c" else ch)
                self.i += 1
        self.out.append(")" * self.wrappers)
        return "".join(self.out)

    def _repeat(self, op: str) -> None:
        lazy = self.i < len(self.p) and self.p[self.i] == "?"
        if lazy:
            self.i += 1
        if self.flags["U"]:
            lazy = not lazy
        self.out.append(op + ("?" if lazy else ""))

    def _open(self) -> None:
        p = self.p
        if not p.startswith("(?", self.i) or p.startswith("(?P<", self.i):
            end = p.index(">", self.i) + 1 if p.startswith("(?P<", self.i) else self.i + 1
            self.out.append(p[self.i:end])
            self.stack.append((dict(self.flags), self.wrappers))
            self.wrappers = 0
            self.i = end
            return
        j = self.i + 2
        while p[j] not in ":)":
            j += 1
        spec, scoped = p[self.i + 2:j], p[j] == ":"
        flags = dict(self.flags)
        on = True
        for f in spec:
            if f == "-":
                on = False
            else:
                flags[f] = on
        python = "".join(f for f in "ims" if flags[f] and not self.flags[f])
        python_off = "".join(f for f in "ims" if self.flags[f] and not flags[f])
        opener = f"(?{python}-{python_off}:" if python_off else f"(?{python}:"
        self.out.append(opener)
        if scoped:
            self.stack.append((dict(self.flags), self.wrappers))
            self.wrappers = 0
        else:
            self.wrappers += 1  # the flags hold to the end of the enclosing group
        self.flags = flags
        self.i = j + 1

    def _escape(self) -> None:
        p = self.p
        c = p[self.i + 1]
        self.i += 2
        if c == "Q":
            end = p.find("\\E", self.i)
            text = p[self.i:] if end < 0 else p[self.i:end]
            self.out.append("".join(re.escape(ch) for ch in text))
            self.i = len(p) if end < 0 else end + 2
        elif c == "z":
            self.out.append("\\Z")
        elif c == "A":
            self.out.append("\\A")
        elif c == "b":
            self.out.append(_BOUNDARY)
        elif c == "B":
            self.out.append(_NOT_BOUNDARY)
        elif not c.isalnum():  # an escaped punctuation character: the same escape in Python
            self.out.append(re.escape(c))
        else:
            self.i -= 2
            ranges = self._class_item_escape()
            if isinstance(ranges, int):
                self.out.append(_set([(ranges, ranges)]))
            else:
                self.out.append(_set(ranges))

    def _class_item_escape(self) -> int | list[tuple[int, int]]:
        """An escape at ``self.i`` (a backslash): a code point, or the ranges of a class escape."""
        p = self.p
        c = p[self.i + 1]
        self.i += 2
        if c in "dswDSW":
            return self._group(list(_PERL[c.lower()]), c.isupper())
        if c in "pP":
            negated = c == "P"
            if p[self.i] == "{":
                end = p.index("}", self.i)
                name = p[self.i + 1:end]
                self.i = end + 1
                if name.startswith("^"):
                    negated, name = not negated, name[1:]
            else:
                name = p[self.i]
                self.i += 1
            return self._group(list(_unicode_class(name)), negated)
        if c == "x":
            if p[self.i] == "{":
                end = p.index("}", self.i)
                value = int(p[self.i + 1:end], 16)
                self.i = end + 1
            else:
                value = int(p[self.i:self.i + 2], 16)
                self.i += 2
            return value
        if c in "01234567":
            digits = c
            while len(digits) < 3 and self.i < len(p) and p[self.i] in "01234567":
                digits += p[self.i]
                self.i += 1
            return int(digits, 8)
        if c in _SIMPLE:
            return _SIMPLE[c]
        return ord(c)  # an escaped punctuation character

    def _class(self) -> list[tuple[int, int]]:
        """A bracketed class at ``self.i`` as code point ranges (negation applied)."""
        p = self.p
        self.i += 1
        negated = p[self.i] == "^"
        if negated:
            self.i += 1
        ranges: list[tuple[int, int]] = []
        first = True
        while first or p[self.i] != "]":
            first = False
            if p.startswith("[:", self.i):
                end = p.index(":]", self.i + 2)
                name = p[self.i + 2:end]
                self.i = end + 2
                ranges.extend(self._group(list(_POSIX[name.lstrip("^")]), name.startswith("^")))
                continue
            lo = self._class_char()
            if isinstance(lo, list):
                ranges.extend(lo)
                continue
            if p[self.i] == "-" and p[self.i + 1] != "]":
                self.i += 1
                hi = self._class_char()
                ranges.extend(self._group([(lo, hi if isinstance(hi, int) else lo)], False))
            else:
                ranges.extend(self._group([(lo, lo)], False))
        self.i += 1
        return _negate(ranges) if negated else _merge(ranges)

    def _group(self, ranges: list[tuple[int, int]], negated: bool) -> list[tuple[int, int]]:
        """A class item: under ``(?i)`` its case orbits join it before any negation, as in Go."""
        if self.flags["i"]:
            ranges = _fold(ranges)
        return _negate(ranges) if negated else ranges

    def _class_char(self) -> int | list[tuple[int, int]]:
        if self.p[self.i] == "\\":
            return self._class_item_escape()
        ch = self.p[self.i]
        self.i += 1
        return ord(ch)


@functools.lru_cache(maxsize=1024)
def to_python(pattern: str) -> str:
    """``pattern`` (valid RE2) as a Python ``re`` pattern with Go's meaning."""
    return _Translator(pattern).run()
