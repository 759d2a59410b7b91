"""Error bodies and statuses map to the typed exceptions, naming method, path, code and field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mhsync.client import ApiClient, RetryPolicy
from mhsync.client.envelope import ErrorInfo, decode_error
from mhsync.errors import (
    ApiError,
    ApiValidationError,
    AuthError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)

from .conftest import reply


def primary(message: str, code: str, field: str | None = None, details: str | None = None) -> Any:
    error: dict[str, Any] = {"code": code}
    if details is not None:
        error["details"] = details
    if field is not None:
        error["field"] = field
    return {"success": False, "message": message, "error": error}


STATUS_CASES = [
    pytest.param(
        400, primary("Malformed JSON", "BAD_JSON"), BadRequestError, "BAD_JSON", None, id="400"
    ),
    pytest.param(
        401,
        primary("Unauthenticated", "MISSING_AUTH_TOKEN"),
        AuthError,
        "MISSING_AUTH_TOKEN",
        None,
        id="401-missing",
    ),
    pytest.param(
        401,
        primary("Unauthenticated", "INVALID_AUTH_TOKEN"),
        AuthError,
        "INVALID_AUTH_TOKEN",
        None,
        id="401-invalid",
    ),
    pytest.param(403, primary("Forbidden", "FORBIDDEN"), AuthError, "FORBIDDEN", None, id="403"),
    pytest.param(
        404, primary("Agent not found", "NOT_FOUND"), NotFoundError, "NOT_FOUND", None, id="404"
    ),
    pytest.param(
        409,
        primary("Limit", "webhook_limit_reached"),
        ConflictError,
        "webhook_limit_reached",
        None,
        id="409-webhook-limit",
    ),
    pytest.param(
        422,
        primary("Invalid", "VALIDATION_ERROR", "destination"),
        ApiValidationError,
        "VALIDATION_ERROR",
        "destination",
        id="422-primary",
    ),
    pytest.param(
        422,
        {
            "message": "The name field is required. (and 1 more error)",
            "errors": {"name": ["The name field is required."], "tone": ["bad"]},
        },
        ApiValidationError,
        None,
        "name",
        id="422-laravel",
    ),
    pytest.param(
        429, primary("Slow down", "RATE_LIMITED"), RateLimitedError, "RATE_LIMITED", None, id="429"
    ),
    pytest.param(500, primary("Boom", "INTERNAL"), ServerError, "INTERNAL", None, id="500"),
    pytest.param(503, {"message": "Maintenance"}, ServerError, None, None, id="503-message-only"),
    pytest.param(405, {"message": "Method not allowed"}, ApiError, None, None, id="405-generic"),
]


@pytest.mark.parametrize(("status", "body", "cls", "code", "field"), STATUS_CASES)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_status_maps_to_exception(
    make_client: Callable[..., ApiClient],
    method: str,
    status: int,
    body: Any,
    cls: type[ApiError],
    code: str | None,
    field: str | None,
) -> None:
    client = make_client(lambda request: reply(status, body), retry=RetryPolicy.no_retry())
    with pytest.raises(ApiError) as info:
        client.request(method, "/agents/a-1/guard-rules?page=2", json={"x": 1})
    error = info.value
    assert type(error) is cls
    assert (error.status, error.code, error.field) == (status, code, field)
    assert (error.method, error.path) == (method, "/agents/a-1/guard-rules")
    assert str(error).startswith(f"{method} /agents/a-1/guard-rules -> {status}")
    assert "mindhunters.test" not in str(error)


@pytest.mark.parametrize(
    ("status", "content", "expected"),
    [
        (
            422,
            b'{"success":false,"message":"Validation failed","error":{"code":"VALIDATION_ERROR",'
            b'"details":"name is required","field":"name"}}',
            ErrorInfo("Validation failed: name is required", "VALIDATION_ERROR", "name"),
        ),
        (
            422,
            b'{"message":"x","errors":{"events":["The events field is required."]}}',
            ErrorInfo("The events field is required.", None, "events"),
        ),
        (
            422,
            b'{"message":"x","errors":{"url":"must be https"}}',
            ErrorInfo("must be https", None, "url"),
        ),
        (
            409,
            b'{"success":false,"message":"Limit reached","error":{"code":"webhook_limit_reached",'
            b'"details":"Limit reached"}}',
            ErrorInfo("Limit reached", "webhook_limit_reached", None),
        ),
        (401, b'{"error":"Unauthenticated."}', ErrorInfo("Unauthenticated.")),
        (502, b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>", ErrorInfo("HTTP 502")),
        (500, b"", ErrorInfo("HTTP 500")),
        (500, b"[1, 2]", ErrorInfo("HTTP 500")),
        (404, b'{"success":false}', ErrorInfo("HTTP 404")),
        (400, b'{"message":"' + b"x" * 2000 + b'"}', ErrorInfo("x" * 497 + "...")),
    ],
    ids=[
        "primary-details",
        "laravel-list",
        "laravel-string",
        "details-equal-message",
        "error-string",
        "html-502",
        "empty",
        "json-list",
        "no-message",
        "long-message",
    ],
)
def test_decode_error(status: int, content: bytes, expected: ErrorInfo) -> None:
    assert decode_error(status, content) == expected


def test_html_error_page_is_not_dumped(make_client: Callable[..., ApiClient]) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1>secret-internal-host</body></html>"
    client = make_client(lambda r: httpx.Response(502, text=page), retry=RetryPolicy.no_retry())
    with pytest.raises(ServerError) as info:
        client.get("/agents")
    assert info.value.message.startswith("HTTP 502")
    assert "secret-internal-host" not in str(info.value)
    assert "<html>" not in str(info.value)
