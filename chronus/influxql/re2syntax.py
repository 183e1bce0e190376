"""Syntax check of a regular expression as Go's ``regexp.Compile`` (RE2 syntax, Perl flags) sees it.

InfluxQL compiles a regex as soon as it reads one, and a bad one is a parse error worded by Go's
``regexp/syntax``: ``error parsing regexp: <what>: `<piece>```.  This is one left-to-right pass over the
pattern that finds the first such error and quotes the piece Go quotes; it builds nothing (the query engine
translates valid patterns to Python's ``re`` with Go's meaning in ``re2python``).

Not covered: Go's limits on huge programs ("expression too large", "expression nests too deeply", more
than ~3 million instructions or a tree over 1000 levels high) and invalid UTF-8 (query text is decoded).
"""

from __future__ import annotations

MISSING_BRACKET = "missing closing ]"
MISSING_PAREN = "missing closing )"
UNEXPECTED_PAREN = "unexpected )"
INVALID_ESCAPE = "invalid escape sequence"
INVALID_RANGE = "invalid character class range"
INVALID_PERL_OP = "invalid or unsupported Perl syntax"
INVALID_NAMED_CAPTURE = "invalid named capture"
INVALID_REPEAT_OP = "invalid nested repetition operator"
INVALID_REPEAT_SIZE = "invalid repeat count"
MISSING_REPEAT_ARG = "missing argument to repetition operator"
TRAILING_BACKSLASH = "trailing backslash at end of expression"

_MAX_REPEAT = 1000

_DIGITS = frozenset("0123456789")
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_OCTAL = frozenset("01234567")
_HEX = frozenset("0123456789abcdefABCDEF")
_SIMPLE_ESCAPES = frozenset("afnrtv")
_PERL_CLASSES = frozenset("dDsSwW")
_POSIX_CLASSES = frozenset((
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space",
    "upper", "word", "xdigit",
))

#: Names ``\p{...}`` accepts: "Any", the Unicode general categories and scripts of Go 1.19 (Unicode 13).
_UNICODE_NAMES = """
Any C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs
Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali Bhaiksuki
Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian Caucasian_Albanian Chakma Cham Cherokee
Chorasmian Common Coptic Cuneiform Cypriot Cyrillic Deseret Devanagari Dives_Akuru Dogra Duployan
Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Georgian Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi
Gurmukhi Han Hangul Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic Inherited
Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi Kannada Katakana Kayah_Li Kharoshthi
Khitan_Small_Script Khmer Khojki Khudawadi Lao Latin Lepcha Limbu Linear_A Linear_B Lisu Lycian Lydian
Mahajani Makasar Malayalam Mandaic Manichaean Marchen Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui
Meroitic_Cursive Meroitic_Hieroglyphs Miao Modi Mongolian Mro Multani Myanmar Nabataean Nandinagari
New_Tai_Lue Newa Nko Nushu Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Old_Hungarian Old_Italic Old_North_Arabian
Old_Permic
Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Oriya Osage Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau
Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic Samaritan Saurashtra Sharada Shavian Siddham SignWriting
Sinhala Sogdian Sora_Sompeng Soyombo Sundanese Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet
Takri Tamil Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta Ugaritic Vai Wancho Warang_Citi Yezidi Yi
Zanabazar_Square
"""
UNICODE_CLASSES = frozenset(_UNICODE_NAMES.split())


class _Bad(Exception):
    def __init__(self, code: str, piece: str) -> None:
        super().__init__(code)
        self.code, self.piece = code, piece


def go_regex_error(pattern: str) -> str:
    """``regexp.Compile(pattern)``'s error text, or "" when Go accepts the pattern."""
    try:
        _Checker(pattern).run()
    except _Bad as bad:
        return f"error parsing regexp: {bad.code}: `{bad.piece}`"
    return ""


class _Checker:
    """One pass over the pattern.

    ``stack`` mirrors the shape of Go's parse stack just enough for its errors: for each open group, the
    repeat weights of the atoms parsed in it (``None`` marks "nothing to repeat here yet").  A repeat
    weight is the largest product of ``{n}`` counts along a path into the atom, which Go caps at 1000.
    """

    def __init__(self, pattern: str) -> None:
        self.s = pattern
        self.i = 0
        self.groups: list[list[int]] = [[]]  # per open group: weights of its atoms since the last "|"
        self.group_weight: list[int] = [1]  # per open group: the heaviest alternative closed so far
        self.last_repeat = -1  # where the previous item started, if it was a repetition operator

    # -- driver -----------------------------------------------------------------------------------------

    def run(self) -> None:
        s = self.s
        while self.i < len(s):
            start = self.i
            repeat = -1
            ch = s[start]
            if ch == "(":
                self._open_group()
            elif ch == "|":
                self._alternate()
                self.i += 1
            elif ch == ")":
                self._close_group()
                self.i += 1
            elif ch in "^$.":
                self._atom()
                self.i += 1
            elif ch == "[":
                self._class()
                self._atom()
            elif ch in "*+?":
                self.i += 1
                self._repeat(start, 0, 0, is_counted=False)
                repeat = start
            elif ch == "{":
                parsed = self._counted_repeat()
                if parsed is None:  # not a repeat: a literal "{"
                    self._atom()
                    self.i += 1
                else:
                    low, high = parsed
                    if low < 0 or low > _MAX_REPEAT or high > _MAX_REPEAT or 0 <= high < low:
                        raise _Bad(INVALID_REPEAT_SIZE, s[start:self.i])
                    self._repeat(start, low, high, is_counted=True)
                    repeat = start
            elif ch == "\\":
                self._escape_outside_class()
            else:
                self._atom()
                self.i += 1
            self.last_repeat = repeat
        if len(self.groups) != 1:
            raise _Bad(MISSING_PAREN, s)

    # -- the parse stack ---------------------------------------------------------------------------------

    def _atom(self, weight: int = 1) -> None:
        self.groups[-1].append(weight)

    def _open_group(self) -> None:
        s, i = self.s, self.i
        if s.startswith("(?", i):
            self._perl_flags()
            return
        self.i += 1
        self.groups.append([])
        self.group_weight.append(1)

    def _alternate(self) -> None:
        atoms = self.groups[-1]
        self.group_weight[-1] = max([self.group_weight[-1], *atoms])
        self.groups[-1] = []

    def _close_group(self) -> None:
        if len(self.groups) < 2:
            raise _Bad(UNEXPECTED_PAREN, self.s)
        atoms = self.groups.pop()
        weight = max([self.group_weight.pop(), *atoms])
        self._atom(weight)

    def _repeat(self, start: int, low: int, high: int, is_counted: bool) -> None:
        s = self.s
        if self.i < len(s) and s[self.i] == "?":  # non-greedy
            self.i += 1
        if self.last_repeat >= 0:
            raise _Bad(INVALID_REPEAT_OP, s[self.last_repeat:self.i])
        atoms = self.groups[-1]
        if not atoms:
            raise _Bad(MISSING_REPEAT_ARG, s[start:self.i])
        if not is_counted:
            return
        count = high if high >= 0 else low
        weight = 1 if high == 0 else atoms[-1] * max(count, 1)
        if (low >= 2 or high >= 2) and weight > _MAX_REPEAT:
            raise _Bad(INVALID_REPEAT_SIZE, s[start:self.i])
        atoms[-1] = weight

    # -- pieces ------------------------------------------------------------------------------------------

    def _counted_repeat(self) -> tuple[int, int] | None:
        """``{n}``, ``{n,}`` or ``{n,m}`` at ``self.i`` as (min, max) with max -1 for none; None if not one.

        A number too big to read is -1 (Go then reports the repeat count as invalid).
        """
        s, i = self.s, self.i + 1
        low, i = self._int(i)
        if low is None or i >= len(s):
            return None
        high = low
        if s[i] == ",":
            i += 1
            if i >= len(s):
                return None
            if s[i] == "}":
                high = -1
            else:
                high, i = self._int(i)
                if high is None:
                    return None
                if high < 0:
                    low = -1
        if i >= len(s) or s[i] != "}":
            return None
        self.i = i + 1
        return low, high

    def _int(self, i: int) -> tuple[int | None, int]:
        s = self.s
        if i >= len(s) or s[i] not in _DIGITS:
            return None, i
        if s[i] == "0" and i + 1 < len(s) and s[i + 1] in _DIGITS:
            return None, i  # no leading zeros
        j = i
        while j < len(s) and s[j] in _DIGITS:
            j += 1
        digits = s[i:j]
        return (int(digits) if len(digits) <= 8 else -1), j

    def _perl_flags(self) -> None:
        """``(?flags)``, ``(?flags:``, ``(?P<name>``; the caller saw "(?"."""
        s, start = self.s, self.i
        if len(s) - start > 4 and s[start + 2] == "P" and s[start + 3] == "<":
            end = s.find(">", start)
            if end < 0:
                raise _Bad(INVALID_NAMED_CAPTURE, s[start:])
            name = s[start + 4:end]
            if not name or any(c != "_" and c not in _ALNUM for c in name):
                raise _Bad(INVALID_NAMED_CAPTURE, s[start:end + 1])
            self.i = end + 1
            self.groups.append([])
            self.group_weight.append(1)
            return
        i = start + 2
        negated = saw_flag = False
        while i < len(s):
            c = s[i]
            i += 1
            if c in "imsU":
                saw_flag = True
            elif c == "-" and not negated:
                negated, saw_flag = True, False
            elif c in ":)" and (saw_flag or not negated):
                self.i = i
                if c == ":":
                    self.groups.append([])
                    self.group_weight.append(1)
                return
            else:
                break
        raise _Bad(INVALID_PERL_OP, s[start:i])

    def _escape_outside_class(self) -> None:
        s, i = self.s, self.i
        nxt = s[i + 1] if i + 1 < len(s) else ""
        if nxt in ("A", "b", "B", "z") and nxt:
            self.i = i + 2
            self._atom()
            return
        if nxt == "C":
            raise _Bad(INVALID_ESCAPE, s[i:i + 2])
        if nxt == "Q":  # \Q...\E: literal text
            end = s.find("\\E", i + 2)
            literal = s[i + 2:] if end < 0 else s[i + 2:end]
            self.i = len(s) if end < 0 else end + 2
            for _ in literal:
                self._atom()
            return
        if nxt in ("p", "P") and nxt:
            self.i = self._unicode_class(i)
            self._atom()
            return
        if nxt in _PERL_CLASSES and nxt:
            self.i = i + 2
            self._atom()
            return
        self.i = self._escape(i)
        self._atom()

    def _escape(self, i: int) -> int:
        """A single-character escape at ``i`` (the backslash); returns where it ends."""
        s = self.s
        j = i + 1
        if j >= len(s):
            raise _Bad(TRAILING_BACKSLASH, "")
        c = s[j]
        j += 1
        if c in _OCTAL and (c == "0" or (j < len(s) and s[j] in _OCTAL)):
            for _ in range(2):  # up to three octal digits (\1 alone would be a backreference)
                if j < len(s) and s[j] in _OCTAL:
                    j += 1
            return j
        if c == "x":
            return self._hex_escape(i, j)
        if c in _SIMPLE_ESCAPES:
            return j
        if c < "\x80" and c not in _ALNUM:
            return j  # an escaped punctuation character is itself
        raise _Bad(INVALID_ESCAPE, s[i:j])

    def _hex_escape(self, i: int, j: int) -> int:
        s = self.s
        if j >= len(s):
            raise _Bad(INVALID_ESCAPE, s[i:j])
        c = s[j]
        j += 1
        if c == "{":
            digits = 0
            value = 0
            while True:
                if j >= len(s):
                    raise _Bad(INVALID_ESCAPE, s[i:j])
                c = s[j]
                j += 1
                if c == "}":
                    break
                if c not in _HEX:
                    raise _Bad(INVALID_ESCAPE, s[i:j])
                value = value * 16 + int(c, 16)
                if value > 0x10FFFF:
                    raise _Bad(INVALID_ESCAPE, s[i:j])
                digits += 1
            if digits == 0:
                raise _Bad(INVALID_ESCAPE, s[i:j])
            return j
        second = s[j] if j < len(s) else ""
        j = min(j + 1, len(s))
        if c not in _HEX or second not in _HEX or not second:
            raise _Bad(INVALID_ESCAPE, s[i:j])
        return j

    def _unicode_class(self, i: int) -> int:
        """``\\pN``, ``\\p{Name}``, ``\\P{^Name}`` at ``i``; returns where it ends."""
        s = self.s
        if i + 2 >= len(s):  # "\p" at the very end: an empty name
            raise _Bad(INVALID_RANGE, s[i:i + 2])
        if s[i + 2] != "{":
            end = i + 3
            name = s[i + 2]
        else:
            close = s.find("}", i)
            if close < 0:
                raise _Bad(INVALID_RANGE, s[i:])
            end = close + 1
            name = s[i + 3:close]
        if name.startswith("^"):
            name = name[1:]
        if name not in UNICODE_CLASSES:
            raise _Bad(INVALID_RANGE, s[i:end])
        return end

    def _class(self) -> None:
        """A bracketed class at ``self.i``; leaves ``self.i`` after its ``]``."""
        s, start = self.s, self.i
        i = start + 1
        if i < len(s) and s[i] == "^":
            i += 1
        first = True  # "]" is a literal as the first character
        while i >= len(s) or s[i] != "]" or first:
            first = False
            if s.startswith("[:", i) and len(s) - i > 2:
                close = s.find(":]", i + 2)
                if close >= 0:
                    name = s[i + 2:close]
                    if name.removeprefix("^") not in _POSIX_CLASSES:
                        raise _Bad(INVALID_RANGE, s[i:close + 2])
                    i = close + 2
                    continue
            if s.startswith(("\\p", "\\P"), i):
                i = self._unicode_class(i)
                continue
            if i + 1 < len(s) and s[i] == "\\" and s[i + 1] in _PERL_CLASSES:
                i += 2
                continue
            range_start = i
            low, i = self._class_char(i, start)
            if i + 1 < len(s) and s[i] == "-" and s[i + 1] != "]":
                high, i = self._class_char(i + 1, start)
                if high < low:
                    raise _Bad(INVALID_RANGE, s[range_start:i])
        self.i = i + 1

    def _class_char(self, i: int, class_start: int) -> tuple[int, int]:
        """The code point of one class character (or escape) at ``i`` and where it ends."""
        s = self.s
        if i >= len(s):
            raise _Bad(MISSING_BRACKET, s[class_start:])
        if s[i] != "\\":
            return ord(s[i]), i + 1
        end = self._escape(i)
        return _escape_value(s[i:end]), end


def _escape_value(escape: str) -> int:
    """The code point a valid single-character escape stands for."""
    c = escape[1]
    if c in _OCTAL:
        return int(escape[1:], 8)
    if c == "x":
        return int(escape[2:].strip("{}"), 16)
    return ord({"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}.get(c, c))
