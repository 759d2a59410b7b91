"""Shared helpers for the client tests: a fake clock, a scripted MockTransport, a client factory."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from mhsync.client import ApiClient, RetryPolicy, Token

MARKER = "tok-MARKER-123"
BASE_URL = "https://tenant.mindhunters.test/api/v1"


@dataclass
class FakeTime:
    """A clock that only moves when the client sleeps; records every sleep."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def policy(fake: FakeTime, **overrides: Any) -> RetryPolicy:
    """A deterministic policy: no jitter unless asked, fake sleep and clock."""
    kwargs: dict[str, Any] = {
        "jitter": False,
        "sleep": fake.sleep,
        "clock": fake.clock,
        "rng": random.Random(0),
    }
    kwargs.update(overrides)
    return RetryPolicy(**kwargs)


def reply(
    status: int = 200,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    text: str | None = None,
) -> httpx.Response:
    """A canned response: JSON ``body`` or raw ``text``."""
    if text is not None:
        return httpx.Response(status, text=text, headers=headers or {"Content-Type": "text/html"})
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Script:
    """A MockTransport handler that plays ``steps`` in order (the last one repeats)."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        index = min(len(self.requests) - 1, len(self.steps) - 1)
        step = self.steps[index]
        if isinstance(step, Exception):
            raise step
        if callable(step) and not isinstance(step, httpx.Response):
            return step(request)
        return step

    @property
    def count(self) -> int:
        return len(self.requests)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(fake_time: FakeTime) -> Iterator[Callable[..., ApiClient]]:
    """Build clients on a MockTransport with the marker token and a fake clock."""
    made: list[ApiClient] = []

    def build(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> ApiClient:
        kwargs.setdefault("retry", policy(fake_time))
        client = ApiClient(
            kwargs.pop("base_url", BASE_URL),
            Token(MARKER),
            transport=httpx.MockTransport(handler),
            **kwargs,
        )
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()
