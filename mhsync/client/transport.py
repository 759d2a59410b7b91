"""A lean HTTP/1.1 transport for httpx: the same exchange as httpx's own, for a third of its CPU.

httpx's default transport (httpcore's pool driving h11's state machine) spends about 1 ms of
CPU per request in Python: events, state transitions, header normalisation and trace hooks, more
than everything else mhsync does with an answer. :class:`LeanTransport` speaks the same
HTTP/1.1 over a plain socket (``ssl`` for https) with a small keep-alive pool, and keeps
every behaviour ``ApiClient`` relies on:

- timeouts: ``connect`` (TCP connect and TLS handshake), ``read`` and ``write`` (each socket
  wait), ``pool`` (waiting for a free connection), each also bounded by what remains of the
  thread's request deadline (:func:`mhsync.client.limits.deadline_bound`);
- failures raised as httpx's exception classes, mapped as httpx maps httpcore's:
  ``ConnectTimeout``/``ConnectError`` while connecting (TLS verification included),
  ``WriteTimeout``/``WriteError`` while sending, ``ReadTimeout``/``ReadError`` while
  receiving, ``RemoteProtocolError`` for a server that closes before or during its answer or
  sends what HTTP/1.1 does not allow, ``PoolTimeout``, ``LocalProtocolError`` for a request
  that cannot be written. As in httpcore, a write that fails is followed by an attempt to read
  the answer the server may have sent before closing, and that read's error is the one raised;
- TLS exactly as httpx's ``verify=True``: the context is ``httpx.create_ssl_context()``
  (certifi, or ``SSL_CERT_FILE``/``SSL_CERT_DIR``), with ALPN ``http/1.1`` as httpcore sets it;
- the body streamed as it arrives (``Content-Length``, chunked, or until the server closes),
  so a size cap stops reading early; the response parsed with h11's grammar (status line,
  header fields, obsolete line folding, one ``Content-Length``, ``Transfer-Encoding:
  chunked`` only, 1xx answers skipped, no body for HEAD, 204 and 304);
- keep-alive as httpcore keeps it: httpx's default limits (100 connections, 20 kept idle for
  5 s); a connection is reused only after a complete exchange, never after ``Connection:
  close``, an HTTP/1.0 answer or a body read until close, and never when, idle, it has become
  readable (the server closed it, or sent bytes nobody asked for);
- no secret in any error: messages name what was wrong, never a header value or a body.

It is used (:func:`default_transport`) when ``ApiClient`` is given no transport and no proxy
variable applies: with a transport passed in, httpx ignores the proxy environment, so with one
set httpx keeps its own transport and proxy mounts.
"""

from __future__ import annotations

import re
import select
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.request import getproxies

import httpx

from mhsync.client.limits import deadline_bound

MAX_CONNECTIONS = 100
MAX_KEEPALIVE = 20
KEEPALIVE_EXPIRY = 5.0
"""httpx's ``DEFAULT_LIMITS``: the pool httpx would have built."""
MAX_HEAD_BYTES = 100 * 1024
"""The longest status line and headers (or chunk header, or trailer) accepted, as httpcore."""
READ_BYTES = 64 * 1024
CONTENT_LENGTH_MAX_DIGITS = 20
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PROXY_SCHEMES = ("http", "https", "all")

# h11's grammar (RFC 9110/9112), as bytes patterns.
_TOKEN = rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+"
_FIELD_VCHAR = rb"[^\x00\s]"
_FIELD_VALUE = rb"(?:" + _FIELD_VCHAR + rb"+(?:[ \t]+" + _FIELD_VCHAR + rb"+)*)?"
_HEADER_LINE = re.compile(
    rb"(?P<name>" + _TOKEN + rb"):[ \t]*(?P<value>" + _FIELD_VALUE + rb")[ \t]*"
)
_STATUS_LINE = re.compile(
    rb"HTTP/(?P<version>[0-9]\.[0-9]) (?P<status>[0-9]{3})"
    rb"(?: (?P<reason>(?:[ \t]|" + _FIELD_VCHAR + rb")*))?"
)
_CHUNK_HEADER = re.compile(rb"(?P<size>[0-9A-Fa-f]{1,20})(?:;.*)?[ \t]*\r\n")
_NAME = re.compile(_TOKEN)
_VALUE = re.compile(_FIELD_VALUE)
_BLANK_LINE = re.compile(rb"\n\r?\n")
_LINE_END = re.compile(rb"\r?\n")
_OBS_FOLD = re.compile(rb"[ \t]+")
_DIGITS = re.compile(rb"[0-9]+")

_poll = getattr(select, "poll", None)

_LENGTH, _CHUNKED, _UNTIL_CLOSE = 0, 1, 2
"""How a response body is framed."""


def proxy_configured(environ: Mapping[str, str] | None = None) -> bool:
    """Whether httpx would route some request through a proxy from the environment.

    The same reading as httpx's: ``urllib.request.getproxies()`` (environment variables, and
    the system settings on macOS and Windows), its ``http``, ``https`` and ``all`` entries,
    and ``NO_PROXY=*`` switching them all off.
    """
    proxies = getproxies() if environ is None else _env_proxies(environ)
    if any(proxies.get(scheme) for scheme in _PROXY_SCHEMES):
        no_proxy = [host.strip() for host in proxies.get("no", "").split(",")]
        return "*" not in no_proxy
    return False


def _env_proxies(environ: Mapping[str, str]) -> dict[str, str]:
    """``getproxies_environment``'s reading of ``environ`` (lower case wins, as there)."""
    found: dict[str, str] = {}
    for name, value in environ.items():
        if value and name[-6:].lower() == "_proxy":
            found.setdefault(name[:-6].lower(), value)
    for name, value in environ.items():
        if value and name[-6:] == "_proxy":
            found[name[:-6]] = value
    return found


def default_transport() -> httpx.BaseTransport | None:
    """The transport ``ApiClient`` gives httpx: the lean one, or None (httpx's own) when a
    proxy from the environment may apply."""
    return None if proxy_configured() else LeanTransport()


class LeanTransport(httpx.BaseTransport):
    """A thread-safe HTTP/1.1 keep-alive pool for http and https (see the module docstring)."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self._waiting = 0
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._idle_count = 0
        self._open = 0
        self._closed = False

    def __repr__(self) -> str:
        return f"<LeanTransport [{self._open} open]>"

    # -- the exchange ---------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{scheme}'.")
        host = url.raw_host.decode("ascii")
        if not host:
            raise httpx.UnsupportedProtocol("Request URL is missing a host.")
        key = (scheme, host, url.port or _DEFAULT_PORTS[scheme])
        timeouts = request.extensions.get("timeout", {})
        head = _request_head(request)
        body, chunked = _request_body(request)
        connection = self._acquire(key, timeouts.get("pool"))
        try:
            if connection is None:
                sni = request.extensions.get("sni_hostname", host)
                connection = self._connect(key, sni, timeouts.get("connect"))
            read_timeout = timeouts.get("read")
            sent = connection.send(head, body, chunked, timeouts.get("write"))
            answer = _read_answer(connection, request.method, read_timeout)
        except BaseException:
            if connection is not None:
                connection.sock.close()
            self._forget()
            raise
        status, reason, version, headers, framing, length, keep = answer
        keep = keep and sent and not _asks_close(request)
        stream = _Body(self, connection, framing, length, keep, read_timeout)
        return httpx.Response(
            status,
            headers=headers,
            stream=stream,
            extensions={"http_version": b"HTTP/" + version, "reason_phrase": reason},
        )

    # -- the pool -------------------------------------------------------------------------

    def _acquire(self, key: tuple[str, str, int], timeout: float | None) -> _Connection | None:
        """An idle connection to ``key`` still fit for use, or None: the caller may open one."""
        ends = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while True:
                if self._closed:
                    raise RuntimeError("the transport is closed")
                idle = self._idle.get(key)
                while idle:
                    connection = idle.pop()
                    self._idle_count -= 1
                    if connection.fit():
                        return connection
                    connection.sock.close()
                    self._open -= 1
                if self._open < MAX_CONNECTIONS:
                    self._open += 1
                    return None
                if self._idle_count:
                    self._evict_one()
                    continue
                remaining = None if ends is None else ends - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise httpx.PoolTimeout("timed out waiting for a free connection")
                self._waiting += 1
                try:
                    self._freed.wait(remaining)
                finally:
                    self._waiting -= 1

    def _evict_one(self) -> None:
        """Close an idle connection to another origin, making room (as httpcore does)."""
        for idle in self._idle.values():
            if idle:
                idle.pop(0).sock.close()
                self._idle_count -= 1
                self._open -= 1
                return

    def _forget(self) -> None:
        """A connection counted as open was closed (or never opened)."""
        with self._lock:
            self._open -= 1
            if self._waiting:
                self._freed.notify()

    def _release(self, connection: _Connection, reusable: bool) -> None:
        with self._lock:
            if reusable and not self._closed and self._idle_count < MAX_KEEPALIVE:
                connection.expires = time.monotonic() + KEEPALIVE_EXPIRY
                self._idle.setdefault(connection.key, []).append(connection)
                self._idle_count += 1
            else:
                connection.sock.close()
                self._open -= 1
            if self._waiting:
                self._freed.notify()

    def _connect(self, key: tuple[str, str, int], sni: str, timeout: float | None) -> _Connection:
        scheme, host, port = key
        try:
            sock = socket.create_connection((host, port), deadline_bound(timeout))
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpx.ConnectError(str(exc)) from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if scheme == "https":
                sock.settimeout(deadline_bound(timeout))
                sock = self.ssl_context().wrap_socket(sock, server_hostname=sni)
        except TimeoutError as exc:
            sock.close()
            raise httpx.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            sock.close()
            raise httpx.ConnectError(str(exc)) from exc
        except BaseException:
            sock.close()
            raise
        return _Connection(sock, key)

    def ssl_context(self) -> ssl.SSLContext:
        """httpx's context for ``verify=True``, built on first use (http never pays for it)."""
        with self._lock:
            if self._ssl_context is None:
                context = httpx.create_ssl_context()
                context.set_alpn_protocols(["http/1.1"])
                self._ssl_context = context
            return self._ssl_context

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for idle in self._idle.values():
                for connection in idle:
                    connection.sock.close()
                    self._open -= 1
            self._idle.clear()
            self._idle_count = 0
            self._freed.notify_all()


class _Connection:
    """One socket, the bytes received past the last answer, and when it stops being reusable."""

    __slots__ = ("buffer", "expires", "key", "sock")

    def __init__(self, sock: socket.socket, key: tuple[str, str, int]) -> None:
        self.sock = sock
        self.key = key
        self.buffer = b""
        self.expires = 0.0

    def fit(self) -> bool:
        """Idle and reusable: not expired, nothing left over, nothing (an EOF) waiting."""
        sock = self.sock
        if self.buffer or time.monotonic() > self.expires or sock.fileno() < 0:
            return False
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return False
        if _poll is None:  # pragma: no cover - Windows
            return not select.select([sock], [], [], 0)[0]
        poll = _poll()
        poll.register(sock, select.POLLIN)
        return not poll.poll(0)

    def send(self, head: bytes, body: bytes | Iterator[bytes], chunked: bool, timeout: Any) -> bool:
        """Write the request; False when writing failed with an error other than a timeout
        (the answer may still be read, as httpcore does)."""
        try:
            if isinstance(body, bytes):
                self._write(head + body, timeout)
                return True
            self._write(head, timeout)
            for chunk in body:
                if chunk and chunked:
                    self._write(b"%x\r\n%b\r\n" % (len(chunk), chunk), timeout)
                elif chunk:
                    self._write(chunk, timeout)
            if chunked:
                self._write(b"0\r\n\r\n", timeout)
        except httpx.WriteError:
            return False
        return True

    def _write(self, data: bytes, timeout: float | None) -> None:
        view = memoryview(data)
        try:
            while view:
                self.sock.settimeout(deadline_bound(timeout))
                view = view[self.sock.send(view) :]
        except TimeoutError as exc:
            raise httpx.WriteTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpx.WriteError(str(exc)) from exc

    def receive(self, timeout: float | None) -> bytes:
        """The next bytes from the socket (b"" at its end), waiting at most ``timeout``."""
        try:
            self.sock.settimeout(deadline_bound(timeout))
            return self.sock.recv(READ_BYTES)
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpx.ReadError(str(exc)) from exc

    def take_until(self, pattern: re.Pattern[bytes], timeout: float | None, what: str) -> bytes:
        """The buffered bytes up to and including the first match of ``pattern``."""
        data = self.buffer
        start = 0
        while True:
            found = pattern.search(data, max(0, start - 3))
            if found is not None:
                self.buffer = data[found.end() :]
                return data[: found.end()]
            if len(data) > MAX_HEAD_BYTES:
                raise httpx.RemoteProtocolError(f"the {what} is longer than {MAX_HEAD_BYTES} bytes")
            more = self.receive(timeout)
            if not more:
                raise httpx.RemoteProtocolError(_ended_early(what))
            start = len(data)
            data += more


def _ended_early(what: str) -> str:
    if what == "response head":
        return "Server disconnected without sending a response."
    return f"peer closed connection without sending complete message body ({what})"


# -- writing the request ------------------------------------------------------------------


def _request_head(request: httpx.Request) -> bytes:
    """The request line and headers, checked as h11 checks them (values never quoted)."""
    method = request.method.encode("ascii")
    if not _NAME.fullmatch(method):
        raise httpx.LocalProtocolError("illegal request method")
    parts = [method, b" ", request.url.raw_path, b" HTTP/1.1\r\n"]
    for name, value in request.headers.raw:
        if not _NAME.fullmatch(name):
            raise httpx.LocalProtocolError("illegal header name")
        if not _VALUE.fullmatch(value):
            raise httpx.LocalProtocolError(f"illegal value of the {name.decode()} header")
        parts += (name, b": ", value, b"\r\n")
    parts.append(b"\r\n")
    return b"".join(parts)


def _request_body(request: httpx.Request) -> tuple[bytes | Iterator[bytes], bool]:
    """The body to send, and whether it goes chunked (a stream without Content-Length)."""
    headers = request.headers
    stream = request.stream
    if not isinstance(stream, httpx.SyncByteStream):
        raise TypeError("a synchronous transport needs a synchronous request body")
    if "transfer-encoding" in headers:
        if headers["transfer-encoding"].lower() != "chunked":
            raise httpx.LocalProtocolError("only Transfer-Encoding: chunked can be sent")
        return iter(stream), True
    body = b"".join(stream)
    declared = headers.get("content-length")
    if declared is None and body:
        raise httpx.LocalProtocolError("a request body needs a Content-Length")
    if declared is not None and (not declared.isdigit() or int(declared) != len(body)):
        raise httpx.LocalProtocolError("the request body does not match its Content-Length")
    return body, False


# -- reading the answer -------------------------------------------------------------------


def _read_answer(
    connection: _Connection, method: str, timeout: float | None
) -> tuple[int, bytes, bytes, list[tuple[bytes, bytes]], int, int, bool]:
    """Status, reason, version, headers, framing, length, keep-alive of the final answer."""
    while True:
        head = connection.take_until(_BLANK_LINE, timeout, "response head")
        if head[:1] == b"\n" or head[:2] == b"\r\n":
            raise httpx.RemoteProtocolError("no response line received")
        lines = _LINE_END.split(head.rstrip(b"\r\n"))
        status_line = _STATUS_LINE.fullmatch(lines[0])
        if status_line is None:
            raise httpx.RemoteProtocolError("illegal status line")
        status = int(status_line["status"])
        folded = b"\n " in head or b"\n\t" in head
        headers, length, chunked = _parse_headers(_unfold(lines[1:]) if folded else lines[1:])
        if status >= 200 or status == 101:
            break
    version = status_line["version"]
    reason = status_line["reason"] or b""
    keep = version >= b"1.1" and not _says_close(headers)
    if status in (101, 204, 304) or method == "HEAD" or (method == "CONNECT" and status < 300):
        return status, reason, version, headers, _LENGTH, 0, keep and status != 101
    if chunked:
        return status, reason, version, headers, _CHUNKED, 0, keep
    if length is not None:
        return status, reason, version, headers, _LENGTH, length, keep
    return status, reason, version, headers, _UNTIL_CLOSE, 0, False


def _parse_headers(lines: list[bytes]) -> tuple[list[tuple[bytes, bytes]], int | None, bool]:
    """Header fields as h11 reads them (unfolded lines), the one Content-Length, and whether
    the body is chunked."""
    headers: list[tuple[bytes, bytes]] = []
    length: bytes | None = None
    chunked = False
    for line in lines:
        field = _HEADER_LINE.fullmatch(line)
        if field is None:
            raise httpx.RemoteProtocolError("illegal header line")
        name, value = field["name"], field["value"]
        lower = name.lower()
        if lower == b"content-length":
            values = {part.strip() for part in value.split(b",")}
            if len(values) != 1:
                raise httpx.RemoteProtocolError("conflicting Content-Length headers")
            value = values.pop()
            if not _DIGITS.fullmatch(value) or len(value) > CONTENT_LENGTH_MAX_DIGITS:
                raise httpx.RemoteProtocolError("bad Content-Length")
            if length is not None:
                if length != value:
                    raise httpx.RemoteProtocolError("conflicting Content-Length headers")
                continue
            length = value
        elif lower == b"transfer-encoding":
            if chunked:
                raise httpx.RemoteProtocolError("multiple Transfer-Encoding headers")
            value = value.lower()
            if value != b"chunked":
                raise httpx.RemoteProtocolError("Only Transfer-Encoding: chunked is supported")
            chunked = True
        headers.append((name, value))
    return headers, None if length is None else int(length), chunked


def _unfold(lines: list[bytes]) -> list[bytes]:
    """Obsolete line folding (a line starting with blanks continues the one before)."""
    joined: list[bytes] = []
    for line in lines:
        fold = _OBS_FOLD.match(line)
        if fold is None:
            joined.append(line)
        elif not joined:
            raise httpx.RemoteProtocolError("continuation line at start of headers")
        else:
            joined[-1] += b" " + line[fold.end() :]
    return joined


def _asks_close(request: httpx.Request) -> bool:
    """Whether the request said ``Connection: close`` (httpx never does by itself)."""
    return _says_close(request.headers.raw)


def _says_close(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether a ``Connection`` header lists ``close`` (h11's reading: comma-separated,
    blanks stripped, any case)."""
    for name, value in headers:
        lower = value.lower()
        if (
            b"close" in lower
            and name.lower() == b"connection"
            and b"close" in [part.strip() for part in lower.split(b",")]
        ):
            return True
    return False


class _Body(httpx.SyncByteStream):
    """A response body read from its connection as it arrives; the connection goes back to
    the pool when the body was read whole and the exchange allows keep-alive."""

    def __init__(
        self,
        transport: LeanTransport,
        connection: _Connection,
        framing: int,
        length: int,
        keep: bool,
        timeout: float | None,
    ) -> None:
        self._transport = transport
        self._connection: _Connection | None = connection
        self._framing = framing
        self._length = length
        self._keep = keep
        self._timeout = timeout
        self._complete = framing == _LENGTH and length == 0

    def __iter__(self) -> Iterator[bytes]:
        connection = self._connection
        if connection is None or self._complete:
            return
        try:
            if self._framing == _LENGTH:
                yield from self._sized(connection)
            elif self._framing == _CHUNKED:
                yield from self._chunked(connection)
            else:
                yield from self._until_close(connection)
        except BaseException:
            self.close()
            raise
        self._complete = True

    def _sized(self, connection: _Connection) -> Iterator[bytes]:
        remaining = self._length
        while remaining:
            data = connection.buffer
            if data:
                connection.buffer = b""
            else:
                data = connection.receive(self._timeout)
                if not data:
                    raise httpx.RemoteProtocolError(
                        "peer closed connection without sending complete message body "
                        f"(received {self._length - remaining} bytes, expected {self._length})"
                    )
            if len(data) > remaining:
                connection.buffer = data[remaining:]
                data = data[:remaining]
            remaining -= len(data)
            yield data

    def _chunked(self, connection: _Connection) -> Iterator[bytes]:
        what = "incomplete chunked read"
        while True:
            header = _CHUNK_HEADER.fullmatch(connection.take_until(_CRLF, self._timeout, what))
            if header is None:
                raise httpx.RemoteProtocolError("illegal chunk header")
            size = int(header["size"], 16)
            if size == 0:
                break
            while size:
                data = connection.buffer or connection.receive(self._timeout)
                if not data:
                    raise httpx.RemoteProtocolError(_ended_early(what))
                connection.buffer = data[size:]
                data = data[:size]
                size -= len(data)
                yield data
            while len(connection.buffer) < 2:
                more = connection.receive(self._timeout)
                if not more:
                    raise httpx.RemoteProtocolError(_ended_early(what))
                connection.buffer += more
            if connection.buffer[:2] != b"\r\n":
                raise httpx.RemoteProtocolError("malformed chunk footer")
            connection.buffer = connection.buffer[2:]
        while len(connection.buffer) < 2 and connection.buffer != b"\n":
            more = connection.receive(self._timeout)
            if not more:
                raise httpx.RemoteProtocolError(_ended_early(what))
            connection.buffer += more
        for empty in (b"\r\n", b"\n"):
            if connection.buffer.startswith(empty):
                connection.buffer = connection.buffer[len(empty) :]
                return
        trailer = connection.take_until(_BLANK_LINE, self._timeout, what)
        _parse_headers(_unfold(_LINE_END.split(trailer.rstrip(b"\r\n"))))

    def _until_close(self, connection: _Connection) -> Iterator[bytes]:
        if connection.buffer:
            data, connection.buffer = connection.buffer, b""
            yield data
        while data := connection.receive(self._timeout):
            yield data

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            self._transport._release(connection, self._keep and self._complete)


_CRLF = re.compile(rb"\r\n")
