"""Errors that reach users, carrying the HTTP status influxd answers them with."""

from __future__ import annotations


class WriteError(Exception):
    """A write refused as a whole or in part; ``status`` is the HTTP code influxd answers with.

    ``dropped``: set for a partial write (influxd's ``PartialWriteError``), how many points it dropped.
    ``points``: how many points were handed to the writer (None: refused before that); with ``dropped``
    they make influxd's ``pointsWritten*`` counters.
    """

    def __init__(self, message: str, status: int = 400, dropped: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.dropped = dropped
        self.points: int | None = None
