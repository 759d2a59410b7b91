"""The retry rules: what is retried for which method, how long to wait, when to give up."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest

from mhsync.client import ApiClient, RetryPolicy
from mhsync.client.retry import parse_retry_after
from mhsync.errors import (
    ApiError,
    ConnectionFailedError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    ServerError,
)

from .conftest import FakeTime, Script, policy, reply

OK = reply(200, {"data": {"ok": True}})
CREATED = reply(201, {"success": True, "data": {"uuid": "new"}})
IDEMPOTENT = ["GET", "PUT", "PATCH", "DELETE"]


def rate_limited(retry_after: str | None = None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else None
    return reply(
        429,
        {"success": False, "message": "Too many requests", "error": {"code": "RATE_LIMITED"}},
        headers=headers,
    )


def send(client: ApiClient, method: str) -> object:
    return client.request(method, "/agents/a-1", json=None if method in ("GET", "DELETE") else {})


# -- statuses --------------------------------------------------------------------------------


@pytest.mark.parametrize("method", [*IDEMPOTENT, "POST"])
@pytest.mark.parametrize(
    ("retry_after", "slept"),
    [("2", 2.0), ("0.5", 0.5), ("0", 0.0)],
    ids=["ra-2s", "ra-half-second", "ra-zero"],
)
def test_429_honours_retry_after(
    make_client: Callable[..., ApiClient],
    fake_time: FakeTime,
    method: str,
    retry_after: str,
    slept: float,
) -> None:
    script = Script(rate_limited(retry_after), OK)
    assert send(make_client(script), method) == {"data": {"ok": True}}
    assert fake_time.sleeps == [slept]
    assert script.count == 2


def test_429_without_retry_after_backs_off(
    make_client: Callable[..., ApiClient], fake_time: FakeTime
) -> None:
    script = Script(rate_limited(), rate_limited("garbage"), OK)
    make_client(script).get("/agents")
    assert fake_time.sleeps == [0.2, 0.4]


def test_retry_after_is_capped_by_the_remaining_budget(
    make_client: Callable[..., ApiClient], fake_time: FakeTime
) -> None:
    script = Script(rate_limited("60"))
    client = make_client(script, retry=policy(fake_time, budget_seconds=5.0))
    with pytest.raises(RateLimitedError) as info:
        client.get("/agents")
    assert fake_time.sleeps == [5.0]
    assert info.value.attempts == 2
    assert "gave up after 2 attempts over 5.0s" in str(info.value)
    assert info.value.code == "RATE_LIMITED"


@pytest.mark.parametrize("status", [502, 503, 504])
@pytest.mark.parametrize("method", IDEMPOTENT)
def test_gateway_statuses_retried_then_success(
    make_client: Callable[..., ApiClient], fake_time: FakeTime, method: str, status: int
) -> None:
    script = Script(reply(status, text="<html>bad gateway</html>"), reply(status, {}), OK)
    assert send(make_client(script), method) == {"data": {"ok": True}}
    assert script.count == 3
    assert fake_time.sleeps == [0.2, 0.4]


def test_backoff_is_exponential_and_capped(
    make_client: Callable[..., ApiClient], fake_time: FakeTime
) -> None:
    client = make_client(
        Script(reply(503, {"message": "Maintenance"})),
        retry=policy(fake_time, max_delay=1.0, budget_seconds=100),
    )
    with pytest.raises(ServerError) as info:
        client.get("/agents")
    assert fake_time.sleeps == [0.2, 0.4, 0.8, 1.0, 1.0]
    assert info.value.attempts == 6
    assert str(info.value) == (
        "GET /agents -> 503: Maintenance (gave up after 6 attempts over 3.4s)"
    )


def test_budget_exhausted_fails_fast_with_attempt_count(
    make_client: Callable[..., ApiClient], fake_time: FakeTime
) -> None:
    script = Script(reply(502, text="<html>bad gateway</html>"))
    client = make_client(
        script,
        retry=policy(
            fake_time, base_delay=1.0, max_delay=10.0, budget_seconds=3.0, max_attempts=50
        ),
    )
    with pytest.raises(ServerError) as info:
        client.get("/agents/a-1")
    assert fake_time.sleeps == [1.0, 2.0]
    assert script.count == 3
    assert str(info.value) == (
        "GET /agents/a-1 -> 502: HTTP 502 (gave up after 3 attempts over 3.0s)"
    )


def test_full_jitter_is_deterministic_with_a_seeded_rng(
    make_client: Callable[..., ApiClient], fake_time: FakeTime
) -> None:
    client = make_client(
        Script(reply(503, {})), retry=policy(fake_time, jitter=True, rng=random.Random(42))
    )
    with pytest.raises(ServerError):
        client.get("/agents")
    expected_rng = random.Random(42)
    ceilings = [0.2, 0.4, 0.8, 1.6, 3.2]
    assert fake_time.sleeps == [expected_rng.uniform(0, c) for c in ceilings]
    assert all(0 <= s <= c for s, c in zip(fake_time.sleeps, ceilings, strict=True))


@pytest.mark.parametrize(
    ("method", "retried"),
    [("GET", True), ("PUT", False), ("PATCH", False), ("DELETE", False), ("POST", False)],
)
def test_500_is_retried_only_for_get(
    make_client: Callable[..., ApiClient], method: str, retried: bool
) -> None:
    script = Script(reply(500, {"message": "Boom"}), OK)
    client = make_client(script)
    if retried:
        assert send(client, method) == {"data": {"ok": True}}
        assert script.count == 2
    else:
        with pytest.raises(ServerError, match="Boom") as info:
            send(client, method)
        assert script.count == 1
        assert info.value.attempts == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
@pytest.mark.parametrize("method", [*IDEMPOTENT, "POST"])
def test_client_errors_are_never_retried(
    make_client: Callable[..., ApiClient], method: str, status: int
) -> None:
    script = Script(reply(status, {"message": "no"}), OK)
    with pytest.raises(ApiError):
        send(make_client(script), method)
    assert script.count == 1


# -- transport failures ---------------------------------------------------------------------

DROPS = [
    pytest.param(httpx.ReadError("connection reset"), id="read-error"),
    pytest.param(
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        id="remote-protocol",
    ),
    pytest.param(httpx.ReadTimeout("timed out"), id="read-timeout"),
    pytest.param(httpx.WriteError("broken pipe"), id="write-error"),
    pytest.param(httpx.WriteTimeout("timed out"), id="write-timeout"),
]
NOT_SENT = [
    pytest.param(httpx.ConnectError("[Errno 111] Connection refused"), id="connect-error"),
    pytest.param(httpx.ConnectTimeout("timed out"), id="connect-timeout"),
    pytest.param(httpx.PoolTimeout("no connection"), id="pool-timeout"),
]


@pytest.mark.parametrize("error", DROPS + NOT_SENT)
@pytest.mark.parametrize("method", IDEMPOTENT)
def test_connection_errors_retried_for_idempotent_methods(
    make_client: Callable[..., ApiClient], fake_time: FakeTime, method: str, error: Exception
) -> None:
    script = Script(error, error, OK)
    assert send(make_client(script), method) == {"data": {"ok": True}}
    assert script.count == 3


def test_dead_server_gives_a_clear_connection_error(
    make_client: Callable[..., ApiClient], fake_time: FakeTime
) -> None:
    script = Script(httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(ConnectionFailedError) as info:
        make_client(script).get("/agents")
    assert script.count == 6
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert str(info.value) == (
        "GET /agents: no answer (ConnectError: [Errno 111] Connection refused); "
        "gave up after 6 attempts over 6.2s"
    )


@pytest.mark.parametrize("error", DROPS)
def test_post_with_unknown_outcome_is_never_retried(
    make_client: Callable[..., ApiClient], fake_time: FakeTime, error: Exception
) -> None:
    script = Script(error, CREATED)
    with pytest.raises(OutcomeUnknownError) as info:
        make_client(script).post("/agents/a-1/guard-rules", {"when_condition": "x"})
    assert script.count == 1
    assert fake_time.sleeps == []
    assert (info.value.method, info.value.path, info.value.attempts) == (
        "POST",
        "/agents/a-1/guard-rules",
        1,
    )
    assert "re-read" in str(info.value)
    assert info.value.__context__ is None


@pytest.mark.parametrize("status", [502, 504])
def test_post_gateway_error_is_outcome_unknown(
    make_client: Callable[..., ApiClient], status: int
) -> None:
    script = Script(reply(status, text="<html>gateway</html>"), CREATED)
    with pytest.raises(OutcomeUnknownError) as info:
        make_client(script).post("/agents", {"name": "x"})
    assert script.count == 1
    assert info.value.status == status


@pytest.mark.parametrize("error", NOT_SENT)
def test_post_that_never_connected_is_retried(
    make_client: Callable[..., ApiClient], error: Exception
) -> None:
    script = Script(error, error, CREATED)
    assert make_client(script).post("/agents", {"name": "x"}) == {"uuid": "new"}
    assert script.count == 3


@pytest.mark.parametrize(
    "answer", [rate_limited("1"), reply(503, {"message": "busy"})], ids=["429", "503"]
)
def test_post_refused_before_processing_is_retried(
    make_client: Callable[..., ApiClient], answer: httpx.Response
) -> None:
    script = Script(answer, CREATED)
    assert make_client(script).post("/agents", {"name": "x"}) == {"uuid": "new"}
    assert script.count == 2


def test_post_connect_then_drop_is_outcome_unknown(make_client: Callable[..., ApiClient]) -> None:
    script = Script(httpx.ConnectError("refused"), httpx.ReadError("reset"), CREATED)
    with pytest.raises(OutcomeUnknownError) as info:
        make_client(script).post("/agents", {"name": "x"})
    assert script.count == 2
    assert info.value.attempts == 2


def test_local_protocol_error_is_not_retried(make_client: Callable[..., ApiClient]) -> None:
    script = Script(httpx.LocalProtocolError("bad request line"), OK)
    with pytest.raises(ConnectionFailedError, match="could not be sent"):
        make_client(script).get("/agents")
    assert script.count == 1


@pytest.mark.parametrize(
    "first", [httpx.ReadError("reset"), reply(504, {})], ids=["dropped", "gateway-timeout"]
)
def test_delete_404_after_unanswered_attempt_counts_as_done(
    make_client: Callable[..., ApiClient], first: httpx.Response | Exception
) -> None:
    script = Script(first, reply(404, {"message": "gone"}))
    assert make_client(script).delete("/agents/a-1/notes/n-1") is None
    assert script.count == 2


def test_plain_delete_404_is_not_found(make_client: Callable[..., ApiClient]) -> None:
    with pytest.raises(NotFoundError):
        make_client(Script(reply(404, {"message": "gone"}))).delete("/agents/a-1")


# -- observation -----------------------------------------------------------------------------


def test_on_request_sees_every_attempt(make_client: Callable[..., ApiClient]) -> None:
    calls: list[tuple[str, str, int | None]] = []
    script = Script(httpx.ConnectError("refused"), reply(503, {}), OK)
    client = make_client(script, on_request=lambda m, p, s: calls.append((m, p, s)))
    client.get("/agents/a-1", params={"page": 2})
    assert calls == [
        ("GET", "/agents/a-1", None),
        ("GET", "/agents/a-1", 503),
        ("GET", "/agents/a-1", 200),
    ]


def test_debug_log_names_method_path_status_attempt(
    make_client: Callable[..., ApiClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mhsync.client")
    make_client(Script(reply(503, {}), OK)).get("/agents")
    messages = [r.getMessage() for r in caplog.records if r.name == "mhsync.client"]
    assert len(messages) == 2
    assert messages[0].startswith("GET /agents -> 503 in ")
    assert messages[0].endswith("(attempt 1)")
    assert messages[1].endswith("(attempt 2)")


def test_shared_client_is_safe_across_threads(make_client: Callable[..., ApiClient]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return reply(200, {"data": {"path": request.url.path}})

    client = make_client(handler)
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda n: client.get(f"/agents/{n}"), range(200)))
    assert [r["path"] for r in results] == [f"/api/v1/agents/{n}" for n in range(200)]


# -- the policy itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("-4", 0.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("nan", None),
        ("Wed, 01 Jan 2025 00:00:10 GMT", 10.0),
        ("Wed, 01 Jan 2025 00:00:00 GMT", 0.0),
    ],
    ids=[
        "int",
        "float",
        "negative",
        "empty",
        "missing",
        "garbage",
        "nan",
        "http-date",
        "http-date-now",
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    now = datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert parse_retry_after(header, now=lambda: now) == expected


@pytest.mark.parametrize(
    "kwargs",
    [{"max_attempts": 0}, {"base_delay": -1.0}, {"budget_seconds": -1.0}],
    ids=["no-attempts", "negative-delay", "negative-budget"],
)
def test_policy_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_no_retry_policy_makes_one_attempt(make_client: Callable[..., ApiClient]) -> None:
    script = Script(reply(503, {}), OK)
    with pytest.raises(ServerError):
        make_client(script, retry=RetryPolicy.no_retry()).get("/agents")
    assert script.count == 1
