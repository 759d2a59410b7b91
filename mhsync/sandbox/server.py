"""A real HTTP/1.1 server on a socket, built on ``http.server.ThreadingHTTPServer``.

Why not uvicorn: a dropped-connection fault must close the socket without a single response byte,
which an ASGI server cannot be told to do. One thread per connection means latency faults do not
serialise parallel clients. Keep-alive is supported, so pooled httpx clients behave as they would
against the real service.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .handler import Handler
from .routes import BASE_PATH
from .wire import Drop


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, handler: Handler) -> None:
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.handler = handler
        super().__init__((host, port), _RequestHandler)

    @property
    def base_url(self) -> str:
        host, port = str(self.server_address[0]), int(self.server_address[1])
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}{BASE_PATH}"


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer
    timeout = 60  # an idle keep-alive connection frees its thread after this
    disable_nagle_algorithm = True  # headers and body are separate writes; avoid 40 ms stalls

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log table is the record, and stderr stays clean for the CLI."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            chunks = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(chunks)
                chunks.extend(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        result = self.server.handler.handle(
            self.command, parts.path, parts.query, headers, self._read_body()
        )
        if isinstance(result, Drop):
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(result.status)
        for name, value in result.headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(result.body)))
        self.end_headers()
        self.wfile.write(result.body)


def make_server(handler: Handler, host: str, port: int) -> SandboxHTTPServer:
    """Bind now (port 0 picks a free port) so the caller can read ``base_url`` before serving."""
    return SandboxHTTPServer(host, port, handler)


@contextmanager
def running_in_thread(server: SandboxHTTPServer) -> Iterator[str]:
    """Serve in a daemon thread for the duration of the block; yields the base URL."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield server.base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def serve_until_interrupted(
    server: SandboxHTTPServer, ready: Callable[[str], None] | None = None
) -> None:
    """Block serving; return quietly on KeyboardInterrupt (SIGINT, or SIGTERM mapped to it)."""
    try:
        if ready is not None:
            ready(server.base_url)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
