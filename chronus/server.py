"""One data node: every service wired together and opened in the order influxd opens them.

Meta store first (everything asks it), then the shard store (its WALs replay into the caches), the query
and write paths over both, and the HTTP API last, so a client that gets an answer finds a ready server.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import ssl
from functools import partial
from typing import Any

import tornado.httpserver

from chronus import INFLUXDB_COMPAT_VERSION
from chronus.cluster.points_writer import PointsWriter
from chronus.config import Config
from chronus.config.fields import Kind, settings
from chronus.config.gotypes import format_duration
from chronus.config.sections import TLS_VERSIONS, TLSConfig
from chronus.http.access_log import AccessLog
from chronus.http.auth import Authenticator
from chronus.http.handler import HTTPBackends, HTTPOptions, listen_debug_pprof, make_app
from chronus.http.limits import LimitedHTTPServer, WriteThrottler
from chronus.http.workers import Workers
from chronus.meta.client import MetaClient
from chronus.meta.store import LocalMetaStore
from chronus.query.data import DataStatements
from chronus.query.executor import QueryExecutor
from chronus.query.result import GoInt
from chronus.query.statement_executor import StatementExecutor
from chronus.query.tasks import QueryManager, SelectLimits
from chronus.services.monitor import Monitor, Statistic
from chronus.services.precreator import PrecreatorService
from chronus.services.retention import RetentionService
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
        self.config = config
        self.ssl_context = tls_context(config) if config.http.https_enabled else None
        self.meta_store = LocalMetaStore(config.meta.dir)
        self.meta = MetaClient(self.meta_store, retention_autocreate=config.meta.retention_autocreate)
        self.store = Store(
            config.data.dir,
            config.data.wal_dir,
            EngineOptions(
                wal_fsync_delay_ns=config.data.wal_fsync_delay,
                cache_max_memory_size=config.data.cache_max_memory_size,
                cache_snapshot_memory_size=config.data.cache_snapshot_memory_size,
                cache_snapshot_write_cold_duration_s=config.data.cache_snapshot_write_cold_duration / 1e9,
                compact_full_write_cold_duration_s=config.data.compact_full_write_cold_duration / 1e9,
                max_concurrent_compactions=config.data.max_concurrent_compactions,
            ),
        )
        self.points_writer = PointsWriter(self.meta, self.store)
        coordinator = config.coordinator
        self.query_tasks = QueryManager(
            query_timeout_ns=coordinator.query_timeout,
            log_queries_after_ns=coordinator.log_queries_after,
            max_concurrent_queries=coordinator.max_concurrent_queries,
            limits=SelectLimits(
                coordinator.max_select_point, coordinator.max_select_series, coordinator.max_select_buckets
            ),
        )
        self.monitor = Monitor()
        self.query_executor = QueryExecutor(
            StatementExecutor(
                self.meta,
                DataStatements(self.meta, self.store, points_writer=self.points_writer),
                self.monitor,
            ),
            self.query_tasks,
        )
        self.pool = Workers(max_workers=max(4, 2 * (os.cpu_count() or 2)), thread_name_prefix="req")
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
                pprof_enabled=config.http.pprof_enabled,
                debug_auth=(config.http.auth_enabled and config.http.pprof_enabled
                            and config.http.pprof_auth_enabled),
            ),
            pool=self.pool,
            throttler=WriteThrottler(
                config.http.max_concurrent_write_limit,
                config.http.max_enqueued_write_limit,
                config.http.enqueued_write_timeout / 1e9,
            ),
            authenticator=(
                Authenticator(self.meta, config.http.shared_secret) if config.http.auth_enabled else None
            ),
        )
        self.services = [
            RetentionService(config.retention, self.meta, self.store),
            PrecreatorService(config.shard_precreation, self.meta),
        ]
        self.http_server: tornado.httpserver.HTTPServer | None = None
        self.debug_pprof_server: tornado.httpserver.HTTPServer | None = None
        self.http_address: tuple[str, int] | None = None
        self._register_statistics()

    def _register_statistics(self) -> None:
        def provider() -> list[Statistic]:
            # in influxd's order: the query executor, each database, each shard and its engine's parts,
            # the points writer, subscriptions, the HTTP service
            stats = [Statistic("queryExecutor", None, self.query_tasks.statistics())]
            for db in sorted(db.name for db in self.meta.databases()):
                if self.store.has_database_index(db):
                    index = self.store.database_index(db)
                    stats.append(Statistic("database", {"database": db}, {
                        "numMeasurements": len(index.measurement_names()),
                        "numSeries": len(index.series_by_id)}))
            for shard, values in self.store.statistics():
                tags = {
                    "database": shard.database,
                    "engine": "tsm1",
                    "id": str(shard.id),
                    "path": shard.path,
                    "retentionPolicy": shard.retention_policy,
                    "walPath": shard.wal_path,
                }
                files = shard.files.readers()
                file_bytes = sum(reader.size for reader in files)
                wal = shard.wal.statistics()
                wal_bytes = wal["oldSegmentsDiskBytes"] + wal["currentSegmentDiskBytes"]
                # (writeBytes counts shard backups in influxd, which this server does not make)
                stats.append(Statistic("shard", tags, {**values, "diskBytes": file_bytes + wal_bytes,
                                                       "writeBytes": 0}))
                stats.append(Statistic("tsm1_engine", tags, shard.engine_statistics()))
                stats.append(Statistic("tsm1_cache", tags, shard.cache.statistics()))
                stats.append(Statistic("tsm1_filestore", tags,
                                       {"diskBytes": file_bytes, "numFiles": len(files)}))
                stats.append(Statistic("tsm1_wal", tags, wal))
            stats.append(Statistic("write", None, dict(self.points_writer.stats)))
            # no subscriptions are written to yet: influxd's subscriber statistic with nothing counted
            stats.append(Statistic("subscriber", None, {"createFailures": 0, "pointsWritten": 0,
                                                        "writeFailures": 0}))
            host, port = self.http_address or ("", 0)
            stats.append(Statistic("httpd", {"bind": f"{host}:{port}"}, dict(self.backends.stats)))
            return stats

        self.monitor.register(provider)
        self.monitor.index_memory = self.store.index_memory
        self._register_diagnostics()

    def _register_diagnostics(self) -> None:
        """The configuration tables ``SHOW DIAGNOSTICS`` lists, with the settings influxd's sections show."""
        config = self.config
        tables = {
            "config": (config, ["bind-address", "reporting-enabled"]),
            "config-coordinator": (config.coordinator, [
                "log-queries-after", "max-concurrent-queries", "max-select-buckets", "max-select-point",
                "max-select-series", "query-timeout", "write-timeout"]),
            "config-cqs": (config.continuous_queries, ["enabled"]),
            "config-data": (config.data, [
                "cache-max-memory-size", "cache-snapshot-memory-size", "cache-snapshot-write-cold-duration",
                "compact-full-write-cold-duration", "dir", "max-concurrent-compactions",
                "max-series-per-database", "max-values-per-tag", "wal-dir", "wal-fsync-delay"]),
            "config-httpd": (config.http, [
                "access-log-path", "bind-address", "enabled", "https-enabled", "max-connection-limit",
                "max-row-limit"]),
            "config-meta": (config.meta, ["dir"]),
            "config-monitor": (config.monitor, ["store-enabled"]),
            "config-precreator": (config.shard_precreation, ["enabled"]),
            "config-retention": (config.retention, ["enabled"]),
            "config-subscriber": (config.subscriber, ["enabled"]),
        }
        for module, (section, keys) in tables.items():
            self.monitor.register_diagnostics(module, partial(_config_table, section, keys))

    def open(self) -> None:
        """Open every service and start listening (call from the thread that runs the IOLoop)."""
        if self.config.http.debug_pprof_enabled:  # influxd starts it first, so start-up can be profiled
            self.debug_pprof_server = listen_debug_pprof(self.backends)
        for path in (self.config.meta.dir, self.config.data.dir, self.config.data.wal_dir):
            try:
                os.makedirs(path, exist_ok=True)
            except OSError as err:
                raise ServerError(f"mkdir {path}: {err.strerror}") from None
        self.meta_store.open()
        self.store.open()
        for service in self.services:
            service.open()
        host, port = split_bind_address(self.config.http.bind_address)
        app = make_app(self.backends)
        self.http_server = LimitedHTTPServer(
            app, max_body_size=TORNADO_BODY_LIMIT, decompress_request=False, ssl_options=self.ssl_context,
            max_connections=self.config.http.max_connection_limit,
        )
        try:
            sockets = tornado.netutil.bind_sockets(port, host or None)
        except OSError as err:
            raise ServerError(f"listen tcp {self.config.http.bind_address}: bind: {err.strerror}") from None
        self.http_server.add_sockets(sockets)
        self.http_address = sockets[0].getsockname()[:2]
        log.info("Listening on HTTP", extra={"addr": f"{self.http_address[0]}:{self.http_address[1]}"})

    def close(self) -> None:
        if self.debug_pprof_server is not None:
            self.debug_pprof_server.stop()
            self.debug_pprof_server = None
        if self.http_server is not None:
            self.http_server.stop()
            self.http_server = None
        self.query_tasks.close()  # running queries stop at their next check instead of holding the pool
        self.pool.shutdown(wait=True)
        if self.backends.options.access_log is not None:
            self.backends.options.access_log.close()
        for service in reversed(self.services):
            service.close()
        self.store.close()
        self.meta_store.close()


# [tls] ciphers use Go's (IANA) names; OpenSSL, under Python's ssl, knows them by its own.
OPENSSL_CIPHERS = {
    "TLS_RSA_WITH_RC4_128_SHA": "RC4-SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA": "DES-CBC3-SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA": "AES128-SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA": "AES256-SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA256": "AES128-SHA256",
    "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA": "ECDHE-ECDSA-RC4-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "ECDHE-ECDSA-AES128-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "ECDHE-ECDSA-AES256-SHA",
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA": "ECDHE-RSA-RC4-SHA",
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA": "ECDHE-RSA-DES-CBC3-SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "ECDHE-RSA-AES128-SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "ECDHE-RSA-AES256-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256": "ECDHE-ECDSA-AES128-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256": "ECDHE-RSA-AES128-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305": "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305": "ECDHE-ECDSA-CHACHA20-POLY1305",
}
_SSL_VERSIONS = {(3, 0): ssl.TLSVersion.SSLv3, (3, 1): ssl.TLSVersion.TLSv1, (3, 2): ssl.TLSVersion.TLSv1_1,
                 (3, 3): ssl.TLSVersion.TLSv1_2}


def tls_context(config: Config) -> ssl.SSLContext:
    """The HTTPS context: ``https-certificate`` (which holds the key too when ``https-private-key`` is
    empty, as influxd allows) and the ``[tls]`` protocol versions and cipher suites."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certificate = config.http.https_certificate
    try:
        context.load_cert_chain(certificate, config.http.https_private_key or None)
    except (OSError, ssl.SSLError) as err:
        raise ServerError(f"https: cannot load {certificate}: {err}") from None
    apply_tls_settings(context, config.tls)
    return context


def apply_tls_settings(context: ssl.SSLContext, tls: TLSConfig) -> None:
    """``[tls]`` min-version / max-version / ciphers on ``context`` (names already checked by the config)."""
    if tls.min_version:
        context.minimum_version = _SSL_VERSIONS[TLS_VERSIONS[tls.min_version.upper()]]
    if tls.max_version:
        context.maximum_version = _SSL_VERSIONS[TLS_VERSIONS[tls.max_version.upper()]]
    if tls.ciphers:
        try:
            context.set_ciphers(":".join(OPENSSL_CIPHERS[name.upper()] for name in tls.ciphers))
        except ssl.SSLError as err:
            raise ServerError(f"[tls] ciphers: none of {tls.ciphers} is available: {err}") from None


def run_forever(server: Server) -> None:
    """Open ``server`` and serve until SIGINT or SIGTERM, then close it cleanly."""

    async def main() -> None:
        server.open()
        # What opening built (the series index, the metadata, the modules) lives as long as the process:
        # the collector leaves it out of its full collections, which walked all of it (about 60 ms a time
        # with a thousand series, more with a larger index) in the middle of whatever query set one off.
        gc.freeze()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("Signal received, initializing clean shutdown...")
        server.close()

    asyncio.run(main())


def _config_table(section: Any, keys: list[str]) -> tuple[list[str], list[list[Any]]]:
    """A configuration section's settings ``keys`` as a diagnostics table (durations as Go prints them)."""
    by_key = {item.key: item for item in settings(section)}
    row = []
    for key in keys:
        item = by_key[key]
        value = getattr(section, item.attr)
        if item.kind in (Kind.DURATION, Kind.GO_DURATION):
            value = format_duration(value)
        elif item.kind in (Kind.INT, Kind.SIZE):
            value = GoInt(value)  # Go's int and toml.Size: no case in influxd's CSV writer
        row.append(value)
    return keys, [row]
