"""Errors that reach users, carrying the HTTP status influxd answers them with."""

from __future__ import annotations


class WriteError(Exception):
    """A write refused as a whole or in part; ``status`` is the HTTP code influxd answers with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
