"""A hostile API server for the secrets suite: it echoes what it was sent back in its errors.

Agent creation succeeds (so the executor goes on to the requests that carry secrets); every other
write answers 422 with the request body and the ``Authorization`` header in the message, the way
a careless server might, or (``drop``) closes the connection without an answer, so the client
cannot know whether the write landed.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.split("?")[0].endswith("/agents"):
            page = {"items": [], "current_page": 1, "last_page": 1, "per_page": 100, "total": 0}
            self._answer(200, {"success": True, "data": page})
        else:
            self._answer(200, {"success": True, "data": []})

    def _write(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
        self.server.received.append(body)
        path = self.path.split("?")[0]
        if self.command == "POST" and path.endswith("/agents"):
            agent = {"agent_uuid": str(uuid.uuid4()), **json.loads(body)}
            self._answer(201, {"success": True, "data": agent})
            return
        if self.server.drop:
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        echo = f"cannot accept {body} from {self.headers.get('authorization')}"
        self._answer(
            422,
            {
                "success": False,
                "message": echo,
                "error": {"code": "VALIDATION_ERROR", "details": echo, "field": echo},
            },
        )

    do_POST = do_PUT = do_PATCH = do_DELETE = _write


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, drop: bool) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.drop = drop
        self.received: list[str] = []


@contextmanager
def hostile_server(*, drop: bool = False) -> Iterator[tuple[str, list[str]]]:
    """(base URL, bodies received) of a server that echoes secrets or drops connections."""
    server = _Server(drop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v1", server.received
    finally:
        server.shutdown()
        server.server_close()
