"""Differential fuzzing of ``/write``: mutated line-protocol bodies, influxd 1.6.7 against a Chronus server.

Usage (needs ``/usr/bin/influxd``)::

    python tools/fuzz_lineproto.py 1000 1     # bodies, seed

The bodies of ``tools/record_lineproto.py``'s corpus are mutated byte by byte (a byte dropped, doubled,
replaced by or followed by one of the bytes line protocol gives a meaning to: separators, escapes, quotes,
type suffixes, signs, digits, newlines) and written, each into a fresh database, to a throw-away influxd and
to a Chronus server process; the status and error text of the write and what each server then stores
(``SELECT * FROM /.*/``, ``SHOW SERIES``, ``SHOW FIELD KEYS``) must agree. Times a server's clock gave are
masked as ``now``. Every difference is printed; one found here is fixed and its body added to the recorded
corpus.
"""
import json
import random
import re
import sys
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from record_golden import InfluxServer  # noqa: E402
from record_lineproto import CORPUS, PRECISION_NS  # noqa: E402

from tests.integration.servers import ChronusProcess  # noqa: E402
from tests.integration.test_write_golden import _mask_now, _request  # noqa: E402

n, seed = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)
MEANINGFUL = b' ,=\\"\n\r\tiuTtfFe-+.0123456789#'


def mutate(body: bytes) -> bytes:
    data = bytearray(body)
    for _ in range(rnd.choice([1, 1, 2, 3])):
        if not data:
            data.extend(rnd.choice([b"m", b"m v=1", b"m,t=x v=1i 1"]))
            continue
        i = rnd.randrange(len(data))
        op = rnd.random()
        if op < 0.3:
            del data[i]
        elif op < 0.4:
            data.insert(i, data[i])
        elif op < 0.7:
            data[i] = rnd.choice(MEANINGFUL)
        else:
            data.insert(i + 1, rnd.choice(MEANINGFUL))
    return bytes(data)


def answer(port: int, db: str, body: bytes, precision: str | None) -> dict:
    _request(port, "POST", "/query?" + urllib.parse.urlencode({"q": f'CREATE DATABASE "{db}"'}))
    params = {"db": db}
    if precision is not None:
        params["precision"] = precision
    before = time.time_ns()
    status, text = _request(port, "POST", "/write?" + urllib.parse.urlencode(params), body)
    after = time.time_ns()
    low = before - before % PRECISION_NS.get(precision or "n", 1)
    stored = {name: json.loads(_request(port, "GET", "/query?" + urllib.parse.urlencode(
        {"db": db, "q": q, "epoch": "ns"}))[1])
        for name, q in (("select", "SELECT * FROM /.*/"), ("series", "SHOW SERIES"),
                        ("fields", "SHOW FIELD KEYS"))}
    _request(port, "POST", "/query?" + urllib.parse.urlencode({"q": f'DROP DATABASE "{db}"'}))
    # a clock time inside an error text (the point as influxd prints it) is masked too
    error = re.sub(r"\d{16,19}", lambda m: "now" if low <= int(m.group()) <= after else m.group(),
                   text.strip())
    return {"status": status, "error": error, **_mask_now(stored, low, after)}


cases = []
for _ in range(n):
    _, body, precision = rnd.choice(CORPUS)
    cases.append((mutate(body), precision))
diffs = 0
with InfluxServer(binary="/usr/bin/influxd", auth_enabled=False) as influxd, ChronusProcess() as chronus:
    for k, (body, precision) in enumerate(cases):
        db = f"fz{k}"
        want = answer(influxd.http_port, db, body, precision)
        got = answer(chronus.http_port, db, body, precision)
        if want != got:
            diffs += 1
            print(f"DIFF  {body!r} precision={precision}")
            for key in want:
                if want[key] != got.get(key):
                    print(f"   {key} I: {json.dumps(want[key])[:400]}")
                    print(f"   {key} C: {json.dumps(got.get(key))[:400]}")
print(f"{diffs} diffs of {len(cases)}")
