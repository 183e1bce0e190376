"""Record how the real influxd 1.6.7 answers ``/write`` line-protocol bodies (the parser's oracle).

Usage (needs ``/usr/bin/influxd``; standard library only)::

    python tools/record_lineproto.py            # re-record tests/golden/lineproto/write.jsonl
    python tools/record_lineproto.py --influxd /path/to/influxd

Every corpus entry below is written to a fresh database of a throw-away influxd (``tools/record_golden.py``'s
``InfluxServer``, auth off), and the golden record keeps the HTTP status and error text of the write, then
what the server stored: ``SELECT * FROM /.*/`` (epoch=ns), ``SHOW SERIES`` and ``SHOW FIELD KEYS``. Points
written without a timestamp get the server's clock; their times are recorded as ``"now"`` after checking
they are the request time truncated to the precision. Bodies that are not UTF-8 are stored base64-encoded.

Left out on purpose: a field value that is a lone ``"`` after a ``\\\\=`` key (``m a\\\\=",b="``) -- it
crashes influxd 1.6.7 (slice bounds panic), so there is nothing to record.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record_golden import GOLDEN, REPO, InfluxServer, write_jsonl

OUTPUT = GOLDEN / "lineproto" / "write.jsonl"
PRECISION_NS = {"u": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}

LONG = "k" * 65520

# (section, body, precision or None). Timestamps stay inside one 7-day shard group unless a case needs
# otherwise, so that field types are checked against each other the way one shard checks them.
CORPUS: list[tuple[str, bytes, str | None]] = [
    # -- plain points ---------------------------------------------------------------------------------
    ("basic", b"cpu value=1 1000000000", None),
    ("basic", b"cpu,host=a value=1.5 1000000000", None),
    ("basic", b"cpu,host=a,region=west value=1,other=2i 1000000000", None),
    ("basic", b"cpu,region=west,host=a value=1 1000000000", None),
    ("basic", b"cpu,z=1,y=2,x=3,w=4 value=1 1000000000", None),
    ("basic", b"cpu value=1", None),
    ("basic", b"cpu,host=a value=1\ncpu,host=b value=2\n", None),
    ("basic", b"cpu value=1 1000000000\ncpu value=2 1000000000", None),
    ("basic", b"cpu a=1,b=2 1000000000\ncpu c=3 1000000000", None),
    ("basic", b"cpu a=1,a=2 1000000000", None),
    ("basic", b"cpu b=1,a=2 1000000000", None),
    ("basic", b"m a=1 1\nm a=2 2\nm a=3 3\nm a=4 4", None),
    ("basic", b"", None),
    ("basic", b"\n\n\n", None),
    # -- escapes --------------------------------------------------------------------------------------
    ("escapes", rb"c\,pu value=1 1", None),
    ("escapes", rb"c\ pu value=1 1", None),
    ("escapes", rb"c\=pu value=1 1", None),
    ("escapes", rb'c\"pu value=1 1', None),
    ("escapes", rb"c\\pu value=1 1", None),
    ("escapes", rb"cpu\ value=1 1", None),
    ("escapes", rb"cpu,ho\,st=a value=1 1", None),
    ("escapes", rb"cpu,ho\ st=a value=1 1", None),
    ("escapes", rb"cpu,ho\=st=a value=1 1", None),
    ("escapes", rb"cpu,host=a\,b value=1 1", None),
    ("escapes", rb"cpu,host=a\ b value=1 1", None),
    ("escapes", rb"cpu,host=a\=b value=1 1", None),
    ("escapes", rb'cpu,host=a\"b value=1 1', None),
    ("escapes", rb"cpu,host=a\\b value=1 1", None),
    ("escapes", rb"cpu,host=a\\ value=1 1", None),
    ("escapes", rb"cpu,host==a value=1 1", None),
    ("escapes", rb"cpu va\,lue=1 1", None),
    ("escapes", rb"cpu va\ lue=1 1", None),
    ("escapes", rb"cpu va\=lue=1 1", None),
    ("escapes", rb'cpu va\"lue=1 1', None),
    ("escapes", rb"cpu va\\lue=1 1", None),
    ("escapes", rb'cpu va"lue=1 1', None),
    ("escapes", rb"cpu,a\,=1,a-=2,z=3 value=1 1", None),
    ("escapes", rb"cpu,b=1,a\ =2 value=1 1", None),
    ("escapes", rb"c\,pu,t\ k=v\=1 f\,k=1,f\ k2=2 1", None),
    ("escapes", b"cpu\\\tx value=1 1", None),
    ("escapes", rb"c\\,pu value=1 1", None),
    ("escapes", rb"c\\,pu,t=v value=1 1", None),
    ("escapes", rb"c\\ pu value=1 1", None),
    ("escapes", b"c\\\\,pu valu\t=12 1", None),
    ("escapes", "m\u00e9t,t\u00e4g=v\u00e4l f\u00efeld=1 1".encode(), None),
    ("escapes", "\u6e29\u5ea6,\u5834\u6240=\u6771\u4eac \u5024=1 1".encode(), None),
    # -- strings --------------------------------------------------------------------------------------
    ("strings", b'cpu s="hello" 1', None),
    ("strings", b'cpu s="" 1', None),
    ("strings", b'cpu s="hello world, a=b" 1', None),
    ("strings", rb'cpu s="say \"hi\"" 1', None),
    ("strings", rb'cpu s="back\\slash" 1', None),
    ("strings", rb'cpu s="end\\" 1', None),
    ("strings", rb'cpu s="other \n \t \, escapes" 1', None),
    ("strings", b'cpu s="line1\nline2" 1', None),
    ("strings", b'cpu s="line1\nline2" 1\ncpu t="x" 2', None),
    ("strings", b'cpu s="\xe2\x82\xac \xf0\x9f\x98\x80" 1', None),
    ("strings", b'cpu s="a",n=1,t="b" 1', None),
    ("strings", b'cpu s="x"y 1', None),
    ("strings", b'cpu s="' + b"x" * 70000 + b'" 1', None),
    ("strings", b'cpu s="tab\there" 1', None),
    # -- numbers --------------------------------------------------------------------------------------
    ("numbers", b"cpu f=1.5,g=-1.5,h=.5,i=-.5,j=1.,k=0 1", None),
    ("numbers", b"cpu f=1e3,g=1E3,h=1e+3,i=1e-3,j=-1.5e10 1", None),
    ("numbers", b"cpu f=1.7976931348623157e308,g=4.9e-324,h=2.2250738585072014e-308 1", None),
    ("numbers", b"cpu f=1e-400 1", None),
    ("numbers", b"cpu f=0.1,g=0.2,h=0.30000000000000004,k=123456789012345678 1", None),
    ("numbers", b"cpu f=100000000000000000000000000000 1", None),
    ("numbers", b"cpu f=-0 1", None),
    ("numbers", b"cpu f=00012.5000 1", None),
    ("numbers", b"cpu i=1i,j=-1i,k=0i,l=00042i 1", None),
    ("numbers", b"cpu i=9223372036854775807i 1", None),
    ("numbers", b"cpu i=-9223372036854775808i 1", None),
    ("numbers", b"cpu i=9223372036854775808i 1", None),
    ("numbers", b"cpu i=-9223372036854775809i 1", None),
    ("numbers", b"cpu i=99999999999999999999999i 1", None),
    ("numbers", b"cpu i=0000000000000000000000001i 1", None),
    ("numbers", b"cpu u=1u 1", None),
    ("numbers", b"cpu u=18446744073709551615u 1", None),
    ("numbers", b"cpu u=-1u 1", None),
    ("numbers", b"cpu f=1e400 1", None),
    ("numbers", b"cpu f=-1e400 1", None),
    ("numbers", b"cpu f=1" + b"0" * 400 + b" 1", None),
    ("numbers", b"cpu f=1e 1", None),
    ("numbers", b"cpu f=1e+ 1", None),
    ("numbers", b"cpu f=1.2.3 1", None),
    ("numbers", b"cpu f=1-2 1", None),
    ("numbers", b"cpu f=- 1", None),
    ("numbers", b"cpu f=-", None),
    ("numbers", b"cpu f=. 1", None),
    ("numbers", b"cpu f=1i5 1", None),
    ("numbers", b"cpu f=1.5i 1", None),
    ("numbers", b"cpu f=1e5i 1", None),
    ("numbers", b"cpu f=1ii 1", None),
    ("numbers", b"cpu f=1x 1", None),
    ("numbers", b"cpu f=NaN 1", None),
    ("numbers", b"cpu f=nan 1", None),
    ("numbers", b"cpu f=N", None),
    ("numbers", b"cpu f=Inf 1", None),
    ("numbers", b"cpu f=-Inf 1", None),
    ("numbers", b"cpu f=+1 1", None),
    ("numbers", b"cpu f=0x10 1", None),
    ("numbers", b"cpu f=1_000 1", None),
    ("numbers", b"cpu f=1e5e5 1", None),
    ("numbers", b"cpu f=-.e5 1", None),
    # -- booleans -------------------------------------------------------------------------------------
    ("booleans", b"cpu a=t,b=T,c=true,d=True,e=TRUE 1", None),
    ("booleans", b"cpu a=f,b=F,c=false,d=False,e=FALSE 1", None),
    ("booleans", b"cpu a=tRUE 1", None),
    ("booleans", b"cpu a=yes 1", None),
    ("booleans", b"cpu a=truee 1", None),
    ("booleans", b"cpu a=fals 1", None),
    ("booleans", b"cpu a=x 1", None),
    ("booleans", b"cpu a=I 1", None),
    # -- timestamps and precision ---------------------------------------------------------------------
    ("time", b"cpu v=1 1", "n"),
    ("time", b"cpu v=1 1", "ns"),
    ("time", b"cpu v=1 1", "u"),
    ("time", b"cpu v=1 1", "us"),
    ("time", b"cpu v=1 1", "ms"),
    ("time", b"cpu v=1 1", "s"),
    ("time", b"cpu v=1 1", "m"),
    ("time", b"cpu v=1 1", "h"),
    ("time", b"cpu v=1 1", "x"),
    ("time", b"cpu v=1 1", "rfc3339"),
    ("time", b"cpu v=1", "n"),
    ("time", b"cpu v=1", "u"),
    ("time", b"cpu v=1", "ms"),
    ("time", b"cpu v=1", "s"),
    ("time", b"cpu v=1", "m"),
    ("time", b"cpu v=1", "h"),
    ("time", b"cpu v=1", "x"),
    ("time", b"cpu v=1 0", None),
    ("time", b"cpu v=1 -1", None),
    ("time", b"cpu v=1 -9223372036854775806", None),
    ("time", b"cpu v=1 -9223372036854775807", None),
    ("time", b"cpu v=1 -9223372036854775808", None),
    ("time", b"cpu v=1 9223372036854775806", None),
    ("time", b"cpu v=1 9223372036854775807", None),
    ("time", b"cpu v=1 9223372036854775808", None),
    ("time", b"cpu v=1 99999999999999999999", None),
    ("time", b"cpu v=1 -9223372036854775806", "u"),
    ("time", b"cpu v=1 9223372036854775", "u"),
    ("time", b"cpu v=1 9223372036854776", "u"),
    ("time", b"cpu v=1 9223372036", "s"),
    ("time", b"cpu v=1 9223372037", "s"),
    ("time", b"cpu v=1 -9223372036", "s"),
    ("time", b"cpu v=1 2562047", "h"),
    ("time", b"cpu v=1 2562048", "h"),
    ("time", b"cpu v=1 -", None),
    ("time", b"cpu v=1 --1", None),
    ("time", b"cpu v=1 1-", None),
    ("time", b"cpu v=1 1.5", None),
    ("time", b"cpu v=1 1e9", None),
    ("time", b"cpu v=1 abc", None),
    ("time", b"cpu v=1 1 ", None),
    ("time", b"cpu v=1 1   ", None),
    ("time", b"cpu v=1 1 2", None),
    ("time", b"cpu v=1 1\t", None),
    ("time", b"cpu v=1   1", None),
    ("time", b"cpu v=1 \t1", None),
    ("time", b"cpu v=1 ", None),
    # -- whitespace, comments, line ends --------------------------------------------------------------
    ("lines", b"# a comment\ncpu v=1 1", None),
    ("lines", b"   # indented comment\ncpu v=1 1", None),
    ("lines", b"cpu v=1 1\n# trailing comment", None),
    ("lines", b"   cpu v=1 1", None),
    ("lines", b"\t\tcpu v=1 1", None),
    ("lines", b"cpu  v=1 1", None),
    ("lines", b"cpu \t v=1 1", None),
    ("lines", b"cpu v=1 1\r\n", None),
    ("lines", b"cpu v=1\r\n", None),
    ("lines", b"cpu v=1 1\r\ncpu v=2 2\r\n", None),
    ("lines", b"cpu v=1 1\n\n\ncpu v=2 2", None),
    ("lines", b"   \n\t\n", None),
    ("lines", b"#only a comment", None),
    ("lines", b"cpu v=1 1\n   \ncpu v=2 2\n", None),
    ("lines", b"cpu v=\"a\rb\" 1", None),
    # -- NUL bytes ------------------------------------------------------------------------------------
    ("nul", b"\x00cpu v=1 1", None),
    ("nul", b"cpu\x00 v=1 1", None),
    ("nul", b"cpu,t=a\x00b v=1 1", None),
    ("nul", b"cpu v=1 \x001", None),
    ("nul", b"cpu v=1 1\x00", None),
    ("nul", b'cpu s="a\x00b" 1', None),
    ("nul", b"cpu \x00v=1 1", None),
    # -- invalid UTF-8 --------------------------------------------------------------------------------
    ("utf8", b"cpu\xff v=1 1", None),
    ("utf8", b"cpu,t=\xfe\xff v=1 1", None),
    ("utf8", b'cpu s="\xc3\x28" 1', None),
    ("utf8", b"cpu\xff v=x 1", None),
    ("utf8", b"cpu v=1 1\nbad\xe2\x82 line\n", None),
    ("utf8", b"cpu f\xff=1 1", None),
    # names compare as bytes (a stray byte sorts before the valid character it shares a first byte with)
    ("utf8", b"\xe6\xb8\xa9,\xe59\xa0\xb4\xe6\x89\x80=a \xe5\x80\xa4=1 1", None),
    ("utf8", b"cpu,\xe5\x80\xa4=a,\xe59=b v=1 1", None),
    ("utf8", b"cpu \xe5\x80\xa4=1,\xe59=2,\xe5=3 1", None),
    ("utf8", b"\xe5\x80\xa4 v=1 1\n\xe59 v=2 1\n\xe5 v=3 1", None),
    # -- every error reason ---------------------------------------------------------------------------
    ("errors", b",cpu v=1 1", None),
    ("errors", b"cpu", None),
    ("errors", b"cpu,", None),
    ("errors", b"cpu,host=a", None),
    ("errors", b"cpu,host", None),
    ("errors", b"cpu,host v=1", None),
    ("errors", b"cpu,=a v=1", None),
    ("errors", b"cpu,,host=a v=1", None),
    ("errors", b"cpu, host=a v=1", None),
    ("errors", b"cpu,host= v=1", None),
    ("errors", b"cpu,host=, v=1", None),
    ("errors", b"cpu,host=a, v=1", None),
    ("errors", b"cpu,host=a=b v=1", None),
    ("errors", b"cpu,host=a,host=b v=1", None),
    ("errors", b"cpu,host=a,zone=b,host=c v=1", None),
    ("errors", b"cpu,b=1,a=2,a=3 v=1", None),
    ("errors", b"cpu ", None),
    ("errors", b"cpu  ", None),
    ("errors", b"cpu v", None),
    ("errors", b"cpu v=", None),
    ("errors", b"cpu v= 1", None),
    ("errors", b"cpu v=,w=1 1", None),
    ("errors", b"cpu =1", None),
    ("errors", b"cpu v=1,=2", None),
    ("errors", b"cpu v=1,", None),
    ("errors", b"cpu v=1,w", None),
    ("errors", b"cpu v=1 w=2", None),
    ("errors", b'cpu v="abc', None),
    ("errors", b'cpu v="abc\\"', None),
    ("errors", b'cpu v="a",w="b', None),
    ("errors", b"cpu v=1=2", None),
    ("errors", b"cpu v==1", None),
    ("errors", rb"cpu v\=1", None),
    ("errors", rb"cpu a\\=1 1", None),
    ("errors", b"cpu v=1 1 1", None),
    # -- several lines, some bad: partial writes ------------------------------------------------------
    ("partial", b"cpu v=1 1\nbad\ncpu v=2 2", None),
    ("partial", b"bad1\nbad2\nbad3", None),
    ("partial", b"cpu v=1 1\nbad1\ncpu,x v=1\ncpu v=2 2\ncpu v=abc", None),
    ("partial", b"bad\ncpu v=1 1", None),
    ("partial", b"cpu v=1 1\n\nbad", None),
    ("partial", b"cpu v=1 1\ncpu v=1 x", None),
    ("partial", b"cpu v=1 1\ncpu v=1 99999999999999999999\ncpu v=1 -\ncpu i=99999999999999999999i", None),
    # -- field types within one batch (one shard) -----------------------------------------------------
    ("types", b"cpu v=1 1\ncpu v=2i 2", None),
    ("types", b"cpu v=1i 1\ncpu v=2 2", None),
    ("types", b'cpu v=1 1\ncpu v="x" 2', None),
    ("types", b"cpu v=t 1\ncpu v=1 2\ncpu v=2 3", None),
    ("types", b'cpu v=1,v="x" 1', None),
    ("types", b"cpu v=1 1\ncpu v=2i 2\ncpu v=3 3\ncpu v=4i 4", None),
    ("types", b"cpu,host=a v=1 1\ncpu,host=b v=1i 2", None),
    ("types", b"cpu v=1 1\nmem v=1i 2", None),
    ("types", b"cpu v=1 1\ncpu w=1i 2\ncpu v=1i,w=2i 3", None),
    ("types", b"cpu v=1 1\nbad\ncpu v=2i 2", None),
    # -- tag and field names influxd refuses at write time --------------------------------------------
    ("names", b"cpu,time=1 v=1 1", None),
    ("names", b"cpu time=1 1", None),
    ("names", b"cpu time=1,v=2 1", None),
    ("names", b"cpu,time=1 v=1 1\ncpu v=2 2", None),
    ("names", b"cpu time=1 1\ncpu v=2 2", None),
    # -- huge lines and key length limits -------------------------------------------------------------
    ("huge", ("cpu,t=" + LONG + " v=1 1").encode(), None),
    ("huge", ("cpu,t=" + LONG + " v12345=1 1").encode(), None),
    ("huge", ("cpu,t=" + LONG + " v1234567=1 1").encode(), None),
    ("huge", ("cpu,t=" + "k" * 65529 + " v=1 1").encode(), None),
    ("huge", ("cpu,t=" + "k" * 65530 + " v=1 1").encode(), None),
    ("huge", b"cpu " + b",".join(b"f%d=%d" % (i, i) for i in range(1000)) + b" 1", None),
    ("huge", b"cpu," + b",".join(b"t%04d=v" % i for i in range(300)) + b" v=1 1", None),
    ("huge", b"cpu," + b",".join(b"t%04d=v" % i for i in reversed(range(300))) + b" v=1 1", None),
    # -- where influxd's checking and reading passes disagree -----------------------------------------
    ("quirks", rb"cpu a\\=1,b=2 1", None),
    ("quirks", rb'cpu a\\=",b=",c=1 1', None),
    ("quirks", rb'cpu a\\=",b=tx",c=1 1', None),
    ("quirks", rb'cpu a\\=",b=,",c=1 1', None),
    ("quirks", b"cpu \t=1 1", None),
    ("quirks", b"cpu,t==x v=1 1", None),
    ("quirks", b'cpu v=1 "\nfoo', None),
    ("quirks", b"cpu v=1 1\\\ncpu v=2 2", None),
    ("quirks", b'cpu,t="x v=1 1', None),
    ("quirks", b'cpu v=1,s="a\nb"\ncpu v=2 2', None),
    ("quirks", b"cpu v=1 1\n\\", None),
    # -- one body over several shard groups: a shard refusing its points keeps no other shard's out ----
    ("shards", b"cpu v=t 1\ncpu v=12 1000000000000000000\ncpu v=2 3", None),
    ("shards", b"cpu v=1 1000000000000000000\ncpu v=2i 2\ncpu v2=3 3\ncpu v=4 4", None),
    ("shards", b"cpu v=1 1\ncpu v=2i 1000000000000000000\ncpu v=3i 2", None),
    ("shards", b"cpu v=t 1\ncpu v=12\ncpu v=2 3", None),
]


def _post(server: InfluxServer, path: str, params: dict[str, str], body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(f"{server.url}{path}?{urllib.parse.urlencode(params)}", data=body,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


def _select(server: InfluxServer, db: str, q: str) -> object:
    status, text = _post(server, "/query", {"db": db, "q": q, "epoch": "ns"}, b"")
    return json.loads(text)


def _mask_now(value: object, low: int, high: int) -> object:
    """Replace times inside [low, high] by "now" (they came from the server clock)."""
    if isinstance(value, dict):
        return {k: _mask_now(v, low, high) for k, v in value.items()}
    if isinstance(value, list):
        if value and isinstance(value[0], int) and not isinstance(value[0], bool) and low <= value[0] <= high:
            return ["now", *(_mask_now(v, low, high) for v in value[1:])]
        return [_mask_now(v, low, high) for v in value]
    return value


def record(server: InfluxServer) -> list[dict]:
    records = []
    counts: dict[str, int] = {}
    for section, body, precision in CORPUS:
        counts[section] = counts.get(section, 0) + 1
        entry_id = f"{section}-{counts[section]:03d}"
        db = f"lp{len(records)}"
        server.must(f'CREATE DATABASE "{db}"')
        params = {"db": db}
        if precision is not None:
            params["precision"] = precision
        before = time.time_ns()
        status, text = _post(server, "/write", params, body)
        after = time.time_ns()
        record_ = {"id": entry_id, "section": section, "precision": precision, "status": status}
        try:
            record_["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            record_["body_b64"] = base64.b64encode(body).decode()
        record_["error"] = json.loads(text)["error"] if text.strip() else None
        low = before - before % PRECISION_NS.get(precision or "n", 1)
        stored = {
            "select": _select(server, db, "SELECT * FROM /.*/"),
            "series": _select(server, db, "SHOW SERIES"),
            "fields": _select(server, db, "SHOW FIELD KEYS"),
        }
        record_.update(_mask_now(stored, low, after))
        records.append(record_)
        server.must(f'DROP DATABASE "{db}"')
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--influxd", default=os.environ.get("INFLUXD", "/usr/bin/influxd"))
    args = parser.parse_args(argv)
    with InfluxServer(binary=args.influxd, auth_enabled=False) as server:
        records = record(server)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(OUTPUT, records)
    print(f"{OUTPUT.relative_to(REPO)}: {len(records)} entries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
