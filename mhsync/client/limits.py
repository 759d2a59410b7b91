"""Bounds on one answer: how many bytes it may have and how long it may take to arrive.

httpx's ``timeout`` bounds each *wait* (connect, one read, one write), not the whole answer:
a server trickling one byte a second never trips a 30 s read timeout, and a body of any size
is read whole into memory. Two bounds close that:

- ``max_response_bytes``: the decoded body of one answer is read in chunks and refused past
  the cap (an endless body ends with a clear error, not a ``MemoryError``). An answer whose
  ``Content-Length`` is already over the cap is refused before its body is read.
- ``deadline``: one request, all its attempts and the waits between them included, must be
  answered within this many seconds. Every socket read and write waits at most what remains
  of it, so a trickle is cut off at the deadline, headers included, and no retry starts after.

mhsync's own transport (:mod:`mhsync.client.transport`) bounds each socket wait with
:func:`deadline_bound`. With httpx's transport (a proxy is configured), the deadline reaches
the socket through an httpcore network backend (:mod:`mhsync.client.deadline_backend`):
httpx builds its connection pools without a way to pass one in, so ``install_deadline`` there wraps
the backend of the pools an ``httpx.Client`` made. Should a future httpx keep them elsewhere,
nothing is wrapped (``install_deadline`` returns False) and the deadline is still checked
between body chunks.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import httpx

from mhsync.errors import ConfigError

MAX_RESPONSE_MB_VAR = "MHSYNC_MAX_RESPONSE_MB"
DEADLINE_VAR = "MHSYNC_REQUEST_DEADLINE"
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
DEFAULT_DEADLINE = 120.0
ERROR_BODY_BYTES = 64 * 1024
"""An error answer is read this far only: its message is all mhsync shows of it."""


@dataclass(frozen=True)
class ResponseLimits:
    """The size cap of one answer (bytes, decoded) and the deadline of one request (seconds)."""

    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    deadline: float = DEFAULT_DEADLINE

    def __post_init__(self) -> None:
        if self.max_response_bytes < 1:
            raise ValueError("max_response_bytes must be positive")
        if not self.deadline > 0:
            raise ValueError("deadline must be positive")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ResponseLimits:
        """``MHSYNC_MAX_RESPONSE_MB`` (MiB) and ``MHSYNC_REQUEST_DEADLINE`` (seconds), if set."""
        env = os.environ if environ is None else environ
        megabytes = _positive(env, MAX_RESPONSE_MB_VAR, DEFAULT_MAX_RESPONSE_BYTES / 2**20)
        deadline = _positive(env, DEADLINE_VAR, DEFAULT_DEADLINE)
        return cls(max(1, int(megabytes * 2**20)), deadline)

    def describe_size(self) -> str:
        if self.max_response_bytes < 2**20:
            return f"{self.max_response_bytes:,} bytes"
        return f"{self.max_response_bytes / 2**20:g} MiB"


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{name} must be a positive number, got {text!r}")
    return value


class TooLargeError(Exception):
    """The answer is larger than the cap; ``seen`` is how many bytes proved it."""

    def __init__(self, seen: int) -> None:
        super().__init__(seen)
        self.seen = seen


class DeadlineExceeded(Exception):
    """The attempt ran past its deadline."""


# --- the deadline of the request running in this thread -------------------------------------

_current = threading.local()


class RequestDeadline:
    """A request's deadline; inside ``with``, this thread's socket operations obey it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def __enter__(self) -> RequestDeadline:
        _current.ends = self.ends
        return self

    def __exit__(self, *exc: object) -> None:
        _current.ends = None

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def passed(self) -> bool:
        return self.remaining() <= 0


PASSED = "the request deadline has passed"


def deadline_remaining() -> float | None:
    """Seconds left of this thread's request deadline, or None outside one."""
    ends: float | None = getattr(_current, "ends", None)
    return None if ends is None else ends - time.monotonic()


def deadline_bound(timeout: float | None) -> float | None:
    """``timeout`` shortened to what remains of this thread's deadline (if one is set);
    ``httpx.ReadTimeout`` once it has passed. For a transport that drives its own sockets
    (:mod:`mhsync.client.transport`)."""
    remaining = deadline_remaining()
    if remaining is None:
        return timeout
    if remaining <= 0:
        raise httpx.ReadTimeout(PASSED)
    return remaining if timeout is None else min(timeout, remaining)


def read_body(
    response: httpx.Response, limits: ResponseLimits, deadline: RequestDeadline
) -> bytes:
    """The decoded body of a streamed ``response``, within the size cap and the deadline.

    An error answer (status >= 400) is read only as far as ``ERROR_BODY_BYTES``: beyond that
    its text would not be shown anyway. Raises :class:`TooLargeError` or
    :class:`DeadlineExceeded`; the caller closes the response.
    """
    cap = limits.max_response_bytes
    error = response.status_code >= 400
    declared = response.headers.get("Content-Length", "")
    if not error and declared.isdigit() and int(declared) > cap:
        raise TooLargeError(int(declared))
    chunks: list[bytes] = []
    size = 0
    for chunk in _decoded(response):
        size += len(chunk)
        if error and size >= ERROR_BODY_BYTES:
            chunks.append(chunk[: max(0, ERROR_BODY_BYTES - (size - len(chunk)))])
            break
        if size > cap:
            raise TooLargeError(size)
        chunks.append(chunk)
        if deadline.passed():
            raise DeadlineExceeded
    return b"".join(chunks)


def _decoded(response: httpx.Response) -> Iterable[bytes]:
    """The body's chunks as they arrive, decoded: ``iter_bytes()``, or the stream itself when
    there is nothing to decode (no ``Content-Encoding``), which spares httpx's decoder and
    chunker layers per answer. Both transports' streams raise httpx's own exceptions."""
    stream = response.stream
    if "content-encoding" in response.headers or not isinstance(stream, httpx.SyncByteStream):
        return response.iter_bytes()
    return stream
