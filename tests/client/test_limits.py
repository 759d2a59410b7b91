"""The size cap and the deadline of one request, on a MockTransport (no sockets)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from mhsync.client import ApiClient, ResponseLimits
from mhsync.errors import (
    ApiValidationError,
    ConfigError,
    OutcomeUnknownError,
    UnexpectedResponseError,
)

from .conftest import Script, reply

SMALL = ResponseLimits(max_response_bytes=1000, deadline=5)


def big(status: int, size: int) -> httpx.Response:
    body = json.dumps({"success": status < 400, "message": "x" * size}).encode()
    return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ResponseLimits()),
        (
            {"MHSYNC_MAX_RESPONSE_MB": "0.5", "MHSYNC_REQUEST_DEADLINE": "1.5"},
            ResponseLimits(2**19, 1.5),
        ),
    ],
    ids=["defaults", "set"],
)
def test_limits_from_the_environment(env: dict[str, str], expected: ResponseLimits) -> None:
    assert ResponseLimits.from_env(env) == expected


@pytest.mark.parametrize("value", ["0", "-1", "lots", "inf", "nan"])
def test_bad_limit_values_are_config_errors(value: str) -> None:
    with pytest.raises(ConfigError, match="MHSYNC_REQUEST_DEADLINE must be a positive number"):
        ResponseLimits.from_env({"MHSYNC_REQUEST_DEADLINE": value})


def test_a_get_over_the_cap_is_refused_once(make_client: Callable[..., ApiClient]) -> None:
    script = Script(big(200, 5000))
    client = make_client(script, limits=SMALL)
    with pytest.raises(UnexpectedResponseError, match="larger than the 1,000 bytes cap"):
        client.get("/agents/a-1")
    assert script.count == 1


def test_a_post_answer_over_the_cap_may_have_been_applied(
    make_client: Callable[..., ApiClient],
) -> None:
    client = make_client(Script(big(201, 5000)), limits=SMALL)
    with pytest.raises(OutcomeUnknownError, match="may have been applied"):
        client.post("/agents", {"name": "x"})


def test_a_large_error_body_is_read_only_as_far_as_its_message(
    make_client: Callable[..., ApiClient],
) -> None:
    """An error answer never trips the cap: only its start is read, its status still counts."""
    client = make_client(Script(big(422, 200_000)), limits=SMALL)
    with pytest.raises(ApiValidationError):
        client.patch("/agents/a-1", {"name": "x"})


def test_a_declared_length_over_the_cap_is_refused_unread(
    make_client: Callable[..., ApiClient],
) -> None:
    answer = reply(200, {"data": []}, headers={"Content-Length": str(10**9)})
    client = make_client(Script(answer), limits=SMALL)
    with pytest.raises(UnexpectedResponseError, match="at least 1,000,000,000 bytes"):
        client.get("/agents")
