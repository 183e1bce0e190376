"""Record the Holt-Winters and technical-analysis goldens of SELECT from the real influxd 1.6.7.

Usage (needs ``/usr/bin/influxd``; standard library only)::

    python tools/record_predict.py [--influxd /path/to/influxd]

Covers holt_winters and holt_winters_with_fit (seasonal and not, every fill, GROUP BY tags, ORDER BY DESC,
LIMIT, empty and too-short series) and the technical-analysis functions exponential_moving_average,
double_exponential_moving_average, triple_exponential_moving_average, relative_strength_index,
triple_exponential_derivative, kaufmans_efficiency_ratio, kaufmans_adaptive_moving_average and
chande_momentum_oscillator (raw and over GROUP BY time aggregates, with their hold periods and warmup types),
plus their argument and type errors. Same shape as ``record_select.py``: reads
``tests/golden/predict/dataset.json`` and ``corpus.txt`` and writes ``answers.jsonl``. Every GROUP BY time
query bounds its time range, so the server's clock never shows in an answer.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from record_select import record_suite  # noqa: E402

HERE = REPO / "tests" / "golden" / "predict"


def main(argv: list[str] | None = None) -> int:
    return record_suite(HERE, argv, __doc__.split("\n", 1)[0])


if __name__ == "__main__":
    sys.exit(main())
