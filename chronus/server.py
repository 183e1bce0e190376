"""One data node: every service wired together and opened in the order influxd opens them.

Meta store first (everything asks it), then the shard store (its WALs replay into the caches), the query
and write paths over both, and the HTTP API last, so a client that gets an answer finds a ready server.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from concurrent.futures import ThreadPoolExecutor

import tornado.httpserver

from chronus import INFLUXDB_COMPAT_VERSION
from chronus.cluster.points_writer import PointsWriter
from chronus.config import Config
from chronus.http.access_log import AccessLog
from chronus.http.handler import HTTPBackends, HTTPOptions, make_app
from chronus.meta.client import MetaClient
from chronus.meta.store import LocalMetaStore
from chronus.query.data import DataStatements
from chronus.query.executor import QueryExecutor
from chronus.query.statement_executor import StatementExecutor
from chronus.services.monitor import Monitor, Statistic
from chronus.tsdb.shard import EngineOptions
from chronus.tsdb.store import Store

log = logging.getLogger("chronus.server")

# Without a limit a gzip body could be anything; influxd's own limit applies to what the handler reads.
TORNADO_BODY_LIMIT = 1 << 31


class ServerError(Exception):
    """The server cannot start; ``str()`` says why, naming the setting or path at fault."""


def split_bind_address(address: str) -> tuple[str, int]:
    """``host:port`` as Go's net.Listen reads it (an empty host means every interface)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ServerError(f"invalid bind address: {address!r}")
    return host.strip("[]"), int(port)


class Server:
    """A single data node built from a loaded ``Config``."""

    def __init__(self, config: Config) -> None:
        if config.http.auth_enabled:
            # Refusing beats running open: authentication and authorization are their own piece of work.
            raise ServerError("[http] auth-enabled = true is not supported by this version of Chronus yet")
        if config.http.https_enabled:
            raise ServerError("[http] https-enabled = true is not supported by this version of Chronus yet")
        self.config = config
        self.meta_store = LocalMetaStore(config.meta.dir)
        self.meta = MetaClient(self.meta_store, retention_autocreate=config.meta.retention_autocreate)
        self.store = Store(
            config.data.dir,
            config.data.wal_dir,
            EngineOptions(
                wal_fsync_delay_ns=config.data.wal_fsync_delay,
                cache_max_memory_size=config.data.cache_max_memory_size,
            ),
        )
        self.points_writer = PointsWriter(self.meta, self.store)
        self.query_executor = QueryExecutor(
            StatementExecutor(self.meta, DataStatements(self.meta, self.store))
        )
        self.monitor = Monitor()
        self.pool = ThreadPoolExecutor(
            max_workers=max(4, 2 * (os.cpu_count() or 2)), thread_name_prefix="req"
        )
        self.backends = HTTPBackends(
            query_runner=self.query_executor,
            points_writer=self.points_writer,
            expvar_body=self.monitor.expvar_body,
            options=HTTPOptions(
                max_body_size=config.http.max_body_size,
                max_row_limit=config.http.max_row_limit,
                version=INFLUXDB_COMPAT_VERSION,
                realm=config.http.realm,
                access_log=AccessLog(config.http.access_log_path) if config.http.log_enabled else None,
                suppress_write_log=config.http.suppress_write_log,
            ),
            pool=self.pool,
        )
        self.http_server: tornado.httpserver.HTTPServer | None = None
        self.http_address: tuple[str, int] | None = None
        self._register_statistics()

    def _register_statistics(self) -> None:
        def provider() -> list[Statistic]:
            stats = [Statistic("write", None, dict(self.points_writer.stats))]
            host, port = self.http_address or ("", 0)
            stats.append(Statistic("httpd", {"bind": f"{host}:{port}"}, dict(self.backends.stats)))
            for shard, values in self.store.statistics():
                tags = {
                    "database": shard.database,
                    "engine": "tsm1",
                    "id": str(shard.id),
                    "path": shard.path,
                    "retentionPolicy": shard.retention_policy,
                    "walPath": shard.wal_path,
                }
                stats.append(Statistic("shard", tags, values))
                stats.append(Statistic("tsm1_cache", tags, shard.cache.statistics()))
                stats.append(Statistic("tsm1_wal", tags, shard.wal.statistics()))
            return stats

        self.monitor.register(provider)

    def open(self) -> None:
        """Open every service and start listening (call from the thread that runs the IOLoop)."""
        for path in (self.config.meta.dir, self.config.data.dir, self.config.data.wal_dir):
            try:
                os.makedirs(path, exist_ok=True)
            except OSError as err:
                raise ServerError(f"mkdir {path}: {err.strerror}") from None
        self.meta_store.open()
        self.store.open()
        host, port = split_bind_address(self.config.http.bind_address)
        app = make_app(self.backends)
        self.http_server = tornado.httpserver.HTTPServer(
            app, max_body_size=TORNADO_BODY_LIMIT, decompress_request=False
        )
        try:
            sockets = tornado.netutil.bind_sockets(port, host or None)
        except OSError as err:
            raise ServerError(f"listen tcp {self.config.http.bind_address}: bind: {err.strerror}") from None
        self.http_server.add_sockets(sockets)
        self.http_address = sockets[0].getsockname()[:2]
        log.info("Listening on HTTP", extra={"addr": f"{self.http_address[0]}:{self.http_address[1]}"})

    def close(self) -> None:
        if self.http_server is not None:
            self.http_server.stop()
            self.http_server = None
        self.pool.shutdown(wait=True, cancel_futures=False)
        if self.backends.options.access_log is not None:
            self.backends.options.access_log.close()
        self.store.close()
        self.meta_store.close()


def run_forever(server: Server) -> None:
    """Open ``server`` and serve until SIGINT or SIGTERM, then close it cleanly."""

    async def main() -> None:
        server.open()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("Signal received, initializing clean shutdown...")
        server.close()

    asyncio.run(main())
