"""Record the regex goldens (Go's RE2 meaning of InfluxQL regexes) from the real influxd 1.6.7.

Usage (needs ``/usr/bin/influxd``; standard library only)::

    python tools/record_regex.py [--influxd /path/to/influxd]

Same shape as ``record_select.py``: reads ``tests/golden/regex/dataset.json`` (strings where Go's and
Python's regexes part: non-ASCII digits and letters, case orbits, braces) and ``corpus.txt``, writes
``answers.jsonl``.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from record_select import record_suite  # noqa: E402

HERE = REPO / "tests" / "golden" / "regex"


def main(argv: list[str] | None = None) -> int:
    return record_suite(HERE, argv, __doc__.split("\n", 1)[0])


if __name__ == "__main__":
    sys.exit(main())
