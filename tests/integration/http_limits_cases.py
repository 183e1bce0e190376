"""Scenarios for influxd's ``[http]`` limits, CORS, ``/debug/*`` and HTTPS, run against one server each.

``tools/record_http_limits.py`` runs every scenario against the real influxd 1.6.7 (with the scenario's
``[http]`` settings) and stores the answers in ``tests/golden/http/limits.jsonl``; the integration test runs
the same scenarios against Chronus and compares. A scenario is a function of a ``Client`` that returns its
records in order; steps that overlap in time (a write held open by a slowly sent body, a
``/debug/requests`` window) are sequenced with short sleeps, wide enough for a loaded machine.

A record is one answer (status, headers without the volatile ones, body) or ``{"outcome": "closed"}`` for a
connection the server closed without answering; ``"body_ignored": true`` marks answers whose body is the
Go runtime's own (pprof pages), compared on status and headers only.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

VOLATILE_HEADERS = {"date", "request-id", "x-request-id"}
ORIGIN = {"Origin": "http://example.com"}
ADMIN_PASSWORD = "adm1n-pw"
SETTLE = 0.5  # seconds for the server to take in what was just sent before the next step
DEBUG_PPROF_PORT = 6060  # influxd's fixed localhost port for debug-pprof-enabled


@dataclass
class Client:
    """How to reach the server under test: loopback port, and a TLS context for HTTPS scenarios."""

    port: int
    tls: ssl.SSLContext | None = None

    def connection(self, timeout: float = 30) -> http.client.HTTPConnection:
        if self.tls is not None:
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=self.tls)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def socket(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        if self.tls is not None:
            return self.tls.wrap_socket(sock, server_hostname="127.0.0.1")
        return sock


def client_tls_context() -> ssl.SSLContext:
    """A client context that accepts the test's self-signed certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def answer(step: str, resp: http.client.HTTPResponse, request: dict, body_ignored: bool = False) -> dict:
    raw = resp.read()
    items = sorted((k.lower(), v) for k, v in resp.getheaders())
    record: dict = {
        "step": step,
        "request": request,
        "status": resp.status,
        "headers": {k: v for k, v in items if k not in VOLATILE_HEADERS},
        "volatile_headers": sorted({k for k, _ in items if k in VOLATILE_HEADERS}),
    }
    if body_ignored:
        record["body_ignored"] = True
    elif resp.getheader("Content-Encoding") == "gzip":
        record["body_gunzipped"] = gzip.decompress(raw).decode("utf-8")
    else:
        try:
            record["body"] = raw.decode("utf-8")
        except UnicodeDecodeError:
            record["body_base64"] = base64.b64encode(raw).decode()
    return record


def send(client: Client, step: str, method: str, path: str, headers: dict[str, str] | None = None,
         body: bytes = b"", conn: http.client.HTTPConnection | None = None, body_ignored: bool = False,
         chunked: bool = False) -> dict:
    """One request on ``conn`` (a new connection, closed afterwards, when none is given)."""
    headers = dict(headers or {})
    own = conn is None
    conn = conn or client.connection()
    try:
        if chunked:
            conn.request(method, path, body=iter([body]), headers=headers, encode_chunked=True)
        else:
            conn.request(method, path, body=body or None, headers=headers)
        resp = conn.getresponse()
        request = {"method": method, "path": path, "headers": headers, "body": body.decode("latin-1"),
                   "chunked": chunked}
        return answer(step, resp, request, body_ignored)
    finally:
        if own:
            conn.close()


def auth(user: str = "admin", password: str = ADMIN_PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


class HeldWrite:
    """A ``/write`` whose body is only partly sent, so the server holds the request (and its write slot)."""

    def __init__(self, client: Client, path: str = "/write?db=d", line: bytes = b"held v=1 1000\n",
                 headers: dict[str, str] | None = None) -> None:
        self.conn = client.connection()
        self.line = line
        self.path = path
        self.headers = headers or {}
        self.conn.putrequest("POST", path, skip_accept_encoding=True)
        self.conn.putheader("Content-Length", str(len(line)))
        for name, value in self.headers.items():
            self.conn.putheader(name, value)
        self.conn.endheaders(line[:4])

    def finish(self, step: str) -> dict:
        self.conn.send(self.line[4:])
        try:
            request = {"method": "POST", "path": self.path, "headers": {**self.headers, "held": "true"},
                       "body": self.line.decode(), "chunked": False}
            return answer(step, self.conn.getresponse(), request)
        finally:
            self.conn.close()


class Pending:
    """A request answered in a background thread (the server makes it wait), joined with ``result()``."""

    def __init__(self, func: Callable[[], dict]) -> None:
        self._result: dict = {}
        self._thread = threading.Thread(target=lambda: self._result.update(func()), daemon=True)
        self._thread.start()

    def result(self) -> dict:
        self._thread.join(timeout=60)
        return self._result


def closed_or_answered(client: Client, step: str) -> dict:
    """Connect, send a ping, and tell whether the server answered or dropped the connection unanswered."""
    sock = client.socket()
    try:
        sock.sendall(b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            data = sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError, OSError):
            data = b""
    finally:
        sock.close()
    if not data:
        return {"step": step, "outcome": "closed"}
    return {"step": step, "outcome": "answered", "status_line": data.split(b"\r\n", 1)[0].decode()}


def early_answer(client: Client, step: str, path: str, declared: int, sent: bytes,
                 headers: dict[str, str] | None = None) -> dict:
    """A write declaring a body of which only ``sent`` goes out: influxd answers what it refuses before
    reading at once, with ``Connection: close``, when 256 KiB or more would stay unread, or when the client
    waits for ``100 Continue``."""
    headers = {"Content-Length": str(declared), **(headers or {})}
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    sock = client.socket()
    try:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}\r\n".encode() + sent)
        data = b""
        while not _complete(data):  # Go may keep the connection open after "Connection: close"
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                break
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    items = sorted((name.lower(), value) for name, _, value in (line.partition(": ") for line in lines))
    return {
        "step": step,
        "request": {"method": "POST", "path": path, "headers": headers,
                    "body": sent.decode("latin-1"), "chunked": False},
        "status": int(status_line.split()[1]),
        "headers": {k: v for k, v in items if k not in VOLATILE_HEADERS},
        "volatile_headers": sorted({k for k, _ in items if k in VOLATILE_HEADERS}),
        "body": body.decode("utf-8"),
    }


def _complete(data: bytes) -> bool:
    """Whether ``data`` holds a whole answer with a Content-Length."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b": ")
        if name.lower() == b"content-length":
            return len(body) >= int(value)
    return False


# -- scenarios ----------------------------------------------------------------------------------------------


def throttled_writes(client: Client) -> list[dict]:
    """One write running, one queued, the next refused; the queued one times out; queries never wait."""
    records = [send(client, "setup", "POST", "/query?q=CREATE+DATABASE+d")]
    held = HeldWrite(client)
    time.sleep(SETTLE)
    queued = Pending(lambda: send(client, "queued write times out", "POST", "/write?db=d", body=b"q v=1 1\n"))
    time.sleep(SETTLE)
    records.append(send(client, "queue full", "POST", "/write?db=d", body=b"r v=1 1\n"))
    records.append(send(client, "queue full (CORS)", "POST", "/write?db=d", ORIGIN, b"r v=1 1\n"))
    records.append(send(client, "queue full (gzip accepted)", "POST", "/write?db=d",
                        {"Accept-Encoding": "gzip"}, b"r v=1 1\n"))
    records.append(send(client, "queue full before any check", "POST", "/write?db=nope", body=b"r v=1 1\n"))
    records.append(send(client, "queries are not throttled", "GET", "/query?q=SHOW+DATABASES"))
    records.append(queued.result())
    records.append(held.finish("held write completes"))
    records.append(send(client, "free again", "POST", "/write?db=d", body=b"s v=1 1\n"))
    records.append(send(client, "written", "GET", "/query?db=d&q=SELECT+*+FROM+held,q,r,s"))
    return records


def queued_writes(client: Client) -> list[dict]:
    """No queue limit and no timeout: a second write waits for the first and then succeeds."""
    records = [send(client, "setup", "POST", "/query?q=CREATE+DATABASE+d")]
    held = HeldWrite(client)
    time.sleep(SETTLE)
    queued = Pending(lambda: send(client, "queued write waits", "POST", "/write?db=d", body=b"q v=2 2\n"))
    time.sleep(SETTLE)
    records.append(held.finish("held write completes"))
    records.append(queued.result())
    records.append(send(client, "both written", "GET", "/query?db=d&q=SELECT+*+FROM+held,q"))
    return records


def connection_limit(client: Client) -> list[dict]:
    """Connections beyond ``max-connection-limit`` are closed unanswered until one of the others closes."""
    time.sleep(SETTLE)  # let the start-up probe's connection go
    first, second = client.connection(), client.connection()
    records = [send(client, "first connection", "GET", "/ping", conn=first),
               send(client, "second connection", "GET", "/ping", conn=second)]
    records.append(closed_or_answered(client, "third connection"))
    records.append(send(client, "first connection again", "GET", "/ping", conn=first))
    first.close()
    time.sleep(SETTLE)
    records.append(closed_or_answered(client, "after the first closed"))
    time.sleep(SETTLE)
    records.append(send(client, "a new connection", "GET", "/ping"))
    second.close()
    return records


def cors(client: Client) -> list[dict]:
    """CORS headers with and without ``Origin``, pre-flight ``OPTIONS``, and who gets them (auth on)."""
    create = f"CREATE USER admin WITH PASSWORD '{ADMIN_PASSWORD}' WITH ALL PRIVILEGES"
    form = {"Content-Type": "application/x-www-form-urlencoded", **ORIGIN}
    records = [send(client, "setup", "POST", "/query", form, b"q=" + create.replace(" ", "+").encode()),
               send(client, "setup", "POST", "/query?q=CREATE+DATABASE+d", auth())]
    preflight = {**ORIGIN, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "Authorization, Content-Type"}
    for path in ("/query", "/write", "/ping", "/status", "/nothing", "/write?db=d"):
        records.append(send(client, "pre-flight", "OPTIONS", path, preflight))
    for path in ("/query", "/write"):
        records.append(send(client, "OPTIONS without Origin", "OPTIONS", path))
        records.append(send(client, "OPTIONS with bad credentials", "OPTIONS", path, auth("x", "y")))
    for method in ("GET", "HEAD"):
        records.append(send(client, "ping", method, "/ping", ORIGIN))
        records.append(send(client, "status", method, "/status", ORIGIN))
    records.append(send(client, "no credentials", "GET", "/query?q=SHOW+DATABASES", ORIGIN))
    records.append(send(client, "query", "GET", "/query?q=SHOW+DATABASES", {**ORIGIN, **auth()}))
    records.append(send(client, "write", "POST", "/write?db=d", {**ORIGIN, **auth()}, b"m v=1 1\n"))
    records.append(send(client, "write refused", "POST", "/write?db=nope", {**ORIGIN, **auth()},
                        b"m v=1 1\n"))
    wrong = {**ORIGIN, **auth("admin", "x")}
    records.append(send(client, "write, wrong password", "POST", "/write?db=d", wrong, b"m v=1 1\n"))
    records.append(send(client, "write, no credentials", "POST", "/write?db=d", ORIGIN, b"m v=1 1\n",
                        chunked=True))
    records.append(early_answer(client, "write, no credentials, long body", "/write?db=d", 300_000, b"m v"))
    records.append(send(client, "parse error", "GET", "/query?q=SELEC", {**ORIGIN, **auth()}))
    records.append(send(client, "not found", "GET", "/nothing", ORIGIN))
    records.append(send(client, "wrong method", "DELETE", "/query", ORIGIN))
    records.append(send(client, "empty Origin", "GET", "/ping", {"Origin": ""}))
    window = Pending(lambda: send(client, "requests of an authenticated user", "GET",
                                  "/debug/requests?seconds=2", ORIGIN))
    time.sleep(SETTLE)
    send(client, "counted", "GET", "/query?q=SHOW+DATABASES", auth())
    send(client, "counted", "POST", "/write?db=d", auth(), b"m v=2 2\n")
    send(client, "counted", "POST", "/write?db=d", auth(), b"m v=3 3\n")
    send(client, "not counted", "GET", "/query?q=SHOW+DATABASES")  # 401 before it is counted
    records.append(window.result())
    return records


def body_and_row_limits(client: Client) -> list[dict]:
    """``max-body-size`` (64 bytes here) plain, chunked and gzipped; ``max-row-limit`` (2 here)."""
    records = [send(client, "setup", "POST", "/query?q=CREATE+DATABASE+d")]
    exactly = b"m v=1 1\n" * 8
    records.append(send(client, "64 bytes", "POST", "/write?db=d", body=exactly))
    records.append(send(client, "65 bytes", "POST", "/write?db=d", body=exactly + b"\n"))
    records.append(send(client, "65 bytes chunked", "POST", "/write?db=d", body=exactly + b"\n",
                        chunked=True))
    records.append(send(client, "64 bytes chunked", "POST", "/write?db=d", body=exactly, chunked=True))
    big = b"g v=1 1\n" * 100
    small_gzip = gzip.compress(big, mtime=0)
    assert len(small_gzip) <= 64 < len(big)
    gz = {"Content-Encoding": "gzip"}
    records.append(send(client, "gzip under the limit, inflating beyond", "POST", "/write?db=d", gz,
                        small_gzip))
    large_gzip = gzip.compress(b"".join(b"c v=%d %d\n" % (i, i * 7919) for i in range(30)), mtime=0)
    assert len(large_gzip) > 64
    records.append(send(client, "gzip over the limit", "POST", "/write?db=d", gz, large_gzip))
    records.append(send(client, "bad gzip over the limit", "POST", "/write?db=d", gz, b"x" * 100))
    records.append(send(client, "bad gzip under the limit", "POST", "/write?db=d", gz, b"x" * 20))
    records.append(send(client, "gzip over the limit, chunked", "POST", "/write?db=d", gz, large_gzip,
                        chunked=True))
    records.append(send(client, "gzip written", "GET", "/query?db=d&q=SELECT+count(v)+FROM+c,g"))
    records.append(early_answer(client, "declared far over the limit", "/write?db=d", 300_000, b"m v=1 1\n"))
    records.append(early_answer(client, "unknown database, long body", "/write?db=nope", 300_000, b"m v=1\n"))
    records.append(early_answer(client, "unknown database, client awaits 100 Continue", "/write?db=nope", 10,
                                b"", {"Expect": "100-continue"}))
    records.append(early_answer(client, "over the limit, client awaits 100 Continue", "/write?db=d", 65,
                                b"", {"Expect": "100-continue"}))
    rows = b"r,t=a v=1 1\nr,t=a v=2 2\nr,t=b v=3 3\n"
    records.append(send(client, "rows", "POST", "/write?db=d", body=rows))
    records.append(send(client, "row limit", "GET", "/query?db=d&q=SELECT+*+FROM+r"))
    records.append(send(client, "row limit across series", "GET", "/query?db=d&q=SELECT+*+FROM+r+GROUP+BY+t"))
    records.append(send(client, "row limit per statement", "GET",
                        "/query?db=d&q=SELECT+*+FROM+r%3BSELECT+*+FROM+r"))
    records.append(send(client, "chunked answers are not limited", "GET",
                        "/query?db=d&chunked=true&q=SELECT+*+FROM+r"))
    return records


def debug_routes(client: Client) -> list[dict]:
    """``/debug/requests`` (its errors and its JSON), ``/debug/pprof`` with ``pprof-enabled`` on."""
    records = [send(client, "setup", "POST", "/query?q=CREATE+DATABASE+d")]
    for path in ("/debug/requests?seconds=abc", "/debug/requests?seconds=100000",
                 "/debug/requests?seconds=21601", "/debug/requests?seconds=-1",
                 "/debug/requestsX?seconds=0", "/debug/requests?seconds=0&x=1"):
        records.append(send(client, "requests", "GET", path))
    records.append(send(client, "requests by POST", "POST", "/debug/requests?seconds=0"))
    window = Pending(lambda: send(client, "requests seen in the window", "GET", "/debug/requests?seconds=2"))
    time.sleep(SETTLE)
    send(client, "counted", "POST", "/write?db=d", body=b"m v=1 1\n")
    send(client, "counted", "GET", "/query?db=d&q=SELECT+*+FROM+m")
    send(client, "counted", "GET", "/query?db=d&q=SELECT+*+FROM+m")
    send(client, "counted (refused)", "POST", "/write?db=nope", body=b"m v=1 1\n")
    send(client, "not counted", "GET", "/ping")
    records.append(window.result())
    records.append(send(client, "unknown profile", "GET", "/debug/pprof/nothing"))
    records.append(send(client, "unknown profile by POST", "POST", "/debug/pprof/nothing/deeper"))
    for path in ("/debug/pprof/", "/debug/pprof", "/debug/pprof/goroutine?debug=1",
                 "/debug/pprof/goroutine?debug=2", "/debug/pprof/cmdline", "/debug/pprof/all"):
        records.append(send(client, "pprof", "GET", path, body_ignored=True))
    records.append(send(client, "vars by OPTIONS", "OPTIONS", "/debug/vars", ORIGIN, body_ignored=True))
    return records


def pprof_disabled(client: Client) -> list[dict]:
    """``pprof-enabled = false``: ``/debug/pprof`` falls through to the router (404); the rest stays."""
    return [send(client, "pprof off", "GET", path) for path in
            ("/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/nothing", "/debug/requests?seconds=0")]


def debug_pprof_listener(client: Client) -> list[dict]:
    """``debug-pprof-enabled``: profiles (and process variables) on localhost:6060, outside influxd's API."""
    side = Client(DEBUG_PPROF_PORT)
    records = [send(side, "6060", "GET", path) for path in
               ("/ping", "/debug/requests", "/debug/pprof/all", "/debug/pprof/nothing", "/debug/pprof",
                "/debug/pprof?debug=1", "/debug/varsx")]
    records += [send(side, "6060", "GET", path, body_ignored=True) for path in
                ("/debug/pprof/", "/debug/pprof/cmdline", "/debug/vars")]
    records.append(send(client, "main port unchanged", "GET", "/debug/pprof/nothing"))
    return records


def https_exchanges(client: Client) -> list[dict]:
    """A small set of exchanges over HTTPS (auth on), and the TLS version the server negotiates."""
    create = f"CREATE USER admin WITH PASSWORD '{ADMIN_PASSWORD}' WITH ALL PRIVILEGES"
    records = [send(client, "setup", "POST", "/query?" + "q=" + create.replace(" ", "+").replace("'", "%27"))]
    records.append(send(client, "ping", "GET", "/ping"))
    records.append(send(client, "no credentials", "GET", "/query?q=SHOW+DATABASES"))
    records.append(send(client, "create", "POST", "/query?q=CREATE+DATABASE+d", auth()))
    records.append(send(client, "write", "POST", "/write?db=d", auth(), b"m,h=a v=1.5 1000000000\n"))
    records.append(send(client, "query", "GET", "/query?db=d&q=SELECT+*+FROM+m", auth()))
    records.append(send(client, "query csv", "GET", "/query?db=d&q=SELECT+*+FROM+m",
                        {**auth(), "Accept": "application/csv"}))
    records.append(send(client, "pre-flight", "OPTIONS", "/write", ORIGIN))
    records.append(send(client, "not found", "GET", "/nothing"))
    records.append(negotiated(client))
    return records


def negotiated(client: Client) -> dict:
    """The TLS version (and, when the server's ``[tls]`` leaves a single choice, the cipher) agreed on."""
    sock = client.socket()
    try:
        cipher = sock.cipher()
        return {"step": "negotiated", "outcome": "tls", "version": sock.version(),
                "cipher": cipher[0] if cipher else None}
    finally:
        sock.close()


def https_tls12(client: Client) -> list[dict]:
    """``[tls]`` max-version and ciphers: TLS 1.2 with the one suite allowed."""
    return [send(client, "ping", "GET", "/ping"), negotiated(client)]


@dataclass
class Scenario:
    name: str
    run: Callable[[Client], list[dict]]
    http: dict[str, str] = field(default_factory=dict)  # [http] settings, as TOML values
    https: bool = False
    sections: str = ""  # more configuration after [http]: "\n[table]\n  key = value\n..."


SCENARIOS = [
    Scenario("throttled_writes", throttled_writes, {"max-concurrent-write-limit": "1",
                                                    "max-enqueued-write-limit": "1",
                                                    "enqueued-write-timeout": '"2s"'}),
    Scenario("queued_writes", queued_writes, {"max-concurrent-write-limit": "1",
                                              "enqueued-write-timeout": '"0s"'}),
    Scenario("connection_limit", connection_limit, {"max-connection-limit": "2"}),
    Scenario("cors", cors, {"auth-enabled": "true"}),
    Scenario("body_and_row_limits", body_and_row_limits, {"max-body-size": "64", "max-row-limit": "2"}),
    Scenario("debug_routes", debug_routes),
    Scenario("pprof_disabled", pprof_disabled, {"pprof-enabled": "false"}),
    Scenario("debug_pprof_listener", debug_pprof_listener, {"debug-pprof-enabled": "true"}),
    Scenario("https", https_exchanges, {"auth-enabled": "true"}, https=True),
    Scenario("https_tls12", https_tls12, https=True,
             sections='\n[tls]\n  max-version = "tls1.2"\n'
                      '  ciphers = ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]\n'),
]


def http_settings(scenario: Scenario, certificate: str = "", key: str = "") -> str:
    """The scenario's ``[http]`` lines (plus the HTTPS ones) for a config file."""
    settings = dict(scenario.http)
    if scenario.https:
        settings.update({"https-enabled": "true", "https-certificate": f'"{certificate}"',
                         "https-private-key": f'"{key}"'})
    return "".join(f"  {name} = {value}\n" for name, value in settings.items()) + scenario.sections
