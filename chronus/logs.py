"""Logging as ``[logging]`` asks: ``logfmt`` (the default ``auto`` picks it off a terminal), ``json`` or
``console``, at the configured level, one line per event with the same keys everywhere."""

from __future__ import annotations

import json
import logging
import sys
import time

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _timestamp(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs * 1000):06d}Z"


def _fields(record: logging.LogRecord) -> dict[str, object]:
    return {key: value for key, value in vars(record).items() if key not in _STANDARD_ATTRS}


def _logfmt_value(value: object) -> str:
    text = str(value)
    if text == "" or any(ch in text for ch in ' ="\\') or not text.isprintable():
        return json.dumps(text)
    return text


class LogfmtFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        parts = {
            "ts": _timestamp(record),
            "lvl": record.levelname.lower(),
            "msg": record.getMessage(),
            "log_id": record.name,
            **_fields(record),
        }
        line = " ".join(f"{key}={_logfmt_value(value)}" for key, value in parts.items())
        if record.exc_info:
            line += " error=" + _logfmt_value(self.formatException(record.exc_info))
        return line


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        obj = {
            "lvl": record.levelname.lower(),
            "ts": _timestamp(record),
            "msg": record.getMessage(),
            "log_id": record.name,
            **{k: str(v) for k, v in _fields(record).items()},
        }
        if record.exc_info:
            obj["error"] = self.formatException(record.exc_info)
        return json.dumps(obj)


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = "\t".join(f"{k}={v}" for k, v in _fields(record).items())
        line = f"{_timestamp(record)}\t{record.levelname.lower()}\t{record.getMessage()}"
        return f"{line}\t{extra}" if extra else line


def configure(log_format: str = "auto", level: str = "info") -> None:
    """Send Chronus's logs to stderr in ``log_format`` at ``level`` (influxd's names)."""
    if log_format == "json":
        formatter: logging.Formatter = JSONFormatter()
    elif log_format == "console" or (log_format == "auto" and sys.stderr.isatty()):
        formatter = ConsoleFormatter()
    else:
        formatter = LogfmtFormatter()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger("chronus")
    root.handlers[:] = [handler]
    root.propagate = False
    root.setLevel(
        {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING, "error": logging.ERROR}.get(
            level.lower(), logging.INFO
        )
    )
