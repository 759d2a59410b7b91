"""The API token, held so that it cannot leak through a repr, a log line or an error message."""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping

from mhsync.errors import ConfigError

_MAX_TOKEN_LENGTH = 4096


class Token:
    """A bearer token: ``repr``/``str`` give ``Token(***)``; only :meth:`reveal` gives the value.

    The value is checked to be printable ASCII without spaces, so that it can never make httpx
    raise an "illegal header value" error whose text would quote it.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value:
            raise ConfigError("the API token is empty")
        if len(value) > _MAX_TOKEN_LENGTH or not all("!" <= ch <= "~" for ch in value):
            raise ConfigError(
                "the API token contains characters not allowed in an HTTP header "
                "(spaces, line breaks or non-ASCII); check how it was copied"
            )
        self._value = value

    @classmethod
    def from_env(cls, var: str = "MHSYNC_TOKEN", environ: Mapping[str, str] | None = None) -> Token:
        """Read the token from environment variable ``var``; the error names the variable only."""
        env = os.environ if environ is None else environ
        raw = env.get(var, "").strip()
        if not raw:
            raise ConfigError(
                f"environment variable {var} is not set or empty; it must hold the API token"
            )
        try:
            return cls(raw)
        except ConfigError as exc:
            raise ConfigError(f"environment variable {var}: {exc}") from None

    def reveal(self) -> str:
        """The secret itself; used only to build the Authorization header."""
        return self._value

    def __repr__(self) -> str:
        return "Token(***)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Token):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Token, self._value))
