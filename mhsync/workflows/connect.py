"""Turns a target into a connected API client, and counts the requests it makes.

The built-in ``sandbox`` target runs the emulator in-process on ``.mhsync/sandbox.db``; it is only
ever used when that target is named (or is the project's declared default), never silently in
place of a real workspace.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from mhsync.client import ApiClient, ResponseLimits, Token
from mhsync.config import Target

IN_PROCESS_BASE_URL = "http://127.0.0.1/api/v1"


@dataclass
class RequestCounter:
    """Counts attempts (retries included) by method; thread-safe."""

    total: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, method: str, path: str, status: int | None) -> None:
        with self._lock:
            self.total += 1
            self.by_method[method] = self.by_method.get(method, 0) + 1


@dataclass
class Connection:
    client: ApiClient
    counter: RequestCounter
    target: Target


@contextmanager
def connect(target: Target) -> Iterator[Connection]:
    """A client for ``target``; the in-process sandbox when the target is the sandbox."""
    counter = RequestCounter()
    limits = ResponseLimits.from_env()
    if target.is_sandbox:
        from mhsync.sandbox import Sandbox

        assert target.sandbox_db is not None
        target.sandbox_db.parent.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(16)
        sandbox = Sandbox(db_path=str(target.sandbox_db), tokens=[token])
        client = ApiClient(
            IN_PROCESS_BASE_URL,
            Token(token),
            transport=sandbox.transport(),
            on_request=counter,
            limits=limits,
        )
        try:
            yield Connection(client, counter, target)
        finally:
            client.close()
            sandbox.close()
        return
    if not target.base_url:
        from mhsync.errors import ConfigError

        raise ConfigError(f"target {target.name!r} has no base_url")
    client = ApiClient(
        target.base_url, Token.from_env(target.token_env), on_request=counter, limits=limits
    )
    try:
        yield Connection(client, counter, target)
    finally:
        client.close()
