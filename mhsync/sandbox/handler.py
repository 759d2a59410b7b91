"""The one request handler behind every adapter (httpx transport, ASGI app, HTTP server).

Order of events for a request: fault decision and latency (an infrastructure fault pre-empts
everything, like a gateway or rate limiter would), bearer auth, routing, JSON body, then the
resource function inside one transaction. Every request ends up in the request log.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs

from .context import Ctx
from .faults import FaultInjector
from .routes import match
from .store import RequestLogEntry, Store
from .wire import ApiError, Drop, Response

_FAULT_ANSWERS = {
    "429": (429, "RATE_LIMITED", "Too many requests."),
    "500": (500, "INTERNAL_ERROR", "Internal server error."),
    "502": (502, "BAD_GATEWAY", "Bad gateway."),
    "503": (503, "SERVICE_UNAVAILABLE", "Service unavailable."),
}
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class Handler:
    """Thread-safe: state lives in the :class:`Store` and the :class:`FaultInjector`."""

    def __init__(self, store: Store, tokens: Iterable[str], faults: FaultInjector) -> None:
        self._store = store
        self._tokens = tuple(token.encode("utf-8") for token in tokens if token)
        self.faults = faults

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Response | Drop:
        """Serve one request. ``headers`` keys must be lower-case."""
        method = method.upper()
        decision = self.faults.decide(method, path)
        if decision.latency_ms > 0:
            time.sleep(decision.latency_ms / 1000)
        result: Response | Drop
        if decision.kind == "drop_before":
            result = Drop(0)
        elif decision.kind in _FAULT_ANSWERS:
            status, code, message = _FAULT_ANSWERS[decision.kind]
            extra = {"retry-after": str(decision.retry_after)} if status == 429 else {}
            result = ApiError(status, code, message, headers=extra).to_response()
        else:
            result = self._serve(method, path, query, headers, body)
            if decision.kind == "drop_after_commit":
                result = Drop(result.status)
        dropped = isinstance(result, Drop)
        self._store.log_request(
            RequestLogEntry(method, path, result.status, dropped, query, decision.label)
        )
        return result

    def _serve(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Response:
        try:
            self._authenticate(headers.get("authorization", ""))
            route = match(path)
            if route is None:
                raise ApiError(404, "NOT_FOUND", "Route not found.")
            endpoint = route.methods.get(method)
            if endpoint is None:
                raise ApiError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed here.")
            payload = _parse_body(body) if method in _BODY_METHODS else {}
            with self._store.transaction() as tx:
                ctx = Ctx(tx, dict(route.params), parse_qs(query), payload)
                return endpoint(ctx)
        except ApiError as error:
            return error.to_response()
        except Exception as error:  # a sandbox bug must still answer like a server would
            return ApiError(500, "INTERNAL_ERROR", f"Sandbox error: {error!r}").to_response()

    def _authenticate(self, header: str) -> None:
        scheme, _, token = header.strip().partition(" ")
        if not header.strip() or (scheme.lower() == "bearer" and not token.strip()):
            raise ApiError(401, "MISSING_AUTH_TOKEN", "Authentication token is missing.")
        candidate = token.strip().encode("utf-8")
        valid = scheme.lower() == "bearer" and any(
            hmac.compare_digest(candidate, known) for known in self._tokens
        )
        if not valid:
            raise ApiError(401, "INVALID_AUTH_TOKEN", "Authentication token is invalid.")


def _parse_body(body: bytes) -> dict[str, Any]:
    """Empty means ``{}``; anything but a JSON object is a 400 ``BAD_REQUEST``."""
    if not body.strip():
        return {}
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "BAD_REQUEST", "The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "BAD_REQUEST", "The request body must be a JSON object.")
    return payload
