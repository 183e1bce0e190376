"""Record how the real influxd 1.6.7 authenticates and authorizes: every statement kind for every identity.

Usage (needs ``/usr/bin/influxd``; PyJWT for the bearer tokens)::

    python tools/record_auth.py            # re-record tests/golden/auth/exchanges.jsonl

One throw-away influxd with ``auth-enabled = true`` and a ``shared-secret`` (given through the
``INFLUXDB_HTTP_SHARED_SECRET`` environment override) receives, in order:

1. ``bootstrap``: requests before any admin exists, ending with the one that creates the admin;
2. ``setup``: databases, users with READ / WRITE / ALL on ``db0``, a few points (recorded, flagged setup);
3. ``matrix``: every statement kind over /query for each identity (admin, reader, writer, read-write,
   a user without privileges, a reader by JWT, a writer by ``u``/``p`` parameters);
4. ``credentials``: every way of presenting bad or unusual credentials (no credentials, wrong password,
   unknown user, expired / badly signed / incomplete JWTs, ...);
5. ``write``: /write into each database for each identity;
6. ``endpoints``: every route without credentials and with wrong ones;
7. ``no-admin``: the admin revokes its own admin right, leaving users but no admin.

Bearer tokens are built here with fixed claims (``exp`` far in the future or long past), so the recorded
requests replay unchanged. Chronus's tests replay every exchange in order against a fresh server.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import urllib.parse
from pathlib import Path

import jwt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from record_golden import GOLDEN, InfluxServer
from record_http import send

SHARED_SECRET = "chronus-golden-secret"
FUTURE = 4102444800  # 2100-01-01: a token that stays valid
PAST = 1500000000  # 2017-07-14: an expired token

USERS = {
    "admin": "admin-pw",
    "reader": "reader-pw",
    "writer": "writer-pw",
    "rw": "rw-pw",
    "nobody": "nobody-pw",
}


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def bearer(claims: dict, secret: str = SHARED_SECRET, algorithm: str = "HS256") -> dict[str, str]:
    return {"Authorization": "Bearer " + jwt.encode(claims, secret, algorithm=algorithm)}


def unsigned_token(claims: dict) -> str:
    """A JWT with ``alg: none`` (PyJWT refuses to make one with a key, so it is assembled by hand)."""

    def segment(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims)}."


# (name, headers, extra URL parameters): who is asking.
IDENTITIES: list[tuple[str, dict[str, str], dict[str, str]]] = [
    ("admin", basic("admin", USERS["admin"]), {}),
    ("reader", basic("reader", USERS["reader"]), {}),
    ("writer", basic("writer", USERS["writer"]), {}),
    ("rw", basic("rw", USERS["rw"]), {}),
    ("nobody", basic("nobody", USERS["nobody"]), {}),
    ("reader-jwt", bearer({"username": "reader", "exp": FUTURE}), {}),
    ("writer-params", {}, {"u": "writer", "p": USERS["writer"]}),
]

BAD_CREDENTIALS: list[tuple[str, dict[str, str], dict[str, str]]] = [
    ("none", {}, {}),
    ("wrong-password", basic("reader", "wrong"), {}),
    ("unknown-user", basic("ghost", "ghost-pw"), {}),
    ("empty-username", basic("", "pw"), {}),
    ("basic-garbage", {"Authorization": "Basic !!!"}, {}),
    ("basic-lowercase", {"Authorization": "basic " + base64.b64encode(b"reader:reader-pw").decode()}, {}),
    ("basic-no-colon", {"Authorization": "Basic " + base64.b64encode(b"reader").decode()}, {}),
    ("params-user-only", {}, {"u": "reader"}),
    ("params-wrong", {}, {"u": "reader", "p": "wrong"}),
    ("params-win-over-basic", basic("reader", "wrong"), {"u": "admin", "p": USERS["admin"]}),
    ("params-wrong-over-good-basic", basic("admin", USERS["admin"]), {"u": "admin", "p": "wrong"}),
    ("token-scheme", {"Authorization": "Token reader:reader-pw"}, {}),
    ("jwt-expired", bearer({"username": "reader", "exp": PAST}), {}),
    ("jwt-bad-signature", bearer({"username": "reader", "exp": FUTURE}, secret="other-secret"), {}),
    ("jwt-expired-bad-signature", bearer({"username": "reader", "exp": PAST}, secret="other-secret"), {}),
    ("jwt-no-exp", bearer({"username": "reader"}), {}),
    ("jwt-zero-exp", bearer({"username": "reader", "exp": 0}), {}),
    ("jwt-string-exp", bearer({"username": "reader", "exp": "4102444800"}), {}),
    ("jwt-no-username", bearer({"exp": FUTURE}), {}),
    ("jwt-empty-username", bearer({"username": "", "exp": FUTURE}), {}),
    ("jwt-number-username", bearer({"username": 7, "exp": FUTURE}), {}),
    ("jwt-unknown-user", bearer({"username": "ghost", "exp": FUTURE}), {}),
    ("jwt-admin-hs384", bearer({"username": "admin", "exp": FUTURE}, algorithm="HS384"), {}),
    ("jwt-admin-hs512", bearer({"username": "admin", "exp": FUTURE}, algorithm="HS512"), {}),
    ("jwt-not-yet-valid", bearer({"username": "reader", "exp": FUTURE, "nbf": FUTURE - 1}), {}),
    ("jwt-issued-in-future", bearer({"username": "reader", "exp": FUTURE, "iat": FUTURE - 1}), {}),
    ("jwt-alg-none", {"Authorization": "Bearer " + unsigned_token({"username": "admin", "exp": FUTURE})}, {}),
    ("jwt-two-segments", {"Authorization": "Bearer abc.def"}, {}),
    ("jwt-garbage", {"Authorization": "Bearer a.b.c"}, {}),
    ("bearer-three-words", {"Authorization": "Bearer a b"}, {}),
    ("bearer-lowercase", {"Authorization": "bearer x.y.z"}, {}),
    ("jwt-over-params", bearer({"username": "reader", "exp": PAST}), {"u": "admin", "p": USERS["admin"]}),
]

STATEMENTS = [
    "SHOW DATABASES",
    "SELECT * FROM m",
    "SELECT * FROM db1..m",
    "SELECT * FROM m, db1..gone",
    "SHOW MEASUREMENTS",
    "SHOW MEASUREMENTS ON db1",
    "SHOW SERIES",
    "SHOW SERIES ON db1",
    "SHOW TAG KEYS",
    "SHOW TAG VALUES WITH KEY = t",
    "SHOW FIELD KEYS",
    "SHOW FIELD KEYS ON db1",
    "SHOW RETENTION POLICIES",
    "SHOW RETENTION POLICIES ON db1",
    "SHOW SERIES CARDINALITY",
    "SHOW MEASUREMENT EXACT CARDINALITY",
    "SHOW TAG KEY EXACT CARDINALITY FROM db1..m",
    "SHOW CONTINUOUS QUERIES",
    "SHOW USERS",
    "SHOW GRANTS FOR reader",
    "SHOW SHARDS",
    "SHOW SHARD GROUPS",
    "SHOW SUBSCRIPTIONS",
    "CREATE DATABASE db2",
    "DROP DATABASE nodb",
    "CREATE RETENTION POLICY rp1 ON db0 DURATION 1h REPLICATION 1",
    "ALTER RETENTION POLICY rp1 ON db0 DURATION 2h",
    "DROP RETENTION POLICY nope ON db0",
    "DROP RETENTION POLICY nope ON db1",
    "CREATE USER tmp WITH PASSWORD 'tmp-pw'",
    "CREATE USER boss WITH PASSWORD 'boss-pw' WITH ALL PRIVILEGES",
    "SET PASSWORD FOR tmp = 'tmp-pw2'",
    "GRANT READ ON db0 TO tmp",
    "REVOKE READ ON db0 FROM tmp",
    "GRANT ALL PRIVILEGES TO tmp",
    "REVOKE ALL PRIVILEGES FROM tmp",
    "DROP USER ghost",
    "CREATE CONTINUOUS QUERY cq0 ON db0 BEGIN SELECT mean(v) INTO db1..cq FROM m GROUP BY time(1h) END",
    "DROP CONTINUOUS QUERY nocq ON db0",
    "DROP SUBSCRIPTION nosub ON db0.autogen",
    "DELETE FROM gone",
    "DELETE FROM db1..gone",
    "DROP SERIES FROM gone",
    "DROP MEASUREMENT gone",
    "DROP SHARD 999",
    "KILL QUERY 999",
    "SELECT * FROM m; SHOW USERS",
    "SHOW DATABASES; SELECT * FROM db1..m",
    # Last: what these change (a new measurement) must not show in the answers above.
    "SELECT * FROM (SELECT * FROM db1..m)",
    "SELECT * INTO copy FROM m",
    "SELECT * INTO db1..copy FROM m",
]

POINTS = b"m,t=a v=1 1500000000000000000\nm,t=b v=2 1500000000000000000\n"


def query_request(text: str, headers: dict[str, str], params: dict[str, str],
                  db: str = "db0") -> tuple[str, str, dict[str, str], bytes]:
    path = "/query?" + urllib.parse.urlencode({"db": db, **params})
    form = urllib.parse.urlencode({"q": text}).encode()
    return "POST", path, {**headers, "Content-Type": "application/x-www-form-urlencoded"}, form


def write_request(db: str, headers: dict[str, str], params: dict[str, str]) -> tuple[str, str, dict, bytes]:
    return "POST", "/write?" + urllib.parse.urlencode({"db": db, **params}), dict(headers), POINTS


def endpoint_requests(headers: dict[str, str]) -> list[tuple[str, str, dict[str, str], bytes]]:
    """Every route influxd 1.6.7 has, asked without (or with wrong) credentials."""
    return [
        ("GET", "/ping", dict(headers), b""),
        ("HEAD", "/ping", dict(headers), b""),
        ("GET", "/status", dict(headers), b""),
        ("GET", "/query", dict(headers), b""),
        ("GET", "/query?q=SHOW+DATABASES", dict(headers), b""),
        ("POST", "/query?q=SHOW+DATABASES", dict(headers), b""),
        ("POST", "/query?q=SHOW+DATABASE", dict(headers), b""),
        ("OPTIONS", "/query", dict(headers), b""),
        ("POST", "/write?db=db0", dict(headers), POINTS),
        ("POST", "/write", dict(headers), POINTS),
        ("POST", "/write?db=nodb", dict(headers), POINTS),
        ("OPTIONS", "/write", dict(headers), b""),
        ("GET", "/nothing", dict(headers), b""),
    ]


def cases() -> list[tuple[str, str, tuple[str, str, dict[str, str], bytes]]]:
    """(phase, label, request) in the order they are sent."""
    admin = basic("admin", USERS["admin"])
    out: list[tuple[str, str, tuple]] = []
    bootstrap = [
        ("no-credentials", query_request("SHOW DATABASES", {}, {})),
        ("wrong-credentials", query_request("SHOW DATABASES", basic("x", "y"), {})),
        ("create-database", query_request("CREATE DATABASE db0", {}, {})),
        ("create-plain-user", query_request("CREATE USER u1 WITH PASSWORD 'u1-pw'", {}, {})),
        ("admin-second", query_request(
            "SHOW USERS; CREATE USER u1 WITH PASSWORD 'u1-pw' WITH ALL PRIVILEGES", {}, {})),
        ("parse-error", query_request("SHOW DATABASE", {}, {})),
        ("missing-q", ("GET", "/query", {}, b"")),
        ("write", write_request("db0", {}, {})),
        ("write-no-db", ("POST", "/write", {}, POINTS)),
        ("bearer", query_request("SHOW DATABASES", bearer({"username": "admin", "exp": FUTURE}), {})),
        ("create-admin", query_request(
            f"CREATE USER admin WITH PASSWORD '{USERS['admin']}' WITH ALL PRIVILEGES; SHOW USERS",
            {}, {})),
    ]
    out += [("bootstrap", label, request) for label, request in bootstrap]
    setup = [
        "CREATE DATABASE db0",
        "CREATE DATABASE db1",
        *(f"CREATE USER {name} WITH PASSWORD '{pw}'" for name, pw in USERS.items() if name != "admin"),
        "GRANT READ ON db0 TO reader",
        "GRANT WRITE ON db0 TO writer",
        "GRANT ALL ON db0 TO rw",
    ]
    out += [("setup", text, query_request(text, admin, {})) for text in setup]
    out += [("setup", f"write {db}", write_request(db, admin, {})) for db in ("db0", "db1")]
    for text in STATEMENTS:
        for name, headers, params in IDENTITIES:
            out.append(("matrix", f"{name}: {text}", query_request(text, headers, params)))
    for name, headers, params in BAD_CREDENTIALS:
        out.append(("credentials", f"{name}: query", query_request("SHOW DATABASES", headers, params)))
        out.append(("credentials", f"{name}: write", write_request("db0", headers, params)))
    for name, headers, params in IDENTITIES + BAD_CREDENTIALS[:2]:
        for db in ("db0", "db1", "nodb"):
            out.append(("write", f"{name}: {db}", write_request(db, headers, params)))
    for name, headers in (("none", {}), ("wrong-password", basic("admin", "wrong"))):
        for request in endpoint_requests(headers):
            out.append(("endpoints", f"{name}: {request[0]} {request[1]}", request))
    no_admin = [
        ("revoke-own-admin", query_request("REVOKE ALL PRIVILEGES FROM admin", admin, {})),
        ("no-credentials", query_request("SHOW DATABASES", {}, {})),
        ("former-admin", query_request("SHOW DATABASES", admin, {})),
        ("wrong-password", query_request("SHOW DATABASES", basic("admin", "wrong"), {})),
        ("create-admin", query_request("CREATE USER boss2 WITH PASSWORD 'x' WITH ALL PRIVILEGES", {}, {})),
        ("write", write_request("db0", {}, {})),
        ("write-as-writer", write_request("db0", basic("writer", USERS["writer"]), {})),
    ]
    out += [("no-admin", label, request) for label, request in no_admin]
    return out


def main() -> int:
    os.environ["INFLUXDB_HTTP_SHARED_SECRET"] = SHARED_SECRET
    records = []
    with InfluxServer(auth_enabled=True) as server:
        for phase, label, request in cases():
            record = send(server, *request)
            record["phase"] = phase
            record["label"] = label
            records.append(record)
    out = GOLDEN / "auth" / "exchanges.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} answers to {out.relative_to(GOLDEN.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
