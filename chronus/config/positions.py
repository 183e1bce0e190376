"""Where each key of a (valid) TOML document is defined: the line numbers in influxd's error messages.

Python's ``tomllib`` parses the document but keeps no positions, while influxd's messages say
``toml: line 7 (last key "graphite.enabled"): ...``. This scanner walks the text once more and records, like
BurntSushi's parser does, the line of every explicitly defined key (the last definition wins, so a key
inside repeated ``[[graphite]]`` tables reports its last occurrence) and which paths are arrays of tables.
Keys only implied by a dotted key (``a`` in ``a.b = 1``) get no line, as in influxd. The input has already
been accepted by ``tomllib``, so the scanner does not re-check the syntax.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field

from chronus.config.encode import key_path

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


@dataclass
class KeyPositions:
    """Line (1-based) of each defined key path, keyed by its dotted TOML form, and the array-table paths."""

    lines: dict[str, int] = field(default_factory=dict)
    array_tables: set[str] = field(default_factory=set)

    def line(self, path: list[str] | tuple[str, ...]) -> int:
        """The line of a key path, 0 when it was never explicitly defined."""
        return self.lines.get(key_path(path), 0)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.result = KeyPositions()

    # -- low level
    def peek(self, n: int = 1) -> str:
        return self.text[self.pos:self.pos + n]

    def advance(self, n: int = 1) -> None:
        self.line += self.text.count("\n", self.pos, self.pos + n)
        self.pos += n

    def skip_blank(self, newlines: bool) -> None:
        """Skip spaces (and, when allowed, newlines and comments)."""
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch in " \t" or (newlines and ch in "\r\n"):
                self.advance()
            elif ch == "#" and newlines:
                end = self.text.find("\n", self.pos)
                self.advance((len(self.text) if end < 0 else end) - self.pos)
            else:
                return

    def skip_to_line_end(self) -> None:
        end = self.text.find("\n", self.pos)
        self.advance((len(self.text) if end < 0 else end) - self.pos)

    # -- pieces
    def quoted(self) -> str:
        """Read a quoted string (any of the four forms) and return its value."""
        start = self.pos
        for delim in ('"""', "'''"):
            if self.text.startswith(delim, self.pos):
                end = self.pos + 3
                while True:
                    end = self.text.index(delim, end)
                    if delim == '"""' and _escaped(self.text, end):
                        end += 1
                        continue
                    break
                while self.text.startswith(delim[0], end + 3):  # up to two quotes may close the string
                    end += 1
                self.advance(end + 3 - self.pos)
                return ""
        delim = self.text[self.pos]
        end = self.pos + 1
        while self.text[end] != delim or (delim == '"' and _escaped(self.text, end)):
            end += 1
        self.advance(end + 1 - self.pos)
        raw = self.text[start:self.pos]
        return tomllib.loads(f"k = {raw}")["k"]

    def key(self) -> list[str]:
        """Read a dotted key (up to, not including, ``=`` or ``]``)."""
        parts = []
        while True:
            self.skip_blank(False)
            if self.peek() in ('"', "'"):
                parts.append(self.quoted())
            else:
                start = self.pos
                while self.pos < len(self.text) and self.text[self.pos] in _BARE:
                    self.pos += 1
                parts.append(self.text[start:self.pos])
            self.skip_blank(False)
            if self.peek() != ".":
                return parts
            self.advance()

    def value(self, path: list[str] | None) -> None:
        """Skip one value; record the keys of inline tables under ``path`` (None: do not record)."""
        ch = self.peek()
        if ch in ('"', "'"):
            self.quoted()
        elif ch == "[":
            self.advance()
            while True:
                self.skip_blank(True)
                if self.peek() == "]":
                    self.advance()
                    return
                self.value(None)
                self.skip_blank(True)
                if self.peek() == ",":
                    self.advance()
        elif ch == "{":
            self.advance()
            while True:
                self.skip_blank(False)
                if self.peek() == "}":
                    self.advance()
                    return
                self.key_value(path)
                self.skip_blank(False)
                if self.peek() == ",":
                    self.advance()
        else:
            while self.pos < len(self.text) and self.text[self.pos] not in ",]}\r\n#":
                self.pos += 1

    def key_value(self, context: list[str] | None) -> None:
        parts = self.key()
        self.advance()  # '='
        self.skip_blank(False)
        full = None if context is None else [*context, *parts]
        if full is not None:
            self.result.lines[key_path(full)] = self.line
        self.value(full)

    def scan(self) -> KeyPositions:
        context: list[str] = []
        while True:
            self.skip_blank(True)
            if self.pos >= len(self.text):
                return self.result
            if self.peek() == "[":
                array = self.peek(2) == "[["
                line = self.line
                self.advance(2 if array else 1)
                context = self.key()
                self.advance(2 if array else 1)
                self.result.lines[key_path(context)] = line
                if array:
                    self.result.array_tables.add(key_path(context))
                self.skip_to_line_end()
            else:
                self.key_value(context)
                self.skip_to_line_end()


def _escaped(text: str, index: int) -> bool:
    """Whether the character at ``index`` is preceded by an odd number of backslashes."""
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def key_positions(text: str) -> KeyPositions:
    """Scan a document that ``tomllib`` accepted; see the module docstring."""
    return _Scanner(text).scan()
