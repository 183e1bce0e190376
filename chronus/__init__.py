"""Chronus: a drop-in replacement for InfluxDB 1.x's ``influxd``, clusterable."""

__version__ = "0.1.0"

# The InfluxDB release whose behaviour (API, messages, files) Chronus reproduces.
INFLUXDB_COMPAT_VERSION = "1.6.7"
