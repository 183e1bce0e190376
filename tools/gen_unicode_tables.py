"""Write ``chronus/influxql/unicode_tables.py``: the Unicode categories and scripts ``\\p{...}`` names in Go.

Usage (needs Go 1.19's sources, Debian's ``golang-1.19-src``; influxd 1.6.7 is built with Go 1.19)::

    python tools/gen_unicode_tables.py [/usr/lib/go-1.19/src/unicode/tables.go]

Go's ``regexp/syntax`` resolves ``\\pL``, ``\\p{Greek}`` and their negations through ``unicode.Categories``
and ``unicode.Scripts`` (Unicode 13.0.0 in Go 1.19). Python's ``re`` has no such classes and
``unicodedata`` no scripts, so the ranges are kept as data: per name, ``lo-hi`` (or ``lo-hi/stride``) in hex.
"""

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "chronus" / "influxql" / "unicode_tables.py"


def main(argv: list[str]) -> int:
    source = Path(argv[0] if argv else "/usr/lib/go-1.19/src/unicode/tables.go").read_text()

    def names(map_name: str) -> dict[str, str]:
        body = re.search(rf"var {map_name} = map\[string\]\*RangeTable\{{(.*?)\n\}}", source, re.S)
        return dict(re.findall(r'"(\w+)":\s+(\w+),', body.group(1)))

    def ranges(var: str) -> list[tuple[int, int, int]]:
        table = re.search(rf"\nvar {re.escape(var)} = &RangeTable\{{(.*?)\n\}}", source, re.S)
        if table is None:  # an exported alias (``Lu = _Lu``) of the table
            return ranges(re.search(rf"\n\t{re.escape(var)}\s+= (\w+)", source).group(1))
        return [(int(lo, 16), int(hi, 16), int(stride))
                for lo, hi, stride in re.findall(r"\{0x([0-9a-f]+), 0x([0-9a-f]+), (\d+)\}", table.group(1))]

    lines = []
    for map_name in ("Categories", "Scripts"):
        for name, var in sorted(names(map_name).items()):
            cells = ",".join(f"{lo:x}-{hi:x}" + (f"/{stride}" if stride != 1 else "")
                             for lo, hi, stride in ranges(var))
            lines.append(f'    "{name}": "{cells}",')
    OUTPUT.write_text(
        '"""Unicode categories and scripts as Go 1.19\'s ``unicode`` package has them (Unicode 13.0.0),\n'
        "for ``\\\\p{...}`` in InfluxQL regexes: per name, ``lo-hi`` or ``lo-hi/stride`` code point ranges\n"
        "in hex.\n\n"
        'Written by ``tools/gen_unicode_tables.py``; do not edit."""\n\n'
        "# fmt: off\n"
        "TABLES: dict[str, str] = {\n" + "\n".join(lines) + "\n}\n"
    )
    print(f"{OUTPUT.relative_to(REPO)}: {len(lines)} tables", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
