"""Record the transform and math-function goldens of SELECT from the real influxd 1.6.7.

Usage (needs ``/usr/bin/influxd``; standard library only)::

    python tools/record_transform.py [--influxd /path/to/influxd]

Covers derivative, non_negative_derivative, difference, non_negative_difference, moving_average,
cumulative_sum, elapsed (raw and over GROUP BY time aggregates, with fill, ORDER BY DESC, LIMIT) and the
math functions. Same shape as ``record_select.py``: reads ``tests/golden/transform/dataset.json`` and
``corpus.txt`` (``## section`` headers, ``chunk=N <query>`` for chunked requests) and writes
``answers.jsonl`` with the HTTP status and raw body of every query. Every GROUP BY time query of the corpus
bounds its time range or uses fill(none), so the server's clock never shows in an answer.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from record_select import record_suite  # noqa: E402

HERE = REPO / "tests" / "golden" / "transform"


def main(argv: list[str] | None = None) -> int:
    return record_suite(HERE, argv, __doc__.split("\n", 1)[0])


if __name__ == "__main__":
    sys.exit(main())
