"""Pagination across pages for every list shape, and get_list for non-paginated endpoints."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mhsync.client import ApiClient
from mhsync.errors import ListChangedError, UnexpectedResponseError

from .conftest import Script, reply

ITEMS = [{"uuid": f"u-{n}"} for n in range(7)]


def items_meta(
    items: list[Any], page: int, last: int, per_page: int, total: int = len(ITEMS)
) -> Any:
    return {
        "success": True,
        "message": "ok",
        "data": {
            "items": items,
            "current_page": page,
            "last_page": last,
            "per_page": per_page,
            "total": total,
        },
    }


def laravel(
    items: list[Any], page: int, last: int, per_page: int, total: int = len(ITEMS)
) -> Any:
    return {
        "data": {
            "data": items,
            "current_page": page,
            "last_page": last,
            "per_page": per_page,
            "total": total,
        }
    }


def resource_collection(
    items: list[Any], page: int, last: int, per_page: int, total: int = len(ITEMS)
) -> Any:
    return {
        "data": items,
        "meta": {"current_page": page, "last_page": last, "per_page": per_page, "total": total},
        "links": {},
    }


def items_no_meta(
    items: list[Any], page: int, last: int, per_page: int, total: int = len(ITEMS)
) -> Any:
    return {"success": True, "data": {"items": items}}


def laravel_no_meta(
    items: list[Any], page: int, last: int, per_page: int, total: int = len(ITEMS)
) -> Any:
    return {"data": {"data": items}}


def server(
    shape: Callable[..., Any], items: list[Any], default_per_page: int = 15
) -> Callable[[httpx.Request], Any]:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        per_page = int(request.url.params.get("per_page", str(default_per_page)))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        return reply(200, shape(chunk, page, last, per_page, len(items)))

    return handler


@pytest.mark.parametrize(
    "shape",
    [items_meta, laravel, resource_collection, items_no_meta, laravel_no_meta],
    ids=[
        "items+meta",
        "laravel-data.data",
        "resource-collection",
        "items-no-meta-short-page",
        "laravel-no-meta-short-page",
    ],
)
@pytest.mark.parametrize("parallelism", [1, 4])
def test_three_pages(
    make_client: Callable[..., ApiClient], shape: Callable[..., Any], parallelism: int
) -> None:
    script = Script(server(shape, ITEMS))
    client = make_client(script)
    assert list(client.paginate("/agents", per_page=3, parallelism=parallelism)) == ITEMS
    asked = [str(r.url.params) for r in script.requests]
    assert asked[0] == "per_page=3&page=1"  # the page count is only known from page 1
    pages = ["per_page=3&page=1", "per_page=3&page=2", "per_page=3&page=3"]
    if shape in (items_no_meta, laravel_no_meta):
        pages.append("per_page=3&page=4")  # no meta: a short page is not the end, an empty one is
    assert sorted(asked) == pages


def test_pages_after_the_first_are_read_concurrently(
    make_client: Callable[..., ApiClient],
) -> None:
    """Pages 2 and 3 each wait for the other: read one after another, this would time out."""
    both_in_flight = threading.Barrier(2, timeout=5)
    serve = server(items_meta, ITEMS)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("page") != "1":
            both_in_flight.wait()
        return serve(request)

    client = make_client(Script(handler))
    assert list(client.paginate("/agents", per_page=3, parallelism=2)) == ITEMS


def test_concurrent_read_catches_a_server_ignoring_page(
    make_client: Callable[..., ApiClient],
) -> None:
    body = items_meta(ITEMS[:3], 1, 3, 3)
    client = make_client(lambda r: reply(200, body))
    with pytest.raises(UnexpectedResponseError, match=r"ignores \?page="):
        list(client.paginate("/agents", per_page=3, parallelism=4))


def test_without_a_page_count_concurrent_read_walks_on_from_page_two(
    make_client: Callable[..., ApiClient],
) -> None:
    script = Script(server(items_no_meta, ITEMS))
    client = make_client(script)
    assert list(client.paginate("/agents", per_page=3, parallelism=4)) == ITEMS
    assert [r.url.params.get("page") for r in script.requests] == ["1", "2", "3", "4"]


def test_exact_multiple_without_meta_stops_on_empty_page(
    make_client: Callable[..., ApiClient],
) -> None:
    handler = server(items_no_meta, ITEMS[:6])
    script = Script(handler)
    calls = script.requests
    client = make_client(script)
    assert list(client.paginate("/agents", per_page=3)) == ITEMS[:6]
    assert len(calls) == 3


def test_plain_list_is_read_on_until_an_empty_page(make_client: Callable[..., ApiClient]) -> None:
    """A plain list has no meta: a page shorter than asked is not the end (CONTRACT §1)."""
    script = Script(reply(200, {"success": True, "data": ITEMS[:3]}), reply(200, {"data": []}))
    client = make_client(script)
    assert list(client.paginate("/agents", per_page=100)) == ITEMS[:3]
    assert [r.url.params.get("page") for r in script.requests] == ["1", "2"]


def test_plain_list_ignoring_page_is_an_error(make_client: Callable[..., ApiClient]) -> None:
    client = make_client(Script(reply(200, {"success": True, "data": ITEMS[:3]})))
    with pytest.raises(UnexpectedResponseError, match="repeats page 1"):
        list(client.paginate("/agents", per_page=100))


def test_extra_params_are_kept_and_empty_list_yields_nothing(
    make_client: Callable[..., ApiClient],
) -> None:
    script = Script(reply(200, items_meta([], 1, 1, 100, total=0)))
    calls = script.requests
    client = make_client(script)
    assert list(client.paginate("/agents", params={"status": "ready"})) == []
    assert str(calls[0].url.params) == "status=ready&per_page=100&page=1"


def test_server_ignoring_page_is_caught(make_client: Callable[..., ApiClient]) -> None:
    body = {"data": {"items": ITEMS[:3]}}
    client = make_client(lambda r: reply(200, body))
    with pytest.raises(UnexpectedResponseError, match="repeats page 1"):
        list(client.paginate("/agents", per_page=3))


@pytest.mark.parametrize("per_page", [0, 101], ids=["zero", "over-max"])
def test_per_page_bounds(make_client: Callable[..., ApiClient], per_page: int) -> None:
    client = make_client(lambda r: reply(200, {"data": []}))
    with pytest.raises(ValueError, match="per_page"):
        list(client.paginate("/agents", per_page=per_page))


@pytest.mark.parametrize(
    "body",
    [
        {"success": True, "data": ITEMS[:2]},
        {"success": True, "data": {"items": ITEMS[:2]}},
        {"data": {"data": ITEMS[:2]}},
        ITEMS[:2],
    ],
    ids=["data-list", "data.items", "data.data", "bare-list"],
)
def test_get_list_shapes(make_client: Callable[..., ApiClient], body: Any) -> None:
    script = Script(reply(200, body))
    calls = script.requests
    client = make_client(script)
    assert client.get_list("/agents/a-1/intents") == ITEMS[:2]
    assert len(calls) == 1
    assert str(calls[0].url.params) == ""


def test_get_list_follows_pages_when_the_server_paginates_anyway(
    make_client: Callable[..., ApiClient],
) -> None:
    handler = server(items_meta, ITEMS, default_per_page=3)
    script = Script(handler)
    calls = script.requests
    client = make_client(script)
    assert client.get_list("/agents/a-1/intents") == ITEMS
    assert [str(c.url.params) for c in calls] == ["", "per_page=3&page=2", "per_page=3&page=3"]


def test_get_list_rejects_a_non_list(make_client: Callable[..., ApiClient]) -> None:
    client = make_client(lambda r: reply(200, {"data": {"name": "x"}}))
    with pytest.raises(UnexpectedResponseError, match="is not a list response") as info:
        client.get_list("/agents/a-1/webhooks")
    assert info.value.path == "/agents/a-1/webhooks"


def test_a_list_that_grows_during_a_concurrent_read_is_read_again(
    make_client: Callable[..., ApiClient],
) -> None:
    """Page 1 says 3 pages; by the time page 3 is read a fourth exists: the read is thrown away
    and the list read again, so nothing is dropped and nothing is read twice."""
    grown = [*ITEMS, *({"uuid": f"u-{n}"} for n in range(7, 11))]
    state = {"items": ITEMS}

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        if page == 3:
            state["items"] = grown
        items = state["items"]
        last = -(-len(items) // 3)
        chunk = items[(page - 1) * 3 : page * 3]
        return reply(200, items_meta(chunk, page, last, 3, total=len(items)))

    script = Script(handler)
    client = make_client(script)
    assert list(client.paginate("/agents", per_page=3, parallelism=4)) == grown
    assert sorted(r.url.params["page"] for r in script.requests)[-1] == "4"


def test_a_short_page_with_total_saying_more_is_read_on(
    make_client: Callable[..., ApiClient],
) -> None:
    """A server capping per_page at 3 while reporting only ``total``: nothing is dropped."""

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        chunk = ITEMS[(page - 1) * 3 : page * 3]
        return reply(200, {"data": {"items": chunk, "current_page": page, "total": len(ITEMS)}})

    script = Script(handler)
    assert list(make_client(script).paginate("/agents", per_page=100)) == ITEMS
    assert len(script.requests) == 3  # total reached: no empty page needed


def test_a_list_moving_on_every_read_is_an_error_after_three_reads(
    make_client: Callable[..., ApiClient],
) -> None:
    count = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        count["n"] += 1
        page = int(request.url.params["page"])
        return reply(200, items_meta(ITEMS[(page - 1) * 3 : page * 3], page, 3, 3, count["n"]))

    client = make_client(Script(handler))
    with pytest.raises(ListChangedError, match=r"3 reads in a row \(last: total went from"):
        list(client.paginate("/agents", per_page=3))
    assert count["n"] <= 6  # bounded by what page 1 announced, read after read


def test_an_item_seen_on_two_pages_means_the_list_shifted(
    make_client: Callable[..., ApiClient],
) -> None:
    """Without meta, an agent inserted at the front pushes the last of page 1 onto page 2."""
    agents = [{"agent_uuid": f"a-{n}"} for n in range(5)]
    state = {"list": agents, "pages": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        state["pages"] += 1
        if state["pages"] == 2:
            state["list"] = [{"agent_uuid": "a-new"}, *agents]
        return reply(200, {"data": {"items": state["list"][(page - 1) * 3 : page * 3]}})

    client = make_client(Script(handler))
    read = list(client.paginate("/agents", per_page=3, identity="agent_uuid"))
    assert read == state["list"]


def test_an_answer_for_another_page_is_an_error(make_client: Callable[..., ApiClient]) -> None:
    """A server clamping ?page= to its last page would otherwise repeat items."""

    def handler(request: httpx.Request) -> httpx.Response:
        page = min(2, int(request.url.params["page"]))
        chunk = ITEMS[(page - 1) * 3 : page * 3]
        return reply(200, {"data": {"items": chunk, "current_page": page}})

    expected = "asked for page 3, the answer is current_page 2"
    with pytest.raises(UnexpectedResponseError, match=expected):
        list(make_client(Script(handler)).paginate("/agents", per_page=3))


def test_pages_fetched_ahead_are_bounded_by_total(make_client: Callable[..., ApiClient]) -> None:
    """Page 1 announces 50,000 pages for 7 items: only the pages 7 items can fill are asked
    ahead, and the empty page after them ends a list that holds what ``total`` said."""

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        return reply(200, items_meta(ITEMS[(page - 1) * 3 : page * 3], page, 50_000, 3))

    script = Script(handler)
    assert list(make_client(script).paginate("/agents", per_page=3, parallelism=8)) == ITEMS
    assert script.count == 4
