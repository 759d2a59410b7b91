"""Fixtures: every API test runs twice, in-process (httpx transport) and over a real socket."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mhsync.sandbox import Sandbox

TOKEN = "test-token"
IN_PROCESS_BASE = "http://sandbox/api/v1"
# building an SSL context per client costs ~40 ms; the sandbox is plain http, so share one
SHARED_SSL = ssl.create_default_context()

ClientFactory = Callable[..., httpx.Client]


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(db_path=":memory:", tokens=[TOKEN]) as sb:
        yield sb


@pytest.fixture(params=["in_process", "socket"])
def make_client(request: pytest.FixtureRequest, sandbox: Sandbox) -> Iterator[ClientFactory]:
    """A factory of clients bound to ``sandbox``; ``token=None`` sends no Authorization header."""
    clients: list[httpx.Client] = []

    def factory(token: str | None = TOKEN, base_url: str = "") -> httpx.Client:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        if request.param == "in_process":
            client = httpx.Client(
                transport=sandbox.transport(), base_url=IN_PROCESS_BASE, headers=headers
            )
        else:
            client = httpx.Client(
                base_url=base_url or served_url, headers=headers, timeout=10, verify=SHARED_SSL
            )
        clients.append(client)
        return client

    if request.param == "socket":
        with sandbox.serve_in_thread() as served_url:
            yield factory
            for client in clients:
                client.close()
    else:
        served_url = ""
        yield factory
        for client in clients:
            client.close()


@pytest.fixture
def api(make_client: ClientFactory) -> httpx.Client:
    return make_client()


@pytest.fixture
def new_agent(api: httpx.Client) -> Callable[..., dict[str, Any]]:
    """Create an agent (name defaults to "Agent") and return its JSON."""

    def create(**fields: Any) -> dict[str, Any]:
        response = api.post("/agents", json={"name": "Agent", **fields})
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    return create
