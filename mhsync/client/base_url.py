"""Where the client connects: base URL checks and settings read from the environment."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from mhsync.client.token import Token
from mhsync.errors import ConfigError

if TYPE_CHECKING:
    from mhsync.client.http import ApiClient

DEFAULT_BASE_URL_VAR = "MHSYNC_BASE_URL"
DEFAULT_TOKEN_VAR = "MHSYNC_TOKEN"


def is_loopback_host(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ::1: the only hosts plain http:// may reach."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_base_url(base_url: str) -> str:
    """Check a base URL and return it without a trailing slash.

    Only ``https://`` is accepted, except plain ``http://`` to a loopback host (a local sandbox).
    Credentials, query strings and fragments are refused; the message never echoes userinfo.
    """
    try:
        url = httpx.URL(base_url.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        raise ConfigError("the API base URL is not a valid URL") from None
    if url.userinfo:
        raise ConfigError("the API base URL must not contain credentials; use the token variable")
    if url.query or url.fragment:
        raise ConfigError("the API base URL must not have a query string or fragment")
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(f"the API base URL must be https://host/...: got {base_url!r}")
    if url.scheme == "http" and not is_loopback_host(url.host):
        raise ConfigError(
            f"refusing plain http:// to {url.host}: the token would travel unencrypted; "
            "use https:// (http:// is allowed only for localhost, 127.0.0.0/8 and ::1)"
        )
    return str(url).rstrip("/")


@dataclass(frozen=True)
class ClientSettings:
    """A validated base URL and token; ``repr`` shows the token as ``Token(***)``."""

    base_url: str
    token: Token
    timeout: float = 30.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", validate_base_url(self.base_url))

    @classmethod
    def from_env(
        cls,
        base_url_var: str = DEFAULT_BASE_URL_VAR,
        token_var: str = DEFAULT_TOKEN_VAR,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> ClientSettings:
        """Read ``MHSYNC_BASE_URL`` and ``MHSYNC_TOKEN`` (or the named variables)."""
        env = os.environ if environ is None else environ
        base_url = env.get(base_url_var, "").strip()
        if not base_url:
            raise ConfigError(
                f"environment variable {base_url_var} is not set or empty; "
                "it must hold the API base URL, e.g. https://tenant.mindhunters.ai/api/v1"
            )
        return cls(base_url=base_url, token=Token.from_env(token_var, env))

    def client(self, **kwargs: Any) -> ApiClient:
        """Build an :class:`ApiClient` from these settings; ``kwargs`` go to its constructor."""
        from mhsync.client.http import ApiClient

        kwargs.setdefault("timeout", self.timeout)
        return ApiClient(self.base_url, self.token, **kwargs)
