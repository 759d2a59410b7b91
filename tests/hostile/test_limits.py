"""Bounded answers: a size cap per response and a deadline per request, over real HTTP.

The hostile proxy answers ``GET /agents`` with a huge, endless or trickling body. The size
cap and the deadline are set small through their environment variables, so each case ends
in a second or two with an error naming the bound and the variable that raises it.
"""

from __future__ import annotations

import time

import pytest

from .conftest import World
from .double import Behaviour, declared_huge, endless, huge_page, trickle


@pytest.fixture
def bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHSYNC_MAX_RESPONSE_MB", "1")
    monkeypatch.setenv("MHSYNC_REQUEST_DEADLINE", "2")


def test_a_body_over_the_size_cap_is_refused(world: World, bounds: None) -> None:
    world.hostile.reset(Behaviour(raw=huge_page(3 * 2**20)))
    planned = world.run("plan")
    assert planned.code == 1, planned.text
    assert "larger than the 1 MiB cap" in planned.text
    assert "MHSYNC_MAX_RESPONSE_MB" in planned.text
    assert world.hostile.list_gets == 1  # refused, not retried


def test_a_declared_size_over_the_default_cap_is_refused_unread(world: World) -> None:
    """500 MB announced, with the default cap and deadline: refused before the body is read."""
    world.hostile.reset(Behaviour(raw=declared_huge))
    started = time.monotonic()
    planned = world.run("plan")
    assert planned.code == 1, planned.text
    assert "larger than the 64 MiB cap" in planned.text
    assert time.monotonic() - started < 5


def test_an_endless_body_ends_at_the_size_cap(world: World, bounds: None) -> None:
    world.hostile.reset(Behaviour(raw=endless))
    started = time.monotonic()
    planned = world.run("plan")
    assert planned.code == 1, planned.text
    assert "larger than the 1 MiB cap" in planned.text
    assert "Traceback" not in planned.text
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_a_trickling_answer_ends_at_the_deadline(
    world: World, bounds: None, headers_too: bool
) -> None:
    """One byte every 0.25 s never trips the 30 s read timeout; the 2 s deadline ends it."""
    world.hostile.reset(Behaviour(raw=trickle(headers_too=headers_too)))
    started = time.monotonic()
    planned = world.run("plan")
    elapsed = time.monotonic() - started
    assert planned.code == 1, planned.text
    assert "within the 2 s deadline" in planned.text and "MHSYNC_REQUEST_DEADLINE" in planned.text
    assert elapsed < 6, elapsed
    assert world.hostile.list_gets == 1  # the deadline covers the retries too
