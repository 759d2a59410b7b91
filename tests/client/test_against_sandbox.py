"""The client against the real sandbox, in-process (its httpx transport) and over a real socket."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from mhsync.client import ApiClient, RetryPolicy, Token
from mhsync.errors import (
    ApiValidationError,
    AuthError,
    ConflictError,
    ConnectionFailedError,
    NotFoundError,
    OutcomeUnknownError,
    ServerError,
)
from mhsync.sandbox import Sandbox

from .conftest import MARKER, FakeTime, policy

GUARD_RULE = {
    "name": "Angry caller",
    "when_condition": "the caller is angry",
    "then_action": "forward",
    "destination_type": "extension",
    "destination": "101",
}
Calls = list[tuple[str, str, int | None]]


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(db_path=":memory:", tokens=[MARKER]) as sb:
        yield sb


@pytest.fixture(params=["transport", "socket"])
def connect(
    request: pytest.FixtureRequest, sandbox: Sandbox, fake_time: FakeTime
) -> Iterator[Callable[..., ApiClient]]:
    """Build clients reaching the sandbox in-process or through ``serve_in_thread``."""
    made: list[ApiClient] = []

    def build(token: str = MARKER, retry: RetryPolicy | None = None, **kwargs: Any) -> ApiClient:
        retry = retry or policy(fake_time)
        if request.param == "transport":
            client = ApiClient(
                "https://sandbox.test/api/v1",
                Token(token),
                transport=sandbox.transport(),
                retry=retry,
                **kwargs,
            )
        else:
            client = ApiClient(base_url, Token(token), retry=retry, timeout=10.0, **kwargs)
        made.append(client)
        return client

    try:
        if request.param == "transport":
            yield build
        else:
            with sandbox.serve_in_thread() as base_url:
                yield build
    finally:
        for client in made:
            client.close()


def api_log(sandbox: Sandbox) -> list[tuple[str, str, int]]:
    return [(e.method, e.path.removeprefix("/api/v1"), e.status) for e in sandbox.request_log()]


def test_envelopes_of_real_responses(connect: Callable[..., ApiClient]) -> None:
    client = connect()
    created = client.post("/agents", {"name": "Ada", "language": "en"})
    uuid = created["agent_uuid"]
    assert created["name"] == "Ada" and created["speed"] == "normal"
    assert client.get(f"/agents/{uuid}")["language"] == "en"
    assert client.patch(f"/agents/{uuid}", {"tone": "warm"})["tone"] == "warm"
    after_put = client.put(f"/agents/{uuid}/guard-rules", {"guard_rules": [GUARD_RULE]})
    assert [r["when_condition"] for r in after_put["guard_rules"]] == ["the caller is angry"]
    intent = client.post(f"/agents/{uuid}/intents", {"name": "Book appointment"})
    assert intent["key"] == "book_appointment"
    assert [i["intent_uuid"] for i in client.get_list(f"/agents/{uuid}/intents")] == [
        intent["intent_uuid"]
    ]
    hook = client.post(
        f"/agents/{uuid}/webhooks",
        {"url": "https://hooks.example/x", "events": ["intent_call"], "secret_key": "s"},
    )
    assert hook["has_secret"] is True and "secret_key" not in hook
    assert len(client.get_list(f"/agents/{uuid}/webhooks")) == 1
    assert client.delete(f"/agents/{uuid}") is None
    with pytest.raises(NotFoundError):
        client.get(f"/agents/{uuid}")


def test_error_mapping_of_real_answers(connect: Callable[..., ApiClient]) -> None:
    client = connect()
    uuid = client.post("/agents", {"name": "Ada"})["agent_uuid"]

    with pytest.raises(AuthError) as auth:
        connect(token="tok-WRONG").get("/agents")
    assert (auth.value.status, auth.value.code, auth.value.path) == (
        401,
        "INVALID_AUTH_TOKEN",
        "/agents",
    )

    missing = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(NotFoundError) as not_found:
        client.patch(f"/agents/{missing}", {"tone": "x"})
    assert (not_found.value.status, not_found.value.method, not_found.value.path) == (
        404,
        "PATCH",
        f"/agents/{missing}",
    )

    for n in range(5):
        client.post(
            f"/agents/{uuid}/webhooks",
            {"url": f"https://hooks.example/{n}", "events": ["intent_call"]},
        )
    with pytest.raises(ConflictError) as conflict:
        client.post(
            f"/agents/{uuid}/webhooks",
            {"url": "https://hooks.example/6", "events": ["intent_call"]},
        )
    assert (conflict.value.status, conflict.value.code) == (409, "webhook_limit_reached")

    bad_rule = {k: v for k, v in GUARD_RULE.items() if k != "destination_type"}
    with pytest.raises(ApiValidationError) as invalid:
        client.post(f"/agents/{uuid}/guard-rules", bad_rule)
    assert (invalid.value.status, invalid.value.field) == (422, "destination_type")
    assert invalid.value.path == f"/agents/{uuid}/guard-rules"
    assert MARKER not in str(invalid.value)


def test_pagination_of_250_agents(connect: Callable[..., ApiClient], sandbox: Sandbox) -> None:
    client = connect()
    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(
            pool.map(lambda n: client.post("/agents", {"name": f"agent-{n:03d}"}), range(250))
        )
    sandbox.clear_request_log()
    listed = list(client.paginate("/agents"))
    assert len(listed) == 250
    assert {a["agent_uuid"] for a in listed} == {a["agent_uuid"] for a in created}
    queries = [e.query for e in sandbox.request_log()]
    assert len(queries) == 3
    assert all("per_page=100" in q for q in queries)
    assert [q.split("page=")[-1] for q in queries] == ["1", "2", "3"]


@pytest.mark.parametrize("kind", ["429", "503"])
@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_injected_faults_are_retried(
    connect: Callable[..., ApiClient], sandbox: Sandbox, fake_time: FakeTime, method: str, kind: str
) -> None:
    calls: Calls = []
    client = connect(on_request=lambda m, p, s: calls.append((m, p, s)))
    uuid = client.post("/agents", {"name": "Ada"})["agent_uuid"]
    sandbox.clear_request_log()
    sandbox.inject(kind, method=method, path_pattern=f"/agents/{uuid}$", count=2, retry_after=3)
    result = client.request(
        method, f"/agents/{uuid}", json={"tone": "calm"} if method == "PATCH" else None
    )
    assert result["data"]["agent_uuid"] == uuid
    status = int(kind)
    assert api_log(sandbox) == [(method, f"/agents/{uuid}", status)] * 2 + [
        (method, f"/agents/{uuid}", 200)
    ]
    assert [s for _, _, s in calls[-3:]] == [status, status, 200]
    if kind == "429":
        assert fake_time.sleeps == [3.0, 3.0]
    else:
        assert len(fake_time.sleeps) == 2


def test_injected_500_is_retried_for_get_only(
    connect: Callable[..., ApiClient], sandbox: Sandbox
) -> None:
    client = connect()
    uuid = client.post("/agents", {"name": "Ada"})["agent_uuid"]
    sandbox.inject("500", method="GET", count=1)
    assert client.get(f"/agents/{uuid}")["agent_uuid"] == uuid
    sandbox.inject("500", method="PATCH", count=1)
    with pytest.raises(ServerError):
        client.patch(f"/agents/{uuid}", {"tone": "calm"})
    assert client.patch(f"/agents/{uuid}", {"tone": "calm"})["tone"] == "calm"


def test_dropped_get_is_retried(connect: Callable[..., ApiClient], sandbox: Sandbox) -> None:
    client = connect()
    uuid = client.post("/agents", {"name": "Ada"})["agent_uuid"]
    sandbox.inject("drop_before", method="GET", count=2)
    assert client.get(f"/agents/{uuid}")["agent_uuid"] == uuid
    assert [e.dropped for e in sandbox.request_log()[-3:]] == [True, True, False]


def test_committed_then_dropped_post_is_outcome_unknown(
    connect: Callable[..., ApiClient], sandbox: Sandbox, fake_time: FakeTime
) -> None:
    calls: Calls = []
    client = connect(on_request=lambda m, p, s: calls.append((m, p, s)))
    uuid = client.post("/agents", {"name": "Ada"})["agent_uuid"]
    sandbox.inject("drop_after_commit", method="POST", path_pattern=r"/guard-rules$")
    calls.clear()
    with pytest.raises(OutcomeUnknownError) as info:
        client.post(f"/agents/{uuid}/guard-rules", GUARD_RULE)
    assert (info.value.method, info.value.path, info.value.attempts) == (
        "POST",
        f"/agents/{uuid}/guard-rules",
        1,
    )
    assert calls == [("POST", f"/agents/{uuid}/guard-rules", None)]
    assert fake_time.sleeps == []
    posts = [e for e in sandbox.request_log() if e.method == "POST" and "guard-rules" in e.path]
    assert len(posts) == 1
    rules = client.get(f"/agents/{uuid}")["guard_rules"]
    assert [r["when_condition"] for r in rules] == ["the caller is angry"]


def test_post_dropped_before_processing_is_still_outcome_unknown(
    connect: Callable[..., ApiClient], sandbox: Sandbox
) -> None:
    client = connect()
    uuid = client.post("/agents", {"name": "Ada"})["agent_uuid"]
    sandbox.inject("drop_before", method="POST", path_pattern=r"/guard-rules$")
    with pytest.raises(OutcomeUnknownError):
        client.post(f"/agents/{uuid}/guard-rules", GUARD_RULE)
    assert client.get(f"/agents/{uuid}")["guard_rules"] == []


@pytest.mark.parametrize("kind", ["429", "503"])
def test_post_refused_with_429_or_503_is_retried_once_landed(
    connect: Callable[..., ApiClient], sandbox: Sandbox, kind: str
) -> None:
    client = connect()
    uuid = client.post("/agents", {"name": "Ada"})["agent_uuid"]
    sandbox.inject(kind, method="POST", path_pattern=r"/guard-rules$", count=1)
    client.post(f"/agents/{uuid}/guard-rules", GUARD_RULE)
    assert len(client.get(f"/agents/{uuid}")["guard_rules"]) == 1


def test_connection_refused_fails_fast_with_attempt_count(fake_time: FakeTime) -> None:
    with Sandbox(tokens=[MARKER]) as sb, sb.serve_in_thread() as base_url:
        pass  # the port is closed again once the block ends
    client = ApiClient(base_url, Token(MARKER), retry=policy(fake_time, max_attempts=3))
    with client, pytest.raises(ConnectionFailedError) as info:
        client.get("/agents")
    assert info.value.attempts == 3
    assert "gave up after 3 attempts" in str(info.value)
    assert MARKER not in str(info.value)
