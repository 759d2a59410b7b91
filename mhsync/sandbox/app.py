"""The :class:`Sandbox` facade: one workspace, its faults, and the ways to reach it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import httpx

from .asgi import SandboxASGIApp
from .faults import FaultConfig, FaultInjector
from .handler import Handler
from .intents import seed_system_intent
from .server import SandboxHTTPServer, make_server, running_in_thread, serve_until_interrupted
from .store import RequestLogEntry, Store
from .transport import SandboxTransport


class Sandbox:
    """A local emulator of the Mindhunters agent API (CONTRACT sections 1-7).

    ``db_path`` is ``":memory:"`` (private to this object) or a file that several Sandbox objects
    and processes may share. Requests must carry ``Authorization: Bearer <one of tokens>``.
    """

    def __init__(
        self,
        db_path: str = ":memory:",
        tokens: Iterable[str] = (),
        faults: FaultConfig | None = None,
    ) -> None:
        self._store = Store(db_path)
        self._faults = FaultInjector(faults)
        self._handler = Handler(self._store, tokens, self._faults)
        self._asgi = SandboxASGIApp(self._handler)
        self._servers: list[SandboxHTTPServer] = []

    def transport(self) -> httpx.BaseTransport:
        """A synchronous, thread-safe httpx transport serving this sandbox in-process."""
        return SandboxTransport(self._handler)

    @property
    def asgi_app(self) -> SandboxASGIApp:
        """An ASGI 3 callable serving the same API."""
        return self._asgi

    def request_log(self) -> list[RequestLogEntry]:
        """Every request seen on this database, in order (shared across processes on a file)."""
        return self._store.request_log()

    def clear_request_log(self) -> None:
        self._store.clear_request_log()

    def inject(
        self,
        kind: str,
        *,
        method: str | None = None,
        path_pattern: str | None = None,
        count: int = 1,
        retry_after: int = 1,
    ) -> None:
        """Script a fault for the next ``count`` matching requests (``FaultInjector.inject``)."""
        self._faults.inject(
            kind, method=method, path_pattern=path_pattern, count=count, retry_after=retry_after
        )

    def set_faults(self, faults: FaultConfig | None) -> None:
        """Swap the random fault settings (and reseed) while running, e.g. after test setup."""
        self._faults.configure(faults)

    def add_system_intent(self, agent_uuid: str, **fields: Any) -> dict[str, Any]:
        """Seed a read-only system intent (the API itself cannot create one); returns it."""
        with self._store.transaction() as tx:
            return seed_system_intent(tx, agent_uuid, fields)

    @contextmanager
    def serve_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve over a real socket while the block runs; yields ``http://host:port/api/v1``."""
        server = make_server(self._handler, host, port)
        self._servers.append(server)
        try:
            with running_in_thread(server) as base_url:
                yield base_url
        finally:
            self._servers.remove(server)

    def serve_forever(
        self,
        host: str = "127.0.0.1",
        port: int = 8765,
        ready: Callable[[str], None] | None = None,
    ) -> None:
        """Serve in this thread until KeyboardInterrupt; ``ready(base_url)`` runs once bound."""
        server = make_server(self._handler, host, port)
        self._servers.append(server)
        try:
            serve_until_interrupted(server, ready)
        finally:
            self._servers.remove(server)

    def close(self) -> None:
        for server in list(self._servers):
            server.shutdown()
            server.server_close()
        self._store.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
