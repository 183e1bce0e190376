"""Who is asking: credentials from a request, checked against the users in meta, as influxd checks them.

Order of precedence (influxd's ``parseCredentials``, plus 1.8's ``Token`` scheme): ``u`` and ``p`` URL
parameters (both non-empty), then the ``Authorization`` header: ``Bearer <JWT>``, ``Token user:pass``,
``Basic``. Every failure is a 401 whose text is influxd's, including the JWT library's own wording
(``Token is expired``, ``signature is invalid``, ...).

bcrypt at cost 10 takes tens of milliseconds, so, like influxd's meta client, a successful password check is
remembered as a salted SHA-256 of the password for as long as the user's stored hash stays the same.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import bcrypt
from jwt.algorithms import HMACAlgorithm

from chronus.meta.info import UserInfo

UNPARSABLE = "unable to parse authentication credentials"
AUTHORIZATION_FAILED = "authorization failed"
USERNAME_REQUIRED = "username required"
BEARER_DISABLED = "bearer auth disabld"  # sic: influxd's spelling
USER_NOT_FOUND = "user not found"

HMAC_ALGORITHMS = {
    "HS256": HMACAlgorithm.SHA256, "HS384": HMACAlgorithm.SHA384, "HS512": HMACAlgorithm.SHA512,
}
# Signing methods the Go JWT library knows: a known non-HMAC one is "unexpected", others "unavailable".
KNOWN_ALGORITHMS = {*HMAC_ALGORITHMS, "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384",
                    "PS512", "none"}
_BASE64URL = frozenset(string.ascii_letters + string.digits + "-_")


class AuthenticationError(Exception):
    """Credentials missing, unparsable or wrong: a 401 with ``str()`` as the error."""


@dataclass(frozen=True)
class Credentials:
    """What the request presented: a user name and password, or a bearer token."""

    username: str = ""
    password: str = ""
    token: str | None = None  # set for ``Bearer``; the other fields are then empty


class UserSource(Protocol):
    """The users of meta (``MetaClient`` is one)."""

    def user(self, name: str) -> UserInfo | None: ...

    def users(self) -> list[UserInfo]: ...

    def admin_user_exists(self) -> bool: ...


def parse_credentials(params: Callable[[str], str], authorization: str) -> Credentials:
    """The request's credentials; ``params(name)`` reads a URL parameter. Raises ``AuthenticationError``."""
    username, password = params("u"), params("p")
    if username and password:
        return Credentials(username, password)
    if authorization:
        words = authorization.split(" ")
        if len(words) == 2 and words[0] == "Bearer":
            return Credentials(token=words[1])
        if len(words) == 2 and words[0] == "Token":
            name, colon, secret = words[1].partition(":")
            if colon:
                return Credentials(name, secret)
        basic = _basic_auth(authorization)
        if basic is not None:
            return Credentials(*basic)
    raise AuthenticationError(UNPARSABLE)


def _basic_auth(header: str) -> tuple[str, str] | None:
    """Go's ``Request.BasicAuth``: ``Basic`` (any case), standard base64 of ``user:password``."""
    if header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode("utf-8", "surrogateescape")
    except (binascii.Error, ValueError):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


class Authenticator:
    """Turns credentials into a user of meta, or raises ``AuthenticationError`` with influxd's text."""

    def __init__(self, users: UserSource, shared_secret: str = "",
                 clock: Callable[[], float] = time.time) -> None:
        self.users = users
        self.shared_secret = shared_secret
        self.clock = clock
        self._verified: dict[str, tuple[str, bytes, bytes]] = {}  # name -> (bcrypt hash, salt, digest)
        self._lock = threading.Lock()

    def authenticate(self, credentials: Credentials) -> UserInfo:
        if credentials.token is not None:
            return self._bearer(credentials.token)
        if not credentials.username:
            raise AuthenticationError(USERNAME_REQUIRED)
        user = self.users.user(credentials.username)
        if user is None or not self._password_matches(user, credentials.password):
            raise AuthenticationError(AUTHORIZATION_FAILED)
        return user

    def is_quick(self, credentials: Credentials) -> bool:
        """Whether ``authenticate`` can answer without bcrypt (worth running on the IOLoop itself)."""
        if credentials.token is not None or not credentials.username:
            return True
        user = self.users.user(credentials.username)
        if user is None:
            return True
        with self._lock:
            cached = self._verified.get(user.name)
        return cached is not None and cached[0] == user.hash

    def _password_matches(self, user: UserInfo, password: str) -> bool:
        secret = password.encode("utf-8", "surrogateescape")
        with self._lock:
            cached = self._verified.get(user.name)
        if cached is not None and cached[0] == user.hash:
            return hmac.compare_digest(cached[2], hashlib.sha256(cached[1] + secret).digest())
        try:
            if not bcrypt.checkpw(secret, user.hash.encode()):
                return False
        except ValueError:  # not a bcrypt hash
            return False
        salt = os.urandom(32)
        with self._lock:
            self._verified[user.name] = (user.hash, salt, hashlib.sha256(salt + secret).digest())
        return True

    def _bearer(self, token: str) -> UserInfo:
        if not self.shared_secret:
            raise AuthenticationError(BEARER_DISABLED)
        claims = verify_jwt(token, self.shared_secret.encode(), int(self.clock()))
        exp = claims.get("exp")
        if not _is_number(exp) or exp <= 0:
            raise AuthenticationError("token expiration required")
        username = claims.get("username")
        if not isinstance(username, str):
            raise AuthenticationError("username in token must be a string")
        if not username:
            raise AuthenticationError("token must contain a username")
        user = self.users.user(username)
        if user is None:
            raise AuthenticationError(USER_NOT_FOUND)
        return user


def verify_jwt(token: str, secret: bytes, now: int) -> dict[str, Any]:
    """The claims of an HMAC-signed JWT, checked in the Go library's order and failing with its words.

    A bad signature wins over a bad time claim; among time claims the last failing of exp, iat, nbf wins.
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise AuthenticationError("token contains an invalid number of segments")
    header = _json_segment(parts[0])
    claims = _json_segment(parts[1])
    if not isinstance(claims, dict):
        kind = _json_kind(claims)
        raise AuthenticationError(f"json: cannot unmarshal {kind} into Go value of type jwt.MapClaims")
    alg = header.get("alg") if isinstance(header, dict) else None
    if not isinstance(alg, str):
        raise AuthenticationError("signing method (alg) is unspecified.")
    if alg not in KNOWN_ALGORITHMS:
        raise AuthenticationError("signing method (alg) is unavailable.")
    if alg not in HMAC_ALGORITHMS:
        raise AuthenticationError(f"unexpected signing method: {alg}")
    problem = _time_claims_problem(claims, now)
    signature = _decode_segment(parts[2])
    if not HMACAlgorithm(HMAC_ALGORITHMS[alg]).verify(f"{parts[0]}.{parts[1]}".encode(), secret, signature):
        problem = "signature is invalid"
    if problem:
        raise AuthenticationError(problem)
    return claims


def _time_claims_problem(claims: dict[str, Any], now: int) -> str:
    """The Go library's ``MapClaims.Valid``: a claim that is absent, not a number, or 0 is not checked."""
    exp, iat, nbf = (int(v) if _is_number(v) else 0 for v in map(claims.get, ("exp", "iat", "nbf")))
    problem = ""
    if exp and now > exp:
        problem = "Token is expired"
    if iat and now < iat:
        problem = "Token used before issued"
    if nbf and now < nbf:
        problem = "Token is not valid yet"
    return problem


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "number" if value is not None else "null"


def _json_segment(segment: str) -> Any:
    raw = _decode_segment(segment)
    try:
        return json.loads(raw)
    except ValueError:
        text = raw.lstrip(b" \t\r\n")
        if not text:
            raise AuthenticationError("unexpected end of JSON input") from None
        first = chr(text[0]) if text[0] < 0x80 else "\\ufffd"
        raise AuthenticationError(f"invalid character '{first}' looking for beginning of value") from None


def _decode_segment(segment: str) -> bytes:
    """Base64url with the padding the Go library adds back; errors name the offending byte as Go does."""
    padded = segment + "=" * (-len(segment) % 4)
    for index, char in enumerate(padded):
        if char in _BASE64URL:
            continue
        position = index % 4
        if char != "=" or position < 2:
            raise AuthenticationError(f"illegal base64 data at input byte {index}")
        tail = padded[index:]
        quantum_end = index - position + 4
        if tail != "=" * len(tail) or quantum_end != len(padded):
            offset = min(quantum_end, len(padded) - 1)
            raise AuthenticationError(f"illegal base64 data at input byte {offset}")
        break
    return base64.urlsafe_b64decode(padded)
