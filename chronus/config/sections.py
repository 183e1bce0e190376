"""One dataclass per section of influxd 1.6.7's configuration, with its defaults and its ``validate()``.

Field order is the Go struct order: ``influxd config`` prints settings in that order. Durations are integer
nanoseconds (Go's ``time.Duration``), sizes integer bytes. ``validate()`` raises :class:`ConfigInvalid` with
the message influxd's ``Validate()`` gives for the same mistake.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from typing import ClassVar

from chronus.config.fields import Kind, setting
from chronus.config.gotypes import HOUR, MINUTE, SECOND, go_quote, go_upper


class ConfigInvalid(ValueError):
    """A section's ``validate()`` refused it; ``str()`` is influxd's message."""


# ----------------------------------------------------------------------------------------------- meta

@dataclass
class MetaConfig:
    """``[meta]``: where the meta store lives."""

    GO_TYPE: ClassVar[str] = "meta.Config"

    dir: str = setting("dir", "Dir", Kind.STRING, "")
    retention_autocreate: bool = setting("retention-autocreate", "RetentionAutoCreate", Kind.BOOL, True)
    logging_enabled: bool = setting("logging-enabled", "LoggingEnabled", Kind.BOOL, True)

    def validate(self) -> None:
        if self.dir == "":
            raise ConfigInvalid("Meta.Dir must be specified")


# ----------------------------------------------------------------------------------------------- data

REGISTERED_ENGINES = ("tsm1",)
REGISTERED_INDEXES = ("inmem", "tsi1")


@dataclass
class DataConfig:
    """``[data]``: the shard store and the TSM engine's cache and compaction settings."""

    GO_TYPE: ClassVar[str] = "tsdb.Config"

    dir: str = setting("dir", "Dir", Kind.STRING, "")
    index_version: str = setting("index-version", "Index", Kind.STRING, "inmem")
    wal_dir: str = setting("wal-dir", "WALDir", Kind.STRING, "")
    wal_fsync_delay: int = setting("wal-fsync-delay", "WALFsyncDelay", Kind.DURATION, 0)
    query_log_enabled: bool = setting("query-log-enabled", "QueryLogEnabled", Kind.BOOL, True)
    cache_max_memory_size: int = setting("cache-max-memory-size", "CacheMaxMemorySize", Kind.SIZE, 1 << 30)
    cache_snapshot_memory_size: int = setting("cache-snapshot-memory-size", "CacheSnapshotMemorySize",
                                              Kind.SIZE, 25 << 20)
    cache_snapshot_write_cold_duration: int = setting(
        "cache-snapshot-write-cold-duration", "CacheSnapshotWriteColdDuration", Kind.DURATION, 10 * MINUTE)
    compact_full_write_cold_duration: int = setting(
        "compact-full-write-cold-duration", "CompactFullWriteColdDuration", Kind.DURATION, 4 * HOUR)
    max_series_per_database: int = setting("max-series-per-database", "MaxSeriesPerDatabase", Kind.INT,
                                           1_000_000)
    max_values_per_tag: int = setting("max-values-per-tag", "MaxValuesPerTag", Kind.INT, 100_000)
    max_concurrent_compactions: int = setting("max-concurrent-compactions", "MaxConcurrentCompactions",
                                              Kind.INT, 0)
    max_index_log_file_size: int = setting("max-index-log-file-size", "MaxIndexLogFileSize", Kind.SIZE,
                                           1 << 20)
    trace_logging_enabled: bool = setting("trace-logging-enabled", "TraceLoggingEnabled", Kind.BOOL, False)
    tsm_use_madv_willneed: bool = setting("tsm-use-madv-willneed", "TSMWillNeed", Kind.BOOL, False)
    # Not a TOML setting in 1.6.7 (``toml:"-"``), but validated.
    engine: str = "tsm1"

    def validate(self) -> None:
        if self.dir == "":
            raise ConfigInvalid("Data.Dir must be specified")
        if self.wal_dir == "":
            raise ConfigInvalid("Data.WALDir must be specified")
        if self.max_concurrent_compactions < 0:
            raise ConfigInvalid("max-concurrent-compactions must be greater than 0")
        if self.engine not in REGISTERED_ENGINES:
            raise ConfigInvalid(f"unrecognized engine {self.engine}")
        if self.index_version not in REGISTERED_INDEXES:
            raise ConfigInvalid(f"unrecognized index {self.index_version}")


# ----------------------------------------------------------------------------------------------- coordinator

@dataclass
class CoordinatorConfig:
    """``[coordinator]`` (``[cluster]`` in old files): write and query limits."""

    GO_TYPE: ClassVar[str] = "coordinator.Config"

    write_timeout: int = setting("write-timeout", "WriteTimeout", Kind.DURATION, 10 * SECOND)
    max_concurrent_queries: int = setting("max-concurrent-queries", "MaxConcurrentQueries", Kind.INT, 0)
    query_timeout: int = setting("query-timeout", "QueryTimeout", Kind.DURATION, 0)
    log_queries_after: int = setting("log-queries-after", "LogQueriesAfter", Kind.DURATION, 0)
    max_select_point: int = setting("max-select-point", "MaxSelectPointN", Kind.INT, 0)
    max_select_series: int = setting("max-select-series", "MaxSelectSeriesN", Kind.INT, 0)
    max_select_buckets: int = setting("max-select-buckets", "MaxSelectBucketsN", Kind.INT, 0)

    def validate(self) -> None:
        """influxd 1.6.7 does not validate this section."""


# ----------------------------------------------------------------------------------------------- services

@dataclass
class RetentionConfig:
    """``[retention]``: the retention-policy enforcement service."""

    GO_TYPE: ClassVar[str] = "retention.Config"

    enabled: bool = setting("enabled", "Enabled", Kind.BOOL, True)
    check_interval: int = setting("check-interval", "CheckInterval", Kind.DURATION, 30 * MINUTE)

    def validate(self) -> None:
        if self.enabled and self.check_interval <= 0:
            raise ConfigInvalid("check-interval must be positive")


@dataclass
class PrecreatorConfig:
    """``[shard-precreation]``: creates shard groups before they are needed."""

    GO_TYPE: ClassVar[str] = "precreator.Config"

    enabled: bool = setting("enabled", "Enabled", Kind.BOOL, True)
    check_interval: int = setting("check-interval", "CheckInterval", Kind.DURATION, 10 * MINUTE)
    advance_period: int = setting("advance-period", "AdvancePeriod", Kind.DURATION, 30 * MINUTE)

    def validate(self) -> None:
        if not self.enabled:
            return
        if self.check_interval <= 0:
            raise ConfigInvalid("check-interval must be positive")
        if self.advance_period <= 0:
            raise ConfigInvalid("advance-period must be positive")


@dataclass
class MonitorConfig:
    """``[monitor]``: internal statistics, optionally stored in ``_internal``."""

    GO_TYPE: ClassVar[str] = "monitor.Config"

    store_enabled: bool = setting("store-enabled", "StoreEnabled", Kind.BOOL, True)
    store_database: str = setting("store-database", "StoreDatabase", Kind.STRING, "_internal")
    store_interval: int = setting("store-interval", "StoreInterval", Kind.DURATION, 10 * SECOND)

    def validate(self) -> None:
        # Checked even when storing is disabled, as influxd does.
        if self.store_interval <= 0:
            raise ConfigInvalid("monitor store interval must be positive")
        if self.store_database == "":
            raise ConfigInvalid("monitor store database name must not be empty")


@dataclass
class SubscriberConfig:
    """``[subscriber]``: forwarding writes to subscription endpoints."""

    GO_TYPE: ClassVar[str] = "subscriber.Config"

    enabled: bool = setting("enabled", "Enabled", Kind.BOOL, True)
    http_timeout: int = setting("http-timeout", "HTTPTimeout", Kind.DURATION, 30 * SECOND)
    insecure_skip_verify: bool = setting("insecure-skip-verify", "InsecureSkipVerify", Kind.BOOL, False)
    ca_certs: str = setting("ca-certs", "CaCerts", Kind.STRING, "")
    write_concurrency: int = setting("write-concurrency", "WriteConcurrency", Kind.INT, 40)
    write_buffer_size: int = setting("write-buffer-size", "WriteBufferSize", Kind.INT, 1000)

    def validate(self) -> None:
        if self.http_timeout <= 0:
            raise ConfigInvalid("http-timeout must be greater than 0")
        if self.ca_certs != "" and not os.path.isfile(self.ca_certs):
            raise ConfigInvalid(f"ca-certs file {os.path.abspath(self.ca_certs)} does not exist")
        if self.write_buffer_size <= 0:
            raise ConfigInvalid("write-buffer-size must be greater than 0")
        if self.write_concurrency <= 0:
            raise ConfigInvalid("write-concurrency must be greater than 0")


@dataclass
class HTTPConfig:
    """``[http]``: the HTTP API."""

    GO_TYPE: ClassVar[str] = "httpd.Config"

    enabled: bool = setting("enabled", "Enabled", Kind.BOOL, True)
    bind_address: str = setting("bind-address", "BindAddress", Kind.STRING, ":8086")
    auth_enabled: bool = setting("auth-enabled", "AuthEnabled", Kind.BOOL, False)
    log_enabled: bool = setting("log-enabled", "LogEnabled", Kind.BOOL, True)
    suppress_write_log: bool = setting("suppress-write-log", "SuppressWriteLog", Kind.BOOL, False)
    write_tracing: bool = setting("write-tracing", "WriteTracing", Kind.BOOL, False)
    pprof_enabled: bool = setting("pprof-enabled", "PprofEnabled", Kind.BOOL, True)
    debug_pprof_enabled: bool = setting("debug-pprof-enabled", "DebugPprofEnabled", Kind.BOOL, False)
    # InfluxDB 1.8's: admin credentials for /debug/* when auth is on (1.6.7 has no such key)
    pprof_auth_enabled: bool = setting("pprof-auth-enabled", "PprofAuthEnabled", Kind.BOOL, False,
                                       printed=False)
    https_enabled: bool = setting("https-enabled", "HTTPSEnabled", Kind.BOOL, False)
    https_certificate: str = setting("https-certificate", "HTTPSCertificate", Kind.STRING,
                                     "/etc/ssl/influxdb.pem")
    https_private_key: str = setting("https-private-key", "HTTPSPrivateKey", Kind.STRING, "")
    max_row_limit: int = setting("max-row-limit", "MaxRowLimit", Kind.INT, 0)
    max_connection_limit: int = setting("max-connection-limit", "MaxConnectionLimit", Kind.INT, 0)
    shared_secret: str = setting("shared-secret", "SharedSecret", Kind.STRING, "")
    realm: str = setting("realm", "Realm", Kind.STRING, "InfluxDB")
    unix_socket_enabled: bool = setting("unix-socket-enabled", "UnixSocketEnabled", Kind.BOOL, False)
    unix_socket_group: int | None = setting("unix-socket-group", "UnixSocketGroup", Kind.GROUP, None)
    unix_socket_permissions: int = setting("unix-socket-permissions", "UnixSocketPermissions", Kind.FILE_MODE,
                                           0o777)
    bind_socket: str = setting("bind-socket", "BindSocket", Kind.STRING, "/var/run/influxdb.sock")
    max_body_size: int = setting("max-body-size", "MaxBodySize", Kind.INT, 25_000_000)
    access_log_path: str = setting("access-log-path", "AccessLogPath", Kind.STRING, "")
    max_concurrent_write_limit: int = setting("max-concurrent-write-limit", "MaxConcurrentWriteLimit",
                                              Kind.INT, 0)
    max_enqueued_write_limit: int = setting("max-enqueued-write-limit", "MaxEnqueuedWriteLimit", Kind.INT, 0)
    enqueued_write_timeout: int = setting("enqueued-write-timeout", "EnqueuedWriteTimeout", Kind.GO_DURATION,
                                          30 * SECOND)

    def validate(self) -> None:
        """influxd 1.6.7 does not validate this section."""


@dataclass
class LoggingConfig:
    """``[logging]``: log format (auto, logfmt, json), level and the start-up logo."""

    GO_TYPE: ClassVar[str] = "logger.Config"

    format: str = setting("format", "Format", Kind.STRING, "auto")
    level: str = setting("level", "Level", Kind.LOG_LEVEL, "info")
    suppress_logo: bool = setting("suppress-logo", "SuppressLogo", Kind.BOOL, False)

    def validate(self) -> None:
        """influxd 1.6.7 does not validate this section (a bad format only fails the logger)."""


@dataclass
class IFQLConfig:
    """``[ifql]``: the 1.6 storage/IFQL gRPC service (disabled by default; Chronus does not serve it)."""

    GO_TYPE: ClassVar[str] = "storage.Config"

    enabled: bool = setting("enabled", "Enabled", Kind.BOOL, False)
    log_enabled: bool = setting("log-enabled", "LogEnabled", Kind.BOOL, True)
    bind_address: str = setting("bind-address", "BindAddress", Kind.STRING, ":8082")

    def validate(self) -> None:
        """influxd 1.6.7 does not validate this section."""


@dataclass
class ContinuousQueryConfig:
    """``[continuous_queries]``: the CQ service."""

    GO_TYPE: ClassVar[str] = "continuous_querier.Config"

    log_enabled: bool = setting("log-enabled", "LogEnabled", Kind.BOOL, True)
    enabled: bool = setting("enabled", "Enabled", Kind.BOOL, True)
    query_stats_enabled: bool = setting("query-stats-enabled", "QueryStatsEnabled", Kind.BOOL, False)
    run_interval: int = setting("run-interval", "RunInterval", Kind.DURATION, 1 * SECOND)

    def validate(self) -> None:
        if self.enabled and self.run_interval <= 0:
            raise ConfigInvalid("run-interval must be positive")


# ----------------------------------------------------------------------------------------------- inputs

def _go_fields(text: str) -> list[str]:
    """Go's ``strings.Fields``: split on Unicode white space (unlike Python's, without \\x1c-\\x1f)."""
    parts, current = [], []
    for ch in text:
        if ch in "\t\n\v\f\r \x85\xa0" or (ord(ch) > 0xFF and unicodedata.category(ch) == "Zs") \
                or ch in "\u2028\u2029":
            if current:
                parts.append("".join(current))
                current = []
        else:
            current.append(ch)
    if current:
        parts.append("".join(current))
    return parts


@dataclass
class GraphiteConfig:
    """``[[graphite]]``: one Graphite listener."""

    GO_TYPE: ClassVar[str] = "graphite.Config"

    enabled: bool = setting("enabled", "Enabled", Kind.BOOL, False)
    bind_address: str = setting("bind-address", "BindAddress", Kind.STRING, ":2003")
    database: str = setting("database", "Database", Kind.STRING, "graphite")
    retention_policy: str = setting("retention-policy", "RetentionPolicy", Kind.STRING, "")
    protocol: str = setting("protocol", "Protocol", Kind.STRING, "tcp")
    batch_size: int = setting("batch-size", "BatchSize", Kind.INT, 5000)
    batch_pending: int = setting("batch-pending", "BatchPending", Kind.INT, 10)
    batch_timeout: int = setting("batch-timeout", "BatchTimeout", Kind.DURATION, 1 * SECOND)
    consistency_level: str = setting("consistency-level", "ConsistencyLevel", Kind.STRING, "one")
    templates: list[str] | None = setting("templates", "Templates", Kind.STRING_LIST, None)
    tags: list[str] | None = setting("tags", "Tags", Kind.STRING_LIST, None)
    separator: str = setting("separator", "Separator", Kind.STRING, ".")
    udp_read_buffer: int = setting("udp-read-buffer", "UDPReadBuffer", Kind.INT, 0)

    def validate(self) -> None:
        filters: set[str] = set()
        for position, template in enumerate(self.templates or ()):
            parts = _go_fields(template)
            if not parts:
                raise ConfigInvalid(f"missing template at position: {position}")
            if len(parts) > 3:
                raise ConfigInvalid(f"invalid template format: '{template}'")
            pattern, filter_, tags = template, "", ""
            if len(parts) >= 2:
                if "=" in parts[1]:
                    pattern, tags = parts[0], parts[1]
                else:
                    filter_, pattern = parts[0], parts[1]
            if len(parts) == 3:
                tags = parts[2]
            if not any(p in ("measurement", "measurement*") for p in pattern.split(".")):
                raise ConfigInvalid(f"no measurement in template `{pattern}`")
            if filter_ in filters:
                raise ConfigInvalid(f"duplicate filter '{filter_}' found at position: {position}")
            filters.add(filter_)
            if filter_:
                for section in filter_.split("."):
                    if section == "":
                        raise ConfigInvalid(f"filter contains blank section: {filter_}")
                    if "*" in section and section != "*":
                        raise ConfigInvalid(f"invalid filter wildcard section: {filter_}")
            if tags:
                for tag in tags.split(","):
                    _check_graphite_tag(tag)
        for tag in self.tags or ():
            _check_graphite_tag(tag)


def _check_graphite_tag(key_value: str) -> None:
    parts = key_value.split("=")
    if len(parts) != 2:
        raise ConfigInvalid(f"invalid template tags: '{key_value}'")
    if parts[0] == "" or parts[1] == "":
        # The unbalanced quote is influxd's own.
        raise ConfigInvalid(f"invalid template tags: {key_value}'")


@dataclass
class CollectdConfig:
    """``[[collectd]]``: one collectd listener."""

    GO_TYPE: ClassVar[str] = "collectd.Config"

    enabled: bool = setting("enabled", "Enabled", Kind.BOOL, False)
    bind_address: str = setting("bind-address", "BindAddress", Kind.STRING, ":25826")
    database: str = setting("database", "Database", Kind.STRING, "collectd")
    retention_policy: str = setting("retention-policy", "RetentionPolicy", Kind.STRING, "")
    batch_size: int = setting("batch-size", "BatchSize", Kind.INT, 5000)
    batch_pending: int = setting("batch-pending", "BatchPending", Kind.INT, 10)
    batch_timeout: int = setting("batch-timeout", "BatchDuration", Kind.DURATION, 10 * SECOND)
    read_buffer: int = setting("read-buffer", "ReadBuffer", Kind.INT, 0)
    typesdb: str = setting("typesdb", "TypesDB", Kind.STRING, "/usr/share/collectd/types.db")
    security_level: str = setting("security-level", "SecurityLevel", Kind.STRING, "none")
    auth_file: str = setting("auth-file", "AuthFile", Kind.STRING, "/etc/collectd/auth_file")
    parse_multivalue_plugin: str = setting("parse-multivalue-plugin", "ParseMultiValuePlugin", Kind.STRING,
                                           "split")

    def validate(self) -> None:
        if self.security_level not in ("none", "sign", "encrypt"):
            raise ConfigInvalid("Invalid security level")
        if self.parse_multivalue_plugin not in ("split", "join"):
            raise ConfigInvalid('Invalid value for parse-multivalue-plugin. '
                                'Valid options are "split" and "join"')


@dataclass
class OpenTSDBConfig:
    """``[[opentsdb]]``: one OpenTSDB listener."""

    GO_TYPE: ClassVar[str] = "opentsdb.Config"

    enabled: bool = setting("enabled", "Enabled", Kind.BOOL, False)
    bind_address: str = setting("bind-address", "BindAddress", Kind.STRING, ":4242")
    database: str = setting("database", "Database", Kind.STRING, "opentsdb")
    retention_policy: str = setting("retention-policy", "RetentionPolicy", Kind.STRING, "")
    consistency_level: str = setting("consistency-level", "ConsistencyLevel", Kind.STRING, "one")
    tls_enabled: bool = setting("tls-enabled", "TLSEnabled", Kind.BOOL, False)
    certificate: str = setting("certificate", "Certificate", Kind.STRING, "/etc/ssl/influxdb.pem")
    batch_size: int = setting("batch-size", "BatchSize", Kind.INT, 1000)
    batch_pending: int = setting("batch-pending", "BatchPending", Kind.INT, 5)
    batch_timeout: int = setting("batch-timeout", "BatchTimeout", Kind.DURATION, 1 * SECOND)
    log_point_errors: bool = setting("log-point-errors", "LogPointErrors", Kind.BOOL, True)

    def validate(self) -> None:
        """influxd 1.6.7 does not validate this section."""


@dataclass
class UDPConfig:
    """``[[udp]]``: one UDP line-protocol listener."""

    GO_TYPE: ClassVar[str] = "udp.Config"

    enabled: bool = setting("enabled", "Enabled", Kind.BOOL, False)
    bind_address: str = setting("bind-address", "BindAddress", Kind.STRING, ":8089")
    database: str = setting("database", "Database", Kind.STRING, "udp")
    retention_policy: str = setting("retention-policy", "RetentionPolicy", Kind.STRING, "")
    batch_size: int = setting("batch-size", "BatchSize", Kind.INT, 5000)
    batch_pending: int = setting("batch-pending", "BatchPending", Kind.INT, 10)
    read_buffer: int = setting("read-buffer", "ReadBuffer", Kind.INT, 0)
    batch_timeout: int = setting("batch-timeout", "BatchTimeout", Kind.DURATION, 1 * SECOND)
    # Printed empty by default; the UDP service treats "" as "n" (nanoseconds).
    precision: str = setting("precision", "Precision", Kind.STRING, "")

    def validate(self) -> None:
        """influxd 1.6.7 does not validate this section."""


# ----------------------------------------------------------------------------------------------- tls

TLS_CIPHERS = (
    "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
)

# Version names influxd accepts (case-insensitively) and the TLS version each one selects, as
# (major, minor) of the protocol: influxd maps the bare "1.0" to TLS 1.1, and so does Chronus.
TLS_VERSIONS = {
    "SSL3.0": (3, 0), "TLS1.0": (3, 1), "1.0": (3, 2), "TLS1.1": (3, 2), "1.1": (3, 2),
    "TLS1.2": (3, 3), "1.2": (3, 3),
}


@dataclass
class TLSConfig:
    """``[tls]``: cipher suites and protocol versions for every HTTPS endpoint."""

    GO_TYPE: ClassVar[str] = "tlsconfig.Config"

    ciphers: list[str] | None = setting("ciphers", "Ciphers", Kind.STRING_LIST, None)
    min_version: str = setting("min-version", "MinVersion", Kind.STRING, "")
    max_version: str = setting("max-version", "MaxVersion", Kind.STRING, "")

    def validate(self) -> None:
        for name in self.ciphers or ():
            if go_upper(name) not in TLS_CIPHERS:
                raise ConfigInvalid(f"unknown cipher suite: {go_quote(name)}. available ciphers: "
                                    + ", ".join(sorted(TLS_CIPHERS)))
        for version in (self.min_version, self.max_version):
            if version != "" and go_upper(version) not in TLS_VERSIONS:
                available = sorted(v for v in TLS_VERSIONS if not v.startswith("1"))
                raise ConfigInvalid(f"unknown tls version: {go_quote(version)}. available versions: "
                                    + ", ".join(available))


# ----------------------------------------------------------------------------------------------- the whole

@dataclass
class Config:
    """The whole influxd configuration, sections in the order ``influxd config`` prints them."""

    GO_TYPE: ClassVar[str] = "run.Config"

    meta: MetaConfig = setting("meta", "Meta", Kind.TABLE, section=MetaConfig, factory=MetaConfig)
    data: DataConfig = setting("data", "Data", Kind.TABLE, section=DataConfig, factory=DataConfig)
    coordinator: CoordinatorConfig = setting("coordinator", "Coordinator", Kind.TABLE,
                                             section=CoordinatorConfig, factory=CoordinatorConfig)
    retention: RetentionConfig = setting("retention", "Retention", Kind.TABLE, section=RetentionConfig,
                                         factory=RetentionConfig)
    shard_precreation: PrecreatorConfig = setting("shard-precreation", "Precreator", Kind.TABLE,
                                                  section=PrecreatorConfig, factory=PrecreatorConfig)
    monitor: MonitorConfig = setting("monitor", "Monitor", Kind.TABLE, section=MonitorConfig,
                                     factory=MonitorConfig)
    subscriber: SubscriberConfig = setting("subscriber", "Subscriber", Kind.TABLE, section=SubscriberConfig,
                                           factory=SubscriberConfig)
    http: HTTPConfig = setting("http", "HTTPD", Kind.TABLE, section=HTTPConfig, factory=HTTPConfig)
    logging: LoggingConfig = setting("logging", "Logging", Kind.TABLE, section=LoggingConfig,
                                     factory=LoggingConfig)
    ifql: IFQLConfig = setting("ifql", "Storage", Kind.TABLE, section=IFQLConfig, factory=IFQLConfig)
    graphite: list[GraphiteConfig] = setting("graphite", "GraphiteInputs", Kind.TABLE_ARRAY,
                                             section=GraphiteConfig, factory=lambda: [GraphiteConfig()])
    collectd: list[CollectdConfig] = setting("collectd", "CollectdInputs", Kind.TABLE_ARRAY,
                                             section=CollectdConfig, factory=lambda: [CollectdConfig()])
    opentsdb: list[OpenTSDBConfig] = setting("opentsdb", "OpenTSDBInputs", Kind.TABLE_ARRAY,
                                             section=OpenTSDBConfig, factory=lambda: [OpenTSDBConfig()])
    udp: list[UDPConfig] = setting("udp", "UDPInputs", Kind.TABLE_ARRAY, section=UDPConfig,
                                   factory=lambda: [UDPConfig()])
    continuous_queries: ContinuousQueryConfig = setting("continuous_queries", "ContinuousQuery", Kind.TABLE,
                                                        section=ContinuousQueryConfig,
                                                        factory=ContinuousQueryConfig)
    # Debian's influxd 1.6.7 (the reference) names this "reporting-enabled"; upstream files say
    # "reporting-disabled", which is accepted and ignored (Chronus never reports usage anywhere).
    reporting_enabled: bool = setting("reporting-enabled", "ReportingEnabled", Kind.BOOL, False)
    bind_address: str = setting("bind-address", "BindAddress", Kind.STRING, "127.0.0.1:8088")
    tls: TLSConfig = setting("tls", "TLS", Kind.TABLE, section=TLSConfig, factory=TLSConfig)

    def validate(self) -> None:
        """influxd's ``Config.Validate()``: sections in its order, input sections' messages prefixed."""
        for section in (self.meta, self.data, self.monitor, self.continuous_queries, self.retention,
                        self.shard_precreation, self.subscriber):
            section.validate()
        for name, inputs in (("graphite", self.graphite), ("collectd", self.collectd)):
            for item in inputs:
                try:
                    item.validate()
                except ConfigInvalid as err:
                    raise ConfigInvalid(f"invalid {name} config: {err}") from None
        self.tls.validate()


# Keys Chronus accepts without the "unknown key" warning although influxd 1.6.7 does not read them: the
# upstream spelling of the reporting switch, present in every stock influxdb.conf of 1.6-1.8. (Settings
# new in 1.7/1.8, such as data.series-id-set-cache-size, are warned about: they have no effect here.)
ACCEPTED_UNUSED_KEYS = frozenset({"reporting-disabled"})
