"""Differential fuzzing of InfluxQL text: mutated statements, influxd 1.6.7 against Chronus.

Usage (needs ``/usr/bin/influxd``)::

    python tools/fuzz_influxql.py 2000 1 [SUITE]    # statements, seed, golden suite (default: select)

Statements of the parser corpus (``tests/golden/influxql/corpus.txt``) and of a golden suite's corpus
(``select``, ``aggregate``, ``transform``, ``subquery``, ``regex``, ...) are mutated token by token (a
token dropped, doubled, swapped with its neighbour, replaced or followed by one from a pool of keywords,
operators, literals and punctuation) and sent to a throw-away influxd and to an
in-process Chronus node, both loaded with that suite's data set; every differing body is printed.
Only reads are sent: a mutation that could write or change anything (DROP, CREATE, DELETE, INTO, ...) is
skipped, so both sides keep the same data throughout. What this finds are parser errors worded or placed
differently, statements one side refuses and the other runs, and crashes (a Chronus exception is printed as
such). A difference found here is fixed and its statement recorded in a golden corpus.
"""
import json
import random
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from fuzz_common import compare_with_influxd  # noqa: E402

n, seed = int(sys.argv[1]), int(sys.argv[2])
suite = sys.argv[3] if len(sys.argv) > 3 else "select"
rnd = random.Random(seed)
here = REPO / "tests" / "golden" / suite
dataset = json.loads((here / "dataset.json").read_text())

# anything that could change state on either side is never sent
_WRITES = re.compile(r"\b(drop|create|delete|alter|grant|revoke|kill|set|into|insert)\b", re.IGNORECASE)
_TOKEN = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|/(?:[^/\\\n]|\\.)+/|\d+(?:\.\d+)?[a-zµ]*|"""
                    r"""[A-Za-z_][A-Za-z0-9_]*|::|=~|!~|!=|<>|<=|>=|\s+|.""")
_WORDS = (
    "( ) , * ; 'x' \"y\" 1 -1 0 1.5 1h 10m -5s now() AND OR = != =~ !~ < > /c.*/ FROM WHERE LIMIT OFFSET",
    "SLIMIT SOFFSET time ::field ::tag ::float ::integer $x fill( fill(none) SELECT DESC ASC tz('UTC')",
    "value host cpu mem mean( count( top( distinct AS ON IN SHOW SERIES MEASUREMENTS TAG KEYS VALUES FIELD",
    "EXACT CARDINALITY EXPLAIN ANALYZE + - / % & | ^ true '2018-01-01T00:00:00Z' 9223372036854775807",
    "-9223372036854775808 1e400 . \" ' \\ regex interval 1w 0s group by *::field",
)
POOL = [w for line in _WORDS for w in line.split()] + ["GROUP BY", "ORDER BY", "WITH KEY",
                                                       "(SELECT value FROM cpu)"]


def corpus_lines() -> list[str]:
    lines = []
    for path in (REPO / "tests/golden/influxql/corpus.txt", here / "corpus.txt"):
        for line in path.read_text().splitlines():
            line = re.sub(r"^chunk=\d+ ", "", line.strip())
            if line and not line.startswith(("#", "@")) and not _WRITES.search(line):
                lines.append(line)
    return lines


def mutate(q: str) -> str:
    tokens = _TOKEN.findall(q)
    for _ in range(rnd.choice([1, 1, 1, 2, 3])):
        if not tokens:
            break
        i = rnd.randrange(len(tokens))
        op = rnd.random()
        if op < 0.25:
            del tokens[i]
        elif op < 0.35:
            tokens.insert(i, tokens[i])
        elif op < 0.5 and i + 1 < len(tokens):
            tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
        elif op < 0.75:
            tokens[i] = rnd.choice(POOL)
        else:
            tokens.insert(i + 1, " " + rnd.choice(POOL) + rnd.choice(["", " "]))
    return "".join(tokens)


base = corpus_lines()
qs = []
while len(qs) < n:
    q = mutate(rnd.choice(base))
    if q.strip() and not _WRITES.search(q):
        qs.append(q)
compare_with_influxd(here, qs)
