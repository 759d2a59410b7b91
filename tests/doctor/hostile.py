"""A server that answers differently from CONTRACT.md: a small HTTP proxy in front of the sandbox.

Each :class:`Difference` is one way a real workspace could differ: it may rewrite the request
before the sandbox sees it, answer in the sandbox's place, or rewrite the sandbox's JSON answer.
The proxy listens on 127.0.0.1 (port 0) and forwards to the sandbox in process, so a test points
an ordinary mhsync target at it and runs the real CLI.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from mhsync.sandbox import Sandbox


@dataclass
class Exchange:
    """One request as the proxy handles it (path below /api/v1, query as a dict)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    forward: Callable[[Exchange], tuple[int, Any]]
    """Send a (possibly other) exchange to the sandbox: (status, JSON answer)."""


Answer = tuple[int, Any]


@dataclass(frozen=True)
class Difference:
    """``request`` may change the exchange; ``respond`` may answer instead of the sandbox;
    ``answer`` may rewrite the sandbox's JSON answer."""

    request: Callable[[Exchange], None] = lambda exchange: None
    respond: Callable[[Exchange], Answer | None] = lambda exchange: None
    answer: Callable[[Exchange, Any], Any] = lambda exchange, body: body


@dataclass
class HostileProxy:
    sandbox: Sandbox
    differences: Sequence[Difference]
    seen: list[tuple[str, str]] = field(default_factory=list)

    @contextmanager
    def serve(self) -> Iterator[str]:
        """The proxy's base URL (``http://127.0.0.1:PORT/api/v1``) while the block runs."""
        upstream = httpx.Client(transport=self.sandbox.transport(), base_url="http://sandbox")
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                auth = self.headers.get("Authorization", "")

                def forward(exchange: Exchange) -> Answer:
                    response = upstream.request(
                        exchange.method,
                        "/api/v1" + exchange.path,
                        params=exchange.query,
                        json=exchange.body,
                        headers={"Authorization": auth},
                    )
                    return response.status_code, response.json() if response.content else None

                exchange = Exchange(
                    self.command,
                    parts.path.removeprefix("/api/v1"),
                    dict(parse_qsl(parts.query)),
                    json.loads(raw) if raw else None,
                    forward,
                )
                status, body = proxy.handle(exchange)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                return None

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True  # HTTP/1.0: one request per connection; never wait on one
        server.block_on_close = False
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/api/v1"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            upstream.close()

    def handle(self, exchange: Exchange) -> Answer:
        self.seen.append((exchange.method, exchange.path + "?" + urlencode(exchange.query)))
        for difference in self.differences:
            difference.request(exchange)
        for difference in self.differences:
            answered = difference.respond(exchange)
            if answered is not None:
                return answered
        status, body = exchange.forward(exchange)
        for difference in self.differences:
            body = difference.answer(exchange, body)
        return status, body


# --- helpers for writing differences ---------------------------------------------------------


def segments(exchange: Exchange) -> list[str]:
    return [s for s in exchange.path.split("/") if s]


def agents_in(body: Any) -> Iterator[dict[str, Any]]:
    """Every agent JSON in an answer: one in ``data``, or the items of a list page."""
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict) and "agent_uuid" in data:
        yield data
    candidates = data.get("items", data.get("data")) if isinstance(data, dict) else data
    for agent in candidates if isinstance(candidates, list) else []:
        if isinstance(agent, dict) and "agent_uuid" in agent:
            yield agent


def error(status: int, field_name: str | None = None) -> Answer:
    detail: dict[str, Any] = {"code": "HOSTILE", "details": "the hostile server says no"}
    if field_name:
        detail["field"] = field_name
    return status, {"success": False, "message": "refused", "error": detail}
