"""A hostile API in front of the sandbox: a proxy on 127.0.0.1 that answers oddly, as told.

Every request is forwarded over real HTTP to a sandbox served on its own socket; the answer
to ``GET /agents`` is then rebuilt the way a server the contract does not rule out might send
it: ``per_page`` capped, paging meta missing, lying or growing, a plain list, agents edited
(``null`` sections, fields mhsync does not model, a missing identity), or an agent deleted
"in the dashboard" while the pages are read. ``raw`` replaces the whole answer (huge, endless
or trickling bodies). Everything is bounded: an endless body stops after ``MAX_STREAM`` bytes,
a trickle after ``MAX_TRICKLE_S`` seconds, and the list answers 400 after ``MAX_LIST_GETS``
requests, so even today's code cannot make a test run for minutes.
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import httpx

Meta = Literal["honest", "none", "plain", "lying", "total-only", "growing"]
MAX_LIST_GETS = 200
MAX_STREAM = 40 * 2**20
MAX_TRICKLE_S = 20.0


@dataclass
class Behaviour:
    """How the proxy misbehaves; change it between commands."""

    cap: int | None = None
    """The most agents one page really holds, whatever ``per_page`` asked."""
    meta: Meta = "honest"
    edit_agent: Callable[[dict[str, Any]], None] | None = None
    """Applied to every agent of a list answer."""
    before_page: Callable[[int], None] | None = None
    """Runs before page N of the list is built (e.g. an agent deleted in the dashboard)."""
    raw: Callable[[BaseHTTPRequestHandler], None] | None = None
    """Writes the whole answer to ``GET /agents`` itself."""


@dataclass
class Hostile:
    upstream: str
    token: str
    behaviour: Behaviour = field(default_factory=Behaviour)
    list_gets: int = 0
    writes: list[tuple[str, str]] = field(default_factory=list)
    base_url: str = ""
    api: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        self.api = httpx.Client(base_url=self.upstream, headers=headers, timeout=30)

    def reset(self, behaviour: Behaviour | None = None) -> None:
        self.behaviour = behaviour or Behaviour()
        self.list_gets = 0
        self.writes.clear()

    def all_agents(self) -> list[dict[str, Any]]:
        """Every agent the sandbox holds, in its order (read at per_page 100, honestly)."""
        agents: list[dict[str, Any]] = []
        page = 1
        while True:
            data = self.api.get("/agents", params={"page": page, "per_page": 100}).json()["data"]
            agents += data["items"]
            if page >= data["last_page"]:
                return agents
            page += 1

    def delete_agent(self, uuid: str) -> None:
        """What a user deleting the agent in the dashboard does."""
        self.api.delete(f"/agents/{uuid}").raise_for_status()

    def list_page(self, query: dict[str, list[str]]) -> Any:
        behaviour = self.behaviour
        page = int(query.get("page", ["1"])[0])
        asked = int(query.get("per_page", ["15"])[0])
        if behaviour.before_page is not None:
            behaviour.before_page(page)
        agents = self.all_agents()
        for agent in agents:
            if behaviour.edit_agent is not None:
                behaviour.edit_agent(agent)
        size = min(asked, behaviour.cap or asked)
        chunk = agents[(page - 1) * size : page * size]
        total = len(agents)
        meta: dict[str, Any] = {
            "honest": {
                "current_page": page,
                "last_page": max(1, math.ceil(total / size)),
                "per_page": size,
                "total": total,
            },
            "lying": {  # last_page and per_page as if per_page had been honoured
                "current_page": page,
                "last_page": max(1, math.ceil(total / asked)),
                "per_page": asked,
                "total": total,
            },
            "total-only": {"current_page": page, "total": total},
            "growing": {"current_page": page, "last_page": page + 1, "per_page": size},
            "none": {},
            "plain": {},
        }[behaviour.meta]
        if behaviour.meta == "plain":
            return {"success": True, "data": chunk}
        return {"success": True, "message": "ok", "data": {"items": chunk, **meta}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _forward(self) -> None:
        hostile = self.server.hostile
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        if self.command != "GET":
            hostile.writes.append((self.command, parts.path.removeprefix("/api/v1")))
        if self.command == "GET" and parts.path.rstrip("/").endswith("/api/v1/agents"):
            self._list(parse_qs(parts.query))
            return
        headers = {"Authorization": self.headers.get("Authorization", "")}
        if body:
            headers["Content-Type"] = "application/json"
        url = hostile.upstream.removesuffix("/api/v1") + self.path
        answer = hostile.api.request(self.command, url, content=body, headers=headers)
        self._send(answer.status_code, answer.content)

    def _list(self, query: dict[str, list[str]]) -> None:
        hostile = self.server.hostile
        hostile.list_gets += 1
        if hostile.list_gets > MAX_LIST_GETS:
            self._send(400, json.dumps({"success": False, "message": "enough"}).encode())
            return
        if hostile.behaviour.raw is not None:
            hostile.behaviour.raw(self)
            return
        self._send(200, json.dumps(hostile.list_page(query)).encode())

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, hostile: Hostile) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hostile = hostile

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client cutting a hostile answer short is what these tests are about."""


@contextmanager
def hostile_proxy(upstream: str, token: str) -> Iterator[Hostile]:
    """A :class:`Hostile` proxy in front of the sandbox at ``upstream``, for the block."""
    hostile = Hostile(upstream, token)
    server = _Server(hostile)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    hostile.base_url = f"http://127.0.0.1:{server.server_address[1]}/api/v1"
    try:
        yield hostile
    finally:
        server.shutdown()
        server.server_close()
        hostile.api.close()


# --- raw answers ---------------------------------------------------------------------------


def _chunked(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()


def _chunk(handler: BaseHTTPRequestHandler, data: bytes) -> None:
    handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")


def huge_page(size: int) -> Callable[[BaseHTTPRequestHandler], None]:
    """A valid page of one agent whose description is ``size`` bytes long."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        agent = {"agent_uuid": "a-huge", "name": "Huge", "description": "x" * size}
        page = {"items": [agent], "current_page": 1, "last_page": 1, "per_page": 100, "total": 1}
        body = json.dumps({"success": True, "data": page}).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        with suppress(OSError):
            handler.wfile.write(body)

    return answer


def declared_huge(handler: BaseHTTPRequestHandler) -> None:
    """Announces a 500 MB body and sends a little of it, slowly."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(500 * 2**20))
    handler.end_headers()
    with suppress(OSError):
        for _ in range(int(MAX_TRICKLE_S)):
            handler.wfile.write(b" " * 1024)
            handler.wfile.flush()
            time.sleep(1)
    handler.close_connection = True


def endless(handler: BaseHTTPRequestHandler) -> None:
    """A chunked JSON body that never closes (until ``MAX_STREAM`` bytes, then cut)."""
    _chunked(handler)
    sent = 0
    with suppress(OSError):
        _chunk(handler, b'{"success": true, "data": {"items": [{"name": "')
        block = b"x" * 65536
        while sent < MAX_STREAM:
            _chunk(handler, block)
            sent += len(block)
    handler.close_connection = True
    with suppress(OSError):
        handler.connection.shutdown(socket.SHUT_RDWR)


def trickle(*, headers_too: bool = False, every: float = 0.25) -> Callable[..., None]:
    """One byte every ``every`` seconds: of the body, or from the status line on."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        started = time.monotonic()
        if headers_too:
            text = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"y" * 400
        else:
            _chunked(handler)
            handler.wfile.flush()
            text = b"1\r\n \r\n" * 400
        with suppress(OSError):
            for byte in text:
                if time.monotonic() - started > MAX_TRICKLE_S:
                    break
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(every)
        handler.close_connection = True
        with suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)

    return answer
