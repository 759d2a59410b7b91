"""In-process httpx transport: the real client code path without a socket.

A dropped connection raises ``httpx.RemoteProtocolError`` exactly as httpx does when a server closes
the connection without answering; for ``drop_after_commit`` the write has committed by then.
"""

from __future__ import annotations

import httpx

from .handler import Handler
from .wire import Drop


class SandboxTransport(httpx.BaseTransport):
    """Synchronous and thread-safe: share one instance between many client threads."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        headers = {name.lower(): value for name, value in request.headers.items()}
        result = self._handler.handle(
            request.method,
            request.url.path,
            request.url.query.decode("ascii", "replace"),
            headers,
            body,
        )
        if isinstance(result, Drop):
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return httpx.Response(
            result.status, headers=list(result.headers), content=result.body, request=request
        )
