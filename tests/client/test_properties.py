"""Property tests: envelopes unwrap whatever sits beside ``data``; errors never leak the token;
pagination yields every item exactly once for any list size and page size."""

from __future__ import annotations

import json
import random
import string
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from mhsync.client import ApiClient, RetryPolicy, Token
from mhsync.client.envelope import decode_error, unwrap
from mhsync.errors import ApiError

from .test_pagination import items_meta, items_no_meta, laravel, resource_collection, server

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
extras = st.fixed_dictionaries(
    {},
    optional={
        "success": st.booleans(),
        "message": st.text(max_size=20),
        "meta": json_values,
        "links": json_values,
    },
)
tokens = st.text(alphabet=string.ascii_letters + string.digits + "-_.|", min_size=12, max_size=60)


@given(data=json_values, beside=extras)
def test_unwrap_returns_data_whatever_sits_beside(data: Any, beside: dict[str, Any]) -> None:
    assert unwrap({**beside, "data": data}) == data


@given(
    status=st.integers(400, 599),
    content=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()),
)
def test_decode_error_never_fails_and_stays_short(status: int, content: bytes) -> None:
    info = decode_error(status, content)
    assert info.message and len(info.message) <= 500
    assert "\n" not in info.message


@settings(max_examples=60, deadline=None)
@given(
    token=tokens,
    status=st.sampled_from([400, 401, 403, 404, 409, 422, 500]),
    shape=st.sampled_from(["primary", "laravel", "text"]),
)
def test_errors_never_carry_the_token(token: str, status: int, shape: str) -> None:
    echo = f"bad token {token}!"
    if shape == "primary":
        body = json.dumps(
            {
                "success": False,
                "message": echo,
                "error": {"code": "X", "details": echo, "field": "f"},
            }
        ).encode()
    elif shape == "laravel":
        body = json.dumps({"message": echo, "errors": {"name": [echo]}}).encode()
    else:
        body = echo.encode()
    client = ApiClient(
        "https://t.example/api/v1",
        Token(token),
        transport=httpx.MockTransport(lambda r: httpx.Response(status, content=body)),
        retry=RetryPolicy.no_retry(),
    )
    with client:
        try:
            client.post("/agents", {"name": "x"})
        except ApiError as error:
            assert token not in str(error) and token not in repr(error)
        else:
            raise AssertionError("expected an ApiError")


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(0, 320),
    per_page=st.integers(1, 100),
    shape=st.sampled_from([items_meta, laravel, resource_collection, items_no_meta]),
    parallelism=st.sampled_from([1, 3, 16]),
)
def test_paginate_yields_every_item_once(
    count: int, per_page: int, shape: Any, parallelism: int
) -> None:
    items = [{"uuid": f"u-{n}"} for n in range(count)]
    retry = RetryPolicy(sleep=lambda s: None, rng=random.Random(0))
    with ApiClient(
        "https://t.example/api/v1",
        Token("t" * 12),
        transport=httpx.MockTransport(server(shape, items)),
        retry=retry,
    ) as client:
        assert list(client.paginate("/agents", per_page=per_page, parallelism=parallelism)) == items
