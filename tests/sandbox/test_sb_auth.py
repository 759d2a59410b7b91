"""CONTRACT 7.1: bearer auth on every route, with the documented 401 codes."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

ClientFactory = Callable[..., httpx.Client]

ROUTES = [
    ("GET", "/agents"),
    ("POST", "/agents"),
    ("GET", "/agents/00000000-0000-0000-0000-000000000000"),
    ("PATCH", "/agents/x"),
    ("DELETE", "/agents/x"),
    ("PUT", "/agents/x/guidelines"),
    ("POST", "/agents/x/intents"),
    ("GET", "/agents/x/webhooks"),
    ("PUT", "/agents/x/appointments"),
    ("GET", "/nowhere"),
]


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "MISSING_AUTH_TOKEN"),
        ("", "MISSING_AUTH_TOKEN"),
        ("Bearer", "MISSING_AUTH_TOKEN"),
        ("Bearer wrong", "INVALID_AUTH_TOKEN"),
        ("Basic test-token", "INVALID_AUTH_TOKEN"),
        ("test-token", "INVALID_AUTH_TOKEN"),
    ],
    ids=["absent", "empty", "bearer-no-token", "wrong", "wrong-scheme", "no-scheme"],
)
def test_401_codes(make_client: ClientFactory, header: str | None, code: str) -> None:
    client = make_client(token=None)
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/agents", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert "field" not in body["error"]


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_every_route_requires_auth(make_client: ClientFactory, method: str, path: str) -> None:
    response = make_client(token=None).request(method, path, json={})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "MISSING_AUTH_TOKEN"


def test_any_configured_token_is_accepted() -> None:
    from mhsync.sandbox import Sandbox

    with Sandbox(tokens=["one", "two"]) as sb:
        for token in ("one", "two"):
            client = httpx.Client(
                transport=sb.transport(),
                base_url="http://sandbox/api/v1",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert client.get("/agents").status_code == 200


def test_token_is_not_echoed_in_errors(make_client: ClientFactory) -> None:
    response = make_client(token="sekrit-value").get("/agents")
    assert "sekrit-value" not in response.text
