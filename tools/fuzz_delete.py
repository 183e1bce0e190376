"""Differential fuzzing of what deletes leave: random writes, DELETE / DROP statements and reads, in turn.

Usage (needs ``/usr/bin/influxd``)::

    python tools/fuzz_delete.py 40 1     # rounds, seed

Each round creates a database on a throw-away influxd and on a Chronus server, writes the same random
points to both (a few measurements, tags and fields, times over several shard groups), then runs a random
sequence of ``DELETE``, ``DROP SERIES``, ``DROP MEASUREMENT`` and ``DROP SHARD``-free statements with time,
tag and regex conditions, more writes in between; after every statement the answers to the statement and
to a set of reads (every point, ``SHOW SERIES``, ``SHOW MEASUREMENTS``, ``SHOW TAG KEYS``, ``SHOW TAG
VALUES``, ``SHOW FIELD KEYS``, a count per measurement) must agree. Every difference is printed with the
statements that led to it.
"""
import json
import random
import sys
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from record_golden import InfluxServer  # noqa: E402

from tests.integration.servers import ChronusProcess  # noqa: E402
from tests.integration.test_write_golden import _request as send  # noqa: E402

rounds, seed = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)
WEEK = 7 * 24 * 3600
BASE = 1_600_000_000 - 1_600_000_000 % WEEK
NAMES, TAGS, VALUES = ["cpu", "mem", "disk"], ["host", "region"], ["a", "b", "c"]
READS = ["SELECT * FROM /.*/ GROUP BY *", "SHOW SERIES", "SHOW MEASUREMENTS", "SHOW TAG KEYS",
         "SHOW TAG VALUES WITH KEY =~ /.*/", "SHOW FIELD KEYS", "SELECT count(*) FROM /.*/"]


def points(k: int) -> bytes:
    lines = []
    for _ in range(k):
        name = rnd.choice(NAMES)
        tags = "".join(f",{t}={rnd.choice(VALUES)}" for t in TAGS if rnd.random() < 0.7)
        fields = ",".join(f"{f}={rnd.randint(0, 9)}" for f in ("v", "w") if rnd.random() < 0.7) or "v=1"
        t = BASE + rnd.randint(0, 3 * WEEK)
        lines.append(f"{name}{tags} {fields} {t}")
    return "\n".join(lines).encode()


def condition() -> str:
    terms = []
    for _ in range(rnd.randint(0, 2)):
        kind = rnd.random()
        if kind < 0.4:
            op = rnd.choice([">", ">=", "<", "<="])
            terms.append(f"time {op} {BASE + rnd.randint(0, 3 * WEEK)}s")
        elif kind < 0.8:
            tag = rnd.choice(TAGS)
            op = rnd.choice(["=", "!=", "=~", "!~"])
            value = f"/{rnd.choice(VALUES)}|x/" if "~" in op else f"'{rnd.choice(VALUES)}'"
            terms.append(f"{tag} {op} {value}")
        else:
            terms.append(f"v {rnd.choice(['=', '>'])} {rnd.randint(0, 9)}")
    return (" WHERE " + rnd.choice([" AND ", " OR "]).join(terms)) if terms else ""


def statement() -> str:
    source = rnd.choice([*NAMES, "/m|c/", "nope"])
    kind = rnd.random()
    if kind < 0.5:
        return f"DELETE FROM {source}{condition()}" if rnd.random() < 0.8 else f"DELETE{condition()}"
    if kind < 0.8:
        where = condition()
        return f"DROP SERIES FROM {source}{where}" if rnd.random() < 0.8 else f"DROP SERIES{where}"
    return f"DROP MEASUREMENT {rnd.choice(NAMES)}"


def state(port: int, db: str) -> dict:
    return {q: send(port, "GET", "/query?" + urllib.parse.urlencode({"db": db, "q": q, "epoch": "s"}))
            for q in READS}


diffs = 0
with InfluxServer(binary="/usr/bin/influxd", auth_enabled=False) as influxd, ChronusProcess() as chronus:
    ports = (influxd.http_port, chronus.http_port)
    for r in range(rounds):
        db = f"fz{r}"
        history: list[str] = []
        steps_done: list[tuple[str, str]] = []
        for port in ports:
            send(port, "POST", "/query?" + urllib.parse.urlencode({"q": f"CREATE DATABASE {db}"}))
        steps = [("write", points(rnd.randint(5, 40)))] + [
            ("write", points(rnd.randint(1, 10))) if rnd.random() < 0.25 else ("stmt", statement())
            for _ in range(rnd.randint(3, 8))]
        for kind, item in steps:
            if kind == "write":
                answers = [send(port, "POST", f"/write?db={db}&precision=s", item) for port in ports]
                history.append(f"write {item[:60]!r}...")
                steps_done.append(("write", item.decode()))
            else:
                answers = [send(port, "POST", "/query?" + urllib.parse.urlencode({"db": db, "q": item}))
                           for port in ports]
                history.append(item)
                steps_done.append(("stmt", item))
            states = [state(port, db) for port in ports]
            if answers[0] != answers[1] or states[0] != states[1]:
                diffs += 1
                print(f"DIFF  round {r} after: {history}")
                if answers[0] != answers[1]:
                    print(f"   answer I: {answers[0]}\n   answer C: {answers[1]}")
                for q in READS:
                    if states[0][q] != states[1][q]:
                        print(f"   {q}\n     I: {json.dumps(states[0][q])[:400]}")
                        print(f"     C: {json.dumps(states[1][q])[:400]}")
                print("   steps: " + json.dumps(steps_done))
                break  # the round's later steps build on a state that already differs
print(f"{diffs} rounds differ of {rounds}")
