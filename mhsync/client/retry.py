"""When to retry a request, and how long to wait: the whole retry policy in one place.

Rules (method -> what is retried):

================  ==========================================================================
GET               429, 500, 502, 503, 504, and every transport failure
PUT/PATCH/DELETE  429, 502, 503, 504, and every transport failure (500 is not: it may be a
                  deterministic bug, and the write is reported rather than hammered)
POST              429 and 503 (ASSUMED: the server refused before processing, see below), and
                  failures to *connect* (the request was never sent). Any failure after the
                  request may have been sent (read/write error, timeout, dropped connection,
                  502/504 from a gateway) raises OutcomeUnknownError and is never retried.
================  ==========================================================================

ASSUMED (the single place this lives): a 429 or 503 answer to a POST means the API did not
process it, so sending it again cannot create a duplicate. A 500 to a POST is reported at once.

Waits use exponential backoff with full jitter (``uniform(0, min(max_delay, base * 2**n))``),
except that a ``Retry-After`` header (seconds or HTTP date) on 429/503 is honoured. Every wait is
capped by what remains of ``budget_seconds``, counted from the first attempt, so a dead server
fails fast with an error that says how many attempts were made over how long.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
GET_ONLY_RETRY_STATUSES = frozenset({500})
POST_RETRY_STATUSES = frozenset({429, 503})  # ASSUMED: refused before processing
RETRY_AFTER_STATUSES = frozenset({429, 503})

# Errors raised before any byte of the request reached the server.
NOT_SENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
)
# Errors after which the server may have received (and applied) the request.
MAYBE_SENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.ReadError,
    httpx.WriteError,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.RemoteProtocolError,
    httpx.NetworkError,
    httpx.TimeoutException,
    httpx.DecodingError,
)


class Failure(Enum):
    """How an attempt that got no usable answer failed."""

    NOT_SENT = "not sent"
    MAYBE_SENT = "maybe sent"
    FATAL = "fatal"
    REFUSED = "refused"
    """The server answered, but the answer broke a bound (size): never retried."""


def classify_transport_error(exc: Exception) -> Failure:
    """NOT_SENT (connect phase), MAYBE_SENT (after sending began), or FATAL (our own bug)."""
    if isinstance(exc, NOT_SENT_ERRORS):
        return Failure.NOT_SENT
    if isinstance(exc, MAYBE_SENT_ERRORS):
        return Failure.MAYBE_SENT
    return Failure.FATAL


def status_is_retryable(method: str, status: int) -> bool:
    """Whether an HTTP answer ``status`` to ``method`` may be retried."""
    if method == "POST":
        return status in POST_RETRY_STATUSES
    if status in RETRY_STATUSES:
        return method in IDEMPOTENT_METHODS
    return status in GET_ONLY_RETRY_STATUSES and method in ("GET", "HEAD")


def post_status_outcome_unknown(status: int) -> bool:
    """A gateway error on a POST: the backend may have applied it before the gateway gave up."""
    return status in (502, 504)


def parse_retry_after(value: str | None, now: Callable[[], datetime] | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        current = now() if now is not None else datetime.now(UTC)
        seconds = (when - current).total_seconds()
    if seconds != seconds or seconds == float("inf"):
        return None
    return max(0.0, seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """Retry limits and the clock they run on; ``sleep``, ``clock`` and ``rng`` are injectable."""

    max_attempts: int = 6
    base_delay: float = 0.2
    max_delay: float = 5.0
    budget_seconds: float = 30.0
    jitter: bool = True
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.base_delay, self.max_delay, self.budget_seconds) < 0:
            raise ValueError("delays and budget must not be negative")

    @classmethod
    def no_retry(cls) -> RetryPolicy:
        """A policy that makes exactly one attempt."""
        return cls(max_attempts=1)

    def backoff(self, retry_number: int) -> float:
        """The wait before retry ``retry_number`` (1 for the first retry), before budget capping."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (retry_number - 1)))
        return self.rng.uniform(0.0, ceiling) if self.jitter else ceiling

    def next_delay(
        self, retry_number: int, retry_after: float | None, started: float
    ) -> float | None:
        """How long to sleep before the next attempt, or None when attempts or budget are spent.

        ``retry_number`` counts the attempts made so far; ``retry_after`` is the server's
        request (honoured as is, but never past the budget).
        """
        if retry_number >= self.max_attempts:
            return None
        remaining = self.budget_seconds - (self.clock() - started)
        if remaining <= 0:
            return None
        delay = retry_after if retry_after is not None else self.backoff(retry_number)
        return min(delay, remaining)
