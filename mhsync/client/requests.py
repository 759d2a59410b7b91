"""Building the ``httpx.Request`` of one call: the request ``httpx.Client.build_request`` makes,
for a fraction of its CPU.

``build_request`` parses the base URL, the path and the joined URL for every request and merges
cookies mhsync never has. Here the URL is the base URL joined with the path as a string, and:

- a plain path and query (unreserved characters and ``/`` only, no ``.`` or ``..`` segment:
  every GET of a plan) skip httpx's URL parser, whose character-by-character checks are the
  largest part of a request's cost. What the parser would make of such a URL is known: the
  base URL's parts with this path and query, unchanged (quoting leaves them as they are and
  there is no dot segment to remove), so the parsed base URL is copied with them. This relies
  on how ``httpx.URL`` holds its parts; at start-up (:meth:`RequestBuilder.__init__`) one URL
  is built both ways, and unless they agree the parser is used for every request;
- a request without a body is given its headers whole (the client's, after ``Host``, as httpx
  orders them) instead of having httpx work out which content headers it needs;
- anything else (a query in the path, a fragment, an odd character, a body) goes the ordinary
  way, through ``httpx.Request`` or ``build_request``.

``tests/client/test_transport.py`` holds every path to what ``build_request`` sends (URL,
headers, body, timeouts), for chosen and for random paths and parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

Params = Mapping[str, str | int | float | bool]

_PLAIN_PATH = re.compile(r"[A-Za-z0-9_.~/-]*")
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_.~-]+")
_MAX_PLAIN = 4096
_BODYLESS_NEEDS_LENGTH = frozenset({"POST", "PUT", "PATCH"})
_EMPTY = httpx.ByteStream(b"")
_PROBE = "agents/a-1/x_y.z~?per_page=100&page=2"


class RequestBuilder:
    """Requests to paths under one base URL, with one client's headers and timeouts."""

    def __init__(self, client: httpx.Client, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._extensions = {"timeout": client.timeout.as_dict()}
        base = httpx.URL(prefix)
        self._base: Any = getattr(base, "_uri_reference", None)
        self._base_path: str = getattr(self._base, "path", "")
        self._headers = httpx.Headers([(b"Host", base.netloc), *client.headers.raw])
        if not self._agrees(_PROBE):
            self._base = None

    def build(self, method: str, path: str, params: Params | None, json: Any) -> httpx.Request:
        """The request for ``method path?params`` with the JSON body ``json`` (None: none)."""
        relative = path.lstrip("/")
        if "?" in relative or "#" in relative:
            return self._client.build_request(
                method, relative, params=dict(params) if params else None, json=json
            )
        query, plain = _query(params) if params else (None, True)
        url = self._plain_url(relative, query) if plain else None
        if url is None:
            url = httpx.URL(self._prefix + relative + ("" if query is None else "?" + query))
        if json is None and method not in _BODYLESS_NEEDS_LENGTH:
            return httpx.Request(
                method, url, headers=self._headers, stream=_EMPTY, extensions=self._extensions
            )
        return httpx.Request(
            method, url, headers=self._client.headers, json=json, extensions=self._extensions
        )

    def _plain_url(self, relative: str, query: str | None) -> httpx.URL | None:
        """The URL without httpx's parser, for a plain path (else None) and a plain query."""
        base = self._base
        if base is None or len(relative) > _MAX_PLAIN or not _PLAIN_PATH.fullmatch(relative):
            return None
        if "." in relative and not {".", ".."}.isdisjoint(relative.split("/")):
            return None
        url = httpx.URL.__new__(httpx.URL)
        url._uri_reference = base._replace(path=self._base_path + relative, query=query)
        return url

    def _agrees(self, sample: str) -> bool:
        """Whether a URL built without the parser equals the parsed one (see the module)."""
        relative, _, query = sample.partition("?")
        try:
            fast = self._plain_url(relative, query)
        except (AttributeError, TypeError, ValueError):
            return False
        parsed = httpx.URL(self._prefix + sample)
        return (
            fast is not None
            and str(fast) == str(parsed)
            and fast.raw_path == parsed.raw_path
            and fast.netloc == parsed.netloc
        )


def _query(params: Params) -> tuple[str, bool]:
    """``str(httpx.QueryParams(params))``, and whether it is plain (names and values of
    unreserved characters, or ints, joined by ``=`` and ``&``: the query httpx would send
    as is). Plain queries are joined directly."""
    parts = []
    for key, value in params.items():
        text = str(value) if type(value) is int else value
        if not isinstance(text, str) or not _PLAIN_WORD.fullmatch(key + text):
            return str(httpx.QueryParams(params)), False
        parts.append(key + "=" + text)
    return "&".join(parts), True
