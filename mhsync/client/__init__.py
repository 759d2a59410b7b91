"""The HTTP client for the Mindhunters API (the only mhsync module, with the sandbox, using httpx).

    from mhsync.client import ApiClient, Token

    # the URL is checked (https only, http to loopback); the token is read from MHSYNC_TOKEN
    with ApiClient("https://tenant.mindhunters.ai/api/v1", Token.from_env()) as client:
        agents = list(client.paginate("/agents"))

Modules: ``token`` (the secret), ``base_url`` (the base URL check), ``envelope``
(every response shape, ASSUMED ones included), ``retry`` (what is retried, how long to wait),
``outcome`` (what an attempt means, which exception), ``limits`` (size cap and deadline of
one answer), ``pages`` (reading a whole list), ``http`` (:class:`ApiClient`).
"""

from mhsync.client.base_url import is_loopback_host, validate_base_url
from mhsync.client.http import ApiClient, OnRequest
from mhsync.client.limits import ResponseLimits
from mhsync.client.outcome import error_class_for
from mhsync.client.retry import RetryPolicy
from mhsync.client.token import Token

__all__ = [
    "ApiClient",
    "OnRequest",
    "ResponseLimits",
    "RetryPolicy",
    "Token",
    "error_class_for",
    "is_loopback_host",
    "validate_base_url",
]
