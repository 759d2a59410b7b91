"""The request deadline inside httpx's own (httpcore) connection pools.

httpx builds its pools without a way to pass a network backend in, so the backend of each pool
an ``httpx.Client`` made is wrapped: every socket read, write, connect and TLS handshake then
waits at most what remains of the thread's deadline (:func:`mhsync.client.limits.deadline_bound`).
Used only when ``ApiClient`` leaves the transport to httpx (a proxy from the environment
applies); imported only then, as httpcore is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from mhsync.client.limits import PASSED, deadline_bound, deadline_remaining


def _bounded(timeout: float | None) -> float | None:
    """:func:`deadline_bound` for httpcore's streams, which raise httpcore's exceptions."""
    remaining = deadline_remaining()
    if remaining is not None and remaining <= 0:
        raise httpcore.ReadTimeout(PASSED)
    return deadline_bound(timeout)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _bounded(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.connect_unix_socket(path, _bounded(timeout), socket_options)
        return _DeadlineStream(inner)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install_deadline(client: httpx.Client) -> bool:
    """Make the socket I/O of ``client``'s own httpcore pools obey the thread's request deadline.

    Only pools httpx built (its default transport and proxy mounts) are touched; a transport
    passed in by the caller (the in-process sandbox, a test's MockTransport) has no sockets.
    """
    wrapped = False
    transports = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    for transport in transports:
        if not isinstance(transport, httpx.HTTPTransport):
            continue
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore.NetworkBackend) and not isinstance(
            backend, _DeadlineBackend
        ):
            pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]
            wrapped = True
    return wrapped
