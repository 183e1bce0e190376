"""A real Chronus server with authentication on: what it stores and logs, 1.8's additions, and HTTPS.

HTTPS is checked with the real ``influx -ssl -unsafeSsl`` CLI and the ``influxdb`` Python client against a
self-signed certificate made for the test by ``openssl req``.
"""

from __future__ import annotations

import base64
import json
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import influxdb
import pytest

from tests.integration.servers import ChronusProcess

ADMIN_PASSWORD = "Adm1n-Plain-Text!"
WRITER_PASSWORD = "Wr1ter-Plain-Text!"
INFLUX_CLI = "/usr/bin/influx"


def request(url: str, method: str = "GET", body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def query(server: ChronusProcess, text: str, **params: str) -> tuple[int, str]:
    return request(f"{server.url}/query?" + urllib.parse.urlencode({"q": text, **params}), method="POST")


@pytest.fixture(scope="module")
def server() -> Iterator[ChronusProcess]:
    with ChronusProcess(http_extra="  auth-enabled = true\n") as process:
        create = f"CREATE USER admin WITH PASSWORD '{ADMIN_PASSWORD}' WITH ALL PRIVILEGES"
        assert query(process, create)[0] == 200
        admin = {"u": "admin", "p": ADMIN_PASSWORD}
        for text in ("CREATE DATABASE db0", f"CREATE USER writer WITH PASSWORD '{WRITER_PASSWORD}'",
                     "GRANT WRITE ON db0 TO writer"):
            assert query(process, text, **admin) == (200, '{"results":[{"statement_id":0}]}\n')
        yield process


def test_meta_store_holds_bcrypt_hashes_only(server: ChronusProcess) -> None:
    server.stop()
    try:
        stored = b"".join(path.read_bytes() for path in (server.root / "meta").rglob("*") if path.is_file())
    finally:
        server.start()
    assert ADMIN_PASSWORD.encode() not in stored
    assert WRITER_PASSWORD.encode() not in stored
    assert stored.count(b"$2a$10$") + stored.count(b"$2b$10$") == 2


def test_passwords_never_reach_the_log(server: ChronusProcess) -> None:
    assert query(server, "SHOW DATABASES", u="admin", p=ADMIN_PASSWORD)[0] == 200
    assert query(server, "SHOW DATABASES", u="admin", p="Wr0ng-Guess-Pw")[0] == 401
    log = (server.root / "influxd.log").read_text(errors="replace")
    assert "SHOW+DATABASES" in log or "SHOW%20DATABASES" in log
    for secret in (ADMIN_PASSWORD, urllib.parse.quote_plus(ADMIN_PASSWORD), "Wr0ng-Guess-Pw"):
        assert secret not in log


def test_token_scheme_and_v2_write(server: ChronusProcess) -> None:
    """InfluxDB 1.8's ``Authorization: Token user:pass`` and its /api/v2/write, both authenticated."""
    token = {"Authorization": f"Token writer:{WRITER_PASSWORD}"}
    url = f"{server.url}/api/v2/write?bucket=db0/autogen"
    assert request(url, "POST", b"m v=1 1", token) == (204, "")
    unparsable = '{"error":"unable to parse authentication credentials"}\n'
    assert request(url, "POST", b"m v=1 1") == (401, unparsable)
    wrong = {"Authorization": "Token writer:nope"}
    assert request(url, "POST", b"m v=1 1", wrong) == (401, '{"error":"authorization failed"}\n')
    status, body = request(f"{server.url}/query?q=SELECT+*+FROM+m&db=db0", headers=token)
    assert (status, body) == (403, json.dumps({
        "error": "error authorizing query: writer not authorized to execute statement 'SELECT * FROM m', "
                 "requires READ on db0"}, separators=(",", ":")) + "\n")


def test_open_routes_stay_open(server: ChronusProcess) -> None:
    assert request(f"{server.url}/ping")[0] == 204
    assert request(f"{server.url}/health")[0] == 200
    assert request(f"{server.url}/debug/vars")[0] == 200  # influxd 1.6.7 never authenticates /debug/*


# -- HTTPS ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


class HTTPSChronus(ChronusProcess):
    """``ChronusProcess`` over HTTPS (its start-up ping trusts the certificate through ``SSL_CERT_FILE``)."""

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.http_port}"


@pytest.fixture(scope="module")
def https_server(certificate: tuple[Path, Path]) -> Iterator[HTTPSChronus]:
    cert, key = certificate
    extra = (f'  auth-enabled = true\n  https-enabled = true\n  https-certificate = "{cert}"\n'
             f'  https-private-key = "{key}"\n')
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SSL_CERT_FILE", str(cert))
        with HTTPSChronus(http_extra=extra) as process:
            status, _ = request(f"{process.url}/query?" + urllib.parse.urlencode(
                {"q": f"CREATE USER admin WITH PASSWORD '{ADMIN_PASSWORD}' WITH ALL PRIVILEGES"}), "POST")
            assert status == 200
            yield process


def test_influx_cli_over_https(https_server: HTTPSChronus) -> None:
    base = [INFLUX_CLI, "-ssl", "-unsafeSsl", "-host", "127.0.0.1", "-port", str(https_server.http_port),
            "-username", "admin", "-password", ADMIN_PASSWORD]
    done = subprocess.run([*base, "-execute", "CREATE DATABASE tls_db"], capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    done = subprocess.run([*base, "-execute", "SHOW DATABASES", "-format", "json"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0
    assert json.loads(done.stdout) == {"results": [{"series": [
        {"name": "databases", "columns": ["name"], "values": [["tls_db"]]}]}]}
    refused = subprocess.run([*base[:-1], "wrong", "-execute", "SHOW DATABASES"], capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 1
    assert "authorization failed" in refused.stderr + refused.stdout


def test_python_client_over_https(https_server: HTTPSChronus) -> None:
    client = influxdb.InfluxDBClient("127.0.0.1", https_server.http_port, "admin", ADMIN_PASSWORD,
                                     ssl=True, verify_ssl=False)
    client.create_database("py_db")
    assert client.write_points([{"measurement": "m", "fields": {"v": 1.5}, "time": 1_000_000_000}],
                               database="py_db", time_precision="n")
    assert list(client.query("SELECT v FROM m", database="py_db").get_points()) == [
        {"time": "1970-01-01T00:00:01Z", "v": 1.5}]
    stranger = influxdb.InfluxDBClient("127.0.0.1", https_server.http_port, "admin", "wrong", ssl=True,
                                       verify_ssl=False)
    with pytest.raises(influxdb.exceptions.InfluxDBClientError) as caught:
        stranger.query("SHOW DATABASES")
    assert caught.value.code == 401


def test_plain_http_is_not_served_on_the_https_port(https_server: HTTPSChronus) -> None:
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(f"http://127.0.0.1:{https_server.http_port}/ping", timeout=10)
