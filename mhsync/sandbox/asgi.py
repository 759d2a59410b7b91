"""ASGI 3 adapter, for tools that want to mount the sandbox in an async server or test client.

The handler is synchronous (SQLite, ``time.sleep`` latency), so it runs in a worker thread to keep
the event loop free. ASGI has no way to close a connection without answering, so a dropped
connection raises :class:`ConnectionDropped` from the app; a server then aborts the response, and
``httpx.ASGITransport`` re-raises it to the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .handler import Handler
from .wire import Drop

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class ConnectionDropped(ConnectionError):
    """The sandbox decided to drop this connection without an answer (an injected fault)."""


class SandboxASGIApp:
    def __init__(self, handler: Handler) -> None:
        self._handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise ValueError(f"unsupported ASGI scope type {scope['type']!r}")
        body = bytearray()
        while True:
            message = await receive()
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                break
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope.get("headers", [])
        }
        result = await asyncio.to_thread(
            self._handler.handle,
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers,
            bytes(body),
        )
        if isinstance(result, Drop):
            raise ConnectionDropped("sandbox dropped the connection (injected fault)")
        await send(
            {
                "type": "http.response.start",
                "status": result.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in result.headers],
            }
        )
        await send({"type": "http.response.body", "body": result.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
