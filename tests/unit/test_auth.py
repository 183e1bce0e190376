"""Credentials, password checks and JWT validation (chronus.http.auth), worded as influxd words them."""

from __future__ import annotations

import base64
import ssl

import bcrypt
import jwt
import pytest

from chronus.config.sections import TLSConfig
from chronus.http import auth
from chronus.http.auth import AuthenticationError, Authenticator, Credentials, parse_credentials, verify_jwt
from chronus.meta.info import UserInfo
from chronus.server import apply_tls_settings

SECRET = "unit-secret"
NOW = 1_700_000_000


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def params(values: dict[str, str]):
    return lambda name: values.get(name, "")


class Users:
    """A user directory standing in for the meta client."""

    def __init__(self, *users: UserInfo) -> None:
        self.by_name = {u.name: u for u in users}

    def user(self, name: str) -> UserInfo | None:
        return self.by_name.get(name)

    def users(self) -> list[UserInfo]:
        return list(self.by_name.values())

    def admin_user_exists(self) -> bool:
        return any(u.admin for u in self.by_name.values())


def make_user(name: str, password: str, admin: bool = False) -> UserInfo:
    return UserInfo(name, bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode(), admin)


# -- parse_credentials ---------------------------------------------------------------------------------------


def test_url_parameters_win_over_the_header() -> None:
    got = parse_credentials(params({"u": "a", "p": "pa"}), basic("b", "pb"))
    assert got == Credentials("a", "pa")


def test_url_user_without_password_falls_back_to_the_header() -> None:
    assert parse_credentials(params({"u": "a"}), basic("b", "pb")) == Credentials("b", "pb")


def test_bearer_token() -> None:
    assert parse_credentials(params({}), "Bearer x.y.z") == Credentials(token="x.y.z")


def test_token_scheme_of_influxdb_1_8() -> None:
    assert parse_credentials(params({}), "Token user:pa:ss") == Credentials("user", "pa:ss")


def test_basic_scheme_is_case_insensitive() -> None:
    assert parse_credentials(params({}), "basic " + basic("b", "pb")[6:]) == Credentials("b", "pb")


@pytest.mark.parametrize("header", ["", "Basic !!!", "Bearer a b", "bearer x.y.z", "Token nocolon",
                                    "Basic " + base64.b64encode(b"nocolon").decode()])
def test_unparsable(header: str) -> None:
    with pytest.raises(AuthenticationError, match="^unable to parse authentication credentials$"):
        parse_credentials(params({}), header)


# -- passwords -----------------------------------------------------------------------------------------------


def test_password_check_and_failures() -> None:
    users = Users(make_user("alice", "right"))
    authenticator = Authenticator(users)
    assert authenticator.authenticate(Credentials("alice", "right")).name == "alice"
    for credentials in (Credentials("alice", "wrong"), Credentials("bob", "right")):
        with pytest.raises(AuthenticationError, match="^authorization failed$"):
            authenticator.authenticate(credentials)
    with pytest.raises(AuthenticationError, match="^username required$"):
        authenticator.authenticate(Credentials("", "right"))


def test_a_verified_password_skips_bcrypt_until_the_hash_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    user = make_user("alice", "right")
    users = Users(user)
    authenticator = Authenticator(users)
    calls = []
    real = bcrypt.checkpw
    monkeypatch.setattr(auth.bcrypt, "checkpw", lambda pw, h: calls.append(pw) or real(pw, h))
    assert not authenticator.is_quick(Credentials("alice", "right"))
    authenticator.authenticate(Credentials("alice", "right"))
    assert authenticator.is_quick(Credentials("alice", "right"))
    authenticator.authenticate(Credentials("alice", "right"))
    with pytest.raises(AuthenticationError):
        authenticator.authenticate(Credentials("alice", "wrong"))
    assert len(calls) == 1
    users.by_name["alice"] = make_user("alice", "new")  # SET PASSWORD: the old password no longer works
    with pytest.raises(AuthenticationError):
        authenticator.authenticate(Credentials("alice", "right"))
    assert len(calls) == 2


# -- JWT -----------------------------------------------------------------------------------------------------


def token(claims: dict, secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def bearer(authenticator: Authenticator, value: str) -> UserInfo:
    return authenticator.authenticate(Credentials(token=value))


@pytest.fixture
def jwt_auth() -> Authenticator:
    return Authenticator(Users(make_user("alice", "pw")), SECRET, clock=lambda: NOW)


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_valid_tokens(jwt_auth: Authenticator, algorithm: str) -> None:
    value = token({"username": "alice", "exp": NOW + 1}, algorithm=algorithm)
    assert bearer(jwt_auth, value).name == "alice"


@pytest.mark.parametrize(("claims", "secret", "message"), [
    ({"username": "alice", "exp": NOW - 1}, SECRET, "Token is expired"),
    ({"username": "alice", "exp": NOW - 1}, "other", "signature is invalid"),
    ({"username": "alice", "exp": NOW + 9, "iat": NOW + 5}, SECRET, "Token used before issued"),
    ({"username": "alice", "exp": NOW - 1, "nbf": NOW + 5}, SECRET, "Token is not valid yet"),
    ({"username": "alice"}, SECRET, "token expiration required"),
    ({"username": "alice", "exp": 0}, SECRET, "token expiration required"),
    ({"username": "alice", "exp": True}, SECRET, "token expiration required"),
    ({"exp": NOW + 1}, SECRET, "username in token must be a string"),
    ({"username": "", "exp": NOW + 1}, SECRET, "token must contain a username"),
    ({"username": "bob", "exp": NOW + 1}, SECRET, "user not found"),
])
def test_refused_tokens(jwt_auth: Authenticator, claims: dict, secret: str, message: str) -> None:
    with pytest.raises(AuthenticationError) as caught:
        bearer(jwt_auth, token(claims, secret))
    assert str(caught.value) == message


def segment(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).decode().rstrip("=")


def unsigned(header: bytes, claims: bytes = b"{}") -> str:
    return f"{segment(header)}.{segment(claims)}."


@pytest.mark.parametrize(("value", "message"), [
    ("a.b", "token contains an invalid number of segments"),
    ("a.b.c", "illegal base64 data at input byte 1"),
    ("a!bc.b.c", "illegal base64 data at input byte 1"),
    (unsigned(b'{"alg":"none"}'), "unexpected signing method: none"),
    (unsigned(b'{"alg":"RS256"}'), "unexpected signing method: RS256"),
    (unsigned(b'{"alg":"XX1"}'), "signing method (alg) is unavailable."),
    (unsigned(b"{}"), "signing method (alg) is unspecified."),
    (unsigned(b"nope"), "invalid character 'n' looking for beginning of value"),
    (unsigned(b'{"alg":"HS256"}', b"[1]"),
     "json: cannot unmarshal array into Go value of type jwt.MapClaims"),
])
def test_malformed_tokens(value: str, message: str) -> None:
    with pytest.raises(AuthenticationError) as caught:
        verify_jwt(value, SECRET.encode(), NOW)
    assert str(caught.value) == message


def test_bearer_needs_a_shared_secret() -> None:
    with pytest.raises(AuthenticationError, match="^bearer auth disabld$"):
        bearer(Authenticator(Users()), token({"username": "alice", "exp": NOW + 1}))


# -- TLS settings --------------------------------------------------------------------------------------------


def test_tls_settings_apply_versions_and_go_cipher_names() -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    apply_tls_settings(context, TLSConfig(ciphers=["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
                                          min_version="tls1.2", max_version="tls1.2"))
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.maximum_version == ssl.TLSVersion.TLSv1_2
    tls12 = sorted(c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.2")
    assert tls12 == ["ECDHE-RSA-AES128-GCM-SHA256"]
