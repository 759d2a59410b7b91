"""mhsync's own HTTP/1.1 transport against real sockets: what could break when httpcore and h11
are no longer in the path.

Each test runs a small server on 127.0.0.1 that answers with exactly the bytes the case needs
(a keep-alive answer then a close, a body cut short, a trickle, a malformed header...), and
checks that the transport raises the httpx exception httpcore would have raised, so that
``client/retry.py`` classifies the failure as before, and that keep-alive, the size cap, the
deadline and the pool behave.
"""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from mhsync.client import ApiClient, ResponseLimits, RetryPolicy, Token
from mhsync.client import transport as lean
from mhsync.client.transport import LeanTransport, proxy_configured
from mhsync.errors import ApiError, ConnectionFailedError, OutcomeUnknownError
from tests.python_calls import python_calls

from .conftest import MARKER, FakeTime, policy

Serve = Callable[[socket.socket, int], None]
WAIT = 5.0


class RawServer:
    """A TCP server on 127.0.0.1 running ``serve(connection, number)`` per connection."""

    def __init__(self, serve: Serve) -> None:
        self.serve = serve
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> RawServer:
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self.threads.append(accept)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in list(self.threads):
            thread.join(timeout=WAIT)
        self.listener.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            worker = threading.Thread(
                target=self._run, args=(connection, self.connections), daemon=True
            )
            self.threads.append(worker)
            worker.start()

    def _run(self, connection: socket.socket, number: int) -> None:
        connection.settimeout(WAIT)
        try:
            self.serve(connection, number)
        except OSError:
            pass
        finally:
            connection.close()


def read_request(connection: socket.socket) -> bytes:
    """One request's head (and its Content-Length body); b"" when the client closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = connection.recv(65536)
        if not more:
            return b""
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
            while len(body) < length:
                body += connection.recv(65536)
    return head


def path_of(head: bytes) -> str:
    return head.split(b" ")[1].decode()


def answer(body: Any = None, *, extra: bytes = b"", status: bytes = b"200 OK") -> bytes:
    content = json.dumps({"data": body}).encode()
    return (
        b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n%s\r\n%s" % (len(content), extra, content)
    )


def keep_alive(connection: socket.socket, number: int) -> None:
    """Answer every request on the connection with its own path, until the client closes."""
    for _ in range(1000):
        head = read_request(connection)
        if not head:
            return
        connection.sendall(answer({"path": path_of(head), "connection": number}))


@pytest.fixture
def serve() -> Iterator[Callable[[Serve], RawServer]]:
    servers: list[RawServer] = []

    def start(handler: Serve) -> RawServer:
        server = RawServer(handler).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy variable of the machine running the tests may take the lean transport away."""
    import os

    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)


def api(server: RawServer, **kwargs: Any) -> ApiClient:
    kwargs.setdefault("retry", RetryPolicy.no_retry())
    client = ApiClient(server.url + "/api/v1", Token(MARKER), **kwargs)
    assert isinstance(client._http._transport, LeanTransport)
    return client


# -- keep-alive -----------------------------------------------------------------------------


def test_one_connection_carries_every_request(serve: Callable[[Serve], RawServer]) -> None:
    server = serve(keep_alive)
    with api(server) as client:
        got = [client.get(f"/agents/a-{i}") for i in range(5)]
    assert [g["path"] for g in got] == [f"/api/v1/agents/a-{i}" for i in range(5)]
    assert server.connections == 1


def test_a_connection_the_server_closed_while_idle_is_not_reused(
    serve: Callable[[Serve], RawServer],
) -> None:
    """The server answers keep-alive, then closes while the connection sits in the pool: the
    POST that follows goes on a new connection and is answered (never 'outcome unknown')."""
    closed = threading.Event()

    def once(connection: socket.socket, number: int) -> None:
        head = read_request(connection)
        connection.sendall(answer({"n": number, "path": path_of(head)}))
        if number == 1:
            connection.shutdown(socket.SHUT_RDWR)
            connection.close()
            closed.set()
            return
        keep_alive(connection, number)

    server = serve(once)
    with api(server) as client:
        assert client.get("/agents")["n"] == 1
        assert closed.wait(WAIT)
        time.sleep(0.05)
        assert client.post("/agents", {"name": "a"})["n"] == 2
    assert server.connections == 2


def test_an_answer_with_connection_close_is_not_reused(
    serve: Callable[[Serve], RawServer],
) -> None:
    def close_each(connection: socket.socket, number: int) -> None:
        read_request(connection)
        connection.sendall(answer({"n": number}, extra=b"Connection: close\r\n"))

    server = serve(close_each)
    with api(server) as client:
        assert [client.get("/agents")["n"] for _ in range(3)] == [1, 2, 3]
    assert server.connections == 3


def test_a_chunked_answer_with_extensions_and_trailer(serve: Callable[[Serve], RawServer]) -> None:
    body = json.dumps({"data": {"items": list(range(50))}}).encode()
    parts = [body[:7], body[7:30], body[30:]]

    def chunked(connection: socket.socket, number: int) -> None:
        for _ in range(2):
            read_request(connection)
            connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for index, part in enumerate(parts):
                ext = b";name=value" if index == 1 else b""
                connection.sendall(b"%x%s\r\n%s\r\n" % (len(part), ext, part))
                time.sleep(0.01)
            connection.sendall(b"0\r\nX-Trailer: yes\r\n\r\n")

    server = serve(chunked)
    with api(server) as client:
        assert client.get("/agents") == {"items": list(range(50))}
        assert client.get("/agents") == {"items": list(range(50))}
    assert server.connections == 1


def test_a_gzip_answer_is_decoded(serve: Callable[[Serve], RawServer]) -> None:
    body = gzip.compress(json.dumps({"data": {"items": ["x" * 50] * 40}}).encode())

    def gzipped(connection: socket.socket, number: int) -> None:
        head = read_request(connection)
        assert b"gzip" in head.lower()
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s"
            % (len(body), body)
        )

    with api(serve(gzipped)) as client:
        assert client.get("/agents") == {"items": ["x" * 50] * 40}


def test_an_http_1_0_answer_read_until_close(serve: Callable[[Serve], RawServer]) -> None:
    def old(connection: socket.socket, number: int) -> None:
        read_request(connection)
        connection.sendall(b'HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{"data": ')
        time.sleep(0.02)
        connection.sendall(b'{"n": %d}}' % number)

    server = serve(old)
    with api(server) as client:
        assert [client.get("/agents")["n"] for _ in range(2)] == [1, 2]


# -- an answer cut short --------------------------------------------------------------------


def _cut_mid_body(connection: socket.socket, number: int) -> None:
    read_request(connection)
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b'{"data": ')


def _no_answer(connection: socket.socket, number: int) -> None:
    read_request(connection)


@pytest.mark.parametrize("serve_one", [_cut_mid_body, _no_answer], ids=["mid-body", "no-answer"])
def test_a_server_closing_mid_answer_is_a_remote_protocol_error(
    serve: Callable[[Serve], RawServer], serve_one: Serve, fake_time: FakeTime
) -> None:
    server = serve(serve_one)
    with httpx.Client(transport=LeanTransport()) as plain, pytest.raises(httpx.RemoteProtocolError):
        plain.get(server.url + "/")
    with api(server) as client, pytest.raises(OutcomeUnknownError):
        client.post("/agents", {"name": "a"})
    before = server.connections
    with (
        api(server, retry=policy(fake_time, max_attempts=2)) as client,
        pytest.raises(ConnectionFailedError),
    ):
        client.get("/agents")
    assert server.connections - before == 2  # the GET was retried, on a new connection


# -- timeouts and connection failures, as httpx's classes ------------------------------------


def test_a_silent_server_is_a_read_timeout(serve: Callable[[Serve], RawServer]) -> None:
    server = serve(lambda connection, number: (read_request(connection), server.stop.wait(WAIT)))
    with httpx.Client(transport=LeanTransport(), timeout=httpx.Timeout(5, read=0.2)) as plain:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            plain.get(server.url + "/")
    assert time.monotonic() - started < 2


def test_a_server_that_never_reads_is_a_write_timeout(serve: Callable[[Serve], RawServer]) -> None:
    server = serve(lambda connection, number: server.stop.wait(WAIT))
    with (
        httpx.Client(transport=LeanTransport(), timeout=httpx.Timeout(5, write=0.3)) as plain,
        pytest.raises(httpx.WriteTimeout),
    ):
        plain.post(server.url + "/", content=b"x" * (64 * 2**20))


def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    with httpx.Client(transport=LeanTransport()) as plain, pytest.raises(httpx.ConnectError):
        plain.get(f"http://127.0.0.1:{port}/")


def test_a_connect_that_times_out_is_a_connect_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    def hang(*args: Any, **kwargs: Any) -> socket.socket:
        raise TimeoutError("timed out")

    monkeypatch.setattr(lean.socket, "create_connection", hang)
    with httpx.Client(transport=LeanTransport()) as plain, pytest.raises(httpx.ConnectTimeout):
        plain.get("http://127.0.0.1:9/")


def test_a_failed_tls_handshake_is_a_connect_error(serve: Callable[[Serve], RawServer]) -> None:
    server = serve(lambda connection, number: connection.sendall(b"HTTP/1.1 400 No\r\n\r\n"))
    with httpx.Client(transport=LeanTransport()) as plain, pytest.raises(httpx.ConnectError):
        plain.get(f"https://127.0.0.1:{server.port}/")


def test_a_full_pool_is_a_pool_timeout(
    serve: Callable[[Serve], RawServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lean, "MAX_CONNECTIONS", 1)
    server = serve(keep_alive)
    transport = LeanTransport()
    with httpx.Client(transport=transport, timeout=httpx.Timeout(5, pool=0.2)) as plain:
        with plain.stream("GET", server.url + "/one") as held:
            assert held.status_code == 200
            with pytest.raises(httpx.PoolTimeout):
                plain.get(server.url + "/two")
        assert plain.get(server.url + "/three").json()["data"]["path"] == "/three"


def test_a_trickle_is_cut_at_the_request_deadline(serve: Callable[[Serve], RawServer]) -> None:
    """Each byte arrives well within the read timeout; the deadline still ends the request."""

    def trickle(connection: socket.socket, number: int) -> None:
        read_request(connection)
        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" + b"x" * 10:
            if server.stop.wait(0.1):
                return
            connection.sendall(bytes([byte]))

    server = serve(trickle)
    started = time.monotonic()
    with (
        api(server, limits=ResponseLimits(deadline=0.5)) as client,
        pytest.raises(ConnectionFailedError, match="deadline"),
    ):
        client.get("/agents")
    assert time.monotonic() - started < 3


def test_the_size_cap_stops_reading_an_endless_answer(serve: Callable[[Serve], RawServer]) -> None:
    sent = [0]

    def endless(connection: socket.socket, number: int) -> None:
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
        for _ in range(4000):
            connection.sendall(chunk)
            sent[0] += 1

    server = serve(endless)
    with (
        api(server, limits=ResponseLimits(max_response_bytes=100_000)) as client,
        pytest.raises(ApiError, match="cap"),
    ):
        client.get("/agents")
    server.__exit__()
    assert sent[0] < 4000  # the client stopped reading and closed: the server's send failed


# -- secrets --------------------------------------------------------------------------------


def test_a_malformed_answer_echoing_the_token_names_no_secret(
    serve: Callable[[Serve], RawServer],
) -> None:
    echo = b"HTTP/1.1 200 OK\r\nX-Echo: Bearer " + MARKER.encode() + b"\x00\r\n\r\n"
    server = serve(lambda connection, number: (read_request(connection), connection.sendall(echo)))
    with (
        httpx.Client(transport=LeanTransport()) as plain,
        pytest.raises(httpx.RemoteProtocolError) as raised,
    ):
        plain.get(server.url + "/")
    assert MARKER not in str(raised.value) and MARKER not in repr(raised.value)
    with api(server) as client, pytest.raises(ApiError) as api_error:
        client.get("/agents")
    assert MARKER not in str(api_error.value) and MARKER not in repr(api_error.value)


# -- which transport, and its TLS ------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "proxied"),
    [
        ({}, False),
        ({"HTTPS_PROXY": "http://proxy.example:3128"}, True),
        ({"http_proxy": "proxy.example:3128"}, True),
        ({"ALL_PROXY": "http://proxy.example:3128"}, True),
        ({"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": "*"}, False),
        ({"NO_PROXY": "example.com"}, False),
        ({"FTP_PROXY": "http://proxy.example"}, False),
    ],
)
def test_a_proxy_variable_keeps_httpx_own_transport(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], proxied: bool
) -> None:
    """With a transport passed in, httpx ignores the proxy environment: so with a proxy set,
    ApiClient leaves the transport (and its proxy mounts) to httpx."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert proxy_configured() is proxied
    with ApiClient("https://tenant.mindhunters.test/api/v1", Token(MARKER)) as client:
        chosen = client._http._transport
        assert isinstance(chosen, httpx.HTTPTransport if proxied else LeanTransport)
        assert bool(client._http._mounts) is proxied or "NO_PROXY" in env


def test_a_transport_passed_in_is_used_as_is() -> None:
    mock = httpx.MockTransport(lambda request: httpx.Response(200, json={"data": 1}))
    with ApiClient("https://tenant.mindhunters.test/api/v1", Token(MARKER), transport=mock) as c:
        assert c._http._transport is mock
        assert c.get("/agents") == 1


def test_the_tls_context_is_httpx_verify_true() -> None:
    """The same verification as httpx's own transport: CA bundle, hostname check, options."""
    ours = LeanTransport().ssl_context()
    theirs = httpx.HTTPTransport()._pool._ssl_context
    assert isinstance(theirs, ssl.SSLContext)
    assert ours.verify_mode == theirs.verify_mode == ssl.CERT_REQUIRED
    assert ours.check_hostname is theirs.check_hostname is True
    assert ours.options == theirs.options
    assert ours.minimum_version == theirs.minimum_version
    assert ours.maximum_version == theirs.maximum_version
    assert ours.verify_flags == theirs.verify_flags
    assert ours.get_ca_certs() == theirs.get_ca_certs() != []


# -- many threads, one pool ----------------------------------------------------------------


def test_the_pool_is_safe_under_parallel_use(serve: Callable[[Serve], RawServer]) -> None:
    server = serve(keep_alive)
    paths = [f"/agents/a-{i}/intents" for i in range(320)]
    with api(server) as client, ThreadPoolExecutor(16) as pool:
        got = list(pool.map(client.get, paths))
        transport = client._http._transport
        assert isinstance(transport, LeanTransport)
        assert transport._open == transport._idle_count <= 16
    assert [g["path"] for g in got] == ["/api/v1" + p for p in paths]
    assert server.connections <= 16


# -- cost ------------------------------------------------------------------------------------

CALLS_PER_SOCKET_GET = 150
"""A bound on the Python calls of one GET through ``ApiClient`` on its default transport,
over a real keep-alive socket (the server runs in other threads, which the count does not
see). Before this transport (httpx's own, httpcore and h11, and httpx's URL parser for every
request) one GET took about 780; httpx's transport with today's request building takes about
570; this one takes about 130 (the body read from the stream itself when nothing needs
decoding: ``limits._decoded``)."""


def test_a_get_over_a_socket_costs_a_bounded_number_of_python_calls(
    serve: Callable[[Serve], RawServer],
) -> None:
    server = serve(keep_alive)
    with api(server) as client:
        client.get("/agents/a-1/intents", {"per_page": 100})  # warm: connect, first-call caches

        def gets() -> None:
            for page in range(20):
                client.get("/agents/a-1/intents", {"per_page": 100, "page": page + 1})

        per_get = python_calls(gets) / 20
    assert per_get <= CALLS_PER_SOCKET_GET, per_get
