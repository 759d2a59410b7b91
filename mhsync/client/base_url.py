"""Where the client connects: the base URL check (https only, plain http to loopback).

Which URL and token a command uses is the workspace's choice (``mhsync/workspace.py``, from
mhsync.yaml and ``MHSYNC_BASE_URL``/``MHSYNC_TOKEN``); this module only checks the URL.
"""

from __future__ import annotations

import ipaddress

import httpx

from mhsync.errors import ConfigError


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
