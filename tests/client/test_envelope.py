"""Success envelopes (CONTRACT §1): ``data`` is unwrapped whatever sits beside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mhsync.client import ApiClient, envelope
from mhsync.errors import UnexpectedResponseError

from .conftest import reply

AGENT = {"agent_uuid": "a-1", "name": "Ada"}

ENVELOPES = [
    pytest.param({"data": AGENT}, AGENT, id="data-only"),
    pytest.param({"success": True, "data": AGENT}, AGENT, id="success-data"),
    pytest.param(
        {"success": True, "message": "Created", "data": AGENT}, AGENT, id="success-message-data"
    ),
    pytest.param({"success": True, "data": [AGENT]}, [AGENT], id="data-list"),
    pytest.param({"success": True, "data": None}, None, id="data-null"),
    pytest.param({"success": True, "message": "Agent deleted"}, None, id="ack-without-data"),
    pytest.param({"data": AGENT, "meta": {"x": 1}, "links": {}}, AGENT, id="extra-keys-beside"),
    pytest.param(AGENT, AGENT, id="bare-object"),
]


@pytest.mark.parametrize(("body", "expected"), ENVELOPES)
@pytest.mark.parametrize("verb", ["get", "post", "put", "patch", "delete"])
def test_every_verb_unwraps_every_envelope(
    make_client: Callable[..., ApiClient], verb: str, body: Any, expected: Any
) -> None:
    client = make_client(lambda request: reply(200, body))
    call = getattr(client, verb)
    result = call("/agents/a-1") if verb in ("get", "delete") else call("/agents/a-1", {"x": 1})
    assert result == expected


@pytest.mark.parametrize(
    "response",
    [httpx.Response(204), httpx.Response(200, content=b""), httpx.Response(201, content=b"  \n")],
    ids=["204", "200-empty", "201-blank"],
)
def test_empty_body_is_none(
    make_client: Callable[..., ApiClient], response: httpx.Response
) -> None:
    assert make_client(lambda request: response).delete("/agents/a-1") is None


def test_request_carries_auth_json_and_accept(make_client: Callable[..., ApiClient]) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return reply(201, {"success": True, "data": AGENT})

    client = make_client(handler)
    client.post("/agents", {"name": "Ada"})
    client.get("agents/a-1", params={"include": "all"})
    post, get = seen
    assert post.headers["Authorization"] == "Bearer tok-MARKER-123"
    assert post.headers["Content-Type"] == "application/json"
    assert post.headers["Accept"] == "application/json"
    assert post.headers["User-Agent"].startswith("mhsync/")
    assert post.content == b'{"name":"Ada"}'
    assert str(post.url) == "https://tenant.mindhunters.test/api/v1/agents"
    assert str(get.url) == "https://tenant.mindhunters.test/api/v1/agents/a-1?include=all"


@pytest.mark.parametrize(
    ("response", "match"),
    [
        (reply(200, text="<html>login</html>"), "expected JSON, got text/html"),
        (httpx.Response(302, headers={"Location": "https://elsewhere/"}), "unexpected redirect"),
        (reply(200, {"success": False, "message": "Nope", "error": {"code": "X"}}), "Nope"),
    ],
    ids=["html-200", "redirect", "success-false-under-200"],
)
def test_unexpected_success_bodies(
    make_client: Callable[..., ApiClient], response: httpx.Response, match: str
) -> None:
    with pytest.raises(UnexpectedResponseError, match=match) as info:
        make_client(lambda request: response).get("/agents/a-1")
    assert info.value.path == "/agents/a-1"
    assert "login" not in str(info.value)


@pytest.mark.parametrize(
    ("body", "items", "current", "last", "paginated"),
    [
        (
            {
                "success": True,
                "data": {
                    "items": [AGENT],
                    "current_page": 1,
                    "last_page": 3,
                    "per_page": 1,
                    "total": 3,
                },
            },
            [AGENT],
            1,
            3,
            True,
        ),
        ({"data": {"data": [AGENT], "current_page": 2, "last_page": 3}}, [AGENT], 2, 3, True),
        ({"data": [AGENT], "current_page": 2, "last_page": 2}, [AGENT], 2, 2, True),
        ({"data": [AGENT], "meta": {"current_page": 1, "last_page": 4}}, [AGENT], 1, 4, True),
        (
            {"data": {"items": [AGENT], "meta": {"current_page": 1, "last_page": 2}}},
            [AGENT],
            1,
            2,
            True,
        ),
        ({"data": {"items": [AGENT]}}, [AGENT], None, None, True),
        ({"success": True, "data": [AGENT]}, [AGENT], None, None, False),
        ([AGENT], [AGENT], None, None, False),
        ({"data": {"items": [], "current_page": "1", "last_page": "1"}}, [], 1, 1, True),
    ],
    ids=[
        "items-meta",
        "laravel-data-data",
        "laravel-top-level-meta",
        "resource-collection-meta",
        "items-nested-meta",
        "items-no-meta",
        "plain-list",
        "bare-list",
        "string-meta",
    ],
)
def test_decode_page_shapes(
    body: Any, items: list[Any], current: int | None, last: int | None, paginated: bool
) -> None:
    page = envelope.decode_page(body)
    assert (page.items, page.current_page, page.last_page, page.paginated) == (
        items,
        current,
        last,
        paginated,
    )


@pytest.mark.parametrize(
    "body",
    [{"data": {"name": "x"}}, {"data": "text"}, {"data": [1, 2]}, None],
    ids=["object", "string", "list-of-scalars", "empty"],
)
def test_decode_page_rejects_non_lists(body: Any) -> None:
    with pytest.raises(envelope.EnvelopeError):
        envelope.decode_page(body)
