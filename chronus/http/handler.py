"""The InfluxDB 1.x HTTP API on Tornado: the same routes, status codes, headers and bodies as influxd 1.6.7.

The IOLoop only moves bytes: parsing a query or a write body, running statements and writing points happen
in a thread pool (their hot loops release the GIL), so slow requests do not stall others.
Routes: ``/ping`` (GET, HEAD), ``/status``, ``/query`` (GET, POST), ``/write`` (POST), ``/api/v2/write``
(POST, as InfluxDB 1.8 has it), ``/health`` (1.8's), ``/debug/vars``; anything else is Go's plain 404.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import gzip
import json
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import tornado.web

from chronus.errors import WriteError
from chronus.http import gojson
from chronus.http.access_log import AccessLog, access_line, logged_uri, split_uri, username
from chronus.http.auth import AuthenticationError, Authenticator, parse_credentials
from chronus.http.params import ParamsError, decode_params
from chronus.http.response import Formatter, formatter_for
from chronus.influxql import ParseError, ast, parse_query
from chronus.influxql.parser import go_trim_space
from chronus.meta.info import UserInfo
from chronus.query.authorize import AuthorizationError, authorize_query, may_write
from chronus.query.executor import ExecutionOptions
from chronus.query.result import Result

DEFAULT_CHUNK_SIZE = 10_000
CONSISTENCY_LEVELS = ("any", "one", "quorum", "all")
PLAIN_TEXT = "text/plain; charset=utf-8"


class QueryRunner(Protocol):
    def execute(self, query: ast.Query, options: ExecutionOptions) -> Iterator[Result]: ...


class PointsWriter(Protocol):
    def database_exists(self, name: str) -> bool: ...

    def write_lines(
        self, database: str, retention_policy: str, consistency: str, body: bytes, precision: str
    ) -> None:
        """Parse and write a line-protocol body; raise WriteError for whatever influxd refuses."""


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


@dataclass
class HTTPBackends:
    """What the handlers talk to: one object per concern, shared by every request."""

    query_runner: QueryRunner
    points_writer: PointsWriter
    expvar_body: Callable[[], str]
    options: HTTPOptions = field(default_factory=HTTPOptions)
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=8))
    stats: dict[str, int] = field(default_factory=dict)
    authenticator: Authenticator | None = None  # None: [http] auth-enabled = false

    def count(self, name: str, amount: int = 1) -> None:
        self.stats[name] = self.stats.get(name, 0) + amount


class BaseHandler(tornado.web.RequestHandler):
    """Headers every influxd response carries, Go's error bodies, and the request id of routed requests."""

    routed = True
    logged = True  # written to the access log (influxd logs every route, /write unless suppressed)
    authenticated = False  # influxd's authenticated routes: /query and /write (never OPTIONS)
    user: UserInfo | None = None  # who is asking, once authenticated (None: auth off, or no admin yet)
    allowed_methods: tuple[str, ...] = ()
    _body_bytes = 0
    _started = 0.0

    @property
    def backends(self) -> HTTPBackends:
        return self.application.settings["backends"]

    def set_default_headers(self) -> None:
        self.clear_header("Server")
        self.clear_header("Content-Type")
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

    def on_finish(self) -> None:
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
        self.backends.count("req")
        if self.routed:
            rid = self.request.headers.get("X-Request-Id") or self.request.headers.get("Request-Id")
            rid = rid or str(uuid.uuid1())
            self.set_header("Request-Id", rid)
            self.set_header("X-Request-Id", rid)
        if self.authenticated and self.request.method != "OPTIONS":
            await self._authenticate()

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
                self.user = await tornado.ioloop.IOLoop.current().run_in_executor(
                    self.backends.pool, authenticator.authenticate, credentials
                )
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
            self._plain(405, "Method Not Allowed\n")
            return
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, tornado.web.HTTPError) and status_code < 500:
            self._plain(status_code, f"{exc.log_message or self._reason}\n")
            return
        self.set_header("Content-Type", "application/json")
        self.finish(gojson.dumps({"error": str(exc) if exc else self._reason}) + "\n")

    def _plain(self, status: int, text: str) -> None:
        self.clear_header("Request-Id")
        self.clear_header("X-Request-Id")
        self.set_header("Content-Type", PLAIN_TEXT)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_status(status)
        self.finish(text)

    async def options(self, *args: Any) -> None:
        """CORS pre-flight: influxd answers 200 with an empty body (and never asks for credentials)."""
        self.set_status(200)
        self.finish()


class NotFoundHandler(BaseHandler):
    """Go's ``http.NotFound``: plain text, no request id."""

    routed = False

    async def prepare(self) -> None:
        self.backends.count("req")
        self._plain(404, "404 page not found\n")


class PingHandler(BaseHandler):
    allowed_methods = ("GET", "HEAD", "OPTIONS")

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


class ExpvarHandler(BaseHandler):
    routed = False
    allowed_methods = ("GET",)

    async def prepare(self) -> None:
        self.backends.count("req")

    def get(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(self.backends.expvar_body())


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
        self.backends.count("queryReq")
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
        results = self.backends.query_runner.execute(query, options)
        if self.argument("async") == "true":
            self.backends.pool.submit(_drain, results)
            self.set_status(204)
            self.finish()
            return

        self.set_header("Content-Type", formatter.content_type)
        gz = GzipBody() if "gzip" in self.request.headers.get("Accept-Encoding", "") else None
        if gz is not None:
            self.set_header("Content-Encoding", "gzip")
        self.set_status(200)
        await self.flush()
        buffered: list[Result] = []
        rows = 0
        limit = self.backends.options.max_row_limit
        while True:
            result = await self._in_pool(next, results, None)
            if result is None:
                break
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
                break
        if not chunked:
            self._send(formatter.format(buffered), gz)
        if gz is not None:
            self.write(gz.end())
        self.finish()

    def _send(self, body: bytes, gz: GzipBody | None) -> None:
        self.write(gz.chunk(body) if gz is not None else body)

    async def _in_pool(self, func: Callable[..., Any], *args: Any) -> Any:
        return await tornado.ioloop.IOLoop.current().run_in_executor(self.backends.pool, func, *args)


def _drain(results: Iterator[Result]) -> None:
    for _ in results:
        pass


def _truncate_rows(result: Result, rows: int, limit: int) -> int:
    """Apply ``max-row-limit`` to a non-chunked response the way influxd does; returns the new row count."""
    for index, row in enumerate(result.series):
        room = limit - rows
        if room < len(row.values):
            row.values = row.values[:room]
            row.partial = True
        rows += len(row.values)
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
            last.values.extend(row.values)
            merged += 1
    current.series.extend(result.series[merged:])
    current.messages.extend(result.messages)
    current.partial = result.partial


class WriteHandler(BaseHandler):
    """``/write``: line protocol in, 204 out, or influxd's exact refusal."""

    allowed_methods = ("OPTIONS", "POST")
    authenticated = True

    @property
    def logged(self) -> bool:  # type: ignore[override]
        return not self.backends.options.suppress_write_log

    def _database_and_rp(self) -> tuple[str, str] | None:
        return self.query_argument("db"), self.query_argument("rp")

    def _precision(self) -> str:
        return self.query_argument("precision")

    async def post(self) -> None:
        self.backends.count("writeReq")
        target = self._database_and_rp()
        if target is None:
            return
        database, retention_policy = target
        if not database:
            self.http_error("database is required", 400)
            return
        writer = self.backends.points_writer
        if not writer.database_exists(database):
            self.http_error(f"database not found: {_go_quote(database)}", 404)
            return
        if self.backends.authenticator is not None and not self._may_write(database):
            return
        body = self._read_body()
        if body is None:
            return
        self.backends.count("writeReqBytes", len(body))
        consistency = self.query_argument("consistency")
        try:
            await tornado.ioloop.IOLoop.current().run_in_executor(
                self.backends.pool,
                writer.write_lines,
                database,
                retention_policy,
                consistency,
                body,
                self._precision(),
            )
        except WriteError as err:
            self.http_error(str(err), err.status)
            return
        self.no_content()

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

    def _read_body(self) -> bytes | None:
        max_size = self.backends.options.max_body_size
        raw = self.request.body
        declared = self.request.headers.get("Content-Length")
        if self.request.headers.get("Content-Encoding") == "gzip":
            if max_size > 0 and declared and int(declared) > max_size:
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
        ],
        default_handler_class=NotFoundHandler,
        log_function=_no_tornado_access_log,
        backends=backends,
        started=time.time(),
    )
