"""Fixtures: an in-memory sandbox, a harness around it, and a secret in the environment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mhsync.sandbox import Sandbox

from .harness import TOKEN, Harness, make_harness

SECRET_VALUE = "whsec-TOPSECRET-4242"
SECRET_VAR = "MHSYNC_TEST_HOOK_SECRET"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(db_path=":memory:", tokens=[TOKEN]) as sb:
        yield sb


@pytest.fixture
def harness(sandbox: Sandbox) -> Iterator[Harness]:
    made = make_harness(sandbox)
    yield made
    made.client.close()


@pytest.fixture
def hook_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    """``${env:...}`` reference to a secret that is set; the value is ``SECRET_VALUE``."""
    monkeypatch.setenv(SECRET_VAR, SECRET_VALUE)
    return "${env:" + SECRET_VAR + "}"
