"""influxd's CORS: fixed headers on every routed answer to a request with a non-empty ``Origin``.

influxd 1.6.7 has no CORS settings: it echoes the ``Origin`` and allows the same methods and headers
everywhere. Pre-flight ``OPTIONS`` exists only for ``/query`` and ``/write`` (200, empty body, never
authenticated); on other routes ``OPTIONS`` is a 405 like any unregistered method. Go's plain 404 and 405
answers, and the ``/debug/*`` pages, are outside the router and carry no CORS headers.
"""

from __future__ import annotations

ALLOW_METHODS = "DELETE, GET, OPTIONS, POST, PUT"
ALLOW_HEADERS = ("Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, X-CSRF-Token, "
                 "X-HTTP-Method-Override")
EXPOSE_HEADERS = "Date, X-InfluxDB-Version, X-InfluxDB-Build"


def cors_headers(origin: str) -> dict[str, str]:
    """The headers influxd adds for ``origin`` (none when it is empty)."""
    if not origin:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ALLOW_METHODS,
        "Access-Control-Allow-Headers": ALLOW_HEADERS,
        "Access-Control-Expose-Headers": EXPOSE_HEADERS,
    }
