"""Differential fuzzing of SELECT: random statements over a golden data set, influxd 1.6.7 against Chronus.

Usage (needs ``/usr/bin/influxd``)::

    python tools/fuzz_select.py aggregate 400 1     # suite (aggregate | transform | select), statements, seed

The suite's ``tests/golden/<suite>/dataset.json`` is written into a throw-away influxd and into an in-process
Chronus node (the golden tests' loader); every generated statement (calls, math, WHERE on time, tags and
fields, GROUP BY time/tags, fill, ORDER BY, LIMIT/OFFSET, SLIMIT/SOFFSET, tz(), a subquery around it) goes to
both and every differing body is printed (FLAKY when influxd answers it differently twice: Go map order).
A difference found here is fixed and its statement recorded in the suite's corpus.
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

suite, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
here = REPO / "tests" / "golden" / suite
dataset = json.loads((here / "dataset.json").read_text())

if suite == "select":  # several shards, a field named like a function, strings and booleans
    M, OTHER, TAGS = "cpu", "mem", ["host", "region"]
    NUM, ALL = ["value", '"count"'], ["value", "ok", "msg"]
    T0, T1 = 1514764800, 1515456020
elif suite == "aggregate":
    M, OTHER, TAGS, NUM, ALL = "agg", "big", ["host", "region"], ["f", "i"], ["f", "i", "b", "s"]
    T0, T1 = 1517442610, 1517446394
else:
    M, OTHER, TAGS, NUM, ALL = "tr", "mth", ["host", "region"], ["f", "i"], ["f", "i", "b", "s"]
    T0, T1 = 1517785200, 1517794090

AGGS = ["count", "sum", "mean", "median", "mode", "spread", "stddev", "min", "max", "first", "last",
        "distinct", "integral"]
SEL_N = ["percentile", "top", "bottom"]
TRANS = ["derivative", "difference", "non_negative_derivative", "non_negative_difference", "cumulative_sum",
         "moving_average", "elapsed"]
MATH = ["abs", "ceil", "floor", "round", "sqrt", "ln", "exp", "sin"]


def ts(t):
    return f"{t}s"


def field():
    return rnd.choice(ALL if rnd.random() < 0.25 else NUM)


def call(grouped_time):
    k = rnd.random()
    f = field()
    if k < 0.45:
        name = rnd.choice(AGGS)
        if name == "count" and rnd.random() < 0.2:
            return f"count(distinct({f}))"
        return f"{name}({f})"
    if k < 0.6:
        name = rnd.choice(SEL_N)
        if name == "percentile":
            return f"percentile({f}, {rnd.choice([0, 5, 50, 90, 100])})"
        extra = f"{rnd.choice(TAGS)}, " if rnd.random() < 0.3 else ""
        return f"{name}({f}, {extra}{rnd.choice([1, 2, 3])})"
    if k < 0.85:
        name = rnd.choice(TRANS)
        inner = f"{rnd.choice(['mean', 'max', 'sum', 'count'])}({f})" if grouped_time else f
        if name == "moving_average":
            return f"moving_average({inner}, {rnd.choice([2, 3])})"
        if name in ("derivative", "non_negative_derivative") and rnd.random() < 0.5:
            return f"{name}({inner}, {rnd.choice(['1s', '1m', '10m'])})"
        if name == "elapsed":
            unit = "" if grouped_time else f", {rnd.choice(['1s', '1m'])}"
            return f"elapsed({inner}{unit})"
        return f"{name}({inner})"
    name = rnd.choice(MATH)
    inner = f"{rnd.choice(['mean', 'max'])}({f})" if grouped_time and rnd.random() < 0.5 else f
    return f"{name}({inner})"


def where():
    parts = []
    lo = rnd.randint(T0 - 600, T1)
    hi = rnd.randint(lo, T1 + 600)
    parts.append(f"time >= {ts(lo)} AND time <= {ts(hi)}")
    r = rnd.random()
    if r < 0.2:
        parts.append(f"host = '{rnd.choice(['a', 'b', 'c', 'z'])}'")
    elif r < 0.3:
        parts.append(f"f > {rnd.choice([-5, 0, 5])}")
    elif r < 0.35:
        parts.append("(host = 'a' OR region = 'west')")
    return " AND ".join(parts)


def select():
    grouped_time = rnd.random() < 0.45
    k = rnd.random()
    if k < 0.2:
        fields = rnd.choice(["*", field(), f"{field()}, {field()}", "f * 2 + i", f"{rnd.choice(TAGS)}, f"])
    else:
        fields = ", ".join(call(grouped_time) for _ in range(rnd.choice([1, 1, 1, 2])))
    q = f"SELECT {fields} FROM {M} WHERE {where()}"
    dims = []
    if grouped_time:
        dims.append(f"time({rnd.choice(['5m', '10m', '30m', '1h'])}{rnd.choice(['', '', ', 2m', ', -7m'])})")
    r = rnd.random()
    if r < 0.3:
        dims.append(rnd.choice(TAGS))
    elif r < 0.4:
        dims.append("*")
    if dims:
        q += " GROUP BY " + ", ".join(dims)
    if grouped_time and rnd.random() < 0.4:
        q += f" fill({rnd.choice(['none', 'null', 'previous', 'linear', '0', '-1.5'])})"
    if rnd.random() < 0.2:
        q += " ORDER BY time DESC"
    if rnd.random() < 0.2:
        q += f" LIMIT {rnd.choice([1, 2, 5])}"
        if rnd.random() < 0.4:
            q += f" OFFSET {rnd.choice([1, 3])}"
    if rnd.random() < 0.1:
        q += f" SLIMIT {rnd.choice([1, 2])}"
        if rnd.random() < 0.5:
            q += " SOFFSET 1"
    if rnd.random() < 0.08:
        q += " tz('America/Chicago')"
    return q


def raw_select():
    """A raw query: fields, regexes and wildcards, conditions on tags (regex, !=) and fields (strings,
    booleans, arithmetic), several measurements, ordering and limits."""
    fields = rnd.choice(["*", "f", "f, i", "s, b", "/^[fi]$/", "f + i", "f * -1, host", "i / 2", "*::field",
                         "host, s", "f::integer", "i::float"])
    src = rnd.choice([M, M, f"{M}, {OTHER}", f"/^{M[0]}/"])
    cond = [f"time >= {ts(rnd.randint(T0 - 600, T1))}"]
    cond.append(rnd.choice(["", "host =~ /^[ab]$/", "host !~ /a/", "host != 'a'", "s = 'a0'", "s =~ /1/",
                            "b = true", "f > i", "f + i > 0", "i % 2 = 0", "region = ''", "f < -3 OR f > 3"]))
    q = f"SELECT {fields} FROM {src} WHERE " + " AND ".join(c for c in cond if c)
    if rnd.random() < 0.4:
        q += " GROUP BY " + rnd.choice(["host", "*", "/reg/", "host, region"])
    if rnd.random() < 0.3:
        q += " ORDER BY time DESC"
    if rnd.random() < 0.4:
        q += f" LIMIT {rnd.choice([1, 3])}" + (f" OFFSET {rnd.choice([1, 2])}" if rnd.random() < 0.4 else "")
    if rnd.random() < 0.2:
        q += f" SLIMIT {rnd.choice([1, 2])}" + (" SOFFSET 1" if rnd.random() < 0.5 else "")
    if rnd.random() < 0.1:
        q += " tz('Asia/Kolkata')"
    return q


def query():
    q = raw_select() if rnd.random() < 0.35 else select()
    if rnd.random() < 0.2:  # wrap as a subquery
        outer = rnd.choice(["count", "max", "mean", "sum", "last", "first", "min"])
        col = "*" if rnd.random() < 0.3 else None
        q = f"SELECT * FROM ({q})" if col else f"SELECT {outer}(*) FROM ({q})"
        if rnd.random() < 0.4:
            q += f" GROUP BY {rnd.choice(TAGS + ['*'])}"
    return q


RENAMES = {"f": "value", "i": '"count"', "s": "msg", "b": "ok"} if suite == "select" else {}


def renamed(q):
    """The templates' field names (f, i, s, b) as the suite's data set names them."""
    for short, name in RENAMES.items():
        q = re.sub(rf"(?<![\w'/]){short}(?![\w'(])", name, q)
    return q


qs = [renamed(query()) for _ in range(n)]
compare_with_influxd(here, qs)
