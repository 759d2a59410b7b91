"""The client's lean path to httpx's transport: same requests, same routes, less work per request.

``ApiClient`` builds each request itself and hands it to the transport httpx chose for its URL,
instead of going through ``httpx.Client.build_request`` and ``send`` (which parse the URL three
times and fill a cookie jar from every answer). These tests hold it to what httpx would send,
to httpx's proxy routing, and to a bound on the Python calls one GET costs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mhsync.client import ApiClient, Token
from mhsync.client.http import _Payload
from tests.python_calls import python_calls

from .conftest import BASE_URL, MARKER, Script, reply

PATHS = [
    "/agents",
    "agents/a-1/intents",
    "/agents/a b/webhooks",
    "/agents/../x",
    "/agents/%2e%2e/x",
    "/agents/é/intents",
    "/agents//double",
    "/agents/a;b",
    "/agents/a?x=1",
    "/agents/a#frag",
]
PARAMS: list[dict[str, Any] | None] = [
    None,
    {"page": 2, "per_page": 100},
    {"q": "a b&c", "on": True},
]


def _reference(client: ApiClient, method: str, path: str, params: Any, body: Any) -> httpx.Request:
    """What ``httpx.Client`` itself would have sent for the same call."""
    request = client._http.build_request(method, path.lstrip("/"), params=params, json=body)
    request.headers["Authorization"] = f"Bearer {MARKER}"
    return request


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("params", PARAMS, ids=["no-params", "pages", "odd-values"])
def test_a_get_is_the_request_httpx_would_build(
    make_client: Callable[..., ApiClient], path: str, params: dict[str, Any] | None
) -> None:
    script = Script(reply(200, {"data": {}}))
    client = make_client(script)
    client.get(path, params)
    sent = script.requests[0]
    expected = _reference(client, "GET", path, params, None)
    assert sent.url == expected.url
    assert sent.method == "GET"
    assert sent.headers.multi_items() == expected.headers.multi_items()
    assert sent.extensions["timeout"] == expected.extensions["timeout"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_a_write_carries_the_same_body_and_headers(
    make_client: Callable[..., ApiClient], method: str
) -> None:
    body = {"name": "Ann", "nested": {"list": [1, 2.5, None, "é"]}, "flag": False}
    script = Script(reply(200, {"data": {}}))
    client = make_client(script)
    client.request(method, "/agents/a-1", json=body)
    sent = script.requests[0]
    expected = _reference(client, method, "/agents/a-1", None, body)
    assert sent.url == expected.url
    assert sent.read() == expected.read()
    assert sent.headers.multi_items() == expected.headers.multi_items()


def test_cookies_are_neither_kept_nor_sent(make_client: Callable[..., ApiClient]) -> None:
    """Bearer auth needs no cookie; an API client (Terraform's, decK's) keeps none either."""
    script = Script(reply(200, {"data": {}}, headers={"Set-Cookie": "session=abc; Path=/"}))
    client = make_client(script)
    client.get("/agents")
    client.get("/agents")
    assert "cookie" not in script.requests[1].headers


def test_a_closed_client_sends_nothing(make_client: Callable[..., ApiClient]) -> None:
    script = Script(reply(200, {"data": {}}))
    client = make_client(script)
    client.close()
    with pytest.raises(RuntimeError):
        client.get("/agents")
    assert script.count == 0


class _Proxy(BaseHTTPRequestHandler):
    """A forward proxy for plain http that answers every request itself and records it."""

    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization")))
        body = json.dumps({"data": {"via": "proxy"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
    _Proxy.seen = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_proxy_from_the_environment_carries_the_requests(proxy: str) -> None:
    """httpx's proxy mounts still choose the route: the request reaches the proxy in absolute
    form (port 9 has no server; only the proxy can answer)."""
    with ApiClient("http://127.0.0.1:9/api/v1", Token(MARKER)) as client:
        assert client.get("/agents/a-1", {"page": 1}) == {"via": "proxy"}
    assert _Proxy.seen == [("http://127.0.0.1:9/api/v1/agents/a-1?page=1", f"Bearer {MARKER}")]


CALLS_PER_GET = 120
"""A bound on the Python function calls of one GET through ``ApiClient`` on a MockTransport
(httpx's request and response models, mhsync's checks; no socket). A count, unlike a time,
is the same on every machine. Through ``Client.build_request`` and ``Client.send``, and with
the answer rebuilt as a second ``httpx.Response``, one GET took 445; with the URL parsed by
httpx for every request, about 200; it takes about 90 now (``mhsync.client.requests``)."""


def test_a_get_costs_a_bounded_number_of_python_calls(
    make_client: Callable[..., ApiClient],
) -> None:
    page = {"data": [{"intent_uuid": f"u-{i}", "name": f"n{i}"} for i in range(8)]}
    client = make_client(Script(reply(200, page)))
    client.get_list("/agents/a-1/intents")  # warm: lazy imports, first-call caches

    def gets() -> None:
        for _ in range(20):
            client.get_list("/agents/a-1/intents")

    per_get = python_calls(gets) / 20
    assert per_get <= CALLS_PER_GET, per_get


def test_the_base_url_is_only_joined_never_re_resolved() -> None:
    """The prefix is the validated base URL: a path cannot climb out of its host."""
    script = Script(reply(200, {"data": {}}))
    with ApiClient(BASE_URL, Token(MARKER), transport=httpx.MockTransport(script)) as client:
        client.get("/agents/@evil.example/x")
        client.get("//evil.example/agents")
    assert {r.url.host for r in script.requests} == {"tenant.mindhunters.test"}


PATH_CHARS = st.sampled_from(
    [*"aZ09-_.~/", "..", "%2e", "%41", " ", "é", "@", ":", ";", "=", "+", "!", "*"]
)
PARAM_VALUES = st.one_of(
    st.integers(-5, 10**6),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(st.sampled_from([*"az09-_.~", " ", "&", "=", "é", "+", "%"]), max_size=8),
)


@settings(max_examples=200, deadline=None)
@given(
    path=st.lists(PATH_CHARS, max_size=12).map("".join),
    params=st.none()
    | st.dictionaries(
        st.sampled_from(["page", "per_page", "q", "a b", "é"]), PARAM_VALUES, max_size=3
    ),
    method=st.sampled_from(["GET", "DELETE", "POST"]),
)
def test_any_request_is_the_one_httpx_would_build(
    path: str, params: dict[str, Any] | None, method: str
) -> None:
    """Plain paths skip httpx's URL parser; every path, plain or not, gives httpx's request."""
    body = {"name": "n"} if method == "POST" else None
    script = Script(reply(200, {"data": {}}))
    with ApiClient(BASE_URL, Token(MARKER), transport=httpx.MockTransport(script)) as client:
        built = client._build(method, "/agents/" + path, params, _Payload(body))
        expected = client._http.build_request(
            method, ("agents/" + path), params=params or None, json=body
        )
    assert str(built.url) == str(expected.url)
    assert built.url.raw_path == expected.url.raw_path
    assert built.url == expected.url
    assert built.method == expected.method
    assert built.headers.multi_items() == expected.headers.multi_items()
    assert built.read() == expected.read()
    assert built.extensions["timeout"] == expected.extensions["timeout"]
