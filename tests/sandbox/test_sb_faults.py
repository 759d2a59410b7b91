"""CONTRACT 7.8: injected faults (scripted and seeded-random), latency, and the request log."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from mhsync.sandbox import ConnectionDropped, FaultConfig, RequestLogEntry, Sandbox

ClientFactory = Callable[..., httpx.Client]
TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("429", 429, "RATE_LIMITED"),
        ("500", 500, "INTERNAL_ERROR"),
        ("502", 502, "BAD_GATEWAY"),
        ("503", 503, "SERVICE_UNAVAILABLE"),
    ],
)
def test_status_faults_are_one_shot_and_write_nothing(
    sandbox: Sandbox, api: httpx.Client, kind: str, status: int, code: str
) -> None:
    sandbox.inject(kind, retry_after=7)
    response = api.post("/agents", json={"name": "a"})
    assert response.status_code == status
    assert response.json()["success"] is False
    assert response.json()["error"]["code"] == code
    assert ("retry-after" in response.headers) == (kind == "429")
    if kind == "429":
        assert response.headers["retry-after"] == "7"
    assert api.get("/agents").json()["data"]["total"] == 0
    assert api.post("/agents", json={"name": "a"}).status_code == 201


def test_scripted_fault_matches_method_path_and_count(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.inject("503", method="post", path_pattern=r"/agents$", count=2)
    assert api.get("/agents").status_code == 200
    assert api.post("/agents", json={"name": "a"}).status_code == 503
    assert api.get("/agents").status_code == 200
    assert api.post("/agents", json={"name": "a"}).status_code == 503
    assert api.post("/agents", json={"name": "a"}).status_code == 201


def test_drop_before_writes_nothing(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.inject("drop_before", method="POST")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.post("/agents", json={"name": "lost"})
    assert api.get("/agents").json()["data"]["total"] == 0
    entry = sandbox.request_log()[0]
    assert (entry.method, entry.status, entry.dropped, entry.fault) == (
        "POST",
        0,
        True,
        "drop_before",
    )


def test_drop_after_commit_commits_then_drops(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.inject("drop_after_commit", method="POST")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.post("/agents", json={"name": "landed"})
    items = api.get("/agents").json()["data"]["items"]
    assert [agent["name"] for agent in items] == ["landed"]
    assert sandbox.request_log()[0] == RequestLogEntry(
        "POST", "/api/v1/agents", 201, True, "", "drop_after_commit"
    )


def test_random_drop_after_commit_only_hits_writes() -> None:
    with Sandbox(tokens=[TOKEN], faults=FaultConfig(rate_drop_after_commit=1.0)) as sb:
        client = httpx.Client(transport=sb.transport(), base_url="http://s/api/v1", headers=AUTH)
        for _ in range(3):
            assert client.get("/agents").status_code == 200
        for _ in range(3):
            with pytest.raises(httpx.RemoteProtocolError):
                client.post("/agents", json={"name": "x"})
        assert client.get("/agents").json()["data"]["total"] == 3


def _fault_sequence(seed: int) -> list[tuple[int, bool]]:
    faults = FaultConfig(seed=seed, rate_429=0.1, rate_500=0.1, rate_503=0.1, rate_drop_before=0.1)
    with Sandbox(tokens=[TOKEN], faults=faults) as sb:
        client = httpx.Client(transport=sb.transport(), base_url="http://s/api/v1", headers=AUTH)
        for _ in range(60):
            with contextlib.suppress(httpx.RemoteProtocolError):
                client.get("/agents")
        return [(entry.status, entry.dropped) for entry in sb.request_log()]


def test_random_faults_are_deterministic_per_seed() -> None:
    first, again, other = _fault_sequence(3), _fault_sequence(3), _fault_sequence(4)
    assert first == again
    assert first != other
    statuses = {status for status, _ in first}
    assert {200, 429, 500, 503} <= statuses
    assert any(dropped for _, dropped in first)
    assert 10 <= sum(status != 200 for status, _ in first) <= 40


def test_uniform_splits_the_rate() -> None:
    config = FaultConfig.uniform(0.6, seed=9, latency_ms=5)
    assert config.seed == 9 and config.latency_ms == 5
    assert [rate for _, rate in config.rates()] == pytest.approx([0.1] * 6)


def test_set_faults_switches_at_runtime(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.set_faults(FaultConfig(rate_500=1.0))
    assert api.get("/agents").status_code == 500
    sandbox.set_faults(None)
    assert api.get("/agents").status_code == 200


def test_scripted_latency(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.inject("latency:150")
    started = time.perf_counter()
    assert api.get("/agents").status_code == 200
    assert time.perf_counter() - started >= 0.15
    assert sandbox.request_log()[0].fault == "latency:150"
    started = time.perf_counter()
    api.get("/agents")
    assert time.perf_counter() - started < 0.15


def test_latency_does_not_serialise_parallel_clients(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    sandbox.set_faults(FaultConfig(latency_ms=200))
    client = make_client()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: client.get("/agents").status_code, range(8)))
    elapsed = time.perf_counter() - started
    assert statuses == [200] * 8
    assert 0.2 <= elapsed < 0.9


def test_inject_rejects_unknown_kinds(sandbox: Sandbox) -> None:
    for bad in ("404", "latency:", "latency:abc", "drop"):
        with pytest.raises(ValueError):
            sandbox.inject(bad)
    with pytest.raises(ValueError):
        sandbox.inject("500", count=0)


def test_request_log_records_everything_in_order(
    sandbox: Sandbox, make_client: ClientFactory
) -> None:
    api = make_client()
    agent = api.post("/agents", json={"name": "a"}).json()["data"]
    api.get("/agents", params={"page": 2, "per_page": 5})
    make_client(token="wrong").get("/agents")
    api.patch(f"/agents/{agent['agent_uuid']}", json={"speed": "warp"})
    sandbox.inject("429")
    api.get("/agents")
    log = sandbox.request_log()
    assert [(e.method, e.path, e.status, e.dropped) for e in log] == [
        ("POST", "/api/v1/agents", 201, False),
        ("GET", "/api/v1/agents", 200, False),
        ("GET", "/api/v1/agents", 401, False),
        ("PATCH", f"/api/v1/agents/{agent['agent_uuid']}", 422, False),
        ("GET", "/api/v1/agents", 429, False),
    ]
    assert log[1].query == "page=2&per_page=5"
    assert [e.fault for e in log] == [None, None, None, None, "429"]
    sandbox.clear_request_log()
    assert sandbox.request_log() == []


def test_transport_is_thread_safe_under_load(sandbox: Sandbox, make_client: ClientFactory) -> None:
    client = make_client()
    agent = client.post("/agents", json={"name": "a"}).json()["data"]
    path = f"/agents/{agent['agent_uuid']}/notes"

    def add(index: int) -> int:
        return client.post(path, json={"content": f"n{index}"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(add, range(40))) == {201}
    notes = client.get(f"/agents/{agent['agent_uuid']}").json()["data"]["notes"]
    assert len(notes) == 40
    assert sorted(note["order"] for note in notes) == list(range(40))


def _asgi(sb: Sandbox, *requests: tuple[str, str, dict[str, Any] | None]) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=sb.asgi_app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://asgi/api/v1", headers=AUTH
        ) as client:
            return [await client.request(m, p, json=b) for m, p, b in requests]

    return asyncio.run(run())


def test_asgi_app_serves_the_same_api(sandbox: Sandbox) -> None:
    created, listed, missing = _asgi(
        sandbox,
        ("POST", "/agents", {"name": "via asgi"}),
        ("GET", "/agents?per_page=1", None),
        ("GET", "/agents/nope", None),
    )
    assert created.status_code == 201
    assert listed.json()["data"]["items"][0]["name"] == "via asgi"
    assert missing.status_code == 404
    sandbox.inject("429", retry_after=3)
    (limited,) = _asgi(sandbox, ("GET", "/agents", None))
    assert limited.status_code == 429 and limited.headers["retry-after"] == "3"
    sandbox.inject("drop_after_commit")
    with pytest.raises(ConnectionDropped):
        _asgi(sandbox, ("POST", "/agents", {"name": "second"}))
    assert sandbox.request_log()[-1].dropped is True


def test_asgi_lifespan(sandbox: Sandbox) -> None:
    sent: list[dict[str, Any]] = []
    incoming = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> dict[str, Any]:
        return next(incoming)

    async def send(message: Any) -> None:
        sent.append(dict(message))

    asyncio.run(sandbox.asgi_app({"type": "lifespan"}, receive, send))
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
