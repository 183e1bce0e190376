"""The InfluxDB 1.x HTTP API on Tornado: the same routes, status codes, headers and bodies as influxd 1.6.7.

The IOLoop only moves bytes: parsing a query or a write body, running statements and writing points happen
in a thread pool (their hot loops release the GIL), so slow requests do not stall others.
Routes: ``/ping`` (GET, HEAD), ``/status``, ``/query`` (GET, POST), ``/write`` (POST), ``/api/v2/write``
(POST, as InfluxDB 1.8 has it), ``/health`` (1.8's), ``/debug/vars``, ``/debug/requests``, ``/debug/pprof``
(when ``pprof-enabled``); anything else is Go's plain 404.

influxd's middleware order is kept: request id and CORS headers (cors.py) first, then the write throttler
(limits.py), then authentication, then the route. An unregistered method is a 405 before any of them.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import gzip
import json
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import tornado.concurrent
import tornado.httpserver
import tornado.netutil
import tornado.web

from chronus.errors import WriteError
from chronus.http import debug, gojson
from chronus.http.access_log import AccessLog, access_line, logged_uri, split_uri, username
from chronus.http.auth import AuthenticationError, Authenticator, parse_credentials
from chronus.http.cors import cors_headers
from chronus.http.limits import Throttled, WriteSlot, WriteThrottler
from chronus.http.params import ParamsError, decode_params
from chronus.http.request_id import request_ids
from chronus.http.response import Formatter, formatter_for
from chronus.http.workers import Workers
from chronus.influxql import ParseError, ast, parse_query
from chronus.influxql.parser import go_trim_space
from chronus.meta.info import UserInfo
from chronus.query.authorize import AuthorizationError, authorize_query, may_write
from chronus.query.executor import ExecutionOptions
from chronus.query.result import Result

DEFAULT_CHUNK_SIZE = 10_000
CONSISTENCY_LEVELS = ("any", "one", "quorum", "all")
PLAIN_TEXT = "text/plain; charset=utf-8"
CORS_HEADERS = tuple(cors_headers("*"))
# Go's server reads up to this much of a body a handler left unread before answering (keeping the
# connection); with more left it answers at once with "Connection: close" and closes.
MAX_POST_HANDLER_READ = 256 << 10


class QueryRunner(Protocol):
    def execute(self, query: ast.Query, options: ExecutionOptions) -> Iterator[Result]: ...

    def quick(self, query: ast.Query, options: ExecutionOptions) -> bool:
        """Whether the query is small, bounded work, run on the event loop rather than in the pool."""


class PointsWriter(Protocol):
    def database_exists(self, name: str) -> bool: ...

    def write_lines(
        self, database: str, retention_policy: str, consistency: str, body: bytes, precision: str
    ) -> int:
        """Parse and write a line-protocol body (how many points it held); raise WriteError for whatever
        influxd refuses."""


@dataclass
class HTTPOptions:
    """The ``[http]`` settings the handlers need (the server fills them from the configuration)."""

    max_body_size: int = 25_000_000
    max_row_limit: int = 0
    version: str = "1.6.7"
    build: str = "OSS"
    realm: str = "InfluxDB"
    access_log: AccessLog | None = None  # None: [http] log-enabled = false
    suppress_write_log: bool = False
    pprof_enabled: bool = True
    #: 1.8's auth-enabled && pprof-enabled && pprof-auth-enabled: /debug/* routed, admins only
    debug_auth: bool = False


# influxd's ``httpd`` statistics (services/httpd), every one listed from the start.
HTTPD_STATISTICS = (
    "req", "queryReq", "writeReq", "pingReq", "statusReq", "writeReqBytes", "queryRespBytes",
    "pointsWrittenOK", "pointsWrittenDropped", "pointsWrittenFail", "authFail", "reqDurationNs",
    "queryReqDurationNs", "writeReqDurationNs", "reqActive", "writeReqActive", "clientError", "serverError",
    "recoveredPanics", "promWriteReq", "promReadReq",
)


@dataclass
class HTTPBackends:
    """What the handlers talk to: one object per concern, shared by every request."""

    query_runner: QueryRunner
    points_writer: PointsWriter
    expvar_body: Callable[[], str]
    options: HTTPOptions = field(default_factory=HTTPOptions)
    pool: Workers = field(default_factory=lambda: Workers(max_workers=8))
    stats: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HTTPD_STATISTICS, 0))
    authenticator: Authenticator | None = None  # None: [http] auth-enabled = false
    throttler: WriteThrottler = field(default_factory=lambda: WriteThrottler(0, 0, 0))
    requests: debug.RequestTracker = field(default_factory=debug.RequestTracker)

    def count(self, name: str, amount: int = 1) -> None:
        self.stats[name] = self.stats.get(name, 0) + amount


class BaseHandler(tornado.web.RequestHandler):
    """Headers every influxd response carries, Go's error bodies, and the request id of routed requests."""

    routed = True
    logged = True  # written to the access log (influxd logs every route, /write unless suppressed)
    authenticated = False  # influxd's authenticated routes: /query and /write (never OPTIONS)
    preflight = False  # answers CORS pre-flight OPTIONS (influxd: /query and /write only)
    user: UserInfo | None = None  # who is asking, once authenticated (None: auth off, or no admin yet)
    allowed_methods: tuple[str, ...] = ()
    _body_bytes = 0
    _started = 0.0
    _counted_ns = 0  # when ``req`` was counted (0: not counted, or its duration already added)
    _phase: tuple[str, str, int] | None = None  # a query's or write's duration and active counters, start

    @property
    def backends(self) -> HTTPBackends:
        return self.application.settings["backends"]

    @property
    def side_listener(self) -> bool:
        """Serving ``debug-pprof-enabled``'s localhost:6060, a plain Go server outside influxd's API."""
        return bool(self.application.settings.get("side_listener"))

    def set_default_headers(self) -> None:
        self.clear_header("Server")
        self.clear_header("Content-Type")
        if self.side_listener:
            return
        options: HTTPOptions = self.application.settings["backends"].options
        self.set_header("X-Influxdb-Build", options.build)
        self.set_header("X-Influxdb-Version", options.version)

    def compute_etag(self) -> None:
        """influxd sends no ETag (and so never a 304)."""
        return None

    def _clear_representation_headers(self) -> None:
        """Keep ``Content-Type`` on 204 answers: influxd sends it (Tornado would drop it)."""

    def write(self, chunk: str | bytes | dict) -> None:
        if isinstance(chunk, bytes):
            self._body_bytes += len(chunk)
        super().write(chunk)

    def count_request(self) -> None:
        """influxd's ``ServeHTTP``: ``req`` and ``reqActive`` now, ``reqDurationNs`` when the answer ends."""
        self._counted_ns = time.perf_counter_ns()
        self.backends.count("req")
        self.backends.count("reqActive")

    def count_phase(self, requests: str, duration: str, active: str = "") -> None:
        """A query or write request served (influxd's ``serveQuery`` / ``serveWrite``): its counter, and
        its active counter and duration until the answer ends."""
        self.backends.count(requests)
        if active:
            self.backends.count(active)
        self._phase = (duration, active, time.perf_counter_ns())

    def _end_counts(self) -> None:
        """The request is over (answered, or its client gone): what was counted at its start ends."""
        if self._phase is not None:
            duration, active, started = self._phase
            self._phase = None
            if active:
                self.backends.count(active, -1)
            self.backends.count(duration, max(1, time.perf_counter_ns() - started))
        if self._counted_ns:
            self.backends.count("reqActive", -1)
            self.backends.count("reqDurationNs", max(1, time.perf_counter_ns() - self._counted_ns))
            self._counted_ns = 0

    def on_connection_close(self) -> None:
        self._end_counts()
        super().on_connection_close()

    def on_finish(self) -> None:
        self._end_counts()
        access_log = self.backends.options.access_log
        if access_log is None or not self.routed or not self.logged:
            return
        request = self.request
        path, query = split_uri(request.uri or "")
        basic_user = None
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            with contextlib.suppress(ValueError, UnicodeDecodeError):
                basic_user = base64.b64decode(header[6:]).decode().partition(":")[0]
        access_log.write(access_line(
            host=request.remote_ip or "",
            user=username(query, basic_user),
            start=self._started,
            method=request.method or "",
            uri=logged_uri(path, query, sanitize=path == "/query"),
            proto=request.version,
            status=self.get_status(),
            size=self._body_bytes,
            referer=request.headers.get("Referer", ""),
            agent=request.headers.get("User-Agent", ""),
            request_id=self._headers.get("Request-Id", ""),
            elapsed_us=int((time.time() - self._started) * 1_000_000),
        ))

    async def prepare(self) -> None:
        self._started = time.time()
        self.count_request()
        if not self._serves_method():
            raise tornado.web.HTTPError(405)
        if self.routed:
            rid = self.request.headers.get("X-Request-Id") or self.request.headers.get("Request-Id")
            rid = rid or request_ids.next()
            self.set_header("Request-Id", rid)
            self.set_header("X-Request-Id", rid)
            for name, value in cors_headers(self.request.headers.get("Origin", "")).items():
                self.set_header(name, value)
        if self.request.method == "OPTIONS":
            return
        if not await self._admit():
            return
        if self.authenticated:
            await self._authenticate()

    def _serves_method(self) -> bool:
        """Whether the route has the request's method (influxd's router answers 405 before anything)."""
        method = (self.request.method or "").lower()
        if method == "options":
            return self.preflight
        return getattr(type(self), method, None) is not getattr(tornado.web.RequestHandler, method, None)

    async def _admit(self) -> bool:
        """Between CORS and authentication: the write throttler's place; False when it answered."""
        return True

    async def _authenticate(self) -> None:
        """influxd's ``authenticate``: until an admin exists anyone passes (to create one); a 401 ends it."""
        authenticator = self.backends.authenticator
        if authenticator is None or not authenticator.users.admin_user_exists():
            return
        try:
            header = self.request.headers.get("Authorization", "")
            credentials = parse_credentials(self.query_argument, header)
            if authenticator.is_quick(credentials):
                self.user = authenticator.authenticate(credentials)
            else:  # bcrypt: tens of milliseconds, kept off the IOLoop
                self.user = await self.backends.pool.run(authenticator.authenticate, credentials)
        except AuthenticationError as err:
            self.backends.count("authFail")
            self.http_error(str(err), 401)

    def argument(self, name: str) -> str:
        """A form value as Go's ``FormValue`` reads it: POST body first, then the URL; never stripped."""
        return self.get_argument(name, "", strip=False)

    def query_argument(self, name: str) -> str:
        """A value from the URL only, as Go's ``r.URL.Query().Get``."""
        return self.get_query_argument(name, "", strip=False)

    def formatter(self) -> Formatter:
        return formatter_for(self.request.headers.get("Accept"), self.query_argument("pretty") == "true")

    def http_error(self, message: str, status: int, formatter: Formatter | None = None) -> None:
        """``{"error": ...}`` with ``X-Influxdb-Error`` (or ``WWW-Authenticate`` for 401), as influxd does."""
        formatter = formatter or self.formatter()
        if status == 401:
            self.set_header("WWW-Authenticate", f'Basic realm="{self.backends.options.realm}"')
        elif status // 100 != 2:
            self._headers["X-Influxdb-Error"] = _go_header_value(message)
        self.set_header("Content-Type", formatter.content_type)
        self.count_status(status)
        self.set_status(status)
        self.finish(formatter.format([], message))

    def count_status(self, status: int) -> None:
        if status // 100 == 4:
            self.backends.count("clientError")
        elif status // 100 == 5:
            self.backends.count("serverError")

    def no_content(self) -> None:
        self.set_header("Content-Type", self.formatter().content_type)
        self.set_status(204)
        self.finish()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Errors Tornado raises itself: wrong method (Go's 405 text) or an unexpected failure (500 JSON)."""
        if status_code == 405:
            self.set_header("Allow", ", ".join(self.allowed_methods))
            self._plain(405, "Method Not Allowed")
            return
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, tornado.web.HTTPError) and status_code < 500:
            self._plain(status_code, exc.log_message or self._reason)
            return
        if not isinstance(exc, tornado.web.HTTPError):
            self.backends.count("recoveredPanics")  # influxd's recovery handler counts what it catches
        self.set_header("Content-Type", "application/json")
        self.finish(gojson.dumps({"error": str(exc) if exc else self._reason}) + "\n")

    def _plain(self, status: int, text: str) -> None:
        """Go's ``http.Error`` outside the router (404, 405): no request id, no CORS headers."""
        for name in ("Request-Id", "X-Request-Id", *CORS_HEADERS):
            self.clear_header(name)
        self.go_error(status, text)

    def go_error(self, status: int, text: str) -> None:
        """Go's ``http.Error``: the text and a newline, plain, ``nosniff``; the headers already set kept."""
        self.set_header("Content-Type", PLAIN_TEXT)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_status(status)
        self.finish((text + "\n").encode())  # bytes: counted in the access log's size

    async def options(self, *args: Any) -> None:
        """CORS pre-flight (``preflight`` routes only): 200 with an empty body, never authenticated."""
        self.set_status(200)
        self.finish()


class NotFoundHandler(BaseHandler):
    """Go's ``http.NotFound``: plain text, no request id."""

    routed = False

    async def prepare(self) -> None:
        if not self.side_listener:
            self.count_request()
        self._plain(404, "404 page not found")


class PingHandler(BaseHandler):
    allowed_methods = ("GET", "HEAD")

    def get(self) -> None:
        """204; ``verbose=true`` changes nothing in influxd 1.6.7 (1.8 answers a body), nor here."""
        self.backends.count("pingReq")
        self.no_content()

    def head(self) -> None:
        self.backends.count("pingReq")
        self.no_content()


class StatusHandler(PingHandler):
    """``/status``: deprecated in influxd, still answered like ``/ping``."""

    def get(self) -> None:
        self.backends.count("statusReq")
        self.no_content()

    def head(self) -> None:
        self.get()


class HealthHandler(BaseHandler):
    """InfluxDB 1.8's ``/health`` (1.6.7 has none): always ready once the server answers."""

    allowed_methods = ("GET", "HEAD")

    def get(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        body = {
            "checks": [],
            "message": "ready for queries and writes",
            "name": "influxdb",
            "status": "pass",
            "version": self.backends.options.version,
        }
        self.finish(gojson.dumps(body) + "\n")

    def head(self) -> None:
        self.get()


# The /debug paths InfluxDB 1.8 routes (GET only) when pprof-auth-enabled applies; other /debug/pprof/* 404.
_ADMIN_DEBUG_PATHS = frozenset({"/debug/vars", "/debug/requests", "/debug/pprof/cmdline",
                                "/debug/pprof/profile", "/debug/pprof/symbol", "/debug/pprof/all"})


class DebugHandler(BaseHandler):
    """``/debug/*``: outside influxd's router, so no request id, CORS or authentication.

    Unless InfluxDB 1.8's ``pprof-auth-enabled`` applies (with ``auth-enabled`` and ``pprof-enabled``):
    then a few of them are routes like any other, authenticated, and for admins only.
    """

    routed = False

    async def prepare(self) -> None:
        if self.side_listener:
            return
        if not self.backends.options.debug_auth:
            self.count_request()
            return
        path = self.request.path
        if path not in _ADMIN_DEBUG_PATHS:
            self.count_request()
            self._plain(404, "404 page not found")
            return
        if self.request.method not in ("GET", "HEAD"):
            self.count_request()
            self.set_header("Allow", "GET, HEAD")
            self._plain(405, "Method Not Allowed")
            return
        self.routed = True
        self.authenticated = True
        await super().prepare()
        if self._finished:
            return
        if self.user is None or not self.user.admin:
            self.http_error("error authorizing admin access", 403)


def any_method(cls: type[DebugHandler]) -> type[DebugHandler]:
    """influxd serves ``/debug/*`` whatever the method: every method runs ``get``."""
    for method in ("head", "post", "delete", "patch", "put", "options"):
        setattr(cls, method, cls.get)
    return cls


@any_method
class ExpvarHandler(DebugHandler):
    async def get(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(self.backends.expvar_body())


@any_method
class RequestsHandler(DebugHandler):
    """``/debug/requests``: who sent queries and writes during the next ``seconds`` (debug.py)."""

    _gone: asyncio.Event | None = None

    async def get(self) -> None:
        try:
            seconds = debug.window_seconds(self.get_query_argument("seconds", None, strip=False))
        except debug.WindowError as err:
            self.set_header("X-Influxdb-Error", _go_header_value(str(err)))
            self.set_header("Content-Type", "application/json")
            self.count_status(400)
            self.set_status(400)
            self.finish(gojson.dumps({"error": str(err)}))  # influxd's plain writer: no newline
            return
        self._gone = asyncio.Event()
        window = self.backends.requests.open()
        try:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._gone.wait(), seconds)
        finally:
            self.backends.requests.close(window)
        if self._gone.is_set():
            return
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Connection", "close")
        await self.finish(window.body())
        self.request.connection.close()

    def on_connection_close(self) -> None:
        if self._gone is not None:
            self._gone.set()
        super().on_connection_close()


@any_method
class PprofHandler(DebugHandler):
    """``/debug/pprof``: Python's counterparts of influxd's profiles, in its framing (debug.py)."""

    _gone = False

    async def get(self) -> None:
        path = self.request.path
        name = path[len("/debug/pprof/"):] if path.startswith("/debug/pprof/") else ""
        if name == "all" and not self.side_listener:  # influxd's own, not Go's standard pprof
            await self._archive()
            return
        self.set_header("X-Content-Type-Options", "nosniff")
        if name == "":
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(debug.index_page())
        elif name == "cmdline":
            self.set_header("Content-Type", PLAIN_TEXT)
            self.finish("\x00".join(sys.orig_argv))
        elif name == "symbol":
            self.set_header("Content-Type", PLAIN_TEXT)
            self.finish("num_symbols: 0\n")
        elif name == "goroutine":
            try:
                level = int(self.get_argument("debug", "0"))
            except ValueError:
                level = 0
            self.set_header("Content-Type", PLAIN_TEXT)
            self.finish(debug.goroutine_text(level))
        elif name == "profile":
            await self._profile()
        else:
            self.set_header("X-Go-Pprof", "1")
            self.go_error(404, "Unknown profile")

    async def _profile(self) -> None:
        seconds = debug.profile_seconds(self.get_argument("seconds", ""))
        text = await self._sample(seconds)
        if self._gone:
            return
        self.set_header("Content-Type", PLAIN_TEXT)
        self.finish(text)

    async def _sample(self, seconds: float) -> str:
        sampler = debug.StackSampler()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._gone:
            sampler.sample()
            await asyncio.sleep(debug.SAMPLE_INTERVAL_S)
        return sampler.text(seconds)

    async def _archive(self) -> None:
        """influxd's ``/debug/pprof/all``: profiles and three SHOW tables in ``profiles.tar.gz``."""
        files: list[tuple[str, bytes]] = []
        if self.get_argument("cpu", ""):
            files.append(("cpu.txt", (await self._sample(debug.profile_seconds(self.get_argument(
                "seconds", "")))).encode()))
            if self._gone:
                return
        files.append(("goroutine.txt", debug.goroutine_text(1).encode()))
        for name, statement in (("shards", "SHOW SHARDS"), ("stats", "SHOW STATS"),
                                ("diagnostics", "SHOW DIAGNOSTICS")):
            results = await self.backends.pool.run(_collect, self.backends.query_runner, statement)
            tables = [(row.columns, row.values) for result in results for row in result.series]
            files.append((f"{name}.txt", debug.tab_table(tables).encode()))
        self.set_header("Content-Disposition", "attachment; filename=profiles.tar.gz")
        self.set_header("Content-Type", "application/gzip")
        self.finish(debug.tar_gz(files))

    def on_connection_close(self) -> None:
        self._gone = True
        super().on_connection_close()


class GzipBody:
    """Compresses a streamed response body when the client accepts gzip (influxd gzips 200 answers)."""

    def __init__(self) -> None:
        self._compressor = zlib.compressobj(6, zlib.DEFLATED, 31)

    def chunk(self, data: bytes) -> bytes:
        return self._compressor.compress(data) + self._compressor.flush(zlib.Z_SYNC_FLUSH)

    def end(self) -> bytes:
        return self._compressor.flush(zlib.Z_FINISH)


class QueryHandler(BaseHandler):
    allowed_methods = ("GET", "POST", "OPTIONS")
    authenticated = True
    preflight = True
    # set when the client goes away: the running query stops (influxd closes its query's channel too)
    _abort: threading.Event | None = None

    def on_connection_close(self) -> None:
        if self._abort is not None:
            self._abort.set()
        super().on_connection_close()

    async def get(self) -> None:
        await self._serve(read_only=True)

    async def post(self) -> None:
        await self._serve(read_only=False)

    def _query_text(self) -> tuple[str, bool] | None:
        """The query and whether to trim it: ``q`` is trimmed as Go trims it, an uploaded ``q`` file not."""
        text = go_trim_space(self.argument("q"))
        if text:
            return text, True
        uploads = self.request.files.get("q")
        if uploads:
            return uploads[0].body.decode("utf-8", "surrogateescape"), False
        return None

    async def _serve(self, read_only: bool) -> None:
        self.count_phase("queryReq", "queryReqDurationNs")
        self.backends.requests.add(self.request.path, self.request.remote_ip or "",
                                   self.user.name if self.user else None)
        formatter = self.formatter()
        found = self._query_text()
        if found is None:
            self.http_error('missing required parameter "q"', 400, formatter)
            return
        text, trim = found
        epoch = go_trim_space(self.argument("epoch"))
        params: dict[str, Any] | None = None
        raw_params = self.argument("params")
        if raw_params:
            try:
                params = decode_params(raw_params)
            except ParamsError as err:
                self.http_error(str(err), 400, formatter)
                return
        try:
            if len(text) <= _PARSE_IN_LOOP:  # sub-millisecond: a pool trip would cost more than it saves
                query = parse_query(text, params, trim=trim)
            else:
                query = await self._in_pool(functools.partial(parse_query, trim=trim), text, params)
        except ParseError as err:
            self.http_error(f"error parsing query: {err}", 400, formatter)
            return
        authenticator = self.backends.authenticator
        if authenticator is not None:
            try:
                authorize_query(self.user, bool(authenticator.users.users()), query, self.argument("db"))
            except AuthorizationError as err:
                self.http_error(f"error authorizing query: {err}", 403, formatter)
                return

        chunked = self.argument("chunked") == "true"
        chunk_size = DEFAULT_CHUNK_SIZE
        if chunked:
            try:
                requested = int(self.argument("chunk_size"))
                if requested > 0:
                    chunk_size = requested
            except ValueError:
                pass
        options = ExecutionOptions(
            database=self.argument("db"),
            retention_policy=self.argument("rp"),
            chunk_size=chunk_size,
            chunked=chunked,
            read_only=read_only,
            user=None if self.user is None or self.user.admin else self.user,
        )
        asynchronous = self.argument("async") == "true"
        if not asynchronous:
            self._abort = options.abort = threading.Event()
        runner = self.backends.query_runner
        quick = not asynchronous and runner.quick(query, options)
        results = runner.execute(query, options)
        if asynchronous:
            self.backends.pool.submit(_drain, results)
            self.set_status(204)
            self.finish()
            return

        self.set_header("Content-Type", formatter.content_type)
        gz = GzipBody() if "gzip" in self.request.headers.get("Accept-Encoding", "") else None
        if gz is not None:
            self.set_header("Content-Encoding", "gzip")
        self.set_status(200)
        buffered: list[Result] = []
        rows = 0
        limit = self.backends.options.max_row_limit
        exhausted = False
        try:
            finished = False
            first = True
            while not finished and not exhausted:  # exhausted: closed already, no trip left to make
                # one trip to the pool brings a statement's pieces (up to a batch) for a buffered answer
                # and, at the end, closes the query in the same trip
                most = 1 if chunked else _RESULT_BATCH
                if quick:  # small bounded work: two thread switches would cost more than running it here
                    batch, exhausted = _next_results(results, most)
                else:
                    early = None
                    if first:
                        # influxd sends the header once the query is accepted: at once for a slow query,
                        # with the body for a quick one (one write instead of two)
                        first = False
                        early = tornado.ioloop.IOLoop.current().call_later(_HEADER_DELAY, self._send_header)
                    batch, exhausted = await self._in_pool(_next_results, results, most)
                    if early is not None:
                        tornado.ioloop.IOLoop.current().remove_timeout(early)
                if not batch:
                    break
                if options.abort.is_set():  # the client is gone: nobody reads the rest
                    return
                for result in batch:
                    if epoch:
                        for row in result.series:
                            row.convert_to_epoch(epoch)
                    if chunked:
                        self._send(formatter.format([result]), gz)
                        await self.flush()
                        continue
                    if limit > 0:
                        rows = _truncate_rows(result, rows, limit)
                    _merge_result(buffered, result)
                    if limit > 0 and rows >= limit:
                        result.partial = False
                        finished = True
                        break
        finally:  # a query left unfinished (row limit, client gone) ends now and leaves SHOW QUERIES
            if exhausted:
                pass
            elif quick:
                results.close()
            else:
                await self._in_pool(results.close)
        if not chunked:
            self._send(formatter.format(buffered), gz)
        if gz is not None:
            self.write(gz.end())
        self.finish()

    def _send_header(self) -> None:
        if not self._finished:
            self.flush().add_done_callback(_ignore_result)  # a client gone meanwhile is no error here

    def _send(self, body: bytes, gz: GzipBody | None) -> None:
        self.backends.count("queryRespBytes", len(body))  # influxd counts the bytes before gzip
        self.write(gz.chunk(body) if gz is not None else body)

    async def _in_pool(self, func: Callable[..., Any], *args: Any) -> Any:
        return await self.backends.pool.run(func, *args)


@any_method
class PprofRedirectHandler(DebugHandler):
    """Go's ServeMux on localhost:6060 redirects ``/debug/pprof`` to its subtree ``/debug/pprof/``."""

    async def get(self) -> None:
        target = "/debug/pprof/" + (f"?{self.request.query}" if self.request.query else "")
        self.set_header("Location", target)
        self.set_status(301)
        if self.request.method in ("GET", "HEAD"):
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(f'<a href="{_go_html_escape(target)}">Moved Permanently</a>.\n\n')
        else:
            self.finish()


@any_method
class ProcessVarsHandler(DebugHandler):
    """Go's expvar page on localhost:6060: the process's command line and memory figures."""

    async def get(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(debug.process_vars())


def _go_html_escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
            .replace("'", "&#39;"))


def _collect(runner: QueryRunner, statement: str) -> list[Result]:
    """Every result of an internal statement (an admin's view: no user restricts it)."""
    return list(runner.execute(parse_query(statement), ExecutionOptions()))


def _ignore_result(future: Any) -> None:
    future.exception()


def _drain(results: Iterator[Result]) -> None:
    for _ in results:
        pass


# How many results of one statement a buffered (non-chunked) answer takes from the executor per pool trip.
_RESULT_BATCH = 256
# Queries up to this many characters are parsed on the event loop (PLY takes well under a millisecond).
_PARSE_IN_LOOP = 2048
# A query whose first results take longer than this gets its header sent first (seconds).
_HEADER_DELAY = 0.02


def _next_results(results: Iterator[Result], most: int) -> tuple[list[Result], bool]:
    """The next result and, while they are pieces of the same statement (``partial``), up to ``most`` in
    all; and whether the results ended (then they are closed: no further trip needed).

    Never reads past a statement's last piece, so a row limit that ends the answer stops the query before
    the next statement runs, as it did one result at a time. Looks one result ahead only when none of
    the query's statements can be left (the last piece of the last statement): ``results.done()``.
    """
    batch: list[Result] = []
    for result in results:
        batch.append(result)
        if len(batch) >= most or not (result.partial or result.continued):
            break
    ended = not batch or getattr(results, "done", bool)()
    if ended:
        results.close()
    return batch, ended


def _truncate_rows(result: Result, rows: int, limit: int) -> int:
    """Apply ``max-row-limit`` to a non-chunked response the way influxd does; returns the new row count."""
    for index, row in enumerate(result.series):
        room = limit - rows
        if room < row.row_count():
            row.truncate(room)
            row.partial = True
        rows += row.row_count()
        if rows >= limit:
            del result.series[index + 1 :]
            break
    return rows


def _merge_result(buffered: list[Result], result: Result) -> None:
    """Fold a result into a non-chunked response: one result per statement id, one row per series."""
    if not buffered or buffered[-1].statement_id != result.statement_id:
        buffered.append(result)
        return
    if result.error:
        buffered[-1] = result
        return
    current = buffered[-1]
    merged = 0
    if current.series:
        last = current.series[-1]
        for row in result.series:
            if not last.same_series(row):
                break
            last.extend(row)
            merged += 1
    current.series.extend(result.series[merged:])
    current.messages.extend(result.messages)
    current.partial = result.partial


@tornado.web.stream_request_body
class WriteHandler(BaseHandler):
    """``/write``: line protocol in, 204 out, or influxd's exact refusal.

    The body is streamed in so that, as in influxd, a write takes its throttler slot once its headers are
    read and keeps it while the body arrives. Everything influxd decides before reading the body (throttling,
    authentication, database and permission checks, a declared length over ``max-body-size``) is decided
    here before it too, but answered once the body is in, as Go's server does for bodies under 256 KiB
    (it reads them to keep the connection usable); with more unread, or a client waiting for
    ``100 Continue`` (never sent then), it answers at once with ``Connection: close`` and closes.
    """

    allowed_methods = ("OPTIONS", "POST")
    authenticated = True
    preflight = True
    _slot: WriteSlot | None = None
    _early = False  # an answer was given before the body arrived: it goes out once the body is in
    _deciding = False  # in prepare: answers are held back until the body is in
    _unread = 0
    _body: bytearray | None = None
    _keep = 0  # bytes of body worth keeping: max-body-size + 1 (past it: 413), or unlimited for gzip
    _gzip = False
    _database = ""
    _retention_policy = ""

    @property
    def logged(self) -> bool:  # type: ignore[override]
        return not self.backends.options.suppress_write_log

    def _database_and_rp(self) -> tuple[str, str] | None:
        return self.query_argument("db"), self.query_argument("rp")

    def _precision(self) -> str:
        return self.query_argument("precision")

    async def prepare(self) -> None:
        self._deciding = True
        try:
            await super().prepare()
            if self._finished or self._early or self.request.method != "POST":
                return
            self._check_before_body()
        finally:
            self._deciding = False

    async def _admit(self) -> bool:
        if self.request.method != "POST":
            return True
        try:
            self._slot = await self.backends.throttler.admit()
        except Throttled as err:
            self.go_error(503, str(err))
            return False
        return True

    def _check_before_body(self) -> None:
        """influxd's checks ahead of reading the body, in its order."""
        self.count_phase("writeReq", "writeReqDurationNs", "writeReqActive")
        self.backends.requests.add(self.request.path, self.request.remote_ip or "",
                                   self.user.name if self.user else None)
        target = self._database_and_rp()
        if target is None:
            return
        database, self._retention_policy = target
        self._database = database
        if not database:
            self.http_error("database is required", 400)
            return
        if not self.backends.points_writer.database_exists(database):
            self.http_error(f"database not found: {_go_quote(database)}", 404)
            return
        if self.backends.authenticator is not None and not self._may_write(database):
            return
        max_size = self.backends.options.max_body_size
        self._gzip = self.request.headers.get("Content-Encoding") == "gzip"
        # influxd limits what it reads of a plain body, but inflates a gzip body from the raw stream: only
        # its declared length is checked, after the gzip header.
        self._keep = max_size + 1 if max_size > 0 and not self._gzip else -1
        if not self._gzip and max_size > 0 and self._declared_length() > max_size:
            self.http_error("Request Entity Too Large", 413)
            return
        self._body = bytearray()

    def _declared_length(self) -> int:
        try:
            return int(self.request.headers.get("Content-Length", "0"))
        except ValueError:
            return 0

    def finish(self, chunk: str | bytes | dict | None = None) -> tornado.concurrent.Future[None]:
        """Hold back an answer decided before the body arrived (see the class docstring)."""
        if not self._deciding or not self._expects_body():
            return super().finish(chunk)
        awaits_continue = self.request.headers.get("Expect", "").lower() == "100-continue"
        if awaits_continue or self._declared_length() >= MAX_POST_HANDLER_READ:
            self.set_header("Connection", "close")
            return super().finish(chunk)
        if chunk is not None:
            self.write(chunk)
        self._early = True
        done: tornado.concurrent.Future[None] = tornado.concurrent.Future()
        done.set_result(None)
        return done

    def _expects_body(self) -> bool:
        return self._declared_length() > 0 or "chunked" in self.request.headers.get("Transfer-Encoding", "")

    def _send_early(self) -> None:
        self._early = False
        super().finish()

    def data_received(self, chunk: bytes) -> None:
        if self._early:
            self._unread += len(chunk)
            if self._unread > MAX_POST_HANDLER_READ:
                self.set_header("Connection", "close")
                self._send_early()
            return
        if self._body is not None and (self._keep < 0 or len(self._body) < self._keep):
            room = len(chunk) if self._keep < 0 else self._keep - len(self._body)
            self._body += chunk[:room]

    async def post(self) -> None:
        if self._early:
            self._send_early()
            return
        if self._finished or self._body is None:
            return
        body = self._read_body(bytes(self._body))
        self._body = None
        if body is None:
            return
        self.backends.count("writeReqBytes", len(body))
        consistency = self.query_argument("consistency")
        try:
            written = await self.backends.pool.run(
                self.backends.points_writer.write_lines,
                self._database,
                self._retention_policy,
                consistency,
                body,
                self._precision(),
            )
        except WriteError as err:
            self._count_points(err)
            self.http_error(str(err), err.status)
            return
        self.backends.count("pointsWrittenOK", written)
        self.no_content()

    def _count_points(self, err: WriteError) -> None:
        """influxd's ``pointsWritten*`` for a refused write: a partial one wrote what it did not drop, any
        other failed every point handed to the writer (none counted when refused before that)."""
        if err.points is None:
            return
        if err.dropped is None:
            self.backends.count("pointsWrittenFail", err.points)
        else:
            self.backends.count("pointsWrittenOK", err.points - err.dropped)
            self.backends.count("pointsWrittenDropped", err.dropped)

    def on_finish(self) -> None:
        self._release()
        super().on_finish()

    def on_connection_close(self) -> None:
        self._release()
        super().on_connection_close()

    def _release(self) -> None:
        if self._slot is not None:
            self._slot.release()
            self._slot = None

    def _may_write(self, database: str) -> bool:
        """influxd's write authorization: a 403 unless the user holds WRITE on ``database``."""
        if self.user is None:
            self.http_error(f"user is required to write to database {_go_quote(database)}", 403)
            return False
        if not may_write(self.user, database):
            message = (f"{_go_quote(self.user.name)} user is not authorized to write to database "
                       f"{_go_quote(database)}")
            self.http_error(message, 403)
            return False
        return True

    def _read_body(self, raw: bytes) -> bytes | None:
        """The line protocol: a plain body within ``max-body-size``, or a gzip body inflated (413 when it
        declared more than the limit, checked once its header is known good, as influxd does)."""
        max_size = self.backends.options.max_body_size
        if self._gzip:
            if len(raw) < 10 or raw[:2] != b"\x1f\x8b":
                self.http_error(_gzip_error_text(EOFError(), raw), 400)
                return None
            if max_size > 0 and self._declared_length() > max_size:
                self.http_error("Request Entity Too Large", 413)
                return None
            try:
                return gzip.decompress(raw)
            except (OSError, EOFError, zlib.error) as err:
                self.http_error(_gzip_error_text(err, raw), 400)
                return None
        if max_size > 0 and len(raw) > max_size:
            self.http_error("Request Entity Too Large", 413)
            return None
        return raw


class V2WriteHandler(WriteHandler):
    """InfluxDB 1.8's ``/api/v2/write``: ``bucket=db[/rp]``, ``precision`` in ns/us/ms/s; ``org`` ignored."""

    V2_PRECISIONS = {"ns": "n", "us": "u", "ms": "ms", "s": "s", "": ""}

    def _database_and_rp(self) -> tuple[str, str] | None:
        bucket = self.query_argument("bucket")
        if "/" not in bucket:
            message = f"bucket name {_go_quote(bucket)} is missing a slash"
            self.http_error(message + '; not in "database/retention-policy" format', 404)
            return None
        database, _, retention_policy = bucket.partition("/")
        return database, retention_policy

    def _precision(self) -> str:
        precision = self.query_argument("precision")
        return self.V2_PRECISIONS.get(precision, precision)


def _go_header_value(text: str) -> str:
    """A header value as Go's net/http writes it: the first 1024 bytes, CR/LF as spaces, ends trimmed.

    Go sends the raw bytes (control characters and UTF-8 included); Tornado writes header text as Latin-1 and
    refuses control characters in ``set_header``, so the value is stored pre-encoded and set directly.
    """
    raw = text.encode("utf-8", "surrogateescape")[:1024]
    raw = raw.replace(b"\r", b" ").replace(b"\n", b" ").strip(b" \t")
    return raw.decode("latin-1")


def _go_quote(text: str) -> str:
    """Go's ``%q`` for the plain names that appear in messages (JSON quoting agrees for printable text)."""
    return json.dumps(text, ensure_ascii=False)


def _gzip_error_text(err: BaseException, raw: bytes) -> str:
    if len(raw) < 10:
        return "unexpected EOF" if raw else "EOF"
    if raw[:2] != b"\x1f\x8b":
        return "gzip: invalid header"
    return "unexpected EOF" if isinstance(err, EOFError) else "gzip: invalid checksum"


def _no_tornado_access_log(handler: tornado.web.RequestHandler) -> None:
    """The access log is influxd's (``AccessLog``, ``p`` redacted); Tornado's would print raw URIs, passwords
    included, for every 4xx and 5xx."""


def make_app(backends: HTTPBackends) -> tornado.web.Application:
    """The routed application; ``max_body_size`` is enforced by the write handler itself, like influxd."""
    return tornado.web.Application(
        [
            (r"/ping", PingHandler),
            (r"/status", StatusHandler),
            (r"/health", HealthHandler),
            (r"/query", QueryHandler),
            (r"/write", WriteHandler),
            (r"/api/v2/write", V2WriteHandler),
            (r"/debug/vars.*", ExpvarHandler),
            (r"/debug/requests.*", RequestsHandler),
            *([(r"/debug/pprof.*", PprofHandler)] if backends.options.pprof_enabled else []),
        ],
        default_handler_class=NotFoundHandler,
        log_function=_no_tornado_access_log,
        backends=backends,
        started=time.time(),
    )


DEBUG_PPROF_ADDRESS = ("localhost", 6060)


def listen_debug_pprof(backends: HTTPBackends) -> tornado.httpserver.HTTPServer | None:
    """``debug-pprof-enabled``: Go's standard profiles and expvar page on localhost:6060, as influxd starts
    them before anything else; like influxd, a port already taken is ignored (None)."""
    app = tornado.web.Application(
        [
            (r"/debug/pprof", PprofRedirectHandler),
            (r"/debug/pprof/.*", PprofHandler),
            (r"/debug/vars", ProcessVarsHandler),
        ],
        default_handler_class=NotFoundHandler,
        log_function=_no_tornado_access_log,
        backends=backends,
        side_listener=True,
    )
    try:
        sockets = tornado.netutil.bind_sockets(DEBUG_PPROF_ADDRESS[1], DEBUG_PPROF_ADDRESS[0])
    except OSError:
        return None
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    return server
