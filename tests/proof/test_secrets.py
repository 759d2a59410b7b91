"""Secrets never leave through output, logs, files or errors; the transport is never weakened.

Marker values stand for the API token, the webhook secrets and the intents' auth tokens. After
every command a user runs (plan in each format, a saved plan, ``--debug`` apply, export, drift,
pull, rollback, doctor) and after forced errors (401, a server that echoes the request body and
the Authorization header in a 422, connection refused, a POST whose answer is lost), no marker
appears in stdout, stderr, the debug log, or any file under the project (plan files, snapshots
in ``.mhsync/snapshots/``, exports, pulled manifests), nor in an exception's text.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import re
import socket
import ssl
import threading
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mhsync.client import ApiClient, RetryPolicy, Token
from mhsync.errors import ApiError, ConfigError, MhsyncError
from mhsync.sandbox import Sandbox
from mhsync.workflows.plan import PlanRequest, make_plan
from mhsync.workspace import resolve_workspace
from tests.proof.conftest import MARKERS, REPO, SECRETS, TOKEN, Result, make_project, mh
from tests.proof.hostile import hostile_server

pytestmark = pytest.mark.usefixtures("proof_env")


def leaks(*texts: str) -> list[str]:
    return [marker for marker in MARKERS for text in texts if marker in text]


def files_leaking(root: Path) -> list[str]:
    """Every file under ``root`` (snapshots, plan files, exports included) holding a marker."""
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            content = path.read_bytes().decode("utf-8", "replace")
            found += [f"{path.relative_to(root)}: {m}" for m in leaks(content)]
    return found


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(db_path=str(tmp_path / "remote.db"), tokens=[TOKEN])
    with sandbox.serve_in_thread() as base_url:
        yield sandbox, base_url
    sandbox.close()


def test_no_secret_in_any_output_log_or_file(
    tmp_path: Path,
    served: tuple[Sandbox, str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    root = make_project(tmp_path / "project", served[1])
    monkeypatch.chdir(root)
    results: list[Result] = [
        mh("plan"),
        mh("plan", "--json"),
        mh("plan", "--markdown"),
        mh("plan", "--out", "saved-plan.json"),
        mh("--debug", "apply", "--auto-approve"),
        mh("--debug", "plan", "--json"),
        mh("export", "--all", "--output", "exported"),
        mh("drift"),
        mh("drift", "--json"),
    ]
    webhooks = root / "agents" / "volvo-service.yaml"
    text = webhooks.read_text(encoding="utf-8")
    assert text.count("crm.example-dealer.se") == 1
    webhooks.write_text(text.replace("crm.example-dealer.se", "crm2.example.se"), encoding="utf-8")
    results.append(mh("--debug", "apply", "--auto-approve"))
    snapshots = sorted((root / ".mhsync" / "snapshots").iterdir())
    assert snapshots, "apply saves a snapshot first"
    # A snapshot holds write-only secrets as placeholders; rollback takes them from the
    # environment, here the same marker values, so its output is checked for them too.
    placeholders = set(
        re.findall(
            r"\$\{env:(MHSYNC_SECRET_\w+)\}",
            "".join(p.read_text(encoding="utf-8") for p in snapshots[-1].rglob("*.yaml")),
        )
    )
    assert placeholders, "the snapshot holds the webhook secrets as placeholders"
    for name in placeholders:
        monkeypatch.setenv(name, SECRETS["VOLVO_CRM_WEBHOOK_SECRET"])
    results += [mh("--debug", "rollback", str(snapshots[-1]), "--auto-approve")]
    results += [mh("pull"), mh("--debug", "doctor")]
    # Every command must have done its work, or its output proves nothing.
    assert [r.code for r in results] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [
        (r.code, r.text[-500:]) for r in results
    ]
    assert leaks(*(r.text for r in results), caplog.text) == []
    assert files_leaking(root) == []
    assert "GET /agents" in caplog.text  # the debug log was really captured


def test_401_names_the_problem_not_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = Sandbox(db_path=":memory:", tokens=["another-token"])
    with sandbox.serve_in_thread() as base_url:
        root = make_project(tmp_path / "project", base_url)
        monkeypatch.chdir(root)
        result = mh("--debug", "plan")
        assert result.code == 1
        assert "401" in result.err and "INVALID_AUTH_TOKEN" in result.err
        assert leaks(result.text) == []
        with pytest.raises(ApiError) as caught:
            make_plan(resolve_workspace(cwd=root), PlanRequest())
    sandbox.close()
    assert leaks(*_exception_texts(caught.value)) == []


@pytest.mark.parametrize("drop", [False, True], ids=["422-echoing-body-and-header", "answer-lost"])
def test_a_server_echoing_secrets_cannot_make_mhsync_print_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, drop: bool
) -> None:
    caplog.set_level(logging.DEBUG)
    with hostile_server(drop=drop) as (base_url, received):
        root = make_project(tmp_path / "project", base_url)
        monkeypatch.chdir(root)
        result = mh("--debug", "apply", "--auto-approve")
    assert result.code == 1, result.text
    assert "failed" in result.text
    sent = "\n".join(received)
    assert any(value in sent for value in SECRETS.values()), "no secret reached the server"
    assert leaks(result.text, caplog.text) == []
    assert files_leaking(root) == []


def test_connection_refused_names_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    root = make_project(tmp_path / "project", f"http://127.0.0.1:{port}/api/v1")
    monkeypatch.chdir(root)
    result = mh("--debug", "plan")
    assert result.code == 1
    assert "no answer" in result.err
    assert leaks(result.text) == []
    client = ApiClient(
        f"http://127.0.0.1:{port}/api/v1", Token(TOKEN), retry=RetryPolicy.no_retry()
    )
    with client, pytest.raises(MhsyncError) as caught:
        client.get("/agents")
    assert leaks(*_exception_texts(caught.value)) == []


def _exception_texts(exc: BaseException) -> list[str]:
    return [str(exc), repr(exc), "".join(traceback.format_exception(exc))]


# --- transport ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/api/v1",
        "http://10.1.2.3/api/v1",
        "http://127.0.0.1.example.com/api/v1",
        "http://[fe80::1]/api/v1",
    ],
)
def test_plain_http_is_refused_for_non_loopback_hosts(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("no network here")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    with pytest.raises(ConfigError, match="refusing plain http://"):
        ApiClient(url, Token(TOKEN))
    root = make_project(tmp_path / "project", url)
    monkeypatch.chdir(root)
    result = mh("plan")
    assert result.code == 1 and "refusing plain http://" in result.err
    assert attempts == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/api/v1",
        "http://localhost:9/api/v1",
        "http://[::1]:9/api/v1",
        "http://127.8.9.10:9/api/v1",
    ],
)
def test_plain_http_is_allowed_for_loopback(url: str) -> None:
    ApiClient(url, Token(TOKEN)).close()


DISABLING = re.compile(
    r"verify\s*=\s*(?!True\b)|CERT_NONE|check_hostname\s*=\s*False|_create_unverified_context"
    r"|trust_env\s*=|INSECURE|NO_VERIFY|SKIP_VERIFY|TLS_VERIFY|PYTHONHTTPSVERIFY"
)


def test_no_code_path_turns_tls_verification_off() -> None:
    """The only TLS setting in mhsync is ``verify=True``; no option or variable weakens it."""
    hits = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in (REPO / "mhsync").rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if DISABLING.search(line)
    ]
    assert hits == []
    assert "verify=True" in (REPO / "mhsync" / "client" / "http.py").read_text(encoding="utf-8")


@pytest.fixture
def self_signed(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate: (base URL, its cert file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"success": true, "data": {"items": [], "last_page": 1, "current_page": 1}}'
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/api/v1", cert_file
    server.shutdown()
    server.server_close()


WEAKENING_ENV = {
    "PYTHONHTTPSVERIFY": "0",
    "MHSYNC_INSECURE": "1",
    "MHSYNC_TLS_VERIFY": "false",
    "REQUESTS_CA_BUNDLE": "",
    "CURL_CA_BUNDLE": "",
    "HTTPX_VERIFY": "0",
}


def test_an_untrusted_certificate_is_refused_whatever_the_environment(
    self_signed: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url, _ = self_signed
    for name, value in WEAKENING_ENV.items():
        monkeypatch.setenv(name, value)
    client = ApiClient(base_url, Token(TOKEN), retry=RetryPolicy.no_retry())
    with client, pytest.raises(ApiError, match=r"CERTIFICATE_VERIFY_FAILED"):
        client.get("/agents")


def test_trusting_a_ca_is_explicit_not_a_switch(
    self_signed: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``SSL_CERT_FILE`` (honoured by httpx) replaces the trusted CAs; it cannot turn checks off:
    a server whose certificate that CA signed is accepted, hostname checks included."""
    base_url, cert_file = self_signed
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    with ApiClient(base_url, Token(TOKEN), retry=RetryPolicy.no_retry()) as client:
        assert client.get("/agents") == {"items": [], "last_page": 1, "current_page": 1}
    localhost = base_url.replace("127.0.0.1", "localhost")  # not a name the certificate holds
    client = ApiClient(localhost, Token(TOKEN), retry=RetryPolicy.no_retry())
    with client, pytest.raises(ApiError, match=r"CERTIFICATE_VERIFY_FAILED"):
        client.get("/agents")
