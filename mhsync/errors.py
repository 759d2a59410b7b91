"""The exception tree and the exit codes it maps to.

Every failure mhsync can report is one of these classes, so the CLI can turn any of them into a
message and an exit code without knowing where it came from. Messages never contain a token or a
secret: callers build them from method, path and server-provided codes only.

    MhsyncError                  exit 1
    ├── ConfigError              bad mhsync.yaml, unknown target, missing token, insecure URL
    ├── ManifestError            one or more diagnostics (file:line:col) from loading/validation
    ├── PlanError                a plan cannot be made (ambiguous match, too many deletes, ...)
    │   └── StalePlanError       a saved plan whose live state has moved
    ├── ApplyError               apply finished with failed changes (report attached)
    └── ApiError                 the API answered with an error, or not at all
        ├── BadRequestError      400
        ├── AuthError            401 / 403
        ├── NotFoundError        404
        ├── ConflictError        409 (e.g. webhook_limit_reached)
        ├── ApiValidationError   422
        ├── RateLimitedError     429 (after the retry budget is spent)
        ├── ServerError          5xx (after the retry budget is spent)
        ├── ConnectionFailedError  no answer (after the retry budget is spent)
        ├── OutcomeUnknownError  a POST that may or may not have landed; never retried blind
        └── UnexpectedResponseError  an answer that is not the documented JSON envelope
            └── ListChangedError     a list kept changing while it was read (re-read each time)
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes; CI pipelines depend on these, so they never change meaning."""

    OK = 0
    ERROR = 1
    CHANGES = 2
    INTERRUPTED = 130


class MhsyncError(Exception):
    """Base of every error mhsync reports deliberately."""

    exit_code: ExitCode = ExitCode.ERROR


class ConfigError(MhsyncError):
    """The project configuration or the command line cannot be used as given."""


class ManifestError(MhsyncError):
    """Manifests failed to load or validate; ``diagnostics`` holds every problem found."""

    def __init__(self, message: str, diagnostics: list[object] | None = None) -> None:
        super().__init__(message)
        self.diagnostics: list[object] = list(diagnostics or [])


class PlanError(MhsyncError):
    """A plan cannot be computed or used safely."""


class StalePlanError(PlanError):
    """A saved plan was made against live state that has changed since."""

    def __init__(self, message: str, agents: list[str]) -> None:
        super().__init__(message)
        self.agents = agents


class ApplyError(MhsyncError):
    """Apply ran but at least one change failed; ``report`` describes every change."""

    def __init__(self, message: str, report: object = None) -> None:
        super().__init__(message)
        self.report = report


class ApiError(MhsyncError):
    """The API answered with an error (or could not be reached).

    Carries what a user needs to locate the failure: the HTTP status, the server's error code and
    field, and the method and path that failed. Never the token, never a request body.
    ``attempts`` is how many requests were sent, when the client retried.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int | None = None,
        code: str | None = None,
        field: str | None = None,
        attempts: int | None = None,
    ) -> None:
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.field = field
        self.attempts = attempts
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = [f"{self.method} {self.path}"]
        if self.status is not None:
            parts.append(f"-> {self.status}")
        if self.code:
            parts.append(f"[{self.code}]")
        text = " ".join(parts) + f": {self.message}"
        if self.field:
            text += f" (field: {self.field})"
        return text


class BadRequestError(ApiError):
    """400: the server could not parse the request."""


class AuthError(ApiError):
    """401 or 403: the token is missing, invalid or not allowed to do this."""


class NotFoundError(ApiError):
    """404: the agent or item does not exist (or was soft-deleted)."""


class ConflictError(ApiError):
    """409: the request conflicts with current state (e.g. the sixth webhook)."""


class ApiValidationError(ApiError):
    """422: the server rejected a field; ``field`` names it when the server said which."""


class RateLimitedError(ApiError):
    """429 that persisted past the retry budget."""


class ServerError(ApiError):
    """5xx that persisted past the retry budget."""


class ConnectionFailedError(ApiError):
    """The server could not be reached or kept failing until the retry budget ran out."""


class OutcomeUnknownError(ApiError):
    """A non-idempotent request (POST) got no answer: it may or may not have been applied.

    It is never retried blind; the caller must re-read state and adopt what landed.
    """


class UnexpectedResponseError(ApiError):
    """The API answered, but not with the documented JSON (e.g. HTML, a redirect, no ``data``)."""


class ListChangedError(UnexpectedResponseError):
    """A list read page by page kept changing under the reader (total moved, items shifted).

    Each read that saw the list move was thrown away and the list read again; this is raised
    when no read in a row came out consistent, so nothing is planned from a list that may miss
    or repeat agents.
    """
