"""Wire-level values shared by the request handler and its three adapters.

The handler never touches sockets or frameworks: it returns a :class:`Response` (status, headers,
encoded body) or a :class:`Drop` (close the connection without answering), and each adapter turns
that into what its transport needs. :class:`ApiError` is how any layer below the handler aborts a
request with the contract's error envelope (CONTRACT 1, "Error body").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

JSON_HEADERS: tuple[tuple[str, str], ...] = (("content-type", "application/json"),)


@dataclass(frozen=True)
class Response:
    """A complete HTTP answer, body already encoded so adapters only copy bytes."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = JSON_HEADERS


@dataclass(frozen=True)
class Drop:
    """Close the connection without sending a single response byte.

    ``status`` is what the handler produced before dropping (0 when nothing was processed); it is
    only recorded in the request log, never sent.
    """

    status: int = 0


def json_response(
    status: int, payload: Any, extra_headers: dict[str, str] | None = None
) -> Response:
    """Encode ``payload`` as the JSON body of a response."""
    headers = list(JSON_HEADERS)
    for name, value in (extra_headers or {}).items():
        headers.append((name.lower(), value))
    return Response(status, json.dumps(payload).encode("utf-8"), tuple(headers))


class ApiError(Exception):
    """An error answer in the contract's envelope; raising it rolls back the transaction."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def to_response(self) -> Response:
        error: dict[str, Any] = {"code": self.code, "details": self.message}
        if self.field is not None:
            error["field"] = self.field
        body = {"success": False, "message": self.message, "error": error}
        return json_response(self.status, body, self.headers)


def validation_error(field_name: str, message: str) -> ApiError:
    """A 422 naming the first bad field, as CONTRACT 7.2 requires."""
    return ApiError(422, "VALIDATION_ERROR", message, field=field_name)


def not_found(what: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"{what} not found.")
