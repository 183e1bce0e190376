"""Record the subquery and SELECT INTO goldens from the real influxd 1.6.7.

Usage (needs ``/usr/bin/influxd``; standard library only)::

    python tools/record_subquery.py [--influxd /path/to/influxd]

Covers subqueries (aggregates of aggregates, raw inner queries, GROUP BY inside and/or outside, tags in the
outer WHERE and GROUP BY, wildcards, math, three levels deep, time ranges on either side, LIMIT/OFFSET,
SLIMIT, ORDER BY time DESC, errors) and SELECT INTO (``:MEASUREMENT``, ``db.rp.m``, regex sources,
subquery sources). An INTO line holds a second statement after ``;`` that reads the target back in the same
request, so both answers are recorded in one body; the corpus runs in order against one server. Same shape
as ``record_select.py`` (``tests/golden/subquery/dataset.json``, ``corpus.txt`` -> ``answers.jsonl``).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from record_select import record_suite  # noqa: E402

HERE = REPO / "tests" / "golden" / "subquery"


def main(argv: list[str] | None = None) -> int:
    return record_suite(HERE, argv, __doc__.split("\n", 1)[0])


if __name__ == "__main__":
    sys.exit(main())
