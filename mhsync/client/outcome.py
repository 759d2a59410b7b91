"""What one attempt means: a result, an error to raise at once, or an error worth retrying.

Exceptions are built here and only raised by the caller, so when a traceback is rendered with
its locals, no frame on it holds a response body. Every error body is scrubbed of the secrets
the client knows (every encoding, before a message is built or cut; see ``scrub``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from mhsync.client import envelope
from mhsync.client.retry import (
    RETRY_AFTER_STATUSES,
    Failure,
    parse_retry_after,
    post_status_outcome_unknown,
    status_is_retryable,
)
from mhsync.client.scrub import scrub_body
from mhsync.errors import (
    ApiError,
    ApiValidationError,
    AuthError,
    BadRequestError,
    ConflictError,
    ConnectionFailedError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    ServerError,
    UnexpectedResponseError,
)

logger = logging.getLogger("mhsync.client")

_STATUS_ERRORS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    409: ConflictError,
    410: NotFoundError,
    422: ApiValidationError,
    429: RateLimitedError,
}
_REREAD = "re-read before trying again"


def error_class_for(status: int) -> type[ApiError]:
    """The exception class for an HTTP error status (5xx -> ServerError; others -> ApiError)."""
    if status >= 500:
        return ServerError
    return _STATUS_ERRORS.get(status, ApiError)


@dataclass(frozen=True, repr=False)
class Answer:
    """A response read whole: status, headers and the decoded body (within the size cap).

    Plain data rather than a second ``httpx.Response`` built around the body: that cost more
    CPU per request than everything mhsync itself does with the answer. Its ``repr`` shows the
    status only, as ``httpx.Response``'s does: the body may echo a secret, and a traceback
    rendered with its locals prints every local's ``repr``.
    """

    status_code: int
    headers: httpx.Headers
    content: bytes

    def __repr__(self) -> str:
        return f"<Answer [{self.status_code}]>"


@dataclass(frozen=True)
class Attempt:
    """What one attempt produced: an answer, or a description of the transport failure."""

    response: Answer | None
    failure: Failure | None = None
    detail: str = ""


@dataclass(frozen=True)
class Verdict:
    """An attempt judged: ``value`` if ``error`` is None; else raise it, or retry if ``retry``."""

    value: Any = None
    error: ApiError | None = None
    retry: bool = False
    retry_after: float | None = None
    maybe_applied: bool = False


@dataclass(frozen=True)
class Call:
    """One logical request (``method`` on ``path``, as errors show it) across its attempts."""

    method: str
    path: str
    scrub: Callable[[str], str]

    def judge(self, attempt: Attempt, attempts: int, maybe_applied: bool) -> Verdict:
        """Decide what attempt number ``attempts`` means (see :mod:`mhsync.client.retry`).

        ``maybe_applied`` says an earlier attempt may have reached the server unanswered: a
        DELETE then answered 404 is taken as done.
        """
        response = attempt.response
        if response is None:
            return self._judge_failure(attempt, attempts)
        status = response.status_code
        if status < 400:
            return self._judge_success(response, attempts)
        if status == 404 and self.method == "DELETE" and maybe_applied:
            logger.debug("DELETE %s: 404 after an unanswered attempt; taken as done", self.path)
            return Verdict()
        if self.method == "POST" and post_status_outcome_unknown(status):
            info = envelope.decode_error(status, scrub_body(response.content, self.scrub))
            message = f"{info.message}; a gateway answered, the POST may or may not have been "
            return Verdict(
                error=self.error(
                    OutcomeUnknownError, message + "applied: " + _REREAD, attempts, status=status
                )
            )
        error = self.http_error(response, attempts)
        if not status_is_retryable(self.method, status):
            return Verdict(error=error)
        retry_after = None
        if status in RETRY_AFTER_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return Verdict(
            error=error, retry=True, retry_after=retry_after, maybe_applied=status in (502, 504)
        )

    def exhausted(self, attempt: Attempt, attempts: int, elapsed: float) -> ApiError:
        """The error to raise when retries are spent: the last failure plus attempts and time."""
        summary = f"gave up after {attempts} attempts over {elapsed:.1f}s"
        if attempt.response is not None:
            return self.http_error(attempt.response, attempts, summary)
        return self.error(
            ConnectionFailedError, f"no answer ({attempt.detail}); {summary}", attempts
        )

    def error(
        self,
        cls: type[ApiError],
        message: str,
        attempts: int,
        *,
        status: int | None = None,
        code: str | None = None,
        field: str | None = None,
    ) -> ApiError:
        """An exception of ``cls`` for this call, its texts scrubbed of the token.

        The server's ``code`` and ``field`` are scrubbed too: they are printed with the message,
        and a server that echoes a request back may put anything there.
        """
        return cls(
            self.scrub(message),
            method=self.method,
            path=self.path,
            status=status,
            code=self.scrub(code) if code else code,
            field=self.scrub(field) if field else field,
            attempts=attempts,
        )

    def http_error(
        self, response: Answer, attempts: int, summary: str | None = None
    ) -> ApiError:
        """The typed exception for an HTTP error answer, from its (possibly non-JSON) body."""
        status = response.status_code
        info = envelope.decode_error(status, scrub_body(response.content, self.scrub))
        message = f"{info.message} ({summary})" if summary else info.message
        return self.error(
            error_class_for(status),
            message,
            attempts,
            status=status,
            code=info.code,
            field=info.field,
        )

    def _judge_failure(self, attempt: Attempt, attempts: int) -> Verdict:
        if attempt.failure is Failure.FATAL:
            message = f"request could not be sent: {attempt.detail}"
            return Verdict(error=self.error(ConnectionFailedError, message, attempts))
        if attempt.failure is Failure.REFUSED:
            if self.method == "POST":
                message = f"{attempt.detail}; the POST may have been applied: " + _REREAD
                return Verdict(error=self.error(OutcomeUnknownError, message, attempts))
            return Verdict(error=self.error(UnexpectedResponseError, attempt.detail, attempts))
        if attempt.failure is Failure.MAYBE_SENT and self.method == "POST":
            message = (
                f"no answer ({attempt.detail}); the request may or may not have been applied: "
                + _REREAD
            )
            return Verdict(error=self.error(OutcomeUnknownError, message, attempts))
        failed = self.error(ConnectionFailedError, f"no answer ({attempt.detail})", attempts)
        return Verdict(
            error=failed, retry=True, maybe_applied=attempt.failure is Failure.MAYBE_SENT
        )

    def _judge_success(self, response: Answer, attempts: int) -> Verdict:
        status = response.status_code
        if status >= 300:
            message = f"unexpected redirect (HTTP {status}); check the base URL"
            return Verdict(
                error=self.error(UnexpectedResponseError, message, attempts, status=status)
            )
        try:
            body = envelope.parse_json(response.content)
        except envelope.EnvelopeError:
            kind = response.headers.get("Content-Type", "").split(";")[0] or "unknown"
            message = f"expected JSON, got {kind} (HTTP {status}); check the base URL"
            return Verdict(
                error=self.error(UnexpectedResponseError, message, attempts, status=status)
            )
        if envelope.is_failure_body(body):
            info = envelope.decode_error(status, scrub_body(response.content, self.scrub))
            return Verdict(
                error=self.error(
                    UnexpectedResponseError,
                    info.message,
                    attempts,
                    status=status,
                    code=info.code,
                    field=info.field,
                )
            )
        return Verdict(value=body)
