"""Record what the real influxd 1.6.7 answers to ``influxd config`` for many files, flags and variables.

Usage (needs ``/usr/bin/influxd``; standard library only)::

    python tools/record_config.py                      # re-record tests/golden/config/*
    python tools/record_config.py --influxd /path/to/influxd

Each case runs ``influxd config ARGS`` in a fresh temp directory holding the case's files, with an
environment of only ``PATH``, ``HOME`` (an empty directory, so ``~/.influxdb/influxdb.conf`` is absent
unless the case creates it) and the case's ``INFLUXDB_*`` variables. Stdout, stderr and the exit code go to
``tests/golden/config/answers.jsonl`` (one case a line, inputs included) and the default configuration to
``tests/golden/config/default.toml``. ``values.jsonl`` holds single values (durations, sizes, integers,
booleans, ...) passed through influxd's parsers and printers by way of ``INFLUXDB_*`` variables.
Outputs are normalised so that they do not depend on the machine:
the current user's home directory (influxd takes it from the password database) becomes ``{HOME}``, the
case directory ``{DIR}``, the sample directory ``{SAMPLES}``, and Go's log timestamps ``{TIME}``.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "golden" / "config"
SAMPLES = OUT / "samples"
GO_LOG_TIME = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ", re.MULTILINE)


def case(name: str, args: list[str], files: dict[str, str] | None = None, env: dict[str, str] | None = None,
         home_files: dict[str, str] | None = None) -> dict:
    """One recorded run: ``args`` may use {SAMPLES}; ``files`` go to the case directory (the cwd),
    ``home_files`` under $HOME."""
    return {"name": name, "args": args, "files": files or {}, "env": env or {},
            "home_files": home_files or {}}


def file_case(name: str, text: str, env: dict[str, str] | None = None) -> dict:
    """``influxd config -config c.toml`` with ``text`` as c.toml."""
    return case(name, ["-config", "c.toml"], {"c.toml": text}, env)


CASES: list[dict] = [
    # --- defaults, flags, search order
    case("default", ["-config", "/dev/null"]),
    case("default-equals-form", ["-config=/dev/null"]),
    case("double-dash-flag", ["--config", "c.toml"], {"c.toml": "[http]\nauth-enabled = true\n"}),
    case("help", ["-h"]),
    case("help-long", ["-help"]),
    case("unknown-flag", ["-bogus"]),
    case("flag-needs-argument", ["-config"]),
    case("bad-flag-syntax", ["---config"]),
    case("extra-arguments-ignored", ["-config", "/dev/null", "extra", "-bogus"]),
    case("missing-file", ["-config", "nonexistent.toml"]),
    case("directory-as-file", ["-config", "."]),
    case("env-config-path", [], {"e.toml": "[http]\nrealm = \"from-env-path\"\n"},
         {"INFLUXDB_CONFIG_PATH": "e.toml"}),
    case("home-config", [], home_files={".influxdb/influxdb.conf": "[http]\nrealm = \"from-home\"\n"}),
    case("flag-beats-env-path", ["-config", "c.toml"], {"c.toml": "[http]\nrealm = \"flag\"\n",
                                                      "e.toml": "[http]\nrealm = \"env\"\n"},
         {"INFLUXDB_CONFIG_PATH": "e.toml"}),
    case("env-path-beats-home", [], {"e.toml": "[http]\nrealm = \"env\"\n"},
         {"INFLUXDB_CONFIG_PATH": "e.toml"},
         home_files={".influxdb/influxdb.conf": "[http]\nrealm = \"h\"\n"}),
    # --- sample files of several versions
    case("sample-debian-1.6.7", ["-config", "{SAMPLES}/debian-1.6.7.conf"]),
    case("sample-1.6", ["-config", "{SAMPLES}/influxdb-1.6.conf"]),
    case("sample-1.7", ["-config", "{SAMPLES}/influxdb-1.7.conf"]),
    case("sample-1.8", ["-config", "{SAMPLES}/influxdb-1.8.conf"]),
    case("sample-1.8-all-keys", ["-config", "{SAMPLES}/influxdb-1.8-all-keys.conf"]),
    # --- merging and printing
    file_case("empty-file", ""),
    file_case("only-comments", "# nothing\n\n   # at all\n"),
    file_case("bom", "\ufeff[http]\nrealm = \"bom\"\n"),
    file_case("case-insensitive-keys", "[HTTP]\nENABLED = false\nBind-Address = \":1\"\n"),
    file_case("cluster-renamed", "reporting-enabled = true\n\n  [cluster]\nwrite-timeout = \"5s\"\n"),
    file_case("durations", "[coordinator]\nwrite-timeout = \"1h30m\"\nquery-timeout = \"100ms\"\n"
                           "log-queries-after = \"1.5s\"\n[data]\nwal-fsync-delay = \"1us\"\n"
                           "cache-snapshot-write-cold-duration = \"90m\"\n"
                           "compact-full-write-cold-duration = \"-2.5h\"\n[retention]\n"
                           "check-interval = \"1h0m0.000000001s\"\n[monitor]\nstore-interval = \"1\u00b5s\"\n"
                           "[shard-precreation]\ncheck-interval = \"0.5m\"\nadvance-period = \"+3h\"\n"),
    file_case("duration-empty-string-keeps-default", "[retention]\ncheck-interval = \"\"\n"),
    file_case("sizes", "[data]\ncache-max-memory-size = \"1024k\"\ncache-snapshot-memory-size = \"1G\"\n"
                       "max-index-log-file-size = 12345\n"),
    file_case("size-max", "[data]\ncache-max-memory-size = \"18446744073709551615\"\n"),
    file_case("enqueued-write-timeout-int", "[http]\nenqueued-write-timeout = 5000000000\n"),
    file_case("enqueued-write-timeout-str", "[http]\nenqueued-write-timeout = \"2m\"\n"),
    file_case("log-level-case", "[logging]\nlevel = \"Debug\"\nformat = \"json\"\n"),
    file_case("log-level-empty", "[logging]\nlevel = \"\"\n"),
    file_case("file-mode", "[http]\nunix-socket-permissions = 755\n"),
    file_case("file-mode-empty", "[http]\nunix-socket-permissions = \"\"\n"),
    file_case("group-id-with-env", "[http]\nunix-socket-group = 0\n",
              {"INFLUXDB_HTTP_UNIX_SOCKET_GROUP": "5"}),
    file_case("group-name-with-env", "[http]\nunix-socket-group = \"root\"\n",
              {"INFLUXDB_HTTP_UNIX_SOCKET_GROUP": "0x10"}),
    file_case("string-escapes", "[http]\nrealm = \"a\\\"b\\\\c\\td\\u0001e\\u007f f\u00e9\"\n"
                                "shared-secret = '''multi\nline'''\n"),
    file_case("graphite-one-table", "[[graphite]]\nenabled = true\ndatabase = \"g\"\n"
                                    "templates = [\"a.measurement\", \"*.b measurement.field region=x\"]\n"
                                    "tags = [\"dc=1\"]\n"),
    file_case("graphite-two-tables",
              "[[graphite]]\nenabled = true\n\n[[graphite]]\nbind-address = \":2004\"\n"),
    file_case("graphite-empty-list", "graphite = []\n"),
    file_case("graphite-empty-templates", "[[graphite]]\ntemplates = []\n"),
    file_case("udp-three-tables", "[[udp]]\n[[udp]]\nenabled = true\n[[udp]]\nprecision = \"s\"\n"),
    file_case("tls-settings", "[tls]\n"
                              "ciphers = [\"TLS_RSA_WITH_AES_128_CBC_SHA\", \"tls_rsa_with_rc4_128_sha\"]\n"
                              "min-version = \"tls1.0\"\nmax-version = \"1.2\"\n"),
    file_case("unknown-keys-ignored", "foo = 1\nreporting-disabled = true\n[http]\nbar = 2\n"
                                      "[nosuch]\nx = 1\n[[graphite]]\nweird = true\n"),
    file_case("inline-table", "http = {enabled = false, realm = \"inline\"}\n"),
    file_case("dotted-keys", "http.realm = \"dotted\"\n[data]\n\"dir\" = \"/d\"\n"),
    file_case("top-level-settings", "reporting-enabled = true\nbind-address = \":9999\"\n"),
    file_case("cluster-renamed-then-error", "[cluster]\nwrite-timeout = 5\n"),
    file_case("datetime-into-duration", "[retention]\ncheck-interval = 1979-05-27T07:32:00Z\n"),
    file_case("bool-into-size", "[data]\ncache-max-memory-size = true\n"),
    # --- decoding errors
    file_case("duration-invalid", "[retention]\ncheck-interval = \"abc\"\n"),
    file_case("duration-integer", "[retention]\ncheck-interval = 30\n"),
    file_case("duration-zero-integer", "[retention]\nenabled = false\ncheck-interval = 0\n"),
    file_case("duration-float", "[retention]\ncheck-interval = 1.5\n"),
    file_case("duration-bool", "[retention]\ncheck-interval = true\n"),
    file_case("duration-array", "[retention]\ncheck-interval = [1]\n"),
    file_case("duration-unknown-unit", "[retention]\ncheck-interval = \"5d\"\n"),
    file_case("duration-overflow", "[retention]\ncheck-interval = \"9999999999h\"\n"),
    file_case("duration-non-ascii", "[retention]\ncheck-interval = \"5\u00e9\"\n"),
    file_case("size-bad-suffix", "[data]\ncache-max-memory-size = \"1x\"\n"),
    file_case("size-negative", "[data]\ncache-max-memory-size = -5\n"),
    file_case("size-float", "[data]\ncache-max-memory-size = 1.5\n"),
    file_case("size-empty", "[data]\ncache-max-memory-size = \"\"\n"),
    file_case("size-overflow", "[data]\ncache-max-memory-size = \"17179869184g\"\n"),
    file_case("size-not-a-number", "[data]\ncache-max-memory-size = \"g\"\n"),
    file_case("bool-from-string", "[http]\nenabled = \"yes\"\n"),
    file_case("int-from-float", "[http]\nmax-row-limit = 1.5\n"),
    file_case("int-from-string", "[http]\nmax-row-limit = \"10\"\n"),
    file_case("string-from-int", "[http]\nbind-address = 8086\n"),
    file_case("string-from-array", "[http]\nbind-address = [1]\n"),
    file_case("string-from-inline-table", "[http]\nbind-address = {a=1}\n"),
    file_case("string-from-datetime", "[http]\nbind-address = 1979-05-27T07:32:00Z\n"),
    file_case("section-from-int", "meta = 5\n"),
    file_case("section-from-array-of-tables", "[[http]]\nenabled = true\n"),
    file_case("section-list-from-table", "[graphite]\nenabled = true\n"),
    file_case("section-list-from-ints", "graphite = [1]\n"),
    file_case("string-list-from-string", "[[graphite]]\ntemplates = \"a.measurement\"\n"),
    file_case("string-list-with-int", "[[graphite]]\ntemplates = [\"a.measurement\", 2]\n"),
    file_case("go-duration-invalid", "[http]\nenqueued-write-timeout = \"x\"\n"),
    file_case("go-duration-float", "[http]\nenqueued-write-timeout = 1.5\n"),
    file_case("log-level-invalid", "[logging]\nlevel = \"loud\"\n"),
    file_case("log-level-int", "[logging]\nlevel = 5\n"),
    file_case("file-mode-zero", "[http]\nunix-socket-permissions = \"0\"\n"),
    file_case("file-mode-not-octal", "[http]\nunix-socket-permissions = \"999\"\n"),
    file_case("group-unknown", "[http]\nunix-socket-group = \"no-such-group-x\"\n"),
    file_case("group-bool", "[http]\nunix-socket-group = true\n"),
    file_case("group-without-env", "[http]\nunix-socket-group = 0\n"),
    file_case("error-line-of-last-table", "[[graphite]]\nenabled = true\n\n[[graphite]]\nenabled = \"x\"\n"
                                         "[[graphite]]\nenabled = 1\n"),
    file_case("error-dotted-key-parent", "[http]\nfoo.bar = 1\nenabled.x = 1\n"),
    file_case("error-in-inline-table", "http = {enabled = \"x\"}\n"),
    file_case("error-after-multiline-string", "[http]\nbind-address = \"\"\"\nfoo\"\"\"\nenabled = \"no\"\n"),
    file_case("int-out-of-range", "[http]\nmax-row-limit = 99999999999999999999\n"),
    file_case("quoted-key-in-error", "[http]\n\"auth-enabled\" = 1\n"),
    # --- environment variables
    case("env-many", ["-config", "/dev/null"], env={
        "INFLUXDB_HTTP_BIND_ADDRESS": ":9999", "INFLUXDB_DATA_QUERY_LOG_ENABLED": "false",
        "INFLUXDB_DATA_CACHE_MAX_MEMORY_SIZE": "2g", "INFLUXDB_COORDINATOR_WRITE_TIMEOUT": "1m30s",
        "INFLUXDB_HTTP_MAX_BODY_SIZE": "0x10", "INFLUXDB_HTTP_MAX_ROW_LIMIT": "1_000",
        "INFLUXDB_LOGGING_LEVEL": "DEBUG", "INFLUXDB_SHARD_PRECREATION_ADVANCE_PERIOD": "1h",
        "INFLUXDB_GRAPHITE_ENABLED": "true", "INFLUXDB_GRAPHITE_0_DATABASE": "g0",
        "INFLUXDB_GRAPHITE_0_TEMPLATES": "a.measurement,x.* b.measurement*",
        "INFLUXDB_HTTP_ENQUEUED_WRITE_TIMEOUT": "5000", "INFLUXDB_REPORTING_ENABLED": "1",
        "INFLUXDB_BIND_ADDRESS": "127.0.0.1:18088", "INFLUXDB_TLS_CIPHERS": "TLS_RSA_WITH_RC4_128_SHA",
        "INFLUXDB_HTTP_UNIX_SOCKET_PERMISSIONS": "0700", "INFLUXDB_META_DIR": "/m",
        "INFLUXDB_CONTINUOUS_QUERIES_RUN_INTERVAL": "2s", "INFLUXDB_IFQL_ENABLED": "T",
        "INFLUXDB_MONITOR_STORE_DATABASE": "", "INFLUXDB_DATA_MAX_SERIES_PER_DATABASE": "010",
        "INFLUXDB_UDP_0_PRECISION": "ms", "INFLUXDB_COLLECTD_SECURITY_LEVEL": "sign",
        "INFLUXDB_OPENTSDB_0_BATCH_TIMEOUT": "250ms", "INFLUXDB_SUBSCRIBER_HTTP_TIMEOUT": "1m",
    }),
    case("env-table-list", ["-config", "c.toml"],
         {"c.toml": "[[graphite]]\n[[graphite]]\nbind-address = \":1\"\n"},
         {"INFLUXDB_GRAPHITE_BATCH_SIZE": "7", "INFLUXDB_GRAPHITE_1_ENABLED": "true",
          "INFLUXDB_GRAPHITE_1_BATCH_SIZE": "8", "INFLUXDB_GRAPHITE_2_ENABLED": "true"}),
    case("env-string-list-existing", ["-config", "c.toml"],
         {"c.toml": "[[graphite]]\ntemplates = [\"a.measurement\", \"b.measurement\", \"c.measurement\"]\n"},
         {"INFLUXDB_GRAPHITE_0_TEMPLATES": "x.measurement",
          "INFLUXDB_GRAPHITE_0_TEMPLATES_1": "y.measurement"}),
    case("env-string-list-one", ["-config", "c.toml"],
         {"c.toml": "[[graphite]]\ntemplates = [\"a.* a.measurement\"]\n"},
         {"INFLUXDB_GRAPHITE_0_TEMPLATES": "x.* x.measurement,y"}),
    case("env-string-list-indexed", ["-config", "c.toml"],
         {"c.toml": "[[graphite]]\n"
                    "templates = [\"a.* measurement\", \"b.* measurement\", \"measurement\"]\n"},
         {"INFLUXDB_GRAPHITE_0_TEMPLATES_1": "y.* y.measurement",
          "INFLUXDB_GRAPHITE_TEMPLATES_2": "z.measurement"}),
    case("env-int-invalid", ["-config", "/dev/null"], env={"INFLUXDB_HTTP_MAX_ROW_LIMIT": "abc"}),
    case("env-int-out-of-range", ["-config", "/dev/null"],
         env={"INFLUXDB_HTTP_MAX_ROW_LIMIT": "99999999999999999999"}),
    case("env-int-bad-underscore", ["-config", "/dev/null"], env={"INFLUXDB_HTTP_MAX_ROW_LIMIT": "1__0"}),
    case("env-bool-invalid", ["-config", "/dev/null"], env={"INFLUXDB_HTTP_AUTH_ENABLED": "yes"}),
    case("env-duration-invalid", ["-config", "/dev/null"], env={"INFLUXDB_DATA_WAL_FSYNC_DELAY": "5"}),
    case("env-size-invalid", ["-config", "/dev/null"], env={"INFLUXDB_DATA_CACHE_MAX_MEMORY_SIZE": "1t"}),
    case("env-go-duration-text", ["-config", "/dev/null"],
         env={"INFLUXDB_HTTP_ENQUEUED_WRITE_TIMEOUT": "30s"}),
    case("env-level-invalid", ["-config", "/dev/null"], env={"INFLUXDB_LOGGING_LEVEL": "loud"}),
    case("env-file-mode-invalid", ["-config", "/dev/null"],
         env={"INFLUXDB_HTTP_UNIX_SOCKET_PERMISSIONS": "0"}),
    case("env-then-validation", ["-config", "/dev/null"], env={"INFLUXDB_DATA_INDEX_VERSION": "bogus"}),
    # --- validation
    file_case("invalid-meta-dir", "[meta]\ndir = \"\"\n"),
    file_case("invalid-data-dir", "[data]\ndir = \"\"\n"),
    file_case("invalid-wal-dir", "[data]\nwal-dir = \"\"\n"),
    file_case("invalid-compactions", "[data]\nmax-concurrent-compactions = -1\n"),
    file_case("invalid-index", "[data]\nindex-version = \"tsi2\"\n"),
    file_case("valid-tsi1", "[data]\nindex-version = \"tsi1\"\n"),
    file_case("invalid-monitor-interval", "[monitor]\nstore-enabled = false\nstore-interval = \"0s\"\n"),
    file_case("invalid-monitor-database", "[monitor]\nstore-database = \"\"\n"),
    file_case("invalid-cq-interval", "[continuous_queries]\nrun-interval = \"-1s\"\n"),
    file_case("disabled-cq-interval", "[continuous_queries]\nenabled = false\nrun-interval = \"0s\"\n"),
    file_case("invalid-retention-interval", "[retention]\ncheck-interval = \"0s\"\n"),
    file_case("invalid-precreation-check", "[shard-precreation]\ncheck-interval = \"0s\"\n"),
    file_case("invalid-precreation-advance", "[shard-precreation]\nadvance-period = \"0s\"\n"),
    file_case("invalid-subscriber-timeout", "[subscriber]\nhttp-timeout = \"0s\"\n"),
    file_case("invalid-subscriber-ca", "[subscriber]\nca-certs = \"missing.pem\"\n"),
    file_case("invalid-subscriber-buffer", "[subscriber]\nwrite-buffer-size = 0\n"),
    file_case("invalid-subscriber-concurrency", "[subscriber]\nwrite-concurrency = -1\n"),
    file_case("invalid-graphite-no-measurement", "[[graphite]]\ntemplates = [\"a.b\"]\n"),
    file_case("invalid-graphite-blank", "[[graphite]]\ntemplates = [\"  \"]\n"),
    file_case("invalid-graphite-too-many-parts", "[[graphite]]\ntemplates = [\"a b c d\"]\n"),
    file_case("invalid-graphite-duplicate-filter",
              "[[graphite]]\ntemplates = [\"measurement\", \"x measurement\", \"measurement.field\"]\n"),
    file_case("invalid-graphite-filter-blank", "[[graphite]]\ntemplates = [\"a..b measurement\"]\n"),
    file_case("invalid-graphite-filter-wildcard", "[[graphite]]\ntemplates = [\"a.b* measurement\"]\n"),
    file_case("invalid-graphite-template-tag", "[[graphite]]\ntemplates = [\"measurement a=b,c\"]\n"),
    file_case("invalid-graphite-tag-empty", "[[graphite]]\ntags = [\"a=\"]\n"),
    file_case("invalid-graphite-second-table", "[[graphite]]\n[[graphite]]\ntags = [\"a\"]\n"),
    file_case("invalid-collectd-security", "[[collectd]]\nsecurity-level = \"high\"\n"),
    file_case("invalid-collectd-multivalue", "[[collectd]]\nparse-multivalue-plugin = \"merge\"\n"),
    file_case("invalid-tls-cipher", "[tls]\nciphers = [\"nope\"]\n"),
    file_case("invalid-tls-min-version", "[tls]\nmin-version = \"tls1.3\"\n"),
    file_case("invalid-tls-max-version", "[tls]\nmax-version = \"1.3\"\n"),
    # --- TOML syntax errors: the common ones worded as influxd words them, "approx" ones only refused alike
    file_case("syntax-bad-value", "[http]\nenabled = tru\n"),
    file_case("syntax-capitalised-bool", "[http]\nenabled = True\n"),
    file_case("syntax-unquoted-address", "[http]\nbind-address = :8086\n"),
    file_case("syntax-duplicate-key", "[http]\nenabled = true\nenabled = false\n"),
    file_case("syntax-duplicate-quoted-key", "[a]\n\"b c\".d = 1\n\"b c\".d = 2\n"),
    file_case("syntax-duplicate-table", "[http]\nenabled = true\n\n[http]\n"),
    file_case("syntax-unterminated-string", "[http]\n\nrealm = \"abc\n"),
    file_case("syntax-approx-unclosed-table", "[http\nenabled = true\n"),
    file_case("syntax-approx-unquoted-word", "[logging]\nlevel = info\n"),
    file_case("syntax-approx-unclosed-array", "x = [1,\n"),
    file_case("syntax-approx-literal-string", "[http]\nrealm = 'abc\n"),
    file_case("syntax-approx-bad-escape", "[http]\nbind-address = \"a\\qb\"\n"),
    file_case("syntax-approx-missing-comma",
              "[[graphite]]\ntemplates = [\n  \"a.measurement\"\n  \"b\"\n]\n"),
]


# Single values through influxd's own parsers and printers: each value is set through an environment
# variable (on top of ``-config /dev/null``) and the printed line of its key, or the error, is recorded.
VALUE_SUITES: dict[str, tuple[str, list[str]]] = {
    "duration": ("INFLUXDB_DATA_WAL_FSYNC_DELAY", [
        "0", "-0", "+0", "00", "1ns", "1.5h", "1h30m", ".5s", "5.s", ".s", "-.s", "1e3s", "1\u00b5s",
        "1\u03bcs", "1us", "100ms", "-1.5s", "9223372036854775807ns", "9223372036854775808ns",
        "-9223372036854775808ns", "-9223372036854775809ns", "2562047h47m16.854775807s", "2562048h",
        "1h1h", "0.000000001s", "0.0000000001s", "1.0000000000000000000001s",
        "3m3.33333333333333333333333s", "0.1h", "  1s", "1s ", "1S", "1x", "abc", "-", "+", "1.2.3s",
        "10", "1d", "1h-1m", "999999999999999999999s", "59.9999999999s", "1000000000000ms", "7\u00e9",
    ]),
    "size": ("INFLUXDB_DATA_CACHE_MAX_MEMORY_SIZE", [
        "1", "0", "1k", "1K", "1m", "1M", "1g", "1G", "1t", "k", "-1k", "+1", "1.5g",
        "18446744073709551615", "18446744073709551616", "17179869183g", "17179869184g", "1 k", " 1", "0x10",
        "1_000", "1\u00e9", "007k",
    ]),
    "int": ("INFLUXDB_HTTP_MAX_ROW_LIMIT", [
        "0", "-1", "+5", "0x1F", "0X1f", "0o17", "0O17", "017", "0b101", "08", "0x", "0b", "1_000", "_1000",
        "1000_", "0x_1f", "0_17", "1__0", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "-9223372036854775809", "0x8000000000000000", " 1", "1e3", "abc", "-",
        "\u0661", "1\n",
    ]),
    "bool": ("INFLUXDB_HTTP_AUTH_ENABLED", [
        "1", "0", "t", "T", "TRUE", "true", "True", "f", "F", "FALSE", "false", "False", "yes", "tRUE",
        " true",
    ]),
    "level": ("INFLUXDB_LOGGING_LEVEL", [
        "debug", "DEBUG", "Debug", "dpanic", "PANIC", "fatal", "error", "warn", "warning", "info ",
        "\u0130nfo", "lo\"ud",
    ]),
    "file-mode": ("INFLUXDB_HTTP_UNIX_SOCKET_PERMISSIONS", [
        "0755", "755", "0", "8", "17777777777", "37777777777", "40000000000", "-1", "+7", "0o7", "7_7",
    ]),
    "go-duration": ("INFLUXDB_HTTP_ENQUEUED_WRITE_TIMEOUT", ["5", "-5", "0x10", "30s", "1_000_000_000"]),
    "string": ("INFLUXDB_HTTP_REALM", ["plain", "quo\"te", "back\\slash", "tab\there", "\u00e9t\u00e9",
                                       "ctl\u0001", "del\u007f", "new\nline"]),
}


def value_key(variable: str) -> str:
    """The TOML key an ``INFLUXDB_<SECTION>_<KEY>`` variable of VALUE_SUITES sets."""
    return {"INFLUXDB_DATA_WAL_FSYNC_DELAY": "wal-fsync-delay",
            "INFLUXDB_DATA_CACHE_MAX_MEMORY_SIZE": "cache-max-memory-size",
            "INFLUXDB_HTTP_MAX_ROW_LIMIT": "max-row-limit", "INFLUXDB_HTTP_AUTH_ENABLED": "auth-enabled",
            "INFLUXDB_LOGGING_LEVEL": "level",
            "INFLUXDB_HTTP_UNIX_SOCKET_PERMISSIONS": "unix-socket-permissions",
            "INFLUXDB_HTTP_ENQUEUED_WRITE_TIMEOUT": "enqueued-write-timeout",
            "INFLUXDB_HTTP_REALM": "realm"}[variable]


def value_outcome(answer: dict, variable: str) -> str:
    """The printed ``key = value`` line, or the error line, of one value run."""
    if answer["exit_code"] != 0:
        return answer["stderr"].rstrip("\n")
    prefix = f"  {value_key(variable)} = "
    return next(line for line in answer["stdout"].splitlines() if line.startswith(prefix))


def normalise(text: str, root: str) -> str:
    """Make a run's output machine-independent; ``root`` holds the run's ``case`` and ``home`` dirs."""
    home = pwd.getpwuid(os.getuid()).pw_dir
    text = text.replace(str(SAMPLES), "{SAMPLES}")
    text = text.replace(os.path.join(root, "case"), "{DIR}").replace(os.path.join(root, "home"), "{ENVHOME}")
    text = GO_LOG_TIME.sub("{TIME} ", text)
    return text.replace(f"{home}/.influxdb", "{HOME}/.influxdb")


def run_case(binary: list[str], spec: dict) -> dict:
    """Run one case with ``binary`` (a command prefix) and return its normalised answer."""
    with tempfile.TemporaryDirectory(prefix="chronus-config-") as tmp:
        case_dir, home = os.path.join(tmp, "case"), os.path.join(tmp, "home")
        os.makedirs(case_dir)
        os.makedirs(home)
        for name, text in spec["files"].items():
            Path(case_dir, name).write_text(text, encoding="utf-8")
        for name, text in spec["home_files"].items():
            Path(home, name).parent.mkdir(parents=True, exist_ok=True)
            Path(home, name).write_text(text, encoding="utf-8")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, **spec["env"]}
        args = [a.replace("{SAMPLES}", str(SAMPLES)) for a in spec["args"]]
        done = subprocess.run([*binary, "config", *args], cwd=case_dir, env=env, capture_output=True,
                              timeout=60, check=False)
        return {"stdout": normalise(done.stdout.decode("utf-8", "replace"), tmp),
                "stderr": normalise(done.stderr.decode("utf-8", "replace"), tmp),
                "exit_code": done.returncode}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--influxd", default=os.environ.get("INFLUXD", "/usr/bin/influxd"))
    args = parser.parse_args(argv)
    names = [c["name"] for c in CASES]
    if len(set(names)) != len(names):
        raise SystemExit("duplicate case names")
    records = []
    for spec in CASES:
        records.append({**spec, **run_case([args.influxd], spec)})
    values = []
    for suite, (variable, samples) in VALUE_SUITES.items():
        for sample in samples:
            spec = case(f"{suite}:{sample}", ["-config", "/dev/null"], env={variable: sample})
            values.append({"suite": suite, "variable": variable, "value": sample,
                           "outcome": value_outcome(run_case([args.influxd], spec), variable)})
    (OUT / "values.jsonl").write_text(
        "\n".join(json.dumps(v, sort_keys=True, ensure_ascii=False) for v in values) + "\n", encoding="utf-8")
    lines = [json.dumps(r, sort_keys=True, ensure_ascii=False) for r in records]
    (OUT / "answers.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    default = next(r for r in records if r["name"] == "default")
    (OUT / "default.toml").write_text(default["stdout"], encoding="utf-8")
    failed = sum(1 for r in records if r["exit_code"] != 0)
    print(f"{OUT.relative_to(REPO)}/answers.jsonl: {len(records)} cases ({failed} refused)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
